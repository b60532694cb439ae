use mcp_runtime::prelude::*;

struct Counter;

#[mcp_server]
impl Counter {
    #[tool]
    async fn bump(&mut self) -> String {
        String::new()
    }
}

fn main() {}
