//! `#[tool(name, title, description)]` override the function name and the doc comment;
//! `timeout` and `#[arg(sensitive)]` are accepted.

use mcp_runtime::prelude::*;

/// This doc comment is replaced by `description`.
#[tool(
    name = "tickets.search",
    title = "Search tickets",
    description = "Finds tickets by text.",
    timeout = "30s"
)]
async fn search_tickets(query: String, #[arg(sensitive)] api_token: Option<String>) -> String {
    let _ = api_token;
    query
}

/// Kept as the description.
#[tool(title = "Ping")]
fn ping() -> &'static str {
    "pong"
}

fn main() {
    // The generated definition is named after the function, not the tool.
    let server = Server::builder(server_info!())
        .tool(search_tickets_tool())
        .tool(ping_tool())
        .build()
        .unwrap();
    let tools: Vec<_> = server.tools();
    assert_eq!(tools[0].name, "tickets.search");
    assert_eq!(tools[0].title.as_deref(), Some("Search tickets"));
    assert_eq!(
        tools[0].description.as_deref(),
        Some("Finds tickets by text.")
    );
    assert_eq!(tools[1].name, "ping");
    assert_eq!(tools[1].title.as_deref(), Some("Ping"));
    assert_eq!(
        tools[1].description.as_deref(),
        Some("Kept as the description.")
    );
}
