//! An in-process client for your own tests: it drives a [`Server`] the way a transport does,
//! without a socket or a child process.
//!
//! ```
//! use mcp_runtime::prelude::*;
//! use mcp_runtime::testing::TestClient;
//! use serde_json::json;
//!
//! /// Adds two integers.
//! #[tool]
//! async fn add(a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = Server::builder(server_info!()).tool(add_tool()).build().unwrap();
//! let client = TestClient::connect(&server).await.unwrap();
//!
//! let sum = client.call_tool("add", json!({"a": 2, "b": 3})).await.unwrap();
//! assert_eq!(sum.text(), "5");
//!
//! // Bad arguments: on 2025-11-25 an `isError` result carrying the -32602 error.
//! let refused = client.call_tool("add", json!({"a": "two"})).await.unwrap();
//! assert!(refused.is_error);
//! assert_eq!(refused.argument_error().unwrap()["code"], -32602);
//! assert_eq!(refused.violations().len(), 2); // `a` is not an integer, `b` is missing
//! # }
//! ```
//!
//! Both eras: [`TestClient::connect`] opens a legacy session (`initialize`, then
//! `notifications/initialized`, at 2025-11-25 unless [`TestClientBuilder::protocol_version`]
//! names another); [`TestClient::modern`] sends every request at 2026-07-28, each with its
//! `_meta` (protocol version, client capabilities, client info) and on a session of its own, as
//! Streamable HTTP serves them.
//!
//! Every request's notifications (progress, log messages) are collected for that request:
//! [`TestClient::call_tool_with_progress`] and [`TestClient::request_with_notifications`] return
//! them beside the answer. Log messages are sent only once asked for
//! ([`TestClient::set_log_level`]).
//!
//! Notifications outside any request (tool-set changes, updates of subscribed resources) come
//! from [`TestClient::next_change`] on a legacy session.
//!
//! Requests the server sends to the client (sampling, elicitation, roots) are not supported:
//! the client declares no capability for them unless told to
//! ([`TestClientBuilder::capabilities`]), and answers any that arrive with -32601, which the
//! handler sees as a failed request to the client. A 2026-07-28 `input_required` result comes
//! back as it is, from [`TestClient::request`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use http::Extensions;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::context::NotificationSink;
use crate::principal::Principal;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{Frame, METHOD_NOT_FOUND, Response};
use crate::protocol::meta::{
    CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, LOG_LEVEL_KEY, LogLevel, PROTOCOL_VERSION_KEY,
};
use crate::server::{ChangeNotifications, Incoming, Reply, Server, Session};

mod results;

pub use results::{Called, ClientError, Notification, RpcError, ToolResult};

/// Messages one request may leave besides its answer before further ones are dropped, as a
/// transport that falls behind drops them.
const NOTIFICATIONS_PER_REQUEST: usize = 1024;

/// An in-process MCP client of one [`Server`]; see the [module docs](self).
pub struct TestClient {
    server: Server,
    era: ClientEra,
    capabilities: Value,
    extensions: Extensions,
    log_level: Mutex<Option<LogLevel>>,
    next_id: AtomicU64,
}

enum ClientEra {
    /// One session, opened by `initialize`; its answer kept.
    Legacy {
        session: Arc<Session>,
        initialized: Value,
        /// What the session's standalone stream would carry (stdio's stdout, HTTP's GET).
        changes: tokio::sync::Mutex<ChangeNotifications>,
    },
    Modern,
}

/// How a [`TestClient`] connects: version, capabilities, principal.
pub struct TestClientBuilder {
    server: Server,
    version: ProtocolVersion,
    capabilities: Value,
    extensions: Extensions,
}

