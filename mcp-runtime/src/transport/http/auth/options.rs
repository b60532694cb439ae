//! What authentication can be told: API keys, a shared JWT secret, issuers with JWKS, the public
//! URL the protected-resource metadata names, and the claims to read. Every `MCP_AUTH*`,
//! `MCP_API_KEYS*`, `MCP_JWT_*` and `MCP_PUBLIC_URL` variable is read here; each problem is
//! listed with the rest of the configuration's, before anything binds.

use std::net::SocketAddr;
use std::time::Duration;

use http::Uri;
use sha2::{Digest, Sha256};

use crate::setting_values::parse_duration;

/// Shortest API key accepted: 16 characters (about 96 bits from a base64 generator).
const MIN_KEY_CHARS: usize = 16;
/// Shortest HS256 secret accepted: 32 bytes (RFC 7518 §3.2: a key of the hash's size or more).
const MIN_SECRET_BYTES: usize = 32;

/// Authentication of the Streamable HTTP endpoint. Off when nothing is configured; the
/// transport then refuses to bind a non-loopback address unless [`disabled`](Self::disabled)
/// says so explicitly (`MCP_AUTH=none`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthOptions {
    /// `MCP_AUTH=none`: serve without authentication, even on a public address.
    pub disabled: bool,
    /// The origin clients reach the server at (`MCP_PUBLIC_URL`, `https://mcp.example.com`),
    /// behind a proxy or load balancer. The resource identifier is this plus the endpoint's
    /// path; never guessed from a forwarded `Host`. Default: the bound address, on loopback.
    pub public_url: Option<String>,
    /// API keys (`MCP_API_KEYS`, or one per line in the file `MCP_API_KEYS_FILE`).
    pub api_keys: Vec<ApiKey>,
    /// HS256 tokens the server's own authorization server signs (`MCP_JWT_SECRET`, with the
    /// issuer they carry in `MCP_JWT_ISSUER`).
    pub shared_secret: Option<SharedSecret>,
    /// Issuers of RS256, ES256 and EdDSA tokens (`MCP_AUTH_ISSUERS`), each with its JWKS URL or
    /// discovered from its metadata.
    pub issuers: Vec<Issuer>,
    /// Audiences a token must name one of (`MCP_AUTH_AUDIENCE`, comma-separated). Default: the
    /// resource identifier (RFC 8707: a token not minted for this server is refused).
    pub audiences: Vec<String>,
    /// What the protected-resource metadata lists as `authorization_servers`
    /// (`MCP_AUTH_SERVERS`). Default: the issuers.
    pub authorization_servers: Vec<String>,
    /// `scopes_supported` of the metadata and the `scope` of a 401 challenge
    /// (`MCP_AUTH_SCOPES`, space-separated). Default: every scope a tool, resource or prompt
    /// requires.
    pub scopes_supported: Vec<String>,
    /// The claim a principal's tenant is read from (`MCP_AUTH_TENANT_CLAIM`, such as `org_id`).
    pub tenant_claim: Option<String>,
    /// Clock skew allowed on `exp` and `nbf` (`MCP_AUTH_LEEWAY`, default 30s).
    pub leeway: Duration,
    /// How long fetched keys are used before they are fetched again (`MCP_JWKS_TTL`, default
    /// 10m).
    pub jwks_ttl: Duration,
    /// Least time between two fetches of one issuer's keys: a flood of unknown `kid`s fetches
    /// at most once per this (`MCP_JWKS_COOLDOWN`, default 30s).
    pub jwks_cooldown: Duration,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            disabled: false,
            public_url: None,
            api_keys: Vec::new(),
            shared_secret: None,
            issuers: Vec::new(),
            audiences: Vec::new(),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            tenant_claim: None,
            leeway: Duration::from_secs(30),
            jwks_ttl: Duration::from_secs(600),
            jwks_cooldown: Duration::from_secs(30),
        }
    }
}

/// One API key: its name (the principal's subject), the SHA-256 of the key, its scopes.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub(super) name: String,
    pub(super) digest: [u8; 32],
    pub(super) scopes: Vec<String>,
}

