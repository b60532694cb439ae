//! Multi Round-Trip Requests (2026-07-28, basic/patterns/mrtr): how a tool's requests to the
//! client work when the server may not send requests of its own.
//!
//! The tool runs. Its k-th request (key `"k"`, or the key it chose) is looked up among the
//! answers the call brought: found, the tool gets the answer and goes on; missing, the run is
//! stopped and `tools/call` is answered with `resultType: "input_required"`, the
//! `inputRequests` of that run, and a `requestState`. The client retries the same call with
//! `inputResponses` and the state, and the tool runs again from the start, now finding its
//! answers. A tool must therefore do the same things, in the same order, up to its requests;
//! a request that differs from the one answered (another method or other params) is asked
//! again rather than given the old answer.
//!
//! `requestState` carries the answers of earlier rounds and the digests of the requests asked,
//! bound to the tool and a digest of its arguments, with an expiry, under HMAC-SHA256 with the
//! server's key (MRTR "Server Requirements": state is attacker-controlled input and MUST be
//! integrity-protected when it influences business logic; SHOULD carry an expiry and identify
//! the originating request). Answers to requests this server did not ask are ignored.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::Ctx;
use super::client_requests::{ClientCall, ClientRequestError};
use crate::ids::hex;
use crate::protocol::client::ClientCapabilities;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, RequestId, Response};

/// What seals a `requestState`: the server's key and how long a state stays valid.
#[derive(Clone)]
pub(crate) struct StateKey {
    key: Vec<u8>,
    ttl: Duration,
}

impl StateKey {
    pub(crate) fn new(key: Vec<u8>, ttl: Duration) -> Self {
        StateKey { key, ttl }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length")
    }
}

/// The call a state belongs to: the tool's name and a digest of its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallBinding {
    tool: String,
    arguments: String,
}

impl CallBinding {
    pub(crate) fn new(tool: &str, arguments: &Map<String, Value>) -> Self {
        // `serde_json::Map` keeps keys sorted, so equal arguments give equal text.
        let text = serde_json::to_string(arguments).unwrap_or_default();
        CallBinding {
            tool: tool.to_owned(),
            arguments: hex(&Sha256::digest(text.as_bytes())),
        }
    }
}

/// The signed payload of a `requestState`.
#[derive(Serialize, Deserialize)]
struct State {
    #[serde(rename = "t")]
    tool: String,
    #[serde(rename = "a")]
    arguments: String,
    /// Unix seconds after which the state is refused.
    #[serde(rename = "x")]
    expires: u64,
    /// The requests asked in the last round, by key: digests of method and params.
    #[serde(rename = "i")]
    asked: BTreeMap<String, String>,
    /// The answers of earlier rounds the tool used, by key.
    #[serde(rename = "u")]
    used: BTreeMap<String, Answer>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Answer {
    #[serde(rename = "r")]
    response: Value,
    /// The digest of the request this answers.
    #[serde(rename = "d")]
    asked: String,
}

/// One run of a 2026-07-28 call: the answers it may use, and what it still needs.
#[derive(Debug)]
pub(crate) struct InputRound {
    capabilities: ClientCapabilities,
    answers: BTreeMap<String, (Value, String)>,
    next: AtomicUsize,
    progress: Mutex<Progress>,
    /// Cancelled when the run needs input it does not have (or got a garbled answer).
    interrupted: CancellationToken,
    /// Cancelled when the call has been answered: a request still waiting (in a task the tool
    /// spawned) gives up.
    ended: CancellationToken,
}

#[derive(Debug, Default)]
struct Progress {
    used: BTreeMap<String, (Value, String)>,
    needed: Map<String, Value>,
    asked: BTreeMap<String, String>,
    garbled: Option<(String, &'static str)>,
}

impl InputRound {
    /// Reads `inputResponses` and `requestState` of a call; a wrong shape, or a state this
    /// server did not issue for this call (or that expired), is -32602.
    pub(crate) fn open(
        key: &StateKey,
        binding: &CallBinding,
        capabilities: ClientCapabilities,
        input_responses: Option<Value>,
        request_state: Option<Value>,
    ) -> Result<Self, ErrorObject> {
        let invalid =
            |why: &str| ErrorObject::new(INVALID_PARAMS, format!("Invalid params: {why}"));
        let responses = match input_responses {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(responses)) => responses,
            Some(_) => return Err(invalid("`inputResponses` must be an object")),
        };
        let state = match request_state {
            None | Some(Value::Null) => None,
            Some(Value::String(state)) => Some(unseal(key, binding, &state).ok_or_else(|| {
                invalid(
                    "`requestState` was not issued by this server for this call, or has expired; call the tool again without it",
                )
            })?),
            Some(_) => return Err(invalid("`requestState` must be a string")),
        };
        let mut answers = BTreeMap::new();
        if let Some(state) = state {
            for (k, answer) in state.used {
                answers.insert(k, (answer.response, answer.asked));
            }
            // MRTR "Error Handling": information the server does not recognise SHOULD be
            // ignored; only answers to the requests asked last round are taken.
            for (k, asked) in state.asked {
                if let Some(response) = responses.get(&k) {
                    answers.insert(k, (response.clone(), asked));
                }
            }
        }
        Ok(InputRound {
            capabilities,
            answers,
            next: AtomicUsize::new(0),
            progress: Mutex::default(),
            interrupted: CancellationToken::new(),
            ended: CancellationToken::new(),
        })
    }

    pub(crate) fn capabilities(&self) -> &ClientCapabilities {
        &self.capabilities
    }

    /// Completes when the run must stop for input.
    pub(crate) async fn interrupted(&self) {
        self.interrupted.cancelled().await
    }

