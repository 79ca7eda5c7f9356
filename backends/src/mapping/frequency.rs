//! Update frequencies: every way a remote catalog says how often a dataset changes, mapped onto
//! udata's `UpdateFrequency` ids (udata/core/dataset/constants.py).
//!
//! DCAT feeds use the EU frequency vocabulary or Dublin Core `freq:` terms (mapped as udata's
//! rdf.py does), CKAN extras hold udata ids, legacy ids, ISO 8601 durations or free text in French
//! or English. One function accepts them all so backends never guess on their own.
//!
//! Here: the udata ids and the order in which a value is tried. The spellings are in `aliases`,
//! the ISO 8601 durations in `duration`.

mod aliases;
mod duration;
#[cfg(test)]
mod tests;

use aliases::{lookup_compact, lookup_phrase};
use duration::from_iso_duration;

/// Every udata `UpdateFrequency` id, in udata's order.
pub const FREQUENCIES: &[&str] = &[
    "continuous",
    "oneMinute",
    "fiveMinutes",
    "tenMinutes",
    "fifteenMinutes",
    "thirtyMinutes",
    "hourly",
    "bihourly",
    "trihourly",
    "twelveHours",
    "severalTimesADay",
    "threeTimesADay",
    "semidaily",
    "daily",
    "fiveTimesAWeek",
    "threeTimesAWeek",
    "semiweekly",
    "weekly",
    "biweekly",
    "threeTimesAMonth",
    "semimonthly",
    "monthly",
    "bimonthly",
    "quarterly",
    "threeTimesAYear",
    "semiannual",
    "annual",
    "biennial",
    "triennial",
    "quadrennial",
    "quinquennial",
    "decennial",
    "bidecennial",
    "tridecennial",
    "punctual",
    "irregular",
    "never",
    "notPlanned",
    "other",
    "unknown",
];

/// The udata frequency id for `value`, or `None` when it is not recognised.
///
/// Accepted, case- and accent-insensitively: EU vocabulary URIs and codes
/// (`…/authority/frequency/ANNUAL_2`, `IRREG`), Dublin Core URIs and terms
/// (`http://purl.org/cld/freq/daily`), udata ids and legacy ids (`notPlanned`, `realtime`,
/// `fourTimesADay`), ISO 8601 durations (`R/P1D`, `P3M`, `PT1H`) and French or English free
/// text (`quotidienne`, `mise à jour mensuelle`, `every two weeks`, `temps réel`).
pub fn map_frequency(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Some(code) = vocabulary_term(value) {
        return lookup_compact(&compact(code));
    }
    if let Some(freq) = from_iso_duration(value) {
        return Some(freq);
    }
    let words = words(value);
    if words.is_empty() {
        return None;
    }
    let joined = words.join(" ");
    if let Some(freq) = lookup_compact(&words.concat()).or_else(|| lookup_phrase(&joined)) {
        return Some(freq);
    }
    if let Some(freq) = times_per_period(&words) {
        return Some(freq);
    }
    // "mise à jour mensuelle", "updated weekly", "fréquence : annuelle"…
    let stripped = strip_filler(&words);
    if !stripped.is_empty() && stripped.len() < words.len() {
        let joined = stripped.join(" ");
        if let Some(freq) = lookup_compact(&stripped.concat())
            .or_else(|| lookup_phrase(&joined))
            .or_else(|| times_per_period(&stripped))
        {
            return Some(freq);
        }
    }
    // "Quotidienne (jours ouvrés)", "Annual (since 2010)": the part before the remark.
    match value.split_once(['(', '[']) {
        Some((head, _)) if !head.trim().is_empty() => map_frequency(head),
        _ => None,
    }
}

