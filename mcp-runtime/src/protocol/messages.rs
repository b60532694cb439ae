//! MCP message bodies (`schema/2025-11-25/schema.ts`), written per negotiated version.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ProtocolVersion;

/// Name and version of an MCP implementation (`Implementation` in the schema).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Implementation {
    /// Programmatic name; for a server, the user's crate name by default.
    pub name: String,
    /// Version; for a server, the user's crate version by default.
    pub version: String,
    /// Display name (2025-06-18 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Implementation {
    /// An implementation named `name` at `version`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Implementation {
            name: name.into(),
            version: version.into(),
            title: None,
        }
    }

    pub(crate) fn to_json(&self, version: ProtocolVersion) -> Value {
        let mut object = Map::new();
        object.insert("name".into(), json!(self.name));
        object.insert("version".into(), json!(self.version));
        if let (Some(title), true) = (&self.title, version.has_structured_output()) {
            object.insert("title".into(), json!(title));
        }
        Value::Object(object)
    }
}

/// Who speaks a message: of a prompt, or of a sampling request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The user.
    User,
    /// The assistant.
    Assistant,
}

impl Role {
    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            _ => None,
        }
    }
}

/// Hints about a tool's behaviour (`ToolAnnotations`). Hints, not guarantees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ToolAnnotations {
    /// The tool does not modify its environment.
    pub read_only: Option<bool>,
    /// The tool may perform destructive updates.
    pub destructive: Option<bool>,
    /// Calling the tool again with the same arguments has no additional effect.
    pub idempotent: Option<bool>,
    /// The tool interacts with an open world of external entities.
    pub open_world: Option<bool>,
}

impl ToolAnnotations {
    fn to_json(self, title: Option<&str>) -> Option<Value> {
        let mut object = Map::new();
        if let Some(title) = title {
            object.insert("title".into(), json!(title));
        }
        for (key, hint) in [
            ("readOnlyHint", self.read_only),
            ("destructiveHint", self.destructive),
            ("idempotentHint", self.idempotent),
            ("openWorldHint", self.open_world),
        ] {
            if let Some(hint) = hint {
                object.insert(key.into(), json!(hint));
            }
        }
        (!object.is_empty()).then_some(Value::Object(object))
    }
}

/// One entry of `tools/list`: what a client learns about a tool.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolDescriptor {
    /// The unique name clients call the tool by.
    pub name: String,
    /// Display name.
    pub title: Option<String>,
    /// What the tool does, for the model.
    pub description: Option<String>,
    /// JSON Schema (2020-12) of the arguments; also what validation enforces.
    pub input_schema: Value,
    /// JSON Schema of `structuredContent`, for tools that return [`Json`](crate::Json).
    pub output_schema: Option<Value>,
    /// Behaviour hints.
    pub annotations: ToolAnnotations,
}

impl ToolDescriptor {
    /// The descriptor as the negotiated version spells it: fields newer than the version are left out.
    pub fn to_json(&self, version: ProtocolVersion) -> Value {
        let mut object = Map::new();
        object.insert("name".into(), json!(self.name));
        if let (Some(title), true) = (&self.title, version.has_structured_output()) {
            object.insert("title".into(), json!(title));
        }
        if let Some(description) = &self.description {
            object.insert("description".into(), json!(description));
        }
        object.insert("inputSchema".into(), self.input_schema.clone());
        if let (Some(schema), true) = (&self.output_schema, version.has_structured_output()) {
            object.insert("outputSchema".into(), schema.clone());
        }
        if version.has_tool_annotations() {
            // Before 2025-06-18 the display title travelled in the annotations.
            let title = if version.has_structured_output() {
                None
            } else {
                self.title.as_deref()
            };
            if let Some(annotations) = self.annotations.to_json(title) {
                object.insert("annotations".into(), annotations);
            }
        }
        Value::Object(object)
    }
}

