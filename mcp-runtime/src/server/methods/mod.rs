//! The methods a server answers, one module per concept; `routes.rs` says which method of which
//! era reaches which function here.

pub(super) mod completion;
pub(super) mod lifecycle;
pub(super) mod listen;
pub(super) mod prompts;
pub(super) mod resources;
pub(super) mod tools;

use serde_json::json;

use super::outcome::{Outcome, Record};
use crate::failure::ToolFailure;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INTERNAL_ERROR, MISSING_REQUIRED_CLIENT_CAPABILITY};

/// 2026-07-28 basic/index, "Per-request protocol fields": a request that needs a capability the
/// client did not declare MUST get `MissingRequiredClientCapabilityError` (-32021) naming it in
/// `data.requiredCapabilities` (and HTTP 400, which the transport gives every -32021).
fn missing_capability(capability: &str, message: String) -> ErrorObject {
    let required = crate::failure::required_capabilities(capability);
    ErrorObject::new(MISSING_REQUIRED_CLIENT_CAPABILITY, message)
        .with_data(json!({ "requiredCapabilities": required }))
}

/// The JSON-RPC error for a resource, prompt or completion handler that failed (`None`: it
/// panicked), with the outcome recorded: a [`ToolError`](crate::ToolError)'s message is shown;
/// anything else is an internal error with an error id, whose own message never leaves the
/// server.
fn handler_error(
    failure: Option<ToolFailure>,
    version: ProtocolVersion,
    record: &mut Record,
) -> ErrorObject {
    let what = record.kind().as_str();
    let internal = |error_id: String| {
        ErrorObject::new(
            INTERNAL_ERROR,
            format!("The {what} failed with an internal error (error id: {error_id})."),
        )
    };
    match failure {
        Some(ToolFailure::MissingCapability {
            capability,
            message,
        }) if version.is_modern() => {
            record.set(Outcome::MissingCapability);
            missing_capability(capability, message.into_owned())
        }
        Some(ToolFailure::UserFacing(message) | ToolFailure::MissingCapability { message, .. }) => {
            record.set(Outcome::ToolError);
            ErrorObject::new(INTERNAL_ERROR, message.into_owned())
        }
        Some(ToolFailure::Internal { type_name, trace }) => {
            let error_id = record.fail_internal(type_name, trace);
            internal(error_id)
        }
        None => {
            let error_id = record.fail(Outcome::Panic);
            internal(error_id)
        }
    }
}
