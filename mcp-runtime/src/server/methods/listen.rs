//! `subscriptions/listen` (2026-07-28, basic/patterns/subscriptions): one stream of change
//! notifications per request, until the client cancels or the server shuts down.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::protocol::jsonrpc::Response;
use crate::protocol::meta::SUBSCRIPTION_ID_KEY;
use crate::server::changes::{list_changed, resource_updated};
use crate::server::exchange::{Exchange, Reply};

/// `subscriptions/listen`: acknowledges the filter it honours (tool-list changes, and
/// updates of resources the server has; its prompt and resource lists never change), then
/// sends each change until the client cancels (stdio `notifications/cancelled`, HTTP: closing
/// the stream) or the server shuts down, which ends the subscription with a result
/// (Subscriptions, "Graceful Closure").
pub(in crate::server) fn listen(exchange: Exchange<'_>) -> Reply {
    let filter = exchange.params().and_then(|p| p.get("notifications"));
    let wants_tools = filter
        .and_then(|filter| filter.get("toolsListChanged"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // Only URIs of resources this server has: an update can come for no other.
    let catalog = &exchange.shared().catalog;
    let watched: HashSet<String> = filter
        .and_then(|filter| filter.get("resourceSubscriptions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|uri| catalog.resource_for(uri).is_some())
        .map(str::to_owned)
        .collect();
    let mut honoured = json!({});
    if wants_tools {
        honoured["toolsListChanged"] = json!(true);
    }
    if !watched.is_empty() {
        let mut uris: Vec<&String> = watched.iter().collect();
        uris.sort();
        honoured["resourceSubscriptions"] = json!(uris);
    }
    let server = exchange.server();
    let mut updates = server.watch_resources();
    let id = exchange.id.clone();
    let cancellation = exchange.session.begin_request(&id);
    let mut changes = server.watch_tools();
    let shutdown = server.shared.shutdown.clone();
    let sink = exchange.sink.clone();
    let session = Arc::clone(exchange.session);
    Reply::Later(Box::pin(async move {
        // Subscriptions, "Acknowledgment": the acknowledgment MUST come first.
        let ack = json!({
            "jsonrpc": "2.0",
            "method": "notifications/subscriptions/acknowledged",
            "params": {"_meta": {SUBSCRIPTION_ID_KEY: id}, "notifications": honoured},
        });
        sink.send(ack.to_string());
        let ended_by_server = loop {
            tokio::select! {
                // Cancellation first: a change that comes after it must not go out, even
                // when both are ready at the same poll.
                biased;
                () = cancellation.cancelled() => break false,
                () = shutdown.cancelled() => break true,
                changed = changes.changed(), if wants_tools => match changed {
                    Ok(()) => {
                        sink.send(list_changed(Some(&id)));
                    }
                    Err(_) => break true,
                },
                updated = updates.recv(), if !watched.is_empty() => match updated {
                    Ok(uri) if watched.contains(&*uri) => {
                        sink.send(resource_updated(&uri, Some(&id)));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break true,
                },
            }
        };
        session.end_request(&id);
        ended_by_server
            .then(|| Response::result(id.clone(), json!({"_meta": {SUBSCRIPTION_ID_KEY: id}})))
    }))
}
