//! Production MCP servers from plain Rust functions.
//!
//! ```no_run
//! use mcp_runtime::prelude::*;
//!
//! /// Adds two integers.
//! #[tool]
//! async fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), mcp_runtime::Error> {
//!     Server::builder(server_info!()).tool(add_tool()).build()?.serve_stdio().await
//! }
//! ```
//!
//! `#[tool]` generates the tool's JSON Schema, the validation that enforces exactly that schema
//! (bad arguments get code -32602 with every violation listed), the narrowing into typed
//! arguments, and a catch-all that turns `Err` and panics into `isError: true` results.
//! `#[mcp_server]` does the same for every `#[tool]` method of an impl block.
//! [`testing::TestClient`] drives a server in-process, for your own tests.

mod completion;
pub mod config;
mod context;
mod error;
mod failure;
mod ids;
mod limits;
pub mod logging;
mod metrics;
mod principal;
mod prompt;
mod protocol;
mod resource;
mod schema;
mod server;
mod setting_values;
#[cfg(feature = "snapshot")]
pub mod snapshot;
pub mod testing;
mod text_args;
mod tool;
pub mod transport;
mod validate;

pub mod prelude;

#[doc(hidden)]
pub mod __private;

pub use completion::{CompletionRequest, Completions, IntoCompletions};
pub use context::Ctx;
pub use context::client_requests::ClientRequestError;
pub use error::Error;
pub use failure::{IntoToolFailure, ToolError, ToolFailure};
/// The request extensions [`Ctx::extension`] reads (the `http` crate's, as axum's are).
pub use http::Extensions;
pub use limits::{ClientAddress, Decision, Limiter, Rate};
pub use mcp_macros::{mcp_server, prompt, resource, tool};
pub use principal::{AuthMethod, Principal};
pub use prompt::{IntoPromptMessages, PromptDef, PromptMessage, PromptMessages};
pub use protocol::client::ClientCapabilities;
pub use protocol::elicitation::{ElicitAction, ElicitResult, Elicitation};
pub use protocol::form_schema::{
    BooleanField, FormSchema, IntegerField, MultiSelect, NumberField, SingleSelect, StringField,
    StringFormat,
};
pub use protocol::jsonrpc::{INSUFFICIENT_SCOPE, RequestId};
pub use protocol::messages::{
    CallToolResult, Content, Implementation, Role, ToolAnnotations, ToolDescriptor,
};
pub use protocol::meta::LogLevel;
pub use protocol::roots::{ListRoots, Root};
pub use protocol::sampling::{
    CreateMessage, SamplingContent, SamplingMessage, SamplingResult, ToolChoice,
};
pub use protocol::{Era, ProtocolVersion};
pub use resource::{Blob, IntoResourceOutput, ResourceContents, ResourceDef, ResourceUpdates};
pub use server::{
    ARGUMENT_ERROR_META_KEY, ArgumentErrorChannel, CheckReport, CheckStatus, IDEMPOTENCY_KEY_META,
    McpServer, RESOURCE_NOT_FOUND, RETRY_AFTER_META_KEY, Readiness, ScopeRefusal, Server,
    ServerBuilder, UnknownArguments, WeakServer,
};
pub use tool::{IntoToolDef, IntoToolResult, Json, ToolDef};
pub use validate::{MAX_LISTED_VIOLATIONS, MAX_QUOTED_BYTES};

/// The calling crate's name and version as an [`Implementation`], for `serverInfo`.
#[macro_export]
macro_rules! server_info {
    () => {
        $crate::Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
    };
}
