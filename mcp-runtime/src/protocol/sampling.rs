//! `sampling/createMessage` (client/sampling): the request a tool sends through
//! [`Ctx::sample`](crate::Ctx::sample), and the client's answer.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::client::RequestOptions;

/// Who speaks in a sampling message: the same `Role` as prompt messages.
use super::messages::Role;

/// One content block of a sampling message.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SamplingContent {
    /// Text.
    Text(String),
    /// A base64-encoded image.
    Image {
        /// Base64 data.
        data: String,
        /// Such as `image/png`.
        mime_type: String,
    },
    /// Base64-encoded audio.
    Audio {
        /// Base64 data.
        data: String,
        /// Such as `audio/wav`.
        mime_type: String,
    },
    /// The model asks to use a tool (2025-11-25, "Sampling with Tools").
    ToolUse {
        /// The id the tool result refers to.
        id: String,
        /// The tool's name.
        name: String,
        /// Its arguments.
        input: Value,
    },
    /// The result of a tool use, sent back to the model.
    ToolResult {
        /// The `id` of the tool use.
        tool_use_id: String,
        /// Content blocks, as JSON.
        content: Vec<Value>,
        /// Whether the tool failed.
        is_error: bool,
    },
    /// A block of a type this crate does not model, as sent.
    Other(Value),
}

impl SamplingContent {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        SamplingContent::Text(text.into())
    }

    fn to_json(&self) -> Value {
        match self {
            SamplingContent::Text(text) => json!({"type": "text", "text": text}),
            SamplingContent::Image { data, mime_type } => {
                json!({"type": "image", "data": data, "mimeType": mime_type})
            }
            SamplingContent::Audio { data, mime_type } => {
                json!({"type": "audio", "data": data, "mimeType": mime_type})
            }
            SamplingContent::ToolUse { id, name, input } => {
                json!({"type": "tool_use", "id": id, "name": name, "input": input})
            }
            SamplingContent::ToolResult {
                tool_use_id,
                content,
                is_error,
            } => {
                let mut block =
                    json!({"type": "tool_result", "toolUseId": tool_use_id, "content": content});
                if *is_error {
                    block["isError"] = json!(true);
                }
                block
            }
            SamplingContent::Other(value) => value.clone(),
        }
    }

    /// Reads a block; `None` when a known type lacks a field it needs.
    fn from_json(value: &Value) -> Option<Self> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(match value.get("type").and_then(Value::as_str)? {
            "text" => SamplingContent::Text(text("text")?),
            "image" => SamplingContent::Image {
                data: text("data")?,
                mime_type: text("mimeType")?,
            },
            "audio" => SamplingContent::Audio {
                data: text("data")?,
                mime_type: text("mimeType")?,
            },
            "tool_use" => SamplingContent::ToolUse {
                id: text("id")?,
                name: text("name")?,
                input: value.get("input").cloned().unwrap_or(Value::Null),
            },
            "tool_result" => SamplingContent::ToolResult {
                tool_use_id: text("toolUseId")?,
                content: value
                    .get("content")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                is_error: value.get("isError").and_then(Value::as_bool) == Some(true),
            },
            _ => SamplingContent::Other(value.clone()),
        })
    }
}

/// `content` is one block or an array of blocks (arrays from 2025-11-25 on); one block is sent
/// as an object, so that older clients read it.
fn content_to_json(content: &[SamplingContent]) -> Value {
    match content {
        [one] => one.to_json(),
        many => Value::Array(many.iter().map(SamplingContent::to_json).collect()),
    }
}

fn content_from_json(value: &Value) -> Option<Vec<SamplingContent>> {
    match value {
        Value::Array(blocks) => blocks.iter().map(SamplingContent::from_json).collect(),
        block => Some(vec![SamplingContent::from_json(block)?]),
    }
}

/// One message of the conversation to sample from.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingMessage {
    /// Who says it.
    pub role: Role,
    /// What is said (at least one block).
    pub content: Vec<SamplingContent>,
}

impl SamplingMessage {
    /// A user message of one text block.
    pub fn user(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::User,
            content: vec![SamplingContent::text(text)],
        }
    }

    /// An assistant message of one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::Assistant,
            content: vec![SamplingContent::text(text)],
        }
    }

    fn to_json(&self) -> Value {
        json!({"role": Role::as_str(self.role), "content": content_to_json(&self.content)})
    }
}

/// How the client's model may use the `tools` of a sampling request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolChoice {
    /// The model decides (the default).
    Auto,
    /// The model must use at least one tool.
    Required,
    /// The model must not use tools.
    None,
}

