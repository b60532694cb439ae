//! A server with a tool for every behaviour the tests exercise: panics, internal errors, every
//! constraint kind, optional and defaulted arguments, a flattened struct, structured output,
//! cancellation and the context.
//!
//! Options come from the environment so one binary serves every test:
//! `TEST_SERVER_ARGUMENT_ERRORS` = `json-rpc` | `tool-result`, `TEST_SERVER_PAGE_SIZE`,
//! `TEST_SERVER_UNKNOWN_ARGUMENTS` = `ignore`, `TEST_SERVER_MAX_LINE_BYTES`.

use std::time::Duration;

use mcp_runtime::prelude::*;
use mcp_runtime::transport::Transport;
use mcp_runtime::transport::stdio::{self, StdioOptions};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

struct TestServer;

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    Open,
    Closed,
}

/// Arguments of `test_flatten`, as one struct.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Search {
    /// Free text.
    #[schemars(length(min = 1, max = 20))]
    query: String,
    /// At most this many.
    #[schemars(range(min = 1, max = 5))]
    limit: Option<u8>,
}

#[derive(Serialize, JsonSchema)]
struct Stats {
    count: u32,
    mean: f64,
}

#[mcp_server(instructions = "Test fixtures for mcp-runtime.")]
impl TestServer {
    /// Panics, always.
    #[tool]
    async fn test_panic(
        &self,
        #[arg(description = "Put in the panic message.")] message: String,
    ) -> String {
        panic!("test_panic was called with {message}");
    }

    /// Fails with an error that is not a `ToolError`.
    #[tool]
    async fn test_internal_error(&self) -> Result<String, std::io::Error> {
        Err(std::io::Error::other("secret detail /home/alice/.ssh"))
    }

    /// Every constraint kind at once.
    #[tool(name = "test_constraints", read_only)]
    async fn constraints(
        &self,
        #[arg(range(min = 1, max = 50))] count: i64,
        #[arg(length(min = 1, max = 5))] name: String,
        #[arg(pattern = "^[a-z]+$")] slug: String,
        status: Option<Status>,
        #[arg(range(min = 0.5, max = 2.5), default = 1.0)] ratio: f64,
        #[arg(length(max = 3))] tags: Option<Vec<String>>,
    ) -> String {
        let status = match status {
            Some(Status::Open) => "open",
            Some(Status::Closed) => "closed",
            None => "none",
        };
        format!(
            "count={count} name={name} slug={slug} status={status} ratio={ratio} tags={}",
            tags.map_or(0, |t| t.len())
        )
    }

    /// Takes its arguments as one struct.
    #[tool]
    async fn test_flatten(&self, #[arg(flatten)] search: Search) -> String {
        format!("{}:{}", search.query, search.limit.unwrap_or(0))
    }

    /// Returns structured output.
    #[tool(read_only)]
    fn test_json(&self, values: Vec<f64>) -> Json<Stats> {
        let count = values.len() as u32;
        let mean = if values.is_empty() {
            0.0
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        };
        Json(Stats { count, mean })
    }

    /// Returns structured output that is not an object (wrapped as `{"result": …}`).
    #[tool(read_only)]
    fn test_json_list(&self, n: u8) -> Json<Vec<u8>> {
        Json((0..n).collect())
    }

