use mcp_runtime::prelude::*;

#[tool(timeout = "soon")]
async fn wait() -> String {
    String::new()
}

fn main() {}
