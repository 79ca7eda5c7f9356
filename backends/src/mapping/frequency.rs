//! Update frequencies: every way a remote catalog says how often a dataset changes, mapped onto
//! udata's `UpdateFrequency` ids (udata/core/dataset/constants.py).
//!
//! DCAT feeds use the EU frequency vocabulary or Dublin Core `freq:` terms (mapped as udata's
//! rdf.py does), CKAN extras hold udata ids, legacy ids, ISO 8601 durations or free text in French
//! or English. One function accepts them all so backends never guess on their own.

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

/// Single-token spellings: udata ids and legacy ids, Dublin Core terms, EU codes, and one-word
/// free text, all in [`compact`] form.
fn lookup_compact(key: &str) -> Option<&'static str> {
    if let Some(id) = FREQUENCIES.iter().find(|id| id.eq_ignore_ascii_case(key)) {
        return Some(id);
    }
    let id = match key {
        // udata legacy ids (UpdateFrequency._LEGACY_FREQUENCIES).
        "realtime" => "continuous",
        "fourtimesaday" => "severalTimesADay",
        "fourtimesaweek" => "other",
        "fortnighly" | "fortnightly" => "biweekly",
        "biannual" => "semiannual",
        // EU frequency codes, as udata's rdf.py maps them.
        "updatecont" => "continuous",
        "1min" => "oneMinute",
        "5min" => "fiveMinutes",
        "10min" => "tenMinutes",
        "15min" => "fifteenMinutes",
        "30min" => "thirtyMinutes",
        "12hrs" => "twelveHours",
        "cont" => "severalTimesADay",
        "daily3" => "threeTimesADay",
        "daily2" => "semidaily",
        "weekly5" => "fiveTimesAWeek",
        "weekly3" => "threeTimesAWeek",
        "weekly2" => "semiweekly",
        "monthly3" => "threeTimesAMonth",
        "monthly2" => "semimonthly",
        "annual3" => "threeTimesAYear",
        "annual2" => "semiannual",
        "asneeded" => "punctual",
        "irreg" => "irregular",
        // EU OP_DATPRO ("provisional data"): no udata equivalent, the schedule is unknown.
        "opdatpro" => "unknown",
        // English.
        "continual" | "live" | "streaming" => "continuous",
        "minutely" => "oneMinute",
        "everyhour" => "hourly",
        "twicedaily" => "semidaily",
        "day" | "everyday" | "eachday" | "perday" => "daily",
        "week" | "everyweek" | "eachweek" | "perweek" => "weekly",
        "twiceweekly" => "semiweekly",
        "month" | "everymonth" | "eachmonth" | "permonth" => "monthly",
        "twicemonthly" => "semimonthly",
        "quarter" | "everyquarter" => "quarterly",
        "halfyearly" | "semiyearly" | "biyearly" | "twiceyearly" => "semiannual",
        "annually" | "yearly" | "year" | "everyyear" | "eachyear" | "peryear" => "annual",
        "biennially" => "biennial",
        "triennially" => "triennial",
        "asrequired" | "ondemand" | "adhoc" | "onceoff" | "oneoff" | "once" => "punctual",
        "irregularly" | "sporadic" | "sporadically" => "irregular",
        "noupdate" | "noupdates" | "static" | "frozen" => "never",
        "notupdated" => "notPlanned",
        "unknownfrequency" | "na" => "unknown",
        // French.
        "tempsreel" | "entempsreel" | "continu" | "encontinu" | "continue" | "endirect" => {
            "continuous"
        }
        "horaire" | "touteslesheures" | "chaqueheure" => "hourly",
        "biquotidien" | "biquotidienne" | "semiquotidien" | "semiquotidienne" => "semidaily",
        "quotidien" | "quotidienne" | "quotidiennement" | "journalier" | "journaliere"
        | "journalierement" | "touslesjours" | "chaquejour" | "jour" | "parjour" => "daily",
        "bihebdomadaire" | "semihebdomadaire" => "semiweekly",
        "hebdomadaire" | "hebdo" | "hebdomadairement" | "touteslessemaines" | "chaquesemaine"
        | "semaine" | "parsemaine" => "weekly",
        "quinzomadaire"
        | "touteslesdeuxsemaines"
        | "toutesles2semaines"
        | "tousles15jours"
        | "touslesquinzejours"
        | "quinzaine" => "biweekly",
        "bimensuel" | "bimensuelle" | "semimensuel" | "semimensuelle" => "semimonthly",
        "mensuel" | "mensuelle" | "mensuellement" | "touslesmois" | "chaquemois" | "mois"
        | "parmois" => "monthly",
        "bimestriel" | "bimestrielle" | "touslesdeuxmois" | "tousles2mois" => "bimonthly",
        "trimestriel" | "trimestrielle" | "trimestriellement" | "touslestrimestres"
        | "chaquetrimestre" | "touslestroismois" | "tousles3mois" | "trimestre" => "quarterly",
        "quadrimestriel" | "quadrimestrielle" | "touslesquatremois" | "tousles4mois" => {
            "threeTimesAYear"
        }
        "semestriel" | "semestrielle" | "semestriellement" | "touslessixmois" | "tousles6mois"
        | "chaquesemestre" | "semestre" => "semiannual",
        "annuel" | "annuelle" | "annuellement" | "touslesans" | "chaquean" | "chaqueannee"
        | "an" | "annee" | "paran" => "annual",
        "biennal" | "biennale" | "bisannuel" | "bisannuelle" | "touslesdeuxans" | "tousles2ans" => {
            "biennial"
        }
        "triennal" | "triennale" | "touslestroisans" | "tousles3ans" => "triennial",
        "quadriennal" | "quadriennale" | "touslesquatreans" | "tousles4ans" => "quadrennial",
        "quinquennal" | "quinquennale" | "touslescinqans" | "tousles5ans" => "quinquennial",
        "decennal" | "decennale" | "touslesdixans" | "tousles10ans" => "decennial",
        "ponctuel" | "ponctuelle" | "ponctuellement" | "aubesoin" | "selonlesbesoins"
        | "alademande" | "unique" | "unefois" => "punctual",
        "irregulier" | "irreguliere" | "irregulierement" | "variable" | "occasionnel"
        | "occasionnelle" | "occasionnellement" => "irregular",
        "jamais" | "aucunemiseajour" | "pasdemiseajour" | "figee" | "fige" => "never",
        "nonplanifie"
        | "nonplanifiee"
        | "nonprevu"
        | "nonprevue"
        | "aucunemiseajourprevue"
        | "pasdemiseajourprevue" => "notPlanned",
        "inconnu" | "inconnue" | "nonrenseigne" | "nonrenseignee" | "nonconnu" | "nonconnue"
        | "indetermine" | "indeterminee" | "nonspecifie" | "nonspecifiee" => "unknown",
        "autre" | "autres" => "other",
        _ => return None,
    };
    Some(id)
}

