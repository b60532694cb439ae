//! Who is calling: the principal an authentication layer verified, as a handler sees it through
//! [`Ctx::principal`](crate::Ctx::principal).
//!
//! It comes from the verified credential only (an API key's configuration, a JWT's claims),
//! never from tool input. Servers with no authentication have none.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// How a principal proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// An API key from the server's configuration, by its configured name.
    ApiKey { name: String },
    /// A JWT bearer token, by the issuer that signed it.
    Jwt { issuer: String },
    /// Whatever a layer of the user's own verified.
    Custom,
}

/// The verified caller of a request.
#[derive(Clone)]
pub struct Principal {
    subject: String,
    scopes: Vec<String>,
    method: AuthMethod,
    tenant: Option<String>,
    claims: Map<String, Value>,
    /// Method, issuer or key name, and subject: what sessions are bound to and limits count.
    identity: String,
    /// The keyed digest of `identity`, made when a log line first needs it.
    log_id: OnceLock<String>,
}

impl Principal {
    /// A principal with no scopes, tenant or claims. A layer of one's own builds it and inserts
    /// it into the request's extensions; the runtime's own auth layer does the same.
    pub fn new(subject: impl Into<String>, method: AuthMethod) -> Self {
        let subject = subject.into();
        Principal {
            identity: identity(&method, &subject),
            subject,
            scopes: Vec::new(),
            method,
            tenant: None,
            claims: Map::new(),
            log_id: OnceLock::new(),
        }
    }

    /// The scopes it was granted.
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The tenant it belongs to.
    pub fn with_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Every claim of its credential (a JWT's payload).
    pub fn with_claims(mut self, claims: Map<String, Value>) -> Self {
        self.claims = claims;
        self
    }

    /// The subject: a JWT's `sub`, or an API key's name.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The scopes it was granted.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// How it authenticated.
    pub fn method(&self) -> &AuthMethod {
        &self.method
    }

    /// Its tenant, from the claim the server was configured to read (`MCP_AUTH_TENANT_CLAIM`).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// A claim of its credential, deserialized; `None` when absent or of another shape.
    pub fn claim<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        T::deserialize(self.claims.get(name)?).ok()
    }

    /// Every claim of its credential.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// A keyed, non-reversible digest of its identity: what log lines and spans carry
    /// (`principal_hash`), never the subject itself.
    pub fn log_id(&self) -> &str {
        self.log_id
            .get_or_init(|| crate::ids::log_digest(self.identity.as_bytes()))
    }

    /// Whether one of its scopes covers `required`. Authorization, "Scope Challenge Handling":
    /// servers MUST account for scope hierarchies, where a broader scope implies narrower ones:
    /// here `tickets` covers `tickets:write` (a granted scope covers the scopes below it, one
    /// `:` segment at a time).
    pub fn has_scope(&self, required: &str) -> bool {
        self.scopes.iter().any(|granted| covers(granted, required))
    }

    /// Whether it holds every scope of `required`.
    pub fn has_scopes(&self, required: &[&str]) -> bool {
        required.iter().all(|scope| self.has_scope(scope))
    }

    /// What binds a session to the principal that opened it: the method, the issuer or key
    /// name, and the subject.
    pub(crate) fn identity(&self) -> &str {
        &self.identity
    }
}

fn identity(method: &AuthMethod, subject: &str) -> String {
    match method {
        AuthMethod::ApiKey { name } => format!("key\0{name}\0{subject}"),
        AuthMethod::Jwt { issuer } => format!("jwt\0{issuer}\0{subject}"),
        AuthMethod::Custom => format!("custom\0{subject}"),
    }
}

fn covers(granted: &str, required: &str) -> bool {
    required == granted
        || required
            .strip_prefix(granted)
            .is_some_and(|rest| rest.starts_with(':'))
}

/// Neither the subject nor the claims: only what a log may hold.
impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("log_id", &self.log_id())
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(scopes: &[&str]) -> Principal {
        Principal::new("u1", AuthMethod::Custom).with_scopes(scopes.iter().copied())
    }

    #[test]
    fn a_broader_scope_covers_the_narrower_ones() {
        let p = with(&["tickets"]);
        assert!(p.has_scope("tickets"));
        assert!(p.has_scope("tickets:write"));
        assert!(p.has_scope("tickets:write:all"));
        assert!(
            !p.has_scope("ticketsx"),
            "a prefix that is not a segment covers nothing"
        );
        assert!(!p.has_scope("notes:read"));
        let p = with(&["tickets:read"]);
        assert!(p.has_scopes(&["tickets:read"]));
        assert!(!p.has_scopes(&["tickets:read", "tickets:write"]));
        assert!(
            !p.has_scope("tickets"),
            "a narrow scope does not cover the broad one"
        );
        assert!(with(&[]).has_scopes(&[]));
    }

    #[test]
    fn the_log_id_is_stable_and_hides_the_subject() {
        let a = Principal::new("alice@example.com", AuthMethod::Custom);
        let again = Principal::new("alice@example.com", AuthMethod::Custom);
        let other = Principal::new("alice@example.com", AuthMethod::ApiKey { name: "k".into() });
        assert_eq!(a.log_id(), again.log_id());
        assert_ne!(a.log_id(), other.log_id());
        assert!(!a.log_id().contains("alice"));
        assert!(!format!("{a:?}").contains("alice"));
    }

    #[test]
    fn claims_are_typed_on_access() {
        let mut claims = Map::new();
        claims.insert("org".into(), Value::from("acme"));
        claims.insert("level".into(), Value::from(3));
        let p = Principal::new("u", AuthMethod::Custom).with_claims(claims);
        assert_eq!(p.claim::<String>("org").as_deref(), Some("acme"));
        assert_eq!(p.claim::<u8>("level"), Some(3));
        assert_eq!(p.claim::<u8>("org"), None);
        assert_eq!(p.claim::<String>("absent"), None);
    }
}
