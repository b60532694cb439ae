//! The resources, the resource template, the prompts and the completion hook the conformance
//! suite reads, with the texts of its reference server.

use base64::Engine as _;
use mcp_runtime::ResourceUpdates;
use mcp_runtime::prelude::*;
use serde_json::json;

use crate::TEST_IMAGE_BASE64;

/// The state of the everything server: the channel `test://watched-resource` updates go out on.
pub struct Everything {
    pub(crate) updates: ResourceUpdates,
    /// The running server, for `test_trigger_tool_change` (set once it is built).
    pub(crate) server: std::sync::Arc<std::sync::OnceLock<mcp_runtime::WeakServer>>,
}

#[mcp_server(name = "everything", version = env!("CARGO_PKG_VERSION"))]
impl Everything {
    /// A static text resource for testing
    #[resource(
        uri = "test://static-text",
        name = "static-text",
        title = "Static Text Resource",
        mime_type = "text/plain"
    )]
    fn static_text(&self) -> &'static str {
        "This is the content of the static text resource."
    }

    /// A static binary resource (image) for testing
    #[resource(
        uri = "test://static-binary",
        name = "static-binary",
        title = "Static Binary Resource",
        mime_type = "image/png"
    )]
    fn static_binary(&self) -> Result<Blob, ToolError> {
        let png = base64::engine::general_purpose::STANDARD.decode(TEST_IMAGE_BASE64)?;
        Ok(Blob(png))
    }

    /// A resource template with parameter substitution
    #[resource(
        uri = "test://template/{id}/data",
        name = "template",
        title = "Resource Template",
        mime_type = "application/json"
    )]
    fn template(&self, id: String) -> Json<serde_json::Value> {
        Json(json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")}))
    }

    /// A resource that announces updates to its subscribers (see `test_touch_watched`)
    #[resource(
        uri = "test://watched-resource",
        name = "watched-resource",
        title = "Watched Resource",
        mime_type = "text/plain"
    )]
    fn watched(&self) -> &'static str {
        "Watched resource content"
    }

    /// A simple prompt without arguments
    #[prompt(name = "test_simple_prompt", title = "Simple Test Prompt")]
    fn simple_prompt(&self) -> &'static str {
        "This is a simple prompt for testing."
    }

    /// A prompt with required arguments
    #[prompt(name = "test_prompt_with_arguments", title = "Prompt With Arguments")]
    fn prompt_with_arguments(
        &self,
        #[arg(description = "First test argument", complete = Self::complete_argument)]
        arg1: String,
        #[arg(description = "Second test argument", complete = Self::complete_argument)]
        arg2: String,
    ) -> String {
        format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
    }

    /// Suggestions for `test_prompt_with_arguments`: the fixed values that start with what was typed.
    async fn complete_argument(&self, request: &CompletionRequest) -> Vec<String> {
        ["paris", "park", "parliament", "test", "testing"]
            .into_iter()
            .filter(|value| value.starts_with(request.value()))
            .map(str::to_owned)
            .collect()
    }

    /// A prompt that includes an embedded resource
    #[prompt(
        name = "test_prompt_with_embedded_resource",
        title = "Prompt With Embedded Resource"
    )]
    fn prompt_with_embedded_resource(
        &self,
        #[arg(name = "resourceUri", description = "URI of the resource to embed")]
        resource_uri: String,
    ) -> Vec<PromptMessage> {
        vec![
            PromptMessage::user(Content::embedded(
                ResourceContents::text(resource_uri, "Embedded resource content for testing.")
                    .mime_type("text/plain"),
            )),
            PromptMessage::user(Content::text("Please process the embedded resource above.")),
        ]
    }

    /// A prompt that includes image content
    #[prompt(name = "test_prompt_with_image", title = "Prompt With Image")]
    fn prompt_with_image(&self) -> Vec<PromptMessage> {
        vec![
            PromptMessage::user(Content::Image {
                data: TEST_IMAGE_BASE64.into(),
                mime_type: "image/png".into(),
            }),
            PromptMessage::user(Content::text("Please analyze the image above.")),
        ]
    }

    /// MRTR: prompt that requires elicitation input
    #[prompt(name = "test_input_required_result_prompt")]
    async fn input_required_result_prompt(&self, ctx: &Ctx) -> Result<String, ClientRequestError> {
        let form = FormSchema::new().required("context", StringField::new());
        let request =
            Elicitation::form("What context should the prompt use?", form).key("user_context");
        let answer = ctx.elicit(request).await?;
        let context = answer
            .accepted()
            .and_then(|content| content.get("context")?.as_str().map(str::to_owned));
        Ok(format!(
            "Prompt with context: {}",
            context.unwrap_or_default()
        ))
    }

    /// Announces an update of `test://watched-resource` to its subscribers.
    #[tool]
    fn test_touch_watched(&self) -> &'static str {
        self.updates.notify("test://watched-resource");
        "Updated test://watched-resource"
    }

    /// Adds `test_dynamic_tool`, or removes it when it is there, so that listeners hear
    /// `notifications/tools/list_changed`.
    #[tool]
    fn test_trigger_tool_change(&self) -> Result<&'static str, ToolError> {
        let server = self
            .server
            .get()
            .and_then(mcp_runtime::WeakServer::upgrade)
            .ok_or_else(|| ToolError::new("the server is not running"))?;
        if server.remove_tool("test_dynamic_tool") {
            return Ok("Removed test_dynamic_tool");
        }
        server
            .add_tool(test_dynamic_tool_tool::<Everything>())
            .map_err(|_| ToolError::new("test_dynamic_tool could not be added"))?;
        Ok("Added test_dynamic_tool")
    }
}

/// Exists only between calls of `test_trigger_tool_change`.
#[tool]
fn test_dynamic_tool() -> &'static str {
    "This tool comes and goes."
}
