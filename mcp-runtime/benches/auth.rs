//! The cost of authenticating one request through `AuthLayer`, per method: an API key (one
//! SHA-256 and a constant-time compare per configured key), an HS256 JWT, and an RS256 JWT whose
//! key is already cached from a JWKS served on 127.0.0.1; against the same inner service with
//! no layer. `cargo bench -p mcp-runtime --bench auth`.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::hint::black_box;
use std::task::{Context, Poll};

use axum::http::{HeaderValue, Request, header};
use axum::response::{IntoResponse, Response};
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcp_runtime::transport::http::auth::{ApiKey, AuthLayer, AuthOptions, Issuer, SharedSecret};
use serde_json::json;
use tower_layer::Layer;
use tower_service::Service;

const RESOURCE: &str = "https://mcp.example.com/mcp";
const SECRET: &str = "an-hs256-secret-of-at-least-32-bytes!";
const KEY: &str = "k_bench_0123456789abcdef";

/// What the layer wraps: answers at once.
#[derive(Clone)]
struct Answer;

impl Service<Request<()>> for Answer {
    type Response = Response;
    type Error = Infallible;
    type Future = Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> Self::Future {
        ready(Ok("ok".into_response()))
    }
}

fn request(authorization: &HeaderValue) -> Request<()> {
    let mut request = Request::post("/mcp").body(()).expect("a request");
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, authorization.clone());
    request
}

fn claims(issuer: &str) -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp();
    json!({"iss": issuer, "aud": RESOURCE, "sub": "bench", "scope": "tickets:read", "exp": now + 3600})
}

/// Serves `jwks` at `/jwks.json` on 127.0.0.1 and returns the issuer URL.
fn serve_jwks(runtime: &tokio::runtime::Runtime, jwks: JwkSet) -> String {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let body = serde_json::to_string(&jwks).expect("a JWKS");
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    );
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

fn authenticate(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/auth/rsa1.pem"
    ))
    .expect("the test key");
    let rsa = EncodingKey::from_rsa_pem(&pem).expect("an RSA key");
    let mut jwk = Jwk::from_encoding_key(&rsa, Algorithm::RS256).expect("a JWK");
    jwk.common.key_id = Some("rsa1".into());
    let base = serve_jwks(&runtime, JwkSet { keys: vec![jwk] });
    let issuer = format!("{base}/issuer");
    let options = AuthOptions {
        api_keys: (0..4)
            .map(|n| {
                ApiKey::new(format!("key{n}"), &format!("{KEY}{n}"), ["tickets:read"]).unwrap()
            })
            .collect(),
        shared_secret: Some(SharedSecret::new("https://self.example", SECRET).unwrap()),
        issuers: vec![Issuer {
            issuer: issuer.clone(),
            jwks_url: Some(format!("{base}/jwks.json")),
        }],
        ..AuthOptions::default()
    };
    let _guard = runtime.enter();
    let mut service = AuthLayer::new(&options, RESOURCE).layer(Answer);
    let bearer = |token: String| HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    let api_key = bearer(format!("{KEY}3"));
    let hs256 = {
        let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims("https://self.example"),
            &key,
        );
        bearer(token.unwrap())
    };
    let rs256 = {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("rsa1".into());
        bearer(jsonwebtoken::encode(&header, &claims(&issuer), &rsa).unwrap())
    };
    for (name, value) in [
        ("API key", &api_key),
        ("HS256", &hs256),
        ("RS256, cached JWKS", &rs256),
    ] {
        // The first RS256 request fetches the key set; every measured one finds it cached.
        let answer = runtime.block_on(service.call(request(value))).unwrap();
        assert_eq!(answer.status(), 200, "{name} must authenticate");
    }
    let mut group = c.benchmark_group("authenticate");
    group.bench_function("no layer", |b| {
        b.iter(|| black_box(runtime.block_on(Answer.call(request(&api_key)))))
    });
    for (name, value) in [
        ("API key", &api_key),
        ("HS256", &hs256),
        ("RS256, cached JWKS", &rs256),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(runtime.block_on(service.call(request(value)))))
        });
    }
    group.finish();
}

criterion_group!(benches, authenticate);
criterion_main!(benches);
