//! Wire names: a raw identifier loses its `r#`, `#[arg(name = "…")]` renames.

use mcp_runtime::prelude::*;
use serde_json::json;

#[tool]
fn r#match(r#type: String, #[arg(name = "max-results")] max_results: u32) -> String {
    format!("{type} {max_results}", type = r#type)
}

fn main() {
    let server = Server::builder(server_info!())
        .tool(match_tool())
        .build()
        .unwrap();
    let tool = server.tools().into_iter().next().unwrap();
    assert_eq!(tool.name, "match");
    assert_eq!(
        tool.input_schema["required"],
        json!(["type", "max-results"])
    );
    assert!(tool.input_schema["properties"].get("type").is_some());
    assert!(tool.input_schema["properties"].get("r#type").is_none());
}
