//! An issuer's signing keys: found from its metadata or a configured URL, fetched over HTTPS,
//! cached with a TTL, fetched again for an unknown `kid` at most once per cooldown, bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use tokio::time::Instant;

use super::options::fetchable_url;
use super::split_origin;

/// A fetch (metadata or keys) that takes longer fails: requests waiting on it are refused
/// rather than held.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest metadata or key-set document read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Keys kept per issuer; the rest of a larger set is ignored.
const MAX_KEYS: usize = 64;
/// The asymmetric algorithms accepted from a JWKS. HMAC keys never come from one.
pub(super) const ALLOWED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// The HTTPS client keys and metadata are fetched with (rustls on aws-lc, Mozilla's roots).
pub(super) type Fetcher = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

pub(super) fn fetcher() -> Fetcher {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(connector)
}

/// A key a token may be verified with, and the one algorithm it may be used for.
#[derive(Clone)]
pub(super) struct VerifyingKey {
    pub(super) key: DecodingKey,
    pub(super) algorithm: Algorithm,
}

struct Fetched {
    keys: HashMap<String, VerifyingKey>,
    at: Instant,
}

#[derive(Default)]
struct State {
    fetched: Option<Arc<Fetched>>,
    /// The `jwks_uri` discovery found, kept once found.
    discovered: Option<String>,
    /// When the last fetch that starts a cooldown was made: one for a `kid` the fresh set did
    /// not have, or one that failed. The first fetch and TTL refreshes start none.
    cooling_since: Option<Instant>,
}

/// Why no key was found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum KeyError {
    /// The issuer's set has no key with this `kid` (or fetching was not allowed yet).
    Unknown,
    /// The issuer's keys could not be fetched.
    Unavailable,
}

/// One issuer's keys.
pub(super) struct Jwks {
    issuer: String,
    configured_url: Option<String>,
    ttl: Duration,
    cooldown: Duration,
    state: Mutex<State>,
    /// One fetch at a time; the others wait for it and read what it found.
    refresh: tokio::sync::Mutex<()>,
}

impl Jwks {
    pub(super) fn new(
        issuer: String,
        configured_url: Option<String>,
        ttl: Duration,
        cooldown: Duration,
    ) -> Self {
        Jwks {
            issuer,
            configured_url,
            ttl,
            cooldown,
            state: Mutex::default(),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The `iss` its tokens carry.
    pub(super) fn issuer(&self) -> &str {
        &self.issuer
    }

    fn cached(&self, kid: &str) -> (Option<VerifyingKey>, bool) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match &state.fetched {
            Some(fetched) => (
                fetched.keys.get(kid).cloned(),
                fetched.at.elapsed() < self.ttl,
            ),
            None => (None, false),
        }
    }

    fn cooling(&self) -> bool {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .cooling_since
            .is_some_and(|at| at.elapsed() < self.cooldown)
    }

    /// The key with this `kid`: from the cache while it is fresh; otherwise fetched, one fetch
    /// at a time. A `kid` the fresh set lacks (a rotation, or junk) is fetched for at most once
    /// per cooldown, as is an issuer whose last fetch failed. A set that cannot be refreshed is
    /// used stale rather than refusing every token while the issuer is away.
    pub(super) async fn key(&self, client: &Fetcher, kid: &str) -> Result<VerifyingKey, KeyError> {
        if let (Some(key), true) = self.cached(kid) {
            return Ok(key);
        }
        let _one_at_a_time = self.refresh.lock().await;
        // A fetch that finished while this waited may have brought it.
        let (cached, fresh) = self.cached(kid);
        if let (Some(key), true) = (&cached, fresh) {
            return Ok(key.clone());
        }
        if self.cooling() {
            return cached.ok_or(KeyError::Unknown);
        }
        let missed_in_fresh_set = fresh;
        match self.fetch(client).await {
            Ok(keys) => {
                let found = keys.get(kid).cloned();
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                state.fetched = Some(Arc::new(Fetched {
                    keys,
                    at: Instant::now(),
                }));
                if missed_in_fresh_set {
                    state.cooling_since = Some(Instant::now());
                }
                found.ok_or(KeyError::Unknown)
            }
            Err(why) => {
                self.state
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .cooling_since = Some(Instant::now());
                tracing::warn!(issuer = %self.issuer, reason = why, "could not fetch the issuer's keys");
                cached.ok_or(KeyError::Unavailable)
            }
        }
    }

    async fn fetch(&self, client: &Fetcher) -> Result<HashMap<String, VerifyingKey>, &'static str> {
        let url = match &self.configured_url {
            Some(url) => url.clone(),
            None => self.discover(client).await?,
        };
        let document = get_json(client, &url).await?;
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("the key set has no `keys` array")?;
        Ok(keys
            .iter()
            .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
            .filter_map(|jwk| Some((jwk.common.key_id.clone()?, verifying_key(&jwk)?)))
            .take(MAX_KEYS)
            .collect())
    }

