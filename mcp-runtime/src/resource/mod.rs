//! Resources as the macros emit them: data (URI or URI template, name, MIME type) and one
//! type-erased read thunk; and what a resource handler may return.

pub(crate) mod template;

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::completion::TextParamSpec;
use crate::context::Ctx;
use crate::failure::{IntoToolFailure, ToolFailure};
use crate::protocol::messages::Content;
use crate::text_args::TextArgs;
use crate::tool::Json;
use crate::validate::Violations;

/// The future a resource read runs as.
pub type ResourceFuture<'a> = Pin<Box<dyn Future<Output = ResourceOutcome> + Send + 'a>>;

/// One resource (a fixed URI) or resource template (`ticket://{id}`) of a server whose state is
/// `S`: what `#[resource]` generates.
pub struct ResourceDef<S> {
    pub(crate) meta: ResourceMeta,
    pub(crate) params: Vec<TextParamSpec<S>>,
    pub(crate) read: for<'a> fn(&'a S, Ctx, TextArgs) -> ResourceFuture<'a>,
}

impl<S> ResourceDef<S> {
    /// Assembles a resource definition. Called by generated code.
    #[doc(hidden)]
    pub fn new(
        meta: ResourceMeta,
        params: Vec<TextParamSpec<S>>,
        read: for<'a> fn(&'a S, Ctx, TextArgs) -> ResourceFuture<'a>,
    ) -> Self {
        ResourceDef { meta, params, read }
    }

    /// The URI, or the URI template.
    pub fn uri(&self) -> &'static str {
        self.meta.uri
    }
}

impl<S> std::fmt::Debug for ResourceDef<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceDef")
            .field("uri", &self.meta.uri)
            .finish_non_exhaustive()
    }
}

/// What a client learns about a resource.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct ResourceMeta {
    /// The URI; a template when it has `{…}` expressions.
    pub uri: &'static str,
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    pub mime_type: Option<&'static str>,
    /// `#[resource(scopes = [...])]`.
    pub scopes: &'static [&'static str],
}

/// How a read ended, before the runtime writes it.
#[derive(Debug)]
pub enum ResourceOutcome {
    /// The handler ran and produced this.
    Output(ResourceOutput),
    /// The template's variables could not be narrowed into the handler's types.
    InvalidArguments(Violations),
}

/// A handler's return value.
#[derive(Debug)]
pub enum ResourceOutput {
    /// One body for the requested URI, with an optional MIME type of its own.
    Body(ResourceBody, Option<Cow<'static, str>>),
    /// Contents written in full.
    Contents(Vec<ResourceContents>),
    /// There is no such resource (`None` from the handler).
    NotFound,
    /// The handler failed.
    Failure(ToolFailure),
}

/// The contents of one resource: text or bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceBody {
    /// `TextResourceContents`.
    Text(String),
    /// `BlobResourceContents` (Base64 on the wire).
    Blob(Vec<u8>),
}

/// One entry of `resources/read`'s `contents` (`TextResourceContents` or `BlobResourceContents`).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceContents {
    /// The URI the contents belong to.
    pub uri: String,
    /// Such as `text/plain`.
    pub mime_type: Option<String>,
    /// Text or bytes.
    pub body: ResourceBody,
}

impl ResourceContents {
    /// Text contents.
    pub fn text(uri: impl Into<String>, text: impl Into<String>) -> Self {
        ResourceContents {
            uri: uri.into(),
            mime_type: None,
            body: ResourceBody::Text(text.into()),
        }
    }

    /// Binary contents.
    pub fn blob(uri: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        ResourceContents {
            uri: uri.into(),
            mime_type: None,
            body: ResourceBody::Blob(bytes.into()),
        }
    }

    /// With a MIME type.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// The contents as the protocol spells them.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("uri".into(), json!(self.uri));
        if let Some(mime_type) = &self.mime_type {
            object.insert("mimeType".into(), json!(mime_type));
        }
        match &self.body {
            ResourceBody::Text(text) => object.insert("text".into(), json!(text)),
            ResourceBody::Blob(bytes) => object.insert("blob".into(), json!(BASE64.encode(bytes))),
        };
        Value::Object(object)
    }
}

impl Content {
    /// A resource embedded in a tool result or a prompt message.
    pub fn embedded(contents: ResourceContents) -> Self {
        Content::Resource {
            resource: contents.to_json(),
        }
    }

    /// An image block from raw bytes (Base64-encoded here).
    pub fn image(bytes: &[u8], mime_type: impl Into<String>) -> Self {
        Content::Image {
            data: BASE64.encode(bytes),
            mime_type: mime_type.into(),
        }
    }

    /// An audio block from raw bytes (Base64-encoded here; 2025-03-26 and later).
    pub fn audio(bytes: &[u8], mime_type: impl Into<String>) -> Self {
        Content::Audio {
            data: BASE64.encode(bytes),
            mime_type: mime_type.into(),
        }
    }
}

