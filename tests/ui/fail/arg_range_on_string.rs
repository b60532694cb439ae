use mcp_runtime::prelude::*;

#[tool]
async fn search(#[arg(range(min = 1, max = 10))] query: String) -> String {
    query
}

fn main() {
    let _ = search_tool::<()>();
}
