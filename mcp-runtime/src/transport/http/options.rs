//! What the Streamable HTTP transport can be told: where to listen, which hosts and origins to
//! trust, and every limit. Each has a default that is safe on a laptop and a `MCP_*` variable.

use std::net::SocketAddr;
use std::time::Duration;

use super::auth::AuthOptions;
use super::authority::{Authority, OriginValue};
use super::rate_limits::RateLimitOptions;
use crate::error::Error;
use crate::setting_values::parse_bool;
pub use crate::setting_values::parse_duration;

/// Options of the Streamable HTTP transport. `HttpOptions::default()` is the embedded default;
/// [`HttpOptions::from_env`] reads the `MCP_*` variables over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// Address to listen on (`MCP_BIND`, default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// Path of the MCP endpoint (default `/mcp`).
    pub path: String,
    /// Legacy clients get no `Mcp-Session-Id`: every request stands alone
    /// (`MCP_STATELESS=true`).
    pub stateless: bool,
    /// Extra `Host` values accepted besides loopback names, such as the public name a reverse
    /// proxy forwards (`MCP_ALLOWED_HOSTS`, comma-separated, `host` or `host:port`).
    pub allowed_hosts: Vec<String>,
    /// Extra `Origin` values accepted besides loopback origins (`MCP_ALLOWED_ORIGINS`,
    /// comma-separated, such as `https://app.example.com`).
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body (`MCP_MAX_BODY_BYTES`, default 4 MiB).
    pub max_body_bytes: usize,
    /// Connections served at once (`MCP_MAX_CONNECTIONS`, default 20,000: the 10,000 streams
    /// `MCP_MAX_STREAMS` allows, each with a connection for its client's POSTs). On Linux it is
    /// lowered to the open-file limit less 128. Past it a new connection is answered 503 with
    /// `Retry-After` and closed.
    pub max_connections: usize,
    /// A request's head must arrive within this (`MCP_HEADER_READ_TIMEOUT`, default 10s), timed
    /// from the connection's start for its first request and from the first byte for later
    /// ones; else the connection is closed.
    pub header_read_timeout: Duration,
    /// A request's whole body must arrive within this of its head (`MCP_BODY_READ_TIMEOUT`,
    /// default 30s); else it is answered 408 and the connection is closed.
    pub body_read_timeout: Duration,
    /// A connection with no request in flight and no response being sent is closed once it has
    /// been silent this long (`MCP_IDLE_TIMEOUT`, default 60s).
    pub idle_timeout: Duration,
    /// Legacy sessions held at once (`MCP_MAX_SESSIONS`, default 10,000). Past it `initialize`
    /// is answered 503 with `Retry-After`.
    pub max_sessions: usize,
    /// Legacy sessions one client may hold at once (`MCP_MAX_SESSIONS_PER_CLIENT`, default 64).
    /// A client is its peer address, an IPv6 peer its /64 (the principal's id once
    /// authentication is on). 64 is far more than one client process needs (one session per
    /// connection to this server, a few for an IDE with several windows), yet no one address
    /// holds more than 0.64% of the default table, so filling it takes 157 addresses. Past it
    /// `initialize` is answered 429 with `Retry-After`. Behind a reverse proxy every client has
    /// the proxy's address: raise this to `MCP_MAX_SESSIONS` there, until sessions are counted
    /// per principal.
    pub max_sessions_per_client: usize,
    /// A session that has not received `notifications/initialized` this long after its
    /// `initialize` is closed (`MCP_SESSION_INIT_TIMEOUT`, default 10s): a client finishes the
    /// handshake in one round trip, and a stranger's half-open sessions must not hold the table
    /// for `MCP_SESSION_IDLE`.
    pub session_init_timeout: Duration,
    /// A session unused this long is closed (`MCP_SESSION_IDLE`, default 1h).
    pub session_idle: Duration,
    /// How often idle sessions are looked for (`MCP_SESSION_SWEEP`, default 5m).
    pub session_sweep: Duration,
    /// Comment line sent on an SSE stream that has been quiet this long (`MCP_SSE_HEARTBEAT`,
    /// default 25s).
    pub heartbeat: Duration,
    /// SSE streams open at once, in total (`MCP_MAX_STREAMS`, default 10,000).
    pub max_streams: usize,
    /// SSE streams open at once per legacy session (`MCP_MAX_STREAMS_PER_SESSION`, default 32).
    pub max_streams_per_session: usize,
    /// Events one stream may carry (`MCP_STREAM_MAX_EVENTS`, default 10,000). Past it a
    /// request's notifications are dropped (its response still goes out) and a standalone
    /// stream is closed.
    pub stream_max_events: u64,
    /// Bytes one stream may carry (`MCP_STREAM_MAX_BYTES`, default 16 MiB), as for events.
    pub stream_max_bytes: u64,
    /// How long one stream may stay open (`MCP_STREAM_MAX_LIFETIME`, default 1h); legacy
    /// clients reconnect with `Last-Event-ID`.
    pub stream_max_lifetime: Duration,
    /// Events kept per stream for slow readers and for `Last-Event-ID` replay (default 256).
    /// Older undelivered notifications are dropped first; a final response is never dropped.
    pub stream_buffer: usize,
    /// The `retry` (reconnection delay) sent in the priming event (default 1s).
    pub retry: Duration,
    /// Authentication of the endpoint (API keys, JWTs); off by default, and then only a
    /// loopback address may be bound.
    pub auth: AuthOptions,
    /// Rate limits and the limiter they share (in process, or Redis).
    pub rate_limits: RateLimitOptions,
    /// After a shutdown signal, how long the server keeps accepting (answering `/readyz` 503)
    /// so that load balancers notice (`MCP_DRAIN_DELAY`, default 0).
    pub drain_delay: Duration,
    /// How long calls in flight may take to finish once accepting stops (`MCP_DRAIN_TIMEOUT`,
    /// default 30s); past it what is left is cancelled and serving fails with
    /// [`Error::DrainTimeout`].
    pub drain_timeout: Duration,
    /// Where `/metrics` (with `/healthz` and `/readyz`) is served instead of the main port
    /// (`MCP_METRICS_BIND`, default: none, `/metrics` beside the endpoint).
    pub metrics_bind: Option<SocketAddr>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            path: "/mcp".to_owned(),
            stateless: false,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: 4 * 1024 * 1024,
            max_connections: 20_000,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_sessions: 10_000,
            max_sessions_per_client: 64,
            session_init_timeout: Duration::from_secs(10),
            session_idle: Duration::from_secs(3600),
            session_sweep: Duration::from_secs(300),
            heartbeat: Duration::from_secs(25),
            max_streams: 10_000,
            max_streams_per_session: 32,
            stream_max_events: 10_000,
            stream_max_bytes: 16 * 1024 * 1024,
            stream_max_lifetime: Duration::from_secs(3600),
            stream_buffer: 256,
            retry: Duration::from_secs(1),
            auth: AuthOptions::default(),
            rate_limits: RateLimitOptions::default(),
            drain_delay: Duration::ZERO,
            drain_timeout: Duration::from_secs(30),
            metrics_bind: None,
        }
    }
}

