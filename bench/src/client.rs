//! A bare HTTP/1.1 client on hyper: one TCP connection per [`Connection`], requests sent one
//! after another on it. No pool, no retries, nothing between the load and the socket.

use std::io;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Where the MCP endpoint is: `http://host:port/path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port`, to connect to and to send as `Host`.
    pub authority: String,
    /// The request target, such as `/mcp`.
    pub path: String,
}

impl Endpoint {
    /// Reads `http://host:port/path` (plain HTTP only; the path defaults to `/`).
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!("{url}: only http:// URLs are supported"));
        }
        let authority = uri.authority().ok_or_else(|| format!("{url}: no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        Ok(Endpoint {
            authority: format!("{}:{port}", authority.host()),
            path: uri.path().to_owned(),
        })
    }
}

/// A whole answer, its body read to the end.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// Whether the body contains `needle` (a byte search: the load generator does not parse).
    pub fn body_contains(&self, needle: &str) -> bool {
        self.body
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    }
}

/// One HTTP/1.1 connection to an endpoint.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    path: String,
}

impl Connection {
    /// Connects (with `TCP_NODELAY`, as the servers set it) and runs the connection's I/O on a
    /// task of its own.
    pub async fn open(endpoint: &Endpoint) -> io::Result<Self> {
        let tcp = TcpStream::connect(&endpoint.authority).await?;
        tcp.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(io::Error::other)?;
        tokio::spawn(async move {
            // Ends when the server closes the connection or every handle is dropped.
            let _ = connection.await;
        });
        Ok(Connection {
            sender,
            host: HeaderValue::from_str(&endpoint.authority).map_err(io::Error::other)?,
            path: endpoint.path.clone(),
        })
    }

    /// Sends a request with `headers` (and `Host`) and returns the response as soon as its
    /// head arrives; the body is read by the caller.
    pub async fn start(
        &mut self,
        method: Method,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Response<Incoming>, hyper::Error> {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = method;
        *request.uri_mut() = Uri::try_from(self.path.as_str()).unwrap_or_default();
        *request.headers_mut() = headers.clone();
        request
            .headers_mut()
            .insert(header::HOST, self.host.clone());
        self.sender.ready().await?;
        self.sender.send_request(request).await
    }

    /// POSTs `body` with `headers` and reads the whole answer.
    pub async fn post(&mut self, headers: &HeaderMap, body: Bytes) -> Result<Answer, hyper::Error> {
        let response = self.start(Method::POST, headers, body).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// A header map from `(name, value)` pairs; panics on a malformed pair (they are constants).
pub fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
                HeaderValue::from_str(value).expect("a header value"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_host_port_and_path() {
        let endpoint = Endpoint::parse("http://127.0.0.1:8080/mcp").unwrap();
        assert_eq!(endpoint.authority, "127.0.0.1:8080");
        assert_eq!(endpoint.path, "/mcp");
        assert_eq!(
            Endpoint::parse("http://localhost").unwrap().authority,
            "localhost:80"
        );
        assert!(Endpoint::parse("https://127.0.0.1/mcp").is_err());
    }
}
