//! Redaction of every log value: denied field names, and value patterns (bearer tokens, JWTs,
//! email addresses, card numbers), replaced by `[redacted]`.

use std::borrow::Cow;
use std::sync::RwLock;

use aho_corasick::AhoCorasick;
use regex::{Regex, RegexSet};

/// What a redacted value is replaced by.
pub const REDACTED: &str = "[redacted]";

/// Field names denied by default. A field is denied when its name, lowercased, contains one.
pub const DEFAULT_DENIED_FIELDS: &[&str] = &[
    "authorization",
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "cookie",
    "email",
    "arguments",
    "args",
];

/// Value patterns redacted by default, with their names.
const DEFAULT_PATTERNS: &[(&str, &str)] = &[
    ("bearer token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"),
    (
        "JWT",
        r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
    ),
    (
        "email address",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    ),
    // Checked with Luhn's algorithm before redacting, so ids and timestamps stay readable.
    ("card number", r"\b(?:\d[ -]?){12,18}\d\b"),
];
const CARD_PATTERN: usize = 3;

/// Names registered at run time (`#[arg(sensitive)]`), denied on top of a redactor's own list.
static SENSITIVE_FIELDS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Denies a field name in every redactor of the process (what `#[arg(sensitive)]` does for the
/// argument's name).
pub fn deny_field_everywhere(name: &str) {
    let name = name.to_ascii_lowercase();
    let mut names = SENSITIVE_FIELDS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !names.contains(&name) {
        names.push(name);
    }
}

/// The redaction policy applied to every field of every event and span.
#[derive(Clone, Debug)]
pub struct Redactor {
    denied_fields: Vec<String>,
    /// `denied_fields` as one alternation: one scan per field name, not one per entry.
    any_denied_field: Option<AhoCorasick>,
    any_pattern: RegexSet,
    patterns: Vec<Regex>,
    /// Whether `patterns` are exactly [`DEFAULT_PATTERNS`], so that [`could_match_default`]
    /// may rule a value out before the regexes run.
    default_patterns_only: bool,
    skip_registered: bool,
}

impl Default for Redactor {
    fn default() -> Self {
        let mut redactor = Redactor {
            skip_registered: false,
            ..Redactor::none()
        };
        for field in DEFAULT_DENIED_FIELDS {
            redactor = redactor.deny_field(field);
        }
        for (_, pattern) in DEFAULT_PATTERNS {
            redactor =
                redactor.deny_pattern(Regex::new(pattern).expect("default patterns compile"));
        }
        redactor.default_patterns_only = true;
        redactor
    }
}

impl Redactor {
    /// A redactor that redacts nothing (not even `#[arg(sensitive)]` names): the baseline that
    /// the redaction benchmark measures against.
    #[doc(hidden)]
    pub fn none() -> Self {
        Redactor {
            denied_fields: Vec::new(),
            any_denied_field: None,
            any_pattern: RegexSet::empty(),
            patterns: Vec::new(),
            default_patterns_only: false,
            skip_registered: true,
        }
    }

    /// Denies every field whose lowercased name contains `name`.
    pub fn deny_field(mut self, name: &str) -> Self {
        self.denied_fields.push(name.to_ascii_lowercase());
        self.any_denied_field =
            Some(AhoCorasick::new(&self.denied_fields).expect("plain literals build"));
        self
    }

    /// Redacts every match of `pattern` in every value.
    pub fn deny_pattern(mut self, pattern: Regex) -> Self {
        self.default_patterns_only = false;
        self.patterns.push(pattern);
        self.any_pattern = RegexSet::new(self.patterns.iter().map(Regex::as_str))
            .expect("patterns already compiled");
        self
    }

    /// Whether a field's whole value is withheld.
    pub fn is_denied(&self, field: &str) -> bool {
        // Field names are nearly always lowercase already: lowercase (and allocate) only if not.
        let field: Cow<'_, str> = if field.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(field.to_ascii_lowercase())
        } else {
            Cow::Borrowed(field)
        };
        if self
            .any_denied_field
            .as_ref()
            .is_some_and(|denied| denied.is_match(field.as_ref()))
        {
            return true;
        }
        !self.skip_registered
            && SENSITIVE_FIELDS
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .any(|name| *name == *field)
    }

    /// `value` with every pattern match replaced by `[redacted]`.
    pub fn redact<'a>(&self, value: &'a str) -> Cow<'a, str> {
        if self.default_patterns_only && !could_match_default(value) {
            return Cow::Borrowed(value);
        }
        let matched = self.any_pattern.matches(value);
        if !matched.matched_any() {
            return Cow::Borrowed(value);
        }
        let mut text = Cow::Borrowed(value);
        for index in matched.iter() {
            let pattern = &self.patterns[index];
            let replaced = if self.is_card_pattern(index) {
                pattern.replace_all(&text, |found: &regex::Captures<'_>| {
                    if luhn_valid(&found[0]) {
                        REDACTED.to_owned()
                    } else {
                        found[0].to_owned()
                    }
                })
            } else {
                pattern.replace_all(&text, REDACTED)
            };
            if let Cow::Owned(replaced) = replaced {
                text = Cow::Owned(replaced);
            }
        }
        text
    }

    /// Whether an integer value would be a card number if written out.
    pub fn is_card_number(&self, value: u64) -> bool {
        value >= 1_000_000_000_000
            && self.patterns.len() > CARD_PATTERN
            && luhn_valid(&value.to_string())
    }

    fn is_card_pattern(&self, index: usize) -> bool {
        index == CARD_PATTERN && self.patterns[index].as_str() == DEFAULT_PATTERNS[CARD_PATTERN].1
    }
}

