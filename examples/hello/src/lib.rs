//! hello: the smallest mcp-runtime server, three tools.
//!
//! The binary serves it over stdio (Streamable HTTP with `--http [ADDR]`); tests build it
//! in-process with [`server`].

use mcp_runtime::prelude::*;

/// Adds two integers.
#[tool(read_only, idempotent)]
pub async fn add(a: i64, b: i64) -> Result<String, ToolError> {
    match a.checked_add(b) {
        Some(sum) => Ok(sum.to_string()),
        None => Err(ToolError::new("the sum does not fit in a 64-bit integer")),
    }
}

/// Echoes the message back.
#[tool(read_only, idempotent)]
pub async fn echo(
    #[arg(length(min = 1, max = 1000), description = "The text to echo.")] message: String,
) -> String {
    message
}

/// Divides `a` by `b`.
#[tool(read_only, idempotent)]
pub fn divide(a: f64, b: f64) -> Result<f64, ToolError> {
    if b == 0.0 {
        return Err(ToolError::new("cannot divide by zero; pass a non-zero `b`"));
    }
    Ok(a / b)
}

/// The hello server: its crate's name and version, and the three tools.
pub fn server() -> Result<Server, mcp_runtime::Error> {
    Server::builder(server_info!())
        .tool(add_tool())
        .tool(echo_tool())
        .tool(divide_tool())
        .build()
}
