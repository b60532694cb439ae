//! `elicitation/create` (client/elicitation): the request a tool sends through
//! [`Ctx::elicit`](crate::Ctx::elicit) — a form, or a URL to open — and the user's answer.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ProtocolVersion;
use super::client::RequestOptions;
use super::form_schema::FormSchema;

/// An `elicitation/create` request.
///
/// ```
/// use mcp_runtime::Elicitation;
/// use mcp_runtime::{FormSchema, StringField};
/// let form = Elicitation::form(
///     "Which GitHub account?",
///     FormSchema::new().required("login", StringField::new()),
/// );
/// let link = Elicitation::url("Connect your calendar", "https://example.com/connect?e=42");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Elicitation {
    message: String,
    mode: Mode,
    pub(crate) options: RequestOptions,
}

#[derive(Clone, Debug, PartialEq)]
enum Mode {
    Form(FormSchema),
    Url { url: String, elicitation_id: String },
}

impl Elicitation {
    /// Form mode: the client shows `message` and a form; the answer's `content` holds what the
    /// user entered. Never ask for passwords, API keys or payment data this way
    /// (client/elicitation: servers MUST NOT; use [`Elicitation::url`]).
    pub fn form(message: impl Into<String>, schema: FormSchema) -> Self {
        Elicitation {
            message: message.into(),
            mode: Mode::Form(schema),
            options: RequestOptions::default(),
        }
    }

    /// URL mode (2025-11-25 and later): the client asks the user to open `url`, where the
    /// interaction happens out of band; the answer says only whether the user agreed. The
    /// request's `elicitationId` is random unless set with [`Elicitation::elicitation_id`].
    pub fn url(message: impl Into<String>, url: impl Into<String>) -> Self {
        Elicitation {
            message: message.into(),
            mode: Mode::Url {
                url: url.into(),
                elicitation_id: crate::ids::secure_id(),
            },
            options: RequestOptions::default(),
        }
    }

    /// Sets the `elicitationId` of a URL-mode request (unique within the server; the client
    /// treats it as opaque). Ignored in form mode.
    pub fn elicitation_id(mut self, id: impl Into<String>) -> Self {
        if let Mode::Url { elicitation_id, .. } = &mut self.mode {
            *elicitation_id = id.into();
        }
        self
    }

    /// The `elicitationId` of a URL-mode request.
    pub fn id(&self) -> Option<&str> {
        match &self.mode {
            Mode::Url { elicitation_id, .. } => Some(elicitation_id),
            Mode::Form(_) => None,
        }
    }

    /// Whether this is a URL-mode request.
    pub fn is_url(&self) -> bool {
        matches!(self.mode, Mode::Url { .. })
    }

    /// How long to wait for the user, instead of the server's default
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

    /// The request's `params` for `version`, serialised with the form's fields in order.
    ///
    /// `mode` is sent from 2025-11-25 on (older clients know only forms, and servers MAY omit it
    /// for form mode); `elicitationId` only to legacy clients (2026-07-28 dropped it).
    pub fn params_json(&self, version: ProtocolVersion) -> String {
        let message = serde_json::to_string(&self.message).unwrap_or_default();
        match &self.mode {
            Mode::Form(schema) => {
                let schema = serde_json::to_string(schema).unwrap_or_default();
                let mode = match version >= ProtocolVersion::V2025_11_25 {
                    true => r#""mode":"form","#,
                    false => "",
                };
                format!(r#"{{{mode}"message":{message},"requestedSchema":{schema}}}"#)
            }
            Mode::Url {
                url,
                elicitation_id,
            } => {
                let url = serde_json::to_string(url).unwrap_or_default();
                let id = match version.is_modern() {
                    true => String::new(),
                    false => format!(
                        r#","elicitationId":{}"#,
                        serde_json::to_string(elicitation_id).unwrap_or_default()
                    ),
                };
                format!(r#"{{"mode":"url","message":{message},"url":{url}{id}}}"#)
            }
        }
    }
}

/// What the user did with an elicitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElicitAction {
    /// Submitted (form mode: `content` holds the data) or agreed to open the URL.
    Accept,
    /// Explicitly said no.
    Decline,
    /// Dismissed without choosing.
    Cancel,
}

/// The client's answer to `elicitation/create` (`ElicitResult`).
#[derive(Clone, Debug, PartialEq)]
pub struct ElicitResult {
    /// What the user did.
    pub action: ElicitAction,
    /// The submitted form data (form mode, `accept` only).
    pub content: Option<Map<String, Value>>,
}

impl ElicitResult {
    /// Reads an `ElicitResult`; `None` when `action` is not one of the three, or `content` is
    /// present but not an object.
    pub fn from_json(raw: &Value) -> Option<Self> {
        let action = match raw.get("action")?.as_str()? {
            "accept" => ElicitAction::Accept,
            "decline" => ElicitAction::Decline,
            "cancel" => ElicitAction::Cancel,
            _ => return None,
        };
        let content = match raw.get("content") {
            None | Some(Value::Null) => None,
            Some(Value::Object(content)) => Some(content.clone()),
            Some(_) => return None,
        };
        Some(ElicitResult { action, content })
    }

