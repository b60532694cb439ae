use mcp_runtime::prelude::*;

struct Config;

#[mcp_server]
impl Config {
    #[resource(name = "config")]
    async fn config(&self) -> String {
        String::new()
    }
}

fn main() {}
