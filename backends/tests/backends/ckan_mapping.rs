//! Mapping of CKAN and DKAN packages onto udata datasets: one assertion per row of the spec's
//! CKAN tables (dataset, harvest metadata, resource), the skip rules, the DKAN variants, and every
//! real package of the ckanext-dcat fixtures mapped without error.

use std::path::PathBuf;

use backends::ckan::{map_package, PackageMapping};
use backends::ckan_api::{unwrap_package, Dialect};
use backends::mapping::{ids, MappedDataset};
use common::model::{HarvestSource, SkipReason};
use serde_json::Value;

use crate::kit::{
    bson_at as bson_date, bson_day as day, fixture_json as fixture, map_context, now, source,
};

const PORTAL: &str = "https://ckan.example.org";

/// The package of a `package_show` answer fixture (DKAN lists unwrapped).
fn package(path: &str) -> Value {
    let answer = fixture(path);
    let result = answer.get("result").cloned().unwrap_or(answer);
    unwrap_package(result).expect("a package")
}

fn map_with(pkg: &Value, dialect: Dialect, source: &HarvestSource) -> PackageMapping {
    let ctx = map_context(source);
    map_package(pkg, dialect, &ctx).expect("mapping succeeds")
}

fn mapped(pkg: &Value, dialect: Dialect, source: &HarvestSource) -> MappedDataset {
    match map_with(pkg, dialect, source) {
        PackageMapping::Mapped(m) => m,
        PackageMapping::Skipped(reason, why) => panic!("skipped: {reason:?} {why}"),
    }
}

