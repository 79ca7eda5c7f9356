//! Tests of [`super::map_frequency`]: every accepted form, and what is refused.

use super::*;

const EU: &str = "http://publications.europa.eu/resource/authority/frequency/";

#[test]
fn frequencies_lists_udata_ids() {
    assert_eq!(FREQUENCIES.len(), 40);
    for id in [
        "daily",
        "notPlanned",
        "continuous",
        "unknown",
        "punctual",
        "twelveHours",
    ] {
        assert!(FREQUENCIES.contains(&id), "{id}");
    }
    let mut sorted = FREQUENCIES.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), FREQUENCIES.len());
}

#[test]
fn every_udata_id_maps_to_itself() {
    for id in FREQUENCIES {
        assert_eq!(map_frequency(id), Some(*id), "{id}");
        assert_eq!(map_frequency(&id.to_uppercase()), Some(*id), "{id}");
    }
}

#[test]
fn eu_vocabulary_uris() {
    let cases = [
        ("DAILY", "daily"),
        ("ANNUAL", "annual"),
        ("ANNUAL_2", "semiannual"),
        ("ANNUAL_3", "threeTimesAYear"),
        ("MONTHLY", "monthly"),
        ("MONTHLY_2", "semimonthly"),
        ("MONTHLY_3", "threeTimesAMonth"),
        ("WEEKLY", "weekly"),
        ("WEEKLY_2", "semiweekly"),
        ("WEEKLY_3", "threeTimesAWeek"),
        ("WEEKLY_5", "fiveTimesAWeek"),
        ("BIWEEKLY", "biweekly"),
        ("BIENNIAL", "biennial"),
        ("IRREG", "irregular"),
        ("UPDATE_CONT", "continuous"),
        ("CONT", "severalTimesADay"),
        ("AS_NEEDED", "punctual"),
        ("NOT_PLANNED", "notPlanned"),
        ("OP_DATPRO", "unknown"),
        ("UNKNOWN", "unknown"),
        ("OTHER", "other"),
        ("NEVER", "never"),
        ("1MIN", "oneMinute"),
        ("5MIN", "fiveMinutes"),
        ("10MIN", "tenMinutes"),
        ("15MIN", "fifteenMinutes"),
        ("30MIN", "thirtyMinutes"),
        ("HOURLY", "hourly"),
        ("BIHOURLY", "bihourly"),
        ("TRIHOURLY", "trihourly"),
        ("12HRS", "twelveHours"),
        ("DAILY_2", "semidaily"),
        ("DAILY_3", "threeTimesADay"),
        ("QUARTERLY", "quarterly"),
        ("BIMONTHLY", "bimonthly"),
        ("TRIENNIAL", "triennial"),
        ("QUADRENNIAL", "quadrennial"),
        ("QUINQUENNIAL", "quinquennial"),
        ("DECENNIAL", "decennial"),
        ("BIDECENNIAL", "bidecennial"),
        ("TRIDECENNIAL", "tridecennial"),
    ];
    for (code, id) in cases {
        assert_eq!(map_frequency(&format!("{EU}{code}")), Some(id), "{code}");
        assert_eq!(map_frequency(code), Some(id), "bare {code}");
    }
    // https, trailing slash, lower case.
    assert_eq!(
        map_frequency("https://publications.europa.eu/resource/authority/frequency/daily/"),
        Some("daily")
    );
    assert_eq!(map_frequency(&format!("{EU}NOPE")), None);
}

