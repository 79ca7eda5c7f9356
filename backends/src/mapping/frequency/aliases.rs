//! The spellings of each udata frequency id: udata's own and legacy ids, EU and Dublin Core
//! vocabulary terms, and free text in English and French, one-word ([`lookup_compact`]) or
//! multi-word ([`lookup_phrase`]).

use super::FREQUENCIES;

/// Single-token spellings: udata ids and legacy ids, Dublin Core terms, EU codes, and one-word
/// free text, all in [`super::compact`] form.
pub(super) fn lookup_compact(key: &str) -> Option<&'static str> {
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
pub(super) fn lookup_phrase(phrase: &str) -> Option<&'static str> {
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
