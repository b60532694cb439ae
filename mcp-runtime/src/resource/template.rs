//! URI templates (RFC 6570) as resources use them: literal text with `{var}` (simple string
//! expansion: the value is one path segment) and `{+var}` (reserved expansion: the value may
//! contain `/`). Anything else is refused when the server is built, so a template never matches
//! differently from what it advertises.

use std::collections::HashMap;

use regex::Regex;

/// A parsed template and the exact matcher built from it.
#[derive(Debug)]
pub(crate) struct UriTemplate {
    variables: Vec<String>,
    matcher: Regex,
}

impl UriTemplate {
    /// Parses `template`; the error says what cannot be matched.
    pub(crate) fn parse(template: &str) -> Result<Self, String> {
        let mut pattern = String::from("^");
        let mut variables = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let (literal, tail) = rest.split_at(open);
            if literal.contains('}') {
                return Err(format!("`{template}` has a `}}` without a `{{`"));
            }
            pattern.push_str(&regex::escape(literal));
            let close = tail
                .find('}')
                .ok_or_else(|| format!("`{template}` has a `{{` without a `}}`"))?;
            let expression = &tail[1..close];
            let (name, reserved) = match expression.strip_prefix('+') {
                Some(name) => (name, true),
                None => (expression, false),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "`{template}`: `{{{expression}}}` is not supported; use `{{name}}` for one path segment or `{{+name}}` for a value that may contain `/`"
                ));
            }
            if variables.iter().any(|known| known == name) {
                return Err(format!("`{template}` names `{name}` twice"));
            }
            pattern.push_str(if reserved { "(.+?)" } else { "([^/?#]+)" });
            variables.push(name.to_owned());
            rest = &tail[close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("`{template}` has a `}}` without a `{{`"));
        }
        pattern.push_str(&regex::escape(rest));
        pattern.push('$');
        let matcher = Regex::new(&pattern).map_err(|error| format!("`{template}`: {error}"))?;
        Ok(UriTemplate { variables, matcher })
    }

    /// The variables, in order.
    pub(crate) fn variables(&self) -> &[String] {
        &self.variables
    }

    /// The variables' values (percent-decoded) if `uri` matches.
    pub(crate) fn matches(&self, uri: &str) -> Option<HashMap<String, String>> {
        let captures = self.matcher.captures(uri)?;
        self.variables
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let raw = captures.get(index + 1)?.as_str();
                Some((name.clone(), percent_decode(raw)?))
            })
            .collect()
    }
}

/// `%41` → `A`; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_variables_match_one_segment() {
        let template = UriTemplate::parse("test://template/{id}/data").unwrap();
        assert_eq!(template.variables(), ["id"]);
        let values = template.matches("test://template/123/data").unwrap();
        assert_eq!(values["id"], "123");
        assert!(template.matches("test://template/1/2/data").is_none());
        assert!(template.matches("test://template//data").is_none());
        assert!(template.matches("test://template/1/data/x").is_none());
    }

    #[test]
    fn reserved_variables_span_segments_and_values_are_decoded() {
        let template = UriTemplate::parse("file:///{+path}.{ext}").unwrap();
        let values = template.matches("file:///a/b%20c.txt").unwrap();
        assert_eq!(values["path"], "a/b c");
        assert_eq!(values["ext"], "txt");
        assert!(
            UriTemplate::parse("x://{id}")
                .unwrap()
                .matches("x://%zz")
                .is_none()
        );
    }

    #[test]
    fn literals_are_literal() {
        let template = UriTemplate::parse("a.b://{x}?q").unwrap();
        assert!(template.matches("a.b://1?q").is_some());
        assert!(template.matches("aXb://1?q").is_none());
    }

    #[test]
    fn unsupported_expressions_are_refused() {
        for bad in [
            "x://{?q}",
            "x://{a,b}",
            "x://{a*}",
            "x://{",
            "x://}",
            "x://{a}/{a}",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
