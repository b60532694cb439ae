//! The log layer: one line per event, JSON or text, every value through the [`Redactor`], and
//! the session and request ids taken from the spans the event happened in.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::redact::{REDACTED, Redactor};

/// How lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line: for production and log pipelines.
    Json,
    /// `ts LEVEL msg key=value …`: for a person at a terminal.
    Text,
}

/// The ids every line carries, read from the spans around the event.
const CORRELATION: [&str; 2] = ["session_id", "request_id"];
/// Fields that hold only ids the runtime generated (a session's digest, an error id), when the
/// runtime's own code records them: written as they are, never through the redactor, whose card
/// check would otherwise turn the one in ~18,000 that is all digits and passes Luhn's check into
/// `[redacted]` and break correlation. The same names recorded by any other code (a user's own
/// `session_id` span) are redacted like every value.
const RUNTIME_IDS: [&str; 3] = ["session_id", "error_id", "principal_hash"];

/// Whether a span or event was recorded by this crate's own code.
fn is_runtime(metadata: &tracing::Metadata<'_>) -> bool {
    let target = metadata.target();
    target
        .strip_prefix("mcp_runtime")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// Keys the line itself uses; an event field of the same name is written as `field.<name>`.
const RESERVED: [&str; 3] = ["level", "ts", "msg"];

/// A `tracing` layer that writes structured, redacted lines.
pub struct McpLayer {
    format: LogFormat,
    redactor: Arc<Redactor>,
    writer: Mutex<Box<dyn Write + Send>>,
}

impl McpLayer {
    /// A layer writing `format` lines to `writer`, redacting with `redactor`.
    pub fn new(format: LogFormat, redactor: Redactor, writer: impl Write + Send + 'static) -> Self {
        McpLayer {
            format,
            redactor: Arc::new(redactor),
            writer: Mutex::new(Box::new(writer)),
        }
    }
}

/// The recorded, already redacted fields of a span or an event.
#[derive(Default)]
struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }

    /// The value last recorded under `name`, moved out.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.0
            .iter_mut()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| std::mem::take(value))
    }
}

struct Collector<'a> {
    fields: &'a mut Fields,
    redactor: &'a Redactor,
    /// Recording a span: only its correlation ids are kept, since nothing else of a span is
    /// ever written (and so nothing else is formatted or scanned).
    ids_only: bool,
    /// Recording the runtime's own span or event: its [`RUNTIME_IDS`] skip the redactor.
    runtime: bool,
}

impl<'a> Collector<'a> {
    fn of_event(
        fields: &'a mut Fields,
        redactor: &'a Redactor,
        metadata: &tracing::Metadata<'_>,
    ) -> Self {
        Collector {
            fields,
            redactor,
            ids_only: false,
            runtime: is_runtime(metadata),
        }
    }

    fn of_span(
        fields: &'a mut Fields,
        redactor: &'a Redactor,
        metadata: &tracing::Metadata<'_>,
    ) -> Self {
        Collector {
            fields,
            redactor,
            ids_only: true,
            runtime: is_runtime(metadata),
        }
    }

    fn skips(&self, field: &Field) -> bool {
        self.ids_only && !CORRELATION.contains(&field.name())
    }

    /// A runtime-generated id, written as it is.
    fn is_runtime_id(&self, field: &Field) -> bool {
        self.runtime && RUNTIME_IDS.contains(&field.name())
    }

    fn push(&mut self, field: &Field, value: Value) {
        let value = if self.redactor.is_denied(field.name()) {
            Value::from(REDACTED)
        } else {
            value
        };
        self.fields.0.push((field.name(), value));
    }
}

impl Collector<'_> {
    /// An integer, unless written out it would be a card number.
    fn push_integer(&mut self, field: &Field, value: Value, magnitude: u64) {
        let redact = self.redactor.is_card_number(magnitude);
        self.push(field, if redact { Value::from(REDACTED) } else { value });
    }
}

