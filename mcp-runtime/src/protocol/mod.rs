//! The protocol: JSON-RPC framing, MCP versions and message bodies. Nothing here does I/O.

pub mod client;
pub mod elicitation;
pub mod form_schema;
pub mod jsonrpc;
pub mod messages;
pub mod meta;
pub mod roots;
pub mod sampling;
mod version;

pub use version::ProtocolVersion;
