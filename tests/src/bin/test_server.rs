//! A server with a tool for every behaviour the tests exercise: panics, internal errors, every
//! constraint kind, optional and defaulted arguments, a flattened struct, structured output,
//! cancellation, the context, and requests to the client (sampling, elicitation, SEP-1699).
//!
//! Options come from the environment so one binary serves every test:
//! `TEST_SERVER_ARGUMENT_ERRORS` = `json-rpc` | `tool-result`, `TEST_SERVER_PAGE_SIZE`,
//! `TEST_SERVER_UNKNOWN_ARGUMENTS` = `ignore`, `TEST_SERVER_MAX_LINE_BYTES`,
//! `TEST_SERVER_CLIENT_TIMEOUT_MS` (how long tools wait for the client's answers),
//! `TEST_SERVER_SCOPE_REFUSAL` = `tool-result`, `TEST_SERVER_READY_FILE` (a readiness check
//! `file` that passes while the file exists). A shutdown hook logs `test shutdown hook`.

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

    /// Fails with an error that is not a `ToolError`, converted by `?`.
    #[tool]
    async fn test_internal_error(&self) -> Result<String, ToolError> {
        let detail = "secret detail /home/alice/.ssh of canary.user@example.org";
        Err(std::io::Error::other(detail))?; // error_location points here.
        Ok(String::new())
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

    /// Bounded by its argument types: the schema says what narrowing would hold to.
    #[tool(read_only)]
    async fn test_integer_bounds(
        &self,
        #[arg(range(min = 1))] small: u8,
        wide: u32,
        signed: Option<i16>,
    ) -> String {
        format!("small={small} wide={wide} signed={signed:?}")
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

    /// Who is calling, as the verified credential says (needs `probe:read`).
    #[tool(scopes = ["probe:read"], read_only)]
    fn test_whoami(&self, ctx: &Ctx) -> Json<serde_json::Value> {
        Json(match ctx.principal() {
            None => serde_json::json!({"authenticated": false}),
            Some(principal) => serde_json::json!({
                "authenticated": true,
                "subject": principal.subject(),
                "scopes": principal.scopes(),
                "tenant": principal.tenant(),
                "method": format!("{:?}", principal.method()),
                "email": principal.claim::<String>("email"),
            }),
        })
    }

    /// Needs `things:write`.
    #[tool(scopes = ["things:write"])]
    fn test_write(&self, note: String) -> String {
        format!("written: {note}")
    }

    /// At most 3 calls per 2 s per caller.
    #[tool(rate_limit = "3/2s")]
    fn test_limited(&self) -> &'static str {
        "within the limit"
    }

    /// Draws 4 units of a budget of 10 per 2 s per caller.
    #[tool(cost = 4, budget = "10/2s")]
    fn test_costly(&self) -> &'static str {
        "within the budget"
    }

    /// A resource that needs `things:read`.
    #[resource(uri = "things://secret", scopes = ["things:read"])]
    fn secret_thing(&self) -> String {
        "the secret thing".to_owned()
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

    /// Asks the client's model to complete `prompt` (`sampling/createMessage`).
    #[tool]
    async fn test_sampling(&self, ctx: &Ctx, prompt: String) -> Result<String, ClientRequestError> {
        let answer = ctx
            .sample(CreateMessage::user_text(prompt).max_tokens(100))
            .await?;
        Ok(format!(
            "LLM response: {} (model {})",
            answer.text().unwrap_or_default(),
            answer.model
        ))
    }

    /// Asks the user for a username and an email address (`elicitation/create`, form mode),
    /// waiting at most `timeout_ms` when given.
    #[tool]
    async fn test_elicitation(
        &self,
        ctx: &Ctx,
        message: String,
        timeout_ms: Option<u64>,
    ) -> Result<String, ToolError> {
        let form = FormSchema::new()
            .required(
                "username",
                StringField::new().description("User's response"),
            )
            .required(
                "email",
                StringField::new().description("User's email address"),
            );
        let mut request = Elicitation::form(message, form);
        if let Some(ms) = timeout_ms {
            request = request.timeout(Duration::from_millis(ms));
        }
        let answer = ctx.elicit(request).await?;
        Ok(describe(&answer))
    }

    /// Asks the user to open a URL (`elicitation/create`, URL mode).
    #[tool]
    async fn test_elicitation_url(&self, ctx: &Ctx) -> Result<String, ClientRequestError> {
        let request = Elicitation::url(
            "Please connect your account.",
            "https://example.com/connect",
        )
        .elicitation_id("e-42");
        let answer = ctx.elicit(request).await?;
        Ok(describe(&answer))
    }

    /// SEP-1034: a form with a default for every primitive type.
    #[tool]
    async fn test_elicitation_sep1034_defaults(
        &self,
        ctx: &Ctx,
    ) -> Result<String, ClientRequestError> {
        let form = FormSchema::new()
            .optional("name", StringField::new().default("John Doe"))
            .optional("age", IntegerField::new().default(30))
            .optional("score", NumberField::new().default(95.5))
            .optional(
                "status",
                SingleSelect::new(["active", "inactive", "pending"]).default("active"),
            )
            .optional("verified", BooleanField::new().default(true));
        let message = "Please review and update the form fields with defaults";
        let answer = ctx.elicit(Elicitation::form(message, form)).await?;
        Ok(format!("Elicitation completed: {}", describe(&answer)))
    }

    /// SEP-1330: a form with all five enum shapes.
    #[tool]
    async fn test_elicitation_sep1330_enums(
        &self,
        ctx: &Ctx,
    ) -> Result<String, ClientRequestError> {
        let form = FormSchema::new()
            .optional(
                "untitledSingle",
                SingleSelect::new(["option1", "option2", "option3"]),
            )
            .optional(
                "titledSingle",
                SingleSelect::titled([("value1", "First Option"), ("value2", "Second Option")]),
            )
            .optional(
                "legacyEnum",
                SingleSelect::legacy_titled([("opt1", "Option One"), ("opt2", "Option Two")]),
            )
            .optional(
                "untitledMulti",
                MultiSelect::new(["option1", "option2", "option3"]),
            )
            .optional(
                "titledMulti",
                MultiSelect::titled([("value1", "First Choice"), ("value2", "Second Choice")]),
            );
        let message = "Please select options from the enum fields";
        let answer = ctx.elicit(Elicitation::form(message, form)).await?;
        Ok(format!("Elicitation completed: {}", describe(&answer)))
    }

    /// Asks for a name, then for an age: two requests, so two rounds on 2026-07-28.
    #[tool]
    async fn test_two_questions(&self, ctx: &Ctx) -> Result<String, ClientRequestError> {
        let name = ctx
            .elicit(Elicitation::form(
                "What is your name?",
                FormSchema::new().required("name", StringField::new()),
            ))
            .await?;
        let age = ctx
            .elicit(Elicitation::form(
                "How old are you?",
                FormSchema::new().required("age", IntegerField::new().minimum(0)),
            ))
            .await?;
        Ok(format!("{} / {}", describe(&name), describe(&age)))
    }

    /// The conformance suite's MRTR tool: asks for a name under the key `user_name`.
    #[tool]
    async fn test_input_required_result_elicitation(
        &self,
        ctx: &Ctx,
    ) -> Result<String, ClientRequestError> {
        let request = Elicitation::form(
            "What is your name?",
            FormSchema::new().required("name", StringField::new()),
        )
        .key("user_name");
        let answer = ctx.elicit(request).await?;
        let name = answer
            .accepted()
            .and_then(|c| c.get("name")?.as_str().map(str::to_owned));
        Ok(format!("Hello, {}!", name.unwrap_or_default()))
    }

    /// Closes its SSE stream mid-call (SEP-1699), waits `ms`, then answers.
    #[tool]
    async fn test_reconnection(&self, ctx: &Ctx, #[arg(default = 300)] ms: u64) -> String {
        let closed = ctx.close_sse_stream();
        tokio::time::sleep(Duration::from_millis(ms)).await;
        format!("Reconnection test completed (stream closed: {closed})")
    }

    /// Sends `count` log messages of about 1 KiB as fast as it can, then asks the client for
    /// input: with a writer that is behind, the request cannot be queued.
    #[tool]
    async fn test_flood_then_elicit(
        &self,
        ctx: &Ctx,
        #[arg(range(min = 1, max = 100000))] count: u32,
    ) -> String {
        let filler = "x".repeat(1024);
        let mut sent = 0;
        for _ in 0..count {
            if ctx.log(LogLevel::Info, serde_json::json!({"filler": filler})) {
                sent += 1;
            }
        }
        let form = FormSchema::new().required("ok", BooleanField::new());
        match ctx.elicit(Elicitation::form("Still there?", form)).await {
            Ok(answer) => format!("sent {sent}; {}", describe(&answer)),
            Err(error) => format!("sent {sent}; error: {error}"),
        }
    }
}

