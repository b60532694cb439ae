use mcp_runtime::prelude::*;

#[tool]
fn top(#[arg(default = "ten")] limit: u32) -> String {
    limit.to_string()
}

fn main() {
    let _ = top_tool::<()>();
}