/// Whether any of [`DEFAULT_PATTERNS`] could match `value`: one pass over the bytes, which
/// rules out most values (ids, names, durations) before the regexes run. Each pattern needs
/// something this looks for: "bearer" in any case, "eyJ", "@", or a run of 13 digits each
/// followed by at most one space or dash. Text that is not ASCII always goes to the regexes,
/// whose `(?i)` and `\d` are Unicode-aware.
fn could_match_default(value: &str) -> bool {
    if !value.is_ascii() {
        return true;
    }
    let bytes = value.as_bytes();
    let (mut run, mut after_separator) = (0, false);
    for (at, byte) in bytes.iter().enumerate() {
        let rest = &bytes[at..];
        match byte {
            b'@' => return true,
            b'0'..=b'9' => {
                run += 1;
                after_separator = false;
                if run >= 13 {
                    return true;
                }
            }
            b' ' | b'-' if run > 0 && !after_separator => after_separator = true,
            b'e' if rest.starts_with(b"eyJ") => return true,
            b'b' | b'B' if rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"bearer") => {
                return true;
            }
            _ => (run, after_separator) = (0, false),
        }
    }
    false
}

/// Luhn's checksum over the digits of `text` (separators ignored).
fn luhn_valid(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_redacted_inside_text() {
        let redactor = Redactor::default();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        let line = format!(
            "user alice@example.com sent Bearer abc.def-123 and {jwt} with card 4111 1111 1111 1111"
        );
        assert_eq!(
            redactor.redact(&line),
            "user [redacted] sent [redacted] and [redacted] with card [redacted]"
        );
    }

    #[test]
    fn the_quick_check_never_hides_a_match() {
        let full = Redactor::default();
        // The same patterns without the quick check (a custom pattern list turns it off).
        let regexes_only = Redactor {
            default_patterns_only: false,
            ..Redactor::default()
        };
        for value in [
            "",
            "tool call",
            "0f3c9a17d2e4b6a8c1d2e3f405162738",
            "alice@example.com",
            "x@y.zz",
            "BeArEr abc",
            "authorization: bearer\tabc.def",
            "eyJa.eyJb.c",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111 and more",
            "411111111111 1", // 13 digits with a space
            "4111--1111-1111-1111",
            "1 2 3 4 5 6 7 8 9 0 1 2 3",
            "1700000000123",
            "123456789012",
            "mail to ａlice@example.com",
            "Bearer ünïcode",
            "٤١١١١١١١١١١١١١١١",
        ] {
            assert_eq!(full.redact(value), regexes_only.redact(value), "{value:?}");
            if could_match_default(value) || !value.is_ascii() {
                continue;
            }
            assert!(
                !full.any_pattern.is_match(value),
                "the quick check ruled out a match: {value:?}"
            );
        }
        // Many generated values from the characters the patterns care about: whatever the
        // quick check rules out, the regexes must not match.
        let alphabet = b"1239 -_@.eyJbBEARrxz";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let length = (state >> 59) as usize + 8;
            let value: String = (0..length)
                .map(|i| {
                    let pick = (state.rotate_left(i as u32 * 5) >> 32) as usize;
                    char::from(alphabet[pick % alphabet.len()])
                })
                .collect();
            if !could_match_default(&value) {
                assert!(!full.any_pattern.is_match(&value), "{value:?}");
            }
        }
        assert!(!could_match_default("0f3c9a17d2e4b6a8c1d2e3f405162738"));
        assert!(!could_match_default("search_tickets"));
        assert!(could_match_default("x BEARER y"));
        assert!(
            !Redactor::default()
                .deny_pattern(Regex::new("secret").unwrap())
                .default_patterns_only
        );
    }

    #[test]
    fn ordinary_numbers_and_text_are_kept() {
        let redactor = Redactor::default();
        assert_eq!(
            redactor.redact("took 1700000000123 ms, id 12345"),
            "took 1700000000123 ms, id 12345"
        );
        assert!(matches!(
            redactor.redact("nothing to see"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            redactor.redact("order 1234567890123"),
            "order 1234567890123"
        );
        assert!(redactor.is_card_number(4111111111111111));
        assert!(!redactor.is_card_number(1700000000123));
    }

    #[test]
    fn denied_fields_match_by_substring_and_registration() {
        let redactor = Redactor::default();
        assert!(redactor.is_denied("user_email"));
        assert!(redactor.is_denied("Authorization"));
        assert!(redactor.is_denied("args"));
        assert!(!redactor.is_denied("tool_name"));
        assert!(!redactor.is_denied("ssn_test_field"));
        deny_field_everywhere("ssn_test_field");
        assert!(redactor.is_denied("ssn_test_field"));
        assert!(redactor.clone().deny_field("zip").is_denied("home_zip"));
    }
}
