//! Reading the one-line JSON objects `mcp_load` and the servers print, with std only: the lines
//! are flat, written without spaces by serde_json, and the keys asked for are known.

/// The number after `"key":`, if the line has one.
pub(crate) fn number(line: &str, key: &str) -> Option<f64> {
    let rest = after_key(line, key)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The string after `"key":`, if the line has one without escapes.
pub(crate) fn string<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = after_key(line, key)?.strip_prefix('"')?;
    rest.find('"').map(|end| &rest[..end])
}

fn after_key<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\":");
    let at = line.find(&needle)?;
    Some(line[at + needle.len()..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_are_found_by_key() {
        let line = r#"{"mode":"http","rps":41233.0,"p99_ms":3.1,"failures":0,"x":-2e-3}"#;
        assert_eq!(number(line, "rps"), Some(41233.0));
        assert_eq!(number(line, "p99_ms"), Some(3.1));
        assert_eq!(number(line, "failures"), Some(0.0));
        assert_eq!(number(line, "x"), Some(-0.002));
        assert_eq!(number(line, "p50_ms"), None);
        assert_eq!(string(line, "mode"), Some("http"));
        assert_eq!(number(line, "mode"), None);
        let listening = r#"{"level":"INFO","msg":"listening","addr":"127.0.0.1:4242"}"#;
        assert_eq!(string(listening, "addr"), Some("127.0.0.1:4242"));
    }
}