/// Multi-word free text, on words joined by single spaces.
fn lookup_phrase(phrase: &str) -> Option<&'static str> {
    let id = match phrase {
        "real time" | "near real time" | "en quasi temps reel" | "quasi temps reel" => "continuous",
        "every minute" | "each minute" | "toutes les minutes" | "chaque minute" => "oneMinute",
        "every 5 minutes"
        | "every five minutes"
        | "toutes les 5 minutes"
        | "toutes les cinq minutes" => "fiveMinutes",
        "every 10 minutes"
        | "every ten minutes"
        | "toutes les 10 minutes"
        | "toutes les dix minutes" => "tenMinutes",
        "every 15 minutes"
        | "every fifteen minutes"
        | "every quarter hour"
        | "toutes les 15 minutes"
        | "toutes les quinze minutes"
        | "tous les quarts d heure"
        | "chaque quart d heure" => "fifteenMinutes",
        "every 30 minutes"
        | "every thirty minutes"
        | "every half hour"
        | "half hourly"
        | "toutes les 30 minutes"
        | "toutes les trente minutes"
        | "toutes les demi heures"
        | "chaque demi heure" => "thirtyMinutes",
        "every 2 hours" | "every two hours" | "toutes les 2 heures" | "toutes les deux heures" => {
            "bihourly"
        }
        "every 3 hours"
        | "every three hours"
        | "toutes les 3 heures"
        | "toutes les trois heures" => "trihourly",
        "every 12 hours"
        | "every twelve hours"
        | "toutes les 12 heures"
        | "toutes les douze heures" => "twelveHours",
        "several times a day"
        | "several times per day"
        | "multiple times a day"
        | "plusieurs fois par jour"
        | "four times a day"
        | "quatre fois par jour" => "severalTimesADay",
        "three times a day" | "three times per day" | "trois fois par jour" => "threeTimesADay",
        "twice a day" | "twice per day" | "two times a day" | "deux fois par jour" => "semidaily",
        "five times a week"
        | "cinq fois par semaine"
        | "every working day"
        | "every business day"
        | "jours ouvres"
        | "tous les jours ouvres"
        | "chaque jour ouvre" => "fiveTimesAWeek",
        "three times a week" | "three times per week" | "trois fois par semaine" => {
            "threeTimesAWeek"
        }
        "twice a week" | "twice per week" | "two times a week" | "deux fois par semaine" => {
            "semiweekly"
        }
        "every two weeks"
        | "every 2 weeks"
        | "bi weekly"
        | "toutes les deux semaines"
        | "toutes les 2 semaines"
        | "tous les 15 jours"
        | "tous les quinze jours" => "biweekly",
        "three times a month" | "three times per month" | "trois fois par mois" => {
            "threeTimesAMonth"
        }
        "twice a month" | "twice per month" | "two times a month" | "semi monthly"
        | "deux fois par mois" | "bi mensuel" | "bi mensuelle" => "semimonthly",
        "every two months" | "every 2 months" | "bi monthly" | "tous les deux mois"
        | "tous les 2 mois" | "bi mestriel" | "bi mestrielle" => "bimonthly",
        "every three months" | "every 3 months" | "tous les trois mois" | "tous les 3 mois" => {
            "quarterly"
        }
        "three times a year"
        | "three times per year"
        | "trois fois par an"
        | "trois fois par annee"
        | "tous les quatre mois"
        | "tous les 4 mois" => "threeTimesAYear",
        "twice a year"
        | "twice per year"
        | "two times a year"
        | "every six months"
        | "every 6 months"
        | "half yearly"
        | "semi annual"
        | "semi annually"
        | "bi annual"
        | "deux fois par an"
        | "deux fois par annee"
        | "tous les six mois"
        | "tous les 6 mois" => "semiannual",
        "once a year" | "once per year" | "une fois par an" | "une fois par annee" => "annual",
        "every two years" | "every 2 years" | "tous les deux ans" | "tous les 2 ans" => "biennial",
        "every three years" | "every 3 years" | "tous les trois ans" | "tous les 3 ans" => {
            "triennial"
        }
        "every four years" | "every 4 years" | "tous les quatre ans" | "tous les 4 ans" => {
            "quadrennial"
        }
        "every five years" | "every 5 years" | "tous les cinq ans" | "tous les 5 ans" => {
            "quinquennial"
        }
        "every ten years" | "every 10 years" | "tous les dix ans" | "tous les 10 ans" => {
            "decennial"
        }
        "every twenty years" | "every 20 years" | "tous les vingt ans" | "tous les 20 ans" => {
            "bidecennial"
        }
        "every thirty years" | "every 30 years" | "tous les trente ans" | "tous les 30 ans" => {
            "tridecennial"
        }
        "as needed"
        | "as required"
        | "on demand"
        | "ad hoc"
        | "one off"
        | "au besoin"
        | "selon les besoins"
        | "en fonction des besoins"
        | "a la demande"
        | "une seule fois" => "punctual",
        "no update" | "no updates" | "not updated" | "pas de mise a jour"
        | "aucune mise a jour" => "never",
        "not planned"
        | "no planned update"
        | "no planned updates"
        | "non planifie"
        | "non planifiee"
        | "non prevu"
        | "non prevue"
        | "aucune mise a jour prevue"
        | "pas de mise a jour prevue" => "notPlanned",
        "non renseigne" | "non renseignee" | "non connu" | "non connue" | "non specifie"
        | "non specifiee" | "not specified" | "not known" | "n a" => "unknown",
        _ => return None,
    };
    Some(id)
}