    /// Sleeps, honouring cancellation.
    #[tool]
    async fn test_sleep(&self, ctx: &Ctx, #[arg(range(min = 0, max = 60000))] ms: u64) -> String {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(ms)) => format!("slept {ms} ms"),
            () = ctx.cancelled() => "cancelled".to_owned(),
        }
    }

    /// Sends `steps` progress notifications and info log messages, `delay_ms` apart, then
    /// answers; stops early when cancelled.
    #[tool]
    async fn test_progress(
        &self,
        ctx: &Ctx,
        #[arg(range(min = 1, max = 1000))] steps: u32,
        #[arg(range(min = 0, max = 10000), default = 0)] delay_ms: u64,
    ) -> String {
        let mut sent = 0;
        for step in 1..=steps {
            if ctx.progress(f64::from(step), Some(f64::from(steps)), Some("working")) {
                sent += 1;
            }
            ctx.log(LogLevel::Info, serde_json::json!({"step": step}));
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(delay_ms)) => {}
                () = ctx.cancelled() => return "cancelled".to_owned(),
            }
        }
        format!("sent {sent} progress notifications")
    }

    /// Adds the tool `test_extra` if it is missing, removes it if present (the tool set
    /// changes: clients that listen get `notifications/tools/list_changed`).
    #[tool]
    fn test_toggle_extra(&self) -> String {
        let server = RUNNING.get().expect("the server is running");
        if server.remove_tool("test_extra") {
            "removed".to_owned()
        } else {
            server
                .add_tool(test_extra_tool::<TestServer>())
                .expect("test_extra is added once");
            "added".to_owned()
        }
    }

    /// Tells what the context holds.
    #[tool]
    fn test_context(&self, ctx: &Ctx) -> String {
        format!(
            "version={} request={}",
            ctx.protocol_version(),
            ctx.request_id()
        )
    }

    /// Adds two integers; `i64` has no bound in its schema, so narrowing checks the range.
    #[tool]
    fn test_add(&self, a: i64, b: i64) -> i64 {
        a.wrapping_add(b)
    }

    /// Logs its arguments the way a careless handler would; redaction must catch them.
    #[tool]
    async fn test_log_user_fields(
        &self,
        email: String,
        note: String,
        #[arg(sensitive)] ssn: String,
    ) -> String {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Args<'a> {
            note: &'a str,
        }
        let args = Args { note: &note };
        tracing::info!(email = %email, ?args, ssn = %ssn, "handler saw its arguments");
        tracing::warn!("free text mentioning {email}");
        "logged".to_owned()
    }

    /// Fails with the message it is given (a `ToolError`, shown to the client, never logged).
    #[tool]
    fn test_echo_error(&self, message: String) -> Result<(), ToolError> {
        Err(ToolError::new(message))
    }

    /// Sleeps past its own time limit.
    #[tool(timeout = "100ms")]
    async fn test_timeout(&self) -> String {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "unreachable".to_owned()
    }

    /// Fails with a message for the client.
    #[tool]
    fn test_tool_error(&self) -> Result<(), ToolError> {
        Err(ToolError::new("this tool always fails"))
    }
}

#[tokio::main]
async fn main() -> Result<(), mcp_runtime::Error> {
    mcp_runtime::logging::init_stderr();
    let env = |key: &str| std::env::var(key).ok();
    let mut builder = TestServer.into_builder();
    builder = match env("TEST_SERVER_ARGUMENT_ERRORS").as_deref() {
        Some("json-rpc") => builder.argument_errors(ArgumentErrorChannel::JsonRpcError),
        Some("tool-result") => builder.argument_errors(ArgumentErrorChannel::ToolResult),
        _ => builder,
    };
    if let Some(size) = env("TEST_SERVER_PAGE_SIZE").and_then(|s| s.parse().ok()) {
        builder = builder.page_size(size);
    }
    if env("TEST_SERVER_UNKNOWN_ARGUMENTS").as_deref() == Some("ignore") {
        builder = builder.unknown_arguments(UnknownArguments::Ignore);
    }
    let mut options = StdioOptions::default();
    if let Some(max) = env("TEST_SERVER_MAX_LINE_BYTES").and_then(|s| s.parse().ok()) {
        options.max_line_bytes = max;
    }
    let server = builder.build()?;
    let _ = RUNNING.set(server.clone());
    match Transport::from_env()? {
        Transport::Stdio => stdio::serve(server, options).await,
        http => http.serve(server).await,
    }
}

/// The running server, for the tool that changes the tool set.
static RUNNING: std::sync::OnceLock<Server> = std::sync::OnceLock::new();

/// Exists only while `test_toggle_extra` says so.
#[tool]
fn test_extra() -> &'static str {
    "extra"
}
