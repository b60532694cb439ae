//! How one handler's requests reach its client: sent on the session and awaited (legacy
//! versions), answered by the retried request (2026-07-28 Multi Round-Trip Requests), or not at
//! all.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Ctx;
use super::client_requests::{ClientCall, ClientPeer, ClientRequestError};
use super::mrtr::InputRound;
use crate::protocol::client::ClientCapabilities;

/// How a call reaches its client.
#[derive(Clone, Debug)]
pub(crate) enum ClientLink {
    /// Legacy versions: requests go out on the call's sink, answers come back to the session.
    Session {
        peer: Arc<ClientPeer>,
        timeout: Duration,
    },
    /// 2026-07-28: answers come with the retried request (`mrtr.rs`).
    Rounds(Arc<InputRound>),
    /// 2026-07-28 requests without input rounds here yet (`resources/read`): nothing can be
    /// asked.
    Detached(ClientCapabilities),
}

impl ClientLink {
    pub(crate) fn capabilities(&self) -> &ClientCapabilities {
        match self {
            ClientLink::Session { peer, .. } => peer.capabilities(),
            ClientLink::Rounds(round) => round.capabilities(),
            ClientLink::Detached(capabilities) => capabilities,
        }
    }

    pub(crate) async fn send<C: ClientCall>(
        &self,
        ctx: &Ctx,
        call: C,
    ) -> Result<C::Output, ClientRequestError> {
        let version = ctx.protocol_version();
        call.check(version, self.capabilities())?;
        let started = Instant::now();
        let answer = match self {
            ClientLink::Session { peer, timeout } => {
                let timeout = call.options().timeout.unwrap_or(*timeout);
                peer.ask(ctx, &call, timeout).await
            }
            ClientLink::Rounds(round) => return round.ask(ctx, &call).await,
            ClientLink::Detached(_) => return Err(ClientRequestError::NoChannel),
        };
        let outcome = match &answer {
            Ok(_) => "ok",
            Err(ClientRequestError::Client { .. }) => "client_error",
            Err(ClientRequestError::Timeout { .. }) => "timeout",
            Err(ClientRequestError::Cancelled) => "cancelled",
            Err(_) => "failed",
        };
        tracing::debug!(
            method = C::METHOD,
            outcome,
            duration_ms = started.elapsed().as_millis() as u64,
            "client request"
        );
        answer
    }
}
