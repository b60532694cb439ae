//! JSON-RPC 2.0 framing: reading one message, writing one answer. No I/O.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::meta::RequestMeta;

/// Invalid JSON was received.
pub(crate) const PARSE_ERROR: i32 = -32700;
/// The JSON sent is not a valid request object.
pub(crate) const INVALID_REQUEST: i32 = -32600;
/// The method does not exist or is not available.
pub(crate) const METHOD_NOT_FOUND: i32 = -32601;
/// Invalid method parameters, including bad tool arguments.
pub(crate) const INVALID_PARAMS: i32 = -32602;
/// Internal JSON-RPC error.
pub(crate) const INTERNAL_ERROR: i32 = -32603;
/// MCP `HeaderMismatchError` (2026-07-28): HTTP headers disagree with the body, or are missing.
pub(crate) const HEADER_MISMATCH: i32 = -32020;
/// This runtime's own code (MCP defines none): the caller's token lacks a scope the handler
/// requires. `data.requiredScopes` lists them; over HTTP it is answered 403 with an
/// `insufficient_scope` challenge.
pub const INSUFFICIENT_SCOPE: i32 = -32003;
/// MCP `MissingRequiredClientCapabilityError` (2026-07-28): handling the request needs a client
/// capability the request did not declare.
pub(crate) const MISSING_REQUIRED_CLIENT_CAPABILITY: i32 = -32021;
/// MCP `UnsupportedProtocolVersionError` (2026-07-28): the request's version is not served.
pub(crate) const UNSUPPORTED_PROTOCOL_VERSION: i32 = -32022;

/// A request id as the client sent it: a string or a number, echoed back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// A numeric id.
    Number(Number),
    /// A string id.
    String(String),
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s}"),
        }
    }
}

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// One of the codes above, or an application code.
    pub code: i32,
    /// A short description for humans.
    pub message: String,
    /// Machine-readable detail, such as the list of argument violations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error without `data`.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Adds machine-readable detail.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// One answer to one request: a result or an error, under the request's id.
///
/// `id` is `None` (serialised as `null`) only where the request's id could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The id of the request answered.
    pub id: Option<RequestId>,
    /// The result or the error.
    pub outcome: Result<Value, ErrorObject>,
}

impl Response {
    /// A successful answer.
    pub fn result(id: RequestId, result: Value) -> Self {
        Response {
            id: Some(id),
            outcome: Ok(result),
        }
    }

    /// An error answer.
    pub fn error(id: Option<RequestId>, error: ErrorObject) -> Self {
        Response {
            id,
            outcome: Err(error),
        }
    }

    /// The answer as a JSON value.
    pub fn to_value(&self) -> Value {
        let mut object = Map::with_capacity(3);
        object.insert("jsonrpc".into(), Value::from("2.0"));
        object.insert(
            "id".into(),
            serde_json::to_value(&self.id).unwrap_or(Value::Null),
        );
        match &self.outcome {
            Ok(result) => object.insert("result".into(), result.clone()),
            Err(error) => object.insert(
                "error".into(),
                serde_json::to_value(error).unwrap_or(Value::Null),
            ),
        };
        Value::Object(object)
    }

    /// The answer serialised as one line of JSON (without the newline).
    pub fn to_json(&self) -> String {
        let Ok(result) = &self.outcome else {
            return self.to_value().to_string();
        };
        // A result is written straight out rather than copied into a new tree first, keys in
        // `to_value`'s (sorted) order, so that the text is the same.
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(b"{\"id\":");
        let written = serde_json::to_writer(&mut out, &self.id).and_then(|()| {
            out.extend_from_slice(b",\"jsonrpc\":\"2.0\",\"result\":");
            serde_json::to_writer(&mut out, result)
        });
        out.push(b'}');
        match written.ok().and_then(|()| String::from_utf8(out).ok()) {
            Some(text) => text,
            None => self.to_value().to_string(),
        }
    }
}

