//! `#[arg(range(min = 1, max = 50), length(max = 500), pattern = "…", default = 10, description = "…", name = "…", sensitive, flatten)]`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Lit, LitInt, LitStr, Token, parenthesized};

use super::{kw, separator, set, string_value};

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
    pub(crate) span: Span,
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
}

impl Parse for ArgAttr {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attr = ArgAttr::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            let span = input.span();
            if lookahead.peek(kw::range) {
                input.parse::<kw::range>()?;
                set(&mut attr.range, bounds(input, span, number)?, span, "range")?;
            } else if lookahead.peek(kw::length) {
                input.parse::<kw::length>()?;
                set(
                    &mut attr.length,
                    bounds(input, span, |input| input.parse::<LitInt>()?.base10_parse())?,
                    span,
                    "length",
                )?;
            } else if lookahead.peek(kw::pattern) {
                set(
                    &mut attr.pattern,
                    string_value::<kw::pattern>(input)?,
                    span,
                    "pattern",
                )?;
            } else if lookahead.peek(kw::default) {
                input.parse::<kw::default>()?;
                input.parse::<Token![=]>()?;
                set(&mut attr.default, input.parse()?, span, "default")?;
            } else if lookahead.peek(kw::description) {
                set(
                    &mut attr.description,
                    string_value::<kw::description>(input)?,
                    span,
                    "description",
                )?;
            } else if lookahead.peek(kw::name) {
                set(
                    &mut attr.name,
                    string_value::<kw::name>(input)?,
                    span,
                    "name",
                )?;
            } else if lookahead.peek(kw::flatten) {
                input.parse::<kw::flatten>()?;
                set(&mut attr.flatten, span, span, "flatten")?;
            } else if lookahead.peek(kw::sensitive) {
                input.parse::<kw::sensitive>()?;
                set(&mut attr.sensitive, span, span, "sensitive")?;
            } else {
                return Err(lookahead.error());
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
    };
    while !content.is_empty() {
        let lookahead = content.lookahead1();
        let key_span = content.span();
        if lookahead.peek(kw::min) {
            content.parse::<kw::min>()?;
            content.parse::<Token![=]>()?;
            set(&mut range.min, value(&content)?, key_span, "min")?;
        } else if lookahead.peek(kw::max) {
            content.parse::<kw::max>()?;
            content.parse::<Token![=]>()?;
            set(&mut range.max, value(&content)?, key_span, "max")?;
        } else {
            return Err(lookahead.error());
        }
        separator(&content)?;
    }
    if range.min.is_none() && range.max.is_none() {
        return Err(syn::Error::new(span, "give `min = …`, `max = …` or both"));
    }
    Ok(range)
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
