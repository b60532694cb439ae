//! `#[arg(range(min = 1, max = 50), length(max = 500), pattern = "…", default = 10, description = "…", name = "…", sensitive, flatten, complete = path)]`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Lit, LitInt, LitStr, Token, parenthesized};

use super::{bare, eq_expr, eq_str, key, kw, separator, unknown_key};

/// A numeric literal bound, with its sign applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::Int(n) => n as f64,
            Number::Float(f) => f,
        }
    }
}

/// `range(min = …, max = …)` or `length(min = …, max = …)`.
pub(crate) struct Range<T> {
    pub(crate) min: Option<T>,
    pub(crate) max: Option<T>,
    /// The `range` or `length` key.
    pub(crate) span: Span,
    /// The values of `min` and `max` (the key's span where one is absent).
    pub(crate) min_span: Span,
    pub(crate) max_span: Span,
}

/// `#[arg(...)]` on one parameter.
#[derive(Default)]
pub(crate) struct ArgAttr {
    pub(crate) range: Option<Range<Number>>,
    pub(crate) length: Option<Range<u64>>,
    pub(crate) pattern: Option<LitStr>,
    pub(crate) default: Option<Expr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) flatten: Option<Span>,
    pub(crate) sensitive: Option<Span>,
    /// `complete = path`: the completion hook of a prompt argument or template variable.
    pub(crate) complete: Option<Expr>,
}

impl Parse for ArgAttr {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attr = ArgAttr::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::range) {
                key::<kw::range, _>(input, &mut attr.range, |input, span| {
                    bounds(input, span, number)
                })?;
            } else if lookahead.peek(kw::length) {
                key::<kw::length, _>(input, &mut attr.length, |input, span| {
                    bounds(input, span, count)
                })?;
            } else if lookahead.peek(kw::pattern) {
                key::<kw::pattern, _>(input, &mut attr.pattern, eq_str)?;
            } else if lookahead.peek(kw::default) {
                key::<kw::default, _>(input, &mut attr.default, eq_expr)?;
            } else if lookahead.peek(kw::description) {
                key::<kw::description, _>(input, &mut attr.description, eq_str)?;
            } else if lookahead.peek(kw::name) {
                key::<kw::name, _>(input, &mut attr.name, eq_str)?;
            } else if lookahead.peek(kw::flatten) {
                key::<kw::flatten, _>(input, &mut attr.flatten, bare)?;
            } else if lookahead.peek(kw::sensitive) {
                key::<kw::sensitive, _>(input, &mut attr.sensitive, bare)?;
            } else if lookahead.peek(kw::complete) {
                key::<kw::complete, _>(input, &mut attr.complete, eq_expr)?;
            } else {
                return Err(unknown_key(input, lookahead));
            }
            separator(input)?;
        }
        Ok(attr)
    }
}

impl ArgAttr {
    /// Whether any key other than `flatten` is present.
    pub(crate) fn has_constraints(&self) -> bool {
        self.range.is_some()
            || self.length.is_some()
            || self.pattern.is_some()
            || self.default.is_some()
            || self.name.is_some()
            || self.sensitive.is_some()
            || self.complete.is_some()
    }
}

fn bounds<T>(
    input: ParseStream<'_>,
    span: Span,
    value: impl Fn(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<Range<T>> {
    let content;
    parenthesized!(content in input);
    let mut range = Range {
        min: None,
        max: None,
        span,
        min_span: span,
        max_span: span,
    };
    while !content.is_empty() {
        let lookahead = content.lookahead1();
        if lookahead.peek(kw::min) {
            key::<kw::min, _>(&content, &mut range.min, |input, _| {
                input.parse::<Token![=]>()?;
                range.min_span = input.span();
                value(input)
            })?;
        } else if lookahead.peek(kw::max) {
            key::<kw::max, _>(&content, &mut range.max, |input, _| {
                input.parse::<Token![=]>()?;
                range.max_span = input.span();
                value(input)
            })?;
        } else {
            return Err(unknown_key(&content, lookahead));
        }
        separator(&content)?;
    }
    if range.min.is_none() && range.max.is_none() {
        return Err(syn::Error::new(span, "give `min = …`, `max = …` or both"));
    }
    Ok(range)
}

fn count(input: ParseStream<'_>) -> syn::Result<u64> {
    input.parse::<LitInt>()?.base10_parse()
}

fn number(input: ParseStream<'_>) -> syn::Result<Number> {
    let negative = input.peek(Token![-]);
    if negative {
        input.parse::<Token![-]>()?;
    }
    let sign = if negative { -1 } else { 1 };
    match input.parse::<Lit>()? {
        Lit::Int(int) => Ok(Number::Int(sign * int.base10_parse::<i64>()?)),
        Lit::Float(float) => Ok(Number::Float(sign as f64 * float.base10_parse::<f64>()?)),
        other => Err(syn::Error::new_spanned(other, "expected a number literal")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints() {
        let attr: ArgAttr = syn::parse_quote!(
            range(min = -1, max = 2.5),
            length(max = 10),
            pattern = "^a$",
            default = 3
        );
        let range = attr.range.unwrap();
        assert_eq!(range.min, Some(Number::Int(-1)));
        assert_eq!(range.max, Some(Number::Float(2.5)));
        assert_eq!(attr.length.unwrap().max, Some(10));
        assert!(attr.pattern.is_some() && attr.default.is_some());
    }

    #[test]
    fn empty_ranges_are_errors() {
        assert!(syn::parse_str::<ArgAttr>("range()").is_err());
        let error = syn::parse_str::<ArgAttr>("range(low = 1)")
            .err()
            .unwrap()
            .to_string();
        assert_eq!(error, "expected `min` or `max`");
    }
}
