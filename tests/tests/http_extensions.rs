//! A value a tower layer in front of the endpoint puts in the request's extensions reaches the
//! tool through `Ctx::extension`, in both eras: the seam auth builds on. The endpoint is nested in
//! a user's own axum app, behind the user's own middleware, served on 127.0.0.1.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use mcp_runtime::prelude::*;
use mcp_runtime::transport::http::{HttpOptions, router};
use mcp_tests::http::{Client, LegacySession, header_refs, modern_request};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Who the layer says is calling.
#[derive(Clone)]
struct Caller(String);

struct Who;

#[mcp_server]
impl Who {
    /// Says who is calling, as the layer in front of the endpoint saw it.
    #[tool]
    async fn whoami(&self, ctx: &Ctx) -> String {
        match ctx.extension::<Caller>() {
            Some(caller) => format!("caller: {}", caller.0),
            None => "caller: anonymous".to_owned(),
        }
    }
}

/// The user's layer: reads a header, as an auth layer would read a token, and attaches a typed
/// value to the request.
async fn identify(mut request: Request, next: Next) -> Response {
    let caller = request
        .headers()
        .get("x-caller")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if let Some(name) = caller {
        request.extensions_mut().insert(Caller(name));
    }
    next.run(request).await
}

async fn serve() -> Client {
    let endpoint = router(Who.into_server().unwrap(), HttpOptions::default());
    let app = axum::Router::new()
        .merge(endpoint)
        .layer(middleware::from_fn(identify));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Client::new(format!("http://{address}/mcp"))
}

fn text_of(reply: &Value) -> &str {
    reply["result"]["content"][0]["text"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_layer_extension_reaches_the_tool_in_a_legacy_session() {
    let client = serve().await;
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let call = |id: i64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": "whoami", "arguments": {}}})
    };
    let id = session.next_id();
    let mut headers = session.headers();
    headers.push(("x-caller", "alice"));
    let alice = client.post(&call(id), &headers).await;
    assert_eq!(alice.status, 200);
    assert_eq!(text_of(alice.json()), "caller: alice");

    // The same session, a request without the header: nothing carries over from the last one.
    let id = session.next_id();
    let anonymous = client.post(&call(id), &session.headers()).await;
    assert_eq!(text_of(anonymous.json()), "caller: anonymous");
}

#[tokio::test]
async fn a_layer_extension_reaches_the_tool_on_2026_07_28() {
    let client = serve().await;
    let (message, headers) =
        modern_request(1, "tools/call", json!({"name": "whoami", "arguments": {}}));
    let mut headers = header_refs(&headers);
    headers.push(("x-caller", "bob"));
    let bob = client.post(&message, &headers).await;
    assert_eq!(bob.status, 200);
    assert_eq!(text_of(bob.json()), "caller: bob");
}
