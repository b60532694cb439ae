//! Attribute grammar: `#[tool(...)]`, `#[arg(...)]`, `#[mcp_server(...)]`.
//!
//! Every key is a `custom_keyword`, parsed through `lookahead1`, so a misspelt key is answered
//! with "expected one of …" listing the keys that would be accepted there, and the nearest of
//! them suggested (`suggest.rs`).

mod arg;
mod suggest;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, LitBool, LitStr, Token};

pub(crate) use arg::{ArgAttr, Number, Range};
use suggest::unknown_key;

/// The keys, each a `custom_keyword` that also knows its own name (for error messages).
pub(crate) mod kw {
    macro_rules! keys {
        ($($key:ident),* $(,)?) => {$(
            syn::custom_keyword!($key);
            impl super::Key for $key {
                const NAME: &'static str = stringify!($key);
            }
        )*};
    }
    keys!(
        name,
        title,
        description,
        read_only,
        destructive,
        idempotent,
        open_world,
        timeout,
        sensitive,
        version,
        instructions,
        range,
        length,
        pattern,
        default,
        flatten,
        min,
        max,
        uri,
        mime_type,
        complete,
        scopes,
        rate_limit,
        cost,
        budget,
    );
}

/// A key of an attribute.
pub(crate) trait Key: Parse {
    /// The key as written.
    const NAME: &'static str;
}

/// The name of the attribute on tool functions.
pub(crate) const TOOL: &str = "tool";
/// The name of the attribute on tool parameters.
pub(crate) const ARG: &str = "arg";
/// The name of the attribute on resource methods.
pub(crate) const RESOURCE: &str = "resource";
/// The name of the attribute on prompt methods.
pub(crate) const PROMPT: &str = "prompt";

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
    pub(crate) scopes: Option<Vec<LitStr>>,
    pub(crate) rate_limit: Option<RateLit>,
    pub(crate) cost: Option<u32>,
    pub(crate) budget: Option<RateLit>,
}

/// `rate_limit = "20/min"` or `budget = "500/day"`: a count per period (`s`, `min`, `h`,
/// `day`, or a number of them: `10/30s`).
#[derive(Clone, Copy)]
pub(crate) struct RateLit {
    pub(crate) count: u32,
    pub(crate) period_ms: u64,
}

impl RateLit {
    fn parse(literal: &LitStr, key: &str) -> syn::Result<RateLit> {
        let text = literal.value();
        let error = || {
            syn::Error::new(
                literal.span(),
                format!("`{key}` takes a rate such as \"20/min\", \"500/day\" or \"10/30s\""),
            )
        };
        let (count, per) = text.split_once('/').ok_or_else(error)?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(error)?;
        let per = per.trim();
        let digits = per.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let times: u64 = match digits {
            "" => 1,
            digits => digits.parse().ok().filter(|n| *n > 0).ok_or_else(error)?,
        };
        let unit_ms: u64 = match &per[digits.len()..] {
            "ms" => 1,
            "s" | "sec" | "second" => 1_000,
            "m" | "min" | "minute" => 60_000,
            "h" | "hour" => 3_600_000,
            "d" | "day" => 86_400_000,
            _ => return Err(error()),
        };
        let period_ms = times.checked_mul(unit_ms).ok_or_else(error)?;
        Ok(RateLit { count, period_ms })
    }
}

/// `cost = 5`: the units one call draws from the tool's `budget` (at least 1).
fn cost(input: ParseStream<'_>, _: Span) -> syn::Result<u32> {
    input.parse::<Token![=]>()?;
    let literal: syn::LitInt = input.parse()?;
    literal
        .base10_parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| syn::Error::new(literal.span(), "`cost` takes a whole number of 1 or more"))
}

