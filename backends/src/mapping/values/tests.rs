use super::*;
use serde_json::json;

/// An input, then the size CKAN, DKAN and DCAT read in it.
type Row = (&'static str, Option<i64>, Option<i64>, Option<i64>);

/// Parity with the three parsers this one replaced: CKAN's `size_value` (JSON `size`), DKAN's
/// (`size_value`, then `parse_size` on strings) and DCAT's `parse_size` (`dcat:byteSize`), over
/// the inputs of their tests and fixtures. Each row: input, then what CKAN, DKAN and DCAT read.
/// The rules differ only where a backend's remote writes more than a plain number.
#[test]
fn each_backend_reads_sizes_as_before() {
    let rows: &[Row] = &[
        // Plain numbers of bytes: the same everywhere.
        ("512", Some(512), Some(512), Some(512)),
        ("1024", Some(1024), Some(1024), Some(1024)),
        ("48213", Some(48213), Some(48213), Some(48213)),
        (" 1024 ", Some(1024), Some(1024), Some(1024)),
        ("", None, None, None),
        ("big", None, None, None),
        ("-1", None, None, None),
        // Units: DKAN only.
        ("42 octets", None, Some(42), None),
        ("1.5 MB", None, Some(1_500_000), None),
        ("3,2 Mo", None, Some(3_200_000), None),
        ("12 KiB", None, Some(12 * 1024), None),
        // Decimals: DKAN and DCAT; separators and exponents: DCAT only.
        ("1024.0", None, Some(1024), Some(1024)),
        ("1 024", None, None, Some(1024)),
        ("1.5E3", None, None, Some(1500)),
    ];
    for (raw, ckan, dkan, dcat) in rows {
        let json = Value::String((*raw).to_owned());
        assert_eq!(
            json_byte_size(&json, SizeRule::Bytes),
            *ckan,
            "CKAN {raw:?}"
        );
        assert_eq!(
            json_byte_size(&json, SizeRule::Human),
            *dkan,
            "DKAN {raw:?}"
        );
        assert_eq!(byte_size(raw, SizeRule::Loose), *dcat, "DCAT {raw:?}");
    }
}

/// JSON numbers (CKAN and DKAN `size`): decimals truncated, negatives refused, whatever the rule.
#[test]
fn json_numbers_are_whole_bytes() {
    for rule in [SizeRule::Bytes, SizeRule::Human] {
        assert_eq!(json_byte_size(&json!(48213), rule), Some(48213));
        assert_eq!(json_byte_size(&json!(1.7), rule), Some(1));
        assert_eq!(json_byte_size(&json!(-3), rule), None);
        assert_eq!(json_byte_size(&json!(null), rule), None);
        assert_eq!(json_byte_size(&json!([1]), rule), None);
    }
    // Text is rounded instead (DCAT literals, DKAN human sizes).
    assert_eq!(byte_size("1.7", SizeRule::Loose), Some(2));
    assert_eq!(byte_size("1.7", SizeRule::Human), Some(2));
}

#[test]
fn strings_and_identifiers() {
    let map = json!({"a": "  x ", "b": "  ", "n": 12, "t": true});
    let map = map.as_object().unwrap();
    assert_eq!(string(map, "a").as_deref(), Some("x"));
    assert_eq!(string(map, "b"), None);
    assert_eq!(string(map, "n").as_deref(), Some("12"));
    assert_eq!(string(map, "t"), None);
    assert_eq!(string(map, "missing"), None);

    let doc = json!({"id": " ", "name": " my-name ", "other": 3});
    assert_eq!(first_str(&doc, &["id", "name"]).as_deref(), Some("my-name"));
    assert_eq!(first_str(&doc, &["other"]), None);

    assert_eq!(scalar_text(&json!(" x ")).as_deref(), Some("x"));
    assert_eq!(scalar_text(&json!(2)).as_deref(), Some("2"));
    assert_eq!(scalar_text(&json!(false)).as_deref(), Some("false"));
    assert_eq!(scalar_text(&json!(["x"])), None);
}
