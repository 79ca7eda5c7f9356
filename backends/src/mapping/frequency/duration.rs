//! ISO 8601 durations and repeating intervals read as update frequencies.

/// ISO 8601 durations and repeating intervals (`R/P1D`, `R52/P1W`, `P3M`, `PT1H`) for the
/// periods udata has an id for. Fractional or mixed periods are not guessed.
pub(super) fn from_iso_duration(value: &str) -> Option<&'static str> {
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
