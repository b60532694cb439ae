//! Idempotent retries of tool calls: a client that sends `_meta["rs.mcp-runtime/idempotencyKey"]`
//! gets, for a retry with the same key, the first call's result instead of a second run (a
//! create stored before a dropped connection is not created twice). Keys belong to the caller
//! (its principal, else its address) and the tool, are bound to the call's arguments, and are
//! kept in process for the window, at most [`MAX_ENTRIES`] of them and none larger than
//! [`MAX_RESULT_BYTES`] (so the store holds at most about 80 MiB).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::time::Instant;

/// `_meta` key of a `tools/call` that may be retried: 1 to 255 bytes of the client's choosing.
pub const IDEMPOTENCY_KEY_META: &str = "rs.mcp-runtime/idempotencyKey";

/// Results kept at most; past it the oldest finished ones are forgotten first.
pub(super) const MAX_ENTRIES: usize = 10_000;

/// A result larger than this (as JSON) is not kept: its retry runs again.
pub(super) const MAX_RESULT_BYTES: usize = 8 * 1024;

type Entries = Arc<Mutex<HashMap<Digest32, Entry>>>;

/// How the first call with a key ended, once it has: its result, or `None` when it left nothing
/// to replay.
pub(super) type FirstEnd = watch::Receiver<Option<Option<Value>>>;

type Digest32 = [u8; 32];

enum Entry {
    /// The first call runs; duplicates wait for what it ends with (`None` while it runs, then
    /// its result, or `Some(None)` when it ended with nothing to replay).
    Running {
        arguments: Digest32,
        done: watch::Receiver<Option<Option<Value>>>,
    },
    Done {
        arguments: Digest32,
        result: Value,
        at: Instant,
    },
}

/// What a call with a key is to do.
pub(super) enum Claim {
    /// Run it, and report its end to the ticket.
    Run(Ticket),
    /// A call with this key finished: answer its result.
    Replay(Value),
    /// A call with this key runs now: wait for it.
    Wait(FirstEnd),
    /// The key was used with other arguments.
    Conflict,
}

/// The first call's promise to report how it ended; dropped unfinished (the call's future was
/// dropped), it frees the key and tells the duplicates to retry.
pub(super) struct Ticket {
    entries: Entries,
    key: Digest32,
    arguments: Digest32,
    done: Option<watch::Sender<Option<Option<Value>>>>,
}

#[derive(Default)]
pub(super) struct IdempotencyStore {
    entries: Entries,
}

impl IdempotencyStore {
    /// Claims `key` of `subject` for `tool` with these `arguments`.
    pub(super) fn claim(
        &self,
        subject: &str,
        tool: &str,
        key: &str,
        arguments: &Map<String, Value>,
        window: Duration,
    ) -> Claim {
        let key = digest(&[subject, tool, key]);
        let arguments = digest(&[&Value::Object(arguments.clone()).to_string()]);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&key) {
            Some(Entry::Done { at, .. }) if at.elapsed() >= window => {}
            Some(Entry::Done {
                arguments: first,
                result,
                ..
            }) => {
                return match *first == arguments {
                    true => Claim::Replay(result.clone()),
                    false => Claim::Conflict,
                };
            }
            Some(Entry::Running {
                arguments: first,
                done,
            }) => {
                return match *first == arguments {
                    true => Claim::Wait(done.clone()),
                    false => Claim::Conflict,
                };
            }
            None => {}
        }
        if entries.len() >= MAX_ENTRIES {
            forget_oldest(&mut entries, window);
        }
        let (sender, receiver) = watch::channel(None);
        entries.insert(
            key,
            Entry::Running {
                arguments,
                done: receiver,
            },
        );
        Claim::Run(Ticket {
            entries: Arc::clone(&self.entries),
            key,
            arguments,
            done: Some(sender),
        })
    }
}

