//! `dct:spatial`: the dataset's spatial coverage, from bounding boxes, WKT and GeoJSON
//! geometries merged into one MultiPolygon, and `dcat:spatialResolutionInMeters`.

use common::model::SpatialCoverage;

use super::Mapper;
use crate::mapping::spatial;
use crate::rdf::geo::{
    multipolygon_doc, polygons_from_bbox, polygons_from_geojson, polygons_from_wkt,
    validate_polygon, GeoError, Polygon,
};
use crate::rdf::graph::{Term, TermId};
use crate::rdf::vocab::*;

impl Mapper<'_> {
    /// Polygons of every geometry of `dct:spatial`, merged into one MultiPolygon.
    pub(super) fn spatial(&mut self, node: TermId) -> Option<SpatialCoverage> {
        let mut polygons: Vec<Polygon> = Vec::new();
        for term in self.g.objects(node, DCT_SPATIAL) {
            let mut found: Vec<Result<Vec<Polygon>, GeoError>> = Vec::new();
            match self.term(term) {
                Term::Literal {
                    value, datatype, ..
                } => {
                    if let Some(p) = polygons_from_bbox(value) {
                        found.push(Ok(p));
                    } else if let Some(r) = geometry_literal(value, datatype.as_deref(), true) {
                        found.push(r);
                    }
                }
                _ => {
                    let mut nodes = vec![term];
                    // One level of nesting: locn:geometry [ gsp:asWKT "…" ].
                    for t in self.g.triples_of(term) {
                        if self.term(t[2]).is_blank() {
                            nodes.push(t[2]);
                        }
                    }
                    for n in nodes {
                        for t in self.g.triples_of(n) {
                            let pred = self.term(t[1]).as_iri().unwrap_or("");
                            let geometry_pred =
                                matches!(pred, LOCN_GEOMETRY | DCAT_BBOX | GSP_AS_WKT);
                            if let Term::Literal {
                                value, datatype, ..
                            } = self.term(t[2])
                            {
                                if let Some(r) =
                                    geometry_literal(value, datatype.as_deref(), geometry_pred)
                                {
                                    found.push(r);
                                }
                            }
                        }
                    }
                }
            }
            for r in found {
                match r {
                    Ok(ps) => {
                        for p in ps {
                            match validate_polygon(p) {
                                Ok(p) => {
                                    if !polygons.contains(&p) {
                                        polygons.push(p);
                                    }
                                }
                                Err(e) => self.warn(format!("spatial: {e}")),
                            }
                        }
                    }
                    Err(e) => self.warn(format!("spatial: {e}")),
                }
            }
        }
        if polygons.is_empty() {
            return None;
        }
        Some(spatial::coverage_of_geometry(multipolygon_doc(&polygons)))
    }

    /// udata's `spatial_resolution_from_rdf`, distance in metres only.
    pub(super) fn spatial_resolution(&self, node: TermId) -> Option<String> {
        self.g
            .objects(node, DCAT_SPATIAL_RESOLUTION_IN_METERS)
            .into_iter()
            .filter_map(|o| self.term(o).literal_value()?.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .reduce(f64::max)
            .map(|v| format!("{v} m"))
    }
}

/// A geometry literal: typed WKT or GeoJSON, or — when `loose` (a geometry predicate) — an
/// untyped literal that looks like one. `None` when the literal is not a geometry at all.
fn geometry_literal(
    value: &str,
    datatype: Option<&str>,
    loose: bool,
) -> Option<Result<Vec<Polygon>, GeoError>> {
    match datatype {
        Some(GSP_WKT_LITERAL) | Some(OGC_WKT_LITERAL_LEGACY) => Some(polygons_from_wkt(value)),
        Some(GSP_GEOJSON_LITERAL) | Some(IANA_GEOJSON) => Some(polygons_from_geojson(value)),
        _ if loose => {
            let v = value.trim_start();
            if v.starts_with('{') {
                Some(polygons_from_geojson(v))
            } else if looks_like_wkt(v) {
                Some(polygons_from_wkt(v))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a text starts like a WKT geometry (optionally after a CRS IRI or `SRID=…;`).
fn looks_like_wkt(v: &str) -> bool {
    let mut v = v.trim_start();
    if v.starts_with('<') {
        v = v.find('>').map_or("", |i| v[i + 1..].trim_start());
    }
    if v.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("SRID=")) {
        v = v.find(';').map_or("", |i| v[i + 1..].trim_start());
    }
    let word: String = v
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = v[word.len()..].trim_start();
    matches!(
        word.as_str(),
        "POINT"
            | "LINESTRING"
            | "POLYGON"
            | "MULTIPOINT"
            | "MULTILINESTRING"
            | "MULTIPOLYGON"
            | "GEOMETRYCOLLECTION"
            | "ENVELOPE"
            | "TRIANGLE"
            | "TIN"
            | "POLYHEDRALSURFACE"
    ) && (rest.starts_with('(') || rest.starts_with(['Z', 'M', 'E', 'z', 'm', 'e']))
}
