//! `testing::TestClient` against a server of every kind of handler, in both eras: results,
//! argument errors on each channel, JSON-RPC errors, per-call notifications, requests to the
//! client refused, principals and scopes, pagination.

use mcp_runtime::prelude::*;
use mcp_runtime::testing::{ClientError, TestClient};
use mcp_runtime::{AuthMethod, CreateMessage, Principal, ProtocolVersion};
use serde_json::{Value, json};

struct Fixture;

#[mcp_server(name = "fixture", version = "1.2.3")]
impl Fixture {
    /// Adds two integers.
    #[tool]
    async fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }

    /// Always fails.
    #[tool]
    async fn fail(&self) -> Result<String, ToolError> {
        Err(ToolError::new("the printer is on fire"))
    }

    /// Three steps of progress, and a log message.
    #[tool]
    async fn steps(&self, ctx: &Ctx) -> &'static str {
        for done in [1.0, 2.0, 3.0] {
            ctx.progress(done, Some(3.0), Some("working"));
        }
        ctx.log(LogLevel::Info, "all steps done");
        "done"
    }

    /// Asks the client to sample, and says how that went.
    #[tool]
    async fn ask(&self, ctx: &Ctx) -> String {
        match ctx.sample(CreateMessage::user_text("hello?")).await {
            Ok(_) => "sampled".to_owned(),
            Err(error) => format!("refused: {error}"),
        }
    }

    /// Who is calling.
    #[tool(scopes = ["notes:write"])]
    async fn whoami(&self, ctx: &Ctx) -> String {
        ctx.principal()
            .map_or("nobody".to_owned(), |p| p.subject().to_owned())
    }

    /// A note by name.
    #[resource(uri = "note://{name}", mime_type = "text/plain")]
    async fn note(&self, name: String) -> Option<String> {
        (name != "missing").then(|| format!("note {name}"))
    }

    /// Greets someone.
    #[prompt]
    async fn greet(&self, name: String) -> Vec<PromptMessage> {
        vec![PromptMessage::user(Content::text(format!(
            "Hello, {name}!"
        )))]
    }
}

fn server() -> Server {
    Fixture.into_server().unwrap()
}

async fn both_eras() -> [TestClient; 2] {
    let server = server();
    [
        TestClient::connect(&server).await.unwrap(),
        TestClient::modern(&server).await.unwrap(),
    ]
}

#[tokio::test]
async fn legacy_connect_initializes_at_the_latest_legacy_version() {
    let client = TestClient::connect(&server()).await.unwrap();
    let initialized = client.initialize_result().unwrap();
    assert_eq!(initialized["protocolVersion"], "2025-11-25");
    assert_eq!(initialized["serverInfo"]["name"], "fixture");
    assert!(initialized["capabilities"]["tools"].is_object());
    assert!(
        TestClient::modern(&server())
            .await
            .unwrap()
            .initialize_result()
            .is_none()
    );
}

#[tokio::test]
async fn tools_are_listed_and_called_in_both_eras() {
    for client in both_eras().await {
        let names: Vec<Value> = client
            .list_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|tool| tool["name"].clone())
            .collect();
        assert_eq!(
            names,
            ["add", "fail", "steps", "ask", "whoami"],
            "{client:?}"
        );

        let sum = client
            .call_tool("add", json!({"a": 2, "b": 40}))
            .await
            .unwrap();
        assert!(!sum.is_error);
        assert_eq!(sum.text(), "42");

        let failed = client.call_tool("fail", json!({})).await.unwrap();
        assert!(failed.is_error);
        assert_eq!(failed.text(), "the printer is on fire");
        assert!(failed.argument_error().is_none());
    }
}

