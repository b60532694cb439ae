//! everything: Streamable HTTP on 127.0.0.1:8080/mcp by default (`--http [ADDR]`, `MCP_BIND`),
//! or `--stdio`. `cargo xtask conformance` runs the official conformance suite against it.

use mcp_runtime::transport::Transport;

#[tokio::main]
async fn main() -> Result<(), mcp_runtime::Error> {
    mcp_runtime::logging::init_stderr();
    let transport = Transport::from_env()?;
    transport.serve(everything::server()?).await
}