impl ApiKey {
    /// A key as clients send it. At least 16 characters of `A-Z a-z 0-9 - . _ ~ + /`.
    pub fn new(
        name: impl Into<String>,
        key: &str,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, String> {
        if key.len() < MIN_KEY_CHARS || !key.bytes().all(is_token_byte) {
            return Err(format!(
                "an API key needs at least {MIN_KEY_CHARS} characters of A-Z a-z 0-9 - . _ ~ + /"
            ));
        }
        Ok(ApiKey::from_digest(
            name,
            Sha256::digest(key).into(),
            scopes,
        ))
    }

    /// A key known only by its SHA-256, so the configuration never holds the key itself.
    pub fn from_digest(
        name: impl Into<String>,
        digest: [u8; 32],
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        ApiKey {
            name: name.into(),
            digest,
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }
}

/// The name and scopes, never the digest.
impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// The HS256 secret of the server's own tokens, and the issuer they carry.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedSecret {
    pub(super) issuer: String,
    pub(super) secret: Vec<u8>,
}

impl SharedSecret {
    /// At least 32 bytes of secret.
    pub fn new(issuer: impl Into<String>, secret: impl Into<Vec<u8>>) -> Result<Self, String> {
        let secret = secret.into();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "an HS256 secret needs at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        Ok(SharedSecret {
            issuer: issuer.into(),
            secret,
        })
    }
}

/// The issuer only, never the secret.
impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSecret")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// An issuer of asymmetrically signed tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    /// The `iss` its tokens carry, an `https://` URL (`http://` on loopback).
    pub issuer: String,
    /// Where its keys are; `None` reads `jwks_uri` from its metadata (RFC 8414, then OpenID
    /// Connect discovery).
    pub jwks_url: Option<String>,
}

impl AuthOptions {
    /// Whether any credential is configured and auth is not turned off.
    pub fn is_enabled(&self) -> bool {
        !self.disabled
            && (!self.api_keys.is_empty()
                || self.shared_secret.is_some()
                || !self.issuers.is_empty())
    }

    /// Reads every auth variable, adding a line per problem (the variable and why) to
    /// `problems`. Values of secret variables are never echoed.
    pub(crate) fn read(
        lookup: &dyn Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) -> AuthOptions {
        let mut options = AuthOptions::default();
        let get = |key: &str| lookup(key).filter(|value| !value.trim().is_empty());
        let mut problem = |key: &str, value: Option<&str>, why: String| {
            problems.push(match value {
                Some(value) => format!("{key}={value:?}: {why}"),
                None => format!("{key}: {why}"),
            })
        };
        if let Some(mode) = get("MCP_AUTH") {
            match mode.trim() {
                "none" => options.disabled = true,
                "on" => {}
                _ => problem("MCP_AUTH", Some(&mode), "expected `none` or `on`".into()),
            }
        }
        if let Some(url) = get("MCP_PUBLIC_URL") {
            match public_origin(url.trim()) {
                Ok(origin) => options.public_url = Some(origin),
                Err(why) => problem("MCP_PUBLIC_URL", Some(&url), why),
            }
        }
        if let Some(keys) = get("MCP_API_KEYS") {
            // The value holds keys: problems name the entry, never the text.
            read_keys(&keys, &mut options.api_keys, &mut |why| {
                problem("MCP_API_KEYS", None, why)
            });
        }
        if let Some(path) = get("MCP_API_KEYS_FILE") {
            match std::fs::read_to_string(path.trim()) {
                Ok(keys) => read_keys(&keys, &mut options.api_keys, &mut |why| {
                    problem("MCP_API_KEYS_FILE", Some(&path), why)
                }),
                Err(error) => problem("MCP_API_KEYS_FILE", Some(&path), error.to_string()),
            }
        }
        let mut names: Vec<&str> = options.api_keys.iter().map(|k| k.name.as_str()).collect();
        names.sort_unstable();
        if let Some(twice) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            problem(
                "MCP_API_KEYS",
                None,
                format!("the name `{}` is used twice", twice[0]),
            );
        }
        match (get("MCP_JWT_SECRET"), get("MCP_JWT_ISSUER")) {
            (Some(secret), Some(issuer)) => match SharedSecret::new(issuer.trim(), secret) {
                Ok(shared) => options.shared_secret = Some(shared),
                Err(why) => problem("MCP_JWT_SECRET", None, why),
            },
            (Some(_), None) => problem(
                "MCP_JWT_ISSUER",
                None,
                "required with MCP_JWT_SECRET: the `iss` the server's tokens carry".into(),
            ),
            (None, Some(issuer)) => problem(
                "MCP_JWT_SECRET",
                None,
                format!("required with MCP_JWT_ISSUER={issuer:?}"),
            ),
            (None, None) => {}
        }
        if let Some(issuers) = get("MCP_AUTH_ISSUERS") {
            for entry in issuers.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                let mut parts = entry.split_whitespace();
                let issuer = parts.next().unwrap_or_default();
                let jwks_url = parts.next();
                let checked = fetchable_url(issuer)
                    .and(jwks_url.map_or(Ok(()), fetchable_url))
                    .and(match parts.next() {
                        None => Ok(()),
                        Some(_) => Err("expected `issuer` or `issuer jwks-url`".to_owned()),
                    });
                match checked {
                    Ok(()) => options.issuers.push(Issuer {
                        issuer: issuer.to_owned(),
                        jwks_url: jwks_url.map(str::to_owned),
                    }),
                    Err(why) => problem("MCP_AUTH_ISSUERS", Some(entry), why),
                }
            }
        }
        if let Some(audiences) = get("MCP_AUTH_AUDIENCE") {
            options.audiences = list(&audiences, ',');
        }
        if let Some(servers) = get("MCP_AUTH_SERVERS") {
            for server in list(&servers, ',') {
                match fetchable_url(&server) {
                    Ok(()) => options.authorization_servers.push(server),
                    Err(why) => problem("MCP_AUTH_SERVERS", Some(&server), why),
                }
            }
        }
        if let Some(scopes) = get("MCP_AUTH_SCOPES") {
            options.scopes_supported = list(&scopes, ' ');
        }
        options.tenant_claim = get("MCP_AUTH_TENANT_CLAIM").map(|claim| claim.trim().to_owned());
        for (key, field) in [
            ("MCP_AUTH_LEEWAY", &mut options.leeway),
            ("MCP_JWKS_TTL", &mut options.jwks_ttl),
            ("MCP_JWKS_COOLDOWN", &mut options.jwks_cooldown),
        ] {
            if let Some(value) = get(key) {
                match parse_duration(value.trim()) {
                    Ok(duration) => *field = duration,
                    Err(why) => problem(key, Some(&value), why),
                }
            }
        }
        if options.disabled
            && (!options.api_keys.is_empty()
                || options.shared_secret.is_some()
                || !options.issuers.is_empty())
        {
            problem(
                "MCP_AUTH",
                Some("none"),
                "credentials are configured too: remove them or MCP_AUTH=none".into(),
            );
        }
        options
    }

    /// Safe by default: a server bound to a non-loopback address authenticates, or says
    /// explicitly that it does not; one that authenticates there knows its public URL.
    pub(crate) fn exposure_problem(&self, bind: SocketAddr) -> Option<String> {
        if bind.ip().is_loopback() {
            return None;
        }
        if !self.is_enabled() && !self.disabled {
            return Some(format!(
                "MCP_BIND={bind}: a non-loopback address needs auth: set MCP_API_KEYS (or \
                 MCP_API_KEYS_FILE), MCP_JWT_SECRET with MCP_JWT_ISSUER, or MCP_AUTH_ISSUERS; or \
                 set MCP_AUTH=none to serve without auth"
            ));
        }
        (self.is_enabled() && self.public_url.is_none()).then(|| {
            format!(
                "MCP_PUBLIC_URL: required with auth on a non-loopback address ({bind}): the URL \
                 clients use, such as https://mcp.example.com"
            )
        })
    }
}

