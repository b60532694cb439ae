//! The schema contract of everything: `tools/list` is a committed, reviewed artifact.
//!
//! `cargo xtask snapshot` rewrites `mcp-schema.json`, its `.sha256` and the insta snapshot;
//! `cargo xtask snapshot --check` (part of `cargo xtask ci`) fails on any difference and prints
//! every change classified as breaking or compatible.

use std::process::Command;

use mcp_runtime::snapshot::{SchemaSnapshot, assert_baseline, from_stdio};

fn in_process() -> SchemaSnapshot {
    SchemaSnapshot::of_server(&everything::server().expect("everything builds"))
}

#[test]
fn tools_list_matches_the_committed_baseline() {
    assert_baseline(
        &in_process(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/mcp-schema.json"),
    );
}

#[test]
fn tools_list_matches_the_insta_snapshot() {
    mcp_runtime::assert_schema_snapshot!(everything::server().expect("everything builds"));
}

#[test]
fn the_live_binary_lists_the_same_bytes() {
    let live = from_stdio(Command::new(env!("CARGO_BIN_EXE_everything")).arg("--stdio"))
        .expect("everything answers over stdio");
    assert_eq!(live.json(), in_process().json());
    assert_eq!(live.sha256(), in_process().sha256());
}
