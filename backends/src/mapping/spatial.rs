//! A dataset's spatial coverage as udata creates it.
//!
//! udata's `SpatialCoverage` has `granularity = StringField(default="other")`: every coverage that
//! udata's harvesters build from a geometry (DCAT `spatial_from_rdf`, the CKAN `spatial` extra) is
//! stored with `granularity: "other"`. Backends build their coverage here so that none forgets it.

use bson::Document;
use common::model::SpatialCoverage;

/// udata's default `SpatialCoverage.granularity`.
pub const DEFAULT_GRANULARITY: &str = "other";

/// The coverage of a GeoJSON `MultiPolygon`, with udata's default granularity.
pub fn coverage_of_geometry(geom: Document) -> SpatialCoverage {
    SpatialCoverage {
        geom: Some(geom),
        zones: Vec::new(),
        granularity: Some(DEFAULT_GRANULARITY.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_geometry_gets_udata_default_granularity() {
        let geom = bson::doc! { "type": "MultiPolygon", "coordinates": [] };
        let coverage = coverage_of_geometry(geom.clone());
        assert_eq!(coverage.granularity.as_deref(), Some("other"));
        assert_eq!(coverage.geom, Some(geom));
        assert!(coverage.zones.is_empty());
    }
}
