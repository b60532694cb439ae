//! hello in-process, through `mcp_runtime::testing::TestClient`: no binary, no socket.

use mcp_runtime::ProtocolVersion;
use mcp_runtime::testing::TestClient;
use serde_json::json;

#[tokio::test]
async fn add_echo_and_divide_answer() {
    let server = hello::server().unwrap();
    for client in [
        TestClient::connect(&server).await.unwrap(),
        TestClient::modern(&server).await.unwrap(),
    ] {
        let tools = client.list_tools().await.unwrap();
        let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(names, ["add", "echo", "divide"], "{client:?}");

        let sum = client
            .call_tool("add", json!({"a": 40, "b": 2}))
            .await
            .unwrap();
        assert!(!sum.is_error);
        assert_eq!(sum.text(), "42");

        let echoed = client
            .call_tool("echo", json!({"message": "hi"}))
            .await
            .unwrap();
        assert_eq!(echoed.text(), "hi");

        let half = client
            .call_tool("divide", json!({"a": 1, "b": 4}))
            .await
            .unwrap();
        assert_eq!(half.text(), "0.25");
    }
}

#[tokio::test]
async fn a_failing_tool_is_an_is_error_result() {
    let client = TestClient::connect(&hello::server().unwrap())
        .await
        .unwrap();
    let overflow = client
        .call_tool("add", json!({"a": i64::MAX, "b": 1}))
        .await
        .unwrap();
    assert!(overflow.is_error);
    assert_eq!(overflow.text(), "the sum does not fit in a 64-bit integer");
    let by_zero = client
        .call_tool("divide", json!({"a": 1, "b": 0}))
        .await
        .unwrap();
    assert!(by_zero.is_error);
    assert!(
        by_zero.text().contains("cannot divide by zero"),
        "{}",
        by_zero.text()
    );
}

#[tokio::test]
async fn bad_arguments_are_minus_32602_with_every_violation() {
    let server = hello::server().unwrap();
    // Up to 2025-06-18: a JSON-RPC error.
    let old = TestClient::builder(&server)
        .protocol_version(ProtocolVersion::V2025_06_18)
        .connect()
        .await
        .unwrap();
    let refused = old
        .call_tool("echo", json!({"message": ""}))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(-32602));
    let violations = refused.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0]["path"], "/message", "{violations:?}");

    // From 2025-11-25 on: an `isError` result the model can read, with the same error.
    let new = TestClient::connect(&server).await.unwrap();
    let refused = new.call_tool("add", json!({"a": 1.5})).await.unwrap();
    assert!(refused.is_error);
    assert_eq!(refused.argument_error().unwrap()["code"], -32602);
    assert_eq!(refused.violations().len(), 2, "{:?}", refused.violations());
}
