use mcp_runtime::prelude::*;

#[tool]
async fn lookup(#[arg(pattern = "^(?=T-)[A-Z0-9-]+$")] id: String) -> String {
    id
}

fn main() {}