#[test]
fn dublin_core_uris() {
    let dc = "http://purl.org/cld/freq/";
    let cases = [
        ("continuous", "continuous"),
        ("daily", "daily"),
        ("threeTimesAWeek", "threeTimesAWeek"),
        ("semiweekly", "semiweekly"),
        ("weekly", "weekly"),
        ("biweekly", "biweekly"),
        ("threeTimesAMonth", "threeTimesAMonth"),
        ("semimonthly", "semimonthly"),
        ("monthly", "monthly"),
        ("bimonthly", "bimonthly"),
        ("quarterly", "quarterly"),
        ("threeTimesAYear", "threeTimesAYear"),
        ("semiannual", "semiannual"),
        ("annual", "annual"),
        ("biennial", "biennial"),
        ("triennial", "triennial"),
        ("irregular", "irregular"),
    ];
    for (term, id) in cases {
        assert_eq!(map_frequency(&format!("{dc}{term}")), Some(id), "{term}");
    }
    assert_eq!(
        map_frequency("http://purl.org/cld/freq#monthly"),
        Some("monthly")
    );
}

#[test]
fn bare_terms_any_case() {
    assert_eq!(map_frequency("daily"), Some("daily"));
    assert_eq!(map_frequency("Daily"), Some("daily"));
    assert_eq!(map_frequency("DAILY"), Some("daily"));
    assert_eq!(map_frequency("  annual "), Some("annual"));
    assert_eq!(map_frequency("annually"), Some("annual"));
    assert_eq!(map_frequency("notplanned"), Some("notPlanned"));
    assert_eq!(map_frequency("not_planned"), Some("notPlanned"));
    assert_eq!(map_frequency("Not planned"), Some("notPlanned"));
}

#[test]
fn udata_legacy_ids() {
    assert_eq!(map_frequency("realtime"), Some("continuous"));
    assert_eq!(map_frequency("fourTimesADay"), Some("severalTimesADay"));
    assert_eq!(map_frequency("fourTimesAWeek"), Some("other"));
    assert_eq!(map_frequency("fortnighly"), Some("biweekly"));
    assert_eq!(map_frequency("fortnightly"), Some("biweekly"));
    assert_eq!(map_frequency("biannual"), Some("semiannual"));
}

#[test]
fn iso_durations() {
    let cases = [
        ("R/P1D", "daily"),
        ("R/P1W", "weekly"),
        ("R/P2W", "biweekly"),
        ("R/P1M", "monthly"),
        ("R/P2M", "bimonthly"),
        ("R/P3M", "quarterly"),
        ("R/P4M", "threeTimesAYear"),
        ("R/P6M", "semiannual"),
        ("R/P1Y", "annual"),
        ("R/P12M", "annual"),
        ("R/P2Y", "biennial"),
        ("R/P10Y", "decennial"),
        ("P1D", "daily"),
        ("P7D", "weekly"),
        ("PT24H", "daily"),
        ("R/PT1H", "hourly"),
        ("PT1M", "oneMinute"),
        ("PT15M", "fifteenMinutes"),
        ("PT12H", "twelveHours"),
        ("PT6H", "severalTimesADay"),
        ("r/p1d", "daily"),
        ("R52/P1W", "weekly"),
        ("R/2020-01-01/P1M", "monthly"),
    ];
    for (value, id) in cases {
        assert_eq!(map_frequency(value), Some(id), "{value}");
    }
    for value in [
        "P",
        "PT",
        "P5D",
        "P1.5D",
        "P1Y1D",
        "R/",
        "Rx/P1D",
        "P99999999999999Y",
    ] {
        assert_eq!(map_frequency(value), None, "{value}");
    }
}

