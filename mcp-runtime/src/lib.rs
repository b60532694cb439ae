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

mod completion;
mod context;
mod error;
mod failure;
mod ids;
pub mod logging;
pub mod prompt;
pub mod protocol;
pub mod resource;
mod schema;
pub mod server;
#[cfg(feature = "snapshot")]
pub mod snapshot;
mod text_args;
pub mod tool;
pub mod transport;
pub mod validate;

pub mod prelude;

#[doc(hidden)]
pub mod __private;

pub use completion::{CompletionRequest, Completions, IntoCompletions};
pub use context::Ctx;
pub use error::Error;
pub use mcp_macros::{mcp_server, prompt, resource, tool};
pub use prompt::{PromptDef, PromptMessage, PromptMessages, Role};
pub use protocol::client::ClientCapabilities;
pub use protocol::elicitation::{ElicitAction, ElicitResult, Elicitation};
pub use protocol::form_schema::{
    BooleanField, FormSchema, IntegerField, MultiSelect, NumberField, SingleSelect, StringField,
    StringFormat,
};
pub use protocol::messages::{CallToolResult, Content, Implementation};
pub use protocol::roots::{ListRoots, Root};
pub use protocol::sampling::{CreateMessage, SamplingContent, SamplingMessage, SamplingResult};
pub use resource::{Blob, ResourceContents, ResourceDef, ResourceUpdates};
pub use server::{
    ArgumentErrorChannel, ClientRequestError, McpServer, Server, ServerBuilder, UnknownArguments,
    WeakServer,
};
pub use tool::{Json, ToolDef, ToolError};

/// The calling crate's name and version as an [`Implementation`], for `serverInfo`.
#[macro_export]
macro_rules! server_info {
    () => {
        $crate::Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
    };
}
