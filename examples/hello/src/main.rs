//! hello over stdio: `cargo run -p hello`, then one JSON-RPC message per line (see the README).

#[tokio::main]
async fn main() -> Result<(), mcp_runtime::Error> {
    mcp_runtime::logging::init_stderr();
    hello::server()?.serve_stdio().await
}
