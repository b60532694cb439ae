//! Change notifications: `notifications/tools/list_changed` and `notifications/resources/updated`
//! to legacy sessions, and the modern `subscriptions/listen` stream (2026-07-28,
//! basic/patterns/subscriptions).

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, Weak};

use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use super::session::{Answer, Session};
use crate::context::NotificationSink;
use crate::protocol::jsonrpc::{RequestId, Response};
use crate::protocol::meta::SUBSCRIPTION_ID_KEY;

/// Waits for what a legacy session's standalone stream (stdio stdout, or the HTTP GET stream)
/// carries: changes of the server's tool set, and updates of the resources the session
/// subscribed to.
pub struct ChangeNotifications {
    tools: watch::Receiver<u64>,
    resources: broadcast::Receiver<Arc<str>>,
    session: Weak<Session>,
}

impl ChangeNotifications {
    /// Completes at the next change with the notification to send; `None` once the server or
    /// the session is gone.
    pub async fn next(&mut self) -> Option<String> {
        loop {
            tokio::select! {
                changed = self.tools.changed() => {
                    changed.ok()?;
                    return Some(list_changed(None));
                }
                updated = self.resources.recv() => match updated {
                    Ok(uri) => {
                        let session = self.session.upgrade()?;
                        let subscribed = session
                            .subscriptions
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .contains(&*uri);
                        if subscribed {
                            return Some(resource_updated(&uri, None));
                        }
                    }
                    // Updates were missed while the stream was full: nothing to resend, since
                    // an update says only "read it again".
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }
}

fn resource_updated(uri: &str, subscription: Option<&RequestId>) -> String {
    let mut params = json!({ "uri": uri });
    if let Some(id) = subscription {
        params["_meta"] = json!({SUBSCRIPTION_ID_KEY: id});
    }
    json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": params})
        .to_string()
}

fn list_changed(subscription: Option<&RequestId>) -> String {
    let mut message = json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"});
    if let Some(id) = subscription {
        message["params"] = json!({"_meta": {SUBSCRIPTION_ID_KEY: id}});
    }
    message.to_string()
}

impl Session {
    /// Tool-set changes and updates of subscribed resources, for a legacy session that has been
    /// initialized.
    pub fn change_notifications(self: &Arc<Self>) -> ChangeNotifications {
        ChangeNotifications {
            tools: self.server.watch_tools(),
            resources: self.server.watch_resources(),
            session: Arc::downgrade(self),
        }
    }

    /// `subscriptions/listen`: acknowledges the filter it honours (tool-list changes, and
    /// updates of resources the server has; its prompt and resource lists never change), then
    /// sends each change until the client cancels (stdio `notifications/cancelled`, HTTP: closing
    /// the stream) or the server shuts down, which ends the subscription with a result
    /// (Subscriptions, "Graceful Closure").
    pub(super) fn listen(
        self: &Arc<Self>,
        id: RequestId,
        params: Option<&Value>,
        sink: &NotificationSink,
    ) -> Answer {
        let filter = params.and_then(|p| p.get("notifications"));
        let wants_tools = filter
            .and_then(|filter| filter.get("toolsListChanged"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        // Only URIs of resources this server has: an update can come for no other.
        let catalog = &self.server.shared.catalog;
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
        let mut updates = self.server.watch_resources();
        let cancellation = self.begin_request(&id);
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
}
