//! DKAN backend: DKAN (Drupal) portals expose a CKAN-compatible action API, harvested like CKAN
//! (the spec's DKAN note, udata-ckan's `DkanBackend`) with DKAN's quirks handled here.
//!
//! The quirks: `package_show` answers a one-element list (unwrapped in [`super::ckan_api`]),
//! dates are Drupal-formatted (`"mar, 10/12/2019 - 09:23"`, `"Wed, 03/16/2016 - 13:35"`,
//! `"Date changed  jeu, 19/12/2019 - 03:00"`) — parsed by [`parse_date`] —, resource sizes are
//! human strings (`"42 octets"`, `"1.5 MB"`) — read by the shared size parser's
//! [`SizeRule::Human`](crate::mapping::values::SizeRule::Human) —, resources have no
//! `resource_type`, the `private` flag is set on public datasets (ignored), and the listing
//! cannot be filtered (source filters are left to the pipeline, applied after mapping).
//! Everything else is the CKAN mapping ([`super::ckan::map_package`]).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};

use super::ckan_api::{ActionApiBackend, Dialect};

/// The DKAN backend (`dkan`).
pub struct DkanBackend;

impl ActionApiBackend for DkanBackend {
    const DIALECT: Dialect = Dialect::Dkan;
}

/// Which language a weekday name was written in: it tells how to read an ambiguous `03/04/2016`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    English,
    French,
}

fn weekday(word: &str) -> Option<(Weekday, Lang)> {
    let w = word
        .trim_matches(|c: char| !c.is_alphabetic())
        .to_lowercase();
    let english = match w.as_str() {
        "mon" | "monday" => Some(Weekday::Mon),
        "tue" | "tues" | "tuesday" => Some(Weekday::Tue),
        "wed" | "wednesday" => Some(Weekday::Wed),
        "thu" | "thur" | "thurs" | "thursday" => Some(Weekday::Thu),
        "fri" | "friday" => Some(Weekday::Fri),
        "sat" | "saturday" => Some(Weekday::Sat),
        "sun" | "sunday" => Some(Weekday::Sun),
        _ => None,
    };
    if let Some(day) = english {
        return Some((day, Lang::English));
    }
    let french = match w.as_str() {
        "lun" | "lundi" => Some(Weekday::Mon),
        "mar" | "mardi" => Some(Weekday::Tue),
        "mer" | "mercredi" => Some(Weekday::Wed),
        "jeu" | "jeudi" => Some(Weekday::Thu),
        "ven" | "vendredi" => Some(Weekday::Fri),
        "sam" | "samedi" => Some(Weekday::Sat),
        "dim" | "dimanche" => Some(Weekday::Sun),
        _ => None,
    };
    french.map(|day| (day, Lang::French))
}

/// A DKAN (Drupal) date, read as UTC.
///
/// Handles `"[weekday,] DD/MM/YYYY[ - HH:MM[:SS]]"` with any leading text (`"Date changed"`),
/// and `"YYYY-MM-DD HH:MM[:SS]"`. For `A/B/YYYY`, the reading that is a valid date wins; when
/// both are, the one matching the weekday name wins, then month-first for an English weekday and
/// day-first otherwise (udata-ckan parses DKAN dates day-first).
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(raw, format) {
            return Some(dt.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc());
    }

    let tokens: Vec<&str> = raw
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    let date_pos = tokens.iter().position(|t| t.split('/').count() == 3)?;
    let parts: Vec<u32> = tokens[date_pos]
        .split('/')
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    let [a, b, year] = parts.as_slice() else {
        return None;
    };
    let (a, b, year) = (*a, *b, i32::try_from(*year).ok()?);
    if !(1000..=9999).contains(&year) {
        return None;
    }
    let day_first = NaiveDate::from_ymd_opt(year, b, a);
    let month_first = NaiveDate::from_ymd_opt(year, a, b);
    let named = tokens[..date_pos].iter().find_map(|t| weekday(t));
    let date = match (day_first, month_first) {
        (Some(d), None) | (None, Some(d)) => d,
        (None, None) => return None,
        (Some(dm), Some(md)) => {
            use chrono::Datelike;
            match named {
                Some((wd, _)) if dm.weekday() == wd && md.weekday() != wd => dm,
                Some((wd, _)) if md.weekday() == wd && dm.weekday() != wd => md,
                Some((_, Lang::English)) => md,
                _ => dm,
            }
        }
    };
    let time = tokens[date_pos + 1..]
        .iter()
        .find_map(|t| {
            NaiveTime::parse_from_str(t, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
                .ok()
        })
        .unwrap_or(NaiveTime::MIN);
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(raw: &str) -> Option<String> {
        parse_date(raw).map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())
    }

    #[test]
    fn drupal_dates() {
        assert_eq!(
            iso("Wed, 03/16/2016 - 13:35").as_deref(),
            Some("2016-03-16T13:35:00")
        );
        assert_eq!(
            iso("mar, 10/12/2019 - 09:23").as_deref(),
            Some("2019-12-10T09:23:00")
        );
        assert_eq!(
            iso("Date changed  jeu, 19/12/2019 - 03:00").as_deref(),
            Some("2019-12-19T03:00:00")
        );
        assert_eq!(
            iso("2016-03-16 13:35:00").as_deref(),
            Some("2016-03-16T13:35:00")
        );
        // Both readings valid: the weekday decides (2016-04-05 is a Tuesday, 2016-05-04 a
        // Wednesday), whatever its language.
        assert_eq!(
            iso("Tue, 04/05/2016 - 10:00").as_deref(),
            Some("2016-04-05T10:00:00")
        );
        assert_eq!(
            iso("mer, 04/05/2016 - 10:00").as_deref(),
            Some("2016-05-04T10:00:00")
        );
        assert_eq!(
            iso("mardi 04/05/2016").as_deref(),
            Some("2016-04-05T00:00:00")
        );
        // No weekday: day first, like udata-ckan.
        assert_eq!(iso("04/05/2016").as_deref(), Some("2016-05-04T00:00:00"));
        assert_eq!(iso("not a date"), None);
        assert_eq!(iso("45/45/2016"), None);
    }
}