/// `scopes = ["tickets:write", ...]`: each a scope token of RFC 6749 §3.3 (printable ASCII,
/// no space, `"` or `\`), so it can be written into a `WWW-Authenticate` challenge as is.
fn scopes(input: ParseStream<'_>, _: Span) -> syn::Result<Vec<LitStr>> {
    input.parse::<Token![=]>()?;
    let content;
    syn::bracketed!(content in input);
    let list = content.parse_terminated(<LitStr as Parse>::parse, Token![,])?;
    for scope in &list {
        let text = scope.value();
        if text.is_empty()
            || !text
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            return Err(syn::Error::new(
                scope.span(),
                "a scope is printable ASCII with no space, `\"` or `\\`, such as \"tickets:write\"",
            ));
        }
    }
    Ok(list.into_iter().collect())
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
        let hints = &mut attr.annotations;
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                key::<kw::name, _>(input, &mut attr.name, eq_str)?;
            } else if lookahead.peek(kw::title) {
                key::<kw::title, _>(input, &mut attr.title, eq_str)?;
            } else if lookahead.peek(kw::description) {
                key::<kw::description, _>(input, &mut attr.description, eq_str)?;
            } else if lookahead.peek(kw::read_only) {
                key::<kw::read_only, _>(input, &mut hints.read_only, flag)?;
            } else if lookahead.peek(kw::destructive) {
                key::<kw::destructive, _>(input, &mut hints.destructive, flag)?;
            } else if lookahead.peek(kw::idempotent) {
                key::<kw::idempotent, _>(input, &mut hints.idempotent, flag)?;
            } else if lookahead.peek(kw::open_world) {
                key::<kw::open_world, _>(input, &mut hints.open_world, flag)?;
            } else if lookahead.peek(kw::timeout) {
                key::<kw::timeout, _>(input, &mut attr.timeout, |input, span| {
                    Timeout::parse(&eq_str(input, span)?)
                })?;
            } else if lookahead.peek(kw::scopes) {
                key::<kw::scopes, _>(input, &mut attr.scopes, scopes)?;
            } else if lookahead.peek(kw::rate_limit) {
                key::<kw::rate_limit, _>(input, &mut attr.rate_limit, |input, span| {
                    RateLit::parse(&eq_str(input, span)?, "rate_limit")
                })?;
            } else if lookahead.peek(kw::cost) {
                key::<kw::cost, _>(input, &mut attr.cost, cost)?;
            } else if lookahead.peek(kw::budget) {
                key::<kw::budget, _>(input, &mut attr.budget, |input, span| {
                    RateLit::parse(&eq_str(input, span)?, "budget")
                })?;
            } else {
                return Err(unknown_key(input, lookahead));
            }
            separator(input)?;
        }
        Ok(attr)
    }
}

/// `#[resource(uri = "…", ...)]`: a fixed URI, or a URI template with `{var}` variables.
#[derive(Default)]
pub(crate) struct ResourceAttr {
    pub(crate) uri: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) mime_type: Option<LitStr>,
    pub(crate) scopes: Option<Vec<LitStr>>,
}

impl Parse for ResourceAttr {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attr = ResourceAttr::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::uri) {
                key::<kw::uri, _>(input, &mut attr.uri, eq_str)?;
            } else if lookahead.peek(kw::name) {
                key::<kw::name, _>(input, &mut attr.name, eq_str)?;
            } else if lookahead.peek(kw::title) {
                key::<kw::title, _>(input, &mut attr.title, eq_str)?;
            } else if lookahead.peek(kw::description) {
                key::<kw::description, _>(input, &mut attr.description, eq_str)?;
            } else if lookahead.peek(kw::mime_type) {
                key::<kw::mime_type, _>(input, &mut attr.mime_type, eq_str)?;
            } else if lookahead.peek(kw::scopes) {
                key::<kw::scopes, _>(input, &mut attr.scopes, scopes)?;
            } else {
                return Err(unknown_key(input, lookahead));
            }
            separator(input)?;
        }
        Ok(attr)
    }
}

/// `#[prompt(...)]`.
#[derive(Default)]
pub(crate) struct PromptAttr {
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) scopes: Option<Vec<LitStr>>,
}