    /// `jwks_uri` from the issuer's metadata: RFC 8414 §3 (the well-known path inserted before
    /// the issuer's path), then OpenID Connect Discovery §4. RFC 8414 §3.3: the `issuer` the
    /// document names MUST be identical to the issuer it was fetched for.
    async fn discover(&self, client: &Fetcher) -> Result<String, &'static str> {
        if let Some(found) = self
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .discovered
            .clone()
        {
            return Ok(found);
        }
        let trimmed = self.issuer.trim_end_matches('/');
        let (origin, path) = split_origin(trimmed);
        let candidates = [
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{trimmed}/.well-known/openid-configuration"),
        ];
        for candidate in candidates {
            let Ok(document) = get_json(client, &candidate).await else {
                continue;
            };
            if document.get("issuer").and_then(Value::as_str) != Some(self.issuer.as_str()) {
                return Err("the issuer's metadata names another issuer");
            }
            let jwks_uri = document
                .get("jwks_uri")
                .and_then(Value::as_str)
                .filter(|uri| fetchable_url(uri).is_ok())
                .ok_or("the issuer's metadata has no usable jwks_uri")?
                .to_owned();
            self.state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .discovered = Some(jwks_uri.clone());
            return Ok(jwks_uri);
        }
        Err("the issuer's metadata could not be fetched")
    }
}

/// The key a JWK describes and its one algorithm: the JWK's `alg` when it names one of
/// [`ALLOWED`], else the algorithm its key type implies; `None` for anything else (HMAC keys,
/// encryption keys, other curves).
fn verifying_key(jwk: &Jwk) -> Option<VerifyingKey> {
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return None;
    }
    let implied = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    let algorithm = match jwk.common.key_algorithm {
        None => implied,
        Some(KeyAlgorithm::RS256) => Algorithm::RS256,
        Some(KeyAlgorithm::ES256) => Algorithm::ES256,
        Some(KeyAlgorithm::EdDSA) => Algorithm::EdDSA,
        Some(_) => return None,
    };
    // A key's type must fit the algorithm it claims (an RSA key labelled ES256 is skipped).
    if algorithm != implied {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(VerifyingKey { key, algorithm })
}

async fn get_json(client: &Fetcher, url: &str) -> Result<Value, &'static str> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(Empty::new())
        .map_err(|_| "a URL that cannot be requested")?;
    let fetch = async {
        let response = client
            .request(request)
            .await
            .map_err(|_| "the request failed")?;
        if response.status() != http::StatusCode::OK {
            return Err("the answer was not 200");
        }
        let body = Limited::new(response.into_body(), MAX_DOCUMENT_BYTES)
            .collect()
            .await
            .map_err(|_| "the document is too large or was cut off")?
            .to_bytes();
        serde_json::from_slice(&body).map_err(|_| "the document is not JSON")
    };
    tokio::time::timeout(FETCH_TIMEOUT, fetch)
        .await
        .map_err(|_| "no answer in time")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_urls_insert_the_well_known_path_before_the_issuers_path() {
        assert_eq!(split_origin("https://a.example"), ("https://a.example", ""));
        assert_eq!(
            split_origin("https://a.example/tenant/1"),
            ("https://a.example", "/tenant/1")
        );
    }

    #[test]
    fn only_allowed_signing_keys_are_kept() {
        let rsa = serde_json::json!({"kty": "RSA", "kid": "r", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"});
        let key = verifying_key(&serde_json::from_value(rsa.clone()).unwrap()).expect("kept");
        assert_eq!(key.algorithm, Algorithm::RS256);
        let mut labelled = rsa.clone();
        labelled["alg"] = "ES256".into();
        assert!(verifying_key(&serde_json::from_value(labelled).unwrap()).is_none());
        let mut encryption = rsa.clone();
        encryption["use"] = "enc".into();
        assert!(verifying_key(&serde_json::from_value(encryption).unwrap()).is_none());
        let hmac = serde_json::json!({"kty": "oct", "kid": "h", "k": "c2VjcmV0"});
        assert!(verifying_key(&serde_json::from_value(hmac).unwrap()).is_none());
    }
}
