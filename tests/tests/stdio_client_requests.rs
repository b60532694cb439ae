//! Requests from tools to the client over real stdio: sampling and elicitation on legacy
//! versions (sent, answered, refused, timed out, cancelled, or not queued at all), and Multi
//! Round-Trip Requests on 2026-07-28.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use mcp_tests::{StdioServer, first_text};
use serde_json::{Value, json};

fn spawn(env: &[(&str, &str)]) -> StdioServer {
    StdioServer::spawn(env!("CARGO_BIN_EXE_test-server"), env)
}

const BOTH: fn() -> Value = || json!({"sampling": {}, "elicitation": {"form": {}, "url": {}}});

/// Sends a `tools/call` and returns the first message that comes back (it must not be the
/// call's answer).
fn call_until_request(server: &mut StdioServer, id: &str, name: &str, arguments: Value) -> Value {
    server.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": name, "arguments": arguments}}));
    let request = server.recv();
    assert!(request.get("method").is_some(), "{request}");
    request
}

/// Reads messages until the answer to `id`; returns it and what came before.
fn answer_of(server: &mut StdioServer, id: &str) -> (Value, Vec<Value>) {
    let mut before = Vec::new();
    loop {
        let message = server.recv();
        if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
            return (message, before);
        }
        before.push(message);
    }
}

#[test]
fn without_the_capability_nothing_is_sent_and_the_tool_fails_at_once() {
    let mut server = spawn(&[]);
    server.initialize_with("2025-11-25", json!({"elicitation": {}}));
    // `request` fails the test if anything but the answer comes back.
    let sampled = server.call("test_sampling", json!({"prompt": "hi"}));
    assert_eq!(sampled["result"]["isError"], true);
    assert_eq!(
        first_text(&sampled),
        "the client cannot answer `sampling/createMessage`: it did not declare the `sampling` capability"
    );
    // `elicitation: {}` means forms only (2025-11-25).
    let url = server.call("test_elicitation_url", json!({}));
    assert!(
        first_text(&url).contains("`elicitation.url` capability"),
        "{url}"
    );
    // Versions without elicitation refuse it whatever the client declared.
    let mut old = spawn(&[]);
    old.initialize_with("2025-03-26", BOTH());
    let refused = old.call("test_elicitation", json!({"message": "m"}));
    assert_eq!(
        first_text(&refused),
        "protocol version 2025-03-26 has no `elicitation/create` request"
    );
}

#[test]
fn the_tool_gets_the_clients_answers() {
    let mut server = spawn(&[]);
    server.initialize_with("2025-11-25", BOTH());
    let request = call_until_request(
        &mut server,
        "c1",
        "test_sampling",
        json!({"prompt": "2+2?"}),
    );
    assert_eq!(request["method"], "sampling/createMessage");
    assert_eq!(request["id"], "s-1");
    assert_eq!(
        request["params"],
        json!({"messages": [{"role": "user", "content": {"type": "text", "text": "2+2?"}}],
            "maxTokens": 100})
    );
    server.send(
        &json!({"jsonrpc": "2.0", "id": "s-1", "result": {"role": "assistant",
        "content": {"type": "text", "text": "4"}, "model": "m-1", "stopReason": "endTurn"}}),
    );
    let (answer, _) = answer_of(&mut server, "c1");
    assert_eq!(first_text(&answer), "LLM response: 4 (model m-1)");

    server.send(
        &json!({"jsonrpc": "2.0", "id": "c2", "method": "tools/call",
        "params": {"name": "test_elicitation", "arguments": {"message": "Who are you?"}}}),
    );
    let line = server
        .recv_line(mcp_tests::LINE_TIMEOUT)
        .expect("a request");
    // The form's fields arrive in the order the tool gave them (not sorted).
    assert!(
        line.find("\"username\"").unwrap() < line.find("\"email\"").unwrap(),
        "{line}"
    );
    let request: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(request["id"], "s-2", "ids are never reused in a session");
    let params = &request["params"];
    assert_eq!(params["mode"], "form");
    assert_eq!(params["message"], "Who are you?");
    assert_eq!(
        params["requestedSchema"]["required"],
        json!(["username", "email"])
    );
    server.send(
        &json!({"jsonrpc": "2.0", "id": "s-2", "result": {"action": "accept",
        "content": {"username": "ada", "email": "ada@example.com"}}}),
    );
    let (answer, _) = answer_of(&mut server, "c2");
    assert_eq!(
        first_text(&answer),
        r#"action=accept, content={"email":"ada@example.com","username":"ada"}"#
    );

    let request = call_until_request(&mut server, "c3", "test_elicitation_url", json!({}));
    assert_eq!(
        request["params"],
        json!({"mode": "url", "message": "Please connect your account.",
            "url": "https://example.com/connect", "elicitationId": "e-42"})
    );
    server.send(&json!({"jsonrpc": "2.0", "id": request["id"], "result": {"action": "decline"}}));
    let (answer, _) = answer_of(&mut server, "c3");
    assert_eq!(first_text(&answer), "action=decline, content={}");

    // 2025-06-18 has forms but no modes: `mode` is not sent.
    let mut older = spawn(&[]);
    older.initialize_with("2025-06-18", json!({"elicitation": {}}));
    let request = call_until_request(
        &mut older,
        "o1",
        "test_elicitation",
        json!({"message": "m"}),
    );
    assert!(request["params"].get("mode").is_none(), "{request}");
}

