//! Lenient date parsing for remote metadata.
//!
//! Catalogs write dates in every format: RFC 3339, ISO 8601 without a time zone, `xsd:date`,
//! `xsd:gYear`, French `31/01/2020`, RFC 2822 from feeds… A date that cannot be read is a warning,
//! never a failed dataset, so [`parse_date`] returns an `Option`. Dates without a zone are taken
//! as UTC; partial dates (`2020`, `2020-01`) as the first instant of the period, and
//! [`end_of_period`] gives the last day of it, as udata's rdf.py does for temporal coverage.

use std::sync::LazyLock;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};

/// Date-times with an explicit offset (`%z` accepts `+0200` and `+02:00`).
const OFFSET_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M%z",
    "%Y-%m-%dT%H:%M:%S%.f %z",
    "%Y-%m-%d %H:%M:%S%.f %z",
];

/// Date-times without a zone, taken as UTC.
const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y%m%dT%H%M%S",
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y %H:%M:%S%.f",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %Hh%M",
    "%d-%m-%Y %H:%M:%S%.f",
    "%d.%m.%Y %H:%M:%S%.f",
];

/// Dates, taken as midnight UTC.
const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"];

/// A list of formats, each read once into chrono's items (chrono's `parse_from_str` reads its
/// format string again at every call: 19 formats tried for some dates of every dataset).
struct Compiled(Vec<Vec<Item<'static>>>);

impl Compiled {
    fn new(formats: &[&str]) -> Self {
        Compiled(
            formats
                .iter()
                .map(|f| {
                    StrftimeItems::new(f)
                        .parse_to_owned()
                        .expect("the format constants of this module are valid")
                })
                .collect(),
        )
    }

    /// What each format that reads the whole of `s` makes of it, in order.
    fn parses<'a>(&'a self, s: &'a str) -> impl Iterator<Item = Parsed> + 'a {
        self.0.iter().filter_map(move |items| {
            let mut parsed = Parsed::new();
            chrono::format::parse(&mut parsed, s, items.iter()).ok()?;
            Some(parsed)
        })
    }
}

static OFFSET: LazyLock<Compiled> = LazyLock::new(|| Compiled::new(OFFSET_FORMATS));
static NAIVE: LazyLock<Compiled> = LazyLock::new(|| Compiled::new(NAIVE_FORMATS));
static DATES: LazyLock<Compiled> = LazyLock::new(|| Compiled::new(DATE_FORMATS));

/// Parses a remote date leniently; `None` when nothing sensible can be read.
///
/// Accepted: RFC 3339 (`2020-01-31T10:00:00+02:00`, `…Z`, fractional seconds), ISO date-times
/// without zone (`2020-01-31T10:00:00`, `2020-01-31 10:00:00.123`, `2020-01-31T10:00`), dates
/// (`2020-01-31`, `2020/01/31`, `31/01/2020`, `20200131`), `xsd:date` with a zone (`2020-01-31Z`,
/// `2020-01-31+02:00`), year-months (`2020-01`, `xsd:gYearMonth`), years (`2020`, `xsd:gYear`),
/// RFC 2822 (`Fri, 31 Jan 2020 10:00:00 +0000`) and ISO week-less basic forms. Years outside
/// 1000–9999 are refused, so a number of seconds is never read as a year.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let parsed = parse_datetime(s).or_else(|| parse_partial(s).map(|(start, _)| start))?;
    plausible(parsed)
}

/// `d`, or `now` if `d` is later: remote modification dates are never in the future.
pub fn not_in_future(d: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    d.min(now)
}

/// The BSON date MongoDB stores (millisecond precision).
pub fn to_bson(d: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_chrono(d)
}

/// The end of a temporal coverage given as text: for a year or a year-month, the last day of that
/// period at midnight UTC (`2020` → 2020-12-31, `2020-02` → 2020-02-29), as udata's rdf.py
/// `temporal_from_literal` does; for a full date or date-time, that date as [`parse_date`] reads it.
pub fn end_of_period(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    if let Some(d) = parse_datetime(s) {
        return plausible(d);
    }
    let (_, end) = parse_partial(s)?;
    plausible(end)
}

fn plausible(d: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (1000..=9999).contains(&d.year()).then_some(d)
}

/// Full dates and date-times.
fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    // A trailing `Z` (or `UTC`/`GMT`) is an offset of zero: normalise it for the `%z` formats.
    let zoned = normalize_zone(s);
    for parsed in OFFSET.parses(&zoned) {
        if let Ok(d) = parsed.to_datetime() {
            return Some(d.with_timezone(&Utc));
        }
    }
    for parsed in NAIVE.parses(s) {
        if let Ok(d) = parsed.to_naive_datetime_with_offset(0) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    // Feeds get the day of the week wrong more often than the date: retry without it.
    if let Some((_, rest)) = s.split_once(", ") {
        if let Ok(d) = DateTime::parse_from_rfc2822(rest) {
            return Some(d.with_timezone(&Utc));
        }
    }
    parse_day(s).map(midnight)
}

