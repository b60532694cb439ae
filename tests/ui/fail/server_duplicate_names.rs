use mcp_runtime::prelude::*;

struct Tickets;

#[mcp_server]
impl Tickets {
    #[tool(name = "search")]
    async fn search_open(&self) -> String {
        String::new()
    }

    #[tool(name = "search")]
    async fn search_closed(&self) -> String {
        String::new()
    }
}

fn main() {}
