//! Change notifications: `notifications/tools/list_changed` to legacy sessions, and the modern
//! `subscriptions/listen` stream (2026-07-28, basic/patterns/subscriptions).

use std::sync::{Arc, PoisonError};

use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::session::{Answer, Session};
use crate::context::NotificationSink;
use crate::protocol::jsonrpc::{RequestId, Response};
use crate::protocol::meta::SUBSCRIPTION_ID_KEY;

/// Waits for changes of a server's tool set, for a legacy session's standalone stream (stdio
/// stdout, or the HTTP GET stream).
pub struct ToolListChanges {
    receiver: watch::Receiver<u64>,
}

impl ToolListChanges {
    /// Completes at the next change with the notification to send; `None` once the server is
    /// gone.
    pub async fn next(&mut self) -> Option<String> {
        self.receiver.changed().await.ok()?;
        Some(list_changed(None))
    }
}

fn list_changed(subscription: Option<&RequestId>) -> String {
    let mut message = json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"});
    if let Some(id) = subscription {
        message["params"] = json!({"_meta": {SUBSCRIPTION_ID_KEY: id}});
    }
    message.to_string()
}

impl Session {
    /// Tool-set changes, for a legacy session that has been initialized.
    pub fn tool_list_changes(&self) -> ToolListChanges {
        ToolListChanges {
            receiver: self.server.watch_tools(),
        }
    }

    /// `subscriptions/listen`: acknowledges the filter it honours (tool-list changes only: this
    /// server has no prompts or resources yet), then sends each change until the client cancels
    /// (stdio `notifications/cancelled`, HTTP: closing the stream) or the server shuts down,
    /// which ends the subscription with a result (Subscriptions, "Graceful Closure").
    pub(super) fn listen(
        self: &Arc<Self>,
        id: RequestId,
        params: Option<&Value>,
        sink: &NotificationSink,
    ) -> Answer {
        let wants_tools = params
            .and_then(|p| p.get("notifications"))
            .and_then(|filter| filter.get("toolsListChanged"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let honoured = if wants_tools {
            json!({"toolsListChanged": true})
        } else {
            json!({})
        };
        let cancellation = CancellationToken::new();
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), cancellation.clone());
        let mut changes = self.server.watch_tools();
        let shutdown = self.server.shared.shutdown.clone();
        let sink = sink.clone();
        let session = Arc::clone(self);
        Answer::Pending(Box::pin(async move {
            // Subscriptions, "Acknowledgment": the acknowledgment MUST come first.
            let ack = json!({
                "jsonrpc": "2.0",
                "method": "notifications/subscriptions/acknowledged",
                "params": {"_meta": {SUBSCRIPTION_ID_KEY: id}, "notifications": honoured},
            });
            sink.send(ack.to_string());
            let ended_by_server = loop {
                tokio::select! {
                    () = cancellation.cancelled() => break false,
                    () = shutdown.cancelled() => break true,
                    changed = changes.changed(), if wants_tools => match changed {
                        Ok(()) => {
                            sink.send(list_changed(Some(&id)));
                        }
                        Err(_) => break true,
                    },
                }
            };
            session
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            ended_by_server
                .then(|| Response::result(id.clone(), json!({"_meta": {SUBSCRIPTION_ID_KEY: id}})))
        }))
    }
}
