//! Logs go to a file in the state dir, never to the terminal while the
//! console is up.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tracing_appender::non_blocking::WorkerGuard;

/// Starts file logging (level from `TENANTRY_LOG`, default `info`). Returns
/// the log path and a guard that flushes on drop; None when there is no
/// state dir or it cannot be created (logging is then off, not fatal).
pub fn init() -> Option<(PathBuf, WorkerGuard)> {
    let dir = crate::config::Paths::from_process().state?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "tenantry.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("TENANTRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some((dir.join("tenantry.log"), guard))
}

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Records when the process started, for the start-up figures the README
/// reports (first frame, fully synced). The first call wins.
pub fn mark_start() {
    let _ = STARTED.set(Instant::now());
}

/// Time since [`mark_start`] (zero if it was never called).
pub fn since_start() -> Duration {
    STARTED.get().map(Instant::elapsed).unwrap_or_default()
}
