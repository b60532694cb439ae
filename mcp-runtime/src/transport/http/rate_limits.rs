//! Rate limits at the HTTP boundary: the request rate per client (429 before any session work)
//! and new sessions per client; the client's address through trusted proxies only; and the
//! options of the limiter every layer shares (Redis, its deadline, the in-process bound, per-tool
//! overrides).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use super::guard::{Capacity, over_capacity};
use crate::limits::{ClientAddress, DEFAULT_MAX_KEYS, Decision, Limiter, Rate, subject};
use crate::setting_values::parse_duration;

/// Rate-limit settings of the HTTP transport.
#[derive(Clone, PartialEq, Eq)]
pub struct RateLimitOptions {
    /// Requests per client (its principal, else its address) and period at the endpoint
    /// (`MCP_RATE_LIMIT`, such as `600/min`; off by default). Over it: 429 with `Retry-After`.
    pub request_rate: Option<Rate>,
    /// `initialize` calls per client and period (`MCP_RATE_LIMIT_SESSIONS`; off by default).
    pub session_rate: Option<Rate>,
    /// Per-tool call rates by tool name, over what the tools declare and the builder set
    /// (`MCP_TOOL_RATE_LIMITS`, `search_tickets=120/min,create_ticket=20/min`).
    pub tool_rates: HashMap<String, Rate>,
    /// Shared state for several instances (`MCP_REDIS_URL`, `redis://host:6379/0`).
    pub redis_url: Option<String>,
    /// Namespace of every Redis key (`MCP_REDIS_PREFIX`, default `mcp`).
    pub redis_prefix: String,
    /// Deadline of one Redis call (`MCP_REDIS_TIMEOUT`, default 100ms); past it, the in-process
    /// fallback answers.
    pub redis_timeout: Duration,
    /// Keys held in process, as the store or as the fallback (`MCP_LIMIT_MAX_KEYS`, default
    /// 10,000); expired ones are pruned first, then the oldest.
    pub max_keys: usize,
    /// Peers whose `X-Forwarded-For` / `Forwarded` is believed (`MCP_TRUSTED_PROXIES`, addresses
    /// or CIDR blocks, comma-separated). Without them the peer's own address is the client's.
    pub trusted_proxies: Vec<(IpAddr, u8)>,
}

