//! The schema contract as a build artifact (feature `snapshot`): a canonical `tools/list`, its
//! SHA-256, a classified comparison with a committed baseline, and the gate that fails on drift.
//!
//! ```no_run
//! # fn server() -> mcp_runtime::Server { unimplemented!() }
//! // In a test of your server: fails, printing every change classified, when `tools/list`
//! // differs from the committed `mcp-schema.json`; `MCP_SNAPSHOT_UPDATE=1` rewrites it.
//! let current = mcp_runtime::snapshot::SchemaSnapshot::of_server(&server());
//! mcp_runtime::snapshot::assert_baseline(&current, "mcp-schema.json");
//! ```

mod baseline;
mod diff;
mod endpoint;
pub mod probe;
mod report;

use serde_json::Value;
use sha2::{Digest, Sha256};

pub use baseline::{BaselineError, UPDATE_VARIABLE, assert_baseline, check_baseline};
pub use diff::compare;
pub use endpoint::{EndpointError, from_stdio};
pub use report::{Change, Report, Severity};

use crate::ids::hex;
use crate::protocol::ProtocolVersion;
use crate::server::Server;

/// A server's `tools/list` in canonical form: tools sorted by name, object keys sorted,
/// `required` lists sorted, pretty-printed with a final newline. The same server gives the same
/// bytes on every run and machine, whether read in-process or from a live endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaSnapshot {
    json: String,
    sha256: String,
}

impl SchemaSnapshot {
    /// The snapshot of a server's tools, as the newest protocol version lists them.
    pub fn of_server(server: &Server) -> Self {
        Self::from_tools(
            server
                .tools()
                .iter()
                .map(|tool| tool.to_json(ProtocolVersion::LATEST))
                .collect(),
        )
    }

    /// The snapshot of `tools/list` entries, in any order (from a live endpoint, say).
    pub fn from_tools(mut tools: Vec<Value>) -> Self {
        tools.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        let mut document = serde_json::json!({ "tools": tools });
        sort_required(&mut document);
        // serde_json's maps are ordered by key, so serialising sorts every object's keys.
        let mut json = serde_json::to_string_pretty(&document).expect("JSON values serialise");
        json.push('\n');
        let sha256 = hex(&Sha256::digest(json.as_bytes()));
        SchemaSnapshot { json, sha256 }
    }

    /// Reads a snapshot written by [`SchemaSnapshot::json`] (or any `{"tools": [...]}`).
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        let document: Value = serde_json::from_str(text)?;
        let tools = document
            .get("tools")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(Self::from_tools(tools))
    }

    /// The canonical bytes.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// SHA-256 of the canonical bytes, lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The tools, sorted by name.
    pub fn tools(&self) -> Vec<Value> {
        let document: Value = serde_json::from_str(&self.json).expect("canonical JSON parses");
        document["tools"].as_array().cloned().unwrap_or_default()
    }
}

/// Sorts every `required` list: its order means nothing, and must not make a diff.
fn sort_required(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "required"
                    && let Value::Array(names) = child
                    && names.iter().all(Value::is_string)
                {
                    names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                } else {
                    sort_required(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_required),
        _ => {}
    }
}

/// Asserts that a server's `tools/list` matches an insta snapshot, in canonical form: the one
/// assertion a user's test needs to make every schema change a reviewed diff.
///
/// ```no_run
/// # fn my_server() -> mcp_runtime::Server { unimplemented!() }
/// mcp_runtime::assert_schema_snapshot!(my_server());
/// ```
#[macro_export]
macro_rules! assert_schema_snapshot {
    ($server:expr $(,)?) => {
        $crate::__private::insta::assert_snapshot!(
            "mcp_schema",
            $crate::snapshot::SchemaSnapshot::of_server(&$server).json()
        )
    };
}

#[cfg(test)]
mod tests;
