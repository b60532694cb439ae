use mcp_runtime::prelude::*;

#[tool]
async fn search(#[arg(max_length = 10)] query: String) -> String {
    query
}

fn main() {}