    /// The call has been answered.
    pub(crate) fn end(&self) {
        self.ended.cancel();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer to `call` if the client gave it; otherwise the request is noted and the run
    /// stops here (the call is answered `input_required`, and this future completes only if it
    /// outlived the call, with [`ClientRequestError::NoChannel`]).
    pub(crate) async fn ask<C: ClientCall>(
        &self,
        ctx: &Ctx,
        call: &C,
    ) -> Result<C::Output, ClientRequestError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let key = call.options().key.clone().unwrap_or_else(|| n.to_string());
        let params = call.params_json(ctx.protocol_version());
        let asked = hex(&Sha256::digest(
            format!("{}\n{params}", C::METHOD).as_bytes(),
        ));
        match self.answers.get(&key) {
            Some((response, answered)) if *answered == asked => {
                match C::parse(response.clone()) {
                    Some(output) => {
                        self.lock().used.insert(key, (response.clone(), asked));
                        return Ok(output);
                    }
                    None => self.lock().garbled.get_or_insert((key, C::METHOD)),
                };
            }
            _ => {
                let params = serde_json::from_str(&params).unwrap_or(Value::Null);
                let mut progress = self.lock();
                progress
                    .needed
                    .insert(key.clone(), json!({"method": C::METHOD, "params": params}));
                progress.asked.insert(key, asked);
            }
        }
        self.interrupted.cancel();
        self.ended.cancelled().await;
        Err(ClientRequestError::NoChannel)
    }

    /// The answer to a call stopped for input: `input_required` with the requests and the
    /// state to send back, or -32602 when an answer the client gave is not a valid result.
    pub(crate) fn answer(&self, id: RequestId, key: &StateKey, binding: &CallBinding) -> Response {
        let progress = std::mem::take(&mut *self.lock());
        if let Some((k, method)) = progress.garbled {
            let message = format!(
                "Invalid params: `inputResponses[\"{k}\"]` is not a valid result of `{method}`"
            );
            return Response::error(Some(id), ErrorObject::new(INVALID_PARAMS, message));
        }
        let used = progress
            .used
            .into_iter()
            .map(|(k, (response, asked))| (k, Answer { response, asked }))
            .collect();
        let expires = now_secs().saturating_add(key.ttl.as_secs().max(1));
        let state = State {
            tool: binding.tool.clone(),
            arguments: binding.arguments.clone(),
            expires,
            asked: progress.asked,
            used,
        };
        // MRTR: an `InputRequiredResult` MUST carry `inputRequests` or `requestState`; this
        // one carries both.
        Response::result(
            id,
            json!({
                "resultType": "input_required",
                "inputRequests": progress.needed,
                "requestState": seal(key, &state),
            }),
        )
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// `base64url(payload).base64url(HMAC-SHA256(payload))`.
fn seal(key: &StateKey, state: &State) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).unwrap_or_default());
    let mut mac = key.mac();
    mac.update(payload.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{payload}.{tag}")
}

/// The state, if the tag is right (compared in constant time), it belongs to this call, and
/// it has not expired.
fn unseal(key: &StateKey, binding: &CallBinding, sealed: &str) -> Option<State> {
    let (payload, tag) = sealed.split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    let mut mac = key.mac();
    mac.update(payload.as_bytes());
    mac.verify_slice(&tag).ok()?;
    let state: State = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let belongs = state.tool == binding.tool && state.arguments == binding.arguments;
    (belongs && state.expires >= now_secs()).then_some(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(expires: u64) -> State {
        State {
            tool: "t".into(),
            arguments: CallBinding::new("t", &Map::new()).arguments,
            expires,
            asked: BTreeMap::from([("1".into(), "d".into())]),
            used: BTreeMap::new(),
        }
    }

    #[test]
    fn states_are_bound_to_key_call_and_time() {
        let key = StateKey::new(b"secret".to_vec(), Duration::from_secs(60));
        let binding = CallBinding::new("t", &Map::new());
        let sealed = seal(&key, &state(now_secs() + 60));
        assert!(unseal(&key, &binding, &sealed).is_some());
        // Another key, another call, a changed byte, an expired state: refused.
        let other = StateKey::new(b"other".to_vec(), Duration::from_secs(60));
        assert!(unseal(&other, &binding, &sealed).is_none());
        let mut arguments = Map::new();
        arguments.insert("a".into(), json!(1));
        assert!(unseal(&key, &CallBinding::new("t", &arguments), &sealed).is_none());
        assert!(unseal(&key, &binding, &format!("{sealed}-TAMPERED")).is_none());
        assert!(unseal(&key, &binding, &seal(&key, &state(1))).is_none());
        assert!(unseal(&key, &binding, "no-dot").is_none());
    }

    #[test]
    fn only_answers_to_requests_asked_are_taken() {
        let key = StateKey::new(b"k".to_vec(), Duration::from_secs(60));
        let binding = CallBinding::new("t", &Map::new());
        let sealed = seal(&key, &state(now_secs() + 60));
        let responses = json!({"1": {"action": "cancel"}, "2": {"action": "accept"}});
        let round = InputRound::open(
            &key,
            &binding,
            ClientCapabilities::none(),
            Some(responses.clone()),
            Some(json!(sealed)),
        )
        .unwrap();
        assert_eq!(round.answers.keys().collect::<Vec<_>>(), ["1"]);
        let without_state = InputRound::open(
            &key,
            &binding,
            ClientCapabilities::none(),
            Some(responses),
            None,
        )
        .unwrap();
        assert!(without_state.answers.is_empty());
        for (responses, state) in [(json!([1]), None), (json!({}), Some(json!(5)))] {
            let refused = InputRound::open(
                &key,
                &binding,
                ClientCapabilities::none(),
                Some(responses),
                state,
            )
            .unwrap_err();
            assert_eq!(refused.code, INVALID_PARAMS);
        }
    }
}
