//! Fail-fast configuration for a server's own settings: required and optional environment
//! variables, each parsed and validated, every problem listed in one [`Error::Config`] before
//! anything binds. A variable marked secret is never echoed.
//!
//! ```
//! use mcp_runtime::config::{self, Env};
//!
//! let mut env = Env::from_lookup(|name| match name {
//!     "APP_POOL_SIZE" => Some("500".to_owned()),
//!     "APP_API_KEY" => Some("".to_owned()),
//!     _ => None,
//! });
//! let _pool: u32 = env.optional("APP_POOL_SIZE", 4, config::integer(1..=64));
//! let _upstream = env.required("APP_UPSTREAM", config::url(&["https"]));
//! let _key = env.secret().required("APP_API_KEY", config::text);
//! let problems = env.finish().unwrap_err().to_string();
//! assert!(problems.contains("APP_POOL_SIZE=\"500\": expected an integer from 1 to 64"));
//! assert!(problems.contains("APP_UPSTREAM is required"));
//! assert!(problems.contains("APP_API_KEY is required"));
//! ```
//!
//! Mix in the runtime's own variables with [`Env::merge`], so that one message lists them all:
//! `let transport = env.merge(Transport::from_env());`.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::error::Error;

/// Values longer than this are clipped in messages.
const SHOWN_BYTES: usize = 64;

/// Where variables are read from.
type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// The environment being read, and every problem found so far.
pub struct Env {
    lookup: Lookup,
    problems: Vec<String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("problems", &self.problems.len())
            .finish()
    }
}

/// Reads secret variables: their values never appear in a message.
#[derive(Debug)]
pub struct Secret<'a>(&'a mut Env);

impl Env {
    /// The process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Any source of variables (a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + 'static) -> Self {
        Env {
            lookup: Box::new(lookup),
            problems: Vec::new(),
        }
    }

    /// A variable that must be set, parsed by `parse`. Missing or invalid, it is noted (and
    /// `T::default()` returned, never to be used: [`Env::finish`] fails).
    pub fn required<T: Default>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> T {
        self.read(name, false, parse).unwrap_or_else(|missing| {
            if missing {
                self.problems.push(format!("{name} is required"));
            }
            T::default()
        })
    }

    /// A variable that may be unset (or empty): `default` then. Invalid, it is noted.
    pub fn optional<T>(
        &mut self,
        name: &str,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> T {
        self.read(name, false, parse).unwrap_or(default)
    }

    /// Reads the next variables as secrets: a problem names the variable and what is expected,
    /// never its value.
    pub fn secret(&mut self) -> Secret<'_> {
        Secret(self)
    }

    /// Takes in the problems of another configuration step (such as
    /// [`Transport::from_env`](crate::transport::Transport::from_env)), so that one message lists
    /// all of them. Its value, when it had none.
    pub fn merge<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(Error::Config(problems)) => {
                self.problems.extend(problems);
                None
            }
            Err(other) => {
                self.problems.push(other.to_string());
                None
            }
        }
    }

    /// `Ok` when every variable read was valid; else every problem, in the order read.
    pub fn finish(self) -> Result<(), Error> {
        match self.problems.is_empty() {
            true => Ok(()),
            false => Err(Error::Config(self.problems)),
        }
    }

    /// `Ok(value)` when set and valid; `Err(true)` when unset or empty, `Err(false)` when
    /// invalid (noted).
    fn read<T>(
        &mut self,
        name: &str,
        secret: bool,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, bool> {
        let Some(value) = (self.lookup)(name).filter(|value| !value.trim().is_empty()) else {
            return Err(true);
        };
        parse(value.trim()).map_err(|why| {
            self.problems.push(match secret {
                true => format!("{name} (secret, not shown): {why}"),
                false => format!("{name}={:?}: {why}", clip(&value)),
            });
            false
        })
    }
}

impl Secret<'_> {
    /// As [`Env::required`], never echoing the value.
    pub fn required<T: Default>(self, name: &str, parse: impl Fn(&str) -> Result<T, String>) -> T {
        let env = self.0;
        env.read(name, true, parse).unwrap_or_else(|missing| {
            if missing {
                env.problems.push(format!("{name} is required"));
            }
            T::default()
        })
    }

    /// As [`Env::optional`], never echoing the value.
    pub fn optional<T>(
        self,
        name: &str,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> T {
        self.0.read(name, true, parse).unwrap_or(default)
    }
}

