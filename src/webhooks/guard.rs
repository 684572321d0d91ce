//! Where a webhook may go. A target must be `https` and must not reach the operator's own
//! network: loopback, private, link-local, unspecified, shared (CGNAT), multicast, reserved and
//! documentation ranges, and IPv6 forms that embed such an IPv4 address, are refused. The check
//! runs when a subscription is made (`check_url`) and again on every send, against the
//! addresses the name resolves to at that moment (`check_resolved`; the client connects only to
//! addresses that passed, so a name re-pointed after the subscription is caught).
//!
//! The `url` crate has already normalised every IPv4 spelling (`0x7f000001`, `2130706433`,
//! `127.1`) to an address, and a host given as an address never reaches a resolver, so
//! addresses in URLs are checked here directly.
//!
//! `VOUCH_WEBHOOK_ALLOW_PRIVATE=true` (an operator setting, off by default) allows plain http and
//! every address: tests and on-premise installs use it.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Why a target was refused (the text is shown to the tenant: it names their URL's part only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Whether the operator allows plain http and private addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    pub allow_private: bool,
}

/// Checks a target URL as given: scheme, no credentials, a host, and the host's address when it
/// is one. Names are checked when they resolve (`check_resolved`).
pub fn check_url(url: &Url, policy: Policy) -> Result<(), Refused> {
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_private => {}
        other => {
            return Err(Refused(format!(
                "target_url must be https (got `{other}:`)"
            )))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused("target_url must not carry credentials".into()));
    }
    if policy.allow_private {
        return match url.host() {
            Some(_) => Ok(()),
            None => Err(Refused("target_url has no host".into())),
        };
    }
    let ip = match url.host() {
        None => return Err(Refused("target_url has no host".into())),
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Err(Refused(format!("target_url host `{name}` is this machine")));
            }
            return Ok(());
        }
    };
    check_ip(ip)
}

/// Checks the addresses a name resolved to: every one must be public (one private address is
/// enough to refuse the name, so a round-robin answer cannot smuggle one in).
pub fn check_resolved(name: &str, addrs: &[IpAddr], policy: Policy) -> Result<(), Refused> {
    if addrs.is_empty() {
        return Err(Refused(format!("`{name}` resolves to no address")));
    }
    if policy.allow_private {
        return Ok(());
    }
    // The refusal does not say which address: it is shown to the tenant, and would map the
    // operator's internal names for them. The caller logs it.
    if let Some(ip) = addrs.iter().find(|ip| is_forbidden(**ip)) {
        tracing::info!(name, %ip, "webhook target resolves to a forbidden address");
        return Err(Refused(format!(
            "`{name}` resolves to an address that is not public"
        )));
    }
    Ok(())
}

fn check_ip(ip: IpAddr) -> Result<(), Refused> {
    if is_forbidden(ip) {
        return Err(Refused(format!(
            "target_url address {ip} is not a public address"
        )));
    }
    Ok(())
}

/// True for every address a webhook must never reach.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_forbidden(v4),
            None => v6_forbidden(v6),
        },
    }
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // 0.0.0.0/8, the unspecified address included (Linux connects it to this host)
        || ip.is_loopback() // 127/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16, cloud metadata at 169.254.169.254
        || (a == 100 && (b & 0xC0) == 64) // 100.64/10 shared (CGNAT)
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 protocol assignments
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 198 && (b & 0xFE) == 18) // 198.18/15 benchmarking
        || (a == 192 && b == 88 && c == 99) // 192.88.99/24 6to4 relay
        || ip.is_multicast() // 224/4
        || a >= 240 // 240/4 reserved, 255.255.255.255 broadcast
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    ip.is_unspecified() // ::
        || ip.is_loopback() // ::1
        || (s[0] & 0xff00) == 0xff00 // ff00::/8 multicast
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated)
        || s[..6] == [0, 0, 0, 0, 0, 0] // ::/96 IPv4-compatible (deprecated), embeds IPv4
        || (s[0] == 0x64 && s[1] == 0xff9b) // 64:ff9b::/96 and 64:ff9b:1::/48 NAT64
        || (s[0] == 0x100 && s[1..4] == [0, 0, 0]) // 100::/64 discard
        || (s[0] == 0x2001 && s[1] < 0x200) // 2001::/23 IETF (Teredo among them)
        || (s[0] == 0x2001 && s[1] == 0xdb8) // 2001:db8::/32 documentation
        || s[0] == 0x2002 // 2002::/16 6to4, embeds IPv4
        || (s[0] == 0x3fff && (s[1] & 0xf000) == 0) // 3fff::/20 documentation
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Policy = Policy {
        allow_private: false,
    };

    fn refused(url: &str) -> bool {
        check_url(&Url::parse(url).unwrap(), STRICT).is_err()
    }

    /// The table, with the operator setting off.
    #[test]
    fn every_target_of_the_ssrf_table_is_refused() {
        for url in [
            "http://example.com/hook",
            "https://127.0.0.1/hook",
            "https://0.0.0.0/hook",
            "https://[::1]/hook",
            "https://10.1.2.3/hook",
            "https://172.16.0.1/hook",
            "https://172.31.255.255/hook",
            "https://192.168.1.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[fc00::1]/hook",
            "https://[fd12:3456::1]/hook",
            "https://[fe80::1]/hook",
            "https://0x7f000001/hook",
            "https://2130706433/hook",
            "https://127.1/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:10.0.0.1]/hook",
            "https://localhost/hook",
            "https://api.localhost/hook",
            "https://user:pw@example.com/hook",
            "ftp://example.com/hook",
        ] {
            assert!(refused(url), "{url} should be refused");
        }
    }

    #[test]
    fn public_https_targets_pass() {
        for url in [
            "https://example.com/hook",
            "https://8.8.8.8/hook",
            "https://172.32.0.1/hook",
            "https://[2606:4700::1111]/hook",
            "https://[::ffff:8.8.8.8]/hook",
        ] {
            assert!(!refused(url), "{url} should pass");
        }
    }

    #[test]
    fn a_name_resolving_to_any_private_address_is_refused() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let public: IpAddr = "93.184.215.14".parse().unwrap();
        assert!(check_resolved("evil.example", &[public, lo], STRICT).is_err());
        assert!(check_resolved("evil.example", &[], STRICT).is_err());
        assert!(check_resolved("ok.example", &[public], STRICT).is_ok());
    }

    #[test]
    fn the_operator_setting_allows_http_and_private_addresses() {
        let open = Policy {
            allow_private: true,
        };
        assert!(check_url(&Url::parse("http://127.0.0.1:8080/h").unwrap(), open).is_ok());
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(check_resolved("localhost", &[lo], open).is_ok());
        assert!(check_url(&Url::parse("ftp://127.0.0.1/h").unwrap(), open).is_err());
    }

    #[test]
    fn forbidden_ranges_have_their_edges_right() {
        for ip in [
            "100.64.0.1",
            "100.127.255.255",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::",
            "::127.0.0.1",
            "ff02::1",
            "2001:db8::1",
            "2002:7f00:1::",
            "64:ff9b::7f00:1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["100.128.0.1", "198.20.0.1", "1.1.1.1", "2a00:1450::1"] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }
}
