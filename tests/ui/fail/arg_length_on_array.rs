use mcp_runtime::prelude::*;

#[tool]
async fn rgb(#[arg(length(max = 3))] channels: [u8; 3]) -> String {
    format!("{channels:?}")
}

fn main() {
    let _ = rgb_tool::<()>();
}
