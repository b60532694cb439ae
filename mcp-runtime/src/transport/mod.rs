//! Transports: they move frames between a client and a [`Session`](crate::server::Session).

pub mod http;
mod serve;
pub mod stdio;

pub use serve::Serve;

use std::net::SocketAddr;

use crate::error::Error;
use crate::server::Server;

/// Which transport a server runs on, as its command line and environment say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Newline-delimited JSON-RPC on stdin/stdout.
    Stdio,
    /// Streamable HTTP with these options.
    Http(Box<http::HttpOptions>),
}

impl Transport {
    /// Reads the command line (`--stdio`, or `--http [ADDR]`; HTTP when neither is given) and
    /// the `MCP_*` variables. Fails listing every problem, before anything binds.
    pub fn from_env() -> Result<Self, Error> {
        let transport = Self::from_args(std::env::args().skip(1), http::HttpOptions::from_env);
        match (transport, admin_bind()) {
            (transport, Ok(_)) => transport,
            (Ok(_), Err(problem)) => Err(Error::Config(vec![problem])),
            (Err(Error::Config(mut problems)), Err(problem)) => {
                problems.push(problem);
                Err(Error::Config(problems))
            }
            (Err(other), Err(_)) => Err(other),
        }
    }

    fn from_args(
        args: impl IntoIterator<Item = String>,
        http_options: impl FnOnce() -> Result<http::HttpOptions, Error>,
    ) -> Result<Self, Error> {
        let args: Vec<String> = args.into_iter().collect();
        let mut problems = Vec::new();
        let mut stdio = false;
        let mut http_address: Option<Option<SocketAddr>> = None;
        let mut rest = args.iter().peekable();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--stdio" => stdio = true,
                "--http" => {
                    let address = rest.next_if(|next| !next.starts_with("--"));
                    http_address = Some(match address.map(|a| a.parse::<SocketAddr>()) {
                        None => None,
                        Some(Ok(address)) => Some(address),
                        Some(Err(_)) => {
                            problems.push(format!(
                                "--http {}: expected an address such as 127.0.0.1:8080",
                                address.map_or("", String::as_str)
                            ));
                            None
                        }
                    });
                }
                other => problems.push(format!(
                    "unknown argument {other:?}: expected --stdio or --http [ADDR]"
                )),
            }
        }
        if stdio && http_address.is_some() {
            problems.push("--stdio and --http exclude each other".to_owned());
        }
        if stdio {
            return match problems.is_empty() {
                true => Ok(Transport::Stdio),
                false => Err(Error::Config(problems)),
            };
        }
        let options = match http_options() {
            Ok(options) => Some(options),
            Err(Error::Config(more)) => {
                problems.extend(more);
                None
            }
            Err(other) => return Err(other),
        };
        // Every problem, of the command line and the variables, is reported at once.
        let (Some(mut options), true) = (options, problems.is_empty()) else {
            return Err(Error::Config(problems));
        };
        if let Some(Some(address)) = http_address {
            options.bind = address;
        }
        Ok(Transport::Http(Box::new(options)))
    }

    /// Serves `server` on this transport until it ends (stdin closes, or a shutdown signal).
    pub async fn serve(self, server: Server) -> Result<(), Error> {
        match self {
            Transport::Stdio => serve_stdio(server, stdio::StdioOptions::default()).await,
            Transport::Http(options) => http::serve(server, *options).await,
        }
    }
}

/// `MCP_ADMIN_BIND`: where a stdio server serves `/healthz`, `/readyz` and `/metrics` (none
/// by default; an HTTP server serves them on its own port, or on `MCP_METRICS_BIND`).
fn admin_bind() -> Result<Option<SocketAddr>, String> {
    match std::env::var("MCP_ADMIN_BIND") {
        Ok(value) if !value.trim().is_empty() => value.trim().parse().map(Some).map_err(|_| {
            format!("MCP_ADMIN_BIND={value:?}: expected an address such as 127.0.0.1:9090")
        }),
        _ => Ok(None),
    }
}

/// Serves stdio, with the admin port when `MCP_ADMIN_BIND` names one; the shutdown hooks run
/// when stdin ends.
pub(crate) async fn serve_stdio(server: Server, options: stdio::StdioOptions) -> Result<(), Error> {
    let bind = admin_bind().map_err(|problem| Error::Config(vec![problem]))?;
    let run = stdio::serve(server.clone(), options);
    http::beside_admin(&server, bind, run).await?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Address already in use" names the address, so a user knows which setting to change.
    #[tokio::test]
    async fn a_taken_address_is_named() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = taken.local_addr().unwrap();
        let server = Server::builder(crate::server_info!()).build().unwrap();
        let options = http::HttpOptions {
            bind: address,
            ..http::HttpOptions::default()
        };
        let Err(error) = http::serve(server, options).await else {
            panic!("a taken address cannot be served")
        };
        let message = error.to_string();
        assert!(
            message.contains(&format!("cannot listen on {address}: ")),
            "{message}"
        );
        assert!(matches!(error, Error::Io(ref io) if io.kind() == std::io::ErrorKind::AddrInUse));
    }

    fn parse(args: &[&str]) -> Result<Transport, Error> {
        Transport::from_args(args.iter().map(|a| a.to_string()), || {
            Ok(http::HttpOptions::default())
        })
    }

    #[test]
    fn the_command_line_picks_the_transport() {
        assert_eq!(parse(&["--stdio"]).unwrap(), Transport::Stdio);
        let Transport::Http(options) = parse(&[]).unwrap() else {
            panic!("HTTP by default")
        };
        assert_eq!(options.bind.to_string(), "127.0.0.1:8080");
        let Transport::Http(options) = parse(&["--http", "127.0.0.1:0"]).unwrap() else {
            panic!("--http ADDR")
        };
        assert_eq!(options.bind.port(), 0);
        let Err(Error::Config(problems)) = parse(&["--http", "nowhere", "--verbose", "--stdio"])
        else {
            panic!("bad arguments must fail")
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
