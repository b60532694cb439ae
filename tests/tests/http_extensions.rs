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

/// Nested where the app wants it, beside the app's own routes and behind its layer, with the
/// root routes merged at the root and one shutdown for both.
#[tokio::test]
async fn nested_at_a_path_of_the_apps_choosing_with_a_shared_shutdown() {
    let options = HttpOptions {
        path: "/api/mcp".to_owned(),
        ..HttpOptions::default()
    };
    let server = Who.into_server().unwrap();
    let routers = mcp_runtime::transport::http::nestable(server.clone(), options);
    let app = axum::Router::new()
        .route("/status", axum::routing::get(|| async { "app ok" }))
        .nest("/api/mcp", routers.endpoint)
        .merge(routers.root)
        .layer(middleware::from_fn(identify));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let draining = server.clone();
    let serving = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
                draining.begin_shutdown();
            })
            .await
    });
    let client = Client::new(format!("http://{address}/api/mcp"));
    let (message, headers) = modern_request(1, "tools/call", json!({"name": "whoami"}));
    let mut headers = header_refs(&headers);
    headers.push(("x-caller", "nested"));
    let reply = client.post(&message, &headers).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(text_of(reply.json()), "caller: nested");
    let base = format!("http://{address}");
    let get = |path: &str| reqwest::get(format!("{base}{path}"));
    assert_eq!(
        get("/status").await.unwrap().text().await.unwrap(),
        "app ok"
    );
    assert_eq!(
        get("/readyz").await.unwrap().status(),
        200,
        "root routes at the root"
    );
    let doubled = Client::new(format!("{base}/api/mcp/mcp"));
    assert_eq!(
        doubled
            .post(
                &message,
                &header_refs(&modern_request(1, "tools/call", json!({"name": "whoami"})).1)
            )
            .await
            .status,
        404
    );
    // One shutdown: the server drains (readiness says so) and the app's serve returns.
    assert!(!server.is_draining());
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), serving)
        .await
        .expect("the app stops")
        .unwrap()
        .unwrap();
    assert!(server.is_draining());
}
