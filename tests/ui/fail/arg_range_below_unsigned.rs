use mcp_runtime::prelude::*;

#[tool]
async fn offset(#[arg(range(min = -10, max = 10))] by: Option<u32>) -> String {
    format!("{by:?}")
}

fn main() {}
