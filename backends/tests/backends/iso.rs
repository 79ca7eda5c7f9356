//! The CSW ISO 19139 backend against a local CSW stub: GetRecords POSTed and paged by
//! `startPosition` / `nextRecord`, the GET fallback, the records' concrete values after the one
//! DCAT mapping (taken from the fixture records themselves), and the hostile cases: a DOCTYPE
//! with an external entity refused, a `nextRecord` that does not advance, records without title
//! or identifier failed with their reason.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use backends::error::HarvestError;
use backends::fetch::Fetcher;
use backends::harvester::{GatherReport, Harvester, ItemContext, ItemOutcome, RemoteItem};
use backends::iso19139::{read_record, CswIsoBackend, ListedRecord};
use backends::mapping::{MapContext, MappedDataset};
use chrono::Utc;

use crate::kit::VecSink;
use common::model::HarvestSource;
use common::settings::HttpSettings;

fn fixture(name: &str) -> String {
    crate::kit::fixture_text(&format!("csw-iso/{name}"))
}

/// Requests seen: method, path, startPosition, outputSchema.
type Seen = Arc<Mutex<Vec<(Method, String, String, String)>>>;

/// An attribute of the POSTed `csw:GetRecords` root element.
fn post_attr(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(body[at..at + body[at..].find('"')?].to_owned())
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// A CSW page wrapping `records`.
fn page(matched: u64, next: u64, records: &[&str]) -> String {
    format!(
        r#"<?xml version="1.0"?><csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"><csw:SearchResults numberOfRecordsMatched="{matched}" numberOfRecordsReturned="{}" nextRecord="{next}">{}</csw:SearchResults></csw:GetRecordsResponse>"#,
        records.len(),
        records.concat()
    )
}

/// A minimal ISO record; `None` leaves the element out.
fn record(file_id: Option<&str>, title: Option<&str>, scope: &str) -> String {
    let file_id = file_id
        .map(|f| format!("<gmd:fileIdentifier><gco:CharacterString>{f}</gco:CharacterString></gmd:fileIdentifier>"))
        .unwrap_or_default();
    let title = title
        .map(|t| format!("<gmd:title><gco:CharacterString>{t}</gco:CharacterString></gmd:title>"))
        .unwrap_or_default();
    format!(
        r#"<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco">{file_id}<gmd:hierarchyLevel><gmd:MD_ScopeCode codeListValue="{scope}"/></gmd:hierarchyLevel><gmd:identificationInfo><gmd:MD_DataIdentification><gmd:citation><gmd:CI_Citation>{title}</gmd:CI_Citation></gmd:citation></gmd:MD_DataIdentification></gmd:identificationInfo></gmd:MD_Metadata>"#
    )
}

async fn serve(State(seen): State<Seen>, method: Method, uri: Uri, body: String) -> Response {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let (start, schema) = if method == Method::POST {
        (
            post_attr(&body, "startPosition").unwrap_or_default(),
            post_attr(&body, "outputSchema").unwrap_or_default(),
        )
    } else {
        (
            query.get("startPosition").cloned().unwrap_or_default(),
            query.get("outputSchema").cloned().unwrap_or_default(),
        )
    };
    let path = uri.path().to_owned();
    if let Ok(mut s) = seen.lock() {
        s.push((method.clone(), path.clone(), start.clone(), schema));
    }
    let geonetwork = |start: &str| match start {
        "1" => xml(fixture("geonetwork-page-1.xml")),
        "3" => xml(fixture("geonetwork-page-3.xml")),
        "5" => xml(fixture("geonetwork-page-5.xml")),
        _ => (StatusCode::BAD_REQUEST, "bad start").into_response(),
    };
    match (path.as_str(), method == Method::POST) {
        ("/geonetwork/srv/fre/csw", true) => geonetwork(&start),
        ("/getonly/srv/fre/csw", false) => geonetwork(&start),
        ("/getonly/srv/fre/csw", true) => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        ("/doctype/csw", _) => xml(format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n{}",
            page(1, 0, &[&record(Some("a"), Some("&x;"), "dataset")])
        )),
        // Every page says the next one starts where this one did.
        ("/loop/csw", _) => xml(page(
            10,
            1,
            &[&record(Some("loop-1"), Some("Boucle"), "dataset")],
        )),
        ("/mixed/csw", _) => xml(page(
            5,
            0,
            &[
                &record(Some("ok-1"), Some("Jeu de données"), "dataset"),
                &record(Some("no-title-2"), None, "dataset"),
                &record(None, Some("Sans identifiant"), "dataset"),
                &record(Some("service-4"), Some("Service WMS"), "service"),
                "<gmd:MD_Metadata><broken></gmd:MD_Metadata>",
            ],
        )),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start_server() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(serve).with_state(seen.clone());
    (crate::kit::serve(app).await, seen)
}

fn source(url: &str) -> HarvestSource {
    crate::kit::source(url, "csw-iso-19139")
}

/// One attempt per page: the paging tests count the requests.
fn fetcher() -> Fetcher {
    crate::kit::fetcher_with(HttpSettings {
        page_attempts: 1,
        ..Default::default()
    })
}

async fn gather(url: &str) -> (Result<GatherReport, HarvestError>, VecSink) {
    crate::kit::list(&CswIsoBackend, &source(url), &fetcher(), 50).await
}

async fn map(url: &str, item: &RemoteItem) -> MappedDataset {
    let src = source(url);
    let fetcher = fetcher();
    let ctx = ItemContext {
        source: &src,
        fetcher: &fetcher,
        map: MapContext {
            source: &src,
            licenses: crate::kit::licenses(),
            now: Utc::now(),
        },
        previous: None,
        conditional: false,
    };
    match CswIsoBackend
        .process(&ctx, &item.remote_id, &item.payload)
        .await
    {
        Ok(ItemOutcome::Mapped { mapped, .. }) => *mapped,
        other => panic!("{}: {other:?}", item.remote_id),
    }
}

/// The single record of a one-record fixture page, mapped.
async fn map_fixture(name: &str) -> (RemoteItem, MappedDataset) {
    let text = fixture(name);
    let records = backends::rdf::xml::csw_records(&text)
        .expect("a CSW page")
        .records;
    let ListedRecord::Item(item) = read_record(&records[0], 1, None) else {
        panic!("{name}: not an item");
    };
    let mapped = map("https://geo.example.org/csw", &item).await;
    (item, mapped)
}

const GEO_IDE: &str = "http://catalogue.geo-ide.developpement-durable.gouv.fr/";

#[tokio::test]
async fn geonetwork_pages_are_posted_and_paged_by_next_record() {
    let (base, seen) = start_server().await;
    let url = format!("{base}/geonetwork/srv/fre/csw");
    let (report, sink) = gather(&url).await;
    let report = report.expect("gather");
    assert!(report.complete);
    assert_eq!(report.pages, 3);
    assert!(sink.failed.is_empty(), "{:?}", sink.failed);
    let ids: Vec<&str> = sink.items.iter().map(|i| i.remote_id.as_str()).collect();
    let orphan = |uuid: &str| format!("{GEO_IDE}fr-120066022-orphan-residentifier-{uuid}");
    assert_eq!(
        ids,
        [
            orphan("140d31c6-643d-42a9-85df-2737a118e144"),
            orphan("6cf6120b-678c-41f1-aaa5-dccbb8efdafd"),
            "http://descartes-dev.cete-mediterranee.i2/242416db-3527-42f5-b452-7e3a8db6f1fb".into(),
            orphan("8c59d4e1-0f15-4683-87df-766b5c2ce556"),
            orphan("c46794fd-005d-499a-9a9b-0627761d31a4"),
            orphan("cf8a3094-17b8-4929-b303-980d96563395"),
        ]
    );
    let seen = seen.lock().expect("seen").clone();
    let starts: Vec<&str> = seen.iter().map(|s| s.2.as_str()).collect();
    assert_eq!(starts, ["1", "3", "5"]);
    assert!(seen.iter().all(|s| s.0 == Method::POST));
    assert!(seen
        .iter()
        .all(|s| s.3 == "http://www.isotc211.org/2005/gmd"));
}

/// Geo2France's first record, after the one DCAT mapping: the values of the record itself (and
/// of udata's own test of that record, `test_geo2france`).
#[tokio::test]
async fn geonetwork_record_values() {
    let (base, _) = start_server().await;
    let url = format!("{base}/geonetwork/srv/fre/csw");
    let (_, sink) = gather(&url).await;
    let m = map(&url, &sink.items[0]).await;
    let d = &m.dataset;
    assert_eq!(d.title, "Plan local d'urbanisme de la commune de Cartigny");
    assert_eq!(
        d.description,
        "Le présent standard de données COVADIS concerne les documents de plans locaux d'urbanisme (PLU) et les plans d'occupation des sols (POS qui valent PLU)."
    );
    let mut tags = d.tags.clone();
    tags.sort();
    assert_eq!(
        tags,
        [
            "amenagement-urbanisme-zonages-planification",
            "cartigny",
            "document-durbanisme",
            "donnees-ouvertes",
            "inspire",
            "plu",
            "usage-des-sols"
        ]
    );
    let h = d.harvest.clone().expect("harvest");
    assert_eq!(
        h.dct_identifier.as_deref(),
        Some("http://catalogue.geo-ide.developpement-durable.gouv.fr/fr-120066022-orphan-residentifier-140d31c6-643d-42a9-85df-2737a118e144")
    );
    let date = |d: Option<bson::DateTime>| {
        d.map(|d| d.try_to_rfc3339_string().unwrap_or_default()[..10].to_owned())
    };
    assert_eq!(date(h.issued_at).as_deref(), Some("2017-10-07"));
    assert_eq!(date(h.created_at).as_deref(), Some("2013-03-08"));
    let geom = bson::to_bson(&d.spatial.as_ref().expect("spatial").geom).expect("geom");
    assert_eq!(
        geom.as_document()
            .and_then(|g| g.get_array("coordinates").ok())
            .map(|c| c.to_owned()),
        Some(vec![bson::bson!([[
            [3.28133559, 50.48188019],
            [1.31279111, 50.48188019],
            [1.31279111, 49.38547516],
            [3.28133559, 49.38547516],
            [3.28133559, 50.48188019]
        ]])])
    );
    let contact = &m.contact_points[0];
    assert_eq!(contact.role, "contact");
    assert_eq!(
        contact.name.as_deref(),
        Some("DDTM 80 (Direction Départementale des Territoires et de la Mer de la Somme)")
    );
    assert_eq!(
        contact.email.as_deref(),
        Some("ddtm-sap-bsig@somme.gouv.fr")
    );
    // One download link; the other online resources are landing pages (no function code).
    assert_eq!(d.resources.len(), 1);
    let r = &d.resources[0];
    assert_eq!(
        r.title,
        "Téléchargement direct du lot et des documents associés"
    );
    assert_eq!(
        r.url,
        "http://atom.geo-ide.developpement-durable.gouv.fr/atomArchive/GetResource?id=fr-120066022-ldd-cab63273-b3ae-4e8a-ae1c-6192e45faa94&datasetAggregate=true"
    );
    assert_eq!(r.kind, "main");
    assert_eq!(r.format.as_deref(), Some("mapinfo tab"));
    // Constraints of use and access, on the distribution, back on the dataset (unanimous).
    let rights = d
        .extras
        .get_document("dcat")
        .and_then(|e| e.get_array("rights"))
        .expect("rights");
    assert_eq!(rights.len(), 6);
    assert!(rights.contains(&bson::Bson::String(
        "L124-4-I-1 du code de l'environnement (Directive 2007/2/CE (INSPIRE), Article 13.1.d)"
            .into()
    )));
    // Guessed from the rights ("Licence Ouverte 1.0 http://www.data.gouv.fr/…"), as the DCAT
    // mapping guesses them from the XSLT's output too (udata's test has no licence in its
    // database, hence its `None`).
    assert_eq!(d.license.as_deref(), Some("fr-lo"));
}

/// Géo-IDE: a record with several online resources.
#[tokio::test]
async fn record_with_several_online_resources() {
    let (item, m) = map_fixture("geoide-single-dataset.xml").await;
    let d = &m.dataset;
    assert_eq!(d.title, "Plan local d'urbanisme de la commune de Combles");
    assert_eq!(d.resources.len(), 6);
    // "Licence Ouverte 1.0 http://www.data.gouv.fr/Licence-Ouverte-Open-Licence." in the rights.
    assert_eq!(d.license.as_deref(), Some("fr-lo"));
    assert!(d.tags.iter().any(|t| t == "inspire"));
    assert_eq!(
        item.remote_id,
        "http://catalogue.geo-ide.developpement-durable.gouv.fr/fr-120066022-orphan-residentifier-c46794fd-005d-499a-9a9b-0627761d31a4"
    );
}

/// The Géoplateforme's RPG series: 70 OGC service distributions, annual, with a period.
#[tokio::test]
async fn geoplateforme_series() {
    let (item, m) = map_fixture("geoplateforme-IGNF_RPG.xml").await;
    let d = &m.dataset;
    assert_eq!(item.remote_id, "IGNF_RPG");
    assert_eq!(d.title, "RPG");
    assert_eq!(d.resources.len(), 70);
    let count = |f: &str| {
        d.resources
            .iter()
            .filter(|r| r.format.as_deref() == Some(f))
            .count()
    };
    assert_eq!((count("wfs"), count("wms"), count("wmts")), (24, 23, 23));
    assert!(d.resources.iter().all(|r| r.kind == "api"));
    assert_eq!(d.frequency.as_deref(), Some("annual"));
    assert!(d.temporal_coverage.is_some());
}

/// GeoNetwork's locality polygons: only a bounding box, free-text constraints, no distribution,
/// no resource identifier.
#[tokio::test]
async fn record_with_only_a_bbox_and_free_text_constraints() {
    let (item, m) = map_fixture("locality-polygons-bbox-only.xml").await;
    let d = &m.dataset;
    assert_eq!(item.remote_id, "388fab80-4f71-11db-8a85-000f207026fd");
    assert_eq!(
        d.title,
        "Localities in Victoria (VMADMIN.LOCALITY_POLYGON) - Comprehensive Elements"
    );
    assert!(d.resources.is_empty());
    assert_eq!(d.frequency.as_deref(), Some("biweekly"));
    let mut tags = d.tags.clone();
    tags.sort();
    assert_eq!(tags, ["boundaries-administrative", "land-ownership"]);
    let geom = bson::to_bson(&d.spatial.as_ref().expect("spatial").geom).expect("geom");
    assert_eq!(
        geom.as_document()
            .and_then(|g| g.get_array("coordinates").ok())
            .map(|c| c.to_owned()),
        Some(vec![bson::bson!([[
            [141.0, -34.0],
            [150.0, -34.0],
            [150.0, -39.0],
            [141.0, -39.0],
            [141.0, -34.0]
        ]])])
    );
    let t = d.temporal_coverage.as_ref().expect("temporal");
    assert_eq!(
        t.start
            .map(|s| s.try_to_rfc3339_string().unwrap_or_default()[..10].to_owned())
            .as_deref(),
        Some("2005-05-15")
    );
    assert!(t.end.is_none());
    let rights = d
        .extras
        .get_document("dcat")
        .and_then(|e| e.get_array("rights"))
        .expect("rights kept on the dataset");
    assert_eq!(
        rights[0].as_str(),
        Some("The data is available under licence from Spatial Information Infrastructure in a variety of formats and media. Licence fees and distribution charges apply")
    );
    assert_eq!(d.license.as_deref(), Some("notspecified"));
    let contact = &m.contact_points[0];
    assert_eq!(
        contact.name.as_deref(),
        Some("Department of Sustainability and Environment (DSE)")
    );
    assert_eq!(contact.email.as_deref(), Some("vicmap@dse.vic.gov.au"));
    assert!(
        m.warnings.iter().any(|w| w.contains("file identifier")),
        "{:?}",
        m.warnings
    );
}

#[tokio::test]
async fn a_server_refusing_post_is_asked_by_get() {
    let (base, seen) = start_server().await;
    let (report, sink) = gather(&format!("{base}/getonly/srv/fre/csw")).await;
    let report = report.expect("gather");
    assert!(report.complete);
    assert_eq!(sink.items.len(), 6);
    assert!(
        report.notes.iter().any(|n| n.contains("HTTP 405")),
        "{:?}",
        report.notes
    );
    let methods: Vec<Method> = seen
        .lock()
        .expect("seen")
        .iter()
        .map(|s| s.0.clone())
        .collect();
    // One refused POST, then GET for every page.
    assert_eq!(
        methods,
        [Method::POST, Method::GET, Method::GET, Method::GET]
    );
}

#[tokio::test]
async fn doctype_with_external_entity_is_refused() {
    let (base, _) = start_server().await;
    let url = format!("{base}/doctype/csw");
    let (report, sink) = gather(&url).await;
    match report {
        Err(HarvestError::Parse { url: u, reason, .. }) => {
            assert!(u.starts_with(&url), "{u}");
            assert!(reason.contains("external entity"), "{reason}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(sink.items.is_empty());
    // A record alone is refused too.
    let doc = r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><gmd:MD_Metadata/>"#;
    assert!(matches!(
        read_record(doc, 1, None),
        ListedRecord::Failed { reason, .. } if reason.contains("DOCTYPE")
    ));
}

#[tokio::test]
async fn next_record_not_advancing_is_a_paging_loop() {
    let (base, _) = start_server().await;
    let (report, sink) = gather(&format!("{base}/loop/csw")).await;
    match report {
        Err(HarvestError::Limit(msg)) => assert!(msg.contains("paging loop"), "{msg}"),
        other => panic!("expected a paging loop, got {other:?}"),
    }
    assert_eq!(sink.items.len(), 1);
}

#[tokio::test]
async fn records_without_title_or_identifier_are_failed_items() {
    let (base, _) = start_server().await;
    let (report, sink) = gather(&format!("{base}/mixed/csw")).await;
    let report = report.expect("gather");
    assert!(report.complete);
    let ids: Vec<&str> = sink.items.iter().map(|i| i.remote_id.as_str()).collect();
    assert_eq!(ids, ["ok-1"]);
    let failed: Vec<(&str, &str)> = sink
        .failed
        .iter()
        .map(|f| (f.remote_id.as_str(), f.reason.as_str()))
        .collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert_eq!(failed[0].0, "no-title-2");
    assert!(
        failed[0]
            .1
            .contains("CSW record 2: record no-title-2 has no title"),
        "{}",
        failed[0].1
    );
    assert!(
        failed[1]
            .1
            .contains("CSW record 3: record titled \"Sans identifiant\" has no identifier"),
        "{}",
        failed[1].1
    );
    assert!(
        failed[1].0.starts_with("unreadable dataset"),
        "{}",
        failed[1].0
    );
    assert!(
        failed[2].1.contains("CSW record 5 cannot be read"),
        "{}",
        failed[2].1
    );
    // The service record is not a dataset: a note, not an item.
    assert!(
        report.notes.iter().any(|n| n.contains("scope service")),
        "{:?}",
        report.notes
    );
}