/// ISO 8601 durations and repeating intervals (`R/P1D`, `R52/P1W`, `P3M`, `PT1H`) for the
/// periods udata has an id for. Fractional or mixed periods are not guessed.
fn from_iso_duration(value: &str) -> Option<&'static str> {
    let upper = value.to_ascii_uppercase();
    let mut rest = upper.as_str();
    if let Some(after_r) = rest.strip_prefix('R') {
        // Repeating interval: R[n]/duration (a start or end date may follow or precede).
        let (count, after) = after_r.split_once('/')?;
        if !count.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        rest = after
            .split('/')
            .find(|part| part.starts_with('P'))
            .unwrap_or(after);
    }
    let body = rest.strip_prefix('P')?;
    let (date_part, time_part) = match body.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let mut months: u64 = 0;
    let mut seconds: u64 = 0;
    for (n, unit) in duration_parts(date_part)? {
        match unit {
            'Y' => months = months.checked_add(n.checked_mul(12)?)?,
            'M' => months = months.checked_add(n)?,
            'W' => seconds = seconds.checked_add(n.checked_mul(7 * 86_400)?)?,
            'D' => seconds = seconds.checked_add(n.checked_mul(86_400)?)?,
            _ => return None,
        }
    }
    if let Some(time_part) = time_part {
        let parts = duration_parts(time_part)?;
        if parts.is_empty() {
            return None;
        }
        for (n, unit) in parts {
            let factor = match unit {
                'H' => 3_600,
                'M' => 60,
                'S' => 1,
                _ => return None,
            };
            seconds = seconds.checked_add(n.checked_mul(factor)?)?;
        }
    }
    match (months, seconds) {
        (0, 0) => None,
        (0, s) => match s {
            60 => Some("oneMinute"),
            300 => Some("fiveMinutes"),
            600 => Some("tenMinutes"),
            900 => Some("fifteenMinutes"),
            1_800 => Some("thirtyMinutes"),
            3_600 => Some("hourly"),
            7_200 => Some("bihourly"),
            10_800 => Some("trihourly"),
            21_600 => Some("severalTimesADay"),
            28_800 => Some("threeTimesADay"),
            43_200 => Some("twelveHours"),
            86_400 => Some("daily"),
            604_800 => Some("weekly"),
            1_209_600 => Some("biweekly"),
            _ => None,
        },
        (m, 0) => match m {
            1 => Some("monthly"),
            2 => Some("bimonthly"),
            3 => Some("quarterly"),
            4 => Some("threeTimesAYear"),
            6 => Some("semiannual"),
            12 => Some("annual"),
            24 => Some("biennial"),
            36 => Some("triennial"),
            48 => Some("quadrennial"),
            60 => Some("quinquennial"),
            120 => Some("decennial"),
            240 => Some("bidecennial"),
            360 => Some("tridecennial"),
            _ => None,
        },
        _ => None,
    }
}

/// `1Y2M` → `[(1, 'Y'), (2, 'M')]`; `None` on anything else than integer/unit pairs.
fn duration_parts(s: &str) -> Option<Vec<(u64, char)>> {
    let mut parts = Vec::new();
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            if digits.len() >= 12 {
                return None;
            }
            digits.push(c);
        } else if c.is_ascii_alphabetic() && !digits.is_empty() {
            parts.push((digits.parse().ok()?, c));
            digits.clear();
        } else {
            return None;
        }
    }
    digits.is_empty().then_some(parts)
}

#[cfg(test)]
mod tests {
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
}
