use mcp_runtime::prelude::*;

#[tool]
fn search(query: String, #[arg(name = "query")] text: String) -> String {
    format!("{query} {text}")
}

fn main() {}
