//! How a handler fails: [`ToolError`] for messages meant for the client, any other error as an
//! internal one. Shared by tools, resources, prompts, completion hooks and requests to the client,
//! so it sits below all of them.

use std::borrow::Cow;
use std::fmt;

/// Why a tool call failed, as far as the client may know.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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

/// `1500 ms` → `1.5s`, `90 s` → `90s`.
pub(crate) fn human_duration(duration: std::time::Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else if millis < 1000 {
        format!("{millis}ms")
    } else {
        format!("{:.1}s", duration.as_secs_f64())
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
}
