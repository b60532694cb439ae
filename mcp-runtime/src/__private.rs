//! What generated code names. Not a public API: it changes with the macros, in lockstep.

use std::future::Future;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

#[cfg(feature = "snapshot")]
pub use insta;

pub use crate::Ctx;
pub use crate::limits::Rate;
pub use crate::protocol::messages::{Implementation, ToolAnnotations};
pub use crate::server::McpServer;

// Internals the benchmarks drive by hand (a session frame by frame, the validator alone, a
// tool's narrowing): reachable here, and nowhere a user looks.
pub use crate::context::NotificationSink;
pub use crate::server::{Incoming, Reply, Session};
pub use crate::tool::ToolOutput;
pub use crate::tool::{
    Bound, Constraint, InputSpec, IntoToolResult, ParamSpec, ToolArgs, ToolDef, ToolFuture,
    ToolMeta, ToolOutcome,
};
pub use crate::validate::{CompiledSchema, compile};

/// The schema of a parameter's type.
pub fn schema_of<T: ToolArg>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Whether a parameter may be left out: its type can be built from an absent (`null`) value, as
/// `Option<T>` can. Decided by the type's own `Deserialize`, never by its name.
pub fn accepts_absent<T: ToolArg>() -> bool {
    serde_json::from_value::<T>(Value::Null).is_ok()
}

/// A `default = …` value as JSON, for the schema's `default`.
pub fn default_json<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The output schema of a return type.
pub fn output_schema_of<R: IntoToolResult>(generator: &mut SchemaGenerator) -> Option<Schema> {
    R::output_schema(generator)
}

/// Boxes a handler's future, turning its value into tool output.
pub fn respond<'a, R: IntoToolResult>(
    future: impl Future<Output = R> + Send + 'a,
) -> ToolFuture<'a> {
    Box::pin(async move { ToolOutcome::Output(future.await.into_tool_output()) })
}

/// A type a tool can take as an argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool argument: it must implement `serde::Deserialize` and `schemars::JsonSchema`",
    label = "this argument's type lacks `Deserialize` or `JsonSchema`",
    note = "for a type of your own, derive both: `#[derive(serde::Deserialize, schemars::JsonSchema)]`",
    note = "the call context is not an argument: take it by reference, `ctx: &Ctx`"
)]
pub trait ToolArg: DeserializeOwned + JsonSchema {}
impl<T: DeserializeOwned + JsonSchema> ToolArg for T {}

/// Checks, at the argument's span, that its type can be a tool argument.
pub const fn assert_tool_arg<T: ToolArg>() {}

// The narrowing helpers are bound on `ToolArg` (not only `DeserializeOwned`), like every other
// use of an argument's type, so a type lacking `Deserialize` is reported once, by `ToolArg`.

/// [`ToolArgs::take`], for an argument.
pub fn take_arg<T: ToolArg>(args: &mut ToolArgs, name: &'static str) -> Option<T> {
    args.take(name)
}

/// [`ToolArgs::take_or`], for an argument with a `default`.
pub fn take_arg_or<T: ToolArg>(
    args: &mut ToolArgs,
    name: &'static str,
    default: impl FnOnce() -> T,
) -> Option<T> {
    args.take_or(name, default)
}

/// [`ToolArgs::take_all`], for an `#[arg(flatten)]` argument.
pub fn take_all_args<T: ToolArg>(args: &mut ToolArgs) -> Option<T> {
    args.take_all()
}

/// The context parameter's type: `&Ctx`.
#[diagnostic::on_unimplemented(
    message = "a reference parameter of a `#[tool]` function is its context and must be `&Ctx`, not `{Self}`",
    label = "not `&Ctx`",
    note = "tool arguments are taken by value: `String`, not `&str`"
)]
pub trait ContextParam<'a> {
    /// The parameter's value.
    fn from_ctx(ctx: &'a Ctx) -> Self;
}
impl<'a> ContextParam<'a> for &'a Ctx {
    fn from_ctx(ctx: &'a Ctx) -> Self {
        ctx
    }
}

/// The context as the parameter's type, which must be `&Ctx`: passed through this (rather than
/// as `&ctx`) so a wrong type is reported once, as `ContextParam`, and not also as a mismatch.
pub fn context_arg<'a, T: ContextParam<'a>>(ctx: &'a Ctx) -> T {
    T::from_ctx(ctx)
}

/// Checks, at the return type's span, that it can be a tool result.
pub const fn assert_tool_result<R: IntoToolResult>() {}

/// A number `#[arg(range(...))]` can bound.
#[diagnostic::on_unimplemented(
    message = "`#[arg(range(...))]` needs a numeric argument, and `{Self}` is not a number",
    label = "not a number",
    note = "for strings and lists, use `#[arg(length(min = …, max = …))]`"
)]
pub trait RangeArg {}

/// A string, list or map `#[arg(length(...))]` can bound, with the keywords that bound it.
#[diagnostic::on_unimplemented(
    message = "`#[arg(length(...))]` needs a string, list or map argument, and `{Self}` is none of these",
    label = "has no length to bound",
    note = "for numbers, use `#[arg(range(min = …, max = …))]`",
    note = "a fixed-size array or tuple already has its type's length, which its schema advertises (`minItems` = `maxItems`); for a bounded list, take a `Vec<T>`"
)]
pub trait LengthArg {
    /// The (min, max) keywords.
    const KEYWORDS: (&'static str, &'static str);
}

/// A string `#[arg(pattern = "...")]` can match.
#[diagnostic::on_unimplemented(
    message = "`#[arg(pattern = ...)]` needs a string argument, and `{Self}` is not a string",
    label = "not a string",
    note = "take the argument as a `String`, or bound a number with `#[arg(range(min = …, max = …))]`"
)]
pub trait PatternArg {}

