use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Query {
    text: String,
}

#[tool]
async fn search(#[arg(flatten)] query: Query, limit: u32) -> String {
    format!("{} {limit}", query.text)
}

fn main() {}
