//! `roots/list`: the filesystem roots a client exposes (client/roots).

use std::time::Duration;

use serde_json::Value;

use super::client::RequestOptions;

/// A `roots/list` request, made with [`Ctx::list_roots`](crate::Ctx::list_roots).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListRoots {
    pub(crate) options: RequestOptions,
}

impl ListRoots {
    /// A `roots/list` request (it has no parameters).
    pub fn new() -> Self {
        ListRoots::default()
    }

    /// How long to wait for the client's answer, instead of the server's default
    /// ([`ServerBuilder::client_request_timeout`](crate::ServerBuilder::client_request_timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// The request's key in a 2026-07-28 `inputRequests` map (by default its position in the
    /// call: `"1"`, `"2"`, …). Keys must be unique within a call.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.options.key = Some(key.into());
        self
    }
}

/// One root the client exposes: a `file://` URI, and a name for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Root {
    /// The root's URI.
    pub uri: String,
    /// A name for display, if the client gave one.
    pub name: Option<String>,
}

impl Root {
    /// Reads a `ListRootsResult`: `{roots: [{uri, name?}, …]}`; `None` for anything else.
    pub(crate) fn list_from_json(result: &Value) -> Option<Vec<Root>> {
        result
            .get("roots")?
            .as_array()?
            .iter()
            .map(|root| {
                let name = match root.get("name") {
                    None | Some(Value::Null) => None,
                    Some(name) => Some(name.as_str()?.to_owned()),
                };
                Some(Root {
                    uri: root.get("uri")?.as_str()?.to_owned(),
                    name,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_roots_and_refuses_other_shapes() {
        let roots = Root::list_from_json(&json!({"roots": [
            {"uri": "file:///a", "name": "A"}, {"uri": "file:///b"}
        ]}))
        .unwrap();
        assert_eq!(roots.len(), 2);
        assert_eq!(roots[0].name.as_deref(), Some("A"));
        assert_eq!(roots[1].name, None);
        assert!(Root::list_from_json(&json!({"roots": [{"name": "no uri"}]})).is_none());
        assert!(Root::list_from_json(&json!({"roots": {}})).is_none());
        assert!(Root::list_from_json(&json!(12345)).is_none());
    }
}
