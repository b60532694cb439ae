//! Random ids for sessions and error reports.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// 16 hex digits, unpredictable to clients (std's per-process random hash keys over a counter).
pub(crate) fn random_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}", std::hash::RandomState::new().hash_one(n))
}

/// 32 hex digits from the operating system's secure random source, for ids that grant access
/// (`Mcp-Session-Id`: Transports, "Session Management", the id SHOULD be cryptographically secure).
pub(crate) fn secure_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness at all: fall back to std's random keys rather than refuse service.
        return format!("{}{}", random_id(), random_id());
    }
    hex(&bytes)
}

/// Lowercase hex of `bytes`: ids, digests and bindings are all written this way.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

/// A keyed, non-reversible digest for log lines (16 hex digits of HMAC-SHA256): the same input
/// gives the same digest within a process, and across instances that share `MCP_LOG_HASH_KEY`;
/// without it the key is random per process.
pub(crate) fn log_digest(data: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    static KEY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let key = KEY.get_or_init(|| match std::env::var("MCP_LOG_HASH_KEY") {
        Ok(shared) if !shared.is_empty() => shared.into_bytes(),
        _ => secure_id().into_bytes(),
    });
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(data);
    hex(&mac.finalize().into_bytes()[..8])
}
