//! What a [`TestClient`](super::TestClient) hands back: tool results, notifications, errors.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::server::ARGUMENT_ERROR_META_KEY;

/// A JSON-RPC error the server answered with.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The code: -32602 for bad params, -32601 for an unknown method, -32603 for a failing
    /// handler, or an application code.
    pub code: i32,
    /// The message, for humans.
    pub message: String,
    /// Machine-readable detail, such as `violations` of bad arguments.
    pub data: Option<Value>,
}

/// Why a request of a [`TestClient`](super::TestClient) has no result.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with a JSON-RPC error.
    Rpc(RpcError),
    /// The server sent no answer (the request was cancelled).
    NoAnswer,
    /// The result lacks what the method's result must hold; the result as it came.
    UnexpectedResult(Value),
}

impl ClientError {
    /// The JSON-RPC error, if the server answered with one.
    pub fn rpc(&self) -> Option<&RpcError> {
        match self {
            ClientError::Rpc(error) => Some(error),
            _ => None,
        }
    }

    /// The JSON-RPC error's code, if the server answered with one.
    pub fn code(&self) -> Option<i32> {
        self.rpc().map(|error| error.code)
    }

    /// The `violations` listed in the error's `data` (bad arguments), or none.
    pub fn violations(&self) -> Vec<Value> {
        let data = self.rpc().and_then(|error| error.data.as_ref());
        listed_violations(data)
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Rpc(error) => write!(f, "error {}: {}", error.code, error.message),
            ClientError::NoAnswer => f.write_str("the server sent no answer"),
            ClientError::UnexpectedResult(result) => write!(f, "unexpected result {result}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A notification the server sent while answering a request (`notifications/progress`,
/// `notifications/message`…).
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// The method, such as `notifications/progress`.
    pub method: String,
    /// Its params (`Null` when it had none).
    pub params: Value,
}

/// A request's answer and the notifications it produced, in the order they were sent.
#[derive(Debug)]
pub struct Called<T> {
    /// The answer.
    pub result: Result<T, ClientError>,
    /// Everything the server sent for the request besides its answer.
    pub notifications: Vec<Notification>,
}

impl<T> Called<T> {
    /// The params of every notification of `method`, in order.
    pub fn params_of<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.notifications
            .iter()
            .filter(move |notification| notification.method == method)
            .map(|notification| &notification.params)
    }

    /// The params of every `notifications/progress`, in order.
    pub fn progress(&self) -> Vec<&Value> {
        self.params_of("notifications/progress").collect()
    }

    /// The params of every `notifications/message` (log messages), in order.
    pub fn log_messages(&self) -> Vec<&Value> {
        self.params_of("notifications/message").collect()
    }
}

/// A `tools/call` result.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolResult {
    /// `content`: text, images, resource links…
    pub content: Vec<Value>,
    /// `structuredContent`, when the tool returned some.
    pub structured_content: Option<Value>,
    /// `isError`: the tool failed (or, from 2025-11-25 on, its arguments were refused).
    pub is_error: bool,
    /// The whole result as it came (with `_meta`, and on 2026-07-28 `resultType`).
    pub raw: Value,
}

impl ToolResult {
    pub(super) fn from_value(raw: Value) -> Result<ToolResult, ClientError> {
        let Some(Value::Array(content)) = raw.get("content") else {
            return Err(ClientError::UnexpectedResult(raw));
        };
        Ok(ToolResult {
            content: content.clone(),
            structured_content: raw.get("structuredContent").cloned(),
            is_error: raw.get("isError").and_then(Value::as_bool) == Some(true),
            raw,
        })
    }

    /// Every text content's text, joined by newlines.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .content
            .iter()
            .filter(|content| content["type"] == "text")
            .filter_map(|content| content["text"].as_str())
            .collect();
        texts.join("\n")
    }

    /// `structuredContent` read as a `T` (`None` when absent or of another shape).
    pub fn structured<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_value(self.structured_content.clone()?).ok()
    }

    /// The argument error of an `isError` result (2025-11-25 on, SEP-1303): `{code, message,
    /// violations}`, from `structuredContent.error` or, for a tool with an output schema, from
    /// `_meta`.
    pub fn argument_error(&self) -> Option<&Value> {
        if !self.is_error {
            return None;
        }
        let in_structured = self
            .structured_content
            .as_ref()
            .and_then(|structured| structured.get("error"));
        let in_meta = self
            .raw
            .get("_meta")
            .and_then(|meta| meta.get(ARGUMENT_ERROR_META_KEY));
        in_structured
            .or(in_meta)
            .filter(|error| error.get("violations").is_some())
    }

    /// The `violations` of the result's argument error, or none.
    pub fn violations(&self) -> Vec<Value> {
        listed_violations(self.argument_error())
    }
}

fn listed_violations(data: Option<&Value>) -> Vec<Value> {
    match data.and_then(|data| data.get("violations")) {
        Some(Value::Array(violations)) => violations.clone(),
        _ => Vec::new(),
    }
}
