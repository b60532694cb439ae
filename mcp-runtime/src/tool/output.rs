//! What a handler may return, and how errors are classed: by trait, never by type name.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;

use crate::failure::{IntoToolFailure, ToolFailure};
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
///
/// MCP requires structured content to be an object, so a `T` whose schema is not one
/// (`Json<Vec<Ticket>>`, `Json<u32>`) arrives wrapped, `{"result": [...]}`, and its output
/// schema says so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_output(self) -> ToolOutput {
        match serde_json::to_value(&self.0) {
            Ok(value) => ToolOutput::Structured(value),
            Err(error) => ToolOutput::Failure(ToolFailure::internal(&error, None)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::ToolError;

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
                type_name: "std::io::error::Error",
                ..
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
