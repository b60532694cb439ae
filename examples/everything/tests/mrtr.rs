//! The Multi Round-Trip Request fixtures of `everything` over real Streamable HTTP on
//! 127.0.0.1, as the suite's 2026-07-28 scenarios drive them: `input_required` under the
//! chosen keys, the retry with `inputResponses` and the signed `requestState`, requests left out
//! for undeclared capabilities, -32021 with HTTP 400, and `prompts/get` asking the same way.

use mcp_tests::http::{Client, HttpServer, LegacySession, modern};
use serde_json::{Value, json};

fn server() -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_everything"), &[])
}

/// Every capability the suite's stateless client declares by default.
fn all_capabilities() -> Value {
    json!({"sampling": {}, "elicitation": {}, "roots": {"listChanged": true}})
}

/// A 2026-07-28 `method` call with `capabilities` and `extra` params; the response.
async fn ask(client: &Client, method: &str, mut params: Value, capabilities: Value) -> Value {
    params["_meta"] = json!({"io.modelcontextprotocol/clientCapabilities": capabilities});
    let reply = modern(client, 1, method, params).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.response()
}

fn tool(name: &str, extra: Value) -> Value {
    let mut params = json!({"name": name, "arguments": {}});
    for (key, value) in extra.as_object().unwrap() {
        params[key] = value.clone();
    }
    params
}

fn methods(result: &Value) -> Vec<(String, String)> {
    let mut methods: Vec<(String, String)> = result["inputRequests"]
        .as_object()
        .expect("inputRequests")
        .iter()
        .map(|(key, request)| (key.clone(), request["method"].as_str().unwrap().to_owned()))
        .collect();
    methods.sort();
    methods
}

fn accept(content: Value) -> Value {
    json!({"action": "accept", "content": content})
}

fn text(response: &Value) -> &str {
    response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a text result: {response}"))
}

#[tokio::test]
async fn three_kinds_of_request_go_out_in_one_round_and_come_back_in_the_next() {
    let server = server();
    let client = Client::new(server.url());
    let name = "test_input_required_result_multiple_inputs";
    let first = ask(
        &client,
        "tools/call",
        tool(name, json!({})),
        all_capabilities(),
    )
    .await;
    let result = &first["result"];
    assert_eq!(result["resultType"], "input_required", "{first}");
    assert_eq!(
        methods(result),
        [
            ("client_roots".into(), "roots/list".into()),
            ("greeting".into(), "sampling/createMessage".into()),
            ("user_name".into(), "elicitation/create".into()),
        ]
    );
    assert_eq!(result["inputRequests"]["client_roots"]["params"], json!({}));
    let answers = json!({
        "user_name": accept(json!({"name": "Alice"})),
        "greeting": {"role": "assistant", "content": {"type": "text", "text": "Hi!"},
            "model": "m", "stopReason": "endTurn"},
        "client_roots": {"roots": [{"uri": "file:///test/root", "name": "Test Root"}]},
    });
    let retry = json!({"inputResponses": answers, "requestState": result["requestState"]});
    let second = ask(&client, "tools/call", tool(name, retry), all_capabilities()).await;
    assert_eq!(text(&second), "Name: Alice; Greeting: Hi!; Roots: 1");

    // A roots answer of the wrong shape is refused, as any garbled answer is.
    let garbled = json!({"user_name": answers["user_name"], "greeting": answers["greeting"],
        "client_roots": {"roots": "none"}});
    let retry = json!({"inputResponses": garbled, "requestState": result["requestState"]});
    let refused = ask(&client, "tools/call", tool(name, retry), all_capabilities()).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
}

#[tokio::test]
async fn each_round_asks_the_next_question_with_a_new_state() {
    let server = server();
    let client = Client::new(server.url());
    let name = "test_input_required_result_multi_round";
    let caps = all_capabilities();
    let first = ask(&client, "tools/call", tool(name, json!({})), caps.clone()).await;
    assert_eq!(
        methods(&first["result"]),
        [("step1".into(), "elicitation/create".into())]
    );
    let retry = json!({"inputResponses": {"step1": accept(json!({"name": "Alice"}))},
        "requestState": first["result"]["requestState"]});
    let second = ask(&client, "tools/call", tool(name, retry), caps.clone()).await;
    assert_eq!(
        methods(&second["result"]),
        [("step2".into(), "elicitation/create".into())]
    );
    assert_ne!(
        second["result"]["requestState"],
        first["result"]["requestState"]
    );
    let retry = json!({"inputResponses": {"step2": accept(json!({"color": "blue"}))},
        "requestState": second["result"]["requestState"]});
    let third = ask(&client, "tools/call", tool(name, retry), caps).await;
    assert_eq!(
        text(&third),
        "Multi-round complete for Alice who likes blue"
    );
}

