//! What an `#[arg]` constraint may say, checked at compile time: a `range` an integer type can
//! hold, and a `pattern` the runtime's validator can enforce.
//!
//! These are early errors, not the guarantee. The runtime intersects every bound with the type's
//! own when it assembles the schema (so a type alias of `u8` is advertised as `0..=255` too), and
//! compiles every pattern when the server is built. What is checked here is only what can be
//! known from the tokens: the integer types spelt as themselves (`u8`, `std::primitive::u8`,
//! `Option<u8>`), and the pattern's structure.

use syn::{GenericArgument, LitStr, PathArguments, Type};

use crate::diag::Errors;
use crate::parse::{Number, Range};

/// An integer type recognisable from its tokens: its name and the values it holds. `usize` and
/// `isize` are taken as 64-bit (the target's width is unknown here; the runtime uses its own).
struct IntegerType {
    name: &'static str,
    min: i128,
    max: i128,
}

const INTEGERS: &[IntegerType] = &[
    IntegerType {
        name: "u8",
        min: 0,
        max: u8::MAX as i128,
    },
    IntegerType {
        name: "u16",
        min: 0,
        max: u16::MAX as i128,
    },
    IntegerType {
        name: "u32",
        min: 0,
        max: u32::MAX as i128,
    },
    IntegerType {
        name: "u64",
        min: 0,
        max: u64::MAX as i128,
    },
    IntegerType {
        name: "usize",
        min: 0,
        max: u64::MAX as i128,
    },
    IntegerType {
        name: "i8",
        min: i8::MIN as i128,
        max: i8::MAX as i128,
    },
    IntegerType {
        name: "i16",
        min: i16::MIN as i128,
        max: i16::MAX as i128,
    },
    IntegerType {
        name: "i32",
        min: i32::MIN as i128,
        max: i32::MAX as i128,
    },
    IntegerType {
        name: "i64",
        min: i64::MIN as i128,
        max: i64::MAX as i128,
    },
    IntegerType {
        name: "isize",
        min: i64::MIN as i128,
        max: i64::MAX as i128,
    },
];

/// `u8`, `std::primitive::u8`, `core::primitive::u8`, or an `Option` of one.
fn integer_type(ty: &Type) -> Option<&'static IntegerType> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segments = &path.path.segments;
    let last = segments.last()?;
    if last.ident == "Option" {
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        return match args.args.iter().collect::<Vec<_>>()[..] {
            [GenericArgument::Type(inner)] => integer_type(inner),
            _ => None,
        };
    }
    let primitive_path = match segments.len() {
        1 => path.path.leading_colon.is_none(),
        3 => {
            (segments[0].ident == "std" || segments[0].ident == "core")
                && segments[1].ident == "primitive"
        }
        _ => false,
    };
    if !primitive_path || !matches!(last.arguments, PathArguments::None) {
        return None;
    }
    INTEGERS.iter().find(|integer| last.ident == integer.name)
}

/// A `range` on an integer argument: whole bounds, each one the type can hold.
pub(crate) fn range(range: &Range<Number>, ty: &Type, errors: &Errors) {
    let Some(integer) = integer_type(ty) else {
        return;
    };
    let name = integer.name;
    let bounds = [
        ("min", range.min, range.min_span),
        ("max", range.max, range.max_span),
    ];
    for (key, bound, span) in bounds {
        let Some(bound) = bound else { continue };
        let message = match bound {
            Number::Float(value) if value.fract() != 0.0 => {
                let whole = if key == "min" {
                    value.ceil()
                } else {
                    value.floor()
                };
                format!(
                    "`{key} = {value}` is not a whole number, and the argument is a `{name}`: write the bound as an integer (`{key} = {whole}` allows the same values)"
                )
            }
            _ => {
                // A whole float is compared as the integer it is.
                let value = match bound {
                    Number::Int(n) => i128::from(n),
                    Number::Float(f) => f as i128,
                };
                if value < integer.min {
                    format!(
                        "`{key} = {value}` is below the smallest `{name}` ({}): the bound could never hold; use a bound `{name}` can hold, or a type that can hold this one",
                        integer.min
                    )
                } else if value > integer.max {
                    format!(
                        "`{key} = {value}` is above the largest `{name}` ({}): the bound could never hold; use a bound `{name}` can hold, or a wider type",
                        integer.max
                    )
                } else {
                    continue;
                }
            }
        };
        errors.push(syn::Error::new(span, message));
    }
}

