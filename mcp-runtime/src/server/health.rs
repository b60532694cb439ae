//! Readiness and shutdown: the checks a user registers on the builder, run in parallel each
//! within its time limit, and the hooks that run once the drain is over (closing pools).
//!
//! A failing check is logged when it starts failing and when it recovers, never per probe.

use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, join_all};
use serde_json::{Value, json};

type CheckFn = dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync;
pub(super) type ShutdownHook = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;

/// One registered readiness check.
pub(super) struct ReadinessCheck {
    name: &'static str,
    run: Arc<CheckFn>,
    /// Whether its last run passed, so that only a change is logged.
    passing: AtomicBool,
}

impl ReadinessCheck {
    pub(super) fn new<F, Fut, E>(name: &'static str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Display,
    {
        let run: Arc<CheckFn> = Arc::new(move || {
            let future = check();
            Box::pin(async move { future.await.map_err(|error| error.to_string()) })
        });
        ReadinessCheck {
            name,
            run,
            passing: AtomicBool::new(true),
        }
    }
}

/// What the builder was given for readiness and shutdown.
pub(super) struct Operability {
    pub(super) checks: Vec<ReadinessCheck>,
    pub(super) check_timeout: Duration,
    pub(super) hooks: Mutex<Vec<ShutdownHook>>,
}

impl Operability {
    pub(super) fn hook<F, Fut>(hook: F) -> ShutdownHook
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Box::new(move || Box::pin(hook()))
    }
}

/// How one readiness check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStatus {
    /// It passed within its time limit.
    Ok,
    /// It returned an error (logged when it starts failing; never shown to the prober).
    Failed,
    /// It did not finish within its time limit.
    TimedOut,
}

impl CheckStatus {
    fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Failed => "failed",
            CheckStatus::TimedOut => "timeout",
        }
    }
}

/// One check's line of a [`Readiness`] report.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The name it was registered under.
    pub name: &'static str,
    /// How it ended.
    pub status: CheckStatus,
    /// How long it took.
    pub duration: Duration,
}

/// Whether the server is ready to serve: every check passed and no drain has begun.
#[derive(Clone, Debug)]
pub struct Readiness {
    /// A drain has begun ([`Server::begin_shutdown`]): not ready, whatever the checks say.
    pub draining: bool,
    /// Every check, in registration order.
    pub checks: Vec<CheckReport>,
}

impl Readiness {
    /// Ready: not draining and every check passed.
    pub fn is_ready(&self) -> bool {
        !self.draining && self.checks.iter().all(|c| c.status == CheckStatus::Ok)
    }

    /// The JSON report `/readyz` answers with.
    pub fn to_json(&self) -> Value {
        let status = match (self.draining, self.is_ready()) {
            (true, _) => "draining",
            (false, true) => "ready",
            (false, false) => "not_ready",
        };
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(|check| {
                json!({
                    "name": check.name,
                    "status": check.status.as_str(),
                    "duration_ms": check.duration.as_secs_f64() * 1000.0,
                })
            })
            .collect();
        json!({"status": status, "checks": checks})
    }
}

impl Operability {
    /// Runs every readiness check in parallel, each within its time limit; while `draining`,
    /// runs none and reports `draining`.
    pub(super) async fn readiness(&self, draining: bool) -> Readiness {
        let health = self;
        if draining {
            return Readiness {
                draining: true,
                checks: Vec::new(),
            };
        }
        let limit = health.check_timeout;
        let runs = health.checks.iter().map(|check| async move {
            let started = Instant::now();
            let status = match tokio::time::timeout(limit, (check.run)()).await {
                Ok(Ok(())) => CheckStatus::Ok,
                Ok(Err(error)) => {
                    if check.passing.swap(false, Ordering::Relaxed) {
                        // The error's text may name a host or a path: a log line, not the report.
                        tracing::warn!(check = check.name, %error, "readiness check failing");
                    }
                    CheckStatus::Failed
                }
                Err(_) => {
                    if check.passing.swap(false, Ordering::Relaxed) {
                        tracing::warn!(
                            check = check.name,
                            limit_ms = limit.as_millis() as u64,
                            "readiness check timed out"
                        );
                    }
                    CheckStatus::TimedOut
                }
            };
            if status == CheckStatus::Ok && !check.passing.swap(true, Ordering::Relaxed) {
                tracing::info!(check = check.name, "readiness check passing again");
            }
            CheckReport {
                name: check.name,
                status,
                duration: started.elapsed(),
            }
        });
        Readiness {
            draining: false,
            checks: join_all(runs).await,
        }
    }

    /// Runs the shutdown hooks, in order, each once (a second call runs none).
    pub(super) async fn run_hooks(&self) {
        let hooks = std::mem::take(&mut *self.hooks.lock().unwrap_or_else(PoisonError::into_inner));
        let count = hooks.len();
        for hook in hooks {
            hook().await;
        }
        if count > 0 {
            tracing::info!(hooks = count, "shutdown hooks ran");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::Implementation;
    use crate::server::Server;

    #[tokio::test]
    async fn a_failing_or_slow_check_makes_the_server_not_ready_and_draining_overrides_all() {
        let failing = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&failing);
        let server = Server::builder(Implementation::new("t", "0"))
            .readiness_check("flag", move || {
                let fail = flag.load(Ordering::Relaxed);
                async move { if fail { Err("down") } else { Ok(()) } }
            })
            .readiness_check("slow", || async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok::<(), String>(())
            })
            .readiness_check_timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        assert!(server.readiness().await.is_ready());
        failing.store(true, Ordering::Relaxed);
        let report = server.readiness().await;
        assert!(!report.is_ready());
        assert_eq!(report.checks[0].status, CheckStatus::Failed);
        assert_eq!(report.to_json()["status"], "not_ready");
        failing.store(false, Ordering::Relaxed);
        assert!(
            server.readiness().await.is_ready(),
            "back when the check passes"
        );
        server.begin_shutdown();
        let report = server.readiness().await;
        assert!(!report.is_ready());
        assert_eq!(report.to_json()["status"], "draining");
    }

    #[tokio::test]
    async fn a_check_past_its_limit_times_out_and_hooks_run_once() {
        let ran = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&ran);
        let server = Server::builder(Implementation::new("t", "0"))
            .readiness_check("stuck", std::future::pending::<Result<(), String>>)
            .readiness_check_timeout(Duration::from_millis(50))
            .on_shutdown(move || async move {
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .build()
            .unwrap();
        let started = Instant::now();
        let report = server.readiness().await;
        assert_eq!(report.checks[0].status, CheckStatus::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
        server.run_shutdown_hooks().await;
        server.run_shutdown_hooks().await;
        assert_eq!(ran.load(Ordering::Relaxed), 1);
    }
}
