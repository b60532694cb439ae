//! The tool registry: every tool's descriptor, compiled validator and type-erased call.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::context::Ctx;
use crate::error::Error;
use crate::limits::Rate;
use crate::protocol::messages::ToolDescriptor;
use crate::schema;
use crate::tool::{InputSpec, ToolArgs, ToolDef, ToolFuture};
use crate::validate::{self, CompiledSchema};

/// The tools, in registration order, and an index by name.
#[derive(Clone, Default)]
pub(super) struct ToolSet {
    pub(super) tools: Vec<Arc<RegisteredTool>>,
    by_name: HashMap<String, usize>,
}

impl ToolSet {
    pub(super) fn insert(&mut self, tool: RegisteredTool) -> Result<(), Error> {
        let name = tool.descriptor.name.clone();
        if self.by_name.contains_key(&name) {
            return Err(Error::DuplicateTool(name));
        }
        self.by_name.insert(name, self.tools.len());
        self.tools.push(Arc::new(tool));
        Ok(())
    }

    pub(super) fn get(&self, name: &str) -> Option<&Arc<RegisteredTool>> {
        self.by_name.get(name).map(|&index| &self.tools[index])
    }

    pub(super) fn without(&self, name: &str) -> Option<ToolSet> {
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

pub(super) type ErasedCall = Box<dyn Fn(Ctx, ToolArgs) -> ToolFuture<'static> + Send + Sync>;

pub(super) struct RegisteredTool {
    /// The name, as the outcome record writes it.
    pub(super) name: &'static str,
    pub(super) descriptor: ToolDescriptor,
    pub(super) validator: CompiledSchema,
    /// Whether structured output is wrapped as `{"result": …}` (its schema is not an object).
    pub(super) wrap_output: bool,
    pub(super) timeout: Option<Duration>,
    /// What a caller must have been granted.
    pub(super) scopes: &'static [&'static str],
    /// Calls per principal and period, as declared (`#[tool(rate_limit = …)]`).
    pub(super) rate_limit: Option<Rate>,
    /// Units one call draws from `budget`, and the budget per principal and period.
    pub(super) cost: u32,
    pub(super) budget: Option<Rate>,
    pub(super) call: ErasedCall,
}

impl RegisteredTool {
    pub(super) fn new<S: Send + Sync + 'static>(
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
        crate::metrics::register_tool(def.meta.name);
        let (thunk, state) = (def.call, Arc::clone(state));
        let call: ErasedCall = Box::new(move |ctx, args| {
            let state = Arc::clone(&state);
            Box::pin(async move { thunk(&state, ctx, args).await })
        });
        Ok(RegisteredTool {
            name: def.meta.name,
            descriptor,
            validator,
            wrap_output,
            timeout: def.meta.timeout,
            scopes: def.meta.scopes,
            rate_limit: def.meta.rate_limit,
            cost: def.meta.cost.max(1),
            budget: def.meta.budget,
            call,
        })
    }
}