/// A request: it expects exactly one [`Response`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Request {
    /// The id to answer under.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The parameters, if any (an object or an array; MCP uses objects).
    pub params: Option<Value>,
    /// What `params._meta` says, read once when the message is classified.
    pub meta: RequestMeta,
}

/// A notification: it gets no answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Notification {
    /// The method name.
    pub method: String,
    /// The parameters, if any.
    pub params: Option<Value>,
    /// What `params._meta` says.
    pub meta: RequestMeta,
}

/// One well-formed JSON-RPC message from the peer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response to a request this side sent.
    Response {
        /// The id of our request.
        id: RequestId,
        /// Its result or error.
        outcome: Result<Value, Value>,
    },
}

/// One frame of JSON-RPC, coming in or going out: a single message, or a batch of them (allowed
/// or not depending on the protocol version).
#[derive(Debug)]
pub enum Frame<T> {
    /// One message.
    Single(T),
    /// A JSON array of messages.
    Batch(Vec<T>),
}

impl<T> Frame<T> {
    /// The same frame with `f` applied to each message.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Frame<U> {
        match self {
            Frame::Single(item) => Frame::Single(f(item)),
            Frame::Batch(items) => Frame::Batch(items.into_iter().map(f).collect()),
        }
    }
}

impl Frame<Response> {
    /// One line of JSON.
    pub fn to_json(&self) -> String {
        match self {
            Frame::Single(response) => response.to_json(),
            Frame::Batch(responses) => {
                Value::Array(responses.iter().map(Response::to_value).collect()).to_string()
            }
        }
    }

    /// The error code of a single error response (transports that map codes to statuses use it).
    pub fn error_code(&self) -> Option<i32> {
        match self {
            Frame::Single(response) => response.outcome.as_ref().err().map(|error| error.code),
            Frame::Batch(_) => None,
        }
    }
}

/// Parses one frame. Bytes that are not JSON give the -32700 answer (id `null`: none can be read).
pub(crate) fn parse_frame(bytes: &[u8]) -> Result<Frame<Value>, Response> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) => Ok(Frame::Batch(items)),
        Ok(value) => Ok(Frame::Single(value)),
        Err(error) => {
            let message = if error.is_eof() {
                "Parse error: the JSON ends early"
            } else {
                "Parse error: the message is not valid JSON"
            };
            Err(Response::error(
                None,
                ErrorObject::new(PARSE_ERROR, message),
            ))
        }
    }
}

/// Reads a JSON value as a JSON-RPC message, or gives the -32600 answer for it.
///
/// The answer carries the request's id whenever the id itself is readable, and `null` otherwise
/// (JSON-RPC 2.0 §5: "If there was an error in detecting the id … it MUST be Null").
pub(crate) fn classify(value: Value) -> Result<Message, Response> {
    let Value::Object(mut object) = value else {
        return Err(invalid(
            None,
            "Invalid Request: a message must be a JSON object",
        ));
    };
    let id = match object.remove("id") {
        None => None,
        Some(Value::String(s)) => Some(RequestId::String(s)),
        Some(Value::Number(n)) => Some(RequestId::Number(n)),
        // MCP (basic/index "Requests"): the id MUST be a string or integer and MUST NOT be null.
        Some(_) => {
            return Err(invalid(
                None,
                "Invalid Request: `id` must be a string or a number",
            ));
        }
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "Invalid Request: `jsonrpc` must be \"2.0\""));
    }
    let params = match object.remove("params") {
        None => None,
        Some(params @ (Value::Object(_) | Value::Array(_))) => Some(params),
        Some(_) => return Err(invalid(id, "Invalid Request: `params` must be an object")),
    };
    match object.remove("method") {
        Some(Value::String(method)) => {
            let meta = RequestMeta::of(params.as_ref());
            Ok(match id {
                Some(id) => Message::Request(Request {
                    id,
                    method,
                    params,
                    meta,
                }),
                None => Message::Notification(Notification {
                    method,
                    params,
                    meta,
                }),
            })
        }
        Some(_) => Err(invalid(id, "Invalid Request: `method` must be a string")),
        None => match (id, object.remove("result"), object.remove("error")) {
            (Some(id), Some(result), None) => Ok(Message::Response {
                id,
                outcome: Ok(result),
            }),
            (Some(id), None, Some(error)) => Ok(Message::Response {
                id,
                outcome: Err(error),
            }),
            (id, _, _) => Err(invalid(
                id,
                "Invalid Request: a message needs `method`, or `id` with `result` or `error`",
            )),
        },
    }
}

