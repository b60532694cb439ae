//! The invocation runner: one way to run any handler (a tool, a resource read, a prompt, a
//! completion hook).
//!
//! It admits the call, builds its [`Ctx`], registers it as in flight (so cancellation reaches
//! it), runs it inside the catch-all with its time limit, stops it to ask the client (2026-07-28
//! Multi Round-Trip Requests), and writes its outcome record. The method only says how the
//! handler's value is answered.
//!
//! **Architecture Invariant:** no handler runs outside [`Exchange::invoke`]; outcome consumers
//! (logs, metrics, spans) plug in here, once for all. Admission by scope ([`Exchange::admit`])
//! is asked by each method as soon as it knows its handler; per-tool rates and budgets
//! ([`LimitCheck`]) are checked here, in the call's future, before the handler runs.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::exchange::{Exchange, Reply};
use super::outcome::{Outcome, Record};
use super::panic_guard::Guarded;
use crate::context::Ctx;
use crate::context::mrtr::{CallBinding, InputRound};
use crate::context::{ClientLink, CtxParts};
use crate::limits::{Decision, Limiter, Rate};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INSUFFICIENT_SCOPE, RequestId, Response};

/// What to run besides the handler: its record (kind and name), its time limit, and on
/// 2026-07-28 the input round it may stop to ask the client in.
pub(super) struct Invocation {
    pub(super) record: Record,
    pub(super) timeout: Option<Duration>,
    pub(super) round: Option<Round>,
    /// Per-tool rate and budget, checked before the handler runs.
    pub(super) limits: Option<LimitCheck>,
}

/// A tool's rate and budget for one call's subject. Checked in the call's future, since the
/// limiter may be on Redis; the call is refused with what `answer` makes of the refusal.
pub(super) struct LimitCheck {
    pub(super) limiter: Arc<Limiter>,
    pub(super) tool: &'static str,
    pub(super) subject: String,
    pub(super) rate: Option<Rate>,
    pub(super) budget: Option<(Rate, u32)>,
    pub(super) answer: fn(RequestId, ProtocolVersion, &Limited) -> Response,
    pub(super) version: ProtocolVersion,
}

/// Which limit refused a call, its rate, and when to retry.
pub(super) struct Limited {
    pub(super) budget: bool,
    pub(super) rate: Rate,
    pub(super) retry_after_secs: u64,
}

impl LimitCheck {
    /// The first limit that refuses, if any: the call rate, then the budget (`cost` units).
    async fn run(&self) -> Option<Limited> {
        let checks = [
            self.rate.map(|rate| (false, rate, 1)),
            self.budget.map(|(rate, cost)| (true, rate, cost)),
        ];
        for (budget, rate, quantity) in checks.into_iter().flatten() {
            let layer = match budget {
                false => "tool-rate",
                true => "tool-budget",
            };
            let key = format!("{layer}:{}", self.tool);
            let decision = self
                .limiter
                .check(&key, &self.subject, rate, quantity)
                .await;
            if decision != Decision::Allowed {
                crate::metrics::rate_limited(match budget {
                    false => "tool",
                    true => "budget",
                });
                return Some(Limited {
                    budget,
                    rate,
                    retry_after_secs: decision.retry_after_secs(),
                });
            }
        }
        None
    }
}

/// A 2026-07-28 request's Multi Round-Trip state: the answers it brought, and what its
/// `requestState` is bound to.
pub(super) struct Round {
    pub(super) input: Arc<InputRound>,
    pub(super) binding: CallBinding,
}

/// How a handler that was not cancelled, and did not stop to ask the client, ended.
pub(super) enum Ended<T> {
    Ran(T),
    Panicked,
    TimedOut(Duration),
}

/// Why a call is refused before its arguments are validated.
pub(super) enum Refusal {
    /// The principal lacks one of these scopes.
    Scopes(&'static [&'static str]),
}

impl Refusal {
    /// The JSON-RPC error it is answered with.
    pub(super) fn error(&self) -> ErrorObject {
        let Refusal::Scopes(required) = self;
        ErrorObject::new(
            INSUFFICIENT_SCOPE,
            format!("Forbidden: this needs the scopes {}", required.join(" ")),
        )
        .with_data(serde_json::json!({ "requiredScopes": required }))
    }

    /// Its outcome record's class.
    pub(super) fn class(&self) -> &'static str {
        match self {
            Refusal::Scopes(_) => "InsufficientScope",
        }
    }
}

/// How the runner stopped waiting.
enum Stop<T> {
    Cancelled,
    NeedsInput,
    Ended(Ended<T>),
}