/// One block of tool output (`ContentBlock`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Content {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// A base64-encoded image.
    Image {
        /// Base64 data.
        data: String,
        /// Such as `image/png`.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// Base64-encoded audio (2025-03-26 and later).
    Audio {
        /// Base64 data.
        data: String,
        /// Such as `audio/wav`.
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// A link to a resource the client may read (2025-06-18 and later).
    ResourceLink {
        /// The resource's URI.
        uri: String,
        /// Its name.
        name: String,
        /// Its MIME type, if known.
        #[serde(rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
    /// A resource embedded in the result.
    Resource {
        /// `TextResourceContents` or `BlobResourceContents` as JSON.
        resource: Value,
    },
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Content::Text { text: text.into() }
    }
}

/// The result of `tools/call` (`CallToolResult`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallToolResult {
    /// Unstructured output, for the model.
    pub content: Vec<Content>,
    /// Structured output matching the tool's `outputSchema`.
    pub structured_content: Option<Value>,
    /// True when the tool failed; the content then says why, for the model.
    pub is_error: bool,
    /// `_meta` of the result, for what is neither for the model nor structured output.
    pub meta: Option<Value>,
}

impl CallToolResult {
    /// A successful result of one text block.
    pub fn text(text: impl Into<String>) -> Self {
        CallToolResult {
            content: vec![Content::text(text)],
            ..Default::default()
        }
    }

    /// A failed result (`isError: true`) of one text block.
    pub fn error_text(text: impl Into<String>) -> Self {
        CallToolResult {
            content: vec![Content::text(text)],
            structured_content: None,
            is_error: true,
            meta: None,
        }
    }

    /// The result as the negotiated version spells it (consumed: structured output can be
    /// large, and is moved, not copied).
    pub fn into_json(self, version: ProtocolVersion) -> Value {
        let mut object = Map::new();
        object.insert(
            "content".into(),
            serde_json::to_value(&self.content).unwrap_or_else(|_| json!([])),
        );
        if let (Some(structured), true) = (self.structured_content, version.has_structured_output())
        {
            object.insert("structuredContent".into(), structured);
        }
        if self.is_error {
            object.insert("isError".into(), json!(true));
        }
        if let Some(meta) = self.meta {
            object.insert("_meta".into(), meta);
        }
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor() -> ToolDescriptor {
        ToolDescriptor {
            name: "search".into(),
            title: Some("Search".into()),
            description: Some("Finds things.".into()),
            input_schema: json!({"type": "object"}),
            output_schema: Some(json!({"type": "object"})),
            annotations: ToolAnnotations {
                read_only: Some(true),
                ..Default::default()
            },
        }
    }

    #[test]
    fn old_versions_see_only_their_fields() {
        let old = descriptor().to_json(ProtocolVersion::V2024_11_05);
        assert_eq!(
            old,
            json!({"name": "search", "description": "Finds things.", "inputSchema": {"type": "object"}})
        );
        let march = descriptor().to_json(ProtocolVersion::V2025_03_26);
        assert_eq!(
            march["annotations"],
            json!({"title": "Search", "readOnlyHint": true})
        );
        assert!(march.get("outputSchema").is_none());
        let june = descriptor().to_json(ProtocolVersion::V2025_06_18);
        assert_eq!(june["title"], "Search");
        assert_eq!(june["annotations"], json!({"readOnlyHint": true}));
        assert_eq!(june["outputSchema"], json!({"type": "object"}));
    }

    #[test]
    fn a_hint_set_false_is_sent_as_false() {
        let mut tool = descriptor();
        tool.annotations = ToolAnnotations {
            read_only: Some(false),
            destructive: Some(false),
            ..Default::default()
        };
        let listed = tool.to_json(ProtocolVersion::V2025_11_25);
        assert_eq!(
            listed["annotations"],
            json!({"readOnlyHint": false, "destructiveHint": false})
        );
        tool.annotations = ToolAnnotations::default();
        let listed = tool.to_json(ProtocolVersion::V2025_11_25);
        assert!(listed.get("annotations").is_none(), "{listed}");
    }

    #[test]
    fn structured_content_only_where_the_version_has_it() {
        let result = CallToolResult {
            content: vec![Content::text("{}")],
            structured_content: Some(json!({})),
            is_error: false,
            meta: None,
        };
        assert!(
            result
                .clone()
                .into_json(ProtocolVersion::V2025_03_26)
                .get("structuredContent")
                .is_none()
        );
        assert_eq!(
            result.clone().into_json(ProtocolVersion::V2025_06_18)["structuredContent"],
            json!({})
        );
        assert_eq!(
            result.clone().into_json(ProtocolVersion::V2025_06_18)["content"][0],
            json!({"type": "text", "text": "{}"})
        );
    }
}
