use mcp_runtime::prelude::*;

struct Prompts;

#[mcp_server]
impl Prompts {
    #[prompt]
    async fn review(&self, #[arg(length(max = 10))] code: String) -> String {
        code
    }
}

fn main() {}
