//! everything: the fixture server of the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`), whose scenarios call tools by fixed names and check
//! what they return, plus fixtures of our own (`test_panic`, `test_sleep`, `test_constraints`).
//!
//! Texts and payloads are those of the suite's reference server
//! (`examples/servers/typescript/everything-server.ts`) wherever the suite checks them. The
//! binary serves Streamable HTTP by default (`--stdio` for stdio); `cargo xtask conformance`
//! runs the suite against it. Tests build it in-process with [`server`].

mod asking;
mod catalog;
mod mrtr;

use std::borrow::Cow;
use std::time::Duration;

use mcp_runtime::prelude::*;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A 1×1 red PNG, base64-encoded.
pub const TEST_IMAGE_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

/// A minimal WAV file (one silent sample), base64-encoded.
pub const TEST_AUDIO_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/// The pause between the notifications of `test_tool_with_logging` and `test_tool_with_progress`.
const STEP: Duration = Duration::from_millis(50);

/// Tests simple text content response
#[tool]
pub async fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Tests image content response
#[tool]
pub async fn test_image_content() -> Content {
    png()
}

/// Tests audio content response
#[tool]
pub async fn test_audio_content() -> Content {
    Content::Audio {
        data: TEST_AUDIO_BASE64.into(),
        mime_type: "audio/wav".into(),
    }
}

/// Tests embedded resource content response
#[tool]
pub async fn test_embedded_resource() -> Content {
    Content::Resource {
        resource: json!({
            "uri": "test://embedded-resource",
            "mimeType": "text/plain",
            "text": "This is an embedded resource content."
        }),
    }
}

/// Tests response with multiple content types (text, image, resource)
#[tool]
pub async fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        png(),
        Content::Resource {
            resource: json!({
                "uri": "test://mixed-content-resource",
                "mimeType": "application/json",
                "text": json!({"test": "data", "value": 123}).to_string()
            }),
        },
    ]
}

fn png() -> Content {
    Content::Image {
        data: TEST_IMAGE_BASE64.into(),
        mime_type: "image/png".into(),
    }
}

/// Tests tool that emits log messages during execution
#[tool]
pub async fn test_tool_with_logging(ctx: &Ctx) -> &'static str {
    ctx.log(LogLevel::Info, "Tool execution started");
    tokio::time::sleep(STEP).await;
    ctx.log(LogLevel::Info, "Tool processing data");
    tokio::time::sleep(STEP).await;
    ctx.log(LogLevel::Info, "Tool execution completed");
    "Tool with logging executed successfully"
}

/// Tests tool that reports progress notifications
#[tool]
pub async fn test_tool_with_progress(ctx: &Ctx) -> &'static str {
    for (step, done) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        if step > 0 {
            tokio::time::sleep(STEP).await;
        }
        let message = format!("Completed step {done} of 100");
        ctx.progress(done, Some(100.0), Some(&message));
    }
    "Tool with progress executed successfully"
}

/// Diagnostic logging validator tool
#[tool]
pub async fn test_logging_tool(ctx: &Ctx) -> &'static str {
    // Sent only when the client asked for log messages (on 2026-07-28: `_meta` logLevel).
    ctx.log(LogLevel::Info, "Diagnostic trace logging activated");
    "Logging evaluated"
}

/// Tests error response handling
#[tool]
pub async fn test_error_handling() -> Result<String, ToolError> {
    Err(ToolError::new(
        "This tool intentionally returns an error for testing",
    ))
}

/// Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)
#[tool]
pub async fn json_schema_2020_12_tool(#[arg(flatten)] person: Person) -> String {
    let echoed = serde_json::to_string(&person).unwrap_or_default();
    format!("JSON Schema 2020-12 tool called with: {echoed}")
}

/// The arguments of `json_schema_2020_12_tool`.
///
/// Its schema is written by hand: the suite checks for the exact document of SEP-1613 and
/// SEP-2106 (`$schema`; `$defs` with an `$anchor`, reached by `$ref`; `allOf`/`anyOf`;
/// `if`/`then`/`else`; `additionalProperties: false`), and a derived schema is inlined and has
/// no `$schema`. The runtime compiles this document like any other, so every keyword in it is
/// enforced: a call gives an `email`, or `contactMethod: "phone"` and a `phone`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// A name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// How to reach the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_method: Option<ContactMethod>,
    /// A phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// An email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A postal address, both parts optional; other properties are allowed (the schema does not
