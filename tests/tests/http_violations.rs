//! Hostile bad arguments over real HTTP: a `tools/call` with 300,000 unknown keys is answered
//! with 50 violations and a count of the rest, on both argument-error channels, in a small
//! body; client-chosen names are quoted clipped; and other sessions are served afterwards.

use mcp_runtime::ARGUMENT_ERROR_META_KEY;
use mcp_tests::http::{Client, HttpServer, LegacySession, WAIT};
use serde_json::{Map, Value, json};

/// Unknown keys per attack: about 3.6 MB of body, under the default 4 MiB limit.
const KEYS: usize = 300_000;
/// A generous bound: 50 violations, with their text, are about 10 KB.
const SMALL: usize = 64 * 1024;
/// A client-chosen name far longer than any error may quote.
const HUGE: usize = 1024 * 1024;
/// The most bytes an error quotes of a client string, with its ellipsis.
const CLIPPED: usize = 256 + '…'.len_utf8();

fn test_server() -> HttpServer {
    HttpServer::spawn(env!("CARGO_BIN_EXE_test-server"), &[])
}

/// `count` unknown keys, plus `known`.
fn arguments(count: usize, known: Value) -> Value {
    let mut arguments: Map<String, Value> =
        (0..count).map(|n| (format!("k{n:06}"), json!(0))).collect();
    arguments.extend(known.as_object().unwrap().clone());
    Value::Object(arguments)
}

/// The response and its size as sent (re-serialised, which is the same compact JSON).
async fn call(session: &mut LegacySession, tool: &str, arguments: Value) -> (Value, usize) {
    let reply = session
        .request("tools/call", json!({"name": tool, "arguments": arguments}))
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.headers);
    let response = reply.response();
    let size = response.to_string().len();
    (response, size)
}

/// Checks the capped list: 50 violations, and together with the count, all that were found.
fn assert_capped(error: &Value, found: usize) {
    let listed = error["violations"].as_array().expect("a violations array");
    assert_eq!(listed.len(), 50);
    for violation in listed {
        let mut keys: Vec<&str> = violation
            .as_object()
            .unwrap()
            .keys()
            .map(|k| &**k)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["keyword", "message", "path"], "{violation}");
    }
    assert_eq!(error["violationsOmitted"], found - 50, "{error}");
}

/// A well-behaved call on a fresh session is answered, and correctly.
async fn still_serving(client: &Client, version: &str) {
    let answered = tokio::time::timeout(WAIT, async {
        let mut session = LegacySession::open(client, version).await;
        call(&mut session, "test_add", json!({"a": 40, "b": 2})).await
    })
    .await
    .expect("a well-behaved call is answered after the attack");
    assert_eq!(answered.0["result"]["content"][0]["text"], "42");
}

#[tokio::test]
async fn unknown_keys_by_the_hundred_thousand_get_fifty_violations_in_a_json_rpc_error() {
    let server = test_server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-06-18").await;
    // `a` and `b` are missing too: two `required` violations besides the unknown keys.
    let (response, size) = call(&mut session, "test_add", arguments(KEYS, json!({}))).await;
    assert!(size < SMALL, "{size} bytes");
    assert_eq!(response["error"]["code"], -32602);
    let data = &response["error"]["data"];
    assert_capped(data, KEYS + 2);
    assert_eq!(data["violations"][0]["path"], "/a");
    assert_eq!(data["violations"][1]["path"], "/b");
    assert_eq!(data["violations"][2]["keyword"], "additionalProperties");

    still_serving(&client, "2025-06-18").await;
    assert!(
        !server.stderr().contains("k000042"),
        "argument names stay out of the log"
    );
}

#[tokio::test]
async fn unknown_keys_by_the_hundred_thousand_get_fifty_violations_in_an_is_error_result() {
    let server = test_server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let (response, size) = call(&mut session, "test_add", arguments(KEYS, json!({}))).await;
    assert!(size < SMALL, "{size} bytes");
    let result = &response["result"];
    assert_eq!(result["isError"], true);
    assert_capped(&result["structuredContent"]["error"], KEYS + 2);
    let text = result["content"][0]["text"].as_str().unwrap();
    assert_eq!(text.matches("\n- ").count(), 50, "{text}");
    assert!(
        text.ends_with(&format!("\n… and {} more", KEYS + 2 - 50)),
        "{text}"
    );

    // A tool with an output schema gets the error in `_meta`, capped the same.
    let (response, size) = call(&mut session, "test_json", arguments(KEYS, json!({}))).await;
    assert!(size < SMALL, "{size} bytes");
    assert_capped(
        &response["result"]["_meta"][ARGUMENT_ERROR_META_KEY],
        KEYS + 1,
    );

    still_serving(&client, "2025-11-25").await;
}