/// `name key [scope ...]` entries, separated by `;` or new lines; `#` starts a comment. A key
/// written `sha256:<64 hex digits>` is known by its digest only.
fn read_keys(text: &str, keys: &mut Vec<ApiKey>, problem: &mut dyn FnMut(String)) {
    let entries = text.split([';', '\n']).map(|line| match line.find('#') {
        Some(comment) => &line[..comment],
        None => line,
    });
    for (index, entry) in entries.map(str::trim).filter(|e| !e.is_empty()).enumerate() {
        let mut fields = entry.split_whitespace();
        let (Some(name), Some(key)) = (fields.next(), fields.next()) else {
            problem(format!(
                "entry {}: expected `name key [scope ...]`",
                index + 1
            ));
            continue;
        };
        let scopes: Vec<&str> = fields.collect();
        let parsed = match key.strip_prefix("sha256:") {
            Some(hex) => digest_from_hex(hex)
                .map(|digest| ApiKey::from_digest(name, digest, scopes))
                .ok_or_else(|| "a `sha256:` key needs 64 hex digits".to_owned()),
            None => ApiKey::new(name, key, scopes),
        };
        match parsed {
            Ok(key) => keys.push(key),
            Err(why) => problem(format!("entry {} (`{name}`): {why}", index + 1)),
        }
    }
}

fn digest_from_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (out, pair) in digest.iter_mut().zip(bytes.chunks(2)) {
        *out = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

fn list(text: &str, separator: char) -> Vec<String> {
    text.split(separator)
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// RFC 6750 §2.1 `b64token` characters (and the API keys this accepts).
pub(super) fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// An `https://` URL, or `http://` on a loopback host: keys and metadata are fetched from it.
pub(crate) fn fetchable_url(url: &str) -> Result<(), String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| "expected an absolute https:// URL".to_owned())?;
    let host = uri.host().unwrap_or_default();
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => Ok(()),
        Some("http") if is_loopback_host(host) => Ok(()),
        Some("http") => Err("expected https:// (http:// only on loopback)".to_owned()),
        _ => Err("expected an absolute https:// URL".to_owned()),
    }
}