fn clip(value: &str) -> &str {
    match value.char_indices().nth(SHOWN_BYTES) {
        Some((end, _)) => &value[..end],
        None => value,
    }
}

/// Any text.
pub fn text(value: &str) -> Result<String, String> {
    Ok(value.to_owned())
}

/// A file path.
pub fn path(value: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(value))
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
pub fn boolean(value: &str) -> Result<bool, String> {
    crate::setting_values::parse_bool(value)
}

/// An integer within `range`.
pub fn integer<T>(range: RangeInclusive<T>) -> impl Fn(&str) -> Result<T, String>
where
    T: FromStr + PartialOrd + Display + Copy,
{
    move |value| {
        let expected = || {
            format!(
                "expected an integer from {} to {}",
                range.start(),
                range.end()
            )
        };
        let number: T = value.parse().map_err(|_| expected())?;
        match range.contains(&number) {
            true => Ok(number),
            false => Err(expected()),
        }
    }
}

/// A duration such as `250ms`, `30s`, `5m` or `1h`, as every `MCP_*` duration is read.
pub fn duration(value: &str) -> Result<Duration, String> {
    crate::setting_values::parse_duration(value)
}

/// A URL whose scheme is one of `schemes` (`https`, `postgres`, …), with a host; kept as text.
pub fn url(schemes: &'static [&'static str]) -> impl Fn(&str) -> Result<String, String> {
    move |value| {
        let expected = || format!("expected a URL with scheme {}", schemes.join(" or "));
        let (scheme, rest) = value.split_once("://").ok_or_else(expected)?;
        if !schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            return Err(expected());
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        if host.is_empty() || host.starts_with(':') || value.chars().any(char::is_whitespace) {
            return Err(format!("{}: it has no host", expected()));
        }
        Ok(value.to_owned())
    }
}

/// One of `choices`, exactly.
pub fn one_of(choices: &'static [&'static str]) -> impl Fn(&str) -> Result<String, String> {
    move |value| match choices.contains(&value) {
        true => Ok(value.to_owned()),
        false => Err(format!("expected one of {}", choices.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env {
        Env::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn every_problem_is_listed_and_secrets_are_never_echoed() {
        let mut env = env(&[
            ("POOL", "0"),
            ("URL", "ftp://files.example"),
            ("TOKEN", "hunter2-secret"),
            ("WAIT", "soon"),
            ("OK_NUMBER", "7"),
        ]);
        assert_eq!(env.optional("OK_NUMBER", 1u8, integer(1..=9)), 7);
        assert_eq!(env.optional("UNSET", 3u8, integer(1..=9)), 3);
        env.optional("POOL", 4usize, integer(1..=64));
        env.required("URL", url(&["https", "http"]));
        env.secret().required("TOKEN", url(&["https"]));
        env.optional("WAIT", Duration::from_secs(1), duration);
        env.required("MISSING", text);
        let Err(Error::Config(problems)) = env.finish() else {
            panic!("must fail")
        };
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].starts_with("POOL=\"0\": expected an integer from 1 to 64"));
        assert!(problems[1].contains("URL=\"ftp://files.example\""));
        assert_eq!(
            problems[2],
            "TOKEN (secret, not shown): expected a URL with scheme https"
        );
        assert!(problems[3].starts_with("WAIT=\"soon\""));
        assert_eq!(problems[4], "MISSING is required");
        assert!(!problems.join("\n").contains("hunter2"));
    }

    #[test]
    fn valid_values_parse_and_urls_need_a_host() {
        let check = url(&["https"]);
        assert!(check("https://db.example:5432/x").is_ok());
        assert!(check("HTTPS://user@db.example").is_ok());
        assert!(check("https://").is_err());
        assert!(check("https://:80/").is_err());
        assert!(check("db.example").is_err());
        assert_eq!(boolean("on"), Ok(true));
        assert_eq!(one_of(&["a", "b"])("b"), Ok("b".to_owned()));
        assert!(one_of(&["a", "b"])("c").is_err());
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        let mut env = env(&[]);
        let merged: Option<u8> = env.merge(Err(Error::Config(vec!["MCP_BIND: bad".to_owned()])));
        assert!(merged.is_none());
        assert!(env.finish().is_err());
    }
}
