//! Authentication at the transport boundary: a tower layer in front of the MCP endpoint that
//! admits a request only with a valid API key or JWT bearer token, and puts its [`Principal`]
//! into the request's extensions (where [`Ctx::principal`](crate::Ctx::principal) reads it);
//! and the RFC 9728 protected-resource metadata that tells clients where to get a token.
//!
//! An unauthenticated request never reaches a session: it is answered 401 with a
//! `WWW-Authenticate: Bearer resource_metadata="…"` challenge (Authorization, "Authorization
//! Server Location": MCP servers MUST use the `WWW-Authenticate` header on 401) and a JSON-RPC
//! error body. Tokens are never logged and never forwarded.

mod api_keys;
mod jwks;
mod jwt;
mod options;

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;
use futures_util::future::BoxFuture;
use serde_json::{Value, json};

pub use options::{ApiKey, AuthOptions, Issuer, SharedSecret};

use super::guard;
use crate::principal::Principal;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_REQUEST};
use api_keys::ApiKeys;
use jwt::JwtVerifier;

/// Largest `Authorization` value read: a longer one is refused without being parsed.
const MAX_CREDENTIAL_BYTES: usize = 8 * 1024;
/// RFC 9728 §3: the well-known path, inserted before the resource's own path.
const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// Verifies credentials and writes challenges; cheap to clone.
#[derive(Clone)]
pub struct AuthLayer {
    inner: Arc<Inner>,
}

struct Inner {
    api_keys: ApiKeys,
    jwt: Option<JwtVerifier>,
    /// The absolute URL of the metadata document, for every challenge.
    metadata_url: String,
    /// `scope` of a 401 challenge: the scopes the server supports, when any are known.
    scope_hint: Option<String>,
    /// The metadata document, rendered once.
    metadata: Value,
    /// Where the document is served (the path-aware form, RFC 9728 §3.1).
    metadata_path: String,
}

