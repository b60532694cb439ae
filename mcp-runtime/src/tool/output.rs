//! What a handler may return, and how errors are classed: by trait, never by type name.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;

use crate::protocol::messages::{CallToolResult, Content};

/// A handler's return value, before the runtime writes it for the negotiated version.
#[derive(Debug)]
pub enum ToolOutput {
    /// A finished result.
    Result(CallToolResult),
    /// Structured output from [`Json`]: becomes `structuredContent` plus its JSON text.
    Structured(Value),
    /// The handler failed.
    Failure(ToolFailure),
}

/// Turns a handler's return value into a tool result.
///
/// Implemented for text (`String`, `&'static str`, numbers, `bool`), [`Json<T>`], [`Content`],
/// `Vec<Content>`, [`CallToolResult`], `()` and `Result<T, E>` of those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[tool]` function",
    label = "this return type is not a tool result",
    note = "return text (`String`), `Json<T>` for structured output, `Vec<Content>`, `CallToolResult`, or a `Result<_, ToolError>` of one of these"
)]
pub trait IntoToolResult {
    /// The value as tool output.
    fn into_tool_output(self) -> ToolOutput;

    /// The JSON Schema of the structured output, for tools that have one.
    fn output_schema(_generator: &mut SchemaGenerator) -> Option<Schema> {
        None
    }
}

/// Structured tool output: serialised into `structuredContent`, with its schema advertised as the
/// tool's `outputSchema`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_output(self) -> ToolOutput {
        match serde_json::to_value(&self.0) {
            Ok(value) => ToolOutput::Structured(value),
            Err(_) => ToolOutput::Failure(ToolFailure::internal(std::any::type_name::<
                serde_json::Error,
            >())),
        }
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        Some(generator.subschema_for::<T>())
    }
}

impl IntoToolResult for CallToolResult {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::Result(self)
    }
}

impl IntoToolResult for Content {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::Result(CallToolResult {
            content: vec![self],
            ..Default::default()
        })
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::Result(CallToolResult {
            content: self,
            ..Default::default()
        })
    }
}

impl IntoToolResult for () {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::Result(CallToolResult::default())
    }
}

impl IntoToolResult for String {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::Result(CallToolResult::text(self))
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::Result(CallToolResult::text(self))
    }
}

impl IntoToolResult for Cow<'static, str> {
    fn into_tool_output(self) -> ToolOutput {
        ToolOutput::Result(CallToolResult::text(self))
    }
}

macro_rules! text_from_display {
    ($($t:ty),*) => {$(
        impl IntoToolResult for $t {
            fn into_tool_output(self) -> ToolOutput {
                ToolOutput::Result(CallToolResult::text(self.to_string()))
            }
        }
    )*};
}
text_from_display!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, char
);

impl<T: IntoToolResult, E: IntoToolFailure> IntoToolResult for Result<T, E> {
    fn into_tool_output(self) -> ToolOutput {
        match self {
            Ok(value) => value.into_tool_output(),
            Err(error) => ToolOutput::Failure(error.into_tool_failure()),
        }
    }

    fn output_schema(generator: &mut SchemaGenerator) -> Option<Schema> {
        T::output_schema(generator)
    }
}

/// Why a tool call failed, as far as the client may know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolFailure {
    /// A [`ToolError`] written for the client: its message is shown.
    UserFacing(Cow<'static, str>),
    /// Any other error: the client sees a generic message and an error id; the log gets the
    /// error's type name, never its message.
    Internal {
        /// `std::any::type_name` of the error.
        type_name: &'static str,
    },
    /// The handler needed a client capability the client did not declare (a
    /// [`ClientRequestError::NotSupported`](crate::ClientRequestError::NotSupported) it
    /// returned or `?`ed). On 2026-07-28 the request is answered with the JSON-RPC error
    /// `MissingRequiredClientCapability` (-32021); on earlier versions the message is shown
    /// like a [`ToolFailure::UserFacing`] one.
    MissingCapability {
        /// The capability, as a dotted path such as `sampling` or `elicitation.url`.
        capability: &'static str,
        /// What the client is shown.
        message: Cow<'static, str>,
    },
}

