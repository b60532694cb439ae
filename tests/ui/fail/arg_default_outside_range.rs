use mcp_runtime::prelude::*;

#[tool]
async fn top(#[arg(range(min = 1, max = 50), default = 100)] limit: u32) -> String {
    limit.to_string()
}

fn main() {}