#[tokio::test]
async fn requests_the_client_cannot_answer_are_left_out() {
    let server = server();
    let client = Client::new(server.url());
    let name = "test_input_required_result_capabilities";
    let sampling_only = ask(
        &client,
        "tools/call",
        tool(name, json!({})),
        json!({"sampling": {}}),
    )
    .await;
    assert_eq!(
        methods(&sampling_only["result"]),
        [("sample_input".into(), "sampling/createMessage".into())]
    );
    let nothing = ask(&client, "tools/call", tool(name, json!({})), json!({})).await;
    assert_eq!(text(&nothing), "No supported capabilities declared");
}

#[tokio::test]
async fn a_required_capability_not_declared_is_32021_with_http_400() {
    let server = server();
    let client = Client::new(server.url());
    let params = json!({"name": "test_missing_capability", "arguments": {}});
    let reply = modern(&client, 7, "tools/call", params.clone()).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    let error = &reply.response()["error"];
    assert_eq!(error["code"], -32021, "{error}");
    assert_eq!(
        error["data"],
        json!({"requiredCapabilities": {"sampling": {}}})
    );
    assert_eq!(reply.response()["id"], 7);

    // Declared, the tool asks for its sample.
    let asked = ask(&client, "tools/call", params, json!({"sampling": {}})).await;
    assert_eq!(
        methods(&asked["result"]),
        [("1".into(), "sampling/createMessage".into())]
    );

    // On a legacy version the same failure is a tool error the model can read.
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let legacy = session
        .request(
            "tools/call",
            json!({"name": "test_missing_capability", "arguments": {}}),
        )
        .await
        .response();
    assert_eq!(legacy["result"]["isError"], true, "{legacy}");
    assert!(text(&legacy).contains("`sampling`"), "{legacy}");
}

#[tokio::test]
async fn a_prompt_asks_through_input_rounds_too() {
    let server = server();
    let client = Client::new(server.url());
    let prompt = json!({"name": "test_input_required_result_prompt"});
    let first = ask(&client, "prompts/get", prompt.clone(), all_capabilities()).await;
    let result = &first["result"];
    assert_eq!(result["resultType"], "input_required", "{first}");
    assert_eq!(
        result["inputRequests"]["user_context"]["params"]["message"],
        "What context should the prompt use?"
    );
    let mut retry = prompt.clone();
    retry["inputResponses"] = json!({"user_context": accept(json!({"context": "tests"}))});
    retry["requestState"] = result["requestState"].clone();
    let second = ask(&client, "prompts/get", retry.clone(), all_capabilities()).await;
    assert_eq!(
        second["result"]["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "Prompt with context: tests"}}]),
        "{second}"
    );

    // The state is signed and bound to the prompt: tampered, or another tool's, it is refused.
    let mut tampered = retry.clone();
    tampered["requestState"] = json!(format!("{}x", result["requestState"].as_str().unwrap()));
    let refused = ask(&client, "prompts/get", tampered, all_capabilities()).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let tool_state = ask(
        &client,
        "tools/call",
        tool("test_input_required_result_elicitation", json!({})),
        all_capabilities(),
    )
    .await;
    let mut foreign = retry;
    foreign["requestState"] = tool_state["result"]["requestState"].clone();
    let refused = ask(&client, "prompts/get", foreign, all_capabilities()).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    // Without elicitation declared, the prompt cannot be had: -32021 naming `elicitation.form`.
    let reply = modern(&client, 3, "prompts/get", prompt).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.response()["error"]["code"], -32021);
    assert_eq!(
        reply.response()["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {"form": {}}})
    );
}

#[tokio::test]
async fn the_streaming_tool_answers_input_required_and_never_a_request() {
    let server = server();
    let client = Client::new(server.url());
    let params = json!({"name": "test_streaming_elicitation", "arguments": {},
        "_meta": {"io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
            "progressToken": "p"}});
    let reply = modern(&client, 1, "tools/call", params).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    for notification in reply.notifications() {
        assert!(
            notification.get("id").is_none(),
            "a request: {notification}"
        );
    }
    assert_eq!(reply.response()["result"]["resultType"], "input_required");
}