#[test]
fn errors_and_garbled_answers_reach_the_tool() {
    let mut server = spawn(&[]);
    server.initialize_with("2025-11-25", BOTH());
    let request = call_until_request(&mut server, "c1", "test_sampling", json!({"prompt": "x"}));
    server.send(&json!({"jsonrpc": "2.0", "id": request["id"],
        "error": {"code": -1, "message": "User rejected sampling request"}}));
    let (answer, _) = answer_of(&mut server, "c1");
    assert_eq!(answer["result"]["isError"], true);
    assert_eq!(
        first_text(&answer),
        "the client answered with error -1: User rejected sampling request"
    );

    let request = call_until_request(
        &mut server,
        "c2",
        "test_elicitation",
        json!({"message": "m"}),
    );
    server.send(&json!({"jsonrpc": "2.0", "id": request["id"], "result": {"action": "maybe"}}));
    let (answer, _) = answer_of(&mut server, "c2");
    assert_eq!(
        first_text(&answer),
        "the client's answer to `elicitation/create` is not a valid result"
    );
    // A response to nothing pending is dropped (and logged without its content).
    server.send(&json!({"jsonrpc": "2.0", "id": "s-99", "result": {"secret": "payload-77"}}));
    let stderr = server.wait_for_stderr("response to no pending request ignored");
    assert!(!stderr.contains("payload-77"));
    assert_eq!(
        server.call("test_add", json!({"a": 1, "b": 2}))["result"]["content"][0]["text"],
        "3"
    );
}

#[test]
fn an_unanswered_request_times_out_and_is_cancelled() {
    let mut server = spawn(&[]);
    server.initialize_with("2025-11-25", BOTH());
    let request = call_until_request(
        &mut server,
        "c1",
        "test_elicitation",
        json!({"message": "m", "timeout_ms": 200}),
    );
    let (answer, before) = answer_of(&mut server, "c1");
    // basic/index "Timeouts": the sender SHOULD issue a cancellation notification.
    assert_eq!(
        before,
        [
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": request["id"], "reason": "the server stopped waiting"}})
        ]
    );
    assert_eq!(
        first_text(&answer),
        "the client did not answer `elicitation/create` within 200ms"
    );
    // The server-wide default applies to requests without their own limit.
    let mut quick = spawn(&[("TEST_SERVER_CLIENT_TIMEOUT_MS", "150")]);
    quick.initialize_with("2025-11-25", BOTH());
    call_until_request(&mut quick, "q1", "test_sampling", json!({"prompt": "x"}));
    let (answer, _) = answer_of(&mut quick, "q1");
    assert!(first_text(&answer).ends_with("within 150ms"), "{answer}");
}

