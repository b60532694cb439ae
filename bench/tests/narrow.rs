//! `ToolDef::narrow`, the hook the argument micro-benchmarks time: it must do the narrowing a
//! call does (refusing what does not fit the handler's types) and nothing of the handler until
//! polled.

use mcp_runtime::__private::{ToolOutcome, ToolOutput};
use serde_json::{Map, Value, json};

fn object(value: Value) -> Map<String, Value> {
    let Value::Object(map) = value else {
        panic!("an object")
    };
    map
}

#[tokio::test]
async fn narrowing_refuses_what_the_handler_cannot_take() {
    let add = hello::add_tool::<()>();
    let outcome = add.narrow(&(), object(json!({"a": "one", "b": 2}))).await;
    let ToolOutcome::InvalidArguments(violations) = outcome else {
        panic!("a string is not an i64: {outcome:?}")
    };
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].path, "/a");
}

#[tokio::test]
async fn narrowed_arguments_reach_the_handler_when_polled() {
    let add = hello::add_tool::<()>();
    let outcome = add.narrow(&(), object(json!({"a": 40, "b": 2}))).await;
    let ToolOutcome::Output(ToolOutput::Result(result)) = outcome else {
        panic!("the handler's result: {outcome:?}")
    };
    assert_eq!(result, mcp_runtime::CallToolResult::text("42"));
}
