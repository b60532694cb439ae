//! The catalog: a server's resources, resource templates and prompts, type-erased at build time.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::completion::{CompletionFuture, CompletionRequest, TextParamSpec};
use crate::context::Ctx;
use crate::error::Error;
use crate::prompt::{PromptDef, PromptFuture, PromptMeta};
use crate::resource::template::UriTemplate;
use crate::resource::{ResourceDef, ResourceFuture, ResourceMeta};
use crate::text_args::TextArgs;

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
