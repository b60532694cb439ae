//! Code generation. Generated code carries data (names, descriptions, schema fns, a call thunk)
//! and names only `::mcp_runtime::__private`; every protocol decision stays in the runtime.

pub(crate) mod catalog;
pub(crate) mod server;
pub(crate) mod tool;

#[cfg(test)]
mod tests;

use std::panic::AssertUnwindSafe;

use proc_macro2::TokenStream;
use quote::quote;

/// Runs an expander. A panic inside it becomes a "bug in mcp-macros" error next to the item as
/// written, so one bug never takes the user's code (or rust-analyzer) down with it.
/// `MCP_MACROS_DEBUG=1` prints every expansion to stderr.
pub(crate) fn entry(
    attr: TokenStream,
    item: TokenStream,
    expand: fn(TokenStream, TokenStream) -> TokenStream,
) -> TokenStream {
    let original = item.clone();
    let output = match std::panic::catch_unwind(AssertUnwindSafe(|| expand(attr, item))) {
        Ok(output) => output,
        Err(_) => {
            let mut output = quote! {
                ::core::compile_error!("bug in mcp-macros: the macro panicked on this item; please report it with the code that triggered it");
            };
            output.extend(original);
            output
        }
    };
    if std::env::var_os("MCP_MACROS_DEBUG").is_some() {
        eprintln!("{output}");
    }
    output
}

/// The path generated code goes through.
pub(crate) fn rt() -> TokenStream {
    quote!(::mcp_runtime::__private)
}
