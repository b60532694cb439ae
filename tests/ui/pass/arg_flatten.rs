//! `#[arg(flatten)]`: one struct is the whole arguments object, next to the context.

use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

/// The arguments of `search`.
#[derive(Deserialize, JsonSchema)]
struct Search {
    /// Free text.
    query: String,
    /// At most this many.
    #[schemars(range(min = 1, max = 5))]
    limit: Option<u8>,
}

struct Index;

#[mcp_server]
impl Index {
    /// Searches.
    #[tool]
    async fn search(&self, ctx: &Ctx, #[arg(flatten)] search: Search) -> String {
        let _ = ctx;
        format!("{} {:?}", search.query, search.limit)
    }
}

fn main() {
    let server = Index.into_server().unwrap();
    let tool = server.tools().into_iter().next().unwrap();
    let schema = &tool.input_schema;
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["required"], json!(["query"]));
    assert_eq!(schema["properties"]["limit"]["maximum"], 5);
    assert!(schema["properties"].get("search").is_none());
}
