//! hello: `cargo run -p hello -- --stdio` (one JSON-RPC message per line, see the README), or
//! `cargo run -p hello -- --http [ADDR]` (Streamable HTTP, 127.0.0.1:8080 by default).

#[tokio::main]
async fn main() -> Result<(), mcp_runtime::Error> {
    mcp_runtime::logging::init_stderr();
    hello::server()?.serve_from_env().await
}
