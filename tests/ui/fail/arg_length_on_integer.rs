use mcp_runtime::prelude::*;

#[tool]
async fn top(#[arg(length(max = 10))] limit: u32) -> String {
    limit.to_string()
}

fn main() {
    let _ = top_tool::<()>();
}