impl TestClientBuilder {
    /// The protocol version to speak: a legacy one (2024-11-05 … 2025-11-25) opens a session
    /// with `initialize`, 2026-07-28 sends each request on its own.
    pub fn protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.version = version;
        self
    }

    /// The client capabilities to declare (default `{}`: no sampling, elicitation or roots).
    pub fn capabilities(mut self, capabilities: Value) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Every request carries `principal`, as if an auth layer had verified it: what
    /// [`Ctx::principal`](crate::Ctx::principal) reads and per-tool scopes are checked against.
    pub fn principal(mut self, principal: Principal) -> Self {
        self.extensions.insert(principal);
        self
    }

    /// Connects: a legacy client sends `initialize` and `notifications/initialized`; a
    /// 2026-07-28 client sends nothing until its first request.
    pub async fn connect(self) -> Result<TestClient, ClientError> {
        let mut client = TestClient {
            server: self.server,
            era: ClientEra::Modern,
            capabilities: self.capabilities,
            extensions: self.extensions,
            log_level: Mutex::new(None),
            next_id: AtomicU64::new(1),
        };
        if self.version.is_modern() {
            return Ok(client);
        }
        let session = Session::open(&client.server);
        client.era = ClientEra::Legacy {
            changes: tokio::sync::Mutex::new(ChangeNotifications::of(&session)),
            session,
            initialized: Value::Null,
        };
        let params = json!({
            "protocolVersion": self.version.as_str(),
            "capabilities": client.capabilities,
            "clientInfo": client_info(),
        });
        let initialized = client.request("initialize", params).await?;
        client.notify("notifications/initialized", json!({}));
        if let ClientEra::Legacy {
            initialized: kept, ..
        } = &mut client.era
        {
            *kept = initialized;
        }
        Ok(client)
    }
}

impl TestClient {
    /// How to connect to `server`, for a version, capabilities or a principal of your choice.
    pub fn builder(server: &Server) -> TestClientBuilder {
        TestClientBuilder {
            server: server.clone(),
            version: ProtocolVersion::LATEST,
            capabilities: json!({}),
            extensions: Extensions::new(),
        }
    }

    /// A legacy client of `server` at 2025-11-25, initialized.
    pub async fn connect(server: &Server) -> Result<TestClient, ClientError> {
        TestClient::builder(server).connect().await
    }

    /// A 2026-07-28 client of `server`: every request carries its own `_meta`.
    pub async fn modern(server: &Server) -> Result<TestClient, ClientError> {
        TestClient::builder(server)
            .protocol_version(ProtocolVersion::V2026_07_28)
            .connect()
            .await
    }

    /// The `initialize` result (capabilities, `serverInfo`, the negotiated version); `None` on
    /// 2026-07-28, which has no handshake (`server/discover` tells the same).
    pub fn initialize_result(&self) -> Option<&Value> {
        match &self.era {
            ClientEra::Legacy { initialized, .. } => Some(initialized),
            ClientEra::Modern => None,
        }
    }

    /// Asks for log messages at `level` and above: `logging/setLevel` on a legacy session, the
    /// `_meta` log level of every later request on 2026-07-28.
    pub async fn set_log_level(&self, level: LogLevel) -> Result<(), ClientError> {
        if matches!(self.era, ClientEra::Legacy { .. }) {
            self.request("logging/setLevel", json!({"level": level.as_str()}))
                .await?;
        }
        *self
            .log_level
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(level);
        Ok(())
    }

    /// Waits for the next notification of the legacy session's own stream, sent outside any
    /// request: `notifications/tools/list_changed` (after `Server::add_tool`/`remove_tool`) and
    /// `notifications/resources/updated` of a URI the session subscribed to
    /// (`resources/subscribe`). Wrap it in `tokio::time::timeout` to assert that nothing comes.
    /// `None` on 2026-07-28, where these travel on a `subscriptions/listen` request instead, and
    /// once the server is gone.
    pub async fn next_change(&self) -> Option<Notification> {
        let ClientEra::Legacy { changes, .. } = &self.era else {
            return None;
        };
        let line = changes.lock().await.next().await?;
        let mut message: Value = serde_json::from_str(&line).ok()?;
        Some(Notification {
            method: message["method"].as_str()?.to_owned(),
            params: message["params"].take(),
        })
    }

