//! A server's resources, resource templates and prompts, type-erased at build time; and the
//! catch-all every resource and prompt handler runs in.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::panic_guard::{self, Guarded};
use super::session::{Answer, Session};
use crate::completion::{CompletionFuture, CompletionRequest, TextParamSpec};
use crate::context::ClientLink;
use crate::context::NotificationSink;
use crate::context::mrtr::InputRound;
use crate::failure::ToolFailure;
use crate::ids::random_id;
use crate::prompt::{PromptDef, PromptFuture, PromptMeta};
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{
    ErrorObject, INTERNAL_ERROR, MISSING_REQUIRED_CLIENT_CAPABILITY, RequestId,
};
use crate::protocol::meta::RequestMeta;
use crate::resource::template::UriTemplate;
use crate::resource::{ResourceDef, ResourceFuture, ResourceMeta};
use crate::text_args::TextArgs;
use crate::{Ctx, Error};

type ErasedRead = Box<dyn Fn(Ctx, TextArgs) -> ResourceFuture<'static> + Send + Sync>;
type ErasedGet = Box<dyn Fn(Ctx, TextArgs) -> PromptFuture<'static> + Send + Sync>;
type ErasedComplete = Box<dyn Fn(CompletionRequest) -> CompletionFuture<'static> + Send + Sync>;

/// The resources (fixed URIs and templates, in registration order) and prompts of a server.
#[derive(Default)]
pub(super) struct Catalog {
    pub(super) resources: Vec<RegisteredResource>,
    static_by_uri: HashMap<&'static str, usize>,
    pub(super) prompts: Vec<RegisteredPrompt>,
    prompt_by_name: HashMap<&'static str, usize>,
}

pub(super) struct RegisteredResource {
    pub(super) meta: ResourceMeta,
    /// `None` for a fixed URI.
    pub(super) template: Option<UriTemplate>,
    pub(super) params: Vec<RegisteredParam>,
    pub(super) read: ErasedRead,
}

pub(super) struct RegisteredPrompt {
    pub(super) meta: PromptMeta,
    pub(super) params: Vec<RegisteredParam>,
    pub(super) get: ErasedGet,
}

pub(super) struct RegisteredParam {
    pub(super) name: &'static str,
    pub(super) description: Option<&'static str>,
    pub(super) required: bool,
    pub(super) complete: Option<ErasedComplete>,
}

impl Catalog {
    pub(super) fn add_resource<S: Send + Sync + 'static>(
        &mut self,
        def: ResourceDef<S>,
        state: &Arc<S>,
    ) -> Result<(), Error> {
        let uri = def.meta.uri;
        let template = if uri.contains('{') || uri.contains('}') {
            let template = UriTemplate::parse(uri).map_err(Error::Definition)?;
            let mut variables: Vec<&str> =
                template.variables().iter().map(String::as_str).collect();
            let mut params: Vec<&str> = def.params.iter().map(|param| param.name).collect();
            variables.sort_unstable();
            params.sort_unstable();
            if variables != params {
                return Err(Error::Definition(format!(
                    "resource template `{uri}` has the variables {variables:?} but its handler takes {params:?}; they must be the same"
                )));
            }
            Some(template)
        } else {
            if !def.params.is_empty() {
                return Err(Error::Definition(format!(
                    "resource `{uri}` has no `{{…}}` variables, so its handler cannot take arguments"
                )));
            }
            if self
                .static_by_uri
                .insert(uri, self.resources.len())
                .is_some()
            {
                return Err(Error::Definition(format!(
                    "two resources have the URI `{uri}`"
                )));
            }
            None
        };
        if template.is_some()
            && self
                .resources
                .iter()
                .any(|known| known.template.is_some() && known.meta.uri == uri)
        {
            return Err(Error::Definition(format!(
                "two resource templates are `{uri}`"
            )));
        }
        let (thunk, erased_state) = (def.read, Arc::clone(state));
        let read: ErasedRead = Box::new(move |ctx, args| {
            let state = Arc::clone(&erased_state);
            Box::pin(async move { thunk(&state, ctx, args).await })
        });
        self.resources.push(RegisteredResource {
            meta: def.meta,
            template,
            params: erase_params(def.params, state),
            read,
        });
        Ok(())
    }

    pub(super) fn add_prompt<S: Send + Sync + 'static>(
        &mut self,
        def: PromptDef<S>,
        state: &Arc<S>,
    ) -> Result<(), Error> {
        let name = def.meta.name;
        if self
            .prompt_by_name
            .insert(name, self.prompts.len())
            .is_some()
        {
            return Err(Error::Definition(format!("two prompts are named `{name}`")));
        }
        let (thunk, erased_state) = (def.get, Arc::clone(state));
        let get: ErasedGet = Box::new(move |ctx, args| {
            let state = Arc::clone(&erased_state);
            Box::pin(async move { thunk(&state, ctx, args).await })
        });
        self.prompts.push(RegisteredPrompt {
            meta: def.meta,
            params: erase_params(def.params, state),
            get,
        });
        Ok(())
    }

    /// The resource a URI names: a fixed one first, then the first template that matches, with
    /// its variables' values.
    pub(super) fn resource_for(
        &self,
        uri: &str,
    ) -> Option<(&RegisteredResource, HashMap<String, String>)> {
        if let Some(&index) = self.static_by_uri.get(uri) {
            return Some((&self.resources[index], HashMap::new()));
        }
        self.resources.iter().find_map(|resource| {
            let values = resource.template.as_ref()?.matches(uri)?;
            Some((resource, values))
        })
    }

    /// The template written exactly as `template`.
    pub(super) fn template(&self, template: &str) -> Option<&RegisteredResource> {
        self.resources
            .iter()
            .find(|resource| resource.template.is_some() && resource.meta.uri == template)
    }

    pub(super) fn prompt(&self, name: &str) -> Option<&RegisteredPrompt> {
        self.prompt_by_name
            .get(name)
            .map(|&index| &self.prompts[index])
    }

    /// The capabilities the catalog adds to `tools` and `logging`.
    pub(super) fn capabilities(&self, capabilities: &mut Value) {
        if !self.resources.is_empty() {
            capabilities["resources"] = json!({"subscribe": true, "listChanged": false});
        }
        if !self.prompts.is_empty() {
            capabilities["prompts"] = json!({"listChanged": false});
        }
        let params = self.resources.iter().flat_map(|r| &r.params);
        if params
            .chain(self.prompts.iter().flat_map(|p| &p.params))
            .any(|param| param.complete.is_some())
        {
            capabilities["completions"] = json!({});
        }
    }
}

