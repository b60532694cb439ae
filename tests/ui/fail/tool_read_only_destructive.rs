use mcp_runtime::prelude::*;

#[tool(read_only, destructive)]
async fn purge() -> String {
    String::new()
}

fn main() {}
