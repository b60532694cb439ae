//! Errors of building and serving a server (not of tool calls: those are results).

use std::fmt;

/// Why a server could not be built or stopped serving.
#[non_exhaustive]
pub enum Error {
    /// A tool's schema cannot be enforced as advertised (every problem listed).
    Schema {
        /// The tool.
        tool: String,
        /// What is wrong, each with its JSON Pointer into the schema.
        problems: Vec<String>,
    },
    /// Two tools were registered under one name.
    DuplicateTool(String),
    /// `Server::add_tool` was given a tool for another state type than the server's.
    StateMismatch(String),
    /// The configuration is invalid (every problem listed).
    Config(Vec<String>),
    /// A resource or prompt cannot be served as defined: a URI template the runtime cannot
    /// match exactly, or two resources or prompts under one URI or name.
    Definition(String),
    /// Reading or writing the transport failed.
    Io(std::io::Error),
    /// The drain outlived `MCP_DRAIN_TIMEOUT`: what was left was cancelled. A `main` returning
    /// it exits with code 1.
    DrainTimeout {
        /// Calls still running at the deadline, cancelled.
        calls: usize,
        /// Connections still open at the deadline, closed.
        connections: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Schema { tool, problems } => {
                write!(f, "the input schema of tool `{tool}` cannot be enforced:")?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
            Error::DuplicateTool(name) => {
                write!(f, "two tools are named `{name}`; tool names must be unique")
            }
            Error::StateMismatch(name) => write!(
                f,
                "tool `{name}` expects another state type than the server was built with"
            ),
            Error::Config(problems) => {
                write!(f, "invalid configuration:")?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
            Error::Definition(problem) => write!(f, "invalid server definition: {problem}"),
            Error::Io(error) => write!(f, "transport I/O failed: {error}"),
            Error::DrainTimeout { calls, connections } => write!(
                f,
                "the drain outlived its deadline (MCP_DRAIN_TIMEOUT): {calls} calls and \
                 {connections} connections were cancelled"
            ),
        }
    }
}

// `main` returning `Result<(), Error>` prints `Debug`: make it the readable form.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error)
    }
}
