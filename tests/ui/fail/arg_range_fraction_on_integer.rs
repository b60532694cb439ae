use mcp_runtime::prelude::*;

#[tool]
async fn repeat(#[arg(range(min = 1.5, max = 10))] times: u8) -> String {
    times.to_string()
}

fn main() {}
