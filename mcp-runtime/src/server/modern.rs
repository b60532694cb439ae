//! The modern era (2026-07-28): requests that carry their version and capabilities in `_meta`,
//! served without `initialize`; `server/discover`; `resultType` and `serverInfo` on every result.

use std::sync::Arc;

use serde_json::{Value, json};

use super::catalog::CACHEABLE_LISTS;
use super::session::{Answer, Session, method_not_found};
use crate::context::NotificationSink;
use crate::protocol::ProtocolVersion;
use crate::protocol::jsonrpc::{ErrorObject, INVALID_PARAMS, RequestId, Response};
use crate::protocol::meta::{RequestMeta, SERVER_INFO_KEY};

impl Session {
    pub(super) fn route_modern(
        self: &Arc<Self>,
        id: RequestId,
        method: &str,
        params: Option<Value>,
        meta: RequestMeta,
        version: ProtocolVersion,
        sink: &NotificationSink,
    ) -> Answer {
        // 2026-07-28 schema, `RequestMetaObject`: `clientCapabilities` is required on every
        // request; servers MUST NOT infer capabilities from prior requests.
        if !meta.has_client_capabilities {
            return Answer::Ready(Response::error(
                Some(id),
                ErrorObject::new(
                    INVALID_PARAMS,
                    "Invalid params: `_meta` must carry `io.modelcontextprotocol/clientCapabilities` (an object)",
                ),
            ));
        }
        let answer = match method {
            "server/discover" => Answer::Ready(self.discover(id)),
            "tools/list" => cacheable(
                Answer::Ready(self.list_tools(id, params.as_ref(), version)),
                self.list_ttl_ms(),
            ),
            "tools/call" => self.call_tool(id, params, version, meta, sink),
            "subscriptions/listen" => self.listen(id, params.as_ref(), sink),
            method => match self.route_catalog(id, method, params.as_ref(), version, meta, sink) {
                // Resource contents may change at any moment (the server announces updates to
                // subscribers): a read is a fresh answer, not one to cache.
                Ok(answer) if method == "resources/read" => cacheable(answer, 0),
                Ok(answer) if CACHEABLE_LISTS.contains(&method) => {
                    cacheable(answer, self.list_ttl_ms())
                }
                Ok(answer) => answer,
                Err(id) => Answer::Ready(method_not_found(id)),
            },
        };
        let info = self.server.shared.info.to_json(version);
        match answer {
            Answer::Ready(response) => Answer::Ready(complete(response, &info)),
            Answer::Pending(future) => Answer::Pending(Box::pin(async move {
                future.await.map(|response| complete(response, &info))
            })),
            Answer::None => Answer::None,
        }
    }

    /// `server/discover`: versions, capabilities, identity (added by `complete`), instructions.
    fn discover(&self, id: RequestId) -> Response {
        let mut result = json!({
            "supportedVersions": ProtocolVersion::supported_names(),
            "capabilities": self.server.capabilities(),
        });
        if let Some(instructions) = &self.server.shared.instructions {
            result["instructions"] = json!(instructions);
        }
        mark_cacheable(&mut result, self.list_ttl_ms());
        Response::result(id, result)
    }

    fn list_ttl_ms(&self) -> u64 {
        u64::try_from(self.server.shared.list_ttl.as_millis()).unwrap_or(u64::MAX)
    }
}

/// `CacheableResult`: `ttlMs` and `cacheScope` are required on list results, reads and
/// discovery. Nothing here depends on who asks, so intermediaries may share it.
fn mark_cacheable(result: &mut Value, ttl_ms: u64) {
    result["ttlMs"] = json!(ttl_ms);
    result["cacheScope"] = json!("public");
}

/// `mark_cacheable` on a successful answer, now or when it is ready.
fn cacheable(answer: Answer, ttl_ms: u64) -> Answer {
    let mark = move |mut response: Response| {
        if let Ok(result) = &mut response.outcome {
            mark_cacheable(result, ttl_ms);
        }
        response
    };
    match answer {
        Answer::Ready(response) => Answer::Ready(mark(response)),
        Answer::Pending(future) => Answer::Pending(Box::pin(async move { future.await.map(mark) })),
        Answer::None => Answer::None,
    }
}

/// basic/index, "ResultType": every result MUST carry `resultType`; servers SHOULD name
/// themselves in each result's `_meta`.
fn complete(mut response: Response, info: &Value) -> Response {
    if let Ok(Value::Object(result)) = &mut response.outcome {
        result
            .entry("resultType")
            .or_insert_with(|| json!("complete"));
        let meta = result.entry("_meta").or_insert_with(|| json!({}));
        if let Value::Object(meta) = meta {
            meta.entry(SERVER_INFO_KEY).or_insert_with(|| info.clone());
        }
    }
    response
}
