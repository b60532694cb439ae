//! ECMA-262 regular expressions (the dialect JSON Schema's `pattern` names) translated into the
//! `regex` crate's syntax with the same meaning, or refused where the two cannot agree.

/// What `\s` matches in ECMA-262: its WhiteSpace and LineTerminator code points.
const ECMA_SPACE: &str = r"\t\n\x0B\x0C\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

/// One element of a character class.
enum ClassAtom {
    Char(char),
    /// A shorthand class such as `\d`, already in `regex` syntax (a bracketed class).
    Set(String),
}

/// Translates an ECMA-262 pattern (the dialect JSON Schema names, with the `u` flag it
/// recommends) into the `regex` crate's syntax with the same meaning, or says why it cannot:
/// `\d`, `\w`, `\b` are ASCII-only, `\s` is ECMA-262's set, `.` stops at every line terminator,
/// `[`, `&`, `~` and `--` are plain characters inside a class, `[]` matches nothing, and syntax
/// the `regex` crate reads differently (inline flags, `{,n}`, escapes such as `\A` or `\z`) is
/// refused rather than reinterpreted.
pub(super) fn ecma_to_rust(source: &str) -> Result<String, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => match escape(&chars, &mut i, false)? {
                ClassAtom::Char(c) => out.push_str(&literal(c)),
                ClassAtom::Set(set) => out.push_str(&set),
            },
            '[' => class(&chars, &mut i, &mut out)?,
            '.' => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            '(' if chars.get(i) == Some(&'?') => match (chars.get(i + 1), chars.get(i + 2)) {
                (Some(':'), _) => {
                    out.push_str("(?:");
                    i += 2;
                }
                (Some('<'), Some(next)) if *next != '=' && *next != '!' => {
                    out.push_str("(?<");
                    i += 2;
                }
                (Some('=' | '!' | '<'), _) => {
                    return Err("lookaround assertions are not supported".into());
                }
                _ => return Err("inline flags and modifiers are not supported".into()),
            },
            '{' => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '}')
                    .map(|end| i + end)
                    .ok_or("`{` must start a quantifier such as `{2,5}`")?;
                let inner: String = chars[i..end].iter().collect();
                let (low, high) = inner.split_once(',').unwrap_or((&inner, "0"));
                let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
                if low.is_empty() || !digits(low) || !digits(high) {
                    return Err("`{` must start a quantifier such as `{2,5}`".into());
                }
                out.push('{');
                out.push_str(&inner);
                out.push('}');
                i = end + 1;
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Translates the class whose `[` was just read, up to and including its `]`.
fn class(chars: &[char], i: &mut usize, out: &mut String) -> Result<(), String> {
    let negated = chars.get(*i) == Some(&'^');
    if negated {
        *i += 1;
    }
    if chars.get(*i) == Some(&']') {
        // `[]` matches nothing and `[^]` anything, where `regex` would read `]` as a member.
        *i += 1;
        out.push_str(if negated {
            r"[\x{0}-\x{10FFFF}]"
        } else {
            r"[^\x{0}-\x{10FFFF}]"
        });
        return Ok(());
    }
    out.push_str(if negated { "[^" } else { "[" });
    loop {
        let first = class_atom(chars, i)?;
        let range = chars.get(*i) == Some(&'-') && chars.get(*i + 1).is_some_and(|&c| c != ']');
        if range {
            *i += 1;
            let last = class_atom(chars, i)?;
            match (first, last) {
                (ClassAtom::Char(low), ClassAtom::Char(high)) => {
                    out.push_str(&literal(low));
                    out.push('-');
                    out.push_str(&literal(high));
                }
                _ => return Err("a range cannot start or end with a class such as `\\d`".into()),
            }
        } else {
            match first {
                ClassAtom::Char(c) => out.push_str(&literal(c)),
                ClassAtom::Set(set) => out.push_str(&set),
            }
        }
        if chars.get(*i) == Some(&']') {
            *i += 1;
            out.push(']');
            return Ok(());
        }
    }
}

fn class_atom(chars: &[char], i: &mut usize) -> Result<ClassAtom, String> {
    let c = *chars.get(*i).ok_or("unterminated character class")?;
    *i += 1;
    if c == '\\' {
        escape(chars, i, true)
    } else {
        Ok(ClassAtom::Char(c))
    }
}

