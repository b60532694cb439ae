//! The ceiling: plain axum that reads a JSON-RPC `tools/call` with serde_json and answers a fixed
//! result, with none of the framework's work (no sessions, guards, validation or logging). The
//! framework's throughput is quoted as a fraction of this server's, measured in the same run.

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// `POST path` answered by [`answer`].
pub fn router(path: &str) -> Router {
    Router::new().route(path, post(answer))
}

/// A `tools/call` request gets `{"content":[{"type":"text","text":"3"}],"isError":false}`
/// under its id; anything else gets 400.
pub async fn answer(body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if request.get("method").and_then(Value::as_str) != Some("tools/call") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let answer = json!({
        "jsonrpc": "2.0",
        "id": request.get("id").cloned().unwrap_or(Value::Null),
        "result": {"content": [{"type": "text", "text": "3"}], "isError": false},
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        answer.to_string(),
    )
        .into_response()
}
