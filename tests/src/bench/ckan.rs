//! CKAN action API answers for synthetic datasets ([`super::synth`]): packages shaped like those
//! of a CKAN 2.9 portal (uuid ids, names, HTML notes, tags, licence, organisation, extras with a
//! GeoJSON `spatial`, a frequency and a temporal coverage, resources with id/url/format/name/
//! mimetype/size/hash, tracking summary), wrapped in the `{"help", "success", "result"}`
//! envelope.

use serde_json::{json, Value};

use super::synth::{self, SynthDataset};

pub use crate::kit::ckan::{envelope, not_found};

/// Organisation of a catalog (one per seed).
fn organization(seed: u64) -> Value {
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        synth::mix(seed, 0, 11) as u32,
        synth::mix(seed, 0, 12) as u16,
        synth::mix(seed, 0, 13) as u16 & 0xfff,
        synth::mix(seed, 0, 14) as u16 & 0xfff,
        synth::mix(seed, 0, 15) & 0xffff_ffff_ffff
    );
    json!({
        "id": id,
        "name": format!("collectivite-{seed}"),
        "title": format!("Collectivité synthétique n°{seed}"),
        "type": "organization",
        "description": "Organisation productrice des données de ce portail de test.",
        "image_url": "",
        "created": "2016-05-12T10:00:00.000000",
        "is_organization": true,
        "approval_status": "approved",
        "state": "active",
    })
}

/// The `package_show` result of a dataset.
pub fn package(seed: u64, d: &SynthDataset) -> Value {
    let org = organization(seed);
    let (license_url, license_id, license_title) = d.license_info();
    let tags: Vec<Value> = d
        .keywords
        .iter()
        .enumerate()
        .map(|(k, t)| {
            json!({
                "display_name": t,
                "id": format!("{}-{k:04}", &d.id[..23]),
                "name": t,
                "state": "active",
                "vocabulary_id": null,
            })
        })
        .collect();
    let resources: Vec<Value> = d
        .distributions
        .iter()
        .enumerate()
        .map(|(k, r)| {
            json!({
                "cache_last_updated": null,
                "cache_url": null,
                "created": format!("{}.000000", r.issued),
                "datastore_active": r.format == "CSV",
                "description": r.description,
                "format": r.format,
                "hash": r.checksum.clone().unwrap_or_default(),
                "id": r.id,
                "last_modified": format!("{}.000000", r.modified),
                "metadata_modified": format!("{}.000000", d.modified),
                "mimetype": r.media_type,
                "mimetype_inner": null,
                "name": r.title,
                "package_id": d.id,
                "position": k,
                "resource_type": "file.upload",
                "size": r.byte_size,
                "state": "active",
                "tracking_summary": {"recent": k, "total": 10 * k + 3},
                "url": r.download_url,
                "url_type": "upload",
            })
        })
        .collect();
    let themes: Vec<&str> = d.themes.to_vec();
    json!({
        "author": d.publisher,
        "author_email": d.contact_email,
        "creator_user_id": org["id"],
        "id": d.id,
        "isopen": true,
        "license_id": license_id,
        "license_title": license_title,
        "license_url": license_url,
        "maintainer": d.contact_name,
        "maintainer_email": d.contact_email,
        "metadata_created": format!("{}.000000", d.issued),
        "metadata_modified": format!("{}.000000", d.modified),
        "name": d.name,
        "notes": d.description_html,
        "num_resources": resources.len(),
        "num_tags": tags.len(),
        "num_followers": d.index % 17,
        "organization": org,
        "owner_org": org["id"],
        "private": false,
        "state": "active",
        "title": d.title,
        "type": "dataset",
        "url": d.landing_page,
        "version": "1.0",
        "extras": [
            {"key": "spatial", "value": d.geojson()},
            {"key": "spatial-text", "value": d.publisher},
            {"key": "temporal_start", "value": d.temporal.0},
            {"key": "temporal_end", "value": d.temporal.1},
            {"key": "frequency", "value": format!("http://publications.europa.eu/resource/authority/frequency/{}", d.frequency)},
            {"key": "theme", "value": themes.join(",")},
            {"key": "contact-email", "value": d.contact_email},
        ],
        "groups": [],
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "tags": tags,
        "tracking_summary": {"recent": d.index % 7, "total": d.index % 1000},
        "resources": resources,
    })
}

/// The `package_search` result for a slice of datasets.
pub fn search_result(seed: u64, count: usize, datasets: &[SynthDataset]) -> Value {
    let results: Vec<Value> = datasets.iter().map(|d| package(seed, d)).collect();
    json!({
        "count": count,
        "facets": {},
        "results": results,
        "sort": "score desc, metadata_modified desc",
        "search_facets": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::synth::Variant;

    #[test]
    fn package_maps_with_the_ckan_backend() {
        let d = synth::dataset(5, 3, Variant::ORIGINAL).expect("listed");
        let p = package(5, &d);
        assert_eq!(p["name"], d.name.as_str());
        assert_eq!(
            p["resources"].as_array().map(Vec::len),
            Some(d.distributions.len())
        );
        let mut source = common::model::HarvestSource::new(
            "s",
            "http://127.0.0.1:1",
            "ckan",
            bson::DateTime::now(),
        );
        source.slug = "s".into();
        let licenses = backends::mapping::LicenseGuesser::builtin();
        let ctx = backends::mapping::MapContext {
            source: &source,
            licenses: &licenses,
            now: chrono::Utc::now(),
        };
        let mapped =
            backends::ckan::map_package(&p, backends::ckan_api::Dialect::Ckan, &ctx).expect("maps");
        let backends::ckan::PackageMapping::Mapped(m) = mapped else {
            panic!("skipped: {mapped:?}");
        };
        assert_eq!(m.dataset.title, d.title);
        assert_eq!(m.dataset.resources.len(), d.distributions.len());
    }
}
