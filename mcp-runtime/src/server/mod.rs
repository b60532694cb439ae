//! A server: its identity, its registries (tools with compiled schemas and type-erased calls;
//! resources and prompts), its options, and the sessions transports open on it.
//!
//! From the bottom up: `registry.rs` and `catalog.rs` hold what it serves, `handle.rs` is the
//! [`Server`] handle, `builder.rs` assembles it; `session.rs` is one client's state and
//! `incoming.rs` what a transport feeds it; `exchange.rs` is one request and its [`Reply`];
//! `health.rs` holds readiness checks and shutdown hooks; `invoke.rs` is the one runner every handler runs in and `outcome.rs` the record it writes;
//! `methods/` answers each method; `routes.rs` is the routing table that picks the method.
//! This file only declares and re-exports: nothing below imports it.

mod builder;
mod catalog;
mod changes;
mod exchange;
mod handle;
mod health;
mod idempotency;
mod incoming;
mod invoke;
mod methods;
mod outcome;
mod pagination;
mod panic_guard;
mod registry;
mod routes;
mod session;

pub use builder::{McpServer, ServerBuilder};
pub(crate) use changes::ChangeNotifications;
pub use exchange::Reply;
pub use handle::{ArgumentErrorChannel, ScopeRefusal, Server, UnknownArguments, WeakServer};
pub use health::{CheckReport, CheckStatus, Readiness};
pub use idempotency::IDEMPOTENCY_KEY_META;
pub use incoming::Incoming;
pub use methods::resources::RESOURCE_NOT_FOUND;
pub use methods::tools::{ARGUMENT_ERROR_META_KEY, RETRY_AFTER_META_KEY};
pub use session::Session;
