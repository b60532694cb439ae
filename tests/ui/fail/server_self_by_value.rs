use mcp_runtime::prelude::*;

struct Counter;

#[mcp_server]
impl Counter {
    #[tool]
    async fn consume(self) -> String {
        String::new()
    }
}

fn main() {}
