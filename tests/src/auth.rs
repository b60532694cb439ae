//! Test support for authentication: an identity provider on 127.0.0.1 (issuer metadata and a
//! JWKS over real HTTP, with its fetches counted and its keys rotatable) and tokens signed with
//! the test keys in `tests/fixtures/auth`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::routing::get;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// A signing key of the tests.
pub struct TestKey {
    /// Its `kid`.
    pub kid: &'static str,
    /// Its algorithm.
    pub algorithm: Algorithm,
    /// The private key.
    pub key: EncodingKey,
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/auth")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl TestKey {
    /// `rsa1`, `rsa2` (RS256), `ec` (ES256) or `ed` (EdDSA), from the fixtures.
    pub fn load(kid: &'static str) -> Self {
        let pem = fixture(&format!("{kid}.pem"));
        let (algorithm, key) = match kid {
            "ec" => (Algorithm::ES256, EncodingKey::from_ec_pem(&pem)),
            "ed" => (Algorithm::EdDSA, EncodingKey::from_ed_pem(&pem)),
            _ => (Algorithm::RS256, EncodingKey::from_rsa_pem(&pem)),
        };
        TestKey {
            kid,
            algorithm,
            key: key.expect("a test key parses"),
        }
    }

    /// Its public half as a JWK with its `kid`.
    pub fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.key, self.algorithm).expect("a public JWK");
        jwk.common.key_id = Some(self.kid.to_owned());
        jwk
    }

    /// A token with `claims`, signed by this key and naming it.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.key).expect("a token is signed")
    }
}

/// The bytes of the RSA public key `rsa1` as PEM: what an attacker would use as an HMAC secret.
pub fn rsa1_public_pem() -> Vec<u8> {
    fixture("rsa1.pub.pem")
}

/// Signs `claims` with HS256 and `secret`.
pub fn sign_hs256(secret: &[u8], claims: &Value) -> String {
    let key = EncodingKey::from_secret(secret).expect("an HMAC key");
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).expect("a token is signed")
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Claims valid for an hour, for `audience` and `issuer`, with `sub` and `scope`.
pub fn claims(issuer: &str, audience: &str, subject: &str, scope: &str) -> Value {
    json!({
        "iss": issuer, "aud": audience, "sub": subject, "scope": scope,
        "iat": now(), "exp": now() + 3600,
    })
}

struct Provider {
    /// `kid`s served from the JWKS of issuer `a`.
    keys_a: Mutex<Vec<Jwk>>,
    keys_b: Vec<Jwk>,
    fetches_a: AtomicUsize,
    fetches_b: AtomicUsize,
    base: String,
}

/// Two issuers on one port: `{base}/a` with its JWKS at a configured URL, and `{base}/b` whose
/// JWKS is found through its RFC 8414 metadata.
pub struct IdentityProvider {
    state: Arc<Provider>,
}

impl IdentityProvider {
    /// Serves issuer `a` with `keys_a` and issuer `b` with `keys_b` until the test ends.
    pub async fn start(keys_a: &[&TestKey], keys_b: &[&TestKey]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let state = Arc::new(Provider {
            keys_a: Mutex::new(keys_a.iter().map(|key| key.jwk()).collect()),
            keys_b: keys_b.iter().map(|key| key.jwk()).collect(),
            fetches_a: AtomicUsize::new(0),
            fetches_b: AtomicUsize::new(0),
            base,
        });
        let app = Router::new()
            .route("/a/jwks.json", get(jwks_a))
            .route("/b/keys", get(jwks_b))
            .route("/.well-known/oauth-authorization-server/b", get(metadata_b))
            .with_state(Arc::clone(&state));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        IdentityProvider { state }
    }

    /// Issuer `a`'s `iss`.
    pub fn issuer_a(&self) -> String {
        format!("{}/a", self.state.base)
    }

    /// Issuer `b`'s `iss`.
    pub fn issuer_b(&self) -> String {
        format!("{}/b", self.state.base)
    }

    /// `MCP_AUTH_ISSUERS` for both: `a` with its JWKS URL, `b` discovered.
    pub fn issuers_variable(&self) -> String {
        format!(
            "{a} {a}/jwks.json, {b}",
            a = self.issuer_a(),
            b = self.issuer_b()
        )
    }

    /// Adds a key to issuer `a`'s set (a rotation).
    pub fn rotate_in(&self, key: &TestKey) {
        self.state.keys_a.lock().unwrap().push(key.jwk());
    }

    /// How often each issuer's keys were fetched.
    pub fn fetches(&self) -> (usize, usize) {
        (
            self.state.fetches_a.load(Ordering::SeqCst),
            self.state.fetches_b.load(Ordering::SeqCst),
        )
    }
}

type JsonBody = ([(header::HeaderName, &'static str); 1], String);

fn json_body(value: &impl serde::Serialize) -> JsonBody {
    let body = serde_json::to_string(value).expect("serializable");
    ([(header::CONTENT_TYPE, "application/json")], body)
}

async fn jwks_a(State(state): State<Arc<Provider>>) -> JsonBody {
    state.fetches_a.fetch_add(1, Ordering::SeqCst);
    let keys = state.keys_a.lock().unwrap().clone();
    json_body(&JwkSet { keys })
}

async fn jwks_b(State(state): State<Arc<Provider>>) -> JsonBody {
    state.fetches_b.fetch_add(1, Ordering::SeqCst);
    json_body(&JwkSet {
        keys: state.keys_b.clone(),
    })
}

async fn metadata_b(State(state): State<Arc<Provider>>) -> JsonBody {
    json_body(&json!({
        "issuer": format!("{}/b", state.base),
        "jwks_uri": format!("{}/b/keys", state.base),
        "authorization_endpoint": format!("{}/b/authorize", state.base),
        "token_endpoint": format!("{}/b/token", state.base),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    }))
}
