//! What a server needs in scope: `use mcp_runtime::prelude::*;`.

pub use crate::protocol::meta::LogLevel;
pub use crate::{
    ArgumentErrorChannel, CallToolResult, Content, Ctx, Json, McpServer, Server, ToolError,
    UnknownArguments, mcp_server, server_info, tool,
};
