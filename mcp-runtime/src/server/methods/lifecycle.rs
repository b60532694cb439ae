//! The session's own methods: `initialize`, `ping` and `logging/setLevel` (legacy versions), and
//! `server/discover` (2026-07-28).

use serde_json::{Value, json};

use crate::logging::Clipped;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_REQUEST};
use crate::protocol::meta::LogLevel;
use crate::server::exchange::{Exchange, Reply};

/// `initialize`: negotiates the version, remembers what the client declared, and names the
/// server. A session is initialized once.
pub(in crate::server) fn initialize(exchange: Exchange<'_>) -> Reply {
    if exchange.session.protocol_version().is_some() {
        return exchange.error(ErrorObject::new(
            INVALID_REQUEST,
            "Invalid Request: the session is already initialized",
        ));
    }
    let started = std::time::Instant::now();
    let Some(requested) = exchange.param_str("protocolVersion") else {
        return exchange.invalid_params("`protocolVersion` must be a string");
    };
    let version = ProtocolVersion::negotiate(requested);
    let client = exchange.params().and_then(|p| p.get("clientInfo"));
    let client_field = |key: &str| {
        client
            .and_then(|info| info.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    // The client chose these: clipped here, redacted by the layer.
    tracing::info!(
        client_name = %Clipped(client_field("name")),
        client_version = %Clipped(client_field("version")),
        protocol_version = version.as_str(),
        duration_ms = started.elapsed().as_millis() as u64,
        "initialize"
    );
    exchange.session.initialized(version, exchange.params());
    let server = exchange.server();
    let mut result = json!({
        "protocolVersion": version.as_str(),
        "capabilities": server.capabilities(),
        "serverInfo": server.shared.info.to_json(version),
    });
    if let Some(instructions) = &server.shared.instructions {
        result["instructions"] = json!(instructions);
    }
    exchange.result(result)
}

/// `ping` (Lifecycle: allowed before initialization completes).
pub(in crate::server) fn ping(exchange: Exchange<'_>) -> Reply {
    exchange.result(json!({}))
}

/// `logging/setLevel`: the least severe level of `notifications/message` the client wants.
pub(in crate::server) fn set_log_level(exchange: Exchange<'_>) -> Reply {
    let Some(level) = exchange.param_str("level").and_then(LogLevel::parse) else {
        return exchange.invalid_params(
            "`level` must be one of debug, info, notice, warning, error, critical, alert, emergency",
        );
    };
    exchange.session.set_log_level(level);
    exchange.result(json!({}))
}

/// `server/discover`: versions, capabilities, instructions (identity and `resultType` are
/// added to every 2026-07-28 result by the routing table).
pub(in crate::server) fn discover(exchange: Exchange<'_>) -> Reply {
    let server = exchange.server();
    let mut result = json!({
        "supportedVersions": ProtocolVersion::supported_names(),
        "capabilities": server.capabilities(),
    });
    if let Some(instructions) = &server.shared.instructions {
        result["instructions"] = json!(instructions);
    }
    exchange.result(result)
}
