//! The optional context parameter of a tool: who is asking, in which protocol, and whether they
//! still want the answer.

use tokio_util::sync::CancellationToken;

use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::RequestId;

/// Per-call context. Take it as a `&Ctx` parameter of a `#[tool]` function.
#[derive(Clone, Debug)]
pub struct Ctx {
    request_id: RequestId,
    protocol_version: ProtocolVersion,
    cancellation: CancellationToken,
}

impl Ctx {
    pub(crate) fn new(
        request_id: RequestId,
        protocol_version: ProtocolVersion,
        cancellation: CancellationToken,
    ) -> Self {
        Ctx {
            request_id,
            protocol_version,
            cancellation,
        }
    }

    /// The JSON-RPC id of the `tools/call` request.
    pub fn request_id(&self) -> &RequestId {
        &self.request_id
    }

    /// The protocol version negotiated with the client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.protocol_version
    }

    /// Whether the client cancelled the call (`notifications/cancelled`).
    ///
    /// The runtime stops polling a cancelled call by itself; check this in long synchronous loops.
    pub fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }

    /// Completes when the client cancels the call.
    pub async fn cancelled(&self) {
        self.cancellation.cancelled().await
    }

    /// The cancellation token, to hand to work the call spawns.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.cancellation
    }
}