/// `action=accept, content={...}`.
fn describe(answer: &ElicitResult) -> String {
    let action = match answer.action {
        ElicitAction::Accept => "accept",
        ElicitAction::Decline => "decline",
        ElicitAction::Cancel => "cancel",
    };
    let content = serde_json::Value::Object(answer.content.clone().unwrap_or_default());
    format!("action={action}, content={content}")
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
    if let Some(ms) = env("TEST_SERVER_CLIENT_TIMEOUT_MS").and_then(|s| s.parse().ok()) {
        builder = builder.client_request_timeout(Duration::from_millis(ms));
    }
    if env("TEST_SERVER_SCOPE_REFUSAL").as_deref() == Some("tool-result") {
        builder = builder.scope_refusal(ScopeRefusal::ToolResult);
    }
    if env("TEST_SERVER_UNKNOWN_ARGUMENTS").as_deref() == Some("ignore") {
        builder = builder.unknown_arguments(UnknownArguments::Ignore);
    }
    if let Some(file) = env("TEST_SERVER_READY_FILE") {
        builder = builder.readiness_check("file", move || {
            let exists = std::path::Path::new(&file).exists();
            async move {
                if exists {
                    Ok(())
                } else {
                    Err("the ready file is gone")
                }
            }
        });
    }
    builder = builder.on_shutdown(|| async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tracing::info!("test shutdown hook");
    });
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
