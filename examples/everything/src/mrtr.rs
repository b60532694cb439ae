//! The Multi Round-Trip Request fixtures of the suite's 2026-07-28 scenarios (SEP-2322,
//! `input-required-result-*`; SEP-2575 `server-stateless`), with the keys and texts of its
//! reference server.
//!
//! Each tool asks through its `Ctx` as any tool does; on 2026-07-28 the runtime answers
//! `input_required` with the requests under the keys chosen here and a signed `requestState`,
//! and runs the tool again when the client retries with `inputResponses`. On legacy versions
//! the same tools send their requests to the client and wait.

use mcp_runtime::prelude::*;
use serde_json::Value;

/// `elicitation/create` for a form with one required field: a boolean, or a string.
fn ask_for(message: &str, field: &str, boolean: bool) -> Elicitation {
    let form = match boolean {
        true => FormSchema::new().required(field, BooleanField::new()),
        false => FormSchema::new().required(field, StringField::new()),
    };
    Elicitation::form(message, form)
}

/// The accepted answer's `field`, as text (`""` when declined or absent).
fn answered(answer: &ElicitResult, field: &str) -> String {
    match answer.accepted().and_then(|content| content.get(field)) {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// MRTR: returns InputRequiredResult with elicitation request
#[tool]
pub async fn test_input_required_result_elicitation(
    ctx: &Ctx,
) -> Result<String, ClientRequestError> {
    let answer = ctx
        .elicit(ask_for("What is your name?", "name", false).key("user_name"))
        .await?;
    Ok(format!("Hello, {}!", answered(&answer, "name")))
}

/// MRTR: returns InputRequiredResult with sampling request
#[tool]
pub async fn test_input_required_result_sampling(ctx: &Ctx) -> Result<String, ClientRequestError> {
    let request = CreateMessage::user_text("What is the capital of France?")
        .max_tokens(100)
        .key("capital_question");
    let answer = ctx.sample(request).await?;
    let text = answer.text().unwrap_or_else(|| "no response".to_owned());
    Ok(format!("Sampling result: {text}"))
}

/// MRTR: returns InputRequiredResult with roots/list request
#[tool]
pub async fn test_input_required_result_list_roots(
    ctx: &Ctx,
) -> Result<String, ClientRequestError> {
    let roots = ctx.list_roots(ListRoots::new().key("client_roots")).await?;
    Ok(format!("Found {} root(s)", roots.len()))
}

/// MRTR: returns InputRequiredResult with requestState
#[tool]
pub async fn test_input_required_result_request_state(
    ctx: &Ctx,
) -> Result<String, ClientRequestError> {
    // The answer reaches this run only with the signed `requestState` the first round issued.
    let answer = ctx
        .elicit(ask_for("Please confirm", "ok", true).key("confirm"))
        .await?;
    Ok(match answered(&answer, "ok").as_str() {
        "true" => "state-ok: requestState validated".to_owned(),
        _ => "state-ok: requestState validated, not confirmed".to_owned(),
    })
}

/// MRTR: returns InputRequiredResult with multiple input requests
#[tool]
pub async fn test_input_required_result_multiple_inputs(
    ctx: &Ctx,
) -> Result<String, ClientRequestError> {
    // Asked together, so that one `input_required` carries all three.
    let (name, greeting, roots) = tokio::join!(
        ctx.elicit(ask_for("What is your name?", "name", false).key("user_name")),
        ctx.sample(
            CreateMessage::user_text("Generate a greeting")
                .max_tokens(50)
                .key("greeting")
        ),
        ctx.list_roots(ListRoots::new().key("client_roots")),
    );
    let (name, greeting, roots) = (name?, greeting?, roots?);
    let greeting = greeting.text().unwrap_or_else(|| "Hello there!".to_owned());
    Ok(format!(
        "Name: {}; Greeting: {greeting}; Roots: {}",
        answered(&name, "name"),
        roots.len()
    ))
}

/// MRTR: multi-round InputRequiredResult workflow
#[tool]
pub async fn test_input_required_result_multi_round(
    ctx: &Ctx,
) -> Result<String, ClientRequestError> {
    // One question per round: the second is asked only once the first is answered.
    let name = ctx
        .elicit(ask_for("Step 1: What is your name?", "name", false).key("step1"))
        .await?;
    let color = ctx
        .elicit(ask_for("Step 2: What is your favorite color?", "color", false).key("step2"))
        .await?;
    Ok(format!(
        "Multi-round complete for {} who likes {}",
        answered(&name, "name"),
        answered(&color, "color")
    ))
}

/// MRTR: HMAC-signed requestState integrity test
#[tool]
pub async fn test_input_required_result_tampered_state(
    ctx: &Ctx,
) -> Result<String, ClientRequestError> {
    // A state that fails its HMAC check never reaches the tool: the runtime answers -32602.
    ctx.elicit(ask_for("Please confirm", "ok", true).key("confirm"))
        .await?;
    Ok("integrity-ok: state verified".to_owned())
}

/// MRTR: respects client capabilities in inputRequests
#[tool]
pub async fn test_input_required_result_capabilities(
    ctx: &Ctx,
) -> Result<String, ClientRequestError> {
    // A request the client cannot answer fails at once, unsent; the tool goes on without it.
    let (elicited, sampled) = tokio::join!(
        ctx.elicit(ask_for("Elicitation input", "value", false).key("elicit_input")),
        ctx.sample(
            CreateMessage::user_text("Sample request")
                .max_tokens(50)
                .key("sample_input")
        ),
    );
    let received: Vec<&str> = [
        ("elicit_input", elicited.is_ok()),
        ("sample_input", sampled.is_ok()),
    ]
    .into_iter()
    .filter_map(|(key, ok)| ok.then_some(key))
    .collect();
    Ok(match received.is_empty() {
        true => "No supported capabilities declared".to_owned(),
        false => format!("capabilities-ok: received {}", received.join(",")),
    })
}

/// Test tool requiring sampling
#[tool]
pub async fn test_missing_capability(ctx: &Ctx) -> Result<String, ClientRequestError> {
    // Without `sampling` declared this fails unsent, and on 2026-07-28 the call is answered
    // with -32021 MissingRequiredClientCapability naming `sampling`.
    let answer = ctx
        .sample(CreateMessage::user_text("Say success").max_tokens(10))
        .await?;
    Ok(format!(
        "Success: {}",
        answer.text().unwrap_or_else(|| "no response".to_owned())
    ))
}

/// Diagnostic tool validating response progress streams
#[tool]
pub async fn test_streaming_elicitation(ctx: &Ctx) -> Result<String, ClientRequestError> {
    ctx.progress(50.0, Some(100.0), Some("Asking the user"));
    // On 2026-07-28 this ends the response stream with `input_required`: no request of the
    // server's own is ever written to it.
    let answer = ctx
        .elicit(ask_for("Continue streaming?", "answer", false).key("continue"))
        .await?;
    Ok(format!(
        "Streaming complete: {}",
        answered(&answer, "answer")
    ))
}