/// Announces resource changes to the clients subscribed to them
/// (`notifications/resources/updated`). Cheap to clone: create one, keep a clone in the server's
/// state for the handlers that change resources, and give one to
/// [`ServerBuilder::resource_updates`](crate::ServerBuilder::resource_updates).
#[derive(Clone, Debug)]
pub struct ResourceUpdates(broadcast::Sender<Arc<str>>);

/// Updates a slow listener may fall behind by before it misses some.
const UPDATES_BUFFER: usize = 256;

impl ResourceUpdates {
    /// A new channel, not yet attached to a server.
    pub fn new() -> Self {
        ResourceUpdates(broadcast::channel(UPDATES_BUFFER).0)
    }

    /// Tells every client subscribed to `uri` that the resource changed: legacy sessions that
    /// sent `resources/subscribe`, and 2026-07-28 `subscriptions/listen` streams that named it.
    pub fn notify(&self, uri: &str) {
        // No receiver means nobody listens: nothing to tell.
        let _ = self.0.send(Arc::from(uri));
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.0.subscribe()
    }
}

impl Default for ResourceUpdates {
    fn default() -> Self {
        Self::new()
    }
}

/// Bytes returned from a resource handler: sent as a Base64 `blob`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

/// Turns a resource handler's return value into contents.
///
/// Implemented for text (`String`, `&'static str`), [`Blob`], [`Json<T>`] (JSON text,
/// `application/json`), [`ResourceContents`] and `Vec` of them, `Option<T>` (`None`: there is no
/// such resource) and `Result<T, E>` of those (errors are classed as for tools).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[resource]` function",
    label = "this return type is not resource contents",
    note = "return text (`String`), `Blob` for bytes, `Json<T>`, `ResourceContents`, an `Option` of one of these (`None`: not found), or a `Result<_, ToolError>` of one of these"
)]
pub trait IntoResourceOutput {
    /// The value as resource output.
    fn into_resource_output(self) -> ResourceOutput;
}

impl IntoResourceOutput for String {
    fn into_resource_output(self) -> ResourceOutput {
        ResourceOutput::Body(ResourceBody::Text(self), None)
    }
}

impl IntoResourceOutput for &'static str {
    fn into_resource_output(self) -> ResourceOutput {
        ResourceOutput::Body(ResourceBody::Text(self.to_owned()), None)
    }
}

impl IntoResourceOutput for Blob {
    fn into_resource_output(self) -> ResourceOutput {
        ResourceOutput::Body(ResourceBody::Blob(self.0), None)
    }
}

impl<T: Serialize> IntoResourceOutput for Json<T> {
    fn into_resource_output(self) -> ResourceOutput {
        match serde_json::to_string(&self.0) {
            Ok(text) => ResourceOutput::Body(
                ResourceBody::Text(text),
                Some(Cow::Borrowed("application/json")),
            ),
            Err(error) => ResourceOutput::Failure(ToolFailure::internal(&error, None)),
        }
    }
}

impl IntoResourceOutput for ResourceContents {
    fn into_resource_output(self) -> ResourceOutput {
        ResourceOutput::Contents(vec![self])
    }
}

impl IntoResourceOutput for Vec<ResourceContents> {
    fn into_resource_output(self) -> ResourceOutput {
        ResourceOutput::Contents(self)
    }
}

impl<T: IntoResourceOutput> IntoResourceOutput for Option<T> {
    fn into_resource_output(self) -> ResourceOutput {
        match self {
            Some(value) => value.into_resource_output(),
            None => ResourceOutput::NotFound,
        }
    }
}

impl<T: IntoResourceOutput, E: IntoToolFailure> IntoResourceOutput for Result<T, E> {
    fn into_resource_output(self) -> ResourceOutput {
        match self {
            Ok(value) => value.into_resource_output(),
            Err(error) => ResourceOutput::Failure(error.into_tool_failure()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_are_written_as_the_protocol_spells_them() {
        let text = ResourceContents::text("a://b", "hi").mime_type("text/plain");
        assert_eq!(
            text.to_json(),
            json!({"uri": "a://b", "mimeType": "text/plain", "text": "hi"})
        );
        let blob = ResourceContents::blob("a://c", vec![0xff, 0, 1]);
        assert_eq!(blob.to_json(), json!({"uri": "a://c", "blob": "/wAB"}));
    }

    #[test]
    fn none_is_not_found_and_errors_are_classed_by_trait() {
        assert!(matches!(
            None::<String>.into_resource_output(),
            ResourceOutput::NotFound
        ));
        let failed: Result<String, std::io::Error> = Err(std::io::Error::other("x"));
        assert!(matches!(
            failed.into_resource_output(),
            ResourceOutput::Failure(ToolFailure::Internal { .. })
        ));
    }
}
