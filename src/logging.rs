//! Logs go to a file in the state dir, never to the terminal while the
//! console is up.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use std::io::Write;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::MakeWriter;

use crate::model::text::sanitize;

/// Starts file logging (level from `TENANTRY_LOG`, default `info`). Returns
/// the log path and a guard that flushes on drop; None when there is no
/// state dir or it cannot be created (logging is then off, not fatal).
pub fn init() -> Option<(PathBuf, WorkerGuard)> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = crate::config::Paths::from_process().state?;
    // The state dir holds the audit log too: private from the start.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .ok()?;
    let appender = tracing_appender::rolling::never(&dir, "tenantry.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("TENANTRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(InertLines(writer))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some((dir.join("tenantry.log"), guard))
}

/// Makes every log line inert: one event is one line whatever its fields
/// hold (a newline or an escape sequence from the cluster is shown as
/// `\u{a}`, `\u{1b}`), and remembered credentials are masked
/// (`credentials::redact`), whatever a library chose to log.
#[derive(Clone)]
struct InertLines<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for InertLines<M> {
    type Writer = InertLine<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        InertLine {
            inner: self.0.make_writer(),
            buffer: Vec::new(),
        }
    }
}

/// Collects one event's text and writes it, made inert, when dropped (the
/// formatter makes one writer per event).
struct InertLine<W: Write> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> Write for InertLine<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for InertLine<W> {
    fn drop(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let line = inert_line(&String::from_utf8_lossy(&self.buffer));
        let _ = self.inner.write_all(line.as_bytes());
        let _ = self.inner.flush();
    }
}

/// One log event as one safe line.
fn inert_line(event: &str) -> String {
    let body = event.strip_suffix('\n').unwrap_or(event);
    let mut line = crate::credentials::redact(&sanitize(body)).into_owned();
    line.push('\n');
    line
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_event_stays_one_inert_line() {
        assert_eq!(
            inert_line("INFO x: ns \x1b[31mred\nFAKE line\u{202e}\n"),
            "INFO x: ns \\u{1b}[31mred\\u{a}FAKE line\\u{202e}\n"
        );
        let mut out = Vec::new();
        {
            let mut writer = InertLine {
                inner: &mut out,
                buffer: Vec::new(),
            };
            let _ = writer.write_all(b"a\x07");
            let _ = writer.write_all(b"b\n");
        }
        assert_eq!(String::from_utf8_lossy(&out), "a\\u{7}b\n");
    }
}
