//! The conformance fixtures in-process, through `mcp_runtime::testing::TestClient`: progress
//! and log notifications arrive with the call that sent them, in both eras.

use mcp_runtime::LogLevel;
use mcp_runtime::testing::TestClient;
use serde_json::json;

#[tokio::test]
async fn progress_arrives_with_its_call_in_both_eras() {
    let server = everything::server().unwrap();
    for client in [
        TestClient::connect(&server).await.unwrap(),
        TestClient::modern(&server).await.unwrap(),
    ] {
        let called = client
            .call_tool_with_progress("test_tool_with_progress", json!({}))
            .await;
        let result = called.result.as_ref().unwrap();
        assert_eq!(result.text(), "Tool with progress executed successfully");
        let progress = called.progress();
        let done: Vec<f64> = progress
            .iter()
            .filter_map(|p| p["progress"].as_f64())
            .collect();
        assert_eq!(done, [0.0, 50.0, 100.0], "{client:?}");
        assert_eq!(progress[2]["message"], "Completed step 100 of 100");
        assert!(progress.iter().all(|p| p["total"] == 100.0));
    }
}

#[tokio::test]
async fn log_messages_arrive_once_asked_for() {
    let server = everything::server().unwrap();
    for client in [
        TestClient::connect(&server).await.unwrap(),
        TestClient::modern(&server).await.unwrap(),
    ] {
        let silent = client
            .call_tool_with_progress("test_logging_tool", json!({}))
            .await;
        assert!(silent.log_messages().is_empty(), "{client:?}");
        client.set_log_level(LogLevel::Debug).await.unwrap();
        let told = client
            .call_tool_with_progress("test_logging_tool", json!({}))
            .await;
        let messages = told.log_messages();
        assert!(!messages.is_empty(), "{client:?}");
        assert_eq!(messages[0]["data"], "Diagnostic trace logging activated");
    }
}
