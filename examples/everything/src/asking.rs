//! The tools that ask the client for something: sampling, elicitation in its three suite
//! shapes, and the SEP-1699 reconnection (the server closes the call's SSE stream mid-call).

use std::time::Duration;

use mcp_runtime::prelude::*;

/// Tests server-initiated sampling (LLM completion request)
#[tool]
pub async fn test_sampling(
    ctx: &Ctx,
    #[arg(description = "The prompt to send to the LLM")] prompt: String,
) -> Result<String, ClientRequestError> {
    let answer = ctx
        .sample(CreateMessage::user_text(prompt).max_tokens(100))
        .await?;
    Ok(format!(
        "LLM response: {}",
        answer.text().unwrap_or_else(|| "No response".to_owned())
    ))
}

/// Tests server-initiated elicitation (user input request)
#[tool]
pub async fn test_elicitation(
    ctx: &Ctx,
    #[arg(description = "The message to show the user")] message: String,
) -> Result<String, ClientRequestError> {
    let form = FormSchema::new().required(
        "response",
        StringField::new().description("User's response"),
    );
    let answer = ctx.elicit(Elicitation::form(message, form)).await?;
    Ok(format!("User response: {}", describe(&answer)))
}

/// Tests elicitation with default values per SEP-1034
#[tool]
pub async fn test_elicitation_sep1034_defaults(ctx: &Ctx) -> Result<String, ClientRequestError> {
    let form = FormSchema::new()
        .optional(
            "name",
            StringField::new()
                .description("User name")
                .default("John Doe"),
        )
        .optional(
            "age",
            IntegerField::new().description("User age").default(30),
        )
        .optional(
            "score",
            NumberField::new().description("User score").default(95.5),
        )
        .optional(
            "status",
            SingleSelect::new(["active", "inactive", "pending"])
                .description("User status")
                .default("active"),
        )
        .optional(
            "verified",
            BooleanField::new()
                .description("Verification status")
                .default(true),
        );
    let message = "Please review and update the form fields with defaults";
    let answer = ctx.elicit(Elicitation::form(message, form)).await?;
    Ok(format!("Elicitation completed: {}", describe(&answer)))
}

/// Tests elicitation with enum schema improvements per SEP-1330
#[tool]
pub async fn test_elicitation_sep1330_enums(ctx: &Ctx) -> Result<String, ClientRequestError> {
    let form = FormSchema::new()
        .optional(
            "untitledSingle",
            SingleSelect::new(["option1", "option2", "option3"]).description("Select one option"),
        )
        .optional(
            "titledSingle",
            SingleSelect::titled([
                ("value1", "First Option"),
                ("value2", "Second Option"),
                ("value3", "Third Option"),
            ])
            .description("Select one option with titles"),
        )
        .optional(
            "legacyEnum",
            SingleSelect::legacy_titled([
                ("opt1", "Option One"),
                ("opt2", "Option Two"),
                ("opt3", "Option Three"),
            ])
            .description("Select one option (legacy)"),
        )
        .optional(
            "untitledMulti",
            MultiSelect::new(["option1", "option2", "option3"])
                .description("Select multiple options")
                .min_items(1)
                .max_items(3),
        )
        .optional(
            "titledMulti",
            MultiSelect::titled([
                ("value1", "First Choice"),
                ("value2", "Second Choice"),
                ("value3", "Third Choice"),
            ])
            .description("Select multiple options with titles")
            .min_items(1)
            .max_items(3),
        );
    let message = "Please select options from the enum fields";
    let answer = ctx.elicit(Elicitation::form(message, form)).await?;
    Ok(format!("Elicitation completed: {}", describe(&answer)))
}

/// Tests SSE stream disconnection and client reconnection (SEP-1699). Server will close the
/// stream mid-call and send the result after client reconnects.
#[tool]
pub async fn test_reconnection(ctx: &Ctx) -> &'static str {
    ctx.close_sse_stream();
    // Time for the client to reconnect (it honours the stream's `retry`).
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure."
}

/// `action=accept, content={…}`, as the suite's reference server words it.
fn describe(answer: &ElicitResult) -> String {
    let action = match answer.action {
        ElicitAction::Accept => "accept",
        ElicitAction::Decline => "decline",
        ElicitAction::Cancel => "cancel",
    };
    let content = answer.content.as_ref().map_or_else(
        || "{}".to_owned(),
        |content| serde_json::Value::Object(content.clone()).to_string(),
    );
    format!("action={action}, content={content}")
}
