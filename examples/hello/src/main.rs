//! hello: `cargo run -p hello` serves stdio (one JSON-RPC message per line, see the README), the
//! way an MCP client that starts the binary expects; `cargo run -p hello -- --http [ADDR]` serves
//! Streamable HTTP (127.0.0.1:8080 by default).

#[tokio::main]
async fn main() -> Result<(), mcp_runtime::Error> {
    mcp_runtime::logging::init_stderr();
    let server = hello::server()?;
    // With no argument, stdio: an MCP client configured with this binary talks stdio and passes
    // none. Any argument goes to `serve_from_env`'s rule (`--stdio`, or `--http [ADDR]` and the
    // `MCP_*` variables), which also refuses what it does not know.
    if std::env::args_os().len() <= 1 {
        server.serve_stdio().await
    } else {
        server.serve_from_env().await
    }
}
