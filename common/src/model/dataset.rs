//! `dataset` documents, with their embedded resources and `harvest` blocks, as udata stores them
//! (udata/core/dataset/models.py: Dataset, Resource, HarvestDatasetMetadata, HarvestResourceMetadata).

use bson::oid::ObjectId;
use bson::DateTime;
use serde::{Deserialize, Serialize};

/// A dataset as stored in the `dataset` collection. Fields the harvester does not manage (metrics,
/// badges, quality cache…) are left untouched by the upsert and therefore not modelled here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    #[serde(rename = "_id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ObjectId>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    #[serde(default)]
    pub slug: String,
    /// Markdown.
    #[serde(default)]
    pub description: String,
    /// License id (udata stores the `license` reference as the license's string id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub private: bool,
    /// One of udata's `UpdateFrequency` ids (`daily`, `monthly`, `irregular`, `unknown`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal_coverage: Option<DateRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spatial: Option<SpatialCoverage>,
    /// Free key/value extras (udata `ExtrasField`).
    #[serde(default)]
    pub extras: bson::Document,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harvest: Option<HarvestDatasetMetadata>,
    /// References to `contact_point` documents.
    #[serde(default)]
    pub contact_points: Vec<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<ObjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at_internal: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_internal: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<DateTime>,
}

/// `harvest` block of a dataset (udata `HarvestDatasetMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HarvestDatasetMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// The source's URL (udata sets it on every harvested dataset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Remote creation date (dct:issued, metadata_created…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<DateTime>,
    /// Remote modification date, never in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime>,
    /// Last time this dataset was written by a harvest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime>,
    /// Archiving reason, e.g. `not-on-remote` (udata's `archived_reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dct_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ckan_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ckan_source: Option<String>,
}

/// A resource embedded in a dataset (udata `Resource`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// A UUID, stable across harvests of the same distribution.
    #[serde(rename = "id")]
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `file` or `remote`; harvested resources are `remote`.
    pub filetype: String,
    /// `main`, `documentation`, `update`, `api`, `code` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urlhash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Checksum>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filesize: Option<i64>,
    #[serde(default)]
    pub extras: bson::Document,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harvest: Option<HarvestResourceMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at_internal: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified_internal: Option<DateTime>,
}

/// `checksum` of a resource: `type` is one of sha1, sha2, sha256, md5, crc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksum {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// `harvest` block of a resource (udata `HarvestResourceMetadata`: exactly these fields, udata
/// has no `created_at` here).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HarvestResourceMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dct_identifier: Option<String>,
    /// The remote's own id of the resource, where the remote gives one (CKAN, ODS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
}

/// `temporal_coverage` (udata `DateRange`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime>,
}

/// `spatial` (udata `SpatialCoverage`): a GeoJSON geometry, zone ids and a granularity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpatialCoverage {
    /// GeoJSON `MultiPolygon` (udata stores a MultiPolygonField).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geom: Option<bson::Document>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<String>,
}

/// A `contact_point` document (udata `ContactPoint`), referenced by datasets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContactPoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_form: Option<String>,
    /// `contact`, `publisher`, `creator`… (udata `CONTACT_ROLES`).
    pub role: String,
}
