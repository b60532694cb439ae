//! A server: its identity, its tools (schemas compiled, calls type-erased) and its options.
//! Transports open [`Session`]s on it.

mod call;
mod catalog;
mod listen;
mod modern;
mod panic_guard;
mod prompts;
mod resources;
mod session;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::prompt::PromptDef;
use crate::protocol::ProtocolVersion;
use crate::protocol::messages::{Implementation, ToolDescriptor};
use crate::resource::{ResourceDef, ResourceUpdates};
use crate::tool::{InputSpec, ToolArgs, ToolDef, ToolFuture};
use crate::validate::{self, CompiledSchema};
use crate::{Ctx, Error, schema};

pub use crate::context::NotificationSink;
pub use crate::context::client_requests::ClientRequestError;
pub use call::ARGUMENT_ERROR_META_KEY;
pub use listen::ChangeNotifications;
pub use resources::RESOURCE_NOT_FOUND;
pub use session::{Outgoing, Reply, Session};

/// Where bad tool arguments are reported. The code is -32602 in every case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ArgumentErrorChannel {
    /// As the negotiated version says: a JSON-RPC error up to 2025-06-18; from 2025-11-25 on a
    /// tool result with `isError: true` and `structuredContent.error` (SEP-1303).
    #[default]
    ByVersion,
    /// Always a JSON-RPC error with `data.violations`.
    JsonRpcError,
    /// Always an `isError: true` tool result.
    ToolResult,
}

/// What to do with arguments a tool does not declare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownArguments {
    /// Reject them (advertised as `additionalProperties: false`).
    #[default]
    Reject,
    /// Accept and drop them.
    Ignore,
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
    page_size: usize,
    tool_timeout: Option<Duration>,
    list_ttl: Duration,
    client_request_timeout: Duration,
    request_state_key: Option<Vec<u8>>,
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
            page_size: 100,
            tool_timeout: None,
            list_ttl: Duration::from_secs(60),
            client_request_timeout: Duration::from_secs(300),
            request_state_key: None,
        }
    }

    /// Adds a tool, such as the `add_tool()` that `#[tool] fn add` generates.
    pub fn tool(mut self, tool: ToolDef<S>) -> Self {
        self.tools.push(tool);
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
        let mut catalog = catalog::Catalog::default();
        for def in self.resources {
            catalog.add_resource(def, &state)?;
        }
        for def in self.prompts {
            catalog.add_prompt(def, &state)?;
        }
        let (tool_changes, _) = watch::channel(0);
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
                page_size: self.page_size,
                tool_timeout: self.tool_timeout,
                list_ttl: self.list_ttl,
                client_request_timeout: self.client_request_timeout,
                state_key: crate::context::mrtr::StateKey::new(
                    self.request_state_key.unwrap_or_else(random_key),
                    self.client_request_timeout,
                ),
                shutdown: CancellationToken::new(),
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

/// A built server, cheap to clone. Serve it with a transport, or open sessions on it directly.
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
}

struct Shared {
    info: Implementation,
    instructions: Option<String>,
    /// The builder's state, for tools added later (`Server::add_tool`).
    state: Arc<dyn Any + Send + Sync>,
    reject_unknown: bool,
    /// Swapped whole on every change; a call holds the set it started with.
    tools: RwLock<Arc<ToolSet>>,
    /// Bumped on every change of the tool set; sessions watch it to send `list_changed`.
    tool_changes: watch::Sender<u64>,
    /// Resources, templates and prompts (fixed once built).
    catalog: catalog::Catalog,
    /// The URIs that changed, for subscribed sessions.
    resource_updates: ResourceUpdates,
    argument_errors: ArgumentErrorChannel,
    page_size: usize,
    tool_timeout: Option<Duration>,
    list_ttl: Duration,
    client_request_timeout: Duration,
    /// Signs 2026-07-28 `requestState`s.
    state_key: crate::context::mrtr::StateKey,
    /// Cancelled when the server begins to shut down: long-lived streams end gracefully.
    shutdown: CancellationToken,
}

