//! ticketing in-process, through `mcp_runtime::testing::TestClient`, over a real SQLite file:
//! create, search, read and close tickets in both protocol eras, and the errors a client gets.

use mcp_runtime::testing::TestClient;
use mcp_runtime::{AuthMethod, Principal};
use serde_json::{Value, json};
use ticketing::Db;

fn server(name: &str) -> mcp_runtime::Server {
    let path = std::env::temp_dir().join(format!(
        "ticketing-in-process-{name}-{}.sqlite3",
        std::process::id()
    ));
    let _fresh = std::fs::remove_file(&path);
    ticketing::server(Db::open(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn create_search_read_and_close() {
    let server = server("lifecycle");
    for client in [
        TestClient::connect(&server).await.unwrap(),
        TestClient::modern(&server).await.unwrap(),
    ] {
        let title = format!("Printer on fire ({client:?})");
        let created = client
            .call_tool(
                "create_ticket",
                json!({"title": title, "body": "Third floor"}),
            )
            .await
            .unwrap();
        assert!(!created.is_error, "{}", created.text());
        let id: String = created.structured_content.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(id.starts_with("T-"), "{id}");

        let found = client
            .call_tool("search_tickets", json!({"query": title, "status": "open"}))
            .await
            .unwrap();
        let tickets = &found.structured_content.as_ref().unwrap()["result"];
        assert_eq!(tickets.as_array().unwrap().len(), 1, "{tickets}");
        assert_eq!(tickets[0]["id"], id.as_str());
        assert_eq!(tickets[0]["priority"], "medium");

        let contents = client
            .read_resource(&format!("ticket://{id}"))
            .await
            .unwrap();
        let ticket: Value = serde_json::from_str(contents[0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(ticket["title"], title.as_str());

        let closed = client
            .call_tool(
                "close_ticket",
                json!({"id": id, "resolution": "Extinguished"}),
            )
            .await
            .unwrap();
        let closed = closed.structured_content.unwrap();
        assert_eq!(closed["already_closed"], false);
        let again = client
            .call_tool("close_ticket", json!({"id": id, "resolution": "Twice"}))
            .await
            .unwrap();
        let again = again.structured_content.unwrap();
        assert_eq!(again["already_closed"], true);
        assert_eq!(again["resolution"], "Extinguished");

        let still_open = client
            .call_tool("search_tickets", json!({"query": title, "status": "open"}))
            .await
            .unwrap();
        assert_eq!(still_open.structured_content.unwrap()["result"], json!([]));
    }
}

#[tokio::test]
async fn unknown_tickets_and_bad_arguments() {
    let client = TestClient::connect(&server("errors")).await.unwrap();
    let unknown = client
        .call_tool("close_ticket", json!({"id": "T-999999", "resolution": "?"}))
        .await
        .unwrap();
    assert!(unknown.is_error);
    assert!(
        unknown.text().contains("no ticket T-999999"),
        "{}",
        unknown.text()
    );

    // Every violation listed: the missing query, the limit's range, the unknown status.
    let refused = client
        .call_tool("search_tickets", json!({"limit": 51, "status": "lost"}))
        .await
        .unwrap();
    assert!(refused.is_error);
    assert_eq!(refused.argument_error().unwrap()["code"], -32602);
    let paths: Vec<Value> = refused
        .violations()
        .iter()
        .map(|v| v["path"].clone())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    for path in ["/limit", "/status"] {
        assert!(paths.contains(&json!(path)), "{path} not in {paths:?}");
    }

    let missing = client.read_resource("ticket://T-999999").await.unwrap_err();
    assert_eq!(missing.code(), Some(-32002), "{missing}");
    let malformed = client.read_resource("ticket://twelve").await.unwrap_err();
    assert_eq!(malformed.code(), Some(-32602), "{malformed}");
}

#[tokio::test]
async fn scopes_are_checked_against_the_principal() {
    let server = server("scopes");
    let reader = Principal::new("ada", AuthMethod::Custom).with_scopes(["tickets:read"]);
    let reader = TestClient::builder(&server)
        .principal(reader)
        .connect()
        .await
        .unwrap();
    let search = reader
        .call_tool("search_tickets", json!({"query": "printer"}))
        .await
        .unwrap();
    assert!(!search.is_error, "{}", search.text());
    let refused = reader
        .call_tool("create_ticket", json!({"title": "t", "body": "b"}))
        .await;
    let code = match refused {
        Ok(result) => panic!("created without tickets:write: {}", result.text()),
        Err(error) => error.code(),
    };
    assert_eq!(code, Some(-32003));
}
