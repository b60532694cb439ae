use mcp_runtime::prelude::*;

#[tool]
async fn repeat(#[arg(range(min = 1, max = 300))] times: u8) -> String {
    times.to_string()
}

fn main() {}
