//! The real ticketing binary over stdio, each test on a fresh database file, for a 2025-06-18
//! and a 2025-11-25 client.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use mcp_tests::{StdioServer, first_text, pairs, violations};
use serde_json::{Value, json};

const OLD: &str = "2025-06-18";
const NEW: &str = "2025-11-25";

/// No ticket ids.
const NONE: [&str; 0] = [];

/// A database path under the temp directory no other test uses; its files go when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(test: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "ticketing-{test}-{}-{}.sqlite3",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let db = TempDb(std::env::temp_dir().join(name));
        db.remove_files();
        db
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("the temp dir is UTF-8")
    }

    fn remove_files(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path()));
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove_files();
    }
}

fn ticketing(db: &TempDb, version: &str) -> StdioServer {
    let mut server = StdioServer::spawn(
        env!("CARGO_BIN_EXE_ticketing"),
        &[("TICKETING_DB", db.path())],
    );
    let result = server.initialize(version);
    assert_eq!(result["protocolVersion"], version);
    assert_eq!(result["serverInfo"]["name"], "ticketing");
    server
}

/// Calls a tool that must succeed and returns its structured content.
fn ok(server: &mut StdioServer, tool: &str, arguments: Value) -> Value {
    let response = server.call(tool, arguments.clone());
    let result = &response["result"];
    assert_ne!(result["isError"], true, "{tool} {arguments}: {response}");
    let structured = result["structuredContent"].clone();
    // The text block carries the same JSON, for clients that read only text; a list is
    // wrapped as `{"result": [...]}` in structured content only.
    let text: Value = serde_json::from_str(first_text(&response)).expect("JSON text");
    let unwrapped = match tool {
        "search_tickets" => &structured["result"],
        _ => &structured,
    };
    assert_eq!(&text, unwrapped);
    structured
}

fn create(server: &mut StdioServer, title: &str, body: &str) -> String {
    let created = ok(
        server,
        "create_ticket",
        json!({"title": title, "body": body}),
    );
    created["id"].as_str().expect("an id").to_owned()
}