fn invalid(id: Option<RequestId>, message: &str) -> Response {
    Response::error(id, ErrorObject::new(INVALID_REQUEST, message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classify_json(value: Value) -> Result<Message, Response> {
        classify(value)
    }

    #[test]
    fn not_json_is_a_parse_error_with_null_id() {
        let answer = parse_frame(b"{not json").unwrap_err();
        assert_eq!(answer.id, None);
        assert_eq!(answer.outcome.as_ref().unwrap_err().code, PARSE_ERROR);
        assert!(answer.to_json().contains("\"id\":null"));
    }

    #[test]
    fn results_are_written_as_their_value_is() {
        let result = json!({"content": [{"type": "text", "text": "3 \"q\""}], "isError": false, "a": {"z": 1, "b": [null]}});
        for id in [
            Some(RequestId::Number(7.into())),
            Some(RequestId::String("x-\"1\"".into())),
            None,
        ] {
            let answer = Response {
                id,
                outcome: Ok(result.clone()),
            };
            assert_eq!(answer.to_json(), answer.to_value().to_string());
        }
        let error = Response::error(None, ErrorObject::new(INVALID_REQUEST, "no"));
        assert_eq!(error.to_json(), error.to_value().to_string());
    }

    #[test]
    fn arrays_are_batches() {
        assert!(matches!(parse_frame(b"[1, 2]"), Ok(Frame::Batch(items)) if items.len() == 2));
    }

    #[test]
    fn readable_id_is_echoed_on_invalid_request() {
        let answer =
            classify_json(json!({"jsonrpc": "1.0", "id": 7, "method": "ping"})).unwrap_err();
        assert_eq!(answer.id, Some(RequestId::Number(7.into())));
        assert_eq!(answer.outcome.unwrap_err().code, INVALID_REQUEST);
    }

    #[test]
    fn unreadable_id_gives_null() {
        for id in [json!(null), json!(true), json!({"a": 1})] {
            let answer =
                classify_json(json!({"jsonrpc": "2.0", "id": id, "method": "ping"})).unwrap_err();
            assert_eq!(answer.id, None);
        }
    }

    #[test]
    fn requests_notifications_and_responses() {
        assert!(matches!(
            classify_json(json!({"jsonrpc": "2.0", "id": "a", "method": "ping"})),
            Ok(Message::Request(Request { method, .. })) if method == "ping"
        ));
        assert!(matches!(
            classify_json(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})),
            Ok(Message::Notification(_))
        ));
        assert!(matches!(
            classify_json(json!({"jsonrpc": "2.0", "id": 1, "result": {}})),
            Ok(Message::Response { .. })
        ));
    }

    #[test]
    fn scalar_params_and_non_string_methods_are_invalid() {
        let answer =
            classify_json(json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": 3}))
                .unwrap_err();
        assert_eq!(answer.outcome.unwrap_err().code, INVALID_REQUEST);
        let answer = classify_json(json!({"jsonrpc": "2.0", "id": 1, "method": 5})).unwrap_err();
        assert_eq!(answer.outcome.unwrap_err().code, INVALID_REQUEST);
        assert_eq!(classify_json(json!("hello")).unwrap_err().id, None);
    }
}