#[test]
fn cancelling_the_call_drops_the_pending_request() {
    let mut server = spawn(&[]);
    server.initialize_with("2025-11-25", BOTH());
    let request = call_until_request(
        &mut server,
        "c1",
        "test_elicitation",
        json!({"message": "m"}),
    );
    server.send(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": "c1", "reason": "user gave up"}}),
    );
    let cancelled = server.recv();
    assert_eq!(cancelled["method"], "notifications/cancelled");
    assert_eq!(cancelled["params"]["requestId"], request["id"]);
    // The call has no answer, and a late answer from the client completes nothing.
    server.send(&json!({"jsonrpc": "2.0", "id": request["id"], "result": {"action": "cancel"}}));
    assert_eq!(server.recv_line(Duration::from_millis(500)), None);
    server.wait_for_stderr("response to no pending request ignored");
    assert_eq!(
        server.call("test_add", json!({"a": 2, "b": 2}))["result"]["content"][0]["text"],
        "4"
    );
}

/// A request that cannot be queued fails the tool instead of vanishing: stdout is not read
/// while the tool floods it with log messages.
#[test]
fn a_full_writer_fails_the_request_instead_of_dropping_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_test-server"))
        .arg("--stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut send = |message: Value| {
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    };
    let mut line = String::new();
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": BOTH(),
        "clientInfo": {"name": "t", "version": "0"}}}),
    );
    stdout.read_line(&mut line).unwrap();
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel", "params": {"level": "info"}}),
    );
    line.clear();
    stdout.read_line(&mut line).unwrap();
    send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "test_flood_then_elicit", "arguments": {"count": 5000}}}));
    // Nobody reads: the pipe fills, then the writer's queue.
    std::thread::sleep(Duration::from_millis(1500));
    let mut answer = None;
    let mut elicited = false;
    for _ in 0..10_000 {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let message: Value = serde_json::from_str(&line).expect("JSON lines only");
        elicited |= message["method"] == "elicitation/create";
        if message["id"] == 3 {
            answer = Some(message);
            break;
        }
    }
    let answer = answer.expect("the call is answered");
    let text = answer["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.ends_with(
            "error: the request to the client could not be sent: the connection is closed or too far behind"
        ),
        "{text}"
    );
    let sent: u32 = text["sent ".len()..text.find(';').unwrap()]
        .parse()
        .unwrap();
    assert!(sent < 5000, "the writer was behind: {text}");
    assert!(!elicited);
    let _ = child.kill();
    let _ = child.wait();
}

fn modern_call(id: i64, name: &str, capabilities: Value, extra: Value) -> Value {
    let mut params = json!({"name": name, "arguments": {}, "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"}}});
    for (key, value) in extra.as_object().unwrap() {
        params[key] = value.clone();
    }
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})
}

fn exchange(server: &mut StdioServer, message: Value) -> Value {
    let id = message["id"].clone();
    server.send(&message);
    let answer = server.recv();
    assert_eq!(answer["id"], id, "nothing but the answer: {answer}");
    answer
}

