use mcp_runtime::prelude::*;

struct Config;

#[mcp_server]
impl Config {
    #[resource(uri = "config://app")]
    async fn config(&self) -> u64 {
        1
    }
}

fn main() {}