#[tokio::test]
async fn a_modern_result_carries_its_result_type() {
    let client = TestClient::modern(&server()).await.unwrap();
    let sum = client
        .call_tool("add", json!({"a": 1, "b": 1}))
        .await
        .unwrap();
    assert_eq!(sum.raw["resultType"], "complete");
    let discovered = client.request("server/discover", json!({})).await.unwrap();
    let versions = discovered["supportedVersions"].as_array().unwrap();
    assert!(versions.contains(&json!("2026-07-28")), "{discovered}");
    let server_info = &discovered["_meta"]["io.modelcontextprotocol/serverInfo"];
    assert_eq!(server_info["name"], "fixture", "{discovered}");
}

#[tokio::test]
async fn bad_arguments_are_a_tool_error_from_2025_11_25_on() {
    for client in both_eras().await {
        let refused = client.call_tool("add", json!({"a": "two"})).await.unwrap();
        assert!(refused.is_error, "{client:?}");
        assert_eq!(refused.argument_error().unwrap()["code"], -32602);
        // `a` is not an integer, `b` is missing.
        assert_eq!(refused.violations().len(), 2, "{:?}", refused.violations());
    }
}

#[tokio::test]
async fn bad_arguments_are_a_json_rpc_error_up_to_2025_06_18() {
    let client = TestClient::builder(&server())
        .protocol_version(ProtocolVersion::V2025_06_18)
        .connect()
        .await
        .unwrap();
    assert_eq!(
        client.initialize_result().unwrap()["protocolVersion"],
        "2025-06-18"
    );
    let refused = client
        .call_tool("add", json!({"a": 1, "b": 2, "c": 3}))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(-32602));
    assert!(refused.rpc().unwrap().message.contains("add"));
    assert_eq!(refused.violations().len(), 1, "{refused}");
}

#[tokio::test]
async fn json_rpc_errors_come_back_typed() {
    for client in both_eras().await {
        let unknown = client
            .request("no/such/method", json!({}))
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), Some(-32601), "{client:?}");
        let no_tool = client.call_tool("nope", json!({})).await.unwrap_err();
        assert_eq!(no_tool.code(), Some(-32602));
        assert!(matches!(no_tool, ClientError::Rpc(_)));
    }
}

#[tokio::test]
async fn a_call_returns_its_progress_and_log_messages() {
    for client in both_eras().await {
        let quiet = client.call_tool_with_progress("steps", json!({})).await;
        assert_eq!(quiet.result.as_ref().unwrap().text(), "done");
        let progress: Vec<&Value> = quiet.progress().iter().map(|p| &p["progress"]).collect();
        assert_eq!(progress, [1.0, 2.0, 3.0], "{client:?}");
        assert!(quiet.progress().iter().all(|p| p["total"] == 3.0));
        // Log messages go out only once asked for.
        assert!(quiet.log_messages().is_empty());

        client.set_log_level(LogLevel::Info).await.unwrap();
        let told = client.call_tool_with_progress("steps", json!({})).await;
        let messages = told.log_messages();
        assert_eq!(messages.len(), 1, "{client:?}");
        assert_eq!(messages[0]["data"], "all steps done");
        assert_eq!(messages[0]["level"], "info");
        // Each call gets only its own notifications, under its own token.
        assert_eq!(told.progress().len(), 3);
        assert_ne!(
            told.progress()[0]["progressToken"],
            quiet.progress()[0]["progressToken"]
        );
    }
}

#[tokio::test]
async fn a_call_without_progress_token_gets_no_progress() {
    let client = TestClient::connect(&server()).await.unwrap();
    let called = client
        .request_with_notifications("tools/call", json!({"name": "steps"}))
        .await;
    assert!(called.result.is_ok());
    assert!(called.progress().is_empty());
}

