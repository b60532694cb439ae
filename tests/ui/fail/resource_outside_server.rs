use mcp_runtime::prelude::*;

#[resource(uri = "config://app")]
async fn config() -> String {
    String::new()
}

fn main() {}
