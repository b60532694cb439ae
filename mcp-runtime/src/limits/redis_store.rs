//! The limiter on Redis, for several instances: one atomic Lua script per check (the GCRA of
//! `gcra.rs`, on Redis's own clock so instances' clocks do not matter), every key namespaced and
//! given a TTL. Each call has a short deadline; on failure the checks go to an in-process
//! fallback with the same limits, the switch is logged once, and Redis is tried again every
//! second until it answers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::MultiplexedConnection;

use super::gcra::{KeyDigest, MemoryStore};
use super::{Decision, Rate, now_ms};

/// KEYS[1]: the key. ARGV: period (ms), interval of the quantity (ms). Returns
/// `{allowed (1|0), retry_after_ms}`. The TAT is stored with a TTL of the time until it passes,
/// so a key never outlives the debt it records.
const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local period = tonumber(ARGV[1])
local step = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + step
local allowed_at = new_tat - period
if allowed_at > now then
  return {0, allowed_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(new_tat - now, 1))
return {1, 0}
"#;

/// How long the fallback answers before Redis is tried again.
const RETRY_EVERY_MS: u64 = 1_000;

pub(crate) struct RedisStore {
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    script: redis::Script,
    deadline: Duration,
    fallback: MemoryStore,
    falling_back: AtomicBool,
    /// When (ms since the epoch) Redis may be tried again while falling back.
    retry_at: AtomicU64,
    /// The URL without credentials, for log lines.
    shown: String,
    last_error: Mutex<Option<String>>,
}

impl RedisStore {
    pub(super) fn new(
        url: &str,
        deadline: Duration,
        fallback: MemoryStore,
    ) -> Result<Self, String> {
        let client =
            redis::Client::open(url).map_err(|error| format!("not a Redis URL: {error}"))?;
        let info = client.get_connection_info();
        Ok(RedisStore {
            shown: format!("{}", info.addr()),
            client,
            connection: tokio::sync::Mutex::new(None),
            script: redis::Script::new(GCRA),
            deadline,
            fallback,
            falling_back: AtomicBool::new(false),
            retry_at: AtomicU64::new(0),
            last_error: Mutex::new(None),
        })
    }

    pub(super) fn is_falling_back(&self) -> bool {
        self.falling_back.load(Ordering::Acquire)
    }

    pub(super) async fn check(
        &self,
        prefix: &str,
        key: &KeyDigest,
        rate: Rate,
        quantity: u32,
    ) -> Decision {
        let now = now_ms();
        if self.is_falling_back() && now < self.retry_at.load(Ordering::Acquire) {
            return self.fallback.check(key, rate, quantity, now);
        }
        let redis_key = format!("{prefix}:rl:{}", crate::ids::hex(key));
        let outcome =
            tokio::time::timeout(self.deadline, self.run(&redis_key, rate, quantity)).await;
        match outcome {
            Ok(Ok(decision)) => {
                if self.falling_back.swap(false, Ordering::AcqRel) {
                    crate::metrics::limiter_fallback(false);
                    tracing::warn!(redis = %self.shown, "Redis answers again: rate limits are shared again");
                }
                decision
            }
            Ok(Err(error)) => self.fall_back(error, key, rate, quantity).await,
            Err(_elapsed) => {
                self.fall_back(
                    format!("no answer within {:?}", self.deadline),
                    key,
                    rate,
                    quantity,
                )
                .await
            }
        }
    }

    async fn run(&self, key: &str, rate: Rate, quantity: u32) -> Result<Decision, String> {
        let mut connection = self.connection().await?;
        let answer: Result<(i64, i64), _> = self
            .script
            .key(key)
            .arg(rate.period_ms())
            .arg(rate.interval_ms(quantity))
            .invoke_async(&mut connection)
            .await;
        match answer {
            Ok((1, _)) => Ok(Decision::Allowed),
            Ok((_, retry_ms)) => Ok(Decision::Limited {
                retry_after: Duration::from_millis(retry_ms.max(1) as u64),
            }),
            Err(error) => {
                // A broken connection is replaced on the next try.
                *self.connection.lock().await = None;
                Err(error.to_string())
            }
        }
    }

    async fn connection(&self) -> Result<MultiplexedConnection, String> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.deadline))
            .set_response_timeout(Some(self.deadline));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|error| error.to_string())?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Answers from the fallback; the first failure of a run is logged (never the URL's
    /// credentials), later ones only when the reason changes.
    async fn fall_back(&self, why: String, key: &KeyDigest, rate: Rate, quantity: u32) -> Decision {
        let now = now_ms();
        self.retry_at.store(now + RETRY_EVERY_MS, Ordering::Release);
        let switched = !self.falling_back.swap(true, Ordering::AcqRel);
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if switched {
            crate::metrics::limiter_fallback(true);
        }
        if switched || last.as_deref() != Some(why.as_str()) {
            tracing::warn!(
                redis = %self.shown,
                reason = %why,
                "Redis is unavailable: rate limits hold per instance, in process, until it answers"
            );
            *last = Some(why);
        }
        drop(last);
        self.fallback.check(key, rate, quantity, now)
    }
}
