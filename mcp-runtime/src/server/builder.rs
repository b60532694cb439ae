//! Assembling a server: [`ServerBuilder`], its options, and [`McpServer`], what `#[mcp_server]`
//! implements.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::catalog::Catalog;
use super::handle::{
    ArgumentErrorChannel, ScopeRefusal, Server, Shared, ToolLimits, UnknownArguments,
};
use super::health::{Operability, ReadinessCheck, ShutdownHook};
use super::panic_guard;
use super::registry::{RegisteredTool, ToolSet};
use crate::context::mrtr::StateKey;
use crate::error::Error;
use crate::limits::{DEFAULT_MAX_KEYS, Limiter, Rate};
use crate::prompt::PromptDef;
use crate::protocol::messages::Implementation;
use crate::resource::{ResourceDef, ResourceUpdates};
use crate::tool::{IntoToolDef, ToolDef};

impl Server {
    /// A builder for a server without state, for free-function tools.
    pub fn builder(info: Implementation) -> ServerBuilder<()> {
        ServerBuilder::new(info, ())
    }
}

/// Assembles a [`Server`]: identity, tools and options.
pub struct ServerBuilder<S> {
    state: S,
    info: Implementation,
    instructions: Option<String>,
    tools: Vec<ToolDef<S>>,
    resources: Vec<ResourceDef<S>>,
    prompts: Vec<PromptDef<S>>,
    resource_updates: ResourceUpdates,
    unknown_arguments: UnknownArguments,
    argument_errors: ArgumentErrorChannel,
    scope_refusal: ScopeRefusal,
    limiter: Option<Arc<Limiter>>,
    idempotency_window: Duration,
    rate_overrides: HashMap<String, Rate>,
    budget_overrides: HashMap<String, Rate>,
    page_size: usize,
    tool_timeout: Option<Duration>,
    list_ttl: Duration,
    client_request_timeout: Duration,
    request_state_key: Option<Vec<u8>>,
    readiness_checks: Vec<ReadinessCheck>,
    readiness_check_timeout: Duration,
    shutdown_hooks: Vec<ShutdownHook>,
}