impl Default for RateLimitOptions {
    fn default() -> Self {
        RateLimitOptions {
            request_rate: None,
            session_rate: None,
            tool_rates: HashMap::new(),
            redis_url: None,
            redis_prefix: "mcp".to_owned(),
            redis_timeout: Duration::from_millis(100),
            max_keys: DEFAULT_MAX_KEYS,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The Redis URL may hold a password: it is never shown.
impl std::fmt::Debug for RateLimitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitOptions")
            .field("request_rate", &self.request_rate)
            .field("session_rate", &self.session_rate)
            .field("tool_rates", &self.tool_rates)
            .field("redis", &self.redis_url.as_ref().map(|_| "[configured]"))
            .field("redis_prefix", &self.redis_prefix)
            .field("redis_timeout", &self.redis_timeout)
            .field("max_keys", &self.max_keys)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

impl RateLimitOptions {
    /// Reads every rate-limit variable, a line per problem into `problems`.
    pub(crate) fn read(
        lookup: &dyn Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) -> RateLimitOptions {
        let mut options = RateLimitOptions::default();
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problem = |key: &str, value: &str, why: String| {
            problems.push(format!("{key}={value:?}: {why}"));
        };
        for (key, slot) in [
            ("MCP_RATE_LIMIT", &mut options.request_rate),
            ("MCP_RATE_LIMIT_SESSIONS", &mut options.session_rate),
        ] {
            if let Some(value) = get(key).filter(|v| v != "off") {
                match Rate::parse(&value) {
                    Ok(rate) => *slot = Some(rate),
                    Err(why) => problem(key, &value, why),
                }
            }
        }
        if let Some(value) = get("MCP_TOOL_RATE_LIMITS") {
            for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                match entry
                    .split_once('=')
                    .map(|(tool, rate)| (tool.trim(), Rate::parse(rate)))
                {
                    Some((tool, Ok(rate))) if !tool.is_empty() => {
                        options.tool_rates.insert(tool.to_owned(), rate);
                    }
                    Some((_, Err(why))) => problem("MCP_TOOL_RATE_LIMITS", entry, why),
                    _ => problem("MCP_TOOL_RATE_LIMITS", entry, "expected tool=rate".into()),
                }
            }
        }
        if let Some(url) = get("MCP_REDIS_URL") {
            // Checked here, never echoed: a URL may carry a password.
            match redis::Client::open(url.as_str()) {
                Ok(_) => options.redis_url = Some(url),
                Err(_) => problem(
                    "MCP_REDIS_URL",
                    "[not shown]",
                    "expected redis://[user:password@]host[:port][/db]".to_owned(),
                ),
            }
        }
        if let Some(prefix) = get("MCP_REDIS_PREFIX") {
            options.redis_prefix = prefix;
        }
        if let Some(value) = get("MCP_REDIS_TIMEOUT") {
            match parse_duration(&value) {
                Ok(timeout) => options.redis_timeout = timeout,
                Err(why) => problem("MCP_REDIS_TIMEOUT", &value, why),
            }
        }
        if let Some(value) = get("MCP_LIMIT_MAX_KEYS") {
            match value.parse::<usize>() {
                Ok(max) if max > 0 => options.max_keys = max,
                _ => problem(
                    "MCP_LIMIT_MAX_KEYS",
                    &value,
                    "expected a positive whole number".into(),
                ),
            }
        }
        if let Some(value) = get("MCP_TRUSTED_PROXIES") {
            for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                match parse_block(entry) {
                    Some(block) => options.trusted_proxies.push(block),
                    None => problem(
                        "MCP_TRUSTED_PROXIES",
                        entry,
                        "expected an address or a CIDR block such as 10.0.0.0/8".into(),
                    ),
                }
            }
        }
        options
    }

    /// The limiter these options describe, when they describe one: Redis, or an in-process
    /// table of another size than the default. `None` keeps the server's own (the builder's).
    pub(crate) fn limiter(&self) -> Option<Arc<Limiter>> {
        let Some(url) = self.redis_url.as_deref() else {
            return (self.max_keys != DEFAULT_MAX_KEYS).then(|| Limiter::in_process(self.max_keys));
        };
        match Limiter::redis(url, &self.redis_prefix, self.redis_timeout, self.max_keys) {
            Ok(limiter) => Some(limiter),
            // Checked when read; a URL set in code that does not parse limits in process.
            Err(why) => {
                tracing::error!(reason = %why, "MCP_REDIS_URL unusable: rate limits are per instance");
                Some(Limiter::in_process(self.max_keys))
            }
        }
    }
}

fn parse_block(entry: &str) -> Option<(IpAddr, u8)> {
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => (address, Some(bits.parse::<u8>().ok()?)),
        None => (entry, None),
    };
    let ip: IpAddr = address.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((ip, bits))
}

fn in_block(ip: IpAddr, (network, bits): (IpAddr, u8)) -> bool {
    let mask = |width: u32| match bits {
        0 => 0u128,
        bits => u128::MAX << (width - u32::from(bits)),
    };
    match (ip.to_canonical(), network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = mask(32) as u32;
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = mask(128);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest address
/// in `X-Forwarded-For` (else `Forwarded`'s `for=`, RFC 7239) that is not itself a trusted proxy.
pub(super) fn client_address(
    peer: SocketAddr,
    headers: &HeaderMap,
    trusted: &[(IpAddr, u8)],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|block| in_block(ip, *block));
    let peer_ip = peer.ip().to_canonical();
    if !is_trusted(peer_ip) {
        return peer_ip;
    }
    let x_forwarded_for = headers.get_all("x-forwarded-for");
    let forwarded_for: Vec<IpAddr> = match x_forwarded_for.iter().next().is_some() {
        true => x_forwarded_for
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse().ok())
            .collect(),
        false => headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split([',', ';']))
            .filter_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.eq_ignore_ascii_case("for").then_some(value)?;
                forwarded_node(value)
            })
            .collect(),
    };
    forwarded_for
        .into_iter()
        .rev()
        .map(|ip| ip.to_canonical())
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer_ip)
}