impl ToolFailure {
    pub(crate) fn internal(type_name: &'static str) -> Self {
        ToolFailure::Internal { type_name }
    }
}

/// `data.requiredCapabilities` of a -32021 error: the dotted `capability` as a
/// `ClientCapabilities` object (`elicitation.url` is `{"elicitation": {"url": {}}}`).
pub(crate) fn required_capabilities(capability: &str) -> serde_json::Value {
    capability.rsplit('.').fold(
        serde_json::json!({}),
        |inner, key| serde_json::json!({ key: inner }),
    )
}

/// Classifies a handler's error: [`ToolError`]s speak to the client, everything else is internal.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of a `#[tool]` function",
    note = "use `ToolError` for messages meant for the client, or any `std::error::Error` type (reported as an internal error)"
)]
pub trait IntoToolFailure {
    /// The failure this error stands for.
    fn into_tool_failure(self) -> ToolFailure;
}

// Not recommended in diagnostics: for a type that is neither, rustc should say what the trait
// says (use `ToolError` or an error type), not "`std::error::Error` is not implemented".
#[diagnostic::do_not_recommend]
impl<E: std::error::Error + 'static> IntoToolFailure for E {
    fn into_tool_failure(self) -> ToolFailure {
        ToolFailure::internal(std::any::type_name::<E>())
    }
}

impl IntoToolFailure for ToolError {
    fn into_tool_failure(self) -> ToolFailure {
        self.0
    }
}

/// A tool failure whose message the client (and the model) should see.
///
/// `ToolError::new("ticket T-9 does not exist")` shows its message. Any `std::error::Error`
/// converts into a `ToolError` with `?`; such errors are internal: the client sees a generic
/// message and an error id, and nothing of the error's own message.
///
/// `ToolError` deliberately does not implement `std::error::Error`, so that the conversion above exists.
pub struct ToolError(ToolFailure);

impl ToolError {
    /// A failure whose `message` is shown to the client. Write it for the model: what went
    /// wrong and what to do instead.
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        ToolError(ToolFailure::UserFacing(message.into()))
    }

    pub(crate) fn from_failure(failure: ToolFailure) -> Self {
        ToolError(failure)
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(_: E) -> Self {
        ToolError(ToolFailure::internal(std::any::type_name::<E>()))
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ToolFailure::UserFacing(_) => f.write_str("ToolError(user-facing)"),
            ToolFailure::Internal { type_name } => write!(f, "ToolError(internal: {type_name})"),
            ToolFailure::MissingCapability { capability, .. } => {
                write!(f, "ToolError(missing capability: {capability})")
            }
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ToolFailure::UserFacing(message) => f.write_str(message),
            ToolFailure::MissingCapability { message, .. } => f.write_str(message),
            ToolFailure::Internal { .. } => f.write_str("internal error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dotted_capability_is_a_nested_capabilities_object() {
        use serde_json::json;
        assert_eq!(required_capabilities("sampling"), json!({"sampling": {}}));
        assert_eq!(
            required_capabilities("elicitation.url"),
            json!({"elicitation": {"url": {}}})
        );
    }

    #[test]
    fn errors_are_classed_by_trait() {
        let user: Result<String, ToolError> = Err(ToolError::new("no such ticket"));
        assert!(
            matches!(user.into_tool_output(), ToolOutput::Failure(ToolFailure::UserFacing(m)) if m == "no such ticket")
        );
        let io: Result<String, std::io::Error> =
            Err(std::io::Error::other("secret path /home/alice"));
        assert!(matches!(
            io.into_tool_output(),
            ToolOutput::Failure(ToolFailure::Internal {
                type_name: "std::io::error::Error"
            })
        ));
        fn fails() -> Result<(), ToolError> {
            "x".parse::<i32>()?;
            Ok(())
        }
        let converted = fails().unwrap_err();
        assert_eq!(converted.to_string(), "internal error");
    }

    #[test]
    fn json_output_has_a_schema() {
        let mut generator = SchemaGenerator::default();
        assert!(<Result<Json<Vec<u8>>, ToolError>>::output_schema(&mut generator).is_some());
        assert!(<String>::output_schema(&mut generator).is_none());
    }
}
