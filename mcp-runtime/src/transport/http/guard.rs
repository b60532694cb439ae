//! Checks made before a body is read: `Host` and `Origin` (DNS rebinding), `Accept`; the JSON
//! error bodies every refusal carries, and the HTTP status of every JSON answer.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, Version, header};
use axum::response::{IntoResponse, Response};

use super::authority::{Authority, Origin, OriginValue};
use crate::protocol::Era;
use crate::protocol::jsonrpc::{
    self, ErrorObject, Frame, HEADER_MISMATCH, INSUFFICIENT_SCOPE, INVALID_REQUEST,
    METHOD_NOT_FOUND, MISSING_REQUIRED_CLIENT_CAPABILITY, PARSE_ERROR, RequestId,
    UNSUPPORTED_PROTOCOL_VERSION,
};

/// Which `Host` and `Origin` values are trusted.
#[derive(Clone, Debug)]
pub(super) struct TrustedPeers {
    /// Parsed `MCP_ALLOWED_HOSTS` entries: without a port an entry admits any port.
    hosts: Vec<Authority>,
    /// Parsed `MCP_ALLOWED_ORIGINS` entries (a trailing `/` forgiven), compared whole.
    origins: Vec<Origin>,
}

impl TrustedPeers {
    /// Entries that are not a `host[:port]` (or an origin) could never match a well-formed
    /// value. From `MCP_*` they fail at start-up (`options.rs`); set in code, they are dropped
    /// with a warning.
    pub(super) fn new(hosts: &[String], origins: &[String]) -> Self {
        let hosts = hosts
            .iter()
            .filter_map(|entry| {
                let parsed = Authority::parse(entry.trim());
                if parsed.is_none() {
                    tracing::warn!(%entry, "an MCP_ALLOWED_HOSTS entry is not `host[:port]`");
                }
                parsed
            })
            .collect();
        let origins = origins
            .iter()
            .filter_map(
                |entry| match OriginValue::parse(entry.trim().trim_end_matches('/')) {
                    Some(OriginValue::Origin(origin)) => Some(origin),
                    _ => {
                        tracing::warn!(%entry, "an MCP_ALLOWED_ORIGINS entry is not an origin");
                        None
                    }
                },
            )
            .collect();
        TrustedPeers { hosts, origins }
    }

    /// Transports, "Security Warning": servers MUST validate the `Origin` header on all
    /// incoming connections (DNS rebinding); an invalid `Origin` MUST get 403. The `Host`
    /// header is checked the same way, so a rebound name pointing at 127.0.0.1 is refused even
    /// from clients that send no `Origin`. A repeated or malformed `Host` or `Origin` is 400:
    /// which copy a proxy or browser believed cannot be known, so neither is trusted.
    pub(super) fn check(
        &self,
        version: Version,
        target: &Uri,
        headers: &HeaderMap,
    ) -> Result<(), Refusal> {
        let host = single(headers, header::HOST, "Bad Request: `Host` is repeated")?;
        // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request that lacks `Host`
        // or has more than one (`single` refused the second case).
        if host.is_none() && version == Version::HTTP_11 {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                "Bad Request: an HTTP/1.1 request must carry exactly one `Host`",
            ));
        }
        if let Some(host) = host {
            let host = Authority::parse(host).ok_or(Refusal(
                StatusCode::BAD_REQUEST,
                "Bad Request: `Host` is not `host[:port]`",
            ))?;
            self.check_host(&host)?;
        }
        // RFC 9112 §3.2.2: with an absolute-form target the server MUST ignore `Host` and use
        // the target's authority, so that authority must be trusted too (an HTTP/2
        // `:authority` arrives the same way).
        if let Some(authority) = target.authority() {
            let authority = Authority::parse(authority.as_str()).ok_or(Refusal(
                StatusCode::BAD_REQUEST,
                "Bad Request: the request target's authority is not `host[:port]`",
            ))?;
            self.check_host(&authority)?;
        }
        if let Some(origin) = single(headers, header::ORIGIN, "Bad Request: `Origin` is repeated")?
        {
            let origin = OriginValue::parse(origin).ok_or(Refusal(
                StatusCode::BAD_REQUEST,
                "Bad Request: `Origin` is not `null` or `scheme://host[:port]`",
            ))?;
            if !self.origin_allowed(&origin) {
                return Err(Refusal(
                    StatusCode::FORBIDDEN,
                    "Forbidden: this `Origin` is not allowed (add it to HttpOptions::allowed_origins, MCP_ALLOWED_ORIGINS from the environment)",
                ));
            }
        }
        Ok(())
    }

    fn check_host(&self, host: &Authority) -> Result<(), Refusal> {
        let allowed = host.is_loopback()
            || self.hosts.iter().any(|allowed| {
                allowed.host == host.host && (allowed.port.is_none() || allowed.port == host.port)
            });
        if allowed {
            return Ok(());
        }
        Err(Refusal(
            StatusCode::FORBIDDEN,
            "Forbidden: this `Host` is not allowed (add it to HttpOptions::allowed_hosts, MCP_ALLOWED_HOSTS from the environment)",
        ))
    }

    /// `null` is an opaque origin: it names no one, so it is never trusted (RFC 6454 §7.3).
    fn origin_allowed(&self, origin: &OriginValue) -> bool {
        match origin {
            OriginValue::Null => false,
            OriginValue::Origin(origin) => {
                origin.is_loopback() || self.origins.iter().any(|allowed| allowed == origin)
            }
        }
    }
}

