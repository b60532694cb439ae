//! The schema contract of ticketing: `tools/list` is a committed, reviewed artifact.
//!
//! `cargo xtask snapshot` rewrites `mcp-schema.json`, its `.sha256` and the insta snapshot;
//! `cargo xtask snapshot --check` (part of `cargo xtask ci`) fails on any difference and prints
//! every change classified as breaking or compatible.

use std::path::PathBuf;
use std::process::Command;

use mcp_runtime::snapshot::{SchemaSnapshot, assert_baseline, from_stdio};

/// A database file for one test, removed when dropped (the schema does not depend on it).
struct TempDb(PathBuf);

impl TempDb {
    fn new(test: &str) -> Self {
        let name = format!("ticketing-schema-{test}-{}.sqlite3", std::process::id());
        TempDb(std::env::temp_dir().join(name))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn server(db: &TempDb) -> mcp_runtime::Server {
    let db = ticketing::Db::open(&db.0).expect("the temp database opens");
    ticketing::server(db).expect("ticketing builds")
}

#[test]
fn tools_list_matches_the_committed_baseline() {
    let db = TempDb::new("baseline");
    assert_baseline(
        &SchemaSnapshot::of_server(&server(&db)),
        concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-schema.json"),
    );
}

#[test]
fn tools_list_matches_the_insta_snapshot() {
    let db = TempDb::new("insta");
    mcp_runtime::assert_schema_snapshot!(server(&db));
}

#[test]
fn the_live_binary_lists_the_same_bytes() {
    let db = TempDb::new("live");
    let in_process = SchemaSnapshot::of_server(&server(&db));
    let live = from_stdio(
        Command::new(env!("CARGO_BIN_EXE_ticketing"))
            .arg("--stdio")
            .env("TICKETING_DB", &db.0),
    )
    .expect("ticketing answers over stdio");
    assert_eq!(live.json(), in_process.json());
    assert_eq!(live.sha256(), in_process.sha256());
}