/// The tools, in registration order, and an index by name.
#[derive(Clone, Default)]
struct ToolSet {
    tools: Vec<Arc<RegisteredTool>>,
    by_name: HashMap<String, usize>,
}

impl ToolSet {
    fn insert(&mut self, tool: RegisteredTool) -> Result<(), Error> {
        let name = tool.descriptor.name.clone();
        if self.by_name.contains_key(&name) {
            return Err(Error::DuplicateTool(name));
        }
        self.by_name.insert(name, self.tools.len());
        self.tools.push(Arc::new(tool));
        Ok(())
    }

    fn get(&self, name: &str) -> Option<&Arc<RegisteredTool>> {
        self.by_name.get(name).map(|&index| &self.tools[index])
    }

    fn without(&self, name: &str) -> Option<ToolSet> {
        self.by_name.get(name)?;
        let mut rest = ToolSet::default();
        for tool in self
            .tools
            .iter()
            .filter(|tool| tool.descriptor.name != name)
        {
            rest.by_name
                .insert(tool.descriptor.name.clone(), rest.tools.len());
            rest.tools.push(Arc::clone(tool));
        }
        Some(rest)
    }
}

type ErasedCall = Box<dyn Fn(Ctx, ToolArgs) -> ToolFuture<'static> + Send + Sync>;

struct RegisteredTool {
    descriptor: ToolDescriptor,
    validator: CompiledSchema,
    /// Whether structured output is wrapped as `{"result": …}` (its schema is not an object).
    wrap_output: bool,
    timeout: Option<Duration>,
    call: ErasedCall,
}

impl RegisteredTool {
    fn new<S: Send + Sync + 'static>(
        def: ToolDef<S>,
        state: &Arc<S>,
        reject_unknown: bool,
    ) -> Result<Self, Error> {
        if let InputSpec::Params(params) = &def.input {
            for param in params.iter().filter(|param| param.sensitive) {
                crate::logging::deny_field_everywhere(param.name);
            }
        }
        let input_schema = schema::input_schema(&def.input, reject_unknown);
        let validator = validate::compile(&input_schema).map_err(|problems| Error::Schema {
            tool: def.meta.name.to_owned(),
            problems,
        })?;
        let (output_schema, wrap_output) = match schema::output_schema(def.output_schema) {
            Some((schema, wrap)) => (Some(schema), wrap),
            None => (None, false),
        };
        let descriptor = ToolDescriptor {
            name: def.meta.name.to_owned(),
            title: def.meta.title.map(str::to_owned),
            description: def.meta.description.map(str::to_owned),
            input_schema,
            output_schema,
            annotations: def.meta.annotations,
        };
        let (thunk, state) = (def.call, Arc::clone(state));
        let call: ErasedCall = Box::new(move |ctx, args| {
            let state = Arc::clone(&state);
            Box::pin(async move { thunk(&state, ctx, args).await })
        });
        Ok(RegisteredTool {
            descriptor,
            validator,
            wrap_output,
            timeout: def.meta.timeout,
            call,
        })
    }
}

/// A handle to a [`Server`] that does not keep it alive, for state that needs its server (a tool
/// that adds tools) without a reference cycle.
#[derive(Clone, Default)]
pub struct WeakServer(std::sync::Weak<Shared>);

impl std::fmt::Debug for WeakServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WeakServer")
    }
}

impl WeakServer {
    /// The server, while it exists.
    pub fn upgrade(&self) -> Option<Server> {
        self.0.upgrade().map(|shared| Server { shared })
    }
}

impl Server {
    /// A handle that does not keep the server alive.
    pub fn downgrade(&self) -> WeakServer {
        WeakServer(Arc::downgrade(&self.shared))
    }

    /// A builder for a server without state, for free-function tools.
    pub fn builder(info: Implementation) -> ServerBuilder<()> {
        ServerBuilder::new(info, ())
    }

