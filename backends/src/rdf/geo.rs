//! Geometries of `dct:spatial` (WKT, GeoJSON, bounding boxes) turned into the one shape udata
//! stores: a GeoJSON `MultiPolygon` in WGS 84 longitude/latitude.
//!
//! udata keeps polygons only (a point or a line cannot be merged into its `MultiPolygonField`),
//! so polygons and multipolygons from every geometry of a dataset are merged, duplicates removed;
//! anything else is reported. Coordinates outside longitude/latitude ranges (a projected CRS such
//! as Lambert 93 used without saying so) are refused rather than stored wrong: MongoDB's
//! `2dsphere` index would reject the whole dataset document.

use bson::{Bson, Document};

/// `[longitude, latitude]`.
pub type Position = [f64; 2];
pub type Ring = Vec<Position>;
pub type Polygon = Vec<Ring>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("invalid WKT: {0}")]
    Wkt(String),
    #[error("invalid GeoJSON: {0}")]
    GeoJson(String),
    #[error("unsupported geometry type {0} (only polygons are kept)")]
    Unsupported(String),
    #[error("invalid polygon: {0}")]
    Invalid(String),
}

/// Polygons of a WKT literal (`POLYGON`, `MULTIPOLYGON`, `ENVELOPE`), case-insensitive, with an
/// optional GeoSPARQL CRS IRI or `SRID=…;` prefix, Z/M ordinates dropped.
pub fn polygons_from_wkt(text: &str) -> Result<Vec<Polygon>, GeoError> {
    let mut s = text.trim();
    if s.starts_with('<') {
        let end = s
            .find('>')
            .ok_or_else(|| GeoError::Wkt("unterminated CRS IRI".into()))?;
        s = s[end + 1..].trim_start();
    }
    if s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("SRID=")) {
        let end = s
            .find(';')
            .ok_or_else(|| GeoError::Wkt("SRID without ';'".into()))?;
        s = s[end + 1..].trim_start();
    }
    let kw_end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    let keyword = s[..kw_end].to_ascii_uppercase();
    let mut rest = s[kw_end..].trim_start();
    // Dimension modifiers.
    for m in ["ZM", "Z", "M"] {
        if rest
            .get(..m.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(m))
            && rest[m.len()..].trim_start().starts_with(['(', 'E', 'e'])
        {
            rest = rest[m.len()..].trim_start();
            break;
        }
    }
    if rest.to_ascii_uppercase().starts_with("EMPTY") {
        return Ok(Vec::new());
    }
    let mut p = WktParser { s: rest, pos: 0 };
    let polygons = match keyword.as_str() {
        "POLYGON" => vec![p.polygon()?],
        "MULTIPOLYGON" => p.list(|p| p.polygon())?,
        "ENVELOPE" => {
            // ENVELOPE(minX, maxX, maxY, minY)
            let v = p.list(|p| p.number())?;
            let [w, e, n, s] = v[..] else {
                return Err(GeoError::Wkt("ENVELOPE needs 4 numbers".into()));
            };
            vec![bbox_polygon(w, s, e, n)]
        }
        "" => return Err(GeoError::Wkt(format!("no geometry keyword in {text:?}"))),
        other => return Err(GeoError::Unsupported(other.to_owned())),
    };
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(GeoError::Wkt(format!(
            "unexpected {:?} after the geometry",
            p.s[p.pos..].chars().take(20).collect::<String>()
        )));
    }
    Ok(polygons)
}

struct WktParser<'a> {
    s: &'a str,
    pos: usize,
}

