//! Synthetic catalogs are deterministic, shaped like real portals, and their variants alter
//! and drop the expected shares.

use super::*;

#[test]
fn deterministic_and_shaped() {
    let a = dataset(7, 42, Variant::ORIGINAL).expect("listed");
    let b = dataset(7, 42, Variant::ORIGINAL).expect("listed");
    assert_eq!(a, b);
    assert!((3..=10).contains(&a.distributions.len()));
    assert!(a.keywords.len() >= 3);
    assert_eq!(index_of(&a.id), Some(42));
    assert_eq!(index_of(&a.name), Some(42));
    let other = dataset(8, 42, Variant::ORIGINAL).expect("listed");
    assert_ne!(a.id, other.id);
}

#[test]
fn variants_are_deterministic_shares() {
    let n = 20_000;
    let changed = (0..n)
        .filter_map(|i| dataset(3, i, Variant::changed(0.1)))
        .filter(|d| d.changed)
        .count();
    assert!((1_800..2_200).contains(&changed), "{changed}");
    let listed = (0..n)
        .filter(|i| is_listed(3, *i, Variant::removed(0.05)))
        .count();
    assert!((18_800..19_200).contains(&listed), "{listed}");
    // A changed dataset differs only by title and modification date.
    let i = (0..n)
        .find(|i| is_changed(3, *i, 0.1))
        .expect("some changed");
    let (o, c) = (
        dataset(3, i, Variant::ORIGINAL).expect("listed"),
        dataset(3, i, Variant::changed(0.1)).expect("listed"),
    );
    assert_ne!(o.title, c.title);
    assert_ne!(o.modified, c.modified);
    assert_eq!(o.distributions, c.distributions);
}

#[test]
fn dates() {
    assert_eq!(datetime(0), "1970-01-01T00:00:00");
    assert_eq!(datetime(CHANGE_DATE), "2025-09-01T00:00:00");
    assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(http_date(CHANGE_DATE), "Mon, 01 Sep 2025 00:00:00 GMT");
    assert_eq!(parse_datetime("2025-09-01T00:00:00"), CHANGE_DATE);
}

#[test]
fn lognormal_total() {
    let sizes = lognormal_sizes(1, 200, 300_000, 1.4, 5);
    let total: usize = sizes.iter().sum();
    assert!((299_000..301_000).contains(&total), "{total}");
    assert!(sizes.iter().all(|s| *s >= 5));
    assert!(sizes.iter().max() > Some(&10_000));
}
