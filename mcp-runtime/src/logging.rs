//! Log output for servers started through the framework's entry points.

use tracing_subscriber::EnvFilter;

/// Sends `tracing` events to stderr (stdout carries protocol only), filtered by `MCP_LOG`, then
/// `RUST_LOG`, else `info`. Does nothing if the application already installed a subscriber.
pub fn init_stderr() {
    let filter = std::env::var("MCP_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let _already_installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
