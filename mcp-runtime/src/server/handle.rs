//! The built server: a cheap handle on everything a session serves (identity, registries,
//! options), and the operations that change it while it runs.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use super::catalog::Catalog;
use super::health::{Operability, Readiness};
use super::idempotency::IdempotencyStore;
use super::registry::{RegisteredTool, ToolSet};
use crate::context::mrtr::StateKey;
use crate::error::Error;
use crate::limits::{Limiter, Rate};
use crate::protocol::messages::{Implementation, ToolDescriptor};
use crate::resource::ResourceUpdates;
use crate::tool::ToolDef;

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

/// Per-tool limits: the limiter, and rates that override the declared ones by tool name.
pub(crate) struct ToolLimits {
    pub(crate) limiter: Arc<Limiter>,
    pub(crate) rates: HashMap<String, Rate>,
    pub(crate) budgets: HashMap<String, Rate>,
}

/// How a call whose principal lacks a required scope is answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScopeRefusal {
    /// A JSON-RPC error ([`INSUFFICIENT_SCOPE`](crate::INSUFFICIENT_SCOPE)), which the HTTP
    /// transport answers 403 with `WWW-Authenticate: Bearer error="insufficient_scope",
    /// scope="…"`, so that clients can step up (Authorization, "Runtime Insufficient Scope
    /// Errors", a SHOULD).
    #[default]
    Forbidden,
    /// For tools, an `isError: true` result naming the missing scopes (the session's HTTP
    /// status stays 200); resources and prompts are still refused as `Forbidden`.
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

/// A built server, cheap to clone. Serve it with a transport, or open sessions on it directly.
#[derive(Clone)]
pub struct Server {
    pub(super) shared: Arc<Shared>,
}

pub(super) struct Shared {
    pub(super) info: Implementation,
    pub(super) instructions: Option<String>,
    /// The builder's state, for tools added later (`Server::add_tool`).
    pub(super) state: Arc<dyn Any + Send + Sync>,
    pub(super) reject_unknown: bool,
    /// Swapped whole on every change; a call holds the set it started with.
    pub(super) tools: RwLock<Arc<ToolSet>>,
    /// Bumped on every change of the tool set; sessions watch it to send `list_changed`.
    pub(super) tool_changes: watch::Sender<u64>,
    /// Resources, templates and prompts (fixed once built).
    pub(super) catalog: Catalog,
    /// The URIs that changed, for subscribed sessions.
    pub(super) resource_updates: ResourceUpdates,
    pub(super) argument_errors: ArgumentErrorChannel,
    pub(super) scope_refusal: ScopeRefusal,
    /// The limiter per-tool rates and budgets are checked with, and the rates that override
    /// the declared ones (builder, then environment); replaced whole by the transport.
    pub(super) limits: RwLock<Arc<ToolLimits>>,
    /// First results of calls sent with an idempotency key, and how long they are replayed.
    pub(super) idempotency: IdempotencyStore,
    pub(super) idempotency_window: Duration,
    pub(super) page_size: usize,
    pub(super) tool_timeout: Option<Duration>,
    pub(super) list_ttl: Duration,
    pub(super) client_request_timeout: Duration,
    /// Signs 2026-07-28 `requestState`s.
    pub(super) state_key: StateKey,
    /// Cancelled when the server begins to shut down: long-lived streams end gracefully.
    pub(super) shutdown: CancellationToken,
    /// Readiness checks and shutdown hooks.
    pub(super) operability: Operability,
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

    /// Every scope a tool, resource or prompt requires, sorted: the default `scopes_supported`
    /// of the protected-resource metadata.
    pub fn required_scopes(&self) -> Vec<String> {
        let tools = self.tool_set();
        let catalog = &self.shared.catalog;
        let mut scopes: Vec<String> = tools
            .tools
            .iter()
            .flat_map(|tool| tool.scopes)
            .chain(catalog.resources.iter().flat_map(|r| r.meta.scopes))
            .chain(catalog.prompts.iter().flat_map(|p| p.meta.scopes))
            .map(|scope| (*scope).to_owned())
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }

    /// Replaces the limiter of per-tool limits and adds rate overrides (the transport does, from
    /// `MCP_REDIS_URL` and `MCP_TOOL_RATE_LIMITS`); overrides already set by the builder stay
    /// unless named again.
    pub(crate) fn use_limits(&self, limiter: Arc<Limiter>, rates: HashMap<String, Rate>) {
        let mut limits = self
            .shared
            .limits
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut merged = limits.rates.clone();
        merged.extend(rates);
        *limits = Arc::new(ToolLimits {
            limiter,
            rates: merged,
            budgets: limits.budgets.clone(),
        });
    }

    /// The limiter per-tool limits use (the builder's, or the one the transport put in).
    pub(crate) fn limiter(&self) -> Arc<Limiter> {
        Arc::clone(&self.tool_limits().limiter)
    }

    pub(super) fn tool_limits(&self) -> Arc<ToolLimits> {
        Arc::clone(
            &self
                .shared
                .limits
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    pub(super) fn tool_set(&self) -> Arc<ToolSet> {
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

    /// Begins the drain: readiness answers 503 from now on, and long-lived streams end
    /// (`subscriptions/listen` gets its closing result); transports call this when they begin a
    /// graceful shutdown.
    pub fn begin_shutdown(&self) {
        self.shared.shutdown.cancel();
    }

    /// Runs every readiness check registered on the builder in parallel, each within the
    /// builder's `readiness_check_timeout`; while draining, runs none and reports `draining`.
    pub async fn readiness(&self) -> Readiness {
        self.shared.operability.readiness(self.is_draining()).await
    }

    /// Whether a drain has begun.
    pub fn is_draining(&self) -> bool {
        self.shared.shutdown.is_cancelled()
    }

    /// Runs the shutdown hooks registered on the builder, in order, each once (a second call
    /// runs none). Transports call it when their drain is over.
    pub async fn run_shutdown_hooks(&self) {
        self.shared.operability.run_hooks().await;
    }

    /// Completes when [`Server::begin_shutdown`] is called.
    pub async fn shutting_down(&self) {
        self.shared.shutdown.cancelled().await
    }

    /// How long 2026-07-28 clients may cache list results, in `ttlMs`.
    pub(super) fn list_ttl_ms(&self) -> u64 {
        u64::try_from(self.shared.list_ttl.as_millis()).unwrap_or(u64::MAX)
    }

    /// A receiver that changes whenever the tool set does.
    pub(crate) fn watch_tools(&self) -> watch::Receiver<u64> {
        self.shared.tool_changes.subscribe()
    }
}
