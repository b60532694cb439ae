//! Prompts as the macros emit them: data (name, title, description, arguments) and one
//! type-erased thunk; and what a prompt handler may return.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};

use crate::completion::TextParamSpec;
use crate::context::Ctx;
use crate::failure::{IntoToolFailure, ToolFailure};
use crate::protocol::messages::Content;
use crate::protocol::messages::Role;
use crate::text_args::TextArgs;
use crate::validate::Violations;

/// The future a `prompts/get` runs as.
pub type PromptFuture<'a> = Pin<Box<dyn Future<Output = PromptOutcome> + Send + 'a>>;

/// One prompt of a server whose state is `S`: what `#[prompt]` generates.
pub struct PromptDef<S> {
    pub(crate) meta: PromptMeta,
    pub(crate) params: Vec<TextParamSpec<S>>,
    pub(crate) get: for<'a> fn(&'a S, Ctx, TextArgs) -> PromptFuture<'a>,
}

impl<S> PromptDef<S> {
    /// Assembles a prompt definition. Called by generated code.
    #[doc(hidden)]
    pub fn new(
        meta: PromptMeta,
        params: Vec<TextParamSpec<S>>,
        get: for<'a> fn(&'a S, Ctx, TextArgs) -> PromptFuture<'a>,
    ) -> Self {
        PromptDef { meta, params, get }
    }

    /// The name clients get the prompt by.
    pub fn name(&self) -> &'static str {
        self.meta.name
    }
}

impl<S> std::fmt::Debug for PromptDef<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptDef")
            .field("name", &self.meta.name)
            .finish_non_exhaustive()
    }
}

/// What a client learns about a prompt besides its arguments.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct PromptMeta {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    /// `#[prompt(scopes = [...])]`.
    pub scopes: &'static [&'static str],
}

/// How a `prompts/get` ended, before the runtime writes it.
#[derive(Debug)]
pub enum PromptOutcome {
    /// The handler ran and produced this.
    Output(Result<PromptMessages, ToolFailure>),
    /// The arguments could not be narrowed into the handler's types.
    InvalidArguments(Violations),
}

/// One message of a prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptMessage {
    /// Who speaks it.
    pub role: Role,
    /// What is said: text, an image, audio, or an embedded resource.
    pub content: Content,
}

impl PromptMessage {
    /// A message from the user.
    pub fn user(content: Content) -> Self {
        PromptMessage {
            role: Role::User,
            content,
        }
    }

    /// A message from the assistant.
    pub fn assistant(content: Content) -> Self {
        PromptMessage {
            role: Role::Assistant,
            content,
        }
    }

    fn to_json(&self) -> Value {
        json!({"role": self.role.as_str(), "content": self.content})
    }
}

/// The result of `prompts/get`: the messages, and a description of this rendering.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PromptMessages {
    /// Overrides the prompt's description for this result.
    pub description: Option<String>,
    /// The messages, in order.
    pub messages: Vec<PromptMessage>,
}

impl PromptMessages {
    pub(crate) fn to_json(&self) -> Value {
        let messages: Vec<Value> = self.messages.iter().map(PromptMessage::to_json).collect();
        let mut result = json!({ "messages": messages });
        if let Some(description) = &self.description {
            result["description"] = json!(description);
        }
        result
    }
}

/// Turns a prompt handler's return value into messages.
///
/// Implemented for text (`String`, `&'static str`: one user message), [`PromptMessage`],
/// `Vec<PromptMessage>`, [`PromptMessages`], and `Result<T, E>` of those (errors are classed as
/// for tools).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[prompt]` function",
    label = "this return type is not prompt messages",
    note = "return text (`String`, one user message), `Vec<PromptMessage>`, `PromptMessages`, or a `Result<_, ToolError>` of one of these"
)]
pub trait IntoPromptMessages {
    /// The value as prompt messages, or the failure it stands for.
    fn into_prompt_messages(self) -> Result<PromptMessages, ToolFailure>;
}

impl IntoPromptMessages for PromptMessages {
    fn into_prompt_messages(self) -> Result<PromptMessages, ToolFailure> {
        Ok(self)
    }
}

impl IntoPromptMessages for Vec<PromptMessage> {
    fn into_prompt_messages(self) -> Result<PromptMessages, ToolFailure> {
        Ok(PromptMessages {
            description: None,
            messages: self,
        })
    }
}

impl IntoPromptMessages for PromptMessage {
    fn into_prompt_messages(self) -> Result<PromptMessages, ToolFailure> {
        vec![self].into_prompt_messages()
    }
}

impl IntoPromptMessages for String {
    fn into_prompt_messages(self) -> Result<PromptMessages, ToolFailure> {
        PromptMessage::user(Content::text(self)).into_prompt_messages()
    }
}

impl IntoPromptMessages for &'static str {
    fn into_prompt_messages(self) -> Result<PromptMessages, ToolFailure> {
        self.to_owned().into_prompt_messages()
    }
}

impl<T: IntoPromptMessages, E: IntoToolFailure> IntoPromptMessages for Result<T, E> {
    fn into_prompt_messages(self) -> Result<PromptMessages, ToolFailure> {
        self.map_err(IntoToolFailure::into_tool_failure)?
            .into_prompt_messages()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_one_user_message() {
        let messages = "hello".into_prompt_messages().unwrap();
        assert_eq!(
            messages.to_json(),
            json!({"messages": [{"role": "user", "content": {"type": "text", "text": "hello"}}]})
        );
    }
}