/// A `sampling/createMessage` request: ask the client's model for a completion.
///
/// ```
/// use mcp_runtime::CreateMessage;
/// let request = CreateMessage::user_text("Summarise the ticket").max_tokens(200);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CreateMessage {
    messages: Vec<SamplingMessage>,
    max_tokens: u32,
    system_prompt: Option<String>,
    temperature: Option<f64>,
    stop_sequences: Vec<String>,
    model_hints: Vec<String>,
    priorities: [Option<f64>; 3],
    metadata: Option<Map<String, Value>>,
    tools: Vec<Value>,
    tool_choice: Option<ToolChoice>,
    pub(crate) options: RequestOptions,
}

impl CreateMessage {
    /// A request with these messages and `maxTokens` 1000.
    pub fn new(messages: impl IntoIterator<Item = SamplingMessage>) -> Self {
        CreateMessage {
            messages: messages.into_iter().collect(),
            max_tokens: 1000,
            system_prompt: None,
            temperature: None,
            stop_sequences: Vec::new(),
            model_hints: Vec::new(),
            priorities: [None; 3],
            metadata: None,
            tools: Vec::new(),
            tool_choice: None,
            options: RequestOptions::default(),
        }
    }

    /// A request of one user message of text.
    pub fn user_text(text: impl Into<String>) -> Self {
        Self::new([SamplingMessage::user(text)])
    }

    /// Appends a message.
    pub fn message(mut self, message: SamplingMessage) -> Self {
        self.messages.push(message);
        self
    }

    /// The most tokens to sample (`maxTokens`, required by the protocol; 1000 unless set).
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// A system prompt the client may modify or omit.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Sampling temperature.
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Adds a stop sequence.
    pub fn stop_sequence(mut self, stop: impl Into<String>) -> Self {
        self.stop_sequences.push(stop.into());
        self
    }

    /// Adds a model name hint (`modelPreferences.hints`), most preferred first.
    pub fn model_hint(mut self, name: impl Into<String>) -> Self {
        self.model_hints.push(name.into());
        self
    }

    /// `modelPreferences` priorities, each from 0 to 1: cost, speed, intelligence.
    pub fn priorities(mut self, cost: f64, speed: f64, intelligence: f64) -> Self {
        self.priorities = [Some(cost), Some(speed), Some(intelligence)];
        self
    }

    /// Provider-specific metadata passed through to the model.
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Tools the model may use (each a `Tool` as `tools/list` shows it). Needs the client's
    /// `sampling.tools` capability (client/sampling, "Tools in Sampling").
    pub fn tools(mut self, tools: impl IntoIterator<Item = Value>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// How the model may use the tools.
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }

    /// How long to wait for the client's answer, instead of the server's default
    /// ([`ServerBuilder::client_request_timeout`](crate::ServerBuilder::client_request_timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// The request's key in a 2026-07-28 `inputRequests` map (by default its position in the
    /// call: `"1"`, `"2"`, …). Keys must be unique within a call.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.options.key = Some(key.into());
        self
    }

    /// Whether the request uses tools (and so needs `sampling.tools`).
    pub(crate) fn uses_tools(&self) -> bool {
        !self.tools.is_empty() || self.tool_choice.is_some()
    }

    /// The request's `params`.
    pub fn params(&self) -> Value {
        let mut params = Map::new();
        let messages = self.messages.iter().map(SamplingMessage::to_json).collect();
        params.insert("messages".into(), Value::Array(messages));
        params.insert("maxTokens".into(), json!(self.max_tokens));
        if let Some(prompt) = &self.system_prompt {
            params.insert("systemPrompt".into(), json!(prompt));
        }
        if let Some(temperature) = self.temperature.filter(|t| t.is_finite()) {
            params.insert("temperature".into(), json!(temperature));
        }
        if !self.stop_sequences.is_empty() {
            params.insert("stopSequences".into(), json!(self.stop_sequences));
        }
        let mut preferences = Map::new();
        if !self.model_hints.is_empty() {
            let hints: Vec<Value> = self
                .model_hints
                .iter()
                .map(|n| json!({"name": n}))
                .collect();
            preferences.insert("hints".into(), Value::Array(hints));
        }
        let names = ["costPriority", "speedPriority", "intelligencePriority"];
        for (name, priority) in names.into_iter().zip(self.priorities) {
            if let Some(priority) = priority.filter(|p| p.is_finite()) {
                preferences.insert(name.into(), json!(priority.clamp(0.0, 1.0)));
            }
        }
        if !preferences.is_empty() {
            params.insert("modelPreferences".into(), Value::Object(preferences));
        }
        if let Some(metadata) = &self.metadata {
            params.insert("metadata".into(), Value::Object(metadata.clone()));
        }
        if !self.tools.is_empty() {
            params.insert("tools".into(), Value::Array(self.tools.clone()));
        }
        if let Some(choice) = self.tool_choice {
            let mode = match choice {
                ToolChoice::Auto => "auto",
                ToolChoice::Required => "required",
                ToolChoice::None => "none",
            };
            params.insert("toolChoice".into(), json!({"mode": mode}));
        }
        Value::Object(params)
    }
}