impl Parse for PromptAttr {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attr = PromptAttr::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                key::<kw::name, _>(input, &mut attr.name, eq_str)?;
            } else if lookahead.peek(kw::title) {
                key::<kw::title, _>(input, &mut attr.title, eq_str)?;
            } else if lookahead.peek(kw::description) {
                key::<kw::description, _>(input, &mut attr.description, eq_str)?;
            } else if lookahead.peek(kw::scopes) {
                key::<kw::scopes, _>(input, &mut attr.scopes, scopes)?;
            } else {
                return Err(unknown_key(input, lookahead));
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
            if lookahead.peek(kw::name) {
                key::<kw::name, _>(input, &mut attr.name, eq_expr)?;
            } else if lookahead.peek(kw::version) {
                key::<kw::version, _>(input, &mut attr.version, eq_expr)?;
            } else if lookahead.peek(kw::title) {
                key::<kw::title, _>(input, &mut attr.title, eq_expr)?;
            } else if lookahead.peek(kw::instructions) {
                key::<kw::instructions, _>(input, &mut attr.instructions, eq_expr)?;
            } else {
                return Err(unknown_key(input, lookahead));
            }
            separator(input)?;
        }
        Ok(attr)
    }
}

/// Parses the key `K` and, with `value`, what follows it into `slot` (`value` gets the key's
/// span). A key given twice is an error at its second occurrence.
fn key<K: Key, T>(
    input: ParseStream<'_>,
    slot: &mut Option<T>,
    value: impl FnOnce(ParseStream<'_>, Span) -> syn::Result<T>,
) -> syn::Result<()> {
    let span = input.span();
    input.parse::<K>()?;
    let value = value(input, span)?;
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("duplicate `{}`; give each key once", K::NAME),
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

/// `= "text"`.
fn eq_str(input: ParseStream<'_>, _: Span) -> syn::Result<LitStr> {
    input.parse::<Token![=]>()?;
    input.parse()
}

/// `= expression`.
fn eq_expr(input: ParseStream<'_>, _: Span) -> syn::Result<Expr> {
    input.parse::<Token![=]>()?;
    input.parse()
}

/// Nothing, or `= true` / `= false`.
fn flag(input: ParseStream<'_>, span: Span) -> syn::Result<Flag> {
    let value = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        input.parse::<LitBool>()?.value
    } else {
        true
    };
    Ok(Flag { value, span })
}

/// A key with no value: its span.
fn bare(_: ParseStream<'_>, span: Span) -> syn::Result<Span> {
    Ok(span)
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
    fn scopes_are_scope_tokens() {
        let attr: ToolAttr = syn::parse_quote!(scopes = ["tickets:write", "audit"]);
        let scopes: Vec<String> = attr.scopes.unwrap().iter().map(LitStr::value).collect();
        assert_eq!(scopes, ["tickets:write", "audit"]);
        for bad in ["\"a b\"", "\"\"", "\"q\\\"\""] {
            let error = syn::parse_str::<ToolAttr>(&format!("scopes = [{bad}]"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                error.starts_with("a scope is printable ASCII"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn rates_and_costs() {
        let attr: ToolAttr = syn::parse_quote!(rate_limit = "20/min", cost = 5, budget = "500/day");
        let rate = attr.rate_limit.unwrap();
        assert_eq!((rate.count, rate.period_ms), (20, 60_000));
        assert_eq!(attr.cost, Some(5));
        let budget = attr.budget.unwrap();
        assert_eq!((budget.count, budget.period_ms), (500, 86_400_000));
        let attr: ToolAttr = syn::parse_quote!(rate_limit = "10/30s");
        assert_eq!(attr.rate_limit.unwrap().period_ms, 30_000);
        for bad in [
            "rate_limit = \"20\"",
            "rate_limit = \"0/min\"",
            "budget = \"5/fortnight\"",
            "cost = 0",
        ] {
            let error = syn::parse_str::<ToolAttr>(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(error.contains("takes a"), "{bad}: {error}");
        }
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
