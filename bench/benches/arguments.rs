//! Validation + narrowing of the ticketing tools' arguments, as a `tools/call` does them between
//! reading the request and running the handler: check the arguments against the compiled schema
//! that `tools/list` shows, then narrow them into the handler's parameters and build its future
//! (never polled, so no SQL runs). `cargo bench -p mcp-bench --bench arguments`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mcp_runtime::__private::CompiledSchema;
use mcp_runtime::McpServer;
use serde_json::{Value, json};
use ticketing::{Db, Ticketing};

/// Each tool with arguments a client would send.
fn calls() -> [(&'static str, Value); 3] {
    [
        (
            "search_tickets",
            json!({"query": "printer on fire", "status": "open", "limit": 20}),
        ),
        (
            "create_ticket",
            json!({"title": "Printer on fire", "body": "Third floor, next to the kitchen.", "priority": "high"}),
        ),
        (
            "close_ticket",
            json!({"id": "T-42", "resolution": "Replaced the fuser."}),
        ),
    ]
}

fn validate_and_narrow(c: &mut Criterion) {
    let file = std::env::temp_dir().join(format!("mcp-bench-{}.sqlite3", std::process::id()));
    let db = Db::open(&file).expect("a scratch database opens");
    let server = ticketing::server(db.clone()).expect("the server builds");
    let state = Ticketing::new(db);
    let definitions = Ticketing::tool_defs();
    let mut group = c.benchmark_group("validate + narrow");
    for (name, arguments) in calls() {
        let schema = server
            .tools()
            .into_iter()
            .find(|tool| tool.name == name)
            .expect("the tool is listed")
            .input_schema;
        let validator: CompiledSchema =
            mcp_runtime::__private::compile(&schema).expect("the schema compiles");
        let definition = definitions
            .iter()
            .find(|definition| definition.name() == name)
            .expect("the tool is defined");
        let Value::Object(arguments) = arguments else {
            unreachable!("arguments are objects")
        };
        group.bench_function(name, |b| {
            // The arguments arrive owned (parsed from the request): their copy is set-up.
            b.iter_batched(
                || Value::Object(arguments.clone()),
                |arguments| {
                    assert!(validator.violations(&arguments).is_empty());
                    let Value::Object(arguments) = arguments else {
                        unreachable!()
                    };
                    black_box(definition.narrow(&state, arguments))
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

criterion_group!(benches, validate_and_narrow);
criterion_main!(benches);
