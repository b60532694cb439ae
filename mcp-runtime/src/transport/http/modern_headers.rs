//! 2026-07-28, Streamable HTTP "Request Metadata": the headers that mirror the body
//! (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) must be present and agree with it.

use axum::http::HeaderMap;
use serde_json::Value;

use crate::protocol::meta::PROTOCOL_VERSION_KEY;
use crate::server::Incoming;

/// Methods whose target travels in `Mcp-Name` ("Standard Request Headers").
const NAMED: [(&str, &str); 3] = [
    ("tools/call", "name"),
    ("resources/read", "uri"),
    ("prompts/get", "name"),
];

/// "Server Validation": servers MUST reject requests whose headers are missing or do not match
/// the body (400 with `HeaderMismatch`). Returns the reason.
pub(super) fn check(
    headers: &HeaderMap,
    incoming: &Incoming,
    header_version: &str,
) -> Result<(), String> {
    let body_version = incoming
        .meta()
        .and_then(|meta| meta.protocol_version.as_deref());
    match body_version {
        Some(version) if version == header_version => {}
        Some(_) => {
            return Err(
                "Header mismatch: MCP-Protocol-Version does not match the body's `_meta` version"
                    .to_owned(),
            );
        }
        None => {
            return Err(format!(
                "Header mismatch: the body's `_meta` lacks `{PROTOCOL_VERSION_KEY}`"
            ));
        }
    }
    let Some(method) = incoming.method() else {
        return Ok(()); // Not a request or notification: nothing to mirror.
    };
    match header_text(headers, "mcp-method")? {
        None => return Err("Header mismatch: the Mcp-Method header is required".to_owned()),
        Some(header) if header != method => {
            return Err(
                "Header mismatch: the Mcp-Method header does not match the body's method"
                    .to_owned(),
            );
        }
        Some(_) => {}
    }
    if let Some((_, field)) = NAMED.iter().find(|(named, _)| *named == method) {
        let params = incoming
            .request()
            .and_then(|request| request.params.as_ref());
        let in_body = params.and_then(|p| p.get(*field)).and_then(Value::as_str);
        let in_header = match header_text(headers, "mcp-name")? {
            None => return Err("Header mismatch: the Mcp-Name header is required".to_owned()),
            Some(header) => decode(&header)?,
        };
        if in_body != Some(in_header.as_str()) {
            return Err(format!(
                "Header mismatch: the Mcp-Name header does not match the body's `{field}`"
            ));
        }
    }
    Ok(())
}

fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>, String> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|text| Some(text.to_owned()))
            .map_err(|_| format!("Header mismatch: the {name} header has invalid characters")),
    }
}

/// "Value Encoding": `=?base64?…?=` carries the Base64 of the UTF-8 value; anything else is the
/// value itself.
fn decode(header: &str) -> Result<String, String> {
    let Some(encoded) = header
        .strip_prefix("=?base64?")
        .and_then(|rest| rest.strip_suffix("?="))
    else {
        return Ok(header.to_owned());
    };
    base64_decode(encoded)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            "Header mismatch: an encoded header value is not valid Base64 UTF-8".to_owned()
        })
}

/// Standard Base64 (RFC 4648 §4) with optional padding.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;

    use super::*;
    use crate::protocol::meta::CLIENT_CAPABILITIES_KEY;

    #[test]
    fn the_spec_examples_decode() {
        assert_eq!(
            decode("=?base64?SGVsbG8sIOS4lueVjA==?=").unwrap(),
            "Hello, 世界"
        );
        assert_eq!(decode("=?base64?IHBhZGRlZCA=?=").unwrap(), " padded ");
        assert_eq!(
            decode("=?base64?bGluZTEKbGluZTI=?=").unwrap(),
            "line1\nline2"
        );
        assert_eq!(
            decode("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=").unwrap(),
            "=?base64?literal?="
        );
        assert_eq!(decode("us-west1").unwrap(), "us-west1");
        assert!(decode("=?base64?%%%?=").is_err());
    }

    fn call(name: &str) -> Incoming {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": name, "_meta": {
                PROTOCOL_VERSION_KEY: "2026-07-28", CLIENT_CAPABILITIES_KEY: {}}}});
        Incoming::parse(body.to_string().as_bytes()).expect("JSON")
    }

    #[test]
    fn headers_must_mirror_the_body() {
        let mut headers = HeaderMap::new();
        headers.insert("mcp-method", HeaderValue::from_static("tools/call"));
        headers.insert("mcp-name", HeaderValue::from_static("add"));
        assert!(check(&headers, &call("add"), "2026-07-28").is_ok());
        assert!(check(&headers, &call("divide"), "2026-07-28").is_err());
        assert!(check(&headers, &call("add"), "2099-01-01").is_err());
        headers.insert("mcp-name", HeaderValue::from_static("=?base64?YWRk?="));
        assert!(check(&headers, &call("add"), "2026-07-28").is_ok());
        headers.remove("mcp-name");
        let missing = check(&headers, &call("add"), "2026-07-28").unwrap_err();
        assert!(missing.contains("Mcp-Name"), "{missing}");
        headers.insert("mcp-method", HeaderValue::from_static("tools/list"));
        assert!(check(&headers, &call("add"), "2026-07-28").is_err());
    }
}