#[test]
fn french_free_text() {
    let cases = [
        ("quotidien", "daily"),
        ("Quotidienne", "daily"),
        ("journalière", "daily"),
        ("Tous les jours", "daily"),
        ("hebdomadaire", "weekly"),
        ("Hebdomadaire", "weekly"),
        ("mensuel", "monthly"),
        ("Mensuelle", "monthly"),
        ("annuel", "annual"),
        ("Annuelle", "annual"),
        ("trimestriel", "quarterly"),
        ("Trimestrielle", "quarterly"),
        ("semestrielle", "semiannual"),
        ("bimestriel", "bimonthly"),
        ("bimensuelle", "semimonthly"),
        ("bihebdomadaire", "semiweekly"),
        ("temps réel", "continuous"),
        ("Temps Réel", "continuous"),
        ("en continu", "continuous"),
        ("ponctuel", "punctual"),
        ("Ponctuelle", "punctual"),
        ("irrégulier", "irregular"),
        ("Irrégulière", "irregular"),
        ("IRRÉGULIER", "irregular"),
        ("jamais", "never"),
        ("inconnue", "unknown"),
        ("non planifiée", "notPlanned"),
        ("aucune mise à jour prévue", "notPlanned"),
        ("toutes les heures", "hourly"),
        ("toutes les 5 minutes", "fiveMinutes"),
        ("deux fois par an", "semiannual"),
        ("tous les 15 jours", "biweekly"),
        ("tous les deux ans", "biennial"),
        ("quinquennal", "quinquennial"),
        ("Mise à jour mensuelle", "monthly"),
        ("Mise à jour : hebdomadaire", "weekly"),
        ("Fréquence de mise à jour : annuelle", "annual"),
        ("autre", "other"),
    ];
    for (value, id) in cases {
        assert_eq!(map_frequency(value), Some(id), "{value}");
    }
}

#[test]
fn counts_per_period() {
    let cases = [
        ("une fois par mois", "monthly"),
        ("1 fois par an", "annual"),
        ("2 fois par an", "semiannual"),
        ("Deux fois par semaine", "semiweekly"),
        ("3 fois par jour", "threeTimesADay"),
        ("6 fois par jour", "severalTimesADay"),
        ("4 fois par an", "quarterly"),
        ("12 fois par an", "monthly"),
        ("once a week", "weekly"),
        ("Once per month", "monthly"),
        ("twice a day", "semidaily"),
        ("3 times a year", "threeTimesAYear"),
        ("five times per week", "fiveTimesAWeek"),
        ("mise à jour 2 fois par mois", "semimonthly"),
    ];
    for (value, id) in cases {
        assert_eq!(map_frequency(value), Some(id), "{value}");
    }
    for value in [
        "7 fois par an",
        "0 fois par jour",
        "1000 fois par jour",
        "2 fois par siecle",
    ] {
        assert_eq!(map_frequency(value), None, "{value}");
    }
}

#[test]
fn remarks_in_brackets_are_ignored() {
    assert_eq!(map_frequency("Quotidienne (jours ouvrés)"), Some("daily"));
    assert_eq!(map_frequency("Annual (since 2010)"), Some("annual"));
    assert_eq!(map_frequency("Mensuel [provisoire]"), Some("monthly"));
    assert_eq!(map_frequency("(mensuel)"), Some("monthly"));
    assert_eq!(map_frequency("(voir notice)"), None);
    assert_eq!(map_frequency("inconnu (à préciser)"), Some("unknown"));
}

#[test]
fn english_free_text() {
    let cases = [
        ("weekly", "weekly"),
        ("Yearly", "annual"),
        ("quarterly", "quarterly"),
        ("real time", "continuous"),
        ("Real-time", "continuous"),
        ("every two weeks", "biweekly"),
        ("twice a month", "semimonthly"),
        ("Twice a year", "semiannual"),
        ("half-yearly", "semiannual"),
        ("every 15 minutes", "fifteenMinutes"),
        ("as needed", "punctual"),
        ("ad hoc", "punctual"),
        ("irregularly", "irregular"),
        ("Updated daily", "daily"),
        ("monthly updates", "monthly"),
        ("Every five years", "quinquennial"),
    ];
    for (value, id) in cases {
        assert_eq!(map_frequency(value), Some(id), "{value}");
    }
}

#[test]
fn unknown_values_are_none() {
    for value in [
        "",
        "   ",
        "---",
        "whenever I feel like it",
        "http://example.org/",
        "mise à jour",
        "updated",
        "blue",
        "P",
        "42",
    ] {
        assert_eq!(map_frequency(value), None, "{value:?}");
    }
}