#[tokio::test]
async fn requests_to_the_client_are_refused() {
    let server = server();
    // Nothing declared: the handler's request fails before anything is sent.
    let bare = TestClient::connect(&server).await.unwrap();
    let answer = bare.call_tool("ask", json!({})).await.unwrap();
    assert!(
        answer.text().contains("did not declare"),
        "{}",
        answer.text()
    );

    // Declared: the request reaches the client, which answers -32601.
    let declared = TestClient::builder(&server)
        .capabilities(json!({"sampling": {}}))
        .connect()
        .await
        .unwrap();
    let answer = declared.call_tool("ask", json!({})).await.unwrap();
    assert!(answer.text().starts_with("refused: "), "{}", answer.text());
    assert!(
        !answer.text().contains("did not declare"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn the_principal_is_what_scopes_are_checked_against() {
    let server = server();
    let anonymous = TestClient::connect(&server).await.unwrap();
    assert_eq!(
        anonymous
            .call_tool("whoami", json!({}))
            .await
            .unwrap()
            .text(),
        "nobody"
    );

    let reader = Principal::new("ada", AuthMethod::Custom).with_scopes(["notes:read"]);
    let reader = TestClient::builder(&server)
        .principal(reader)
        .connect()
        .await
        .unwrap();
    let refused = reader.call_tool("whoami", json!({})).await;
    let refused_code = match refused {
        Ok(result) => result.argument_error().map(|e| e["code"].clone()),
        Err(error) => error.code().map(Value::from),
    };
    assert_eq!(refused_code, Some(json!(-32003)));

    let writer = Principal::new("ada", AuthMethod::Custom).with_scopes(["notes:write"]);
    let writer = TestClient::builder(&server)
        .principal(writer)
        .connect()
        .await
        .unwrap();
    assert_eq!(
        writer.call_tool("whoami", json!({})).await.unwrap().text(),
        "ada"
    );
}

#[tokio::test]
async fn resources_and_prompts_in_both_eras() {
    for client in both_eras().await {
        let templates = client.list_resource_templates().await.unwrap();
        assert_eq!(templates[0]["uriTemplate"], "note://{name}");
        let contents = client.read_resource("note://groceries").await.unwrap();
        assert_eq!(contents[0]["text"], "note groceries");
        assert_eq!(contents[0]["uri"], "note://groceries");
        let missing = client.read_resource("note://missing").await.unwrap_err();
        assert!(matches!(missing.code(), Some(-32002 | -32602)), "{missing}");

        let prompts = client.list_prompts().await.unwrap();
        assert_eq!(prompts[0]["name"], "greet");
        let prompt = client
            .get_prompt("greet", json!({"name": "Ada"}))
            .await
            .unwrap();
        assert_eq!(prompt["messages"][0]["content"]["text"], "Hello, Ada!");
        let unnamed = client.get_prompt("greet", json!({})).await.unwrap_err();
        assert_eq!(unnamed.code(), Some(-32602));
    }
}

#[tokio::test]
async fn lists_are_followed_to_their_last_page() {
    let server = Fixture.into_builder().page_size(2).build().unwrap();
    let client = TestClient::connect(&server).await.unwrap();
    let first_page = client.request("tools/list", json!({})).await.unwrap();
    assert_eq!(first_page["tools"].as_array().unwrap().len(), 2);
    assert!(first_page["nextCursor"].is_string());
    assert_eq!(client.list_tools().await.unwrap().len(), 5);
}

#[tokio::test]
async fn changes_outside_requests_reach_a_legacy_session() {
    use std::time::Duration;
    let server = server();
    let client = TestClient::connect(&server).await.unwrap();
    client
        .request("resources/subscribe", json!({"uri": "note://watched"}))
        .await
        .unwrap();
    server.notify_resource_updated("note://elsewhere");
    server.notify_resource_updated("note://watched");
    let updated = client.next_change().await.unwrap();
    assert_eq!(updated.method, "notifications/resources/updated");
    assert_eq!(updated.params["uri"], "note://watched");

    assert!(server.remove_tool("fail"));
    let changed = client.next_change().await.unwrap();
    assert_eq!(changed.method, "notifications/tools/list_changed");
    assert_eq!(client.list_tools().await.unwrap().len(), 4);

    let nothing = tokio::time::timeout(Duration::from_millis(50), client.next_change()).await;
    assert!(nothing.is_err(), "{nothing:?}");
    let modern = TestClient::modern(&server).await.unwrap();
    assert!(modern.next_change().await.is_none());
}
