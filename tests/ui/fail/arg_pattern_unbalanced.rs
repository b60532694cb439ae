use mcp_runtime::prelude::*;

#[tool]
async fn lookup(#[arg(pattern = "^(T-[0-9]+$")] id: String) -> String {
    id
}

fn main() {}
