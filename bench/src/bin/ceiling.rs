//! `ceiling [--http ADDR]`: the raw-axum reference server (`mcp_bench::ceiling`) on ADDR
//! (default `127.0.0.1:0`). Logs `{"msg":"listening","addr":…}` on stderr, as the framework's
//! servers do, and serves until killed.

use std::process::ExitCode;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let address = match args.as_slice() {
        [] => "127.0.0.1:0",
        [flag, address] if flag == "--http" => address.as_str(),
        _ => {
            eprintln!("usage: ceiling [--http ADDR]");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("ceiling: cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(bound) = listener.local_addr() {
        eprintln!(r#"{{"msg":"listening","addr":"{bound}"}}"#);
    }
    // The same socket option as the framework's `serve`.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    match axum::serve(listener, mcp_bench::ceiling::router("/mcp")).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ceiling: {error}");
            ExitCode::FAILURE
        }
    }
}
