//! `Option<T>` arguments may be left out: they are not `required`; constraints still apply.

use mcp_runtime::prelude::*;
use serde_json::json;

#[tool]
async fn list(
    status: Option<String>,
    #[arg(range(min = 1, max = 100))] limit: Option<u32>,
    #[arg(length(max = 3))] tags: Option<Vec<String>>,
    page: u32,
) -> String {
    format!("{status:?} {limit:?} {tags:?} {page}")
}

fn main() {
    let server = Server::builder(server_info!())
        .tool(list_tool())
        .build()
        .unwrap();
    let schema = &server.tools().into_iter().next().unwrap().input_schema;
    assert_eq!(schema["required"], json!(["page"]));
    assert_eq!(schema["properties"]["limit"]["maximum"], 100);
    assert_eq!(schema["properties"]["tags"]["maxItems"], 3);
}