#[test]
fn ckan_dataset_table() {
    let src = source(&format!("{PORTAL}/"), "ckan");
    let m = mapped(&package("ckan/package_show_full.json"), Dialect::Ckan, &src);
    let d = &m.dataset;
    let h = d.harvest.as_ref().expect("harvest block");

    // Slug ← name (storage uses it on creation only, made unique there); also harvest.ckan_name.
    assert_eq!(d.slug, "stations-velos-libre-service");
    assert_eq!(h.ckan_name.as_deref(), Some("stations-velos-libre-service"));
    // Titre ← title.
    assert_eq!(d.title, "Stations de vélos en libre-service");
    // Acronyme ❌.
    assert_eq!(d.acronym, None);
    // Description ← notes (HTML → Markdown).
    assert!(
        d.description.contains("**stations de vélos**"),
        "{}",
        d.description
    );
    assert!(
        d.description.contains("Mise à jour quotidienne."),
        "{}",
        d.description
    );
    assert!(!d.description.contains('<'), "{}", d.description);
    // Mots-clés ← tags.name (normalised, deduplicated, sorted as udata's TagListField stores them).
    assert_eq!(d.tags, vec!["mobilite-douce", "transport", "velo"]);
    // Date de création ← metadata_created.
    assert_eq!(h.created_at, Some(bson_date(2019, 3, 14, 9, 26, 53, 482)));
    // Date de mise à jour ← metadata_modified.
    assert_eq!(h.modified_at, Some(bson_date(2023, 11, 2, 16, 45, 10, 31)));
    // Licence ← license_id + license_title, guessed.
    assert_eq!(d.license.as_deref(), Some("odc-odbl"));
    // Couverture spatiale ← extras.spatial (Polygon → MultiPolygon), spatial-text kept.
    let geom = d
        .spatial
        .as_ref()
        .and_then(|s| s.geom.as_ref())
        .expect("geometry");
    assert_eq!(geom.get_str("type").unwrap(), "MultiPolygon");
    let polygons = geom.get_array("coordinates").unwrap();
    assert_eq!(polygons.len(), 1);
    let ring = polygons[0].as_array().unwrap()[0].as_array().unwrap();
    assert_eq!(ring.len(), 5);
    assert_eq!(
        d.extras.get_str("ckan:spatial-text").unwrap(),
        "Métropole Exemple"
    );
    assert_eq!(
        d.extras.get_str("ckan:spatial-uri").unwrap(),
        "http://id.insee.fr/geo/commune/69123"
    );
    // Couverture temporelle ← extras.temporal_start / temporal_end (partial dates widened).
    let temporal = d.temporal_coverage.as_ref().expect("temporal coverage");
    assert_eq!(temporal.start, Some(day(2019, 1, 1)));
    assert_eq!(temporal.end, Some(day(2023, 6, 30)));
    // Fréquence ← extras.frequency.
    assert_eq!(d.frequency.as_deref(), Some("daily"));
    // Identifiant distant ← id.
    assert_eq!(
        h.remote_id.as_deref(),
        Some("8b2e4c6a-1f3d-4e5a-9b7c-0d1e2f3a4b5c")
    );
    // URL de consultation ← url (valid here).
    assert_eq!(
        h.remote_url.as_deref(),
        Some("https://www.example.org/mobilite/velos")
    );
    assert_eq!(h.ckan_source, None);
    // Other extras kept; empty ones and the mapped ones are not.
    assert_eq!(
        d.extras.get_str("contact-email").unwrap(),
        "sig@example.org"
    );
    assert_eq!(d.extras.get_str("theme").unwrap(), "Transports");
    assert!(!d.extras.contains_key("empty-one"));
    assert!(!d.extras.contains_key("frequency"));
    assert!(!d.extras.contains_key("temporal_start"));
    assert!(!d.extras.contains_key("spatial"));
    // Organization is not kept (udata-ckan does not either).
    assert!(!d.extras.keys().any(|k| k.contains("organization")));
    // Harvest block.
    assert_eq!(h.backend.as_deref(), Some("ckan"));
    assert_eq!(h.domain.as_deref(), Some("ckan.example.org"));
    assert_eq!(h.source_id, Some(src.id.to_hex()));
    assert!(!d.private);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn ckan_resource_table() {
    let src = source(PORTAL, "ckan");
    let m = mapped(&package("ckan/package_show_full.json"), Dialect::Ckan, &src);
    let r = &m.dataset.resources;
    assert_eq!(r.len(), 3);

    // Identifiant ← id (a valid UUID, kept).
    assert_eq!(r[0].id, "e2a3b4c5-d6e7-4f80-9a1b-2c3d4e5f6a7b");
    // Titre ← name; a resource without name gets one from its URL.
    assert_eq!(r[0].title, "Stations (CSV)");
    assert_eq!(r[1].title, "API temps réel");
    assert_eq!(r[2].title, "notice-velos.pdf");
    // Description ← description (HTML → Markdown), empty → none.
    let description = r[0].description.as_deref().unwrap();
    assert!(
        description.contains("CSV") && !description.contains('<'),
        "{description}"
    );
    assert_eq!(r[1].description, None);
    // URL ← url (a missing scheme gets http://, as udata's is_url does).
    assert_eq!(
        r[0].url,
        "https://ckan.example.org/dataset/8b2e4c6a/resource/e2a3b4c5/download/stations.csv"
    );
    assert_eq!(r[2].url, "http://www.example.org/docs/notice-velos.pdf");
    assert_eq!(
        r[0].urlhash.as_deref(),
        Some(ids::url_hash(&r[0].url).as_str())
    );
    // Type ← resource_type: api → api; filetype always remote.
    assert_eq!(r[1].kind, "api");
    assert_eq!(r[0].kind, "main");
    assert_eq!(r[2].kind, "documentation");
    assert!(r.iter().all(|x| x.filetype == "remote"));
    // Type MIME ← mimetype.
    assert_eq!(r[0].mime.as_deref(), Some("text/csv"));
    assert_eq!(r[1].mime, None);
    assert_eq!(r[2].mime.as_deref(), Some("application/pdf"));
    // Format ← format (lower case).
    assert_eq!(r[0].format.as_deref(), Some("csv"));
    assert_eq!(r[1].format, None);
    assert_eq!(r[2].format.as_deref(), Some("pdf"));
    // Taille ← size (number or numeric string).
    assert_eq!(r[0].filesize, Some(48213));
    assert_eq!(r[1].filesize, None);
    assert_eq!(r[2].filesize, Some(1024));
    // Somme de contrôle ← hash (typed by length, or by its `algo:` prefix).
    let c0 = r[0].checksum.as_ref().unwrap();
    assert_eq!(
        (c0.kind.as_str(), c0.value.as_str()),
        ("md5", "9e107d9d372bb6826bd81d3542a419d6")
    );
    assert_eq!(r[1].checksum, None);
    assert_eq!(r[2].checksum.as_ref().unwrap().kind, "sha256");
    // Date de création ← created; Date de mise à jour ← last_modified (never in the future).
    let h0 = r[0].harvest.as_ref().unwrap();
    assert_eq!(h0.issued_at, Some(bson_date(2019, 3, 14, 9, 30, 0, 0)));
    assert_eq!(h0.modified_at, Some(bson_date(2023, 11, 2, 5, 0, 0, 0)));
    assert_eq!(r[1].harvest.as_ref().unwrap().modified_at, None);
    assert_eq!(
        r[2].harvest.as_ref().unwrap().modified_at,
        Some(bson::DateTime::from_chrono(now()))
    );
}

#[test]
fn ckan_quirks_invalid_url_non_uuid_ids_and_warnings() {
    let src = source(PORTAL, "ckan");
    let m = mapped(
        &package("ckan/package_show_quirks.json"),
        Dialect::Ckan,
        &src,
    );
    let d = &m.dataset;
    let h = d.harvest.as_ref().unwrap();

    assert_eq!(d.title, "Budget primitif 2023");
    // Plain text notes stay as they are (already Markdown).
    assert_eq!(d.description, "Budget **primitif** voté en conseil.");
    // Tags shorter than 3 characters are dropped (udata's TAG_MIN_LENGTH).
    assert_eq!(d.tags, vec!["budget", "finances"]);
    // License title alone is enough.
    assert_eq!(d.license.as_deref(), Some("lov2"));
    // An invalid `url` is kept in ckan_source; remote_url is the portal page.
    assert_eq!(
        h.ckan_source.as_deref(),
        Some("portail interne, voir service finances")
    );
    assert_eq!(
        h.remote_url.as_deref(),
        Some("https://ckan.example.org/dataset/budget-primitif-2023")
    );
    // Unparseable metadata_modified: no date, a warning.
    assert_eq!(h.modified_at, None);
    assert!(
        m.warnings.iter().any(|w| w.contains("metadata_modified")),
        "{:?}",
        m.warnings
    );
    // A Point is not a coverage polygon: warned, kept as extra.
    assert!(d.spatial.is_none());
    assert!(d.extras.get_str("ckan:spatial").unwrap().contains("Point"));
    // Unknown frequency kept in ckan:frequency.
    assert_eq!(d.frequency, None);
    assert_eq!(
        d.extras.get_str("ckan:frequency").unwrap(),
        "quand le conseil le décide"
    );
    // Reversed temporal bounds are swapped.
    let t = d.temporal_coverage.as_ref().unwrap();
    assert_eq!(
        (t.start, t.end),
        (Some(day(2023, 1, 1)), Some(day(2023, 12, 31)))
    );
    // Non-string extras keep their type.
    assert_eq!(d.extras.get_i64("nb_lignes").unwrap(), 1532);
    assert_eq!(d.extras.get_array("sources").unwrap().len(), 2);

    // Resources: no URL and mailto: are dropped with a warning; non-UUID and missing ids get a
    // stable generated id.
    let r = &d.resources;
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(
        m.warnings
            .iter()
            .filter(|w| w.contains("resource #"))
            .count(),
        2
    );
    let key = format!("{}/c0ffee00-1234-4abc-8def-000000000042", src.id.to_hex());
    assert_eq!(r[0].id, ids::resource_id(&key, "budget-2023-xlsx"));
    assert_eq!(r[0].format.as_deref(), Some("xlsx"));
    assert_eq!(
        r[1].id,
        ids::resource_id(&key, "https://data.example.org/files/budget-2023.csv#3")
    );
    // A media type given as format fills both format and mime.
    assert_eq!(r[1].format.as_deref(), Some("csv"));
    assert_eq!(r[1].mime.as_deref(), Some("text/csv"));
    assert!(uuid::Uuid::parse_str(&r[0].id).is_ok());

    // Generated ids are stable across harvests of the same source, distinct across sources.
    let again = mapped(
        &package("ckan/package_show_quirks.json"),
        Dialect::Ckan,
        &src,
    );
    assert_eq!(again.dataset.resources[0].id, r[0].id);
    let other = mapped(
        &package("ckan/package_show_quirks.json"),
        Dialect::Ckan,
        &source(PORTAL, "ckan"),
    );
    assert_ne!(other.dataset.resources[0].id, r[0].id);
}

#[test]
fn ckan_skip_rules() {
    let src = source(PORTAL, "ckan");
    let expect_skip = |path: &str, reason: SkipReason, needle: &str| match map_with(
        &package(path),
        Dialect::Ckan,
        &src,
    ) {
        PackageMapping::Skipped(r, why) => {
            assert_eq!(r, reason, "{path}");
            assert!(why.contains(needle), "{path}: {why}");
        }
        PackageMapping::Mapped(_) => panic!("{path} should be skipped"),
    };
    expect_skip(
        "ckan/package_show_private.json",
        SkipReason::NotPublic,
        "private",
    );
    expect_skip(
        "ckan/package_show_deleted.json",
        SkipReason::NotPublic,
        "deleted",
    );
    expect_skip(
        "ckan/package_show_no_resources.json",
        SkipReason::NoResources,
        "jeu-sans-ressource",
    );
    // A package whose only resources are unusable is skipped the same way.
    let mut pkg = package("ckan/package_show_quirks.json");
    pkg["resources"] = serde_json::json!([{"id": "x", "url": ""}]);
    assert!(matches!(
        map_with(&pkg, Dialect::Ckan, &src),
        PackageMapping::Skipped(SkipReason::NoResources, _)
    ));
    // String booleans count.
    let mut pkg = package("ckan/package_show_full.json");
    pkg["private"] = Value::String("True".into());
    assert!(matches!(
        map_with(&pkg, Dialect::Ckan, &src),
        PackageMapping::Skipped(SkipReason::NotPublic, _)
    ));
}

#[test]
fn ckan_invalid_input_is_a_typed_error() {
    let src = source(PORTAL, "ckan");
    let ctx = map_context(&src);
    let err = map_package(&serde_json::json!(["x"]), Dialect::Ckan, &ctx).unwrap_err();
    assert!(err.to_string().contains("package"), "{err}");
    let err = map_package(
        &serde_json::json!({"title": "t", "resources": [{"url": "http://x.org/a"}]}),
        Dialect::Ckan,
        &ctx,
    )
    .unwrap_err();
    assert!(err.to_string().contains("id"), "{err}");
}

#[test]
fn dkan_french_package() {
    let src = source("https://opendata.region-exemple.fr", "dkan");
    let pkg = package("dkan/package_show_fr.json");
    let m = mapped(&pkg, Dialect::Dkan, &src);
    let d = &m.dataset;
    let h = d.harvest.as_ref().unwrap();

    // `private: true` on a public DKAN dataset and `state: "Active"` do not skip it.
    assert_eq!(h.backend.as_deref(), Some("dkan"));
    assert_eq!(
        h.remote_id.as_deref(),
        Some("7a1c9e2b-3d4f-4a5b-8c6d-9e0f1a2b3c4d")
    );
    assert_eq!(h.ckan_name.as_deref(), Some("points-de-collecte-du-verre"));
    // Drupal dates, day first: "mar, 10/12/2019 - 09:23" is 10 December.
    assert_eq!(h.created_at, Some(bson_date(2019, 12, 10, 9, 23, 0, 0)));
    assert_eq!(h.modified_at, Some(bson_date(2023, 9, 30, 22, 0, 0, 0)));
    // License given as a URL in license_title.
    assert_eq!(d.license.as_deref(), Some("lov2"));
    assert_eq!(
        d.tags,
        vec!["dechets", "environnement", "services-d-utilite-publique"]
    );
    assert_eq!(d.frequency.as_deref(), Some("monthly"));
    assert_eq!(
        d.spatial
            .as_ref()
            .unwrap()
            .geom
            .as_ref()
            .unwrap()
            .get_str("type")
            .unwrap(),
        "MultiPolygon"
    );
    assert_eq!(
        h.remote_url.as_deref(),
        Some("https://opendata.region-exemple.fr/?q=dataset/points-de-collecte-du-verre")
    );
    assert_eq!(d.extras.get_str("bbox-east-long").unwrap(), "4.65820313");

    let r = &d.resources;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].id, "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");
    // Human sizes.
    assert_eq!(r[0].filesize, Some(42));
    assert_eq!(r[1].filesize, None);
    // An extension in `mimetype` is not a media type.
    assert_eq!(r[0].mime, None);
    assert_eq!(r[0].format.as_deref(), Some("xlsx"));
    // No resource_type on DKAN: main.
    assert!(r.iter().all(|x| x.kind == "main" && x.filetype == "remote"));
    let rh = r[0].harvest.as_ref().unwrap();
    assert_eq!(rh.issued_at, Some(bson_date(2019, 12, 19, 3, 0, 0, 0)));
    // "Date changed  lun, 02/03/2020 - 14:05": the prefix is ignored, day first.
    assert_eq!(rh.modified_at, Some(bson_date(2020, 3, 2, 14, 5, 0, 0)));
    assert_eq!(r[1].title, "Visionneuse");
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);

    // The same package through the CKAN dialect: private → skipped, Drupal dates unparsed.
    assert!(matches!(
        map_with(&pkg, Dialect::Ckan, &src),
        PackageMapping::Skipped(SkipReason::NotPublic, _)
    ));
}

