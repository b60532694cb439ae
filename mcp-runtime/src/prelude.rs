//! What a server needs in scope: `use mcp_runtime::prelude::*;`.

pub use crate::protocol::meta::LogLevel;
pub use crate::{
    ArgumentErrorChannel, BooleanField, CallToolResult, ClientRequestError, Content, CreateMessage,
    Ctx, ElicitAction, ElicitResult, Elicitation, FormSchema, IntegerField, Json, McpServer,
    MultiSelect, NumberField, SamplingMessage, SamplingResult, Server, SingleSelect, StringField,
    ToolError, UnknownArguments, mcp_server, server_info, tool,
};