#[test]
fn modern_calls_ask_through_input_required_rounds() {
    let mut server = spawn(&[]);
    let caps = json!({"elicitation": {}});
    let first = exchange(
        &mut server,
        modern_call(1, "test_two_questions", caps.clone(), json!({})),
    );
    let result = &first["result"];
    assert_eq!(result["resultType"], "input_required");
    assert_eq!(
        result["inputRequests"],
        json!({"1": {"method": "elicitation/create", "params": {"mode": "form",
            "message": "What is your name?", "requestedSchema": {"type": "object",
            "properties": {"name": {"type": "string"}}, "required": ["name"]}}}})
    );
    let state = result["requestState"]
        .as_str()
        .expect("a requestState")
        .to_owned();

    let name = json!({"1": {"action": "accept", "content": {"name": "Ada"}}});
    let second = exchange(
        &mut server,
        modern_call(
            2,
            "test_two_questions",
            caps.clone(),
            json!({"inputResponses": name, "requestState": state}),
        ),
    );
    let result = &second["result"];
    assert_eq!(result["resultType"], "input_required", "{second}");
    assert_eq!(
        result["inputRequests"]["2"]["params"]["message"],
        "How old are you?"
    );
    assert!(result["inputRequests"].get("1").is_none());
    let state2 = result["requestState"].as_str().unwrap().to_owned();
    assert_ne!(state, state2);

    // The last round sends only the last answer: the first travels in the state.
    let age = json!({"2": {"action": "accept", "content": {"age": 36}}});
    let third = exchange(
        &mut server,
        modern_call(
            3,
            "test_two_questions",
            caps.clone(),
            json!({"inputResponses": age, "requestState": state2}),
        ),
    );
    assert_eq!(third["result"]["resultType"], "complete", "{third}");
    assert_eq!(
        first_text(&third),
        r#"action=accept, content={"name":"Ada"} / action=accept, content={"age":36}"#
    );

    // A missing answer is asked for again (MRTR "Error Handling": SHOULD, not an error).
    let missing = exchange(
        &mut server,
        modern_call(
            4,
            "test_two_questions",
            caps.clone(),
            json!({"inputResponses": {"other": {}}, "requestState": state}),
        ),
    );
    assert_eq!(missing["result"]["resultType"], "input_required");
    assert!(missing["result"]["inputRequests"].get("1").is_some());

    // A garbled answer, a tampered or foreign state, a wrong shape: -32602.
    let garbled = exchange(
        &mut server,
        modern_call(
            5,
            "test_two_questions",
            caps.clone(),
            json!({"inputResponses": {"1": {"action": "maybe"}}, "requestState": state}),
        ),
    );
    assert_eq!(garbled["error"]["code"], -32602);
    assert_eq!(
        garbled["error"]["message"],
        "Invalid params: `inputResponses[\"1\"]` is not a valid result of `elicitation/create`"
    );
    for extra in [
        json!({"inputResponses": name, "requestState": format!("{state}-TAMPERED")}),
        json!({"inputResponses": [1]}),
        json!({"requestState": 7}),
    ] {
        let refused = exchange(
            &mut server,
            modern_call(6, "test_two_questions", caps.clone(), extra),
        );
        assert_eq!(refused["error"]["code"], -32602, "{refused}");
    }
    let foreign = exchange(
        &mut server,
        modern_call(
            7,
            "test_input_required_result_elicitation",
            caps.clone(),
            json!({"inputResponses": name, "requestState": state}),
        ),
    );
    assert_eq!(
        foreign["error"]["code"], -32602,
        "a state is bound to its tool: {foreign}"
    );

    // Requests the client did not declare are never put in `inputRequests`: a tool that needs
    // one fails with -32021 MissingRequiredClientCapability (2026-07-28 basic/index).
    let refused = exchange(
        &mut server,
        modern_call(8, "test_two_questions", json!({"sampling": {}}), json!({})),
    );
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {"form": {}}}),
        "{refused}"
    );
}

#[test]
fn modern_keys_can_be_named_and_sampling_works_the_same_way() {
    let mut server = spawn(&[]);
    let caps = json!({"elicitation": {}, "sampling": {}});
    let first = exchange(
        &mut server,
        modern_call(
            1,
            "test_input_required_result_elicitation",
            caps.clone(),
            json!({}),
        ),
    );
    let requests = &first["result"]["inputRequests"];
    assert_eq!(requests["user_name"]["method"], "elicitation/create");
    let state = first["result"]["requestState"].clone();
    let done = exchange(
        &mut server,
        modern_call(
            2,
            "test_input_required_result_elicitation",
            caps.clone(),
            json!({
            "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Alice"}}},
            "requestState": state}),
        ),
    );
    assert_eq!(first_text(&done), "Hello, Alice!");

    let first = exchange(
        &mut server,
        modern_call(3, "test_sampling", caps.clone(), json!({})),
    );
    // `prompt` is required: the arguments are checked before anything is asked.
    assert_eq!(first["result"]["isError"], true, "{first}");
    let mut call = modern_call(4, "test_sampling", caps.clone(), json!({}));
    call["params"]["arguments"] = json!({"prompt": "Capital of France?"});
    let asked = exchange(&mut server, call.clone());
    assert_eq!(
        asked["result"]["inputRequests"]["1"]["method"],
        "sampling/createMessage"
    );
    call["id"] = json!(5);
    call["params"]["inputResponses"] = json!({"1": {"role": "assistant",
        "content": {"type": "text", "text": "Paris"}, "model": "m"}});
    call["params"]["requestState"] = asked["result"]["requestState"].clone();
    let done = exchange(&mut server, call.clone());
    assert_eq!(first_text(&done), "LLM response: Paris (model m)");
    // The state is bound to the arguments too.
    call["id"] = json!(6);
    call["params"]["arguments"] = json!({"prompt": "Capital of Spain?"});
    assert_eq!(exchange(&mut server, call)["error"]["code"], -32602);
}
