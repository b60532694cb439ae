//! How a handler fails: [`ToolError`] for messages meant for the client, any other error as an
//! internal one. Shared by tools, resources, prompts, completion hooks and requests to the client,
//! so it sits below all of them.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::panic::Location;

use crate::logging::{Clipped, error_messages_on};

/// Why a tool call failed, as far as the client may know.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolFailure {
    /// A [`ToolError`] written for the client: its message is shown.
    UserFacing(Cow<'static, str>),
    /// Any other error: the client sees a generic message and an error id; the log gets the
    /// error's type name and [`ErrorTrace`], never its message (unless a developer opted in
    /// with [`log_error_messages`](crate::logging::log_error_messages)).
    #[non_exhaustive]
    Internal {
        /// `std::any::type_name` of the error.
        type_name: &'static str,
        /// Where it was converted and what else the log may say of it.
        trace: ErrorTrace,
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
    /// An internal failure of the error `E`, converted at `location` (if known).
    pub(crate) fn internal<E: StdError + 'static>(
        error: &E,
        location: Option<&'static Location<'static>>,
    ) -> Self {
        ToolFailure::Internal {
            type_name: std::any::type_name::<E>(),
            trace: ErrorTrace::of(error, location),
        }
    }
}

/// What the log line of an internal error may hold besides its type name.
///
/// A `dyn Error` chain's type names are not available at run time (`source()` gives a
/// `&dyn Error`), so of the chain only its length is kept; the type name recorded is that of the
/// error the handler converted, known statically where it is converted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorTrace {
    /// The code location of the `?` (or `ToolError::from`) that turned the error into a
    /// [`ToolError`]: logged as `error_location = "file:line"`. `None` for an error a handler
    /// returned as its own error type, which the runtime converts (no user code to point at).
    pub location: Option<&'static Location<'static>>,
    /// How many errors its `source()` chain holds below it (`error_sources`), up to 32.
    pub sources: usize,
    /// Its message and its sources' (`"outer: inner"`), clipped to 128 bytes: kept only while
    /// [`log_error_messages`](crate::logging::log_error_messages) is on, and logged as
    /// `error_message` through the redactor.
    pub message: Option<String>,
}

/// The most links of a `source()` chain that are followed (a chain may be cyclic).
const MAX_SOURCES: usize = 32;

impl ErrorTrace {
    fn of(error: &(dyn StdError + 'static), location: Option<&'static Location<'static>>) -> Self {
        let message = error_messages_on().then(|| {
            // Clipped while it is written, so a huge message is never held whole.
            Clipped(MessageChain(error)).to_string()
        });
        ErrorTrace {
            location,
            sources: sources(error).count(),
            message,
        }
    }
}

/// The `source()` chain below `error`, at most [`MAX_SOURCES`] long.
fn sources<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(error.source(), |e| (*e).source()).take(MAX_SOURCES)
}

/// An error's message followed by its sources', `": "` between them.
struct MessageChain<'a>(&'a (dyn StdError + 'static));

impl fmt::Display for MessageChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        for source in sources(self.0) {
            write!(f, ": {source}")?;
        }
        Ok(())
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
        ToolFailure::internal(&self, None)
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

/// `?` on any error in a handler that returns `Result<_, ToolError>`: an internal error whose
/// log line says where the `?` is (`#[track_caller]`: the conversion's caller is the `?`).
impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    #[track_caller]
    fn from(error: E) -> Self {
        ToolError(ToolFailure::internal(&error, Some(Location::caller())))
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ToolFailure::UserFacing(_) => f.write_str("ToolError(user-facing)"),
            ToolFailure::Internal { type_name, .. } => {
                write!(f, "ToolError(internal: {type_name})")
            }
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

    #[derive(Debug)]
    struct Outer(std::num::ParseIntError);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("config line 3")
        }
    }

    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    fn failing() -> Result<(), ToolError> {
        let inner = "x".parse::<i32>().unwrap_err();
        Err(Outer(inner))?; // The location below points here.
        Ok(())
    }

    fn trace_of(error: ToolError) -> (&'static str, ErrorTrace) {
        match error.0 {
            ToolFailure::Internal { type_name, trace } => (type_name, trace),
            other => panic!("not internal: {other:?}"),
        }
    }

    // One test for both settings: the switch is process-wide, and tests run in parallel.
    #[test]
    fn a_converted_error_records_where_and_how_deep_and_its_message_only_on_request() {
        let (type_name, trace) = trace_of(failing().unwrap_err());
        assert!(type_name.ends_with("::Outer"), "{type_name}");
        let location = trace.location.expect("the `?` is located");
        assert_eq!(location.file(), file!());
        let source = include_str!("failure.rs");
        let line = source
            .lines()
            .position(|l| l.contains("Err(Outer(inner))?;"))
            .unwrap();
        assert_eq!(location.line() as usize, line + 1);
        assert_eq!(trace.sources, 1);
        assert_eq!(trace.message, None);

        crate::logging::log_error_messages(true);
        let (_, trace) = trace_of(failing().unwrap_err());
        let returned = std::io::Error::other("x".repeat(300)).into_tool_failure();
        crate::logging::log_error_messages(false);
        assert_eq!(
            trace.message.as_deref(),
            Some("config line 3: invalid digit found in string")
        );
        let ToolFailure::Internal {
            trace: returned, ..
        } = returned
        else {
            panic!("not internal")
        };
        assert_eq!(returned.location, None, "no user code converted it");
        let message = returned.message.unwrap();
        assert!(
            message.starts_with("xxx") && message.ends_with("…[+172 bytes]"),
            "{message}"
        );
    }

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
