//! What a failed validation or narrowing reports: the first [`MAX_LISTED_VIOLATIONS`]
//! violations, and a count of the rest.
//!
//! A request chooses how many violations it has (one per unknown key), so the report is capped:
//! listing every one made a 4 MB request with 340,000 unknown keys answer 67 MB. Past the cap
//! nothing is built (no path, no message), only counted.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::messages::clipped;

/// The most violations an error lists. The rest are counted in `violationsOmitted`.
pub const MAX_LISTED_VIOLATIONS: usize = 50;

/// One way the arguments break the schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON Pointer (RFC 6901) to the offending argument, such as `/limit`; `""` for the whole
    /// object. A pointer longer than 256 bytes is cut there and ends in `…`.
    pub path: String,
    /// The JSON Schema keyword that failed, such as `maximum` or `required`.
    pub keyword: String,
    /// What is wrong, for a person or a model. It never repeats the value received.
    pub message: String,
}

/// The violations of one request: at most [`MAX_LISTED_VIOLATIONS`] listed, in the order they
/// were found (validation orders them by path), and the number of further ones left out.
///
/// It derefs to the listed violations. It is not `Serialize`: write it with
/// [`Violations::error_data`], which keeps the count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Violations {
    listed: Vec<Violation>,
    omitted: usize,
}

impl Violations {
    /// No violations.
    pub fn new() -> Self {
        Violations::default()
    }

    /// How many violations were found but not listed.
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// Records a violation at `path`: listed while there is room (the path clipped, the
    /// message built), otherwise only counted.
    pub(crate) fn record(
        &mut self,
        path: &str,
        keyword: &'static str,
        message: impl FnOnce() -> String,
    ) {
        self.record_within(MAX_LISTED_VIOLATIONS, path, keyword, message);
    }

    fn record_within(
        &mut self,
        limit: usize,
        path: &str,
        keyword: &'static str,
        message: impl FnOnce() -> String,
    ) {
        if self.listed.len() >= limit {
            self.omitted += 1;
            return;
        }
        self.listed.push(Violation {
            path: clipped(path).into_owned(),
            keyword: keyword.to_owned(),
            message: message(),
        });
    }

    /// Orders the listed violations by path (stable, so one path keeps the order found).
    pub(super) fn sort_by_path(&mut self) {
        self.listed.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// The error `data` of bad arguments: `fields` (a JSON object; `json!({})` for none) with
    /// `violations` added, and `violationsOmitted` when some were left out.
    pub fn error_data(&self, fields: Value) -> Value {
        let mut data = match fields {
            Value::Object(fields) => fields,
            _ => Map::new(),
        };
        data.insert("violations".into(), json!(self.listed));
        if self.omitted > 0 {
            data.insert("violationsOmitted".into(), json!(self.omitted));
        }
        Value::Object(data)
    }

    /// The violations for a model to read: `heading:`, then one line per violation listed,
    /// then `… and N more` when some were left out.
    pub fn to_text(&self, heading: &str) -> String {
        let mut text = format!("{heading}:");
        for violation in &self.listed {
            let at = match violation.path.as_str() {
                "" => "(arguments)",
                path => path,
            };
            text.push_str(&format!("\n- {at}: {}", violation.message));
        }
        if self.omitted > 0 {
            text.push_str(&format!("\n… and {} more", self.omitted));
        }
        text
    }
}

impl std::ops::Deref for Violations {
    type Target = [Violation];

    fn deref(&self) -> &[Violation] {
        &self.listed
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;

    /// The listed violations.
    fn into_iter(self) -> Self::IntoIter {
        self.listed.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.listed.iter()
    }
}

/// Where a walk of the validator records what it finds: a report of every violation, or a probe
/// that only asks whether there is one (for `anyOf` branches, `not`, `if`, `contains`) and lists
/// nothing.
pub(super) struct Findings {
    violations: Violations,
    limit: usize,
}

impl Findings {
    /// Lists the first [`MAX_LISTED_VIOLATIONS`] and counts every other.
    pub(super) fn report() -> Self {
        Findings {
            violations: Violations::new(),
            limit: MAX_LISTED_VIOLATIONS,
        }
    }

    /// Lists nothing; settled at the first violation.
    pub(super) fn probe() -> Self {
        Findings {
            violations: Violations::new(),
            limit: 0,
        }
    }

    /// See [`Violations::record`]; `message` is called only for a violation that is listed.
    pub(super) fn record(
        &mut self,
        path: &str,
        keyword: &'static str,
        message: impl FnOnce() -> String,
    ) {
        self.violations
            .record_within(self.limit, path, keyword, message);
    }

    /// Whether more walking can change nothing: a probe that found a violation.
    pub(super) fn settled(&self) -> bool {
        self.limit == 0 && self.violations.omitted > 0
    }

    /// Whether nothing was found.
    pub(super) fn is_empty(&self) -> bool {
        self.violations.listed.is_empty() && self.violations.omitted == 0
    }

    pub(super) fn into_violations(self) -> Violations {
        self.violations
    }
}

/// Appends `/segment` to the JSON Pointer `path`, escaped as RFC 6901 says (`~` → `~0`,
/// `/` → `~1`).
pub(crate) fn push_pointer_segment(path: &mut String, segment: &str) {
    path.push('/');
    for c in segment.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

/// Runs `f` with `segment` appended to the JSON Pointer `path`.
pub(super) fn with_segment<R>(
    path: &mut String,
    segment: &str,
    f: impl FnOnce(&mut String) -> R,
) -> R {
    let length = path.len();
    push_pointer_segment(path, segment);
    let result = f(path);
    path.truncate(length);
    result
}
