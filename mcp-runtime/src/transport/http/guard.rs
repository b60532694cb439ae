//! Checks made before a body is read: `Host` and `Origin` (DNS rebinding), `Accept`; the JSON
//! error bodies every refusal carries, and the HTTP status of every JSON answer.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::protocol::Era;
use crate::protocol::jsonrpc::{
    self, ErrorObject, Frame, HEADER_MISMATCH, INVALID_REQUEST, METHOD_NOT_FOUND,
    MISSING_REQUIRED_CLIENT_CAPABILITY, PARSE_ERROR, RequestId, UNSUPPORTED_PROTOCOL_VERSION,
};

/// Which `Host` and `Origin` values are trusted.
#[derive(Clone, Debug)]
pub(super) struct TrustedPeers {
    hosts: Vec<String>,
    origins: Vec<String>,
}

impl TrustedPeers {
    pub(super) fn new(hosts: &[String], origins: &[String]) -> Self {
        TrustedPeers {
            hosts: hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
            origins: origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// Transports, "Security Warning": servers MUST validate the `Origin` header on all
    /// incoming connections (DNS rebinding); an invalid `Origin` MUST get 403. The `Host`
    /// header is checked the same way, so a rebound name pointing at 127.0.0.1 is refused even
    /// from clients that send no `Origin`.
    pub(super) fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        if let Some(host) = headers.get(header::HOST) {
            let host = host.to_str().unwrap_or("").to_ascii_lowercase();
            if !self.host_allowed(&host) {
                return Err(Refusal(
                    StatusCode::FORBIDDEN,
                    "Forbidden: this `Host` is not allowed (see MCP_ALLOWED_HOSTS)",
                ));
            }
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
            if !self.origin_allowed(&origin) {
                return Err(Refusal(
                    StatusCode::FORBIDDEN,
                    "Forbidden: this `Origin` is not allowed (see MCP_ALLOWED_ORIGINS)",
                ));
            }
        }
        Ok(())
    }

    fn host_allowed(&self, host: &str) -> bool {
        is_loopback_host(host)
            || self.hosts.iter().any(|allowed| {
                allowed == host || (!allowed.contains(':') && host_name(host) == allowed)
            })
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        authority.is_some_and(is_loopback_host)
            || self.origins.iter().any(|allowed| allowed == origin)
    }
}

/// The name of `host[:port]`, brackets of IPv6 literals kept.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

fn is_loopback_host(host: &str) -> bool {
    matches!(host_name(host), "localhost" | "127.0.0.1" | "[::1]")
}

/// Transports, "Sending Messages to the Server": the client MUST list both `application/json`
/// and `text/event-stream` in `Accept` (wildcards count).
pub(super) fn accepts_post(headers: &HeaderMap) -> bool {
    accepts(headers, "application/json") && accepts(headers, "text/event-stream")
}

/// Whether `Accept` admits `media` (`type/subtype`), wildcards included.
pub(super) fn accepts(headers: &HeaderMap, media: &str) -> bool {
    let (kind, _) = media.split_once('/').unwrap_or((media, ""));
    headers.get_all(header::ACCEPT).iter().any(|value| {
        value.to_str().unwrap_or("").split(',').any(|item| {
            let item = item
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            item == media || item == "*/*" || item == format!("{kind}/*")
        })
    })
}

/// A refusal before any JSON-RPC id could be read, as a value: its response is built when sent.
#[derive(Debug)]
pub(super) struct Refusal(pub(super) StatusCode, pub(super) &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refusal(self.0, self.1)
    }
}

/// A refusal before any JSON-RPC id could be read: status and a JSON-RPC error without id.
pub(super) fn refusal(status: StatusCode, message: &str) -> Response {
    error_response(status, None, ErrorObject::new(INVALID_REQUEST, message))
}

/// A JSON-RPC error response with an HTTP status.
pub(super) fn error_response(
    status: StatusCode,
    id: Option<RequestId>,
    error: ErrorObject,
) -> Response {
    let body = crate::protocol::jsonrpc::Response::error(id, error).to_json();
    json_response(status, body)
}

pub(super) fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// 429 with `Retry-After`, for a stream cap.
pub(super) fn too_many_streams(what: &str) -> Response {
    let mut response = refusal(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("Too many requests: {what}; retry later"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// HTTP status of a JSON answer: messages that are not JSON-RPC (or not allowed now) and header
/// or version errors are 400; on 2026-07-28 an unknown method is 404 ("Protocol Version Header":
/// MUST). Other errors answer a well-formed request: 200 with the error in the body.
pub(super) fn status_for(error_code: Option<i32>, era: Era) -> StatusCode {
    match (error_code, era) {
        (Some(PARSE_ERROR | INVALID_REQUEST), _) => StatusCode::BAD_REQUEST,
        (Some(HEADER_MISMATCH | UNSUPPORTED_PROTOCOL_VERSION), _) => StatusCode::BAD_REQUEST,
        // basic/index, "Per-request protocol fields": -32021 MUST be 400 on HTTP.
        (Some(MISSING_REQUIRED_CLIENT_CAPABILITY), _) => StatusCode::BAD_REQUEST,
        (Some(METHOD_NOT_FOUND), Era::Modern) => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// A JSON answer, with the status its error code (if any) calls for.
pub(super) fn json_answer(answer: &Frame<jsonrpc::Response>, era: Era) -> Response {
    json_response(status_for(answer.error_code(), era), answer.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (key, value) in pairs {
            map.append(*key, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn loopback_and_allowed_peers_pass_others_get_403() {
        let peers = TrustedPeers::new(
            &["mcp.example.com".into()],
            &["https://app.example.com".into()],
        );
        for ok in [
            headers(&[("host", "127.0.0.1:8080")]),
            headers(&[("host", "localhost")]),
            headers(&[("host", "[::1]:9000"), ("origin", "http://localhost:3000")]),
            headers(&[
                ("host", "mcp.example.com:443"),
                ("origin", "https://app.example.com"),
            ]),
            headers(&[]),
        ] {
            assert!(peers.check(&ok).is_ok(), "{ok:?}");
        }
        for bad in [
            headers(&[("host", "evil.example:8080")]),
            headers(&[("host", "127.0.0.1.evil.example")]),
            headers(&[("host", "localhost"), ("origin", "http://evil.example")]),
            headers(&[("host", "localhost"), ("origin", "null")]),
        ] {
            let refused = peers.check(&bad).expect_err("must be refused");
            assert_eq!(refused.into_response().status(), StatusCode::FORBIDDEN);
        }
    }

    #[test]
    fn accept_needs_both_media_types() {
        assert!(accepts_post(&headers(&[(
            "accept",
            "application/json, text/event-stream"
        )])));
        assert!(accepts_post(&headers(&[("accept", "*/*")])));
        assert!(accepts_post(&headers(&[
            ("accept", "application/json"),
            ("accept", "text/*;q=0.5")
        ])));
        assert!(!accepts_post(&headers(&[("accept", "application/json")])));
        assert!(!accepts_post(&headers(&[])));
    }
}