    /// The submitted data if the user accepted.
    pub fn accepted(&self) -> Option<&Map<String, Value>> {
        match self.action {
            ElicitAction::Accept => self.content.as_ref(),
            _ => None,
        }
    }

    /// The submitted data as `T` if the user accepted (`None` otherwise, or when it does not
    /// fit `T`: clients SHOULD validate against the schema, and servers SHOULD check).
    pub fn content_as<T: DeserializeOwned>(&self) -> Option<T> {
        let content = self.accepted()?;
        serde_json::from_value(Value::Object(content.clone())).ok()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::form_schema::StringField;

    #[test]
    fn params_follow_the_version() {
        let form = Elicitation::form("Name?", FormSchema::new().required("n", StringField::new()));
        let old: Value =
            serde_json::from_str(&form.params_json(ProtocolVersion::V2025_06_18)).unwrap();
        assert_eq!(
            old,
            json!({"message": "Name?", "requestedSchema": {"type": "object",
                "properties": {"n": {"type": "string"}}, "required": ["n"]}})
        );
        let new: Value =
            serde_json::from_str(&form.params_json(ProtocolVersion::V2025_11_25)).unwrap();
        assert_eq!(new["mode"], "form");

        let link = Elicitation::url("Open \"this\"", "https://example.com/x").elicitation_id("e-1");
        let legacy: Value =
            serde_json::from_str(&link.params_json(ProtocolVersion::V2025_11_25)).unwrap();
        assert_eq!(
            legacy,
            json!({"mode": "url", "message": "Open \"this\"", "url": "https://example.com/x",
                "elicitationId": "e-1"})
        );
        let modern: Value =
            serde_json::from_str(&link.params_json(ProtocolVersion::V2026_07_28)).unwrap();
        assert!(modern.get("elicitationId").is_none());
        assert_eq!(link.id(), Some("e-1"));
        assert_ne!(
            Elicitation::url("a", "b").id(),
            Elicitation::url("a", "b").id()
        );
    }

    #[test]
    fn results_are_read_strictly() {
        let accepted = ElicitResult::from_json(&json!({"action": "accept", "content": {"n": "x"}}))
            .expect("valid");
        assert_eq!(accepted.accepted().unwrap()["n"], "x");
        #[derive(serde::Deserialize)]
        struct Answer {
            n: String,
        }
        assert_eq!(accepted.content_as::<Answer>().unwrap().n, "x");
        let declined = ElicitResult::from_json(&json!({"action": "decline"})).unwrap();
        assert_eq!(declined.action, ElicitAction::Decline);
        assert_eq!(declined.accepted(), None);
        assert_eq!(ElicitResult::from_json(&json!({"action": "maybe"})), None);
        assert_eq!(
            ElicitResult::from_json(&json!({"action": "accept", "content": [1]})),
            None
        );
    }
}
