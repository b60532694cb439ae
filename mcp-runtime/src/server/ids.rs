//! Random ids for sessions and error reports.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// 16 hex digits, unpredictable to clients (std's per-process random hash keys over a counter).
pub(crate) fn random_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}", std::hash::RandomState::new().hash_one(n))
}
