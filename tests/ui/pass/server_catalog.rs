//! Resources, a template with a typed variable and completion, and a prompt, beside a tool.

use mcp_runtime::prelude::*;

struct Library;

#[mcp_server(name = "library")]
impl Library {
    /// Counts the books.
    #[tool]
    fn count(&self) -> u32 {
        2
    }

    /// The shelf plan.
    #[resource(uri = "library://plan", mime_type = "text/markdown")]
    fn plan(&self) -> &'static str {
        "# Plan"
    }

    /// One book.
    #[resource(uri = "book://{number}", name = "book")]
    async fn book(
        &self,
        #[arg(complete = Self::numbers)] number: u32,
        ctx: &Ctx,
    ) -> Option<String> {
        let _ = ctx.is_cancelled();
        (number < 3).then(|| format!("book {number}"))
    }

    async fn numbers(&self, request: &CompletionRequest) -> Vec<&'static str> {
        ["1", "2"].into_iter().filter(|n| n.starts_with(request.value())).collect()
    }

    /// Asks for a summary.
    #[prompt(title = "Summarise")]
    fn summarise(&self, #[arg(description = "The book.")] book: String, words: Option<u32>) -> String {
        format!("Summarise {book} in {} words.", words.unwrap_or(100))
    }
}

fn main() {
    let server = Library.into_server().unwrap();
    let capabilities = server.capabilities();
    assert_eq!(capabilities["resources"]["subscribe"], true);
    assert_eq!(capabilities["prompts"]["listChanged"], false);
    assert!(capabilities.get("completions").is_some());
    assert_eq!(server.tools().len(), 1);
}
