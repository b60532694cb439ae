//! Random ids for sessions and error reports, and the keyed digest that stands for a secret
//! (or any identifier worth hiding) in logs.

use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use hmac::{Hmac, Mac};
use sha2::Sha256;

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

/// A stable, non-reversible stand-in for `data` in logs: the first 64 bits of HMAC-SHA256 keyed
/// by a random key drawn once per process, as 16 hex digits. The same `data` gives the same
/// digest for the life of the process (so the lines of one session correlate), and without the
/// key a digest can be neither reversed nor checked against a guess (a logged `Mcp-Session-Id`
/// could be replayed; its digest cannot). Digests of two processes never match, unless they
/// share `MCP_LOG_HASH_KEY` (so that a principal's `principal_hash` is the same on every
/// instance of a deployment).
///
/// Like every id the runtime generates, a digest is written unredacted: the layer exempts the
/// runtime's own id fields (`logging/layer.rs`, `RUNTIME_IDS`), since 16 hex digits are all
/// decimal, and pass Luhn's check, about once in 18,000.
pub(crate) fn log_digest(data: &[u8]) -> String {
    // Keyed once: each digest clones the state with the key already absorbed, which spares
    // every throw-away 2026-07-28 session two of its four SHA-256 blocks.
    static KEYED: OnceLock<Hmac<Sha256>> = OnceLock::new();
    let mut mac = KEYED
        .get_or_init(|| {
            let key = match std::env::var("MCP_LOG_HASH_KEY") {
                Ok(shared) if !shared.is_empty() => shared.into_bytes(),
                _ => secure_id().into_bytes(),
            };
            Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length")
        })
        .clone();
    mac.update(data);
    hex(&mac.finalize().into_bytes()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_digests_are_stable_short_and_keyed() {
        let id = secure_id();
        let digest = log_digest(id.as_bytes());
        assert_eq!(
            digest,
            log_digest(id.as_bytes()),
            "the same id, the same digest"
        );
        assert_eq!(digest.len(), 16);
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{digest}");
        assert_ne!(digest, log_digest(secure_id().as_bytes()));
        assert!(!id.contains(&digest) && !digest.contains(&id[..16]));
        // Keyed: not the plain (unkeyed) SHA-256 of the id.
        use sha2::Digest as _;
        let unkeyed = hex(&Sha256::digest(id.as_bytes())[..8]);
        assert_ne!(digest, unkeyed);
    }
}
