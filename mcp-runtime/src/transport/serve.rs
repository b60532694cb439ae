//! Serving sugar: a built [`Server`], or any `#[mcp_server]` type, on the transport the command
//! line and environment choose. It lives on the transport side so that the server knows nothing
//! of the transports that serve it.

use std::future::Future;

use super::{Transport, http, stdio};
use crate::error::Error;
use crate::server::{McpServer, Server};

impl Server {
    /// Serves newline-delimited JSON-RPC on stdin/stdout until stdin ends.
    pub async fn serve_stdio(self) -> Result<(), Error> {
        super::serve_stdio(self, stdio::StdioOptions::default()).await
    }

    /// Serves Streamable HTTP with these options until a shutdown signal.
    pub async fn serve_http(self, options: http::HttpOptions) -> Result<(), Error> {
        http::serve(self, options).await
    }

    /// Serves on the transport the command line and environment choose. The rule:
    /// `--stdio` serves stdio; `--http ADDR`, `--http` or no argument at all serve Streamable
    /// HTTP on `ADDR`, else `MCP_BIND`, else 127.0.0.1:8080, with the `MCP_*` variables; any
    /// other argument is an error, listed with every invalid variable before anything binds.
    ///
    /// So a binary an MCP client starts as a command (a stdio server) must be given `--stdio`
    /// in the client's configuration, or choose stdio itself when it has no argument, as
    /// `examples/hello` does (`serve_stdio`).
    pub async fn serve_from_env(self) -> Result<(), Error> {
        Transport::from_env()?.serve(self).await
    }
}

/// Serving for every `#[mcp_server]` type (in the prelude): build the server and serve it, with
/// logging set up first.
pub trait Serve: McpServer {
    /// Sets up logging to stderr, reads the command line and environment (`--stdio`, or
    /// `--http [ADDR]`, HTTP when neither is given: the rule of
    /// [`Server::serve_from_env`]; every problem listed before anything binds), builds the
    /// server and serves it.
    fn serve_from_env(self) -> impl Future<Output = Result<(), Error>> + Send {
        async move {
            crate::logging::init_stderr();
            let transport = Transport::from_env()?;
            transport.serve(self.into_server()?).await
        }
    }

    /// Builds the server, sets up logging to stderr, and serves it over stdio until stdin ends.
    fn serve_stdio(self) -> impl Future<Output = Result<(), Error>> + Send {
        async move {
            crate::logging::init_stderr();
            self.into_server()?.serve_stdio().await
        }
    }
}

impl<T: McpServer> Serve for T {}