#[tokio::test]
async fn huge_client_names_are_quoted_clipped() {
    let server = test_server();
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-06-18").await;
    let name = "n".repeat(HUGE);

    let (unknown_tool, size) = call(&mut session, &name, json!({})).await;
    assert!(size < SMALL, "{size} bytes");
    let message = unknown_tool["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Invalid params: unknown tool `nnn"),
        "{message}"
    );
    assert!(message.contains("…`"), "{message}");

    let (long_key, size) = call(&mut session, "test_add", arguments(0, json!({ name: 1 }))).await;
    assert!(size < SMALL, "{size} bytes");
    let violations = long_key["error"]["data"]["violations"].as_array().unwrap();
    let unknown = violations
        .iter()
        .find(|v| v["keyword"] == "additionalProperties")
        .expect("the long key is refused");
    let path = unknown["path"].as_str().unwrap();
    assert!(path.starts_with("/nnn") && path.ends_with('…'), "{path}");
    assert!(path.len() <= CLIPPED, "{} bytes", path.len());

    still_serving(&client, "2025-06-18").await;
}

#[tokio::test]
async fn prompts_resources_and_completions_quote_client_names_clipped() {
    let server = HttpServer::spawn(env!("CARGO_BIN_EXE_catalog-server"), &[]);
    let client = Client::new(server.url());
    let mut session = LegacySession::open(&client, "2025-11-25").await;
    let long = "x".repeat(HUGE);
    let small = |reply: &mcp_tests::http::Reply| {
        let response = reply.response();
        let size = response.to_string().len();
        assert!(size < SMALL, "{size} bytes");
        response
    };
    let message = |response: &Value| response["error"]["message"].as_str().unwrap().to_owned();

    // Thousands of long unknown prompt arguments: whichever is named, it is named clipped.
    let unknown: Map<String, Value> = (0..3_000)
        .map(|n| (format!("{n:04}{}", "a".repeat(1_000)), json!("v")))
        .collect();
    let reply = session
        .request(
            "prompts/get",
            json!({"name": "greet", "arguments": unknown}),
        )
        .await;
    let response = small(&reply);
    assert_eq!(response["error"]["code"], -32602);
    let text = message(&response);
    assert!(
        text.contains("has no argument `") && text.ends_with("…`"),
        "{text}"
    );

    let reply = session.request("prompts/get", json!({"name": long})).await;
    assert!(message(&small(&reply)).ends_with("…`"));

    // A URI no resource has, and one that fits a template but not its variable's type.
    let reply = session
        .request("resources/read", json!({"uri": long}))
        .await;
    let response = small(&reply);
    let uri = response["error"]["data"]["uri"].as_str().unwrap();
    assert!(uri.len() <= CLIPPED && uri.ends_with('…'), "{uri}");
    let reply = session
        .request("resources/read", json!({"uri": format!("item://{long}")}))
        .await;
    let response = small(&reply);
    assert_eq!(response["error"]["code"], -32602);
    assert!(message(&response).contains("…` does not fit"));
    assert_eq!(response["error"]["data"]["violations"][0]["path"], "/id");
    assert!(response["error"]["data"]["uri"].as_str().unwrap().len() <= CLIPPED);

    let reply = session
        .request(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": long},
                   "argument": {"name": long, "value": ""}}),
        )
        .await;
    assert!(message(&small(&reply)).ends_with("…`"));

    // Still serving, on another session.
    let mut other = LegacySession::open(&client, "2025-11-25").await;
    let reply = other
        .request(
            "prompts/get",
            json!({"name": "greet", "arguments": {"name": "Ada"}}),
        )
        .await;
    assert_eq!(
        reply.response()["result"]["messages"][0]["content"]["text"],
        "Hi, Ada!"
    );
}
