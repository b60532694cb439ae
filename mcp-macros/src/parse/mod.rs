//! Attribute grammar: `#[tool(...)]`, `#[arg(...)]`, `#[mcp_server(...)]`.
//!
//! Every key is a `custom_keyword`, parsed through `lookahead1`, so a misspelt key is answered
//! with "expected one of …" listing the keys that would be accepted there.

mod arg;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, LitBool, LitStr, Token};

pub(crate) use arg::{ArgAttr, Number};

pub(crate) mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(title);
    syn::custom_keyword!(description);
    syn::custom_keyword!(read_only);
    syn::custom_keyword!(destructive);
    syn::custom_keyword!(idempotent);
    syn::custom_keyword!(open_world);
    syn::custom_keyword!(timeout);
    syn::custom_keyword!(sensitive);
    syn::custom_keyword!(version);
    syn::custom_keyword!(instructions);
    syn::custom_keyword!(range);
    syn::custom_keyword!(length);
    syn::custom_keyword!(pattern);
    syn::custom_keyword!(default);
    syn::custom_keyword!(flatten);
    syn::custom_keyword!(min);
    syn::custom_keyword!(max);
}

/// The name of the attribute on tool functions.
pub(crate) const TOOL: &str = "tool";
/// The name of the attribute on tool parameters.
pub(crate) const ARG: &str = "arg";

/// A hint flag: `read_only` or `read_only = false`.
#[derive(Clone, Copy)]
pub(crate) struct Flag {
    pub(crate) value: bool,
    pub(crate) span: Span,
}

/// `#[tool(...)]`.
#[derive(Default)]
pub(crate) struct ToolAttr {
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) annotations: Annotations,
    pub(crate) timeout: Option<Timeout>,
}

/// `timeout = "30s"`: a time limit for each call.
#[derive(Clone, Copy)]
pub(crate) struct Timeout {
    pub(crate) millis: u64,
}

impl Timeout {
    /// Reads `500ms`, `30s`, `2m` or `1h`.
    fn parse(literal: &LitStr) -> syn::Result<Timeout> {
        let text = literal.value();
        let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &text[digits.len()..];
        let multiplier = match unit {
            "ms" => Some(1),
            "s" => Some(1_000),
            "m" => Some(60_000),
            "h" => Some(3_600_000),
            _ => None,
        };
        match (digits.parse::<u64>(), multiplier) {
            (Ok(count), Some(multiplier)) if count > 0 => Ok(Timeout {
                millis: count * multiplier,
            }),
            _ => Err(syn::Error::new(
                literal.span(),
                "`timeout` takes a positive duration such as \"500ms\", \"30s\", \"2m\" or \"1h\"",
            )),
        }
    }
}

/// The behaviour hints of `#[tool(...)]`.
#[derive(Default)]
pub(crate) struct Annotations {
    pub(crate) read_only: Option<Flag>,
    pub(crate) destructive: Option<Flag>,
    pub(crate) idempotent: Option<Flag>,
    pub(crate) open_world: Option<Flag>,
}

impl Parse for ToolAttr {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attr = ToolAttr::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            let span = input.span();
            if lookahead.peek(kw::name) {
                set(
                    &mut attr.name,
                    string_value::<kw::name>(input)?,
                    span,
                    "name",
                )?;
            } else if lookahead.peek(kw::title) {
                set(
                    &mut attr.title,
                    string_value::<kw::title>(input)?,
                    span,
                    "title",
                )?;
            } else if lookahead.peek(kw::description) {
                set(
                    &mut attr.description,
                    string_value::<kw::description>(input)?,
                    span,
                    "description",
                )?;
            } else if lookahead.peek(kw::read_only) {
                set(
                    &mut attr.annotations.read_only,
                    flag::<kw::read_only>(input)?,
                    span,
                    "read_only",
                )?;
            } else if lookahead.peek(kw::destructive) {
                set(
                    &mut attr.annotations.destructive,
                    flag::<kw::destructive>(input)?,
                    span,
                    "destructive",
                )?;
            } else if lookahead.peek(kw::idempotent) {
                set(
                    &mut attr.annotations.idempotent,
                    flag::<kw::idempotent>(input)?,
                    span,
                    "idempotent",
                )?;
            } else if lookahead.peek(kw::open_world) {
                set(
                    &mut attr.annotations.open_world,
                    flag::<kw::open_world>(input)?,
                    span,
                    "open_world",
                )?;
            } else if lookahead.peek(kw::timeout) {
                let literal = string_value::<kw::timeout>(input)?;
                set(
                    &mut attr.timeout,
                    Timeout::parse(&literal)?,
                    span,
                    "timeout",
                )?;
            } else {
                return Err(lookahead.error());
            }
            separator(input)?;
        }
        Ok(attr)
    }
}