/// A `pattern` whose structure the runtime's validator accepts (`validate/ecma_regex.rs`, then
/// the `regex` crate): no lone `\`, balanced groups and classes, quantifiers that follow
/// something and read as quantifiers, no lookaround, backreferences or inline flags.
///
/// A structural check, dependency-free: each refusal here is one the runtime also makes when the
/// server is built, which still checks everything else (escapes such as `\x4`, class ranges).
pub(crate) fn pattern(pattern: &LitStr, errors: &Errors) {
    if let Err(reason) = pattern_structure(&pattern.value()) {
        errors.push(syn::Error::new(
            pattern.span(),
            format!(
                "this `pattern` is not a regular expression the server can enforce: {reason}; patterns are ECMA-262 (JSON Schema's dialect) without lookaround, backreferences or inline flags"
            ),
        ));
    }
}

fn pattern_structure(source: &str) -> Result<(), String> {
    let chars: Vec<char> = source.chars().collect();
    let mut depth = 0usize;
    // Whether what precedes can be repeated: an atom or a group, not the start, `(` or `|`.
    let mut repeatable = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                let next = *chars.get(i).ok_or("it ends with a lone `\\`")?;
                i += 1;
                let octal = next == '0' && chars.get(i).is_some_and(char::is_ascii_digit);
                if matches!(next, '1'..='9' | 'k') || octal {
                    return Err("backreferences are not supported".into());
                }
                repeatable = true;
            }
            '[' => {
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                // `[]` and `[^]` are whole classes; otherwise the first `]` is the end.
                if chars.get(i) == Some(&']') {
                    i += 1;
                } else {
                    loop {
                        match chars.get(i) {
                            None => return Err("a character class `[` is never closed".into()),
                            Some('\\') => i += 2,
                            Some(']') => break,
                            Some(_) => i += 1,
                        }
                    }
                    i += 1;
                }
                repeatable = true;
            }
            '(' => {
                if chars.get(i) == Some(&'?') {
                    match (chars.get(i + 1), chars.get(i + 2)) {
                        (Some(':'), _) => i += 2,
                        (Some('<'), Some(next)) if *next != '=' && *next != '!' => i += 2,
                        (Some('=' | '!' | '<'), _) => {
                            return Err("lookaround assertions are not supported".into());
                        }
                        _ => return Err("inline flags and modifiers are not supported".into()),
                    }
                }
                depth += 1;
                repeatable = false;
            }
            ')' => {
                depth = depth.checked_sub(1).ok_or("a `)` closes no group")?;
                repeatable = true;
            }
            '|' => repeatable = false,
            '*' | '+' | '?' => {
                if !repeatable {
                    return Err(format!("`{c}` has nothing before it to repeat"));
                }
                // What follows a quantifier (`a*?` is lazy, `a**` is read by `regex` as
                // `(a*)*`) is left to the runtime.
                repeatable = true;
            }
            '{' => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '}')
                    .map(|end| i + end)
                    .ok_or("`{` must start a quantifier such as `{2,5}`")?;
                let inner: String = chars[i..end].iter().collect();
                let (low, high) = inner.split_once(',').unwrap_or((&inner, ""));
                let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
                if low.is_empty() || !digits(low) || !digits(high) {
                    return Err("`{` must start a quantifier such as `{2,5}`".into());
                }
                if !repeatable {
                    return Err("a `{…}` quantifier has nothing before it to repeat".into());
                }
                if let (Ok(low), Ok(high)) = (low.parse::<u64>(), high.parse::<u64>())
                    && low > high
                {
                    return Err(format!(
                        "the quantifier `{{{inner}}}` has its minimum above its maximum"
                    ));
                }
                i = end + 1;
                repeatable = true;
            }
            _ => repeatable = true,
        }
    }
    if depth > 0 {
        return Err("a group `(` is never closed".into());
    }
    Ok(())
}

