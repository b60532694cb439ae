use mcp_runtime::prelude::*;

#[tool]
async fn lookup(#[arg(pattern = "^[0-9]+$")] id: u64) -> String {
    id.to_string()
}

fn main() {
    let _ = lookup_tool::<()>();
}