/// The one value of `name`, if present; 400 with `repeated` when there are several, and when
/// the value is not visible ASCII (no name could be read from it).
fn single<'a>(
    headers: &'a HeaderMap,
    name: HeaderName,
    repeated: &'static str,
) -> Result<Option<&'a str>, Refusal> {
    let mut values = headers.get_all(&name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Refusal(StatusCode::BAD_REQUEST, repeated));
    }
    let value = first.to_str().map_err(|_| {
        Refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: a `Host` or `Origin` value is not visible ASCII",
        )
    })?;
    Ok(Some(value.trim()))
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
    let message = format!("Too many requests: {what}; retry later");
    over_capacity(Capacity::Client, None, &message, 1)
}

/// Whose cap a request met: the client's own (429, RFC 6585 §4) or the server's (503, RFC 9110
/// §15.6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Capacity {
    Client,
    Server,
}

/// A refusal at a cap: 429 or 503, `Retry-After` in seconds (RFC 9110 §10.2.3), and a JSON-RPC
/// error (-32600, as every refusal) whose message says which cap it was.
pub(super) fn over_capacity(
    whose: Capacity,
    id: Option<RequestId>,
    message: &str,
    retry_after_secs: u64,
) -> Response {
    let status = match whose {
        Capacity::Client => StatusCode::TOO_MANY_REQUESTS,
        Capacity::Server => StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut response = error_response(status, id, ErrorObject::new(INVALID_REQUEST, message));
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
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
        (Some(INSUFFICIENT_SCOPE), _) => StatusCode::FORBIDDEN,
        _ => StatusCode::OK,
    }
}

