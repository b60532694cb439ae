//! String parameters of prompts and resource templates, and their completion hooks
//! (`completion/complete`).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};

use crate::failure::{IntoToolFailure, ToolFailure};

/// The future a completion hook runs as.
pub type CompletionFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Completions, ToolFailure>> + Send + 'a>>;

/// A completion hook of a server whose state is `S`.
pub type CompleteHook<S> = for<'a> fn(&'a S, CompletionRequest) -> CompletionFuture<'a>;

/// One string parameter of a prompt (an argument) or of a resource template (a variable).
#[doc(hidden)]
pub struct TextParamSpec<S> {
    pub name: &'static str,
    pub description: Option<&'static str>,
    /// Whether the parameter's type can be built from an absent value (as `Option<T>` can).
    pub optional: fn() -> bool,
    /// `#[arg(complete = path)]`.
    pub complete: Option<CompleteHook<S>>,
}

/// What the client is completing: the argument, its partial value, and the values of the
/// arguments it has already resolved (2025-06-18 and later).
#[derive(Clone, Debug, Default)]
pub struct CompletionRequest {
    pub(crate) argument: String,
    pub(crate) value: String,
    pub(crate) context: HashMap<String, String>,
}

impl CompletionRequest {
    /// The argument (or template variable) being completed.
    pub fn argument(&self) -> &str {
        &self.argument
    }

    /// What the user has typed so far.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value of another argument the client has already resolved.
    pub fn context(&self, argument: &str) -> Option<&str> {
        self.context.get(argument).map(String::as_str)
    }
}

/// Suggestions for one argument. At most 100 are sent (the spec's limit); the rest are counted
/// in `total` and announced by `hasMore`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completions {
    /// The suggestions, best first.
    pub values: Vec<String>,
    /// How many there are in all, if known.
    pub total: Option<u64>,
    /// Whether there are more than `values` holds.
    pub has_more: bool,
}

/// The most values one `completion/complete` result may carry (utilities/completion).
const MAX_VALUES: usize = 100;

impl Completions {
    /// The result object of `completion/complete`.
    pub(crate) fn into_json(mut self) -> Value {
        if self.values.len() > MAX_VALUES {
            let all = self.values.len() as u64;
            self.values.truncate(MAX_VALUES);
            self.total = Some(self.total.unwrap_or(all).max(all));
            self.has_more = true;
        }
        let mut completion = json!({"values": self.values, "hasMore": self.has_more});
        if let Some(total) = self.total {
            completion["total"] = json!(total);
        }
        json!({ "completion": completion })
    }
}

/// Turns a completion hook's return value into [`Completions`]: `Vec<String>`,
/// `Vec<&'static str>`, `Completions`, or a `Result` of one of these (errors are classed as for
/// tools, and answered as JSON-RPC errors).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a completion hook",
    note = "return `Vec<String>`, `Vec<&'static str>`, `Completions`, or a `Result<_, ToolError>` of one of these"
)]
pub trait IntoCompletions {
    /// The value as completions, or the failure it stands for.
    fn into_completions(self) -> Result<Completions, ToolFailure>;
}

impl IntoCompletions for Completions {
    fn into_completions(self) -> Result<Completions, ToolFailure> {
        Ok(self)
    }
}

impl IntoCompletions for Vec<String> {
    fn into_completions(self) -> Result<Completions, ToolFailure> {
        Ok(Completions {
            values: self,
            ..Completions::default()
        })
    }
}

impl IntoCompletions for Vec<&'static str> {
    fn into_completions(self) -> Result<Completions, ToolFailure> {
        self.into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_completions()
    }
}

impl<T: IntoCompletions, E: IntoToolFailure> IntoCompletions for Result<T, E> {
    fn into_completions(self) -> Result<Completions, ToolFailure> {
        self.map_err(IntoToolFailure::into_tool_failure)?
            .into_completions()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_at_one_hundred() {
        let values: Vec<String> = (0..150).map(|n| n.to_string()).collect();
        let result = values.into_completions().unwrap().into_json();
        assert_eq!(
            result["completion"]["values"].as_array().unwrap().len(),
            100
        );
        assert_eq!(result["completion"]["total"], 150);
        assert_eq!(result["completion"]["hasMore"], true);
        let short = vec!["a"].into_completions().unwrap().into_json();
        assert_eq!(
            short,
            json!({"completion": {"values": ["a"], "hasMore": false}})
        );
    }
}