impl Ticket {
    /// The first call ended: a result worth replaying (not an error, not too large) is kept for
    /// the window; otherwise the key is free again, and waiting duplicates are told to retry.
    pub(super) fn finish(mut self, result: Option<&Value>) {
        let replayable = result
            .filter(|r| r.get("isError") != Some(&Value::Bool(true)))
            .filter(|r| r.to_string().len() <= MAX_RESULT_BYTES);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match replayable {
            Some(result) => {
                entries.insert(
                    self.key,
                    Entry::Done {
                        arguments: self.arguments,
                        result: result.clone(),
                        at: Instant::now(),
                    },
                );
            }
            None => {
                entries.remove(&self.key);
            }
        }
        drop(entries);
        if let Some(done) = self.done.take() {
            let _ = done.send(Some(replayable.cloned()));
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            self.entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&self.key);
            let _ = done.send(Some(None));
        }
    }
}

/// Drops expired results, then the oldest tenth of the finished ones.
fn forget_oldest(entries: &mut HashMap<Digest32, Entry>, window: Duration) {
    entries.retain(|_, entry| !matches!(entry, Entry::Done { at, .. } if at.elapsed() >= window));
    if entries.len() < MAX_ENTRIES {
        return;
    }
    let mut finished: Vec<(Instant, Digest32)> = entries
        .iter()
        .filter_map(|(key, entry)| match entry {
            Entry::Done { at, .. } => Some((*at, *key)),
            Entry::Running { .. } => None,
        })
        .collect();
    finished.sort_unstable();
    for (_, key) in finished.iter().take((MAX_ENTRIES / 10).max(1)) {
        entries.remove(key);
    }
}

fn digest(parts: &[&str]) -> Digest32 {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    const DAY: Duration = Duration::from_secs(86_400);

    #[tokio::test]
    async fn a_retry_replays_a_conflict_is_refused_and_errors_free_the_key() {
        let store = IdempotencyStore::default();
        let a = args(json!({"title": "x"}));
        let Claim::Run(ticket) = store.claim("alice", "create", "k1", &a, DAY) else {
            panic!("the first call runs")
        };
        let Claim::Wait(mut waiting) = store.claim("alice", "create", "k1", &a, DAY) else {
            panic!("a duplicate waits while the first runs")
        };
        ticket.finish(Some(&json!({"content": [], "id": "T-1"})));
        waiting.changed().await.unwrap();
        assert_eq!(
            *waiting.borrow(),
            Some(Some(json!({"content": [], "id": "T-1"})))
        );
        assert!(
            matches!(store.claim("alice", "create", "k1", &a, DAY), Claim::Replay(r) if r["id"] == "T-1")
        );
        let other = args(json!({"title": "y"}));
        assert!(matches!(
            store.claim("alice", "create", "k1", &other, DAY),
            Claim::Conflict
        ));
        // The same key of another caller, or for another tool, is another key.
        assert!(matches!(
            store.claim("bob", "create", "k1", &a, DAY),
            Claim::Run(_)
        ));
        assert!(matches!(
            store.claim("alice", "close", "k1", &a, DAY),
            Claim::Run(_)
        ));
        // An error result is not kept: the retry runs.
        let Claim::Run(ticket) = store.claim("alice", "create", "k2", &a, DAY) else {
            panic!()
        };
        ticket.finish(Some(&json!({"isError": true})));
        assert!(matches!(
            store.claim("alice", "create", "k2", &a, DAY),
            Claim::Run(_)
        ));
        // A call whose future is dropped frees its key, and its duplicates hear of it.
        let Claim::Run(abandoned) = store.claim("alice", "create", "k3", &a, DAY) else {
            panic!()
        };
        let Claim::Wait(mut waiting) = store.claim("alice", "create", "k3", &a, DAY) else {
            panic!()
        };
        drop(abandoned);
        waiting.changed().await.unwrap();
        assert_eq!(*waiting.borrow(), Some(None));
        assert!(matches!(
            store.claim("alice", "create", "k3", &a, DAY),
            Claim::Run(_)
        ));
        // Past the window, a key runs again.
        assert!(matches!(
            store.claim("alice", "create", "k1", &a, Duration::ZERO),
            Claim::Run(_)
        ));
    }
}
