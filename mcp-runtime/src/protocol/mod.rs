//! The protocol: JSON-RPC framing, MCP versions and message bodies. Nothing here does I/O.

pub mod jsonrpc;
pub mod messages;
pub mod meta;
mod version;

pub use version::ProtocolVersion;
