//! Rate limits and budgets: one engine (GCRA) for every layer, in process by default and on
//! Redis for several instances, with a bounded in-process fallback when Redis fails. Limits
//! never fail open: whichever store answers, the limit holds (per instance while Redis is away).
//!
//! The layers that use it: the HTTP request rate and new sessions per client (the transport),
//! and per-tool call rates and budgets per principal (admission, `server/invoke.rs`).

mod gcra;
mod redis_store;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::principal::Principal;
use gcra::{KeyDigest, MemoryStore};
use redis_store::RedisStore;

/// A number of units per period: `20/min`, `500/day`. `count` units may arrive at once; after
/// that, one per `period / count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    count: u32,
    period_ms: u64,
}

impl Rate {
    /// `count` per `period` (both at least 1).
    pub const fn new(count: u32, period: Duration) -> Self {
        let period_ms = period.as_millis() as u64;
        Rate {
            count: if count == 0 { 1 } else { count },
            period_ms: if period_ms == 0 { 1 } else { period_ms },
        }
    }

    /// What generated code builds from `rate_limit = "20/min"`.
    #[doc(hidden)]
    pub const fn per_millis(count: u32, period_ms: u64) -> Self {
        Rate::new(count, Duration::from_millis(period_ms))
    }

    /// Reads `N/s`, `N/min`, `N/h`, `N/day`, or `N/<duration>` such as `N/30s`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let expected =
            || format!("expected a rate such as 20/min, 500/day or 10/30s, not {text:?}");
        let (count, per) = text.trim().split_once('/').ok_or_else(expected)?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(expected)?;
        // `min`, or a number of them: `30s`, `5min`.
        let per = per.trim();
        let digits = per.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let times: u64 = match digits {
            "" => 1,
            digits => digits
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(expected)?,
        };
        let unit_ms: u64 = match &per[digits.len()..] {
            "ms" => 1,
            "s" | "sec" | "second" => 1_000,
            "m" | "min" | "minute" => 60_000,
            "h" | "hour" => 3_600_000,
            "d" | "day" => 86_400_000,
            _ => return Err(expected()),
        };
        let period = times.checked_mul(unit_ms).ok_or_else(expected)?;
        Ok(Rate::new(count, Duration::from_millis(period)))
    }

    pub(crate) fn period_ms(self) -> u64 {
        self.period_ms
    }

    /// The spacing `quantity` units take, rounded down (so `count` units fit in a period).
    pub(crate) fn interval_ms(self, quantity: u32) -> u64 {
        (u128::from(self.period_ms) * u128::from(quantity) / u128::from(self.count)) as u64
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.period_ms {
            1_000 => write!(f, "{}/s", self.count),
            60_000 => write!(f, "{}/min", self.count),
            3_600_000 => write!(f, "{}/h", self.count),
            86_400_000 => write!(f, "{}/day", self.count),
            ms => write!(f, "{}/{ms}ms", self.count),
        }
    }
}

/// What a check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Within the limit; the units were counted.
    Allowed,
    /// Over it: nothing was counted, and this much later the same check can pass.
    Limited { retry_after: Duration },
}

impl Decision {
    /// `Retry-After` in whole seconds, rounded up (never 0 for a refusal).
    pub fn retry_after_secs(self) -> u64 {
        match self {
            Decision::Allowed => 0,
            Decision::Limited { retry_after } => {
                retry_after.as_millis().div_ceil(1000).max(1) as u64
            }
        }
    }
}

/// Who a limit counts: [`client`], else (stdio, or a router without peer addresses) everyone
/// together.
pub(crate) fn subject(extensions: &http::Extensions) -> String {
    client(extensions).unwrap_or_else(|| "local".to_owned())
}

