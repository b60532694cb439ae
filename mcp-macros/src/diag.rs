//! Error accumulation: every problem of an item is reported at once, never only the first.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Collects errors during parsing and checking. Dropping it unchecked is a bug (it panics), so no
/// error can be silently lost.
pub(crate) struct Errors {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error spanned on `tokens`.
    pub(crate) fn spanned(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error.
    pub(crate) fn push(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("errors already checked")
            .push(error);
    }

    /// Records the error of a failed parse and gives its value, if any.
    pub(crate) fn ok<T>(&self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// Consumes the collector: all errors combined into one, or `Ok`.
    pub(crate) fn finish(self) -> syn::Result<()> {
        let errors = self
            .errors
            .borrow_mut()
            .take()
            .expect("errors already checked");
        let mut errors = errors.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                errors.for_each(|error| first.combine(error));
                Err(first)
            }
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("mcp-macros: errors were collected but never checked");
        }
    }
}

/// The output for a failed expansion: the errors, and the item as written (without our helper
/// attributes) plus `fallback` stand-ins, so the user sees these errors and not a cascade.
pub(crate) fn with_fallback(
    error: syn::Error,
    item: TokenStream,
    fallback: TokenStream,
) -> TokenStream {
    let mut out = error.to_compile_error();
    out.extend(item);
    out.extend(fallback);
    out
}