/// The ids `search_tickets` returns for `arguments`, in order.
fn search_ids(server: &mut StdioServer, arguments: Value) -> Vec<String> {
    ok(server, "search_tickets", arguments)["result"]
        .as_array()
        .expect("a list of tickets")
        .iter()
        .map(|ticket| ticket["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn create_search_close_and_search_closed() {
    for version in [OLD, NEW] {
        let db = TempDb::new("lifecycle");
        let mut server = ticketing(&db, version);
        assert_eq!(search_ids(&mut server, json!({"query": "printer"})), NONE);

        let id = create(&mut server, "Printer on fire", "Third floor, again.");
        assert_eq!(id, "T-1");
        let found = ok(&mut server, "search_tickets", json!({"query": "PRINTER"}));
        assert_eq!(
            found["result"],
            json!([{
                "id": "T-1",
                "title": "Printer on fire",
                "body": "Third floor, again.",
                "status": "open",
                "priority": "medium"
            }])
        );

        let closed = ok(
            &mut server,
            "close_ticket",
            json!({"id": id, "resolution": "Extinguished."}),
        );
        assert_eq!(
            closed,
            json!({"id": "T-1", "resolution": "Extinguished.", "already_closed": false})
        );
        let query = json!({"query": "floor", "status": "closed"});
        let found = ok(&mut server, "search_tickets", query);
        assert_eq!(found["result"][0]["id"], "T-1");
        assert_eq!(found["result"][0]["status"], "closed");
        assert_eq!(
            search_ids(&mut server, json!({"query": "floor", "status": "open"})),
            NONE
        );
        assert!(server.finish().success());
    }
}

#[test]
fn closing_twice_keeps_the_first_resolution() {
    let db = TempDb::new("close-twice");
    let mut server = ticketing(&db, NEW);
    let id = create(&mut server, "Login slow", "Takes 30 s.");
    ok(
        &mut server,
        "close_ticket",
        json!({"id": id, "resolution": "Index added."}),
    );
    let again = ok(
        &mut server,
        "close_ticket",
        json!({"id": id, "resolution": "Something else."}),
    );
    assert_eq!(
        again,
        json!({"id": id, "resolution": "Index added.", "already_closed": true})
    );
}

#[test]
fn closing_an_unknown_ticket_is_a_tool_error() {
    for version in [OLD, NEW] {
        let db = TempDb::new("unknown");
        let mut server = ticketing(&db, version);
        create(&mut server, "Exists", "T-1 exists, T-42 does not.");
        for id in ["T-42", "T-99999999999999999999"] {
            let response = server.call("close_ticket", json!({"id": id, "resolution": ""}));
            assert_eq!(response["result"]["isError"], true, "{version}: {response}");
            assert_eq!(
                first_text(&response),
                format!("no ticket {id}; `search_tickets` finds ids")
            );
        }
        // T-1 was not touched by the failed calls.
        let open = search_ids(&mut server, json!({"query": "exists", "status": "open"}));
        assert_eq!(open, ["T-1"]);
    }
}

#[test]
fn priority_defaults_to_medium_and_limit_keeps_the_newest() {
    let db = TempDb::new("priority-limit");
    let mut server = ticketing(&db, NEW);
    for n in 1..=12 {
        create(&mut server, &format!("Disk {n}"), "Full.");
    }
    let high = json!({"title": "Disk 13", "body": "Full.", "priority": "high"});
    assert_eq!(ok(&mut server, "create_ticket", high)["id"], "T-13");

    let found = ok(&mut server, "search_tickets", json!({"query": "disk"}));
    let found = found["result"].as_array().unwrap();
    // The default limit is 10, newest first.
    assert_eq!(found.len(), 10);
    assert_eq!(found[0]["id"], "T-13");
    assert_eq!(found[0]["priority"], "high");
    assert_eq!(found[1]["priority"], "medium");
    assert_eq!(found[9]["id"], "T-4");
    let ids = search_ids(&mut server, json!({"query": "disk", "limit": 2}));
    assert_eq!(ids, ["T-13", "T-12"]);
    let pending = search_ids(&mut server, json!({"query": "disk", "status": "pending"}));
    assert!(pending.is_empty());
}

#[test]
fn sql_looking_input_is_searched_literally() {
    let db = TempDb::new("literal");
    let mut server = ticketing(&db, NEW);
    let percent = create(&mut server, "Discount", "100% off");
    let underscore = create(&mut server, "Variable", "rename user_id");
    let injection = create(&mut server, "x'; DROP TABLE tickets; --", "Bobby");
    let backslash = create(&mut server, "Path", r"C:\temp");
    let plain = create(&mut server, "Plain", "nothing special here at all");

    let cases = [
        ("%", vec![percent.clone()]),
        ("0% o", vec![percent]),
        ("_", vec![underscore.clone()]),
        ("r_i", vec![underscore]),
        ("'; DROP TABLE", vec![injection.clone()]),
        ("'", vec![injection]),
        (r"\", vec![backslash.clone()]),
        (r":\t", vec![backslash]),
        ("%%", vec![]),
        ("a%l", vec![]),
        ("h_re", vec![]),
    ];
    for (query, expected) in cases {
        assert_eq!(
            search_ids(&mut server, json!({"query": query})),
            expected,
            "{query}"
        );
    }
    // The table is still there, with every ticket.
    assert_eq!(
        search_ids(&mut server, json!({"query": "special"})),
        [plain]
    );
    assert_eq!(create(&mut server, "After", "all that"), "T-6");
}

#[test]
fn search_ignores_case_beyond_ascii() {
    let db = TempDb::new("case");
    let mut server = ticketing(&db, NEW);
    let id = create(&mut server, "Café machine", "ÜBER-LAUT");
    assert_eq!(
        search_ids(&mut server, json!({"query": "CAFÉ"})),
        [id.as_str()]
    );
    assert_eq!(search_ids(&mut server, json!({"query": "über"})), [id]);
}

#[test]
fn tickets_persist_across_a_restart() {
    let db = TempDb::new("restart");
    let mut first = ticketing(&db, NEW);
    let kept = create(&mut first, "Survives", "a killed server");
    // Killed, not shut down: the ticket was committed when `create_ticket` answered.
    drop(first);
    assert!(Path::new(db.path()).is_file());

    let mut second = ticketing(&db, NEW);
    assert_eq!(
        search_ids(&mut second, json!({"query": "survives"})),
        [kept]
    );
    // Ids carry on after the restart.
    assert_eq!(create(&mut second, "Next", "one"), "T-2");
    assert!(second.finish().success());

    let mut third = ticketing(&db, OLD);
    assert_eq!(
        search_ids(&mut third, json!({"query": "e"})),
        ["T-2", "T-1"]
    );
}

#[test]
fn concurrent_writers_in_two_processes_do_not_fail() {
    let db = TempDb::new("concurrent");
    let mut servers = [ticketing(&db, NEW), ticketing(&db, NEW)];
    // Every request is sent before any answer is read, so calls overlap within each process
    // (more than the pool holds) and across the two; within `create_ticket`'s 20 a minute.
    const PER_SERVER: i64 = 10;
    for (n, server) in servers.iter_mut().enumerate() {
        for i in 0..PER_SERVER {
            server.send(&json!({
                "jsonrpc": "2.0",
                "id": i,
                "method": "tools/call",
                "params": {"name": "create_ticket", "arguments": {"title": format!("load {n}"), "body": "x"}}
            }));
        }
    }
    let mut ids = Vec::new();
    for server in &mut servers {
        for _ in 0..PER_SERVER {
            let response = server.recv();
            assert_ne!(response["result"]["isError"], true, "{response}");
            ids.push(response["result"]["structuredContent"]["id"].clone());
        }
    }
    ids.sort_by_key(|id| id.as_str().unwrap().to_owned());
    ids.dedup();
    assert_eq!(ids.len(), 2 * PER_SERVER as usize);
    let [first, _] = &mut servers;
    let all = search_ids(first, json!({"query": "load", "limit": 50}));
    assert_eq!(all.len(), 2 * PER_SERVER as usize);
}

#[test]
fn an_unopenable_database_is_a_clear_start_up_error() {
    let db = TempDb::new("unopenable");
    let missing_dir = format!("{}.missing/tickets.sqlite3", db.path());
    let server = StdioServer::spawn(
        env!("CARGO_BIN_EXE_ticketing"),
        &[("TICKETING_DB", missing_dir.as_str())],
    );
    let (status, stderr) = server.finish_with_stderr();
    assert!(!status.success());
    // Checked with the rest of the configuration, before anything opens or binds.
    assert!(
        stderr.contains("TICKETING_DB=\"")
            && stderr.contains("expected a file in a directory that exists"),
        "{stderr}"
    );
}

/// A tool, its arguments, and the (path, keyword) pairs of the violations expected.
type Case = (&'static str, Value, Vec<(String, String)>);

#[test]
fn each_constraint_violated_on_both_channels() {
    let search_with = |extra: Value| {
        let mut arguments = json!({"query": "printer"});
        arguments
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        arguments
    };
    let create_with = |extra: Value| {
        let mut arguments = json!({"title": "t", "body": "b"});
        arguments
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        arguments
    };
    let close_with = |extra: Value| {
        let mut arguments = json!({"id": "T-1", "resolution": "done"});
        arguments
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        arguments
    };
    let one = |path: &str, keyword: &str| pairs(&[(path, keyword)]);
    let cases: Vec<Case> = vec![
        (
            "search_tickets",
            search_with(json!({"query": ""})),
            one("/query", "minLength"),
        ),
        (
            "search_tickets",
            search_with(json!({"query": "q".repeat(501)})),
            one("/query", "maxLength"),
        ),
        (
            "search_tickets",
            search_with(json!({"limit": 0})),
            one("/limit", "minimum"),
        ),
        (
            "search_tickets",
            search_with(json!({"limit": 51})),
            one("/limit", "maximum"),
        ),
        (
            "search_tickets",
            search_with(json!({"limit": 2.5})),
            one("/limit", "type"),
        ),
        (
            "search_tickets",
            search_with(json!({"status": "archived"})),
            one("/status", "enum"),
        ),
        ("search_tickets", json!({}), one("/query", "required")),
        (
            "create_ticket",
            create_with(json!({"title": ""})),
            one("/title", "minLength"),
        ),
        (
            "create_ticket",
            create_with(json!({"title": "t".repeat(201)})),
            one("/title", "maxLength"),
        ),
        (
            "create_ticket",
            create_with(json!({"body": ""})),
            one("/body", "minLength"),
        ),
        (
            "create_ticket",
            create_with(json!({"body": "b".repeat(10_001)})),
            one("/body", "maxLength"),
        ),
        (
            "create_ticket",
            create_with(json!({"priority": "urgent"})),
            one("/priority", "enum"),
        ),
        (
            "close_ticket",
            close_with(json!({"id": "42"})),
            one("/id", "pattern"),
        ),
        (
            "close_ticket",
            close_with(json!({"id": "T-"})),
            one("/id", "pattern"),
        ),
        (
            "close_ticket",
            close_with(json!({"id": "T-1\n"})),
            one("/id", "pattern"),
        ),
        // `\d` is ASCII digits only, as in ECMA-262.
        (
            "close_ticket",
            close_with(json!({"id": "T-١"})),
            one("/id", "pattern"),
        ),
        (
            "close_ticket",
            close_with(json!({"resolution": "r".repeat(1001)})),
            one("/resolution", "maxLength"),
        ),
        (
            "close_ticket",
            json!({"id": "t-1", "note": 1}),
            pairs(&[
                ("/id", "pattern"),
                ("/note", "additionalProperties"),
                ("/resolution", "required"),
            ]),
        ),
    ];
    for version in [OLD, NEW] {
        let db = TempDb::new("violations");
        let mut server = ticketing(&db, version);
        for (tool, arguments, expected) in &cases {
            let response = server.call(tool, arguments.clone());
            assert_eq!(
                response.get("error").is_some(),
                version == OLD,
                "{version}: {response}"
            );
            assert_eq!(&violations(&response), expected, "{version} {tool}");
        }
        // No refused call reached the database.
        assert_eq!(search_ids(&mut server, json!({"query": "t"})), NONE);
    }
}

#[test]
fn values_at_each_bound_are_accepted() {
    let db = TempDb::new("bounds");
    let mut server = ticketing(&db, NEW);
    let title = "t".repeat(200);
    let body = "é".repeat(10_000);
    let id = create(&mut server, &title, &body);
    let query = "t".repeat(500);
    assert_eq!(
        search_ids(&mut server, json!({"query": "t", "limit": 1})),
        [id.as_str()]
    );
    assert_eq!(
        search_ids(&mut server, json!({"query": query, "limit": 50})),
        NONE
    );
    let resolution = "r".repeat(1000);
    let closed = ok(
        &mut server,
        "close_ticket",
        json!({"id": id, "resolution": resolution}),
    );
    assert_eq!(closed["resolution"], resolution);
    let found = ok(&mut server, "search_tickets", json!({"query": "ééé"}));
    assert_eq!(found["result"][0]["body"], body);
    // An empty resolution is allowed, and so is a leading-zero id for the same ticket.
    let again = ok(
        &mut server,
        "close_ticket",
        json!({"id": "T-01", "resolution": ""}),
    );
    assert_eq!(again["already_closed"], true);
}

#[test]
fn tickets_are_resources_with_completed_ids() {
    let db = TempDb::new("resource");
    let mut server = ticketing(&db, NEW);
    let id = create(&mut server, "Printer on fire", "Third floor");
    let templates = server.request("resources/templates/list", json!({}));
    assert_eq!(
        templates["result"]["resourceTemplates"][0]["uriTemplate"],
        "ticket://{id}"
    );
    let uri = format!("ticket://{id}");
    let read = server.request("resources/read", json!({"uri": uri}));
    let contents = &read["result"]["contents"][0];
    assert_eq!(contents["uri"], uri.as_str());
    assert_eq!(contents["mimeType"], "application/json");
    let ticket: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    assert_eq!(ticket["title"], "Printer on fire");
    assert_eq!(ticket["status"], "open");

    let missing = server.request("resources/read", json!({"uri": "ticket://T-999"}));
    assert_eq!(missing["error"]["code"], -32002);
    let not_an_id = server.request("resources/read", json!({"uri": "ticket://printer"}));
    assert_eq!(not_an_id["error"]["code"], -32602);
    assert_eq!(not_an_id["error"]["data"]["violations"][0]["path"], "/id");

    let second = create(&mut server, "Second", "body");
    let completed = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/resource", "uri": "ticket://{id}"}, "argument": {"name": "id", "value": "T-"}}),
    );
    assert_eq!(
        completed["result"]["completion"]["values"],
        json!([second, id]),
        "newest first"
    );
    let none = server.request(
        "completion/complete",
        json!({"ref": {"type": "ref/resource", "uri": "ticket://{id}"}, "argument": {"name": "id", "value": "T-%"}}),
    );
    assert_eq!(
        none["result"]["completion"]["values"],
        json!([]),
        "`%` is literal"
    );
}

/// `tools/call create_ticket` with an idempotency key, as a client retrying after a dropped
/// connection would send it.
fn create_with_key(id: i64, key: &str, title: &str) -> Value {
    json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {
            "name": "create_ticket",
            "arguments": {"title": title, "body": "the retry must not create a second one"},
            "_meta": {"rs.mcp-runtime/idempotencyKey": key}
        }
    })
}

#[test]
fn a_retried_create_with_an_idempotency_key_creates_one_ticket() {
    let db = TempDb::new("idempotent");
    let mut server = ticketing(&db, NEW);
    // A retry after the answer was lost, and a duplicate sent while the first still runs.
    server.send(&create_with_key(1, "retry-1", "Printer jam"));
    server.send(&create_with_key(2, "retry-1", "Printer jam"));
    let mut answers: Vec<Value> = (0..2).map(|_| server.recv()).collect();
    answers.push({
        server.send(&create_with_key(3, "retry-1", "Printer jam"));
        server.recv()
    });
    let ids: Vec<&Value> = answers
        .iter()
        .map(|answer| &answer["result"]["structuredContent"]["id"])
        .collect();
    assert!(
        ids[0].as_str().is_some_and(|id| id.starts_with("T-")),
        "{answers:?}"
    );
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "every answer names the first ticket: {answers:?}"
    );
    let found = search_ids(&mut server, json!({"query": "Printer jam"}));
    assert_eq!(found.len(), 1, "one ticket stored: {found:?}");
    // The same key with other arguments is refused; another key creates another ticket.
    server.send(&create_with_key(4, "retry-1", "Another title"));
    let conflict = server.recv();
    let refused = conflict["error"]["code"] == -32602 || conflict["result"]["isError"] == true;
    assert!(refused, "{conflict}");
    assert!(
        conflict.to_string().contains("idempotency key"),
        "{conflict}"
    );
    server.send(&create_with_key(5, "retry-2", "Printer jam"));
    let second = server.recv();
    assert_ne!(
        second["result"]["structuredContent"]["id"], *ids[0],
        "{second}"
    );
    assert_eq!(
        search_ids(&mut server, json!({"query": "Printer jam"})).len(),
        2
    );
    let log = server.stderr();
    assert!(log.contains("\"outcome\":\"replayed\""), "{log}");
}
