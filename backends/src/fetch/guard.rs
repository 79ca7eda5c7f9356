//! The SSRF guard: which URLs and resolved addresses the harvester may contact.
//!
//! URLs are checked on their scheme and literal address before a request (and on every redirect
//! target); host names are checked again on the addresses they resolve to, by this guard acting
//! as the HTTP client's DNS resolver, so that neither a redirect nor DNS rebinding reaches a
//! private, loopback or link-local address that is not allow-listed.

use std::net::{IpAddr, SocketAddr};

use common::settings::HttpSettings;
use url::Url;

/// How the guard's resolver words a refusal (`classify` recognises it in error chains).
pub(super) const GUARD_DNS_REFUSAL: &str =
    "resolves only to private, loopback or link-local addresses";

/// The SSRF guard: which URLs and resolved addresses may be contacted.
pub(super) struct Guard {
    allow_private: bool,
    allow_hosts: Vec<String>,
}

impl Guard {
    pub(super) fn new(settings: &HttpSettings) -> Self {
        Self {
            allow_private: settings.allow_private,
            allow_hosts: settings
                .allow_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
        }
    }

    fn allowed_host(&self, host: &str, port: Option<u16>) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        self.allow_hosts
            .iter()
            .any(|entry| entry == &host || port.is_some_and(|p| *entry == format!("{host}:{p}")))
    }

    /// Scheme and literal-address checks; host names are checked again once resolved.
    pub(super) fn check_url(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("scheme {:?} is not http or https", url.scheme()));
        }
        let Some(host) = url.host_str() else {
            return Err("no host".into());
        };
        if self.allow_private || self.allowed_host(host, url.port_or_known_default()) {
            return Ok(());
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        // `localhost.` is the same name as `localhost` (fully qualified).
        let name = bare.trim_end_matches('.').to_ascii_lowercase();
        // A name allow-listed with a port lets the resolver return private addresses for it
        // (it cannot see ports): every other port of that name is refused here.
        let port_only = format!("{name}:");
        if bare.parse::<IpAddr>().is_err()
            && self.allow_hosts.iter().any(|e| e.starts_with(&port_only))
        {
            return Err(format!("{host} is allow-listed on another port only"));
        }
        if let Ok(ip) = bare.parse::<IpAddr>() {
            if is_forbidden(ip) {
                return Err(format!("address {ip} is private, loopback or link-local"));
            }
        } else if name == "localhost" || name.ends_with(".localhost") {
            return Err("localhost is not a remote catalog".into());
        }
        Ok(())
    }
}

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let open = self.allow_private
            || self.allowed_host(&host, None)
            || self
                .allow_hosts
                .iter()
                .any(|e| e.starts_with(&format!("{}:", host.to_ascii_lowercase())));
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = if open {
                addrs
            } else {
                addrs
                    .into_iter()
                    .filter(|a| !is_forbidden(a.ip()))
                    .collect()
            };
            if allowed.is_empty() {
                return Err(format!("refused: {host} {GUARD_DNS_REFUSAL}").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Addresses a harvester must never reach unless allow-listed.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT 100.64/10
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link local fe80::/10
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(allow: &[&str]) -> Guard {
        Guard {
            allow_private: false,
            allow_hosts: allow.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn refuses_private_literals_and_schemes() {
        let g = guard(&[]);
        for url in [
            "http://127.0.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://localhost:8080/",
            "http://LocalHost./",
            "http://api.localhost/",
            "http://127.1/",
            "http://2130706433/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            "http://[fe80::1]/",
            "ftp://example.org/",
            "file:///etc/passwd",
        ] {
            assert!(g.check_url(&Url::parse(url).unwrap()).is_err(), "{url}");
        }
        assert!(g
            .check_url(&Url::parse("https://data.example.org/catalog").unwrap())
            .is_ok());
    }

    #[test]
    fn allow_list_by_host_and_port() {
        let g = guard(&["127.0.0.1:8081"]);
        assert!(g
            .check_url(&Url::parse("http://127.0.0.1:8081/c").unwrap())
            .is_ok());
        assert!(g
            .check_url(&Url::parse("http://127.0.0.1:8082/c").unwrap())
            .is_err());
        // A name allowed on one port: its other ports stay closed (the resolver would let the
        // name resolve to a private address whatever the port).
        let g = guard(&["intranet.example:8081"]);
        assert!(g
            .check_url(&Url::parse("http://intranet.example:8081/c").unwrap())
            .is_ok());
        for url in [
            "http://intranet.example:22/",
            "http://intranet.example/",
            "http://INTRANET.example.:8082/",
        ] {
            assert!(g.check_url(&Url::parse(url).unwrap()).is_err(), "{url}");
        }
    }
}
