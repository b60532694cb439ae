//! The result of a comparison: every change, classified, for a reviewer and for machines.

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

/// Whether a change can break a client built against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A client built against the baseline may fail.
    Breaking,
    /// Old clients keep working.
    Compatible,
}

/// One difference between the baseline and the current schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Breaking or compatible.
    pub severity: Severity,
    /// The tool it concerns.
    pub tool: String,
    /// Where in the tool: `/query`, `/filter/tags/items`, `output/count`; empty for the tool itself.
    pub path: String,
    /// A stable identifier, such as `required_parameter_added` or `enum_widened`.
    pub kind: &'static str,
    /// What changed, for the reviewer.
    pub detail: String,
}

/// Every change between two snapshots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The changes, tool by tool.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many changes are breaking.
    pub fn breaking(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .count()
    }

    /// The report for machines: `{"breaking": n, "compatible": n, "changes": [...]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "breaking": self.breaking(),
            "compatible": self.changes.len() - self.breaking(),
            "changes": self.changes,
        })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let breaking = self.breaking();
        writeln!(
            f,
            "{breaking} breaking and {} compatible change(s) to tools/list:",
            self.changes.len() - breaking
        )?;
        for change in &self.changes {
            let label = match change.severity {
                Severity::Breaking => "BREAKING  ",
                Severity::Compatible => "compatible",
            };
            let at = if change.path.is_empty() {
                String::new()
            } else {
                format!(" {}", change.path)
            };
            writeln!(
                f,
                "  {label} {}{at}: {} ({})",
                change.tool, change.detail, change.kind
            )?;
        }
        Ok(())
    }
}