/// Why a request was refused before it reached the server.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// No credentials (or none for the Bearer scheme): a bare challenge (RFC 6750 §3.1: no
    /// error code when the request lacks authentication information).
    Missing,
    /// Malformed authentication: 400 `invalid_request`.
    InvalidRequest(&'static str),
    /// A credential that did not verify: 401 `invalid_token`.
    InvalidToken(&'static str),
}

impl AuthLayer {
    /// Authentication of the endpoint at `resource` (the MCP endpoint's public URL, such as
    /// `https://mcp.example.com/mcp`), as `options` configures it.
    pub fn new(options: &AuthOptions, resource: &str) -> Self {
        let (origin, path) = split_origin(resource);
        let metadata_path = format!("{METADATA_PATH}{path}");
        let audiences = match options.audiences.is_empty() {
            true => vec![resource.to_owned()],
            false => options.audiences.clone(),
        };
        let authorization_servers = match options.authorization_servers.is_empty() {
            true => options
                .issuers
                .iter()
                .map(|issuer| issuer.issuer.clone())
                .chain(options.shared_secret.iter().map(|s| s.issuer.clone()))
                .collect(),
            false => options.authorization_servers.clone(),
        };
        let mut metadata = json!({
            "resource": resource,
            "bearer_methods_supported": ["header"],
        });
        if !authorization_servers.is_empty() {
            metadata["authorization_servers"] = json!(authorization_servers);
        }
        if !options.scopes_supported.is_empty() {
            metadata["scopes_supported"] = json!(options.scopes_supported);
        }
        AuthLayer {
            inner: Arc::new(Inner {
                api_keys: ApiKeys::new(options.api_keys.clone()),
                jwt: JwtVerifier::new(options, audiences),
                metadata_url: format!("{origin}{metadata_path}"),
                scope_hint: (!options.scopes_supported.is_empty())
                    .then(|| options.scopes_supported.join(" ")),
                metadata,
                metadata_path,
            }),
        }
    }

    /// The protected-resource metadata (RFC 9728 §3) at `/.well-known/oauth-protected-resource`
    /// and at its path-aware form for the endpoint (`…/oauth-protected-resource/mcp`). Open to
    /// everyone, and to browser-based clients of any origin.
    pub fn metadata_router(&self) -> Router {
        let document = Arc::new(self.inner.metadata.clone());
        let serve = move || {
            let document = Arc::clone(&document);
            async move {
                let mut response = guard::json_response(StatusCode::OK, document.to_string());
                let headers = response.headers_mut();
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
                headers.insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("max-age=300"),
                );
                response
            }
        };
        let router = Router::new().route(METADATA_PATH, get(serve.clone()));
        match self.inner.metadata_path == METADATA_PATH {
            true => router,
            false => router.route(&self.inner.metadata_path, get(serve)),
        }
    }

    async fn authenticate(&self, headers: &HeaderMap, uri: &Uri) -> Result<Principal, Refusal> {
        // Authorization, "Access Token Usage": access tokens MUST NOT be in the query string.
        if uri.query().is_some_and(|query| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some("access_token"))
        }) {
            return Err(Refusal::InvalidRequest(
                "tokens are not accepted in the query string: send Authorization: Bearer",
            ));
        }
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Err(Refusal::Missing);
        };
        if values.next().is_some() {
            return Err(Refusal::InvalidRequest(
                "more than one Authorization header",
            ));
        }
        if value.len() > MAX_CREDENTIAL_BYTES {
            return Err(Refusal::InvalidToken("the credential is too large"));
        }
        let value = value
            .to_str()
            .map_err(|_| Refusal::InvalidRequest("the Authorization header is not ASCII"))?;
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        // RFC 9110 §11.1: the scheme is case-insensitive.
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Refusal::Missing);
        }
        let token = token.trim_matches(' ');
        if token.is_empty() {
            return Err(Refusal::InvalidToken("the bearer token is empty"));
        }
        // RFC 6750 §2.1: b64token, with `=` padding only at its end.
        let unpadded = token.trim_end_matches('=');
        if !unpadded.bytes().all(options::is_token_byte) {
            return Err(Refusal::InvalidToken("the bearer token is malformed"));
        }
        let inner = &self.inner;
        let looks_like_jwt = token.bytes().filter(|b| *b == b'.').count() == 2;
        if let (true, Some(jwt)) = (looks_like_jwt, &inner.jwt) {
            return jwt.verify(token).await.map_err(Refusal::InvalidToken);
        }
        if !inner.api_keys.is_empty()
            && let Some(principal) = inner.api_keys.principal(token)
        {
            return Ok(principal);
        }
        Err(Refusal::InvalidToken(match inner.api_keys.is_empty() {
            true => "the token is not a JWT",
            false => "the key is not valid",
        }))
    }

    fn refuse(&self, refusal: &Refusal) -> Response {
        let inner = &self.inner;
        let mut challenge = format!("Bearer resource_metadata=\"{}\"", inner.metadata_url);
        if let Some(scope) = &inner.scope_hint {
            challenge.push_str(&format!(", scope=\"{scope}\""));
        }
        let (status, message) = match refusal {
            Refusal::Missing => (
                StatusCode::UNAUTHORIZED,
                "Unauthorized: this server needs a bearer token".to_owned(),
            ),
            Refusal::InvalidRequest(why) => {
                challenge.push_str(&format!(
                    ", error=\"invalid_request\", error_description=\"{why}\""
                ));
                (StatusCode::BAD_REQUEST, format!("Bad Request: {why}"))
            }
            Refusal::InvalidToken(why) => {
                challenge.push_str(&format!(
                    ", error=\"invalid_token\", error_description=\"{why}\""
                ));
                (StatusCode::UNAUTHORIZED, format!("Unauthorized: {why}"))
            }
        };
        let reason = match refusal {
            Refusal::Missing => "missing",
            Refusal::InvalidRequest(_) => "invalid_request",
            Refusal::InvalidToken(_) => "invalid_token",
        };
        crate::metrics::auth_failed(reason);
        tracing::debug!(reason, %status, "request refused before the server");
        let mut response =
            guard::error_response(status, None, ErrorObject::new(INVALID_REQUEST, message));
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }

    /// A 403 the server answered for missing scopes names its scopes; the layer adds where the
    /// metadata is (Authorization, "Runtime Insufficient Scope Errors": `resource_metadata`
    /// for consistency with 401 responses).
    fn complete_scope_challenge(&self, response: &mut Response) {
        if response.status() != StatusCode::FORBIDDEN {
            return;
        }
        let Some(challenge) = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.contains("resource_metadata="))
        else {
            return;
        };
        let completed = format!(
            "{challenge}, resource_metadata=\"{}\"",
            self.inner.metadata_url
        );
        if let Ok(value) = HeaderValue::from_str(&completed) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
}

