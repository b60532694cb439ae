//! The log layer: one line per event, JSON or text, every value through the [`Redactor`], and
//! the session and request ids taken from the spans the event happened in.

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
}

struct Collector<'a> {
    fields: &'a mut Fields,
    redactor: &'a Redactor,
}

impl Collector<'_> {
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
        let text = format!("{value:?}");
        let text = self.redactor.redact(&text).into_owned();
        self.push(field, Value::from(text));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let text = self.redactor.redact(value).into_owned();
        self.push(field, Value::from(text));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push_integer(field, Value::from(value), value.unsigned_abs());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push_integer(field, Value::from(value), value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, _value: &(dyn std::error::Error + 'static)) {
        // An error's message may quote anything; its presence is all a log line gets.
        self.push(field, Value::from(REDACTED));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for McpLayer {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        attributes.record(&mut Collector {
            fields: &mut fields,
            redactor: &self.redactor,
        });
        span.extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(fields) = extensions.get_mut::<Fields>() {
            values.record(&mut Collector {
                fields,
                redactor: &self.redactor,
            });
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut Collector {
            fields: &mut fields,
            redactor: &self.redactor,
        });
        // Fields in declaration order, and a declared field left unrecorded (`None`, `Empty`)
        // written as `null`: the key of a documented field is always there.
        let declared = event.metadata().fields();
        let fields = Fields(
            declared
                .iter()
                .map(|field| {
                    (
                        field.name(),
                        fields.get(field.name()).cloned().unwrap_or(Value::Null),
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
    fn message(&self) -> Value {
        self.fields
            .get("message")
            .cloned()
            .unwrap_or(Value::from(""))
    }

    fn other_fields(&self) -> impl Iterator<Item = (String, &Value)> {
        self.fields
            .0
            .iter()
            .filter(|(key, _)| *key != "message")
            .filter_map(|(key, value)| {
                if CORRELATION.contains(key) {
                    None // Written in its fixed place.
                } else if RESERVED.contains(key) {
                    Some((format!("field.{key}"), value))
                } else {
                    Some(((*key).to_owned(), value))
                }
            })
    }

    fn json(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("{\"level\":");
        out.push_str(&Value::from(self.level).to_string());
        out.push_str(",\"ts\":\"");
        rfc3339_now(&mut out);
        out.push_str("\",\"msg\":");
        out.push_str(&self.message().to_string());
        for (name, value) in CORRELATION.iter().zip(&self.correlation) {
            let _ = write!(out, ",\"{name}\":{value}");
        }
        for (key, value) in self.other_fields() {
            let _ = write!(out, ",{}:{value}", Value::from(key));
        }
        out.push_str("}\n");
        out
    }

    fn text(&self) -> String {
        let mut out = String::with_capacity(160);
        rfc3339_now(&mut out);
        let message = self.message();
        let _ = write!(
            out,
            " {:<5} {}",
            self.level,
            message.as_str().unwrap_or_default()
        );
        for (key, value) in self.other_fields().filter(|(_, value)| !value.is_null()) {
            let _ = write!(out, " {key}={}", plain(value));
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
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
}

#[cfg(test)]
mod tests {
    use super::*;

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