#[test]
fn dkan_english_package() {
    let src = source("http://demo.getdkan.com/", "dkan");
    let m = mapped(&package("dkan/package_show_en.json"), Dialect::Dkan, &src);
    let d = &m.dataset;
    let h = d.harvest.as_ref().unwrap();
    // US dates: "03/16/2016" can only be month first; "Tue, 04/05/2016" is 5 April (a Tuesday).
    assert_eq!(h.created_at, Some(bson_date(2016, 3, 16, 13, 35, 0, 0)));
    assert_eq!(h.modified_at, Some(bson_date(2016, 4, 5, 8, 10, 0, 0)));
    // license_id "notspecified" does not hide the title's real license.
    assert_eq!(d.license.as_deref(), Some("cc-by"));
    // Empty url: the portal page, nothing in ckan_source.
    assert_eq!(
        h.remote_url.as_deref(),
        Some("http://demo.getdkan.com/dataset/city-budget-2016")
    );
    assert_eq!(h.ckan_source, None);
    let r = &d.resources[0];
    assert_eq!(r.filesize, Some(1_500_000));
    assert_eq!(r.mime.as_deref(), Some("text/csv"));
    assert_eq!(
        r.harvest.as_ref().unwrap().modified_at,
        Some(bson_date(2016, 3, 16, 13, 40, 0, 0))
    );
    assert_eq!(d.tags, vec!["budget"]);
}