/// `#[mcp_server(...)]`.
#[derive(Default)]
pub(crate) struct ServerAttr {
    pub(crate) name: Option<Expr>,
    pub(crate) version: Option<Expr>,
    pub(crate) title: Option<Expr>,
    pub(crate) instructions: Option<Expr>,
}

impl Parse for ServerAttr {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attr = ServerAttr::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            let span = input.span();
            if lookahead.peek(kw::name) {
                set(&mut attr.name, expr_value::<kw::name>(input)?, span, "name")?;
            } else if lookahead.peek(kw::version) {
                set(
                    &mut attr.version,
                    expr_value::<kw::version>(input)?,
                    span,
                    "version",
                )?;
            } else if lookahead.peek(kw::title) {
                set(
                    &mut attr.title,
                    expr_value::<kw::title>(input)?,
                    span,
                    "title",
                )?;
            } else if lookahead.peek(kw::instructions) {
                set(
                    &mut attr.instructions,
                    expr_value::<kw::instructions>(input)?,
                    span,
                    "instructions",
                )?;
            } else {
                return Err(lookahead.error());
            }
            separator(input)?;
        }
        Ok(attr)
    }
}

fn set<T>(slot: &mut Option<T>, value: T, span: Span, key: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("duplicate `{key}`; give each key once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn separator(input: ParseStream<'_>) -> syn::Result<()> {
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

fn string_value<K: Parse>(input: ParseStream<'_>) -> syn::Result<LitStr> {
    input.parse::<K>()?;
    input.parse::<Token![=]>()?;
    input.parse()
}

fn expr_value<K: Parse>(input: ParseStream<'_>) -> syn::Result<Expr> {
    input.parse::<K>()?;
    input.parse::<Token![=]>()?;
    input.parse()
}

fn flag<K: Parse>(input: ParseStream<'_>) -> syn::Result<Flag> {
    let span = input.span();
    input.parse::<K>()?;
    let value = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        input.parse::<LitBool>()?.value
    } else {
        true
    };
    Ok(Flag { value, span })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_keys() {
        let attr: ToolAttr = syn::parse_quote!(name = "search", read_only, destructive = false);
        assert_eq!(attr.name.unwrap().value(), "search");
        assert!(attr.annotations.read_only.unwrap().value);
        assert!(!attr.annotations.destructive.unwrap().value);
    }

    #[test]
    fn unknown_keys_list_the_accepted_ones() {
        let error = syn::parse_str::<ToolAttr>("nme = \"x\"")
            .err()
            .unwrap()
            .to_string();
        assert!(error.starts_with("expected one of"), "{error}");
        assert!(error.contains("`read_only`"), "{error}");
    }

    #[test]
    fn timeouts() {
        let attr: ToolAttr = syn::parse_quote!(timeout = "250ms");
        assert_eq!(attr.timeout.unwrap().millis, 250);
        let attr: ToolAttr = syn::parse_quote!(timeout = "2m");
        assert_eq!(attr.timeout.unwrap().millis, 120_000);
        for bad in ["\"\"", "\"10\"", "\"0s\"", "\"5 days\"", "\"-1s\""] {
            let error = syn::parse_str::<ToolAttr>(&format!("timeout = {bad}"))
                .err()
                .unwrap()
                .to_string();
            assert!(
                error.starts_with("`timeout` takes a positive duration"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let error = syn::parse_str::<ToolAttr>("title = \"a\", title = \"b\"")
            .err()
            .unwrap()
            .to_string();
        assert_eq!(error, "duplicate `title`; give each key once");
    }

    #[test]
    fn server_keys() {
        let attr: ServerAttr =
            syn::parse_quote!(name = "ticketing", version = env!("CARGO_PKG_VERSION"));
        assert!(attr.name.is_some() && attr.version.is_some() && attr.title.is_none());
    }
}
