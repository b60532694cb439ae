//! What a server needs in scope: `use mcp_runtime::prelude::*;`.

pub use crate::transport::Serve;
pub use crate::{
    ArgumentErrorChannel, Blob, BooleanField, CallToolResult, ClientRequestError,
    CompletionRequest, Completions, Content, CreateMessage, Ctx, ElicitAction, ElicitResult,
    Elicitation, FormSchema, IntegerField, Json, ListRoots, LogLevel, McpServer, MultiSelect,
    NumberField, Principal, PromptMessage, PromptMessages, ResourceContents, Root, SamplingMessage,
    SamplingResult, ScopeRefusal, Server, SingleSelect, StringField, ToolError, UnknownArguments,
    mcp_server, prompt, resource, server_info, tool,
};
