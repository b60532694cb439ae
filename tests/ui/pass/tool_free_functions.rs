//! A free `async fn` and a plain `fn`, with every constraint kind, registered on a builder.

use mcp_runtime::prelude::*;
use serde_json::json;

/// Finds tickets.
#[tool]
async fn search(
    #[arg(length(min = 1, max = 200), description = "Free text.")] query: String,
    #[arg(range(min = 1, max = 50), default = 10)] limit: u32,
    #[arg(pattern = "^[A-Z]+-[0-9]+$")] after: String,
) -> String {
    format!("{query} {limit} {after}")
}

/// Adds two integers.
#[tool]
fn add(a: i64, b: i64) -> Result<i64, ToolError> {
    a.checked_add(b).ok_or_else(|| ToolError::new("overflow"))
}

fn main() {
    let server = Server::builder(server_info!())
        .tool(search_tool())
        .tool(add_tool())
        .build()
        .unwrap();
    let tools: Vec<_> = server.tools();
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_str()).collect();
    assert_eq!(names, ["search", "add"]);

    let search = &tools[0].input_schema;
    assert_eq!(search["type"], "object");
    assert_eq!(search["required"], json!(["query", "after"]));
    assert_eq!(search["properties"]["query"]["minLength"], 1);
    assert_eq!(search["properties"]["query"]["maxLength"], 200);
    assert_eq!(search["properties"]["query"]["description"], "Free text.");
    assert_eq!(search["properties"]["limit"]["minimum"], 1);
    assert_eq!(search["properties"]["limit"]["maximum"], 50);
    assert_eq!(search["properties"]["limit"]["default"], 10);
    assert_eq!(search["properties"]["after"]["pattern"], "^[A-Z]+-[0-9]+$");
    assert_eq!(tools[0].description.as_deref(), Some("Finds tickets."));
    assert!(tools[0].output_schema.is_none());

    let add = &tools[1].input_schema;
    assert_eq!(add["required"], json!(["a", "b"]));
    assert_eq!(tools[1].description.as_deref(), Some("Adds two integers."));
}