#[test]
fn license_falls_back_to_notspecified() {
    let src = source(PORTAL, "ckan");
    let mut pkg = package("ckan/package_show_full.json");
    pkg["license_id"] = Value::String("licence-maison".into());
    pkg["license_title"] = Value::String("Licence maison".into());
    pkg["license_url"] = Value::Null;
    let m = mapped(&pkg, Dialect::Ckan, &src);
    assert_eq!(m.dataset.license.as_deref(), Some("notspecified"));
    assert!(
        m.warnings.iter().any(|w| w.contains("licence-maison")),
        "{:?}",
        m.warnings
    );
}

/// Every package of ckanext-dcat's CKAN fixtures (package_show `result` dicts, some in a list or
/// an envelope) maps without error.
#[test]
fn ckanext_dcat_fixtures_map_without_error() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/ckanext-dcat/ckan");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("{dir:?} not found: skipped");
        return;
    };
    let src = source(PORTAL, "ckan");
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut mapped_count = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let candidates = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for candidate in candidates {
            let Some(pkg) = unwrap_package(candidate) else {
                continue;
            };
            // DCAT-JSON documents (catalogs, datasets with `distribution`) are not packages.
            if pkg.get("resources").is_none() {
                continue;
            }
            let ctx = map_context(&src);
            match map_package(&pkg, Dialect::Ckan, &ctx) {
                Ok(PackageMapping::Mapped(m)) => {
                    mapped_count += 1;
                    assert!(!m.dataset.title.is_empty(), "{path:?}");
                    assert!(!m.dataset.resources.is_empty(), "{path:?}");
                    for r in &m.dataset.resources {
                        assert!(uuid::Uuid::parse_str(&r.id).is_ok(), "{path:?}: {}", r.id);
                        assert!(r.url.starts_with("http"), "{path:?}: {}", r.url);
                    }
                }
                Ok(PackageMapping::Skipped(reason, why)) => {
                    assert_eq!(reason, SkipReason::NoResources, "{path:?}: {why}");
                }
                Err(e) => panic!("{path:?}: {e}"),
            }
        }
    }
    assert!(mapped_count >= 8, "only {mapped_count} packages mapped");
}