impl<S: Send + Sync + 'static> ServerBuilder<S> {
    /// A server named by `info` (use [`server_info!`](crate::server_info) for the calling crate's
    /// name and version) whose tools receive `&state`.
    pub fn new(info: Implementation, state: S) -> Self {
        ServerBuilder {
            state,
            info,
            instructions: None,
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
            resource_updates: ResourceUpdates::new(),
            unknown_arguments: UnknownArguments::default(),
            argument_errors: ArgumentErrorChannel::default(),
            scope_refusal: ScopeRefusal::default(),
            limiter: None,
            idempotency_window: Duration::from_secs(86_400),
            rate_overrides: HashMap::new(),
            budget_overrides: HashMap::new(),
            page_size: 100,
            tool_timeout: None,
            list_ttl: Duration::from_secs(60),
            client_request_timeout: Duration::from_secs(300),
            request_state_key: None,
            readiness_checks: Vec::new(),
            readiness_check_timeout: Duration::from_secs(2),
            shutdown_hooks: Vec::new(),
        }
    }

    /// Adds a tool, such as the `add_tool()` that `#[tool] fn add` generates.
    pub fn tool(mut self, tool: impl IntoToolDef<S>) -> Self {
        self.tools.push(tool.into_tool_def());
        self
    }

    /// Adds several tools.
    pub fn tools(mut self, tools: impl IntoIterator<Item = ToolDef<S>>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// Adds a resource or resource template, such as a `#[resource]` method's.
    pub fn resource(mut self, resource: ResourceDef<S>) -> Self {
        self.resources.push(resource);
        self
    }

    /// Adds several resources.
    pub fn resources(mut self, resources: impl IntoIterator<Item = ResourceDef<S>>) -> Self {
        self.resources.extend(resources);
        self
    }

    /// Adds a prompt, such as a `#[prompt]` method's.
    pub fn prompt(mut self, prompt: PromptDef<S>) -> Self {
        self.prompts.push(prompt);
        self
    }

    /// Adds several prompts.
    pub fn prompts(mut self, prompts: impl IntoIterator<Item = PromptDef<S>>) -> Self {
        self.prompts.extend(prompts);
        self
    }

    /// The channel handlers announce resource changes on; keep a clone in the state to call
    /// [`ResourceUpdates::notify`] from a tool. (Without it, [`Server::notify_resource_updated`]
    /// still works.)
    pub fn resource_updates(mut self, updates: ResourceUpdates) -> Self {
        self.resource_updates = updates;
        self
    }

    /// Instructions for the client, sent in the `initialize` result.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Display title of the server (2025-06-18 and later).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Whether undeclared arguments are rejected (the default) or ignored.
    pub fn unknown_arguments(mut self, policy: UnknownArguments) -> Self {
        self.unknown_arguments = policy;
        self
    }

    /// Forces the channel for bad-argument errors, whatever the negotiated version.
    pub fn argument_errors(mut self, channel: ArgumentErrorChannel) -> Self {
        self.argument_errors = channel;
        self
    }

    /// How a call lacking a required scope is answered (default: a JSON-RPC error that HTTP
    /// answers 403 `insufficient_scope`).
    pub fn scope_refusal(mut self, refusal: ScopeRefusal) -> Self {
        self.scope_refusal = refusal;
        self
    }

    /// Overrides the `rate_limit` the tool `name` declares (calls per principal and period).
    /// `MCP_TOOL_RATE_LIMITS` overrides this in turn, over HTTP.
    pub fn tool_rate_limit(mut self, name: impl Into<String>, rate: Rate) -> Self {
        self.rate_overrides.insert(name.into(), rate);
        self
    }

    /// Overrides the `budget` the tool `name` declares (units per principal and period; each
    /// call draws its `cost`).
    pub fn tool_budget(mut self, name: impl Into<String>, budget: Rate) -> Self {
        self.budget_overrides.insert(name.into(), budget);
        self
    }

    /// How long the first result of a call sent with `_meta["rs.mcp-runtime/idempotencyKey"]`
    /// is replayed to retries with the same key, caller and arguments (default 24 h; in
    /// process, at most 10,000 results of up to 8 KiB each).
    pub fn idempotency_window(mut self, window: Duration) -> Self {
        self.idempotency_window = window;
        self
    }

    /// The limiter per-tool limits use (default: in process, 10,000 keys; the HTTP transport
    /// replaces it with the one its options configure, Redis with `MCP_REDIS_URL`).
    pub fn limiter(mut self, limiter: Arc<Limiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Tools per `tools/list` page (default 100); further pages are reached with `nextCursor`.
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// A time limit for every tool without its own `#[tool(timeout = "…")]`. A call that runs
    /// longer is stopped and answered with an `isError` result.
    pub fn tool_timeout(mut self, limit: Duration) -> Self {
        self.tool_timeout = Some(limit);
        self
    }

    /// How long 2026-07-28 clients may cache `tools/list` and `server/discover` (`ttlMs`,
    /// default 60 s). Tool-set changes are announced with `notifications/tools/list_changed`
    /// whatever this says.
    pub fn list_ttl(mut self, ttl: Duration) -> Self {
        self.list_ttl = ttl;
        self
    }

    /// How long a tool waits for the client to answer a request ([`Ctx::sample`],
    /// [`Ctx::elicit`]) unless the request sets its own (default 5 minutes: a person may be
    /// filling in a form). On 2026-07-28 it is how long a `requestState` stays valid.
    pub fn client_request_timeout(mut self, limit: Duration) -> Self {
        self.client_request_timeout = limit;
        self
    }

    /// The key that signs 2026-07-28 `requestState`s (HMAC-SHA256). Random per process unless
    /// set: give every instance behind one load balancer the same key, so that a retry may land
    /// on any of them.
    pub fn request_state_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.request_state_key = Some(key.into());
        self
    }

    /// Adds a readiness check: `/readyz` runs every check in parallel on each probe, each within
    /// [`readiness_check_timeout`](Self::readiness_check_timeout), and answers 503 when one
    /// fails or times out. The error's text is logged (when the check starts failing), never
    /// shown to the prober.
    ///
    /// ```no_run
    /// # use mcp_runtime::Server;
    /// # let builder = Server::builder(mcp_runtime::server_info!());
    /// builder.readiness_check("upstream", || async { Ok::<(), String>(()) });
    /// ```
    pub fn readiness_check<F, Fut, E>(mut self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        self.readiness_checks.push(ReadinessCheck::new(name, check));
        self
    }

    /// How long each readiness check may take before it counts as failed (default 2 s).
    pub fn readiness_check_timeout(mut self, limit: Duration) -> Self {
        self.readiness_check_timeout = limit;
        self
    }

    /// Adds a hook run once the drain is over (calls in flight answered or cancelled), before
    /// the transport returns: close pools, flush buffers. Hooks run in the order added.
    pub fn on_shutdown<F, Fut>(mut self, hook: F) -> Self
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.shutdown_hooks.push(Operability::hook(hook));
        self
    }

    /// Builds the server: generates every schema and compiles it for validation.
    ///
    /// Fails, listing every problem of a tool, when a schema could not be enforced as advertised,
    /// when two tools, prompts or resources share a name or URI, and when a URI template cannot
    /// be matched exactly.
    pub fn build(self) -> Result<Server, Error> {
        panic_guard::install_hook();
        let state = Arc::new(self.state);
        let reject_unknown = self.unknown_arguments == UnknownArguments::Reject;
        let mut tools = ToolSet::default();
        for def in self.tools {
            tools.insert(RegisteredTool::new(def, &state, reject_unknown)?)?;
        }
        let mut catalog = Catalog::default();
        for def in self.resources {
            catalog.add_resource(def, &state)?;
        }
        for def in self.prompts {
            catalog.add_prompt(def, &state)?;
        }
        let (tool_changes, _) = watch::channel(0);
        crate::metrics::build_info(&self.info.name, &self.info.version);
        Ok(Server {
            shared: Arc::new(Shared {
                info: self.info,
                instructions: self.instructions,
                state,
                reject_unknown,
                tools: RwLock::new(Arc::new(tools)),
                tool_changes,
                catalog,
                resource_updates: self.resource_updates,
                argument_errors: self.argument_errors,
                scope_refusal: self.scope_refusal,
                idempotency: Default::default(),
                idempotency_window: self.idempotency_window,
                limits: RwLock::new(Arc::new(ToolLimits {
                    limiter: self
                        .limiter
                        .unwrap_or_else(|| Limiter::in_process(DEFAULT_MAX_KEYS)),
                    rates: self.rate_overrides,
                    budgets: self.budget_overrides,
                })),
                page_size: self.page_size,
                tool_timeout: self.tool_timeout,
                list_ttl: self.list_ttl,
                client_request_timeout: self.client_request_timeout,
                state_key: StateKey::new(
                    self.request_state_key.unwrap_or_else(random_key),
                    self.client_request_timeout,
                ),
                shutdown: CancellationToken::new(),
                operability: Operability {
                    checks: self.readiness_checks,
                    check_timeout: self.readiness_check_timeout,
                    hooks: Mutex::new(self.shutdown_hooks),
                },
            }),
        })
    }
}

