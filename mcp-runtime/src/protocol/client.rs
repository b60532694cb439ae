//! What the server may ask of the client: the client's declared capabilities, and the options
//! every server-to-client request shares.

use std::time::Duration;

use serde_json::Value;

/// The capabilities a client declared: in `initialize` (legacy versions), or in each request's
/// `_meta["io.modelcontextprotocol/clientCapabilities"]` (2026-07-28).
///
/// A server MUST NOT send a request the client did not declare support for (client/sampling and
/// client/elicitation, "Capabilities"), so [`Ctx::sample`](crate::Ctx::sample) and
/// [`Ctx::elicit`](crate::Ctx::elicit) check these before sending anything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientCapabilities(Value);

impl ClientCapabilities {
    /// The capabilities in `value` (an object); anything else declares nothing.
    pub fn from_json(value: Option<&Value>) -> Self {
        match value {
            Some(object @ Value::Object(_)) => ClientCapabilities(object.clone()),
            _ => ClientCapabilities(Value::Null),
        }
    }

    /// No capabilities at all.
    pub const fn none() -> Self {
        ClientCapabilities(Value::Null)
    }

    /// The capabilities as the client sent them (`null` when it sent none).
    pub fn as_json(&self) -> &Value {
        &self.0
    }

    fn object(&self, key: &str) -> Option<&serde_json::Map<String, Value>> {
        self.0.get(key).and_then(Value::as_object)
    }

    /// `sampling`: the client can answer `sampling/createMessage`.
    pub fn sampling(&self) -> bool {
        self.object("sampling").is_some()
    }

    /// `roots`: the client can answer `roots/list`.
    pub fn roots(&self) -> bool {
        self.object("roots").is_some()
    }

    /// `sampling.tools`: the client accepts `tools` and `toolChoice` in sampling requests.
    pub fn sampling_tools(&self) -> bool {
        self.object("sampling")
            .is_some_and(|sampling| sampling.get("tools").is_some_and(Value::is_object))
    }

    /// Form-mode elicitation. client/elicitation (2025-11-25), "Capabilities": an empty
    /// `elicitation: {}` is equivalent to declaring `form` only.
    pub fn elicitation_form(&self) -> bool {
        self.object("elicitation").is_some_and(|elicitation| {
            elicitation.contains_key("form") || !elicitation.contains_key("url")
        })
    }

    /// URL-mode elicitation (2025-11-25 and later): `elicitation.url`.
    pub fn elicitation_url(&self) -> bool {
        self.object("elicitation")
            .is_some_and(|elicitation| elicitation.get("url").is_some_and(Value::is_object))
    }
}

/// What a tool may say about one request to the client, besides the request itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RequestOptions {
    /// How long to wait for the answer; the server's default when `None`.
    pub(crate) timeout: Option<Duration>,
    /// The request's key in a 2026-07-28 `inputRequests` map; the request's position in the
    /// call (`"1"`, `"2"`, …) when `None`.
    pub(crate) key: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_empty_elicitation_object_means_form_only() {
        let caps = |value: Value| ClientCapabilities::from_json(Some(&value));
        let empty = caps(json!({"elicitation": {}}));
        assert!(empty.elicitation_form() && !empty.elicitation_url());
        let url_only = caps(json!({"elicitation": {"url": {}}}));
        assert!(!url_only.elicitation_form() && url_only.elicitation_url());
        let both = caps(json!({"elicitation": {"form": {}, "url": {}}}));
        assert!(both.elicitation_form() && both.elicitation_url());
        let none = caps(json!({"sampling": {}}));
        assert!(!none.elicitation_form() && none.sampling() && !none.sampling_tools());
        assert!(caps(json!({"sampling": {"tools": {}}})).sampling_tools());
        assert!(!ClientCapabilities::from_json(None).sampling());
        assert!(!caps(json!({"sampling": true})).sampling());
        assert!(caps(json!({"roots": {"listChanged": true}})).roots() && !none.roots());
    }
}