impl Exchange<'_> {
    /// Runs `handler` with a fresh [`Ctx`] and answers with what `answer` makes of its end;
    /// cancellation (no answer) and input rounds (`input_required`) are answered here.
    pub(super) fn invoke<T: Send + 'static>(
        mut self,
        invocation: Invocation,
        handler: impl FnOnce(Ctx) -> BoxFuture<'static, T>,
        answer: impl FnOnce(Ended<T>, &mut Record, RequestId) -> Response + Send + 'static,
    ) -> Reply {
        let Invocation {
            mut record,
            timeout,
            round,
            limits,
        } = invocation;
        let session = Arc::clone(self.session);
        let id = self.id.clone();
        let cancellation = session.begin_request(&id);
        let channel = session.request_sink(
            self.version,
            self.meta.progress_token.take(),
            self.meta.log_level,
            self.sink,
        );
        let client = match &round {
            Some(round) => ClientLink::Rounds(Arc::clone(&round.input)),
            None if self.version.is_modern() => {
                ClientLink::Detached(std::mem::take(&mut self.meta.client_capabilities))
            }
            None => ClientLink::Session {
                peer: Arc::clone(&session.peer),
                timeout: self.shared().client_request_timeout,
            },
        };
        let ctx = Ctx::from(CtxParts {
            request_id: id.clone(),
            protocol_version: self.version,
            cancellation: cancellation.clone(),
            channel: Arc::clone(&channel),
            client,
            extensions: Arc::clone(self.extensions),
        });
        // The catch-all: a panic anywhere in narrowing or in the handler's future is an answer.
        let run = AssertUnwindSafe(Guarded(handler(ctx))).catch_unwind();
        let running = crate::metrics::call_running();
        Reply::Later(Box::pin(async move {
            let _running = running;
            if let Some(check) = &limits
                && let Some(limited) = check.run().await
            {
                channel.finish();
                if let Some(round) = &round {
                    round.input.end();
                }
                session.end_request(&id);
                record.finish(Outcome::Refused(match limited.budget {
                    false => "RateLimited",
                    true => "BudgetExhausted",
                }));
                return Some((check.answer)(id, check.version, &limited));
            }
            let limited = async {
                match timeout {
                    Some(limit) => tokio::time::timeout(limit, run).await.ok(),
                    None => Some(run.await),
                }
            };
            let needs_input = async {
                match &round {
                    Some(round) => round.input.interrupted().await,
                    None => std::future::pending().await,
                }
            };
            let stop = tokio::select! {
                biased;
                // Cancellation (basic/utilities/cancellation): the receiver SHOULD stop
                // processing and not send a response for the cancelled request.
                () = cancellation.cancelled() => Stop::Cancelled,
                finished = limited => Stop::Ended(match finished {
                    Some(Ok(value)) => Ended::Ran(value),
                    // The payload may hold anything the handler had in hand: dropped unread.
                    Some(Err(_panic_payload)) => Ended::Panicked,
                    None => Ended::TimedOut(timeout.unwrap_or_default()),
                }),
                // Polled after the run, so every request of the poll that stopped it is noted.
                () = needs_input => Stop::NeedsInput,
            };
            // A handler that saw the cancellation first (through its `Ctx`) may have finished
            // in the same poll: a cancelled call is answered by nobody, whoever noticed first.
            let stop = match cancellation.is_cancelled() {
                true => Stop::Cancelled,
                false => stop,
            };
            // Progress: notifications MUST stop after completion.
            channel.finish();
            record.sent(channel.notifications_sent());
            if let Some(round) = &round {
                round.input.end();
            }
            session.end_request(&id);
            let response = match stop {
                Stop::Cancelled => {
                    record.finish(Outcome::Cancelled);
                    return None;
                }
                Stop::NeedsInput => {
                    let Some(round) = &round else {
                        unreachable!("only a 2026-07-28 request stops for input")
                    };
                    let key = &session.server.shared.state_key;
                    let response = round.input.answer(id, key, &round.binding);
                    record.set(match response.outcome.is_ok() {
                        true => Outcome::InputRequired,
                        false => Outcome::InvalidParams("InputResponses"),
                    });
                    response
                }
                Stop::Ended(ended) => answer(ended, &mut record, id),
            };
            record.write();
            Some(response)
        }))
    }

    /// On 2026-07-28 the Multi Round-Trip state a request brings (`inputResponses` and its
    /// signed `requestState`), bound to what `binding` makes; on legacy versions none (requests
    /// to the client are sent and awaited there), and the binding, a SHA-256 over the
    /// arguments, is never made. A state that does not verify is -32602.
    pub(super) fn open_round(
        &mut self,
        binding: impl FnOnce() -> CallBinding,
        input_responses: Option<Value>,
        request_state: Option<Value>,
    ) -> Result<Option<Round>, ErrorObject> {
        if !self.version.is_modern() {
            return Ok(None);
        }
        // basic/patterns/mrtr: on 2026-07-28 servers MUST use Multi Round-Trip Requests
        // instead of sending requests to the client; the retried request brings the answers.
        let binding = binding();
        let capabilities = std::mem::take(&mut self.meta.client_capabilities);
        let key = &self.shared().state_key;
        let input = InputRound::open(key, &binding, capabilities, input_responses, request_state)?;
        Ok(Some(Round {
            input: Arc::new(input),
            binding,
        }))
    }

    /// The admission step: whether a handler requiring `scopes` may run at all. Each method
    /// asks it as soon as it knows the handler, before arguments are validated, so a caller
    /// without the scopes learns nothing from validation. Servers without authentication have
    /// no principal, and admit every call.
    pub(super) fn admit(&self, scopes: &'static [&'static str]) -> Result<(), Refusal> {
        match self.principal() {
            Some(principal) if !principal.has_scopes(scopes) => Err(Refusal::Scopes(scopes)),
            _ => Ok(()),
        }
    }
}