impl HttpOptions {
    /// The defaults with every `MCP_*` variable that is set applied. Fails listing every
    /// variable that is set but invalid, before anything binds.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut options = HttpOptions::default();
        let mut problems = Vec::new();
        let mut read = |key: &str, apply: &mut dyn FnMut(&str) -> Result<(), String>| {
            if let Some(value) = lookup(key).filter(|value| !value.trim().is_empty())
                && let Err(why) = apply(value.trim())
            {
                problems.push(format!("{key}={value:?}: {why}"));
            }
        };
        // One line per variable: its name, the option it sets, and how its text is read.
        macro_rules! set {
            ($key:literal, $field:ident, $parse:expr) => {
                read($key, &mut |v| {
                    options.$field = $parse(v)?;
                    Ok(())
                })
            };
        }
        let address = |v: &str| {
            v.parse()
                .map_err(|_| "expected an address such as 127.0.0.1:8080".to_owned())
        };
        set!("MCP_BIND", bind, address);
        set!("MCP_STATELESS", stateless, parse_bool);
        set!("MCP_ALLOWED_HOSTS", allowed_hosts, hosts);
        set!("MCP_ALLOWED_ORIGINS", allowed_origins, origins);
        set!("MCP_MAX_BODY_BYTES", max_body_bytes, positive);
        set!("MCP_MAX_CONNECTIONS", max_connections, positive);
        set!(
            "MCP_HEADER_READ_TIMEOUT",
            header_read_timeout,
            parse_duration
        );
        set!("MCP_BODY_READ_TIMEOUT", body_read_timeout, parse_duration);
        set!("MCP_IDLE_TIMEOUT", idle_timeout, parse_duration);
        set!("MCP_MAX_SESSIONS", max_sessions, positive);
        set!(
            "MCP_MAX_SESSIONS_PER_CLIENT",
            max_sessions_per_client,
            positive
        );
        set!(
            "MCP_SESSION_INIT_TIMEOUT",
            session_init_timeout,
            parse_duration
        );
        set!("MCP_SESSION_IDLE", session_idle, parse_duration);
        set!("MCP_SESSION_SWEEP", session_sweep, parse_duration);
        set!("MCP_SSE_HEARTBEAT", heartbeat, parse_duration);
        set!("MCP_MAX_STREAMS", max_streams, positive);
        set!(
            "MCP_MAX_STREAMS_PER_SESSION",
            max_streams_per_session,
            positive
        );
        set!("MCP_STREAM_MAX_EVENTS", stream_max_events, positive);
        set!("MCP_STREAM_MAX_BYTES", stream_max_bytes, positive);
        set!(
            "MCP_STREAM_MAX_LIFETIME",
            stream_max_lifetime,
            parse_duration
        );
        set!("MCP_DRAIN_DELAY", drain_delay, duration_or_zero);
        set!("MCP_DRAIN_TIMEOUT", drain_timeout, parse_duration);
        set!("MCP_METRICS_BIND", metrics_bind, |v| address(v).map(Some));
        options.auth = AuthOptions::read(&lookup, &mut problems);
        options.rate_limits = RateLimitOptions::read(&lookup, &mut problems);
        match problems.is_empty() {
            true => Ok(options),
            false => Err(Error::Config(problems)),
        }
    }
}