/// Translates the escape whose `\` was just read.
fn escape(chars: &[char], i: &mut usize, in_class: bool) -> Result<ClassAtom, String> {
    let c = *chars.get(*i).ok_or("the pattern ends with a lone `\\`")?;
    *i += 1;
    let set = |s: String| Ok(ClassAtom::Set(s));
    let code = |value: u32| {
        char::from_u32(value)
            .map(ClassAtom::Char)
            .ok_or_else(|| "an escape names a lone surrogate or no character".to_owned())
    };
    match c {
        'd' => set("[0-9]".into()),
        'D' => set("[^0-9]".into()),
        'w' => set("[0-9A-Za-z_]".into()),
        'W' => set("[^0-9A-Za-z_]".into()),
        's' => set(format!("[{ECMA_SPACE}]")),
        'S' => set(format!("[^{ECMA_SPACE}]")),
        'b' if in_class => Ok(ClassAtom::Char('\u{8}')),
        'b' if !in_class => set(r"(?-u:\b)".into()),
        'B' if !in_class => set(r"(?-u:\B)".into()),
        'f' => Ok(ClassAtom::Char('\u{C}')),
        'n' => Ok(ClassAtom::Char('\n')),
        'r' => Ok(ClassAtom::Char('\r')),
        't' => Ok(ClassAtom::Char('\t')),
        'v' => Ok(ClassAtom::Char('\u{B}')),
        'c' => match chars.get(*i) {
            Some(letter) if letter.is_ascii_alphabetic() => {
                *i += 1;
                code(*letter as u32 % 32)
            }
            _ => Err("`\\c` must be followed by a letter".into()),
        },
        '0' if !chars.get(*i).is_some_and(char::is_ascii_digit) => Ok(ClassAtom::Char('\0')),
        '0'..='9' | 'k' => Err("backreferences are not supported".into()),
        'x' => {
            let hex: String = chars.get(*i..*i + 2).unwrap_or_default().iter().collect();
            match u32::from_str_radix(&hex, 16) {
                Ok(value) if hex.len() == 2 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                    *i += 2;
                    code(value)
                }
                _ => Err("`\\x` must be followed by two hexadecimal digits".into()),
            }
        }
        'u' => {
            let bad = || "`\\u` must be followed by four hexadecimal digits or `{…}`".to_owned();
            let hex = |from: usize, to: usize| -> Option<u32> {
                let digits: String = chars.get(from..to)?.iter().collect();
                digits
                    .chars()
                    .all(|c| c.is_ascii_hexdigit())
                    .then(|| u32::from_str_radix(&digits, 16).ok())
                    .flatten()
            };
            if chars.get(*i) == Some(&'{') {
                let end = chars[*i..]
                    .iter()
                    .position(|&c| c == '}')
                    .map(|end| *i + end)
                    .ok_or_else(bad)?;
                let value = hex(*i + 1, end).filter(|_| end > *i + 1).ok_or_else(bad)?;
                *i = end + 1;
                return code(value);
            }
            let value = hex(*i, *i + 4).ok_or_else(bad)?;
            *i += 4;
            // With the `u` flag, an escaped surrogate pair is one code point.
            if (0xD800..0xDC00).contains(&value)
                && chars.get(*i) == Some(&'\\')
                && chars.get(*i + 1) == Some(&'u')
                && let Some(low) = hex(*i + 2, *i + 6).filter(|low| (0xDC00..0xE000).contains(low))
            {
                *i += 6;
                return code(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00));
            }
            code(value)
        }
        'p' | 'P' => {
            if chars.get(*i) != Some(&'{') {
                return Err("`\\p` must be followed by `{…}`".into());
            }
            let end = chars[*i..]
                .iter()
                .position(|&c| c == '}')
                .map(|end| *i + end)
                .ok_or("`\\p{` is not closed")?;
            let name: String = chars[*i..=end].iter().collect();
            *i = end + 1;
            set(format!("\\{c}{name}"))
        }
        '-' if in_class => Ok(ClassAtom::Char('-')),
        c if c.is_ascii_alphanumeric() => Err(format!("`\\{c}` is not an ECMA-262 escape")),
        // An escaped punctuation mark (or any other character) stands for itself.
        c => Ok(ClassAtom::Char(c)),
    }
}

/// `c` as a `regex` literal, valid both inside and outside a class.
fn literal(c: char) -> String {
    if c.is_ascii_alphanumeric() || !c.is_ascii() && !c.is_whitespace() {
        c.to_string()
    } else if c.is_ascii_punctuation() && c != '<' && c != '>' {
        format!("\\{c}")
    } else {
        format!("\\x{{{:X}}}", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    fn translated(source: &str) -> Regex {
        Regex::new(&ecma_to_rust(source).expect("translates")).expect("compiles")
    }

    #[test]
    fn ecma_digit_classes_are_ascii() {
        assert_eq!(ecma_to_rust(r"^T-\d+$").unwrap(), "^T-[0-9]+$");
        assert_eq!(ecma_to_rust(r"[\d_]").unwrap(), r"[[0-9]\_]");
        assert_eq!(ecma_to_rust(r"\.").unwrap(), r"\.");
        assert!(!translated(r"[\W]").is_match("a"));
        assert!(translated(r"[\W]").is_match("é"));
    }

    #[test]
    fn ecma_classes_keep_their_meaning() {
        // `[` and `&&` are plain members of an ECMA-262 class, not nesting or intersection.
        assert!(translated(r"^[a[b]]$").is_match("[]"));
        assert!(!translated(r"^[a[b]]$").is_match("b"));
        assert!(translated(r"^[a&&b]$").is_match("&"));
        assert!(translated(r"^[+--]$").is_match(","));
        assert!(translated(r"^[a-]$").is_match("-"));
        assert!(!translated(r"[]").is_match("]"));
        assert!(translated(r"^[^]$").is_match("\n"));
        assert!(translated(r"^[\b]$").is_match("\u{8}"));
    }

    #[test]
    fn ecma_dot_space_and_word_boundary() {
        assert!(!translated(r"^.$").is_match("\r"));
        assert!(!translated(r"^.$").is_match("\u{2028}"));
        assert!(translated(r"^\s$").is_match("\u{FEFF}"));
        assert!(!translated(r"^\s$").is_match("\u{85}"));
        // Only ASCII letters, digits and `_` are word characters.
        assert!(translated(r"a\bé").is_match("aé"));
        assert!(!translated(r"é\b").is_match("é"));
        assert!(translated(r"^\uD83D\uDE00$").is_match("😀"));
        assert!(translated(r"^\u{1F600}\x41\cJ\0$").is_match("😀A\n\0"));
    }

    #[test]
    fn syntax_read_differently_is_refused() {
        for source in [
            r"(?i)a", r"a{,3}", r"\A", r"\z", r"\pL", r"(a)\1", r"[\d-z]", r"(?=a)",
        ] {
            assert!(ecma_to_rust(source).is_err(), "{source}");
        }
    }
}