/// `scheme://host[:port]`, with no path, query or user info.
fn public_origin(url: &str) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    let uri: Uri = url
        .parse()
        .map_err(|_| "expected scheme://host[:port]".to_owned())?;
    let plain = uri.authority().is_some_and(|a| !a.as_str().contains('@'))
        && uri
            .path_and_query()
            .is_none_or(|p| p.as_str().is_empty() || p.as_str() == "/");
    match (uri.scheme_str(), plain) {
        (Some("https" | "http"), true) => Ok(url.to_owned()),
        (Some("https" | "http"), false) => Err(
            "expected only scheme://host[:port], with no path (the endpoint's path is added)"
                .into(),
        ),
        _ => Err("expected an https:// (or http://) URL".to_owned()),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> (AuthOptions, Vec<String>) {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let mut problems = Vec::new();
        let options = AuthOptions::read(&lookup, &mut problems);
        (options, problems)
    }

    #[test]
    fn api_keys_read_with_names_and_scopes() {
        let digest = crate::ids::hex(&Sha256::digest("k_0123456789abcdef"));
        let keys = format!(
            "probe k_abcdefghijklmnop tickets:read; ops sha256:{digest} tickets:read tickets:write # ops"
        );
        let (options, problems) = read(&[("MCP_API_KEYS", &keys)]);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(options.is_enabled());
        assert_eq!(options.api_keys.len(), 2);
        assert_eq!(options.api_keys[0].name, "probe");
        assert_eq!(options.api_keys[0].scopes, ["tickets:read"]);
        assert_eq!(
            options.api_keys[1].digest,
            <[u8; 32]>::from(Sha256::digest("k_0123456789abcdef"))
        );
        assert_eq!(options.api_keys[1].scopes.len(), 2);
    }

    #[test]
    fn every_problem_is_listed_and_no_secret_is_echoed() {
        let (_, problems) = read(&[
            (
                "MCP_API_KEYS",
                "short tooshort; lonely; twice k_abcdefghijklmnop; twice k_qrstuvwxyz012345",
            ),
            ("MCP_JWT_SECRET", "tiny-secret-value"),
            ("MCP_JWT_ISSUER", "https://me.example"),
            (
                "MCP_AUTH_ISSUERS",
                "http://idp.example, https://ok.example https://ok.example/keys extra",
            ),
            ("MCP_PUBLIC_URL", "https://mcp.example.com/mcp"),
            ("MCP_AUTH_LEEWAY", "soon"),
            ("MCP_AUTH", "maybe"),
        ]);
        let text = problems.join("\n");
        for expected in [
            "entry 1 (`short`)",
            "entry 2: expected `name key",
            "`twice` is used twice",
            "at least 32 bytes",
            "http:// only on loopback",
            "expected `issuer` or `issuer jwks-url`",
            "no path",
            "MCP_AUTH_LEEWAY",
            "expected `none` or `on`",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        for secret in ["tooshort", "k_abcdefghijklmnop", "tiny-secret-value"] {
            assert!(!text.contains(secret), "{secret} echoed in:\n{text}");
        }
    }

    #[test]
    fn a_public_address_needs_auth_or_an_explicit_none() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let (none, _) = read(&[]);
        assert!(none.exposure_problem(loopback).is_none());
        let why = none.exposure_problem(public).expect("refused");
        assert!(
            why.contains("MCP_AUTH=none") && why.contains("MCP_API_KEYS"),
            "{why}"
        );
        let (off, problems) = read(&[("MCP_AUTH", "none")]);
        assert!(problems.is_empty());
        assert!(off.exposure_problem(public).is_none());
        let (keys, _) = read(&[("MCP_API_KEYS", "a k_abcdefghijklmnop")]);
        assert!(
            keys.exposure_problem(public)
                .unwrap()
                .contains("MCP_PUBLIC_URL")
        );
        let (keys, _) = read(&[
            ("MCP_API_KEYS", "a k_abcdefghijklmnop"),
            ("MCP_PUBLIC_URL", "https://mcp.example.com/"),
        ]);
        assert_eq!(keys.public_url.as_deref(), Some("https://mcp.example.com"));
        assert!(keys.exposure_problem(public).is_none());
        let (_, problems) = read(&[
            ("MCP_AUTH", "none"),
            ("MCP_API_KEYS", "a k_abcdefghijklmnop"),
        ]);
        assert!(
            problems[0].contains("credentials are configured too"),
            "{problems:?}"
        );
    }
}
