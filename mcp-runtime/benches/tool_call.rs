//! The per-call cost of the framework, in-process: a whole `tools/call` of a
//! `search_tickets`-shaped tool with no database behind it (parse, dispatch, validate, narrow,
//! call, write the answer). `cargo bench -p mcp-runtime --bench tool_call`. Validation and
//! narrowing alone, of the real ticketing tools, are `cargo bench -p mcp-bench --bench arguments`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mcp_runtime::__private::{Incoming, NotificationSink, Reply, Session};
use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    Open,
    Closed,
    Pending,
}

struct Tickets;

#[mcp_server]
impl Tickets {
    /// Search tickets by free text and optional status.
    #[tool(read_only)]
    async fn search_tickets(
        &self,
        #[arg(length(min = 1, max = 500))] query: String,
        status: Option<Status>,
        #[arg(range(min = 1, max = 50), default = 10)] limit: u32,
    ) -> String {
        black_box((query, status.is_some(), limit));
        String::new()
    }
}

fn whole_call(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let server = Tickets.into_server().expect("the server builds");
    let session = Session::open(&server);
    let frame = |bytes: &[u8]| Incoming::parse(bytes).expect("JSON");
    let init = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}"#;
    assert!(matches!(
        session.handle(frame(init), &NotificationSink::none()),
        Reply::Now(_)
    ));
    let call = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_tickets","arguments":{"query":"printer on fire","status":"open","limit":20}}}"#;
    c.bench_function("tools/call search_tickets, in-process", |b| {
        b.iter(
            || match session.handle(frame(black_box(call)), &NotificationSink::none()) {
                Reply::Later(answer) => black_box(runtime.block_on(answer)),
                _ => unreachable!("a call answers later"),
            },
        )
    });
}

criterion_group!(benches, whole_call);
criterion_main!(benches);