fn normalize_zone(s: &str) -> String {
    for suffix in ["Z", "z", " UTC", " GMT", "UTC", "GMT"] {
        if let Some(head) = s.strip_suffix(suffix) {
            if head.ends_with(|c: char| c.is_ascii_digit()) {
                return format!("{}+00:00", head.trim_end());
            }
        }
    }
    s.to_string()
}

/// A calendar day, possibly with an `xsd:date` zone suffix (`2020-01-31Z`, `2020-01-31+02:00`),
/// which is dropped: a day is a day.
fn parse_day(s: &str) -> Option<NaiveDate> {
    let day = strip_date_zone(s);
    for parsed in DATES.parses(day) {
        if let Ok(d) = parsed.to_naive_date() {
            return Some(d);
        }
    }
    if day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(day, "%Y%m%d").ok();
    }
    None
}

/// `2020-01-31Z` → `2020-01-31`; `2020-01-31+02:00` → `2020-01-31`; `2020-01-31-05:00` →
/// `2020-01-31`. Only ever strips a suffix after a complete `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
fn strip_date_zone(s: &str) -> &str {
    if let Some(head) = s.strip_suffix(['Z', 'z']) {
        return head;
    }
    // An offset is `±hh:mm` at the end, after at least a year.
    if s.len() >= 10 && s.is_char_boundary(s.len() - 6) {
        let (head, tail) = s.split_at(s.len() - 6);
        let tb = tail.as_bytes();
        let is_offset = (tb[0] == b'+' || tb[0] == b'-')
            && tb[1].is_ascii_digit()
            && tb[2].is_ascii_digit()
            && tb[3] == b':'
            && tb[4].is_ascii_digit()
            && tb[5].is_ascii_digit();
        if is_offset && head.len() >= 4 && head.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
            return head;
        }
    }
    s
}

/// A year or a year-month: its first and its last day, at midnight UTC.
fn parse_partial(s: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let s = strip_date_zone(s);
    let (year, month) = match s.split_once(['-', '/']) {
        None => (parse_year(s)?, None),
        Some((a, b)) => {
            // `2020-01` or `01/2020`.
            if a.len() == 4 {
                (parse_year(a)?, Some(parse_month(b)?))
            } else {
                (parse_year(b)?, Some(parse_month(a)?))
            }
        }
    };
    match month {
        None => {
            let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
            let last = NaiveDate::from_ymd_opt(year, 12, 31)?;
            Some((midnight(first), midnight(last)))
        }
        Some(month) => {
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)?
            };
            let last = next.pred_opt()?;
            Some((midnight(first), midnight(last)))
        }
    }
}

