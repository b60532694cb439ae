//! JWT bearer tokens: HS256 with the server's shared secret, RS256/ES256/EdDSA from issuers'
//! JWKS. Authorization, "Token Handling": MCP servers MUST validate access tokens (OAuth 2.1
//! §5.2) and that they were issued for them as the audience (RFC 8707 §2).

use serde::Deserialize;
use serde_json::{Map, Value};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::jwks::{self, Fetcher, Jwks, KeyError};
use super::options::AuthOptions;
use crate::principal::{AuthMethod, Principal};

/// Why a token was refused: the `error_description` of the challenge (never the token, never
/// a claim's value).
pub(super) type Refused = &'static str;

/// What the verifier was configured with.
pub(super) struct JwtVerifier {
    shared: Option<(String, DecodingKey)>,
    issuers: Vec<Jwks>,
    audiences: Vec<String>,
    leeway: u64,
    tenant_claim: Option<String>,
    fetcher: Fetcher,
}

/// The one claim read before the signature is checked: which issuer's keys to check it with.
#[derive(Deserialize)]
struct Unverified {
    iss: Option<String>,
}

impl JwtVerifier {
    /// `None` when neither a shared secret nor an issuer is configured.
    pub(super) fn new(options: &AuthOptions, audiences: Vec<String>) -> Option<Self> {
        if options.shared_secret.is_none() && options.issuers.is_empty() {
            return None;
        }
        // The one backend compiled in; installing it explicitly keeps a second one, enabled
        // elsewhere in a user's build, from making jsonwebtoken refuse to choose.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        Some(JwtVerifier {
            // An HMAC key from bytes cannot fail to build; a secret that did is left out.
            shared: options.shared_secret.as_ref().and_then(|shared| {
                let key = DecodingKey::from_secret(&shared.secret).ok()?;
                Some((shared.issuer.clone(), key))
            }),
            issuers: options
                .issuers
                .iter()
                .map(|issuer| {
                    Jwks::new(
                        issuer.issuer.clone(),
                        issuer.jwks_url.clone(),
                        options.jwks_ttl,
                        options.jwks_cooldown,
                    )
                })
                .collect(),
            audiences,
            leeway: options.leeway.as_secs(),
            tenant_claim: options.tenant_claim.clone(),
            fetcher: jwks::fetcher(),
        })
    }

    /// The principal of a valid token.
    pub(super) async fn verify(&self, token: &str) -> Result<Principal, Refused> {
        // `alg: none` and unknown algorithms fail here: jsonwebtoken has no such algorithm.
        let header = jsonwebtoken::decode_header(token).map_err(|_| "the token is malformed")?;
        let Unverified { iss } = jsonwebtoken::dangerous::insecure_decode_claims(token)
            .map_err(|_| "the token is malformed")?;
        let issuer = iss.ok_or("the token has no issuer")?;
        // Each key has one algorithm: HMAC only with the shared secret, never with a key from
        // a JWKS (so a public key can never be used as an HMAC secret).
        let (key, algorithm) = match header.alg {
            Algorithm::HS256 => match &self.shared {
                Some((shared_issuer, key)) if *shared_issuer == issuer => {
                    (key.clone(), Algorithm::HS256)
                }
                _ => return Err("the token's algorithm is not accepted for its issuer"),
            },
            alg if jwks::ALLOWED.contains(&alg) => {
                let jwks = self
                    .issuers
                    .iter()
                    .find(|jwks| jwks.issuer() == issuer)
                    .ok_or("the token's issuer is not trusted")?;
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or("the token names no key (kid)")?;
                let found = jwks
                    .key(&self.fetcher, kid)
                    .await
                    .map_err(|error| match error {
                        KeyError::Unknown => "the token's key is unknown",
                        KeyError::Unavailable => "the issuer's keys are unavailable",
                    })?;
                if found.algorithm != alg {
                    return Err("the token's algorithm does not match its key");
                }
                (found.key, alg)
            }
            _ => return Err("the token's algorithm is not accepted"),
        };
        let mut validation = Validation::new(algorithm);
        validation.set_audience(&self.audiences);
        validation.set_issuer(&[&issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(
            |error| match error.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet",
                ErrorKind::InvalidAudience => "the token was not issued for this server",
                ErrorKind::InvalidIssuer => "the token's issuer is not trusted",
                ErrorKind::InvalidSignature => "the token's signature is invalid",
                ErrorKind::InvalidAlgorithm => "the token's algorithm does not match its key",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks exp, iss, aud or sub",
                _ => "the token is malformed",
            },
        )?;
        let claims = data.claims;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|sub| !sub.is_empty())
            .ok_or("the token's subject is not a string")?
            .to_owned();
        let mut principal =
            Principal::new(subject, AuthMethod::Jwt { issuer }).with_scopes(scopes(&claims));
        if let Some(tenant) = self
            .tenant_claim
            .as_deref()
            .and_then(|claim| claims.get(claim))
            .and_then(|value| match value {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            })
        {
            principal = principal.with_tenant(tenant);
        }
        Ok(principal.with_claims(claims))
    }
}

/// RFC 9068 §2.2.3 `scope` (space-separated), or `scp` as a list or a string (as several
/// identity providers write it).
fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    let split = |text: &str| text.split_whitespace().map(str::to_owned).collect();
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(scope)), _) => split(scope),
        (_, Some(Value::String(scp))) => split(scp),
        (_, Some(Value::Array(scp))) => scp
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let claims = |value: Value| value.as_object().unwrap().clone();
        assert_eq!(
            scopes(&claims(serde_json::json!({"scope": "a b:c"}))),
            ["a", "b:c"]
        );
        assert_eq!(
            scopes(&claims(serde_json::json!({"scp": ["a", 1, "b"]}))),
            ["a", "b"]
        );
        assert_eq!(scopes(&claims(serde_json::json!({"scp": "x"}))), ["x"]);
        assert!(scopes(&claims(serde_json::json!({"scope": 3}))).is_empty());
    }
}
