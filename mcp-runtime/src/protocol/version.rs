//! MCP protocol versions and what each one changed that this crate has to honour.

use std::fmt;

use super::jsonrpc::{ErrorObject, UNSUPPORTED_PROTOCOL_VERSION};

/// The two eras of the protocol: sessions opened by `initialize` (2024-11-05 … 2025-11-25), and
/// requests that stand alone with their version in `_meta` (2026-07-28).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Era {
    /// 2024-11-05 … 2025-11-25.
    Legacy,
    /// 2026-07-28 and later.
    Modern,
}

/// An MCP protocol revision this crate serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// The first dated revision.
    V2024_11_05,
    /// Adds tool annotations, audio content and JSON-RPC batches.
    V2025_03_26,
    /// Adds titles, structured tool output and resource links; removes batches.
    V2025_06_18,
    /// Bad tool arguments become tool execution errors (SEP-1303); JSON Schema 2020-12 by default.
    V2025_11_25,
    /// The stateless ("modern") revision: no `initialize`, no sessions; every request carries its
    /// version and capabilities in `_meta`, every result a `resultType`; `server/discover`.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every version served, oldest first.
    pub const ALL: [ProtocolVersion; 5] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
        Self::V2026_07_28,
    ];

    /// The versions that open with `initialize` (the "legacy" era), oldest first.
    pub const LEGACY: [ProtocolVersion; 4] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
    ];

    /// The newest version `initialize` can negotiate: the answer to an `initialize` that asks for
    /// a version we do not know.
    pub const LATEST: ProtocolVersion = Self::V2025_11_25;

    /// The version's wire name, such as `"2025-06-18"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// The version with this wire name, if served.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|version| version.as_str() == name)
    }

    /// The version to answer an `initialize` that asked for `requested`.
    ///
    /// Lifecycle, "Version Negotiation": if the server supports the requested version it MUST
    /// respond with the same version; otherwise it MUST respond with another version it supports,
    /// which SHOULD be the latest.
    /// A modern version asked of `initialize` gets the latest legacy one: modern versions have
    /// no handshake.
    pub fn negotiate(requested: &str) -> Self {
        Self::parse(requested)
            .filter(|version| !version.is_modern())
            .unwrap_or(Self::LATEST)
    }

    /// Whether requests of this version carry their own version and capabilities in `_meta`
    /// (2026-07-28 and later) instead of relying on `initialize`.
    pub fn era(self) -> Era {
        match self.is_modern() {
            true => Era::Modern,
            false => Era::Legacy,
        }
    }

    /// Whether this version is of the stateless era (2026-07-28).
    pub fn is_modern(self) -> bool {
        self >= Self::V2026_07_28
    }

    /// The wire names of every version served, newest first, for `supportedVersions` and for
    /// `UnsupportedProtocolVersionError.data.supported`.
    pub fn supported_names() -> Vec<&'static str> {
        Self::ALL
            .iter()
            .rev()
            .map(|version| version.as_str())
            .collect()
    }

    /// `UnsupportedProtocolVersionError` (2026-07-28, versioning "Protocol Version
    /// Negotiation": a version the server does not implement MUST be answered with it, listing
    /// the versions it supports).
    pub fn unsupported_error(requested: &str) -> ErrorObject {
        ErrorObject::new(UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version").with_data(
            serde_json::json!({"supported": Self::supported_names(), "requested": requested}),
        )
    }

    /// Tool annotations (`readOnlyHint`, …) exist from 2025-03-26 on.
    pub fn has_tool_annotations(self) -> bool {
        self >= Self::V2025_03_26
    }

    /// Tool titles, `outputSchema` and `structuredContent` exist from 2025-06-18 on.
    pub fn has_structured_output(self) -> bool {
        self >= Self::V2025_06_18
    }

    /// JSON-RPC batches are part of 2025-03-26 only: added there, removed in 2025-06-18.
    /// 2024-11-05 inherits them from JSON-RPC 2.0.
    pub fn accepts_batches(self) -> bool {
        self <= Self::V2025_03_26
    }

    /// From 2025-11-25 on, input validation errors are tool execution errors (SEP-1303).
    pub fn reports_bad_arguments_as_tool_errors(self) -> bool {
        self >= Self::V2025_11_25
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_answers_the_requested_version_or_the_latest() {
        for version in ProtocolVersion::LEGACY {
            assert_eq!(ProtocolVersion::negotiate(version.as_str()), version);
        }
        assert_eq!(
            ProtocolVersion::negotiate("2023-01-01"),
            ProtocolVersion::LATEST
        );
        assert_eq!(
            ProtocolVersion::negotiate("2099-01-01"),
            ProtocolVersion::LATEST
        );
        assert_eq!(
            ProtocolVersion::negotiate("2026-07-28"),
            ProtocolVersion::LATEST
        );
    }

    #[test]
    fn era_features() {
        assert!(!ProtocolVersion::V2024_11_05.has_tool_annotations());
        assert!(ProtocolVersion::V2025_03_26.accepts_batches());
        assert!(!ProtocolVersion::V2025_06_18.accepts_batches());
        assert!(!ProtocolVersion::V2025_06_18.reports_bad_arguments_as_tool_errors());
        assert!(ProtocolVersion::V2025_11_25.reports_bad_arguments_as_tool_errors());
    }
}