    /// Every tool `tools/list` lists, following `nextCursor` to the end.
    pub async fn list_tools(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all("tools/list", "tools").await
    }

    /// Every fixed resource `resources/list` lists.
    pub async fn list_resources(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all("resources/list", "resources").await
    }

    /// Every resource template `resources/templates/list` lists.
    pub async fn list_resource_templates(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all("resources/templates/list", "resourceTemplates")
            .await
    }

    /// Every prompt `prompts/list` lists.
    pub async fn list_prompts(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all("prompts/list", "prompts").await
    }

    /// Calls tool `name` with `arguments` (a JSON object). A failing tool is an `Ok` result with
    /// [`ToolResult::is_error`]. Refused arguments are code -32602 with every violation: a
    /// [`ClientError::Rpc`] up to 2025-06-18, an `isError` result from 2025-11-25 on
    /// ([`ToolResult::argument_error`]), unless the server's `ArgumentErrorChannel` says otherwise.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<ToolResult, ClientError> {
        let result = self.request("tools/call", call_params(name, arguments, None));
        ToolResult::from_value(result.await?)
    }

    /// Calls tool `name` with a progress token, and returns its answer with every notification
    /// it sent (progress, log messages), in order.
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: Value,
    ) -> Called<ToolResult> {
        let token = format!("progress-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let params = call_params(name, arguments, Some(Value::String(token)));
        let called = self.request_with_notifications("tools/call", params).await;
        Called {
            result: called.result.and_then(ToolResult::from_value),
            notifications: called.notifications,
        }
    }

    /// Reads the resource at `uri` and returns its `contents`.
    pub async fn read_resource(&self, uri: &str) -> Result<Vec<Value>, ClientError> {
        let result = self.request("resources/read", json!({"uri": uri})).await?;
        array_at(result, "contents")
    }

    /// Gets prompt `name` with `arguments` (an object of strings) and returns the whole result
    /// (`messages`, and `description` when the prompt has one).
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<Value, ClientError> {
        let params = json!({"name": name, "arguments": arguments});
        self.request("prompts/get", params).await
    }

    /// Sends any request and returns its result, or the JSON-RPC error it got.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.request_with_notifications(method, params).await.result
    }

    /// Sends any request and returns its result with every notification it produced.
    pub async fn request_with_notifications(&self, method: &str, params: Value) -> Called<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let message = json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": method,
            "params": self.with_meta(params),
        });
        let session = self.session();
        let (lines, mut received) = mpsc::channel::<String>(NOTIFICATIONS_PER_REQUEST);
        let sink = NotificationSink::new(move |line| lines.try_send(line).is_ok());
        let reply = session.handle(self.incoming(&message), &sink);
        drop(sink);
        let mut notifications = Vec::new();
        let answer = match reply {
            Reply::Silent => None,
            Reply::Now(answer) => Some(answer),
            Reply::Later(mut answer) => loop {
                // The call's messages are taken as they come: a request to the client must be
                // answered before the call can finish.
                tokio::select! {
                    answer = &mut answer => break answer,
                    Some(line) = received.recv() => {
                        self.take(&session, &line, &mut notifications);
                    }
                }
            },
        };
        while let Ok(line) = received.try_recv() {
            self.take(&session, &line, &mut notifications);
        }
        Called {
            result: outcome(answer),
            notifications,
        }
    }

    /// Sends a notification (`notifications/cancelled`, `notifications/roots/list_changed`…).
    pub fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": self.with_meta(params)});
        let reply = self
            .session()
            .handle(self.incoming(&message), &NotificationSink::none());
        debug_assert!(
            matches!(reply, Reply::Silent),
            "a notification has no answer"
        );
    }

    async fn list_all(&self, method: &str, key: &str) -> Result<Vec<Value>, ClientError> {
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let params = cursor.map_or_else(|| json!({}), |cursor| json!({"cursor": cursor}));
            let mut page = self.request(method, params).await?;
            cursor = page
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            all.extend(array_at(page.take(), key)?);
            if cursor.is_none() {
                return Ok(all);
            }
        }
    }

    /// The legacy session, or a new one for a 2026-07-28 request, as Streamable HTTP opens.
    fn session(&self) -> Arc<Session> {
        match &self.era {
            ClientEra::Legacy { session, .. } => Arc::clone(session),
            ClientEra::Modern => Session::open(&self.server),
        }
    }

    fn incoming(&self, message: &Value) -> Incoming {
        Incoming::parse(message.to_string().as_bytes())
            .expect("the client writes JSON")
            .with_extensions(self.extensions.clone())
    }

    /// `params` with the 2026-07-28 `_meta` every request carries (kept as given on legacy).
    fn with_meta(&self, params: Value) -> Value {
        let ClientEra::Modern = self.era else {
            return params;
        };
        let mut params = match params {
            Value::Object(params) => params,
            _ => Map::new(),
        };
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(meta) = meta {
            meta.insert(PROTOCOL_VERSION_KEY.into(), "2026-07-28".into());
            meta.insert(CLIENT_CAPABILITIES_KEY.into(), self.capabilities.clone());
            meta.insert(CLIENT_INFO_KEY.into(), client_info());
            let level = *self
                .log_level
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(level) = level {
                meta.insert(LOG_LEVEL_KEY.into(), level.as_str().into());
            }
        }
        Value::Object(params)
    }

    /// One message of a request's sink: a notification is kept, a request to the client is
    /// refused (-32601), since this client serves none.
    fn take(&self, session: &Arc<Session>, line: &str, notifications: &mut Vec<Notification>) {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            return;
        };
        let method = message.get("method").and_then(Value::as_str);
        match (method, message.get("id")) {
            (Some(_), Some(id)) => {
                let refusal = json!({
                    "jsonrpc": "2.0",
                    "id": id,
                    "error": {
                        "code": METHOD_NOT_FOUND,
                        "message": "the test client answers no requests",
                    },
                });
                let _answered = session.handle(self.incoming(&refusal), &NotificationSink::none());
            }
            (Some(method), None) => notifications.push(Notification {
                method: method.to_owned(),
                params: message.get("params").cloned().unwrap_or(Value::Null),
            }),
            (None, _) => {}
        }
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        if let ClientEra::Legacy { session, .. } = &self.era {
            session.cancel_all();
        }
    }
}

