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

/// What kind of item `item` is ("a struct"), and the keyword that says so, for errors about an
/// attribute on the wrong kind of item. `None` where the item has no such keyword.
pub(crate) fn item_kind(item: &syn::Item) -> Option<(proc_macro2::Span, &'static str)> {
    use syn::Item;
    use syn::spanned::Spanned;
    Some(match item {
        Item::Const(item) => (item.const_token.span, "a const"),
        Item::Enum(item) => (item.enum_token.span, "an enum"),
        Item::ExternCrate(item) => (item.extern_token.span, "an `extern crate`"),
        Item::Fn(item) => (item.sig.fn_token.span, "a function"),
        Item::ForeignMod(item) => (item.abi.span(), "an `extern` block"),
        Item::Impl(item) => (item.impl_token.span, "an impl block"),
        Item::Macro(item) => (item.mac.path.span(), "a macro invocation"),
        Item::Mod(item) => (item.mod_token.span, "a module"),
        Item::Static(item) => (item.static_token.span, "a static"),
        Item::Struct(item) => (item.struct_token.span, "a struct"),
        Item::Trait(item) => (item.trait_token.span, "a trait"),
        Item::TraitAlias(item) => (item.trait_token.span, "a trait alias"),
        Item::Type(item) => (item.type_token.span, "a type alias"),
        Item::Union(item) => (item.union_token.span, "a union"),
        Item::Use(item) => (item.use_token.span, "a `use`"),
        _ => return None,
    })
}
