//! Change notifications: `notifications/tools/list_changed` and `notifications/resources/updated`,
//! for a legacy session's standalone stream and for `subscriptions/listen` (2026-07-28,
//! basic/patterns/subscriptions).

use std::sync::{Arc, PoisonError, Weak};

use serde_json::json;
use tokio::sync::{broadcast, watch};

use super::session::Session;
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::meta::SUBSCRIPTION_ID_KEY;

/// Waits for what a legacy session's standalone stream (stdio stdout, or the HTTP GET stream)
/// carries: changes of the server's tool set, and updates of the resources the session
/// subscribed to.
pub(crate) struct ChangeNotifications {
    tools: watch::Receiver<u64>,
    resources: broadcast::Receiver<Arc<str>>,
    session: Weak<Session>,
}

impl ChangeNotifications {
    /// Tool-set changes and updates of the resources `session` subscribed to.
    pub(crate) fn of(session: &Arc<Session>) -> Self {
        ChangeNotifications {
            tools: session.server.watch_tools(),
            resources: session.server.watch_resources(),
            session: Arc::downgrade(session),
        }
    }

    /// Completes at the next change with the notification to send; `None` once the server or
    /// the session is gone.
    pub(crate) async fn next(&mut self) -> Option<String> {
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

pub(super) fn resource_updated(uri: &str, subscription: Option<&RequestId>) -> String {
    let mut params = json!({ "uri": uri });
    if let Some(id) = subscription {
        params["_meta"] = json!({SUBSCRIPTION_ID_KEY: id});
    }
    json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": params})
        .to_string()
}

pub(super) fn list_changed(subscription: Option<&RequestId>) -> String {
    let mut message = json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"});
    if let Some(id) = subscription {
        message["params"] = json!({"_meta": {SUBSCRIPTION_ID_KEY: id}});
    }
    message.to_string()
}
