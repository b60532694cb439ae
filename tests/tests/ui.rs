//! trybuild UI tests of `#[tool]` and `#[mcp_server]`: `ui/pass` cases compile and run,
//! `ui/fail` cases fail with the reviewed diagnostics in their `.stderr` files.
//!
//! Regenerate with `TRYBUILD=overwrite cargo test -p mcp-tests --test ui`, then review every diff.

/// Gated to the one compiler the `.stderr` files were reviewed with: they hold rustc's exact
/// wording (notes, labels, spans), which changes between releases. CI and the dev machines run
/// exactly rustc 1.95.0; on any other compiler this test does not exist rather than fail spuriously.
#[rustversion::stable(1.95.0)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
