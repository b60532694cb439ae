//! Tool definitions as the macros emit them: data (name, description, schema fns) and one
//! type-erased call thunk. All behaviour lives in the runtime, none in generated code.

mod args;
mod output;

use std::future::Future;
use std::pin::Pin;

use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value};

pub use args::ToolArgs;
pub(crate) use args::short_type_name;
pub use output::{IntoToolResult, Json, ToolOutput};

use crate::context::Ctx;
use crate::protocol::messages::ToolAnnotations;
use crate::validate::Violations;

/// The future a tool call runs as.
pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = ToolOutcome> + Send + 'a>>;

/// What a tool call ends in, before the runtime writes it for the negotiated version.
#[derive(Debug)]
pub enum ToolOutcome {
    /// The handler ran and produced this.
    Output(ToolOutput),
    /// The arguments passed the schema but could not be narrowed into the handler's types.
    InvalidArguments(Violations),
}

/// One tool of a server whose state is `S`: what `#[tool]` generates.
pub struct ToolDef<S> {
    pub(crate) meta: ToolMeta,
    pub(crate) input: InputSpec,
    pub(crate) output_schema: fn(&mut SchemaGenerator) -> Option<Schema>,
    pub(crate) call: for<'a> fn(&'a S, Ctx, ToolArgs) -> ToolFuture<'a>,
}

/// What [`ServerBuilder::tool`](crate::ServerBuilder::tool) takes: a [`ToolDef`], such as the
/// `add_tool()` that `#[tool] fn add` generates. A trait rather than the type, so that passing
/// the function itself (`.tool(add)`) is answered with where its definition is.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool definition",
    label = "expected a `ToolDef`",
    note = "`#[tool]` on `fn add` generates `fn add_tool()`, which returns its definition: write `.tool(add_tool())`",
    note = "the `#[tool]` methods of an `#[mcp_server]` impl are registered by its `into_builder()`"
)]
pub trait IntoToolDef<S> {
    /// The definition.
    fn into_tool_def(self) -> ToolDef<S>;
}

impl<S> IntoToolDef<S> for ToolDef<S> {
    fn into_tool_def(self) -> ToolDef<S> {
        self
    }
}

impl<S> ToolDef<S> {
    /// Assembles a tool definition. Called by generated code.
    #[doc(hidden)]
    pub fn new(
        meta: ToolMeta,
        input: InputSpec,
        output_schema: fn(&mut SchemaGenerator) -> Option<Schema>,
        call: for<'a> fn(&'a S, Ctx, ToolArgs) -> ToolFuture<'a>,
    ) -> Self {
        ToolDef {
            meta,
            input,
            output_schema,
            call,
        }
    }

    /// The name clients call the tool by.
    pub fn name(&self) -> &'static str {
        self.meta.name
    }

    /// Narrows already validated `arguments` into the handler's parameters, as a call does, and
    /// returns the handler's future without polling it (so the handler's body never runs). An
    /// argument that cannot be narrowed makes it a ready [`ToolOutcome::InvalidArguments`].
    ///
    /// For benchmarks of the per-call work between validation and the handler; the server never
    /// calls it.
    #[doc(hidden)]
    pub fn narrow<'a>(&self, state: &'a S, arguments: Map<String, Value>) -> ToolFuture<'a> {
        let ctx = Ctx::detached();
        (self.call)(state, ctx, ToolArgs::new(arguments))
    }
}

impl<S> std::fmt::Debug for ToolDef<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef")
            .field("name", &self.meta.name)
            .finish_non_exhaustive()
    }
}

/// What a client learns about a tool besides its schemas.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct ToolMeta {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    pub annotations: ToolAnnotations,
    /// `#[tool(timeout = "…")]`.
    pub timeout: Option<std::time::Duration>,
    /// `#[tool(scopes = [...])]`: what a caller must have been granted.
    pub scopes: &'static [&'static str],
    /// `#[tool(rate_limit = "…")]`: calls per principal and period.
    pub rate_limit: Option<crate::limits::Rate>,
    /// `#[tool(cost = N)]`: units one call draws from the budget (default 1).
    pub cost: u32,
    /// `#[tool(budget = "…")]`: units per principal and period.
    pub budget: Option<crate::limits::Rate>,
}

/// How a tool's arguments are described.
#[doc(hidden)]
pub enum InputSpec {
    /// One property per function parameter.
    Params(Vec<ParamSpec>),
    /// The arguments object is one `Deserialize + JsonSchema` type (`#[arg(flatten)]`).
    Flatten(fn(&mut SchemaGenerator) -> Schema),
}

/// One function parameter of a tool.
#[doc(hidden)]
pub struct ParamSpec {
    pub name: &'static str,
    pub description: Option<&'static str>,
    pub schema: fn(&mut SchemaGenerator) -> Schema,
    /// Whether the parameter's type can be built from an absent value (as `Option<T>` can).
    pub optional: fn() -> bool,
    pub default: Option<fn() -> Value>,
    pub constraints: Vec<Constraint>,
    /// `#[arg(sensitive)]`: the argument's name is redacted in every log line.
    pub sensitive: bool,
}

/// A constraint from `#[arg(...)]`, written into the parameter's schema.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub enum Constraint {
    /// `range(min = …, max = …)`: `minimum` / `maximum`.
    Range {
        min: Option<Bound>,
        max: Option<Bound>,
    },
    /// `length(min = …, max = …)`, with the keywords that fit the type (`minLength` or `minItems` …).
    Length {
        min: Option<u64>,
        max: Option<u64>,
        keywords: (&'static str, &'static str),
    },
    /// `pattern = "…"`: an ECMA-262 regular expression.
    Pattern(&'static str),
}

/// A numeric bound as written in the attribute.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Bound {
    Int(i64),
    Float(f64),
}
