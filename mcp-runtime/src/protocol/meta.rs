//! Request `_meta`: the progress token of every era, and the per-request version, capabilities
//! and log level of the modern one (2026-07-28, basic/index "`_meta`").

use serde_json::Value;

use super::ProtocolVersion;
use super::client::ClientCapabilities;

/// `_meta` key: the request's protocol version (modern requests).
pub(crate) const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key: the client's capabilities for this request (modern requests).
pub(crate) const CLIENT_CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key: the client's name and version (modern requests).
pub(crate) const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key: the log level the client wants `notifications/message` at (modern requests).
pub(crate) const LOG_LEVEL_KEY: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key of results: the server's name and version.
pub(crate) const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";
/// `_meta` key of notifications on a `subscriptions/listen` stream.
pub(crate) const SUBSCRIPTION_ID_KEY: &str = "io.modelcontextprotocol/subscriptionId";

/// What a request's `params._meta` says, read once.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RequestMeta {
    /// `progressToken`: present when the client wants `notifications/progress`.
    pub progress_token: Option<Value>,
    /// The modern per-request protocol version, as sent.
    pub protocol_version: Option<String>,
    /// Whether `clientCapabilities` was sent (modern requests must send it).
    pub has_client_capabilities: bool,
    /// `clientCapabilities` as sent: what a 2026-07-28 request's client can answer.
    pub client_capabilities: ClientCapabilities,
    /// The modern per-request log level; `None` means no `notifications/message` at all.
    pub log_level: Option<LogLevel>,
    /// `clientInfo.name` and `.version`, for the log.
    pub client_name: Option<String>,
    /// See `client_name`.
    pub client_version: Option<String>,
}

impl RequestMeta {
    /// Reads `params._meta`; a missing or malformed `_meta` reads as empty.
    pub(crate) fn of(params: Option<&Value>) -> Self {
        let Some(meta) = params
            .and_then(|p| p.get("_meta"))
            .and_then(Value::as_object)
        else {
            return RequestMeta::default();
        };
        let text = |key: &str| meta.get(key).and_then(Value::as_str).map(str::to_owned);
        let client = meta.get(CLIENT_INFO_KEY);
        let client_text = |key: &str| {
            client
                .and_then(|info| info.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        RequestMeta {
            progress_token: meta
                .get("progressToken")
                .filter(|token| token.is_string() || token.is_i64() || token.is_u64())
                .cloned(),
            protocol_version: text(PROTOCOL_VERSION_KEY),
            has_client_capabilities: meta
                .get(CLIENT_CAPABILITIES_KEY)
                .is_some_and(Value::is_object),
            client_capabilities: ClientCapabilities::from_json(meta.get(CLIENT_CAPABILITIES_KEY)),
            log_level: meta
                .get(LOG_LEVEL_KEY)
                .and_then(Value::as_str)
                .and_then(LogLevel::parse),
            client_name: client_text("name"),
            client_version: client_text("version"),
        }
    }

    /// The 2026-07-28 version the request's `_meta` names (`None`: a legacy request, served at the
    /// version `initialize` negotiated), or the unsupported name it gives.
    pub(crate) fn modern_version(&self) -> Result<Option<ProtocolVersion>, &str> {
        match self.protocol_version.as_deref() {
            None => Ok(None),
            Some(name) => match ProtocolVersion::parse(name) {
                Some(version) if version.is_modern() => Ok(Some(version)),
                // A legacy version in `_meta` adds nothing to what `initialize` settled.
                Some(_) => Ok(None),
                None => Err(name),
            },
        }
    }

    /// Whether a 2026-07-28 request lacks `clientCapabilities`, which that revision's
    /// `RequestMetaObject` requires on every request (servers MUST NOT infer capabilities from
    /// prior requests).
    pub(crate) fn lacks_client_capabilities(&self) -> bool {
        matches!(self.modern_version(), Ok(Some(_))) && !self.has_client_capabilities
    }
}

/// Log severities of `notifications/message` (RFC 5424 names), least severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Detailed debugging information.
    Debug = 1,
    /// General information.
    Info,
    /// Normal but significant events.
    Notice,
    /// Warning conditions.
    Warning,
    /// Error conditions.
    Error,
    /// Critical conditions.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

impl LogLevel {
    const ALL: [LogLevel; 8] = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Notice,
        LogLevel::Warning,
        LogLevel::Error,
        LogLevel::Critical,
        LogLevel::Alert,
        LogLevel::Emergency,
    ];

    /// The wire name, such as `"warning"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Alert => "alert",
            LogLevel::Emergency => "emergency",
        }
    }

    /// The level with this wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.as_str() == name)
    }

    /// The level as a small number (1 = debug … 8 = emergency), for atomics.
    pub(crate) const fn rank(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn meta_is_read_and_the_era_follows_the_version() {
        let params = json!({"_meta": {
            "progressToken": "p-1",
            PROTOCOL_VERSION_KEY: "2026-07-28",
            CLIENT_CAPABILITIES_KEY: {},
            LOG_LEVEL_KEY: "warning",
            CLIENT_INFO_KEY: {"name": "c", "version": "1"}
        }});
        let meta = RequestMeta::of(Some(&params));
        assert_eq!(meta.progress_token, Some(json!("p-1")));
        assert!(meta.has_client_capabilities);
        assert_eq!(meta.log_level, Some(LogLevel::Warning));
        assert_eq!(meta.client_name.as_deref(), Some("c"));
        assert_eq!(
            meta.modern_version(),
            Ok(Some(ProtocolVersion::V2026_07_28))
        );

        let legacy = json!({"_meta": {PROTOCOL_VERSION_KEY: "2025-06-18", "progressToken": 7}});
        let meta = RequestMeta::of(Some(&legacy));
        assert_eq!(meta.modern_version(), Ok(None));
        assert_eq!(meta.progress_token, Some(json!(7)));

        let unknown = json!({"_meta": {PROTOCOL_VERSION_KEY: "1900-01-01"}});
        assert_eq!(
            RequestMeta::of(Some(&unknown)).modern_version(),
            Err("1900-01-01")
        );
        // Progress tokens are strings or integers; anything else is not a token.
        let float = json!({"_meta": {"progressToken": 1.5}});
        assert_eq!(RequestMeta::of(Some(&float)).progress_token, None);
        assert_eq!(RequestMeta::of(None).modern_version(), Ok(None));
    }

    #[test]
    fn levels_are_ordered_by_severity() {
        assert!(LogLevel::Debug < LogLevel::Emergency);
        assert_eq!(LogLevel::parse("notice"), Some(LogLevel::Notice));
        assert_eq!(LogLevel::parse("verbose"), None);
        assert!(LogLevel::ALL.windows(2).all(|w| w[0].rank() < w[1].rank()));
    }
}
