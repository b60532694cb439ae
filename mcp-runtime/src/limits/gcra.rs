//! The generic cell rate algorithm (GCRA), exact, over a bounded in-process table: the
//! limiter's own store when no Redis is configured, and its fallback when Redis fails.
//!
//! Each key holds one number, its theoretical arrival time (TAT). A rate of `count` per
//! `period` spaces units `period / count` apart and lets `count` arrive at once: a check of
//! `quantity` units at `now` moves the TAT to `max(tat, now) + quantity × interval`, and is
//! allowed when that is within `period` of `now`. The Redis script computes the same.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::{Decision, Rate};

/// A key as stored: the first 16 bytes of the SHA-256 of its text, so a key's size never
/// depends on what a client sent.
pub(super) type KeyDigest = [u8; 16];

/// The decision for `quantity` units at `now_ms` given the key's stored `tat`; the TAT to store
/// when allowed.
pub(super) fn decide(tat: Option<u64>, rate: Rate, quantity: u32, now_ms: u64) -> (Decision, u64) {
    let period = rate.period_ms();
    let tat = tat.unwrap_or(now_ms).max(now_ms);
    let new_tat = tat.saturating_add(rate.interval_ms(quantity));
    let allowed_at = new_tat.saturating_sub(period);
    match allowed_at <= now_ms {
        true => (Decision::Allowed, new_tat),
        false => (
            Decision::Limited {
                retry_after: Duration::from_millis(allowed_at - now_ms),
            },
            tat,
        ),
    }
}

/// Every key's TAT, at most `max_keys` of them.
pub(super) struct MemoryStore {
    table: Mutex<HashMap<KeyDigest, u64>>,
    max_keys: usize,
}

impl MemoryStore {
    pub(super) fn new(max_keys: usize) -> Self {
        MemoryStore {
            table: Mutex::default(),
            max_keys: max_keys.max(1),
        }
    }

    pub(super) fn check(
        &self,
        key: &KeyDigest,
        rate: Rate,
        quantity: u32,
        now_ms: u64,
    ) -> Decision {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let (decision, tat) = decide(table.get(key).copied(), rate, quantity, now_ms);
        if decision == Decision::Allowed {
            if table.len() >= self.max_keys && !table.contains_key(key) {
                make_room(&mut table, self.max_keys, now_ms);
            }
            table.insert(*key, tat);
        }
        decision
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Drops every key whose TAT has passed (it holds no debt: forgetting it changes nothing), and
/// if that frees too little, the tenth of the keys that are oldest (earliest TAT, the least
/// debt), so that a flood of new keys costs a scan per tenth of the table, not per key.
fn make_room(table: &mut HashMap<KeyDigest, u64>, max_keys: usize, now_ms: u64) {
    table.retain(|_, tat| *tat > now_ms);
    let target = max_keys - (max_keys / 10).max(1);
    if table.len() <= target {
        return;
    }
    let mut tats: Vec<u64> = table.values().copied().collect();
    let cut = table.len() - target;
    tats.select_nth_unstable(cut - 1);
    let oldest = tats[cut - 1];
    let mut to_drop = cut;
    table.retain(|_, tat| {
        let drop = to_drop > 0 && *tat <= oldest;
        to_drop -= usize::from(drop);
        !drop
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: KeyDigest = [7; 16];

    #[test]
    fn a_burst_of_count_then_one_per_interval() {
        let store = MemoryStore::new(100);
        let rate = Rate::new(4, Duration::from_secs(60));
        for _ in 0..4 {
            assert_eq!(store.check(&KEY, rate, 1, 1_000), Decision::Allowed);
        }
        assert_eq!(
            store.check(&KEY, rate, 1, 1_000),
            Decision::Limited {
                retry_after: Duration::from_secs(15)
            },
            "the fifth waits one interval"
        );
        assert_eq!(
            store.check(&KEY, rate, 1, 1_000 + 14_999),
            Decision::Limited {
                retry_after: Duration::from_millis(1)
            }
        );
        assert_eq!(store.check(&KEY, rate, 1, 16_000), Decision::Allowed);
        assert!(matches!(
            store.check(&KEY, rate, 1, 16_000),
            Decision::Limited { .. }
        ));
        // After a whole period of silence, the whole burst again.
        for _ in 0..4 {
            assert_eq!(store.check(&KEY, rate, 1, 200_000), Decision::Allowed);
        }
    }

    #[test]
    fn a_cost_draws_on_a_budget() {
        let store = MemoryStore::new(100);
        let budget = Rate::new(500, Duration::from_secs(86_400));
        for _ in 0..50 {
            assert_eq!(store.check(&KEY, budget, 10, 0), Decision::Allowed);
        }
        let Decision::Limited { retry_after } = store.check(&KEY, budget, 10, 0) else {
            panic!("the 51st call of cost 10 exceeds 500 a day");
        };
        assert_eq!(
            retry_after,
            Duration::from_millis(1_728_000),
            "ten units' worth of a day"
        );
        // A cost above the whole budget is never allowed, and holds nothing.
        let other = [9; 16];
        assert!(matches!(
            store.check(&other, budget, 501, 0),
            Decision::Limited { .. }
        ));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn the_table_stays_bounded_under_a_flood_of_keys() {
        let store = MemoryStore::new(1_000);
        let rate = Rate::new(1, Duration::from_secs(60));
        for n in 0u32..100_000 {
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&n.to_le_bytes());
            assert_eq!(store.check(&key, rate, 1, u64::from(n)), Decision::Allowed);
            assert!(store.len() <= 1_000);
        }
        // The newest keys are the ones kept: the latest still limited.
        let mut last = [0u8; 16];
        last[..4].copy_from_slice(&99_999u32.to_le_bytes());
        assert!(matches!(
            store.check(&last, rate, 1, 99_999),
            Decision::Limited { .. }
        ));
    }
}
