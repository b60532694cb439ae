//! The processes a bench run starts: where they are pinned, how many files they may open, when
//! the servers are up, and what `/proc` says about them.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Which core the servers and the load generator run on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placement {
    /// The servers' core (`taskset -c`), or none when unpinned.
    pub(crate) server: Option<usize>,
    /// The load generator's core.
    pub(crate) load: Option<usize>,
}

impl Placement {
    /// Servers on core 0 and the load generator on core 1, so that neither takes CPU from the
    /// other and both servers get the same single core; unpinned on one core or without
    /// `taskset` (util-linux), which the run then says.
    pub(crate) fn detect() -> Placement {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let taskset = Command::new("taskset")
            .args(["-c", "0", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        match cores >= 2 && taskset {
            true => Placement {
                server: Some(0),
                load: Some(1),
            },
            false => Placement {
                server: None,
                load: None,
            },
        }
    }

    /// One line for the report.
    pub(crate) fn describe(&self) -> String {
        match (self.server, self.load) {
            (Some(server), Some(load)) => format!(
                "servers pinned to core {server} (`taskset -c {server}`), the load generator to core {load}"
            ),
            _ => "unpinned (fewer than 2 cores, or no `taskset`): servers and load share the CPU"
                .to_owned(),
        }
    }
}

/// `program args…`, pinned to `core`, and with its open-file limit raised to `open_files` (or
/// as far as the hard limit allows) when given.
pub(crate) fn command(
    core: Option<usize>,
    open_files: Option<u64>,
    program: &Path,
    args: &[&str],
) -> Command {
    let mut argv: Vec<OsString> = Vec::new();
    if let Some(core) = core {
        argv.extend(["taskset".into(), "-c".into(), core.to_string().into()]);
    }
    argv.push(program.into());
    argv.extend(args.iter().map(OsString::from));
    match open_files {
        Some(limit) => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!(
                    "ulimit -n {limit} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"$@\""
                ))
                .arg("sh")
                .args(argv);
            command
        }
        None => {
            let mut command = Command::new(&argv[0]);
            command.args(&argv[1..]);
            command
        }
    }
}

/// The open-file limit a process started with `command(…, Some(wanted), …)` gets.
pub(crate) fn reachable_open_files(wanted: u64) -> u64 {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {wanted} 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; ulimit -n"
        ))
        .output();
    output
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| match text.trim() {
            "unlimited" => Some(u64::MAX),
            number => number.parse().ok(),
        })
        .unwrap_or(1024)
}

/// A server process, killed when dropped.
pub(crate) struct Server {
    name: String,
    child: Child,
    address: String,
}

impl Server {
    /// Starts the server `command_for(address)` builds, on a free loopback port, and waits until
    /// it accepts connections. Its stderr (one log line per call, by default) goes to
    /// /dev/null: formatted and written by the server as always, but with no reader taking CPU
    /// on the cores being measured.
    pub(crate) fn start(
        name: &str,
        command_for: impl FnOnce(&str) -> Command,
    ) -> Result<Server, String> {
        let address = free_address().map_err(|e| format!("no free port for {name}: {e}"))?;
        let mut command = command_for(&address);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(&address).is_err() {
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{name} did not accept connections on {address} within {START_TIMEOUT:?} \
                     (exit: {exited:?}); run {command:?} by hand to see its log"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Server {
            name: name.to_owned(),
            child,
            address,
        })
    }

    /// `http://ADDR/mcp`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/mcp", self.address)
    }

    /// What `/proc` says about it now.
    pub(crate) fn usage(&self) -> Result<Usage, String> {
        usage(self.child.id()).map_err(|e| format!("{}: {e}", self.name))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback address with a port nothing listens on now (the kernel's pick, released at once
/// for the server to bind).
fn free_address() -> std::io::Result<String> {
    let probe = TcpListener::bind("127.0.0.1:0")?;
    Ok(probe.local_addr()?.to_string())
}

/// A process's CPU time and memory.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Usage {
    /// User + system CPU time, all threads, in seconds.
    pub(crate) cpu_seconds: f64,
    /// Resident set now (`VmRSS`), KiB.
    pub(crate) rss_kib: u64,
    /// The largest resident set so far (`VmHWM`), KiB.
    pub(crate) peak_kib: u64,
}

/// Reads `/proc/PID/stat` (utime + stime, in USER_HZ ticks: 100 a second on Linux) and
/// `/proc/PID/status`.
pub(crate) fn usage(pid: u32) -> Result<Usage, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    // After the `)` that closes the command name, fields start at stat(5)'s third.
    let ticks = |field: usize| fields.get(field - 3).and_then(|v| v.parse::<u64>().ok());
    let (Some(user), Some(system)) = (ticks(14), ticks(15)) else {
        return Err(format!("/proc/{pid}/stat: no utime/stime"));
    };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .ok_or_else(|| format!("/proc/{pid}/status: no {key}"))
    };
    Ok(Usage {
        cpu_seconds: (user + system) as f64 / 100.0,
        rss_kib: kib("VmRSS:")?,
        peak_kib: kib("VmHWM:")?,
    })
}

/// Runs `command` to the end and returns the last line of its stdout; fails with its stderr.
pub(crate) fn last_line(mut command: Command) -> Result<String, String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match (output.status.success(), stdout.lines().last()) {
        (true, Some(line)) => Ok(line.to_owned()),
        _ => Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

/// A process driven line by line: it prints a line when it reaches a step and waits for a
/// line on its stdin to go on.
pub(crate) struct Stepper {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
}

impl Stepper {
    /// Starts `command` with piped stdin and stdout.
    pub(crate) fn start(mut command: Command) -> Result<Stepper, String> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {command:?}: {e}"))?;
        let input = child.stdin.take();
        let output = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        Ok(Stepper {
            child,
            input,
            output,
        })
    }

    /// The next line it prints; fails with its stderr if it ends instead.
    pub(crate) fn next_line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.output.read_line(&mut line) {
            Ok(read) if read > 0 => Ok(line.trim_end().to_owned()),
            _ => {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                Err(format!("it ended early: {}", stderr.trim()))
            }
        }
    }

    /// Lets it go on.
    pub(crate) fn go_on(&mut self) {
        if let Some(input) = &mut self.input {
            let _ = input.write_all(b"\n").and_then(|()| input.flush());
        }
    }
}

impl Drop for Stepper {
    fn drop(&mut self) {
        drop(self.input.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_up_once_it_accepts_and_a_dead_one_is_reported() {
        // `nc -l` is not everywhere; a shell that exits at once is, and must be reported.
        let failed = Server::start("quitter", |_| {
            let mut command = Command::new("sh");
            command.args(["-c", "exit 3"]);
            command
        });
        let error = failed.err().expect("a server that exits is not up");
        assert!(
            error.contains("quitter did not accept connections"),
            "{error}"
        );
        assert!(free_address().unwrap().starts_with("127.0.0.1:"));
    }

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let mine = usage(std::process::id()).unwrap();
        assert!(mine.rss_kib > 0);
        assert!(mine.peak_kib >= mine.rss_kib);
        assert!(usage(u32::MAX).is_err());
    }

    #[test]
    fn the_open_file_limit_is_raised_for_the_child_only() {
        let mut command = command(None, Some(1024), Path::new("sh"), &["-c", "ulimit -n"]);
        let output = command.output().unwrap();
        let limit: u64 = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap();
        assert_eq!(limit, reachable_open_files(1024));
    }
}