fn parse_year(s: &str) -> Option<i32> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_month(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let m: u32 = s.parse().ok()?;
    (1..=12).contains(&m).then_some(m)
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formats read once give what chrono's `parse_from_str` gives with the format strings
    /// (the code before they were compiled), on dates assembled from the pieces catalogs write.
    #[test]
    fn compiled_formats_match_parse_from_str() {
        use chrono::NaiveDateTime;
        fn reference(s: &str) -> Option<DateTime<Utc>> {
            let zoned = normalize_zone(s);
            for fmt in OFFSET_FORMATS {
                if let Ok(d) = DateTime::parse_from_str(&zoned, fmt) {
                    return Some(d.with_timezone(&Utc));
                }
            }
            for fmt in NAIVE_FORMATS {
                if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
                    return Some(Utc.from_utc_datetime(&d));
                }
            }
            let day = strip_date_zone(s);
            DATE_FORMATS
                .iter()
                .find_map(|fmt| NaiveDate::parse_from_str(day, fmt).ok())
                .or_else(|| {
                    let digits = day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit());
                    digits
                        .then(|| NaiveDate::parse_from_str(day, "%Y%m%d").ok())
                        .flatten()
                })
                .map(midnight)
        }
        fn compiled(s: &str) -> Option<DateTime<Utc>> {
            let zoned = normalize_zone(s);
            if let Some(d) = OFFSET.parses(&zoned).find_map(|p| p.to_datetime().ok()) {
                return Some(d.with_timezone(&Utc));
            }
            if let Some(d) = NAIVE
                .parses(s)
                .find_map(|p| p.to_naive_datetime_with_offset(0).ok())
            {
                return Some(Utc.from_utc_datetime(&d));
            }
            parse_day(s).map(midnight)
        }
        let days = [
            "2020-01-31",
            "2020/02/29",
            "31/01/2020",
            "29-02-2021",
            "31.12.1999",
            "2020-13-01",
            "20200131",
        ];
        let times = [
            "",
            "T10:00",
            " 10:00",
            "T10:00:00",
            " 10:00:00.123",
            "T25:00:00",
            "h",
            " 10h30",
            "T10:00:00.5",
        ];
        let zones = [
            "", "Z", "+02:00", " +0200", "-05:00", " UTC", "GMT", "+2", "z",
        ];
        let mut checked = 0;
        for d in days {
            for t in times {
                for z in zones {
                    let s = format!("{d}{t}{z}");
                    assert_eq!(compiled(&s), reference(&s), "{s:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, days.len() * times.len() * zones.len());
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("valid test date")
    }

    fn p(s: &str) -> Option<DateTime<Utc>> {
        parse_date(s)
    }

    #[test]
    fn rfc3339() {
        assert_eq!(p("2020-01-31T10:00:00Z"), Some(utc(2020, 1, 31, 10, 0, 0)));
        assert_eq!(
            p("2020-01-31T10:00:00+02:00"),
            Some(utc(2020, 1, 31, 8, 0, 0))
        );
        assert_eq!(
            p("2020-01-31T10:00:00-05:00"),
            Some(utc(2020, 1, 31, 15, 0, 0))
        );
        assert_eq!(
            p("2020-01-31T10:00:00.123456Z").map(|d| d.timestamp_micros()),
            Some(utc(2020, 1, 31, 10, 0, 0).timestamp_micros() + 123_456)
        );
        assert_eq!(
            p("  2020-01-31T10:00:00Z \n"),
            Some(utc(2020, 1, 31, 10, 0, 0))
        );
    }

    #[test]
    fn offsets_without_colon_or_seconds() {
        assert_eq!(
            p("2020-01-31T10:00:00+0200"),
            Some(utc(2020, 1, 31, 8, 0, 0))
        );
        assert_eq!(p("2020-01-31T10:00Z"), Some(utc(2020, 1, 31, 10, 0, 0)));
        assert_eq!(p("2020-01-31T10:00+01:00"), Some(utc(2020, 1, 31, 9, 0, 0)));
        assert_eq!(
            p("2020-01-31 10:00:00 +0100"),
            Some(utc(2020, 1, 31, 9, 0, 0))
        );
        assert_eq!(
            p("2020-01-31 10:00:00 UTC"),
            Some(utc(2020, 1, 31, 10, 0, 0))
        );
        assert_eq!(p("2020-01-31 10:00:00Z"), Some(utc(2020, 1, 31, 10, 0, 0)));
    }

    #[test]
    fn naive_datetimes_are_utc() {
        assert_eq!(p("2020-01-31T10:00:00"), Some(utc(2020, 1, 31, 10, 0, 0)));
        assert_eq!(p("2020-01-31 10:00:00"), Some(utc(2020, 1, 31, 10, 0, 0)));
        assert_eq!(
            p("2020-01-31T10:00:00.123456").map(|d| d.timestamp_subsec_micros()),
            Some(123_456)
        );
        assert_eq!(p("2020-01-31T10:00"), Some(utc(2020, 1, 31, 10, 0, 0)));
        assert_eq!(p("31/01/2020 10:30"), Some(utc(2020, 1, 31, 10, 30, 0)));
        assert_eq!(p("31/01/2020 10:30:15"), Some(utc(2020, 1, 31, 10, 30, 15)));
        assert_eq!(p("2020/01/31 10:30:15"), Some(utc(2020, 1, 31, 10, 30, 15)));
        assert_eq!(p("20200131T103015"), Some(utc(2020, 1, 31, 10, 30, 15)));
    }

    #[test]
    fn dates() {
        let d = Some(utc(2020, 1, 31, 0, 0, 0));
        assert_eq!(p("2020-01-31"), d);
        assert_eq!(p("2020/01/31"), d);
        assert_eq!(p("31/01/2020"), d);
        assert_eq!(p("31-01-2020"), d);
        assert_eq!(p("31.01.2020"), d);
        assert_eq!(p("20200131"), d);
        assert_eq!(p("2020-01-31Z"), d);
        assert_eq!(p("2020-01-31+02:00"), d);
        assert_eq!(p("2020-01-31-05:00"), d);
    }

    #[test]
    fn partial_dates_are_the_start_of_the_period() {
        assert_eq!(p("2020-01"), Some(utc(2020, 1, 1, 0, 0, 0)));
        assert_eq!(p("2020-12"), Some(utc(2020, 12, 1, 0, 0, 0)));
        assert_eq!(p("2020-1"), Some(utc(2020, 1, 1, 0, 0, 0)));
        assert_eq!(p("01/2020"), Some(utc(2020, 1, 1, 0, 0, 0)));
        assert_eq!(p("2020"), Some(utc(2020, 1, 1, 0, 0, 0)));
        assert_eq!(p("2020Z"), Some(utc(2020, 1, 1, 0, 0, 0)));
        assert_eq!(p("2020-03Z"), Some(utc(2020, 3, 1, 0, 0, 0)));
    }

    #[test]
    fn rfc2822() {
        assert_eq!(
            p("Fri, 31 Jan 2020 10:00:00 +0000"),
            Some(utc(2020, 1, 31, 10, 0, 0))
        );
        assert_eq!(
            p("Fri, 31 Jan 2020 10:00:00 GMT"),
            Some(utc(2020, 1, 31, 10, 0, 0))
        );
        // Wrong day of the week (31 Jan 2020 was a Friday): the date wins.
        assert_eq!(
            p("Mon, 31 Jan 2020 10:00:00 GMT"),
            Some(utc(2020, 1, 31, 10, 0, 0))
        );
        assert_eq!(
            p("31 Jan 2020 12:00:00 +0200"),
            Some(utc(2020, 1, 31, 10, 0, 0))
        );
    }

    #[test]
    fn garbage_is_none() {
        for s in [
            "",
            "   ",
            "not a date",
            "2020-13-01",
            "2020-02-30",
            "2020-13",
            "2020-00",
            "31/13/2020",
            "1580464800",
            "99",
            "20",
            "0000-01-01",
            "2020-01-31T25:00:00",
            "2020-01-31Tfoo",
            "é2020",
            "2020-01-31+2",
            "€€€€€€€€€€",
            "ab€2020-01-31+02:00",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
        let huge = "2".repeat(10_000);
        assert_eq!(p(&huge), None);
    }

    #[test]
    fn leap_days() {
        assert_eq!(p("2020-02-29"), Some(utc(2020, 2, 29, 0, 0, 0)));
        assert_eq!(p("2019-02-29"), None);
    }

    #[test]
    fn clamp_to_now() {
        let now = utc(2024, 6, 1, 12, 0, 0);
        let past = utc(2020, 1, 1, 0, 0, 0);
        let future = utc(2030, 1, 1, 0, 0, 0);
        assert_eq!(not_in_future(past, now), past);
        assert_eq!(not_in_future(future, now), now);
        assert_eq!(not_in_future(now, now), now);
    }

    #[test]
    fn bson_conversion_keeps_milliseconds() {
        let d = utc(2020, 1, 31, 10, 0, 0) + chrono::Duration::milliseconds(123);
        let b = to_bson(d);
        assert_eq!(b.timestamp_millis(), d.timestamp_millis());
        assert_eq!(b.to_chrono(), d);
    }

    #[test]
    fn end_of_period_for_years_and_months() {
        assert_eq!(end_of_period("2020"), Some(utc(2020, 12, 31, 0, 0, 0)));
        assert_eq!(end_of_period("2020-02"), Some(utc(2020, 2, 29, 0, 0, 0)));
        assert_eq!(end_of_period("2019-02"), Some(utc(2019, 2, 28, 0, 0, 0)));
        assert_eq!(end_of_period("2020-12"), Some(utc(2020, 12, 31, 0, 0, 0)));
        assert_eq!(end_of_period("2020-04"), Some(utc(2020, 4, 30, 0, 0, 0)));
        assert_eq!(end_of_period("04/2020"), Some(utc(2020, 4, 30, 0, 0, 0)));
        assert_eq!(end_of_period(" 2021Z "), Some(utc(2021, 12, 31, 0, 0, 0)));
        assert_eq!(end_of_period("9999-12"), Some(utc(9999, 12, 31, 0, 0, 0)));
    }

    #[test]
    fn end_of_period_for_full_dates_is_the_date() {
        assert_eq!(end_of_period("2020-06-15"), Some(utc(2020, 6, 15, 0, 0, 0)));
        assert_eq!(
            end_of_period("2020-06-15T10:00:00Z"),
            Some(utc(2020, 6, 15, 10, 0, 0))
        );
        assert_eq!(end_of_period("15/06/2020"), Some(utc(2020, 6, 15, 0, 0, 0)));
        assert_eq!(end_of_period(""), None);
        assert_eq!(end_of_period("later"), None);
        assert_eq!(end_of_period("2020-13"), None);
    }
}