fn erase_params<S: Send + Sync + 'static>(
    params: Vec<TextParamSpec<S>>,
    state: &Arc<S>,
) -> Vec<RegisteredParam> {
    params
        .into_iter()
        .map(|param| RegisteredParam {
            name: param.name,
            description: param.description,
            required: !(param.optional)(),
            complete: param.complete.map(|hook| {
                let state = Arc::clone(state);
                Box::new(move |request| {
                    let state = Arc::clone(&state);
                    Box::pin(async move { hook(&state, request).await })
                        as CompletionFuture<'static>
                }) as ErasedComplete
            }),
        })
        .collect()
}

/// How a resource or prompt handler ended.
pub(super) enum HandlerEnd<T> {
    Finished(T),
    Panicked,
    Cancelled,
    /// 2026-07-28: the handler asked the client for something the request did not bring.
    NeedsInput,
}

impl Session {
    /// Runs a resource or prompt handler like a tool: with a `Ctx` (cancellation, log messages,
    /// progress), registered as in flight so `notifications/cancelled` stops it, and inside the
    /// catch-all, so a panic becomes an error answer and the session keeps serving.
    pub(super) fn run_handler<T: Send + 'static>(
        self: &Arc<Self>,
        id: &RequestId,
        version: ProtocolVersion,
        mut meta: RequestMeta,
        sink: &NotificationSink,
        round: Option<Arc<InputRound>>,
        handler: impl FnOnce(Ctx) -> BoxFuture<'static, T>,
    ) -> BoxFuture<'static, HandlerEnd<T>> {
        let cancellation = self.begin_request(id);
        let progress_token = meta.progress_token.take();
        let outbound = self.outbound(version, progress_token, meta.log_level, sink);
        let capabilities = std::mem::take(&mut meta.client_capabilities);
        let client = match &round {
            Some(round) => ClientLink::Rounds(Arc::clone(round)),
            None if version.is_modern() => ClientLink::Detached(capabilities),
            None => ClientLink::Session {
                peer: Arc::clone(&self.peer),
                timeout: self.server.shared.client_request_timeout,
            },
        };
        let ctx = Ctx::new(
            id.clone(),
            version,
            cancellation.clone(),
            Arc::clone(&outbound),
            client,
        );
        let run = AssertUnwindSafe(Guarded(handler(ctx))).catch_unwind();
        let session = Arc::clone(self);
        let id = id.clone();
        Box::pin(async move {
            let needs_input = async {
                match &round {
                    Some(round) => round.interrupted().await,
                    None => std::future::pending().await,
                }
            };
            let finished = tokio::select! {
                biased;
                () = cancellation.cancelled() => None,
                finished = run => Some(Some(finished)),
                // Polled after the run, so every request of the poll that stopped it is noted.
                () = needs_input => Some(None),
            };
            outbound.finish();
            if let Some(round) = &round {
                round.end();
            }
            session.end_request(&id);
            match finished.filter(|_| !cancellation.is_cancelled()) {
                None => HandlerEnd::Cancelled,
                Some(None) => HandlerEnd::NeedsInput,
                Some(Some(Err(_panic_payload))) => HandlerEnd::Panicked,
                Some(Some(Ok(value))) => HandlerEnd::Finished(value),
            }
        })
    }
}

