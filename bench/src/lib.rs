//! What `cargo xtask bench` runs besides the servers under test.
//!
//! - `mcp_load` (binary): Streamable HTTP load at N connections ([`load`]), idle legacy
//!   sessions held with their SSE streams open ([`sessions`]), and sequential calls over stdio
//!   ([`stdio`]); each prints one JSON line.
//! - `ceiling` (binary): plain axum answering a fixed `tools/call` result ([`ceiling`]), the
//!   reference the framework's numbers are quoted against.
//! - `benches/arguments.rs`: criterion micro-benchmarks of validation and narrowing of the
//!   ticketing tools' arguments.
//!
//! The client is hyper's bare HTTP/1.1 connection ([`client`]): the load generator shares a
//! core with nothing but itself, so it must cost as little per request as it can.

pub mod ceiling;
pub mod client;
pub mod latency;
pub mod load;
pub mod sessions;
pub mod stdio;
