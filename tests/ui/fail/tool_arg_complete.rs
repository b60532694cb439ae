use mcp_runtime::prelude::*;

struct Search;

#[mcp_server]
impl Search {
    #[tool]
    async fn search(&self, #[arg(complete = Self::queries)] query: String) -> String {
        query
    }

    async fn queries(&self, _request: &CompletionRequest) -> Vec<String> {
        Vec::new()
    }
}

fn main() {}