/// A duration that may be zero (`0` alone too).
fn duration_or_zero(value: &str) -> Result<Duration, String> {
    let zero = Duration::ZERO;
    match parse_duration(value) {
        _ if value == "0" => Ok(zero),
        Err(why) if why == "a duration must be positive" => Ok(zero),
        other => other,
    }
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(value: &str) -> Result<T, String> {
    value
        .parse::<T>()
        .ok()
        .filter(|n| *n > T::default())
        .ok_or_else(|| "expected a positive whole number".to_owned())
}

/// `MCP_ALLOWED_HOSTS`: every entry a `host[:port]`, as the `Host` check parses it.
fn hosts(value: &str) -> Result<Vec<String>, String> {
    entries(value, "`host` or `host:port` entries", |entry| {
        Authority::parse(entry).is_some()
    })
}

/// `MCP_ALLOWED_ORIGINS`: every entry a `scheme://host[:port]` (a trailing `/` forgiven).
fn origins(value: &str) -> Result<Vec<String>, String> {
    entries(value, "`scheme://host[:port]` entries", |entry| {
        matches!(
            OriginValue::parse(entry.trim_end_matches('/')),
            Some(OriginValue::Origin(_))
        )
    })
}

/// A comma-separated list whose every entry passes `valid`; the bad ones are named.
fn entries(
    value: &str,
    expected: &str,
    valid: impl Fn(&str) -> bool,
) -> Result<Vec<String>, String> {
    let entries = list(value);
    let bad: Vec<&str> = entries
        .iter()
        .map(String::as_str)
        .filter(|entry| !valid(entry))
        .collect();
    match bad.is_empty() {
        true => Ok(entries),
        false => Err(format!("expected {expected}; not one: {}", bad.join(", "))),
    }
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| item.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_variable_is_listed_at_once() {
        let env = |key: &str| match key {
            "MCP_BIND" => Some("localhost".to_owned()),
            "MCP_STATELESS" => Some("maybe".to_owned()),
            "MCP_SSE_HEARTBEAT" => Some("0s".to_owned()),
            "MCP_MAX_SESSIONS" => Some("-3".to_owned()),
            "MCP_MAX_CONNECTIONS" => Some("0".to_owned()),
            "MCP_HEADER_READ_TIMEOUT" => Some("10".to_owned()),
            "MCP_IDLE_TIMEOUT" => Some("0ms".to_owned()),
            "MCP_MAX_SESSIONS_PER_CLIENT" => Some("0".to_owned()),
            "MCP_SESSION_INIT_TIMEOUT" => Some("soon".to_owned()),
            _ => None,
        };
        let Err(Error::Config(problems)) = HttpOptions::from_lookup(env) else {
            panic!("bad variables must fail")
        };
        assert_eq!(problems.len(), 9, "{problems:?}");
        assert!(problems[0].starts_with("MCP_BIND=\"localhost\""));
    }

    #[test]
    fn variables_apply_over_defaults() {
        let env = |key: &str| match key {
            "MCP_BIND" => Some("127.0.0.1:0".to_owned()),
            "MCP_STATELESS" => Some("true".to_owned()),
            "MCP_SSE_HEARTBEAT" => Some("250ms".to_owned()),
            "MCP_ALLOWED_HOSTS" => Some("MCP.example.com, proxy:8443".to_owned()),
            "MCP_MAX_CONNECTIONS" => Some("900".to_owned()),
            "MCP_HEADER_READ_TIMEOUT" => Some("2s".to_owned()),
            "MCP_BODY_READ_TIMEOUT" => Some("1m".to_owned()),
            "MCP_IDLE_TIMEOUT" => Some("1500ms".to_owned()),
            "MCP_MAX_SESSIONS_PER_CLIENT" => Some("5".to_owned()),
            "MCP_SESSION_INIT_TIMEOUT" => Some("1s".to_owned()),
            _ => None,
        };
        let options = HttpOptions::from_lookup(env).unwrap();
        assert_eq!(options.max_sessions_per_client, 5);
        assert_eq!(options.session_init_timeout, Duration::from_secs(1));
        let defaults = HttpOptions::default();
        assert_eq!(defaults.max_sessions_per_client, 64);
        assert_eq!(defaults.session_init_timeout, Duration::from_secs(10));
        assert_eq!(options.max_connections, 900);
        assert_eq!(options.header_read_timeout, Duration::from_secs(2));
        assert_eq!(options.body_read_timeout, Duration::from_secs(60));
        assert_eq!(options.idle_timeout, Duration::from_millis(1500));
        assert!(options.stateless);
        assert_eq!(options.heartbeat, Duration::from_millis(250));
        assert_eq!(options.allowed_hosts, ["mcp.example.com", "proxy:8443"]);
        assert_eq!(options.session_idle, Duration::from_secs(3600));
    }

    #[test]
    fn allow_list_entries_that_could_never_match_fail_at_start() {
        let env = |key: &str| match key {
            "MCP_ALLOWED_HOSTS" => Some("mcp.example.com, evil@host, [::1".to_owned()),
            "MCP_ALLOWED_ORIGINS" => Some("https://app.example.com/, app.example.com".to_owned()),
            _ => None,
        };
        let Err(Error::Config(problems)) = HttpOptions::from_lookup(env) else {
            panic!("malformed allow-list entries must fail")
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].ends_with("not one: evil@host, [::1"),
            "{problems:?}"
        );
        assert!(
            problems[1].ends_with("not one: app.example.com"),
            "{problems:?}"
        );
        let fine = |key: &str| match key {
            "MCP_ALLOWED_ORIGINS" => Some("https://app.example.com/".to_owned()),
            _ => None,
        };
        let options = HttpOptions::from_lookup(fine).unwrap();
        assert_eq!(options.allowed_origins, ["https://app.example.com/"]);
    }
}