/// Who a request comes from, for every per-client count (limits, sessions): the principal's
/// identity when it is authenticated, else its address (resolved through trusted proxies), for
/// IPv6 its /64, since one host is handed a whole /64 and could rotate through it.
pub(crate) fn client(extensions: &http::Extensions) -> Option<String> {
    if let Some(principal) = extensions.get::<Principal>() {
        return Some(principal.identity().to_owned());
    }
    let ClientAddress(ip) = extensions.get::<ClientAddress>()?;
    Some(match ip.to_canonical() {
        std::net::IpAddr::V4(v4) => format!("ip\0{v4}"),
        std::net::IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("ip\0{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    })
}

/// The client's IP address as the transport resolved it (through trusted proxies), in the
/// request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// The rate-limit engine: its store, shared by every layer that limits.
pub struct Limiter {
    store: Store,
    /// Namespace of the Redis keys (`MCP_REDIS_PREFIX`).
    prefix: String,
}

enum Store {
    Memory(MemoryStore),
    Redis(Box<RedisStore>),
}

/// Keys kept in process by default (`MCP_LIMIT_MAX_KEYS`).
pub(crate) const DEFAULT_MAX_KEYS: usize = 10_000;

impl Limiter {
    /// In process only, at most `max_keys` keys.
    pub fn in_process(max_keys: usize) -> Arc<Self> {
        Arc::new(Limiter {
            store: Store::Memory(MemoryStore::new(max_keys)),
            prefix: String::new(),
        })
    }

    /// On Redis at `url` (keys under `prefix`), each call bounded by `deadline`; when Redis
    /// fails, in process with at most `max_keys` keys until it answers again. Connects on first
    /// use; must run inside a Tokio runtime.
    pub fn redis(
        url: &str,
        prefix: &str,
        deadline: Duration,
        max_keys: usize,
    ) -> Result<Arc<Self>, String> {
        Ok(Arc::new(Limiter {
            store: Store::Redis(Box::new(RedisStore::new(
                url,
                deadline,
                MemoryStore::new(max_keys),
            )?)),
            prefix: prefix.to_owned(),
        }))
    }

    /// Checks `quantity` units of `rate` for `subject` in `layer` (the runtime's own layers are
    /// `http-request`, `http-session`, `tool-rate:<tool>`, `tool-budget:<tool>`; a handler may
    /// limit anything of its own under another name), and counts them when allowed.
    pub async fn check(&self, layer: &str, subject: &str, rate: Rate, quantity: u32) -> Decision {
        let digest = digest(layer, subject, rate);
        match &self.store {
            Store::Memory(memory) => memory.check(&digest, rate, quantity, now_ms()),
            Store::Redis(redis) => redis.check(&self.prefix, &digest, rate, quantity).await,
        }
    }

    /// Whether Redis is configured and failing (the fallback is answering).
    pub fn is_falling_back(&self) -> bool {
        match &self.store {
            Store::Memory(_) => false,
            Store::Redis(redis) => redis.is_falling_back(),
        }
    }
}

/// The key of `subject` in `layer` for `rate`: a digest, so that neither its size nor its
/// Redis key depends on what a client sent, and a changed rate starts afresh.
fn digest(layer: &str, subject: &str, rate: Rate) -> KeyDigest {
    let mut hash = Sha256::new();
    for part in [layer.as_bytes(), b"\0", subject.as_bytes(), b"\0"] {
        hash.update(part);
    }
    hash.update(rate.count.to_le_bytes());
    hash.update(rate.period_ms.to_le_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&hash.finalize()[..16]);
    key
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_written() {
        assert_eq!(
            Rate::parse("20/min").unwrap(),
            Rate::new(20, Duration::from_secs(60))
        );
        assert_eq!(
            Rate::parse(" 500 / day ").unwrap(),
            Rate::new(500, Duration::from_secs(86_400))
        );
        assert_eq!(
            Rate::parse("10/30s").unwrap(),
            Rate::new(10, Duration::from_secs(30))
        );
        assert_eq!(Rate::parse("3/s").unwrap().to_string(), "3/s");
        for bad in ["", "20", "0/min", "x/min", "20/fortnight", "-1/s"] {
            assert!(Rate::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(Rate::new(7, Duration::from_secs(60)).interval_ms(7), 60_000);
        assert_eq!(Rate::new(7, Duration::from_secs(60)).interval_ms(1), 8_571);
    }

    #[test]
    fn retry_after_rounds_up_to_a_second() {
        let limited = |ms| Decision::Limited {
            retry_after: Duration::from_millis(ms),
        };
        assert_eq!(limited(1).retry_after_secs(), 1);
        assert_eq!(limited(1_000).retry_after_secs(), 1);
        assert_eq!(limited(1_001).retry_after_secs(), 2);
    }

    #[test]
    fn a_client_is_its_principal_else_its_address_else_nobody() {
        let mut extensions = http::Extensions::new();
        assert_eq!(client(&extensions), None);
        assert_eq!(subject(&extensions), "local");
        let address = |text: &str| ClientAddress(text.parse().unwrap());
        extensions.insert(address("203.0.113.7"));
        assert_eq!(client(&extensions).as_deref(), Some("ip\x00203.0.113.7"));
        extensions.insert(address("::ffff:203.0.113.7"));
        assert_eq!(
            client(&extensions).as_deref(),
            Some("ip\x00203.0.113.7"),
            "a mapped v4 is v4"
        );
        extensions.insert(address("2001:db8:1:2:aaaa::1"));
        let one = client(&extensions);
        extensions.insert(address("2001:db8:1:2:bbbb::9"));
        assert_eq!(client(&extensions), one, "one /64 is one client");
        assert_eq!(one.as_deref(), Some("ip\x002001:db8:1:2::/64"));
        extensions.insert(Principal::new(
            "alice",
            crate::principal::AuthMethod::Custom,
        ));
        assert_eq!(client(&extensions).as_deref(), Some("custom\0alice"));
    }

    #[tokio::test]
    async fn layers_and_subjects_are_counted_apart() {
        let limiter = Limiter::in_process(100);
        let rate = Rate::new(1, Duration::from_secs(60));
        assert_eq!(
            limiter.check("tool:a", "alice", rate, 1).await,
            Decision::Allowed
        );
        assert!(matches!(
            limiter.check("tool:a", "alice", rate, 1).await,
            Decision::Limited { .. }
        ));
        assert_eq!(
            limiter.check("tool:b", "alice", rate, 1).await,
            Decision::Allowed
        );
        assert_eq!(
            limiter.check("tool:a", "bob", rate, 1).await,
            Decision::Allowed
        );
    }
}