#[cfg(test)]
fn errors_of(check: impl FnOnce(&Errors)) -> Vec<String> {
    let errors = Errors::new();
    check(&errors);
    match errors.finish() {
        Ok(()) => Vec::new(),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ArgAttr;

    fn range_errors(attr: ArgAttr, ty: Type) -> Vec<String> {
        errors_of(|errors| range(attr.range.as_ref().unwrap(), &ty, errors))
    }

    #[test]
    fn integer_types_are_recognised_as_written() {
        for ty in [
            syn::parse_quote!(u8),
            syn::parse_quote!(std::primitive::u8),
            syn::parse_quote!(Option<u8>),
            syn::parse_quote!(::std::option::Option<core::primitive::u8>),
        ] {
            assert_eq!(integer_type(&ty).map(|i| i.name), Some("u8"));
        }
        for ty in [
            syn::parse_quote!(f64),
            syn::parse_quote!(Count),
            syn::parse_quote!(my::u8),
            syn::parse_quote!(Vec<u8>),
            syn::parse_quote!(u128),
        ] {
            assert!(integer_type(&ty).is_none());
        }
    }

    #[test]
    fn integer_ranges_must_be_whole_and_within_the_type() {
        let errors = range_errors(
            syn::parse_quote!(range(min = 1.5, max = 300)),
            syn::parse_quote!(u8),
        );
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors[0].starts_with("`min = 1.5` is not a whole number, and the argument is a `u8`")
        );
        assert!(errors[0].contains("`min = 2` allows the same values"));
        assert!(errors[1].starts_with("`max = 300` is above the largest `u8` (255)"));
        let errors = range_errors(
            syn::parse_quote!(range(min = -1)),
            syn::parse_quote!(Option<u32>),
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("`min = -1` is below the smallest `u32` (0)"));
        let errors = range_errors(syn::parse_quote!(range(max = 2.5)), syn::parse_quote!(i64));
        assert!(errors[0].contains("`max = 2` allows the same values"));
        for (attr, ty) in [
            (
                syn::parse_quote!(range(min = 0, max = 255)),
                syn::parse_quote!(u8),
            ),
            (
                syn::parse_quote!(range(min = -128, max = 127.0)),
                syn::parse_quote!(i8),
            ),
            (
                syn::parse_quote!(range(min = 0.5, max = 300)),
                syn::parse_quote!(f32),
            ),
            (
                syn::parse_quote!(range(max = 300)),
                syn::parse_quote!(Alias),
            ),
        ] {
            assert_eq!(range_errors(attr, ty), Vec::<String>::new());
        }
    }

    #[test]
    fn patterns_the_runtime_accepts_pass() {
        for good in [
            "^[a-z]+$",
            "^T-[0-9]{1,6}$",
            r"^\d{3}-\d{4}$",
            "(?:ab|cd)*?x",
            "(?<year>[0-9]{4})",
            "[]",
            "[^]",
            r"[\]]+",
            "a{2,}",
            r"\0",
            "",
        ] {
            assert_eq!(pattern_structure(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn patterns_the_runtime_refuses_are_refused() {
        for (bad, reason) in [
            ("(abc", "a group `(` is never closed"),
            ("abc)", "a `)` closes no group"),
            ("[a-z", "a character class `[` is never closed"),
            ("*a", "`*` has nothing before it to repeat"),
            ("a|+b", "`+` has nothing before it to repeat"),
            ("x{2", "`{` must start a quantifier such as `{2,5}`"),
            ("x{,3}", "`{` must start a quantifier such as `{2,5}`"),
            (
                "x{5,2}",
                "the quantifier `{5,2}` has its minimum above its maximum",
            ),
            (
                "a|{2}",
                "a `{…}` quantifier has nothing before it to repeat",
            ),
            ("(?=a)b", "lookaround assertions are not supported"),
            ("(?<!a)b", "lookaround assertions are not supported"),
            ("(?i)abc", "inline flags and modifiers are not supported"),
            (r"(a)\1", "backreferences are not supported"),
            (r"abc\", "it ends with a lone `\\`"),
        ] {
            assert_eq!(pattern_structure(bad), Err(reason.to_owned()), "{bad}");
        }
    }

    #[test]
    fn a_refused_pattern_says_why() {
        let literal: LitStr = syn::parse_quote!("(?=x)");
        let errors = errors_of(|errors| pattern(&literal, errors));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with(
            "this `pattern` is not a regular expression the server can enforce: lookaround"
        ));
    }
}