impl WktParser<'_> {
    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with(char::is_whitespace) {
            self.pos += self.s[self.pos..].chars().next().map_or(1, char::len_utf8);
        }
    }

    fn expect(&mut self, c: char) -> Result<(), GeoError> {
        self.skip_ws();
        if self.s[self.pos..].starts_with(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(GeoError::Wkt(format!(
                "expected {c:?} at offset {}",
                self.pos
            )))
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.s[self.pos..].chars().next()
    }

    /// `( item , item … )`
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, GeoError>,
    ) -> Result<Vec<T>, GeoError> {
        self.expect('(')?;
        let mut out = vec![item(self)?];
        while self.peek() == Some(',') {
            self.pos += 1;
            out.push(item(self)?);
        }
        self.expect(')')?;
        Ok(out)
    }

    fn number(&mut self) -> Result<f64, GeoError> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
            .unwrap_or(rest.len());
        let v = rest[..len]
            .parse::<f64>()
            .map_err(|_| GeoError::Wkt(format!("expected a number at offset {}", self.pos)))?;
        self.pos += len;
        Ok(v)
    }

    fn position(&mut self) -> Result<Position, GeoError> {
        let x = self.number()?;
        let y = self.number()?;
        // Z and M ordinates are ignored.
        while matches!(self.peek(), Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.')
        {
            self.number()?;
        }
        Ok([x, y])
    }

    fn ring(&mut self) -> Result<Ring, GeoError> {
        self.list(|p| p.position())
    }

    fn polygon(&mut self) -> Result<Polygon, GeoError> {
        self.list(|p| p.ring())
    }
}

/// Polygons of a GeoJSON text: `Polygon`, `MultiPolygon`, and those found in a `Feature`,
/// `FeatureCollection` or `GeometryCollection`.
pub fn polygons_from_geojson(text: &str) -> Result<Vec<Polygon>, GeoError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| GeoError::GeoJson(e.to_string()))?;
    let mut out = Vec::new();
    collect_geojson(&v, &mut out, 0)?;
    Ok(out)
}

fn collect_geojson(
    v: &serde_json::Value,
    out: &mut Vec<Polygon>,
    depth: usize,
) -> Result<(), GeoError> {
    if depth > 8 {
        return Err(GeoError::GeoJson("nested too deep".into()));
    }
    let kind = v.get("type").and_then(|t| t.as_str()).unwrap_or("");
    match kind {
        "Polygon" => out.push(json_polygon(coordinates(v)?)?),
        "MultiPolygon" => {
            for p in coordinates(v)?
                .as_array()
                .ok_or_else(|| GeoError::GeoJson("coordinates is not an array".into()))?
            {
                out.push(json_polygon(p)?);
            }
        }
        "Feature" => {
            if let Some(g) = v.get("geometry") {
                collect_geojson(g, out, depth + 1)?;
            }
        }
        "FeatureCollection" => {
            for f in v
                .get("features")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
            {
                collect_geojson(f, out, depth + 1)?;
            }
        }
        "GeometryCollection" => {
            for g in v
                .get("geometries")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
            {
                collect_geojson(g, out, depth + 1)?;
            }
        }
        "" => return Err(GeoError::GeoJson("no \"type\"".into())),
        other => return Err(GeoError::Unsupported(other.to_owned())),
    }
    Ok(())
}

fn coordinates(v: &serde_json::Value) -> Result<&serde_json::Value, GeoError> {
    v.get("coordinates")
        .ok_or_else(|| GeoError::GeoJson("no \"coordinates\"".into()))
}

fn json_polygon(v: &serde_json::Value) -> Result<Polygon, GeoError> {
    let rings = v
        .as_array()
        .ok_or_else(|| GeoError::GeoJson("polygon is not an array of rings".into()))?;
    rings
        .iter()
        .map(|r| {
            r.as_array()
                .ok_or_else(|| GeoError::GeoJson("ring is not an array".into()))?
                .iter()
                .map(|p| {
                    let a = p.as_array().filter(|a| a.len() >= 2);
                    match a.map(|a| (a[0].as_f64(), a[1].as_f64())) {
                        Some((Some(x), Some(y))) => Ok([x, y]),
                        _ => Err(GeoError::GeoJson("position is not [x, y]".into())),
                    }
                })
                .collect()
        })
        .collect()
}

