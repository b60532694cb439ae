//! The protocol: JSON-RPC framing, MCP versions and message bodies. Nothing here does I/O.

pub(crate) mod client;
pub(crate) mod elicitation;
pub(crate) mod form_schema;
pub(crate) mod jsonrpc;
pub(crate) mod messages;
pub(crate) mod meta;
pub(crate) mod roots;
pub(crate) mod sampling;
mod version;

pub use version::{Era, ProtocolVersion};
