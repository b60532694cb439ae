//! `mcp-probe URL [--baseline PATH | --no-baseline] [--deadline 120s] [--interval 2s]
//! [--token-env MCP_PROBE_TOKEN]`: the post-deploy gate. One summary line on stdout, details on
//! stderr; exit 0 pass, 1 schema drift, 2 malformed answers, 3 unreachable, 64 usage.

#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use mcp_runtime::snapshot::probe::{ProbeOptions, ProbeOutcome, probe};
use mcp_runtime::transport::http::parse_duration;

fn parse(args: &[String]) -> Result<ProbeOptions, String> {
    let mut options = ProbeOptions::new("");
    let (mut baseline_given, mut token_env) = (false, "MCP_PROBE_TOKEN".to_owned());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || rest.next().cloned().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--baseline" => {
                options.baseline = Some(value()?.into());
                baseline_given = true;
            }
            "--no-baseline" => baseline_given = true,
            "--deadline" => options.deadline = parse_duration(&value()?)?,
            "--interval" => options.interval = parse_duration(&value()?)?,
            "--token-env" => token_env = value()?,
            url if !url.starts_with("--") && options.url.is_empty() => options.url = url.to_owned(),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if options.url.is_empty() {
        return Err("the endpoint URL is required".to_owned());
    }
    if !baseline_given {
        return Err("give --baseline PATH (mcp-schema.json or .sha256), or --no-baseline".into());
    }
    options.bearer_token = std::env::var(&token_env).ok().filter(|t| !t.is_empty());
    Ok(options)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match parse(&args) {
        Ok(options) => probe(&options).await,
        Err(why) => ProbeOutcome::Usage(format!(
            "{why}\nusage: mcp-probe URL (--baseline PATH | --no-baseline) [--deadline 120s] [--interval 2s] [--token-env NAME]"
        )),
    };
    if let Some(report) = outcome.report() {
        eprintln!("{report}");
    }
    println!("{}", outcome.summary());
    ExitCode::from(outcome.exit_code() as u8)
}