/// 32 bytes from the operating system's secure random source (std's random keys if it has none).
fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    if getrandom::fill(&mut key).is_err() {
        key = crate::ids::secure_id().into_bytes();
    }
    key
}

/// Implemented by `#[mcp_server]` for the impl block's type: the server's identity and tools.
pub trait McpServer: Sized + Send + Sync + 'static {
    /// `serverInfo`: the crate's name and version unless the attribute says otherwise.
    fn server_info() -> Implementation;

    /// The `#[tool]` methods of the impl block.
    fn tool_defs() -> Vec<ToolDef<Self>>;

    /// The `#[resource]` methods of the impl block.
    fn resource_defs() -> Vec<ResourceDef<Self>> {
        Vec::new()
    }

    /// The `#[prompt]` methods of the impl block.
    fn prompt_defs() -> Vec<PromptDef<Self>> {
        Vec::new()
    }

    /// Instructions for the client (`#[mcp_server(instructions = …)]`).
    fn server_instructions() -> Option<String> {
        None
    }

    /// A builder holding this value as state and its tools, for adding options or more tools.
    fn into_builder(self) -> ServerBuilder<Self> {
        let builder = ServerBuilder::new(Self::server_info(), self)
            .tools(Self::tool_defs())
            .resources(Self::resource_defs())
            .prompts(Self::prompt_defs());
        match Self::server_instructions() {
            Some(instructions) => builder.instructions(instructions),
            None => builder,
        }
    }

    /// Builds the server with default options.
    fn into_server(self) -> Result<Server, Error> {
        self.into_builder().build()
    }
}
