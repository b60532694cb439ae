//! Values as settings write them: durations (`250ms`, `30s`, `5m`, `1h`) and booleans. The
//! runtime's `MCP_*` variables and `config::Env` for the user's own read them the same way.

use std::time::Duration;

/// Reads a duration as the `MCP_*` variables write them: `250ms`, `30s`, `5m`, `1h`.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| "expected a duration such as 250ms, 30s, 5m or 1h".to_owned())?;
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number * 60),
        "h" => Duration::from_secs(number * 3600),
        _ => return Err("expected a duration such as 250ms, 30s, 5m or 1h".to_owned()),
    };
    match duration.is_zero() {
        true => Err("a duration must be positive".to_owned()),
        false => Ok(duration),
    }
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
pub(crate) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".to_owned()),
    }
}
