//! "did you mean `read_only`?": the nearest accepted key, added to lookahead's "expected one of …".

use syn::parse::{Lookahead1, ParseStream};

/// The error for an unknown key where `lookahead` has tried every accepted one: its "expected
/// one of …" list, plus the nearest accepted key when one is near enough. The candidates are read
/// from that list, so a key added to a grammar is suggested without being named twice.
pub(super) fn unknown_key(input: ParseStream<'_>, lookahead: Lookahead1<'_>) -> syn::Error {
    let error = lookahead.error();
    let Some((written, _)) = input.cursor().ident() else {
        return error;
    };
    let written = written.to_string();
    let message = error.to_string();
    // The list quotes each key in backticks: every other piece between them.
    let candidates: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    match nearest(written.trim_start_matches("r#"), &candidates) {
        Some(best) => syn::Error::new(error.span(), format!("{message}; did you mean `{best}`?")),
        None => error,
    }
}

/// The candidate within a third of its length in edits (at least one), else the first that
/// contains what was written or is contained in it (`desc` → `description`).
fn nearest<'a>(written: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let close = candidates
        .iter()
        .map(|candidate| (distance(written, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate);
    close.or_else(|| {
        candidates.iter().copied().find(|candidate| {
            written.len().min(candidate.len()) >= 4
                && (candidate.contains(written) || written.contains(candidate))
        })
    })
}

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    rows[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ArgAttr, ToolAttr};

    const TOOL_KEYS: &[&str] = &[
        "name",
        "title",
        "description",
        "read_only",
        "destructive",
        "idempotent",
        "open_world",
        "timeout",
        "scopes",
    ];

    #[test]
    fn the_nearest_key_is_suggested() {
        for (written, expected) in [
            ("readonly", Some("read_only")),
            ("readOnly", Some("read_only")),
            ("nmae", Some("name")),
            ("timout", Some("timeout")),
            ("desc", Some("description")),
            ("idempotnet", Some("idempotent")),
            ("openworld", Some("open_world")),
            ("x", None),
            ("cost_per_call", None),
        ] {
            assert_eq!(nearest(written, TOOL_KEYS), expected, "{written}");
        }
    }

    #[test]
    fn the_suggestion_follows_the_list() {
        let error = syn::parse_str::<ToolAttr>("readonly")
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with("expected one of: `name`, `title`"),
            "{error}"
        );
        assert!(
            error.ends_with("`budget`; did you mean `read_only`?"),
            "{error}"
        );
        let error = syn::parse_str::<ArgAttr>("max_length = 10")
            .err()
            .unwrap()
            .to_string();
        assert!(error.ends_with("; did you mean `length`?"), "{error}");
        let error = syn::parse_str::<ArgAttr>("range(mx = 3)")
            .err()
            .unwrap()
            .to_string();
        assert_eq!(error, "expected `min` or `max`; did you mean `max`?");
        let error = syn::parse_str::<ToolAttr>("zzz").err().unwrap().to_string();
        assert!(!error.contains("did you mean"), "{error}");
    }
}
