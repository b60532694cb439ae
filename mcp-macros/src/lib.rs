//! The `#[tool]` and `#[mcp_server]` attributes of [mcp-runtime]. Depend on `mcp-runtime`, which
//! re-exports them; generated code names only `::mcp_runtime::__private`.
//!
//! The crate is split by phase: `parse` (attribute grammar) → `model` (the IR) → `check`
//! (semantic rules, all errors collected) → `expand` (code generation).
//!
//! [mcp-runtime]: https://docs.rs/mcp-runtime

mod check;
mod constraints;
mod diag;
mod expand;
mod model;
mod parse;

use proc_macro::TokenStream;

/// Turns a function into an MCP tool.
///
/// On a free function `add`, generates `add_tool()`, the tool definition to register with
/// `ServerBuilder::tool`. Inside an `#[mcp_server]` impl block, marks a method as a tool.
///
/// Keys: `name = "…"`, `title = "…"`, `description = "…"` (default: the doc comment), and the
/// annotations `read_only`, `destructive`, `idempotent`, `open_world` (each also `= false`).
/// Parameters take `#[arg(range(min = …, max = …), length(min = …, max = …), pattern = "…",
/// default = …, description = "…", name = "…", flatten)]`; one `&Ctx` parameter receives the context.
#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(attr.into(), item.into(), expand::tool::expand_free).into()
}

/// Marks a method of an `#[mcp_server]` impl block as a resource (`uri = "config://app"`) or a
/// resource template (`uri = "ticket://{id}"`, one parameter per `{variable}`, narrowed from the
/// string into its type).
///
/// Keys: `uri = "…"` (required), `name = "…"` (default: the method's name), `title = "…"`,
/// `description = "…"` (default: the doc comment), `mime_type = "…"`. Template parameters take
/// `#[arg(description = "…", complete = path)]`; one `&Ctx` parameter receives the context.
#[proc_macro_attribute]
pub fn resource(_attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::catalog::outside_server("resource", item.into()).into()
}

/// Marks a method of an `#[mcp_server]` impl block as a prompt; its parameters are the prompt's
/// arguments (optional when their type accepts an absent value, as `Option<T>` does).
///
/// Keys: `name = "…"` (default: the method's name), `title = "…"`, `description = "…"` (default:
/// the doc comment). Parameters take `#[arg(description = "…", name = "…", complete = path)]`.
#[proc_macro_attribute]
pub fn prompt(_attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::catalog::outside_server("prompt", item.into()).into()
}

/// Makes an impl block an MCP server: its `#[tool]` methods become the server's tools.
///
/// Keys: `name = …` and `version = …` (default: the crate's name and version), `title = …`,
/// `instructions = …`.
#[proc_macro_attribute]
pub fn mcp_server(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(attr.into(), item.into(), expand::server::expand).into()
}
