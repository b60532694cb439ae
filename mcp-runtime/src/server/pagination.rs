//! Pagination of list results (basic/utilities/pagination): opaque cursors over an offset.

use serde_json::{Value, json};

use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS};

/// Cursors are opaque to clients (Pagination: clients MUST NOT parse them); this one hides an offset.
const CURSOR_KEY: usize = 0x5f3c_9a17;

/// The `[start, end)` of the page a request's `cursor` asks for (Pagination); an unknown cursor
/// is -32602.
pub(super) fn page_bounds(
    params: Option<&Value>,
    len: usize,
    page_size: usize,
) -> Result<(usize, usize), ErrorObject> {
    let start = match params.and_then(|p| p.get("cursor")) {
        None | Some(Value::Null) => 0,
        Some(cursor) => cursor
            .as_str()
            .and_then(decode_cursor)
            .filter(|&offset| offset < len)
            .ok_or_else(|| ErrorObject::new(INVALID_PARAMS, "Invalid params: unknown `cursor`"))?,
    };
    Ok((start, (start + page_size).min(len)))
}

/// A list result: the page under `key`, and `nextCursor` when items remain after `end`.
pub(super) fn page_result(key: &str, page: Vec<Value>, end: usize, len: usize) -> Value {
    let mut result = json!({ key: page });
    if end < len {
        result["nextCursor"] = json!(encode_cursor(end));
    }
    result
}

fn encode_cursor(offset: usize) -> String {
    format!("c{:x}", offset ^ CURSOR_KEY)
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let hex = cursor.strip_prefix('c')?;
    usize::from_str_radix(hex, 16).ok().map(|n| n ^ CURSOR_KEY)
}