/// close `address`) and ignored.
#[derive(Debug, Deserialize, Serialize)]
pub struct Address {
    /// Street and number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

/// How to reach a [`Person`].
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactMethod {
    /// By phone.
    Phone,
    /// By email.
    Email,
}

impl JsonSchema for Person {
    fn schema_name() -> Cow<'static, str> {
        "Person".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "address": {
                    "$anchor": "addressDef",
                    "type": "object",
                    "properties": {
                        "street": {"type": "string"},
                        "city": {"type": "string"}
                    }
                }
            },
            "properties": {
                "name": {"type": "string"},
                "address": {"$ref": "#/$defs/address"},
                "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                "phone": {"type": "string"},
                "email": {"type": "string"}
            },
            "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
            "if": {
                "properties": {"contactMethod": {"const": "phone"}},
                "required": ["contactMethod"]
            },
            "then": {"required": ["phone"]},
            "else": {"required": ["email"]},
            "additionalProperties": false
        })
    }
}

/// Panics, to show that a panicking tool becomes an `isError` result and the server keeps serving.
#[tool]
pub async fn test_panic() -> String {
    panic!("test_panic panics on purpose")
}

/// Sleeps for `ms` milliseconds, then says so; a cancelled call stops at once.
#[tool]
pub async fn test_sleep(
    ctx: &Ctx,
    #[arg(
        range(max = 600000),
        description = "How long to sleep, in milliseconds."
    )]
    ms: u64,
) -> Result<String, ToolError> {
    tokio::select! {
        () = tokio::time::sleep(Duration::from_millis(ms)) => Ok(format!("slept {ms} ms")),
        // The runtime sends no answer for a cancelled call; this only stops the work early.
        () = ctx.cancelled() => Err(ToolError::new("cancelled")),
    }
}

/// Echoes three constrained arguments, to show every violation of `#[arg]` constraints listed at once.
#[tool]
pub async fn test_constraints(
    #[arg(range(min = 1, max = 50), description = "A count from 1 to 50.")] count: i64,
    #[arg(length(min = 1, max = 5), description = "One to five characters.")] name: String,
    #[arg(pattern = "^[a-z]+$", description = "Lowercase ASCII letters only.")] slug: String,
) -> String {
    format!("count={count} name={name} slug={slug}")
}

pub use asking::{
    test_elicitation, test_elicitation_sep1034_defaults, test_elicitation_sep1034_defaults_tool,
    test_elicitation_sep1330_enums, test_elicitation_sep1330_enums_tool, test_elicitation_tool,
    test_reconnection, test_reconnection_tool, test_sampling, test_sampling_tool,
};
pub use catalog::Everything;
pub use mrtr::{
    test_input_required_result_capabilities, test_input_required_result_capabilities_tool,
    test_input_required_result_elicitation, test_input_required_result_elicitation_tool,
    test_input_required_result_list_roots, test_input_required_result_list_roots_tool,
    test_input_required_result_multi_round, test_input_required_result_multi_round_tool,
    test_input_required_result_multiple_inputs, test_input_required_result_multiple_inputs_tool,
    test_input_required_result_request_state, test_input_required_result_request_state_tool,
    test_input_required_result_sampling, test_input_required_result_sampling_tool,
    test_input_required_result_tampered_state, test_input_required_result_tampered_state_tool,
    test_missing_capability, test_missing_capability_tool, test_streaming_elicitation,
    test_streaming_elicitation_tool,
};

/// The everything server: every fixture tool, resource, template and prompt.
pub fn server() -> Result<Server, mcp_runtime::Error> {
    let updates = mcp_runtime::ResourceUpdates::new();
    let running = std::sync::Arc::new(std::sync::OnceLock::new());
    let everything = Everything {
        updates: updates.clone(),
        server: std::sync::Arc::clone(&running),
    };
    let server = everything
        .into_builder()
        .resource_updates(updates)
        .tool(test_simple_text_tool())
        .tool(test_image_content_tool())
        .tool(test_audio_content_tool())
        .tool(test_embedded_resource_tool())
        .tool(test_multiple_content_types_tool())
        .tool(test_tool_with_logging_tool())
        .tool(test_tool_with_progress_tool())
        .tool(test_logging_tool_tool())
        .tool(test_error_handling_tool())
        .tool(test_sampling_tool())
        .tool(test_elicitation_tool())
        .tool(test_elicitation_sep1034_defaults_tool())
        .tool(test_elicitation_sep1330_enums_tool())
        .tool(test_reconnection_tool())
        .tool(test_input_required_result_elicitation_tool())
        .tool(test_input_required_result_sampling_tool())
        .tool(test_input_required_result_list_roots_tool())
        .tool(test_input_required_result_request_state_tool())
        .tool(test_input_required_result_multiple_inputs_tool())
        .tool(test_input_required_result_multi_round_tool())
        .tool(test_input_required_result_tampered_state_tool())
        .tool(test_input_required_result_capabilities_tool())
        .tool(test_missing_capability_tool())
        .tool(test_streaming_elicitation_tool())
        .tool(json_schema_2020_12_tool_tool())
        .tool(test_panic_tool())
        .tool(test_sleep_tool())
        .tool(test_constraints_tool())
        .build()?;
    let _ = running.set(server.downgrade());
    Ok(server)
}