/// The length keywords of `T`, checked at the argument's span.
pub const fn length_keywords<T: LengthArg>() -> (&'static str, &'static str) {
    T::KEYWORDS
}

/// Checks, at the argument's span, that `range` fits its type.
pub const fn assert_range_arg<T: RangeArg>() {}

/// Checks, at the argument's span, that `pattern` fits its type.
pub const fn assert_pattern_arg<T: PatternArg>() {}

macro_rules! impl_marker {
    ($trait:ident: $($t:ty),*) => { $(impl $trait for $t {})* };
}
impl_marker!(RangeArg: i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);
impl<T: RangeArg> RangeArg for Option<T> {}

// Written out, not through `impl_marker!`: rustc lists these few impls by their source lines
// when `pattern` is misused, and a macro there would drag its expansion into the error.
impl PatternArg for String {}
impl PatternArg for Box<str> {}
impl PatternArg for std::borrow::Cow<'static, str> {}
impl<T: PatternArg> PatternArg for Option<T> {}

const STRING: (&str, &str) = ("minLength", "maxLength");
const ARRAY: (&str, &str) = ("minItems", "maxItems");
const OBJECT: (&str, &str) = ("minProperties", "maxProperties");

impl LengthArg for String {
    const KEYWORDS: (&'static str, &'static str) = STRING;
}
impl LengthArg for Box<str> {
    const KEYWORDS: (&'static str, &'static str) = STRING;
}
impl LengthArg for std::borrow::Cow<'static, str> {
    const KEYWORDS: (&'static str, &'static str) = STRING;
}
impl<T> LengthArg for Vec<T> {
    const KEYWORDS: (&'static str, &'static str) = ARRAY;
}
impl<T> LengthArg for std::collections::VecDeque<T> {
    const KEYWORDS: (&'static str, &'static str) = ARRAY;
}
impl<T, S> LengthArg for std::collections::HashSet<T, S> {
    const KEYWORDS: (&'static str, &'static str) = ARRAY;
}
impl<T> LengthArg for std::collections::BTreeSet<T> {
    const KEYWORDS: (&'static str, &'static str) = ARRAY;
}
impl<K, V, S> LengthArg for std::collections::HashMap<K, V, S> {
    const KEYWORDS: (&'static str, &'static str) = OBJECT;
}
impl<K, V> LengthArg for std::collections::BTreeMap<K, V> {
    const KEYWORDS: (&'static str, &'static str) = OBJECT;
}
impl<T: LengthArg> LengthArg for Option<T> {
    const KEYWORDS: (&'static str, &'static str) = T::KEYWORDS;
}

// Resources, prompts and completion hooks.

pub use crate::completion::{
    CompleteHook, CompletionFuture, CompletionRequest, IntoCompletions, TextParamSpec,
};
pub use crate::prompt::{IntoPromptMessages, PromptDef, PromptFuture, PromptMeta, PromptOutcome};
pub use crate::resource::{
    IntoResourceOutput, ResourceDef, ResourceFuture, ResourceMeta, ResourceOutcome,
};
pub use crate::text_args::TextArgs;

/// A type a prompt argument or URI template variable can be narrowed into.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a prompt argument or template variable: it must implement `serde::Deserialize`",
    label = "this parameter's type lacks `Deserialize`",
    note = "the client sends a string: take `String`, or a type that deserialises from the string or from its JSON meaning (numbers, `bool`, enums)"
)]
pub trait TextArg: DeserializeOwned {}
impl<T: DeserializeOwned> TextArg for T {}

/// Checks, at the parameter's span, that its type can be narrowed from a string.
pub const fn assert_text_arg<T: TextArg>() {}

/// Whether a string parameter may be left out (its type accepts an absent value).
pub fn text_arg_optional<T: TextArg>() -> bool {
    serde_json::from_value::<T>(Value::Null).is_ok()
}

/// [`TextArgs::take`], for a prompt argument or template variable.
pub fn take_text_arg<T: TextArg>(args: &mut TextArgs, name: &'static str) -> Option<T> {
    args.take(name)
}

/// Checks, at the return type's span, that it can be resource contents.
pub const fn assert_resource_output<R: IntoResourceOutput>() {}

/// Checks, at the return type's span, that it can be prompt messages.
pub const fn assert_prompt_output<R: IntoPromptMessages>() {}

/// Boxes a resource handler's future, turning its value into resource output.
pub fn respond_resource<'a, R: IntoResourceOutput>(
    future: impl Future<Output = R> + Send + 'a,
) -> ResourceFuture<'a> {
    Box::pin(async move { ResourceOutcome::Output(future.await.into_resource_output()) })
}

/// Boxes a prompt handler's future, turning its value into prompt messages.
pub fn respond_prompt<'a, R: IntoPromptMessages>(
    future: impl Future<Output = R> + Send + 'a,
) -> PromptFuture<'a> {
    Box::pin(async move { PromptOutcome::Output(future.await.into_prompt_messages()) })
}

/// Boxes a completion hook's future.
pub fn respond_completion<'a, R: IntoCompletions>(
    future: impl Future<Output = R> + Send + 'a,
) -> CompletionFuture<'a> {
    Box::pin(async move { future.await.into_completions() })
}

/// The outcome of a read whose template variables failed narrowing.
pub fn invalid_resource_args<'a>(args: TextArgs) -> ResourceFuture<'a> {
    Box::pin(std::future::ready(ResourceOutcome::InvalidArguments(
        args.into_violations(),
    )))
}

/// The outcome of a `prompts/get` whose arguments failed narrowing.
pub fn invalid_prompt_args<'a>(args: TextArgs) -> PromptFuture<'a> {
    Box::pin(std::future::ready(PromptOutcome::InvalidArguments(
        args.into_violations(),
    )))
}