    /// A new session (one per client connection).
    pub fn session(&self) -> Arc<Session> {
        Arc::new(Session::new(self.clone(), crate::ids::random_id(), None))
    }

    /// A new session whose id is a secret (Streamable HTTP's `Mcp-Session-Id`), already at
    /// `version` when the transport is stateless and never sees `initialize`.
    pub(crate) fn secure_session(&self, version: Option<ProtocolVersion>) -> Arc<Session> {
        Arc::new(Session::new(self.clone(), crate::ids::secure_id(), version))
    }

    /// The server's name and version, as sent in `serverInfo`.
    pub fn info(&self) -> &Implementation {
        &self.shared.info
    }

    /// The tools' descriptors, in registration order.
    pub fn tools(&self) -> Vec<ToolDescriptor> {
        self.tool_set()
            .tools
            .iter()
            .map(|tool| tool.descriptor.clone())
            .collect()
    }

    fn tool_set(&self) -> Arc<ToolSet> {
        Arc::clone(
            &self
                .shared
                .tools
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Adds a tool to the running server and tells every client that listens
    /// (`notifications/tools/list_changed`). `S` must be the state type the server was built with.
    pub fn add_tool<S: Send + Sync + 'static>(&self, def: ToolDef<S>) -> Result<(), Error> {
        let name = def.meta.name;
        let state = Arc::clone(&self.shared.state)
            .downcast::<S>()
            .map_err(|_| Error::StateMismatch(name.to_owned()))?;
        let tool = RegisteredTool::new(def, &state, self.shared.reject_unknown)?;
        {
            let mut tools = self.write_tools();
            let mut changed = ToolSet::clone(&tools);
            changed.insert(tool)?;
            *tools = Arc::new(changed);
        }
        self.shared
            .tool_changes
            .send_modify(|generation| *generation += 1);
        Ok(())
    }

    /// Removes a tool from the running server (calls in flight finish) and tells every client
    /// that listens. Returns whether there was such a tool.
    pub fn remove_tool(&self, name: &str) -> bool {
        {
            let mut tools = self.write_tools();
            let Some(rest) = tools.without(name) else {
                return false;
            };
            *tools = Arc::new(rest);
        }
        self.shared
            .tool_changes
            .send_modify(|generation| *generation += 1);
        true
    }

    fn write_tools(&self) -> std::sync::RwLockWriteGuard<'_, Arc<ToolSet>> {
        self.shared
            .tools
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The capabilities the server declares in `initialize` and `server/discover`: tools and
    /// logging always, resources, prompts and completions when it has them.
    pub fn capabilities(&self) -> serde_json::Value {
        let mut capabilities = serde_json::json!({"tools": {"listChanged": true}, "logging": {}});
        self.shared.catalog.capabilities(&mut capabilities);
        capabilities
    }

    /// Tells every client subscribed to `uri` that the resource changed
    /// (`notifications/resources/updated`: legacy sessions that sent `resources/subscribe`,
    /// 2026-07-28 `subscriptions/listen` streams that named the URI).
    pub fn notify_resource_updated(&self, uri: &str) {
        self.shared.resource_updates.notify(uri);
    }

    pub(crate) fn watch_resources(&self) -> broadcast::Receiver<Arc<str>> {
        self.shared.resource_updates.subscribe()
    }

    /// Ends long-lived streams (`subscriptions/listen` gets its closing result); transports call
    /// this when they begin a graceful shutdown.
    pub fn begin_shutdown(&self) {
        self.shared.shutdown.cancel();
    }

    /// Completes when [`Server::begin_shutdown`] is called.
    pub async fn shutting_down(&self) {
        self.shared.shutdown.cancelled().await
    }

    /// A receiver that changes whenever the tool set does.
    pub(crate) fn watch_tools(&self) -> watch::Receiver<u64> {
        self.shared.tool_changes.subscribe()
    }
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