impl std::fmt::Debug for TestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let era = match self.era {
            ClientEra::Legacy { .. } => "legacy",
            ClientEra::Modern => "2026-07-28",
        };
        f.debug_struct("TestClient").field("era", &era).finish()
    }
}

fn client_info() -> Value {
    json!({"name": "mcp-runtime-test-client", "version": env!("CARGO_PKG_VERSION")})
}

fn call_params(name: &str, arguments: Value, progress_token: Option<Value>) -> Value {
    let mut params = json!({"name": name, "arguments": arguments});
    if let Some(token) = progress_token {
        params["_meta"] = json!({"progressToken": token});
    }
    params
}

fn array_at(mut result: Value, key: &str) -> Result<Vec<Value>, ClientError> {
    match result.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(ClientError::UnexpectedResult(result)),
    }
}

fn outcome(answer: Option<Frame<Response>>) -> Result<Value, ClientError> {
    match answer {
        None => Err(ClientError::NoAnswer),
        Some(Frame::Single(response)) => response.outcome.map_err(|error| {
            ClientError::Rpc(RpcError {
                code: error.code,
                message: error.message,
                data: error.data,
            })
        }),
        Some(Frame::Batch(responses)) => Err(ClientError::UnexpectedResult(Value::Array(
            responses.iter().map(Response::to_value).collect(),
        ))),
    }
}