/// A JSON answer, with the status its error code (if any) calls for. A refusal for missing
/// scopes carries the `insufficient_scope` challenge (Authorization, "Runtime Insufficient
/// Scope Errors"); the auth layer adds where the metadata is.
pub(super) fn json_answer(answer: &Frame<jsonrpc::Response>, era: Era) -> Response {
    let status = status_for(answer.error_code(), era);
    let mut response = json_response(status, answer.to_json());
    if status == StatusCode::FORBIDDEN
        && let Frame::Single(jsonrpc::Response {
            outcome: Err(error),
            ..
        }) = answer
    {
        let scopes: Vec<&str> = error
            .data
            .as_ref()
            .and_then(|data| data.get("requiredScopes"))
            .and_then(serde_json::Value::as_array)
            .map(|scopes| {
                scopes
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .collect()
            })
            .unwrap_or_default();
        let challenge = format!(
            "Bearer error=\"insufficient_scope\", scope=\"{}\", error_description=\"this needs more scopes\"",
            scopes.join(" ")
        );
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
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

    fn status(peers: &TrustedPeers, target: &str, map: &HeaderMap) -> Option<StatusCode> {
        let target: Uri = target.parse().expect("a request target");
        let checked = peers.check(Version::HTTP_11, &target, map);
        checked
            .err()
            .map(|refused| refused.into_response().status())
    }

    #[test]
    fn loopback_and_allowed_peers_pass_others_get_403() {
        let peers = TrustedPeers::new(
            &[
                "mcp.example.com".into(),
                "proxy:8443".into(),
                "[::2]".into(),
            ],
            &["https://app.example.com/".into()],
        );
        for ok in [
            headers(&[("host", "127.0.0.1:8080")]),
            headers(&[("host", "localhost")]),
            headers(&[("host", "[::1]:9000"), ("origin", "http://localhost:3000")]),
            headers(&[
                ("host", "MCP.example.com:443"),
                ("origin", "https://app.example.com"),
            ]),
            headers(&[("host", "proxy:8443")]),
            headers(&[("host", "[::2]:1")]),
        ] {
            assert_eq!(status(&peers, "/mcp", &ok), None, "{ok:?}");
        }
        let local = headers(&[("host", "127.0.0.1")]);
        assert_eq!(status(&peers, "http://localhost:1/mcp", &local), None);
        assert_eq!(
            status(&peers, "http://mcp.example.com/mcp", &local),
            None,
            "an allowed absolute-form authority"
        );
        for bad in [
            headers(&[("host", "evil.example:8080")]),
            headers(&[("host", "127.0.0.1.evil.example")]),
            headers(&[("host", "proxy:8444")]),
            headers(&[("host", "proxy")]),
            headers(&[("host", "localhost"), ("origin", "http://evil.example")]),
            headers(&[("host", "localhost"), ("origin", "http://app.example.com")]),
            headers(&[("host", "localhost"), ("origin", "null")]),
            headers(&[("host", "localhost"), ("origin", "file://localhost")]),
        ] {
            assert_eq!(status(&peers, "/mcp", &bad), Some(StatusCode::FORBIDDEN));
        }
        assert_eq!(
            status(&peers, "http://evil.example/mcp", &local),
            Some(StatusCode::FORBIDDEN),
            "RFC 9112 §3.2.2: the absolute-form authority counts, not `Host`"
        );
    }

    #[test]
    fn repeated_missing_or_malformed_peers_get_400() {
        let peers = TrustedPeers::new(&[], &[]);
        for bad in [
            headers(&[]),
            headers(&[("host", "127.0.0.1"), ("host", "evil.example")]),
            headers(&[("host", "127.0.0.1"), ("host", "127.0.0.1")]),
            headers(&[("host", "127.0.0.1:80@evil.example")]),
            headers(&[("host", "[::1]evil.example")]),
            headers(&[
                ("host", "127.0.0.1"),
                ("origin", "http://localhost"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1"),
                ("origin", "http://localhost:1@evil.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1"),
                ("origin", "http://[::1]evil.example"),
            ]),
        ] {
            assert_eq!(
                status(&peers, "/mcp", &bad),
                Some(StatusCode::BAD_REQUEST),
                "{bad:?}"
            );
        }
        let local = headers(&[("host", "127.0.0.1")]);
        assert_eq!(
            status(&peers, "http://127.0.0.1@evil.example/mcp", &local),
            Some(StatusCode::BAD_REQUEST),
            "userinfo in the target's authority"
        );
        // RFC 9112 §3.2 asks `Host` of HTTP/1.1 only; HTTP/1.0 may omit it.
        let target: Uri = "/mcp".parse().unwrap();
        assert!(
            peers
                .check(Version::HTTP_10, &target, &headers(&[]))
                .is_ok()
        );
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