/// RFC 7239 §6 `node`: `192.0.2.43`, `"[2001:db8::1]:4711"`, `"192.0.2.43:47011"`.
fn forwarded_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let host = value.rsplit_once(':').map_or(value, |(host, _)| host);
    host.parse().ok()
}

/// What the request-rate layer needs.
#[derive(Clone)]
pub(super) struct RequestLimit {
    pub(super) limiter: Arc<Limiter>,
    pub(super) rate: Rate,
}

/// The request rate per client, after authentication (so the principal is the key when there
/// is one): over it, 429 with `Retry-After` and a JSON-RPC error, before any session work.
pub(super) async fn limit_requests(
    State(limit): State<RequestLimit>,
    request: Request,
    next: Next,
) -> Response {
    let who = subject(request.extensions());
    let decision = limit
        .limiter
        .check("http-request", &who, limit.rate, 1)
        .await;
    if decision != Decision::Allowed {
        crate::metrics::rate_limited("request");
        let message = format!(
            "Too Many Requests: this client may send {} requests (MCP_RATE_LIMIT); retry later",
            limit.rate
        );
        return over_capacity(
            Capacity::Client,
            None,
            &message,
            decision.retry_after_secs(),
        );
    }
    next.run(request).await
}

/// The client address of a request served with peer addresses, into its extensions.
pub(super) fn note_client(request: &mut Request, trusted: &[(IpAddr, u8)]) {
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return;
    };
    let client = client_address(peer, request.headers(), trusted);
    request.extensions_mut().insert(ClientAddress(client));
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (key, value) in pairs {
            map.append(*key, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = vec![
            parse_block("10.0.0.0/8").unwrap(),
            parse_block("::1").unwrap(),
        ];
        let proxy: SocketAddr = "10.1.2.3:5000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let xff = headers(&[("x-forwarded-for", "198.51.100.1, 192.0.2.7, 10.9.9.9")]);
        assert_eq!(
            client_address(proxy, &xff, &trusted),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_address(stranger, &xff, &trusted),
            stranger.ip(),
            "an untrusted peer's header is ignored"
        );
        let forwarded = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8::1]:4711\"",
        )]);
        assert_eq!(
            client_address(proxy, &forwarded, &trusted),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        let spoofed_only_proxies = headers(&[("x-forwarded-for", "10.0.0.1")]);
        assert_eq!(
            client_address(proxy, &spoofed_only_proxies, &trusted),
            proxy.ip()
        );
        assert_eq!(client_address(proxy, &headers(&[]), &trusted), proxy.ip());
        assert!(parse_block("10.0.0.0/33").is_none() && parse_block("nonsense").is_none());
    }

    #[test]
    fn every_variable_is_read_and_checked() {
        let pairs = [
            ("MCP_RATE_LIMIT", "600/min"),
            ("MCP_RATE_LIMIT_SESSIONS", "sometimes"),
            ("MCP_TOOL_RATE_LIMITS", "search=120/min, create=fast"),
            ("MCP_REDIS_URL", "redis://:hunter2@127.0.0.1:6379/0"),
            ("MCP_TRUSTED_PROXIES", "10.0.0.0/8, 300.1.1.1"),
        ];
        let lookup = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        };
        let mut problems = Vec::new();
        let options = RateLimitOptions::read(&lookup, &mut problems);
        assert_eq!(
            options.request_rate,
            Some(Rate::new(600, Duration::from_secs(60)))
        );
        assert_eq!(options.tool_rates.len(), 1);
        assert_eq!(options.trusted_proxies.len(), 1);
        let text = problems.join("\n");
        for expected in ["MCP_RATE_LIMIT_SESSIONS", "create=fast", "300.1.1.1"] {
            assert!(text.contains(expected), "{expected} missing: {text}");
        }
        assert_eq!(problems.len(), 3, "{text}");
        assert!(!format!("{options:?}").contains("hunter2"));
    }
}