/// `https://host/path` → (`https://host`, `/path`): where RFC 8414 and RFC 9728 insert their
/// well-known paths.
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => url.split_at(after_scheme + slash),
        None => (url, ""),
    }
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            auth: self.clone(),
            inner,
        }
    }
}

/// [`AuthLayer`] around a service.
#[derive(Clone)]
pub struct AuthService<S> {
    auth: AuthLayer,
    inner: S,
}

impl<S, B> tower_service::Service<Request<B>> for AuthService<S>
where
    S: tower_service::Service<Request<B>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let auth = self.auth.clone();
        // The clone that was polled ready serves this request; a fresh clone waits for the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            match auth.authenticate(request.headers(), request.uri()).await {
                Err(refusal) => Ok(auth.refuse(&refusal)),
                Ok(principal) => {
                    request.extensions_mut().insert(principal);
                    let mut response = inner.call(request).await?;
                    auth.complete_scope_challenge(&mut response);
                    Ok(response)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> AuthLayer {
        let options = AuthOptions {
            api_keys: vec![ApiKey::new("probe", "k_abcdefghijklmnop", ["tickets:read"]).unwrap()],
            scopes_supported: vec!["tickets:read".into(), "tickets:write".into()],
            ..AuthOptions::default()
        };
        AuthLayer::new(&options, "https://mcp.example.com/mcp")
    }

    async fn check(
        pairs: &[(&'static str, &'static str)],
        target: &str,
    ) -> Result<String, Refusal> {
        let mut headers = HeaderMap::new();
        for (key, value) in pairs {
            headers.append(*key, HeaderValue::from_static(value));
        }
        let uri: Uri = target.parse().unwrap();
        layer()
            .authenticate(&headers, &uri)
            .await
            .map(|principal| principal.subject().to_owned())
    }

    #[tokio::test]
    async fn credentials_are_read_strictly() {
        let good = ("authorization", "Bearer k_abcdefghijklmnop");
        assert_eq!(check(&[good], "/mcp").await.unwrap(), "probe");
        let lower = ("authorization", "bearer k_abcdefghijklmnop");
        assert_eq!(check(&[lower], "/mcp").await.unwrap(), "probe");
        assert_eq!(check(&[], "/mcp").await, Err(Refusal::Missing));
        let basic = ("authorization", "Basic dXNlcjpwYXNz");
        assert_eq!(check(&[basic], "/mcp").await, Err(Refusal::Missing));
        assert!(matches!(
            check(&[good, good], "/mcp").await,
            Err(Refusal::InvalidRequest(_))
        ));
        assert!(matches!(
            check(&[good], "/mcp?access_token=k_abcdefghijklmnop").await,
            Err(Refusal::InvalidRequest(_))
        ));
        for bad in [
            "Bearer ",
            "Bearer k_abc def",
            "Bearer k_abcdefghijklmnoq",
            "Bearer a\"b",
        ] {
            let refused = check(&[("authorization", bad)], "/mcp").await;
            assert!(
                matches!(refused, Err(Refusal::InvalidToken(_))),
                "{bad}: {refused:?}"
            );
        }
    }

    #[test]
    fn challenges_name_the_metadata_and_the_scopes() {
        let layer = layer();
        let response = layer.refuse(&Refusal::InvalidToken("the key is not valid"));
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap();
        assert_eq!(
            challenge,
            "Bearer resource_metadata=\"https://mcp.example.com/.well-known/oauth-protected-resource/mcp\", \
             scope=\"tickets:read tickets:write\", error=\"invalid_token\", \
             error_description=\"the key is not valid\""
        );
        let bare = layer.refuse(&Refusal::Missing);
        let challenge = bare.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(!challenge.contains("error="), "{challenge}");
        assert_eq!(
            layer.refuse(&Refusal::InvalidRequest("x")).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            layer.inner.metadata,
            json!({
                "resource": "https://mcp.example.com/mcp",
                "bearer_methods_supported": ["header"],
                "scopes_supported": ["tickets:read", "tickets:write"],
            })
        );
    }
}
