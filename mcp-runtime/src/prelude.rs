//! What a server needs in scope: `use mcp_runtime::prelude::*;`.

pub use crate::protocol::meta::LogLevel;
pub use crate::{
    ArgumentErrorChannel, Blob, CallToolResult, CompletionRequest, Completions, Content, Ctx, Json,
    McpServer, PromptMessage, PromptMessages, ResourceContents, Server, ToolError,
    UnknownArguments, mcp_server, prompt, resource, server_info, tool,
};