impl Visit for Collector<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.skips(field) {
            return;
        }
        let text = format!("{value:?}");
        if self.is_runtime_id(field) {
            self.fields.0.push((field.name(), Value::from(text)));
            return;
        }
        // The formatted text is kept as it is unless a pattern matched: no second copy.
        let redacted = match self.redactor.redact(&text) {
            Cow::Owned(redacted) => Some(redacted),
            Cow::Borrowed(_) => None,
        };
        self.push(field, Value::from(redacted.unwrap_or(text)));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if self.skips(field) {
            return;
        }
        if self.is_runtime_id(field) {
            self.fields.0.push((field.name(), Value::from(value)));
            return;
        }
        let text = self.redactor.redact(value).into_owned();
        self.push(field, Value::from(text));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if !self.skips(field) {
            self.push_integer(field, Value::from(value), value.unsigned_abs());
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if !self.skips(field) {
            self.push_integer(field, Value::from(value), value);
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if !self.skips(field) {
            self.push(field, Value::from(value));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if !self.skips(field) {
            self.push(field, Value::from(value));
        }
    }

    fn record_error(&mut self, field: &Field, _value: &(dyn std::error::Error + 'static)) {
        // An error's message may quote anything; its presence is all a log line gets.
        if !self.skips(field) {
            self.push(field, Value::from(REDACTED));
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for McpLayer {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        let metadata = attributes.metadata();
        attributes.record(&mut Collector::of_span(
            &mut fields,
            &self.redactor,
            metadata,
        ));
        if fields.0.is_empty() {
            return; // A span without ids gives a line nothing: nothing to keep.
        }
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut recorded = Fields::default();
        values.record(&mut Collector::of_span(
            &mut recorded,
            &self.redactor,
            span.metadata(),
        ));
        if recorded.0.is_empty() {
            return;
        }
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<Fields>() {
            Some(fields) => fields.0.extend(recorded.0),
            None => extensions.insert(recorded),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut recorded = Fields::default();
        let metadata = event.metadata();
        event.record(&mut Collector::of_event(
            &mut recorded,
            &self.redactor,
            metadata,
        ));
        // Fields in declaration order, and a declared field left unrecorded (`None`, `Empty`)
        // written as `null`: the key of a documented field is always there.
        let declared = event.metadata().fields();
        let fields = Fields(
            declared
                .iter()
                .map(|field| {
                    (
                        field.name(),
                        recorded.take(field.name()).unwrap_or_default(),
                    )
                })
                .collect(),
        );
        let mut correlation = [Value::Null, Value::Null];
        if let Some(scope) = ctx.event_scope(event) {
            // Innermost span first: the nearest id wins.
            for span in scope {
                if let Some(span_fields) = span.extensions().get::<Fields>() {
                    for (slot, name) in correlation.iter_mut().zip(CORRELATION) {
                        if slot.is_null()
                            && let Some(value) = span_fields.get(name)
                        {
                            *slot = value.clone();
                        }
                    }
                }
            }
        }
        let line = Line {
            level: event.metadata().level().as_str(),
            fields,
            correlation,
        };
        let text = match self.format {
            LogFormat::Json => line.json(),
            LogFormat::Text => line.text(),
        };
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let _unwritable_log_is_not_fatal = writer
            .write_all(text.as_bytes())
            .and_then(|()| writer.flush());
    }
}

struct Line {
    level: &'static str,
    fields: Fields,
    correlation: [Value; 2],
}

impl Line {
    fn message(&self) -> Option<&Value> {
        self.fields.get("message")
    }

    /// Every field but the message and the ids, as `(prefix, name, value)`: a field named like
    /// one of the line's own keys gets the prefix `field.`.
    fn other_fields(&self) -> impl Iterator<Item = (&'static str, &'static str, &Value)> {
        self.fields
            .0
            .iter()
            .filter(|(key, _)| *key != "message")
            .filter_map(|(key, value)| {
                if CORRELATION.contains(key) {
                    None // Written in its fixed place.
                } else if RESERVED.contains(key) {
                    Some(("field.", *key, value))
                } else {
                    Some(("", *key, value))
                }
            })
    }

    /// Written piece by piece into one buffer, escaped exactly as `serde_json` would.
    fn json(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("{\"level\":");
        push_json_str(&mut out, self.level);
        out.push_str(",\"ts\":\"");
        rfc3339_now(&mut out);
        out.push_str("\",\"msg\":");
        match self.message() {
            Some(message) => push_json_value(&mut out, message),
            None => out.push_str("\"\""),
        }
        for (name, value) in CORRELATION.iter().zip(&self.correlation) {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
            push_json_value(&mut out, value);
        }
        for (prefix, key, value) in self.other_fields() {
            out.push_str(",\"");
            push_json_str_content(&mut out, prefix);
            push_json_str_content(&mut out, key);
            out.push_str("\":");
            push_json_value(&mut out, value);
        }
        out.push_str("}\n");
        out
    }

    fn text(&self) -> String {
        let mut out = String::with_capacity(160);
        rfc3339_now(&mut out);
        let message = self.message().and_then(Value::as_str).unwrap_or_default();
        let _ = write!(out, " {:<5} {message}", self.level);
        for (prefix, key, value) in self.other_fields().filter(|(_, _, value)| !value.is_null()) {
            let _ = write!(out, " {prefix}{key}={}", plain(value));
        }
        for (name, value) in CORRELATION.iter().zip(&self.correlation) {
            if !value.is_null() {
                let _ = write!(out, " {name}={}", plain(value));
            }
        }
        out.push('\n');
        out
    }
}

fn push_json_value(out: &mut String, value: &Value) {
    match value {
        Value::String(text) => push_json_str(out, text),
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// `text` as a JSON string.
fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    push_json_str_content(out, text);
    out.push('"');
}

/// `text` escaped for the inside of a JSON string, as `serde_json` escapes it: `"`, `\\` and
/// the control characters, with `\uXXXX` (lowercase hex) for those without a short form.
fn push_json_str_content(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut plain_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[plain_from..at]);
        plain_from = at + 1;
        match escaped {
            "" => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
            short => out.push_str(short),
        }
    }
    out.push_str(&text[plain_from..]);
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) if !text.contains(char::is_whitespace) && !text.is_empty() => {
            text.clone()
        }
        other => other.to_string(),
    }
}

/// Appends the current time as RFC 3339 in UTC with microseconds: `2026-11-21T15:53:53.123456Z`.
pub(super) fn rfc3339_now(out: &mut String) {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    write_rfc3339(out, since_epoch.as_secs(), since_epoch.subsec_micros());
}

fn write_rfc3339(out: &mut String, seconds: u64, micros: u32) {
    let days = (seconds / 86_400) as i64;
    let second_of_day = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Digit by digit: this runs for every line, and `write!` with padding costs more than the
    // rest of the timestamp.
    push_digits(out, year.max(0) as u64, 4);
    out.push('-');
    push_digits(out, month as u64, 2);
    out.push('-');
    push_digits(out, day as u64, 2);
    out.push('T');
    push_digits(out, second_of_day / 3600, 2);
    out.push(':');
    push_digits(out, second_of_day / 60 % 60, 2);
    out.push(':');
    push_digits(out, second_of_day % 60, 2);
    out.push('.');
    push_digits(out, u64::from(micros), 6);
    out.push('Z');
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u64, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u64.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every_ascii: String = (0u8..128).map(char::from).collect();
        every_ascii.push_str("é ✓ 𝄞 \u{2028}");
        for text in [every_ascii.as_str(), "", "plain", "\"\\\"", "end\u{1f}"] {
            let mut out = String::new();
            push_json_str(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap());
        }
    }

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        for value in [
            Value::Null,
            Value::from(true),
            Value::from(false),
            Value::from(-12),
            Value::from(u64::MAX),
            Value::from(1.5),
            Value::from(1e300),
            Value::from("a \"b\""),
            serde_json::json!([1, {"k": "v"}]),
        ] {
            let mut out = String::new();
            push_json_value(&mut out, &value);
            assert_eq!(out, value.to_string());
        }
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let mut out = String::new();
        write_rfc3339(&mut out, 0, 0);
        assert_eq!(out, "1970-01-01T00:00:00.000000Z");
        out.clear();
        write_rfc3339(&mut out, 1_795_276_433, 123_456); // 2026-11-21T15:53:53Z
        assert_eq!(out, "2026-11-21T15:53:53.123456Z");
        out.clear();
        write_rfc3339(&mut out, 951_782_400, 0); // a leap day
        assert_eq!(out, "2000-02-29T00:00:00.000000Z");
    }
}