/// "une fois par mois", "2 fois par an", "twice a week", "3 times per day"…
fn times_per_period(words: &[String]) -> Option<&'static str> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let (count, period) = match w.as_slice() {
        ["once", per, period] | ["twice", per, period] if is_per(per) => {
            (if w[0] == "once" { 1 } else { 2 }, *period)
        }
        [n, "fois" | "times", per, period] if is_per(per) => (count_word(n)?, *period),
        _ => return None,
    };
    let id = match (period_word(period)?, count) {
        ('d', 1) => "daily",
        ('d', 2) => "semidaily",
        ('d', 3) => "threeTimesADay",
        ('d', n) if n > 3 => "severalTimesADay",
        ('w', 1) => "weekly",
        ('w', 2) => "semiweekly",
        ('w', 3) => "threeTimesAWeek",
        ('w', 5) => "fiveTimesAWeek",
        ('m', 1) => "monthly",
        ('m', 2) => "semimonthly",
        ('m', 3) => "threeTimesAMonth",
        ('y', 1) => "annual",
        ('y', 2) => "semiannual",
        ('y', 3) => "threeTimesAYear",
        ('y', 4) => "quarterly",
        ('y', 6) => "bimonthly",
        ('y', 12) => "monthly",
        _ => return None,
    };
    Some(id)
}

fn is_per(word: &str) -> bool {
    matches!(word, "par" | "per" | "a" | "an" | "each" | "every")
}

fn count_word(word: &str) -> Option<u32> {
    match word {
        "une" | "un" | "one" => Some(1),
        "deux" | "two" => Some(2),
        "trois" | "three" => Some(3),
        "quatre" | "four" => Some(4),
        "cinq" | "five" => Some(5),
        "six" => Some(6),
        "douze" | "twelve" => Some(12),
        digits if digits.len() <= 3 => digits.parse().ok(),
        _ => None,
    }
}

/// `d`ay, `w`eek, `m`onth or `y`ear.
fn period_word(word: &str) -> Option<char> {
    match word {
        "jour" | "day" => Some('d'),
        "semaine" | "week" => Some('w'),
        "mois" | "month" => Some('m'),
        "an" | "annee" | "year" => Some('y'),
        _ => None,
    }
}

/// The term of a frequency vocabulary URI (EU, Dublin Core, or any URI ending in a term).
fn vocabulary_term(value: &str) -> Option<&str> {
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    let trimmed = value.trim_end_matches(['/', '#']);
    let term = trimmed.rsplit(['/', '#']).next()?;
    (!term.is_empty()).then_some(term)
}

/// Lower-case ASCII alphanumerics only: `ANNUAL_2` → `annual2`, `notPlanned` → `notplanned`.
fn compact(s: &str) -> String {
    deunicode::deunicode(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Lower-case ASCII words: `Mise à jour : MENSUELLE` → `["mise", "a", "jour", "mensuelle"]`.
fn words(s: &str) -> Vec<String> {
    deunicode::deunicode(s)
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Drops leading words such as "mise à jour", "updated", "fréquence" and trailing "update(s)".
fn strip_filler(words: &[String]) -> Vec<String> {
    const LEADING: &[&[&str]] = &[
        &["frequence", "de", "mise", "a", "jour"],
        &["frequence", "de", "mise", "jour"],
        &["frequence", "de", "maj"],
        &["frequence", "d", "actualisation"],
        &["frequence"],
        &["mises", "a", "jour"],
        &["mise", "a", "jour"],
        &["mis", "a", "jour"],
        &["mise", "jour"],
        &["maj"],
        &["actualisation"],
        &["actualise"],
        &["actualisee"],
        &["update", "frequency"],
        &["updated"],
        &["updates"],
        &["update"],
        &["frequency"],
        &["refreshed"],
    ];
    const TRAILING: &[&str] = &["update", "updates", "updated"];
    let mut rest: &[String] = words;
    for prefix in LEADING {
        if rest.len() > prefix.len() && rest.iter().zip(prefix.iter()).all(|(w, p)| w == p) {
            rest = &rest[prefix.len()..];
            break;
        }
    }
    if let Some((last, init)) = rest.split_last() {
        if !init.is_empty() && TRAILING.contains(&last.as_str()) {
            rest = init;
        }
    }
    rest.to_vec()
}