/// A bounding box literal `west,south,east,north` (some ArcGIS servers put it in `dct:spatial`).
pub fn polygons_from_bbox(text: &str) -> Option<Vec<Polygon>> {
    let v: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    let [w, s, e, n] = v[..] else {
        return None;
    };
    Some(vec![bbox_polygon(w, s, e, n)])
}

fn bbox_polygon(w: f64, s: f64, e: f64, n: f64) -> Polygon {
    vec![vec![[w, s], [e, s], [e, n], [w, n], [w, s]]]
}

/// Check (and close, when the last position is missing) a polygon: at least 4 positions per
/// ring, finite longitude/latitude in range.
pub fn validate_polygon(mut polygon: Polygon) -> Result<Polygon, GeoError> {
    if polygon.is_empty() {
        return Err(GeoError::Invalid("no ring".into()));
    }
    for ring in &mut polygon {
        if let (Some(first), Some(last)) = (ring.first().copied(), ring.last().copied()) {
            if first != last {
                ring.push(first);
            }
        }
        if ring.len() < 4 {
            return Err(GeoError::Invalid(format!(
                "a ring needs at least 4 positions, got {}",
                ring.len()
            )));
        }
        for [x, y] in ring.iter() {
            if !x.is_finite() || !y.is_finite() || x.abs() > 180.0 || y.abs() > 90.0 {
                return Err(GeoError::Invalid(format!(
                    "position [{x}, {y}] is not a WGS 84 longitude/latitude"
                )));
            }
        }
    }
    Ok(polygon)
}

/// The GeoJSON `MultiPolygon` document udata stores.
pub fn multipolygon_doc(polygons: &[Polygon]) -> Document {
    let coords: Vec<Bson> = polygons
        .iter()
        .map(|p| {
            Bson::Array(
                p.iter()
                    .map(|r| {
                        Bson::Array(
                            r.iter()
                                .map(|[x, y]| Bson::Array(vec![Bson::Double(*x), Bson::Double(*y)]))
                                .collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let mut doc = Document::new();
    doc.insert("type", "MultiPolygon");
    doc.insert("coordinates", Bson::Array(coords));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt_polygon_with_crs_and_lowercase() {
        let p = polygons_from_wkt(
            "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> Polygon((1 2, 3 2, 3 4, 1 4, 1 2))",
        )
        .unwrap();
        assert_eq!(
            p,
            vec![vec![vec![
                [1.0, 2.0],
                [3.0, 2.0],
                [3.0, 4.0],
                [1.0, 4.0],
                [1.0, 2.0]
            ]]]
        );
    }

    #[test]
    fn wkt_multipolygon_and_z() {
        let p = polygons_from_wkt(
            "MULTIPOLYGON Z (((0 0 1, 1 0 1, 1 1 1, 0 0 1)), ((2 2 0, 3 2 0, 3 3 0, 2 2 0)))",
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1][0][0], [2.0, 2.0]);
    }

    #[test]
    fn wkt_errors() {
        assert!(matches!(
            polygons_from_wkt("POINT(1 2)"),
            Err(GeoError::Unsupported(_))
        ));
        assert!(polygons_from_wkt("POLYGON((1 2, 3").is_err());
    }

    #[test]
    fn geojson_and_bbox() {
        let p = polygons_from_geojson(
            r#"{"type":"Polygon","coordinates":[[[1,2],[3,2],[3,4],[1,2]]]}"#,
        )
        .unwrap();
        assert_eq!(p[0][0].len(), 4);
        let b = polygons_from_bbox("-5.1, 41.3, 9.6, 51.1").unwrap();
        assert_eq!(b[0][0][2], [9.6, 51.1]);
    }

    #[test]
    fn validation() {
        assert!(validate_polygon(vec![vec![[700000.0, 6600000.0]; 5]]).is_err());
        let closed = validate_polygon(vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]]).unwrap();
        assert_eq!(closed[0].len(), 4);
    }
}
