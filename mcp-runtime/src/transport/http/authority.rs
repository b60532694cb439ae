//! The grammars of `Host` (RFC 9110 §7.2: `uri-host [ ":" port ]`) and of a serialized
//! `Origin` (RFC 6454 §7.1: `scheme "://" host [ ":" port ]`), parsed strictly: a value that
//! does not match exactly is malformed, so no prefix of it can pass for a trusted name.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A parsed `host[:port]`: the host lowercased (IPv6 literals keep their brackets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Authority {
    pub(super) host: String,
    pub(super) port: Option<u16>,
}

impl Authority {
    /// Parses `uri-host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3 as RFC 9110 §7.2 uses them): an
    /// IPv6 literal in brackets, an IPv4 address or a registered name, then at most one `:` and
    /// a port of digits only. No userinfo (`@`), no path, no empty host.
    pub(super) fn parse(value: &str) -> Option<Authority> {
        let (host, port) = if let Some(rest) = value.strip_prefix('[') {
            let (literal, after) = rest.split_once(']')?;
            literal.parse::<Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':')?),
            };
            (&value[..literal.len() + 2], port)
        } else {
            match value.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (value, None),
            }
        };
        if !host.starts_with('[') && !is_reg_name_or_ipv4(host) {
            return None;
        }
        let port = match port {
            None => None,
            Some(digits) => Some(parse_port(digits)?),
        };
        Some(Authority {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// `localhost`, `127.0.0.1` or `[::1]`, whatever the port.
    pub(super) fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    }
}

/// A serialized origin, scheme and host lowercased; `null` (RFC 6454 §7.3) is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Origin {
    pub(super) scheme: String,
    pub(super) authority: Authority,
}

/// What an `Origin` header holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum OriginValue {
    /// `null`: an opaque origin (sandboxed frame, `file:`, a redirect); it names no one.
    Null,
    Origin(Origin),
}

impl OriginValue {
    /// Parses `null` or `scheme "://" host [ ":" port ]` with nothing after it (RFC 6454 §7.1;
    /// the scheme per RFC 3986 §3.1).
    pub(super) fn parse(value: &str) -> Option<OriginValue> {
        if value == "null" {
            return Some(OriginValue::Null);
        }
        let (scheme, authority) = value.split_once("://")?;
        let mut chars = scheme.chars();
        let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return None;
        }
        Some(OriginValue::Origin(Origin {
            scheme: scheme.to_ascii_lowercase(),
            authority: Authority::parse(authority)?,
        }))
    }
}

impl Origin {
    /// `http` or `https` on a loopback host.
    pub(super) fn is_loopback(&self) -> bool {
        matches!(self.scheme.as_str(), "http" | "https") && self.authority.is_loopback()
    }
}

/// A port: one to five digits, at most 65535.
fn parse_port(digits: &str) -> Option<u16> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// RFC 3986 §3.2.2 `reg-name` (unreserved, percent-encoded, sub-delims), non-empty; an
/// IPv4 address is one too, but a name of digits and dots must be a valid IPv4 address.
fn is_reg_name_or_ipv4(host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host.parse::<Ipv4Addr>().is_ok();
    }
    let bytes = host.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' => {}
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(host: &str, port: Option<u16>) -> Option<Authority> {
        Some(Authority {
            host: host.into(),
            port,
        })
    }

    #[test]
    fn hosts_parse_only_when_the_whole_value_matches() {
        assert_eq!(Authority::parse("127.0.0.1"), authority("127.0.0.1", None));
        assert_eq!(
            Authority::parse("LocalHost:8080"),
            authority("localhost", Some(8080))
        );
        assert_eq!(
            Authority::parse("[::1]:9000"),
            authority("[::1]", Some(9000))
        );
        assert_eq!(Authority::parse("[::1]"), authority("[::1]", None));
        assert_eq!(
            Authority::parse("mcp.example.com"),
            authority("mcp.example.com", None)
        );
        for malformed in [
            "",
            ":80",
            "127.0.0.1:80@evil.example",
            "user@127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:8o",
            "127.0.0.1:65536",
            "127.0.0.1:80:80",
            "[::1]evil.example",
            "[::1",
            "[evil.example]",
            "::1",
            "127.0.0.1/mcp",
            "127.0.0.1 evil",
            "999.0.0.1",
            "localhost%zz",
        ] {
            assert_eq!(Authority::parse(malformed), None, "{malformed:?}");
        }
    }

    #[test]
    fn origins_are_scheme_and_authority_and_nothing_else() {
        assert_eq!(OriginValue::parse("null"), Some(OriginValue::Null));
        let Some(OriginValue::Origin(origin)) = OriginValue::parse("HTTP://[::1]:3000") else {
            panic!("an origin");
        };
        assert_eq!(origin.scheme, "http");
        assert!(origin.is_loopback());
        let Some(OriginValue::Origin(origin)) = OriginValue::parse("chrome-extension://abc") else {
            panic!("an origin");
        };
        assert!(!origin.is_loopback(), "only http(s) loopback origins");
        for malformed in [
            "localhost",
            "http://localhost:1@evil.example",
            "http://[::1]evil.example",
            "http://localhost/",
            "http://localhost/path",
            "http://",
            "://localhost",
            "1http://localhost",
            "Null",
        ] {
            assert_eq!(OriginValue::parse(malformed), None, "{malformed:?}");
        }
    }
}
