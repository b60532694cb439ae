//! A server with resources, resource templates, prompts and completion hooks for every behaviour
//! the tests exercise: typed template variables, not found, `ToolError`s, internal errors,
//! panics, binary contents, optional prompt arguments, and resource updates.
//!
//! `--stdio` or `--http [ADDR]` (stdio by default, so tests can spawn it bare).

use mcp_runtime::ResourceUpdates;
use mcp_runtime::prelude::*;
use mcp_runtime::transport::Transport;
use serde::Deserialize;
use serde_json::{Value, json};

struct CatalogServer {
    updates: ResourceUpdates,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Tone {
    Formal,
    Casual,
}

#[mcp_server(instructions = "Catalog fixtures for mcp-runtime.")]
impl CatalogServer {
    /// A fixed text resource.
    #[resource(
        uri = "test://static-text",
        title = "Static text",
        mime_type = "text/plain"
    )]
    async fn static_text(&self) -> &'static str {
        "This is the content of the static text resource."
    }

    /// Four bytes.
    #[resource(uri = "test://static-binary", mime_type = "image/png")]
    fn static_binary(&self) -> Blob {
        Blob(vec![0x89, b'P', b'N', b'G'])
    }

    /// Changes when `touch` is called.
    #[resource(uri = "test://watched")]
    fn watched(&self) -> String {
        "watched".to_owned()
    }

    /// Fails with a message for the client.
    #[resource(uri = "test://refused")]
    fn refused(&self) -> Result<String, ToolError> {
        Err(ToolError::new("this resource is not available to you"))
    }

    /// Fails with an internal error.
    #[resource(uri = "test://broken")]
    fn broken(&self) -> Result<String, std::io::Error> {
        Err(std::io::Error::other("secret detail /home/alice"))
    }

    /// Items 1 to 100; item 13 panics; others do not exist.
    #[resource(uri = "item://{id}", name = "item", mime_type = "application/json")]
    async fn item(
        &self,
        #[arg(description = "The item number.", complete = Self::item_ids)] id: u32,
        ctx: &Ctx,
    ) -> Option<Json<Value>> {
        ctx.log(mcp_runtime::prelude::LogLevel::Info, "reading an item");
        match id {
            13 => panic!("item 13 holds a secret"),
            1..=100 => Some(Json(json!({"id": id, "name": format!("item {id}")}))),
            _ => None,
        }
    }

    /// Files under a directory, by path (the variable may contain `/`).
    #[resource(uri = "file:///{+path}")]
    async fn file(&self, path: String) -> ResourceContents {
        ResourceContents::text(format!("file:///{path}"), format!("contents of {path}"))
            .mime_type("text/x-path")
    }

    async fn item_ids(&self, request: &CompletionRequest) -> Vec<String> {
        (1..=150)
            .map(|n| n.to_string())
            .filter(|id| id.starts_with(request.value()))
            .collect()
    }

    /// Greets someone.
    #[prompt(title = "Greeting")]
    async fn greet(
        &self,
        #[arg(description = "Who to greet.", complete = Self::names)] name: String,
        #[arg(description = "How to greet.")] tone: Option<Tone>,
        #[arg(description = "How many times.")] times: Option<u8>,
    ) -> Vec<PromptMessage> {
        let greeting = match tone {
            Some(Tone::Formal) => "Good day",
            Some(Tone::Casual) | None => "Hi",
        };
        let text = vec![format!("{greeting}, {name}!"); usize::from(times.unwrap_or(1))].join(" ");
        vec![
            PromptMessage::user(Content::text(text)),
            PromptMessage::assistant(Content::embedded(
                ResourceContents::text("test://static-text", "embedded").mime_type("text/plain"),
            )),
        ]
    }

    async fn names(&self, request: &CompletionRequest) -> Vec<&'static str> {
        let tone = request.context("tone");
        ["alice", "alfred", "bob"]
            .into_iter()
            .filter(|name| name.starts_with(request.value()))
            .filter(|name| tone != Some("formal") || *name != "bob")
            .collect()
    }

    /// Always panics.
    #[prompt(name = "panicking_prompt")]
    fn panics(&self) -> String {
        panic!("a prompt panic with a secret");
    }

    /// Announces an update of a resource to its subscribers.
    #[tool]
    fn touch(&self, uri: String) -> &'static str {
        self.updates.notify(&uri);
        "touched"
    }
}

#[tokio::main]
async fn main() -> Result<(), mcp_runtime::Error> {
    mcp_runtime::logging::init_stderr();
    let updates = ResourceUpdates::new();
    let server = CatalogServer {
        updates: updates.clone(),
    }
    .into_builder()
    .resource_updates(updates)
    .page_size(3)
    .build()?;
    let transport = match std::env::args().nth(1) {
        None => Transport::Stdio,
        Some(_) => Transport::from_env()?,
    };
    transport.serve(server).await
}