/// The JSON-RPC error for a failed or panicked handler, with the log line's fields: a
/// [`ToolError`](crate::ToolError)'s message is shown; anything else is an internal error with an
/// error id, whose own message never leaves the server.
pub(super) fn handler_failure(
    failure: Option<ToolFailure>,
    version: ProtocolVersion,
    what: &'static str,
    name: &str,
    started: Instant,
) -> ErrorObject {
    let duration_ms = started.elapsed().as_millis() as u64;
    match failure {
        Some(ToolFailure::MissingCapability {
            capability,
            message,
        }) if version.is_modern() => {
            log_handler(what, name, started, "missing_capability");
            missing_capability(capability, message.into_owned())
        }
        Some(ToolFailure::MissingCapability { message, .. }) => {
            log_handler(what, name, started, "error");
            ErrorObject::new(INTERNAL_ERROR, message.into_owned())
        }
        Some(ToolFailure::UserFacing(message)) => {
            tracing::info!(
                handler = what,
                name,
                duration_ms,
                outcome = "error",
                error_class = "ToolError",
                "handler"
            );
            ErrorObject::new(INTERNAL_ERROR, message.into_owned())
        }
        other => {
            let error_id = random_id();
            let (outcome, error_class) = match other {
                Some(ToolFailure::Internal { type_name }) => ("error", type_name),
                _ => ("panic", "panic"),
            };
            let panic_location = (outcome == "panic")
                .then(panic_guard::take_location)
                .flatten();
            tracing::error!(
                handler = what,
                name,
                duration_ms,
                outcome,
                error_class,
                error_id,
                panic_location,
                "handler"
            );
            ErrorObject::new(
                INTERNAL_ERROR,
                format!("The {what} failed with an internal error (error id: {error_id})."),
            )
        }
    }
}

/// 2026-07-28 basic/index, "Per-request protocol fields": a request that needs a capability the
/// client did not declare MUST get `MissingRequiredClientCapabilityError` (-32021) naming it in
/// `data.requiredCapabilities` (and HTTP 400, which the transport gives every -32021).
pub(super) fn missing_capability(capability: &str, message: String) -> ErrorObject {
    let required = crate::failure::required_capabilities(capability);
    ErrorObject::new(MISSING_REQUIRED_CLIENT_CAPABILITY, message)
        .with_data(json!({ "requiredCapabilities": required }))
}

/// The log line of a handler that answered.
pub(super) fn log_handler(what: &'static str, name: &str, started: Instant, outcome: &'static str) {
    let duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(handler = what, name, duration_ms, outcome, "handler");
}

impl Session {
    /// Routes the resource, prompt and completion methods. Hands the id back for any other
    /// method, and for the methods of a kind the server has none of (they answer -32601 like
    /// unknown methods).
    /// `resources/subscribe` and `unsubscribe` exist on legacy versions only.
    pub(super) fn route_catalog(
        self: &Arc<Self>,
        id: RequestId,
        method: &str,
        params: Option<&Value>,
        version: ProtocolVersion,
        meta: RequestMeta,
        sink: &NotificationSink,
    ) -> Result<Answer, RequestId> {
        let catalog = &self.server.shared.catalog;
        let has_resources = !catalog.resources.is_empty();
        let has_prompts = !catalog.prompts.is_empty();
        let legacy = !version.is_modern();
        Ok(match method {
            "resources/list" if has_resources => {
                Answer::Ready(self.list_resources(id, params, version, false))
            }
            "resources/templates/list" if has_resources => {
                Answer::Ready(self.list_resources(id, params, version, true))
            }
            "resources/read" if has_resources => {
                self.read_resource(id, params, version, meta, sink)
            }
            "resources/subscribe" if has_resources && legacy => {
                Answer::Ready(self.subscribe_resource(id, params, version, true))
            }
            "resources/unsubscribe" if has_resources && legacy => {
                Answer::Ready(self.subscribe_resource(id, params, version, false))
            }
            "prompts/list" if has_prompts => Answer::Ready(self.list_prompts(id, params, version)),
            "prompts/get" if has_prompts => self.get_prompt(id, params, version, meta, sink),
            "completion/complete" if has_resources || has_prompts => self.complete(id, params),
            _ => return Err(id),
        })
    }
}

/// The catalog's list methods, whose results are `CacheableResult`s on 2026-07-28 (as is
/// `resources/read`'s).
pub(super) const CACHEABLE_LISTS: &[&str] =
    &["resources/list", "resources/templates/list", "prompts/list"];