/// The client's answer to `sampling/createMessage` (`CreateMessageResult`).
#[derive(Clone, Debug, PartialEq)]
pub struct SamplingResult {
    /// Who speaks (the model: `assistant`).
    pub role: Role,
    /// What it said.
    pub content: Vec<SamplingContent>,
    /// The model that answered.
    pub model: String,
    /// Why sampling stopped (`endTurn`, `stopSequence`, `maxTokens`, `toolUse`, or the
    /// provider's own reason).
    pub stop_reason: Option<String>,
    /// The result exactly as the client sent it.
    pub raw: Value,
}

impl SamplingResult {
    /// Reads a `CreateMessageResult`; `None` when it lacks `role`, `content` or `model`.
    pub fn from_json(raw: Value) -> Option<Self> {
        let role = Role::parse(raw.get("role")?.as_str()?)?;
        let content = content_from_json(raw.get("content")?)?;
        let model = raw.get("model")?.as_str()?.to_owned();
        let stop_reason = raw
            .get("stopReason")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some(SamplingResult {
            role,
            content,
            model,
            stop_reason,
            raw,
        })
    }

    /// The text blocks joined with newlines; `None` when there are none.
    pub fn text(&self) -> Option<String> {
        let texts: Vec<&str> = self
            .content
            .iter()
            .filter_map(|block| match block {
                SamplingContent::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        (!texts.is_empty()).then(|| texts.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_has_the_shape_of_create_message_request_params() {
        let request = CreateMessage::user_text("Capital of France?")
            .max_tokens(100)
            .system_prompt("Be brief.")
            .model_hint("claude")
            .priorities(0.2, 0.5, 2.0);
        assert_eq!(
            request.params(),
            json!({
                "messages": [{"role": "user", "content": {"type": "text", "text": "Capital of France?"}}],
                "maxTokens": 100,
                "systemPrompt": "Be brief.",
                "modelPreferences": {"hints": [{"name": "claude"}], "costPriority": 0.2,
                    "speedPriority": 0.5, "intelligencePriority": 1.0}
            })
        );
        assert!(!request.uses_tools());
        let two_blocks = CreateMessage::new([SamplingMessage {
            role: Role::User,
            content: vec![SamplingContent::text("a"), SamplingContent::text("b")],
        }])
        .tool_choice(ToolChoice::None);
        assert!(two_blocks.params()["messages"][0]["content"].is_array());
        assert_eq!(two_blocks.params()["toolChoice"], json!({"mode": "none"}));
        assert!(two_blocks.uses_tools());
    }

    #[test]
    fn results_are_read_strictly_and_kept_raw() {
        let raw = json!({"role": "assistant", "content": {"type": "text", "text": "Paris"},
            "model": "m", "stopReason": "endTurn", "_meta": {"x": 1}});
        let result = SamplingResult::from_json(raw.clone()).expect("a valid result");
        assert_eq!(result.text().as_deref(), Some("Paris"));
        assert_eq!(result.stop_reason.as_deref(), Some("endTurn"));
        assert_eq!(result.raw, raw);
        let many = json!({"role": "assistant", "model": "m", "content": [
            {"type": "tool_use", "id": "c1", "name": "weather", "input": {"city": "Paris"}},
            {"type": "future_block", "x": 1}]});
        let result = SamplingResult::from_json(many).expect("a valid result");
        assert!(
            matches!(&result.content[0], SamplingContent::ToolUse { name, .. } if name == "weather")
        );
        assert!(matches!(&result.content[1], SamplingContent::Other(_)));
        assert_eq!(result.text(), None);
        for garbled in [
            json!({"role": "assistant", "content": {"type": "text"}, "model": "m"}),
            json!({"role": "robot", "content": {"type": "text", "text": "x"}, "model": "m"}),
            json!({"role": "assistant", "content": {"type": "text", "text": "x"}}),
            json!("text"),
        ] {
            assert_eq!(SamplingResult::from_json(garbled), None);
        }
    }
}
