//! Logs go to a file in the state dir, never to the terminal while the
//! console is up.

use std::path::PathBuf;

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
