//! The audit log (DESIGN.md §5): one JSON line per write and per refusal,
//! appended to `audit.log` in the state dir.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    /// RFC 3339, UTC.
    pub time: String,
    pub context: String,
    pub user: String,
    /// `create`, `quota set`, `apply TEMPLATE`.
    pub action: String,
    pub objects: Vec<String>,
    pub dry_run: bool,
    /// `applied`, `partial`, `refused`, `failed` or `previewed`.
    pub result: String,
    pub message: Option<String>,
}

/// The note on a write that took fields over from other field managers.
pub const FORCED: &str = "forced: fields owned by other managers were taken over";

/// Appends a record for one write (or preview, or refusal) by `user` on
/// `context`, now.
pub fn record_write(
    context: &str,
    user: &str,
    action: &str,
    objects: Vec<String>,
    dry_run: bool,
    result: &str,
    message: Option<String>,
) -> Result<()> {
    record(&AuditRecord {
        time: now_rfc3339(),
        context: context.to_string(),
        user: user.to_string(),
        action: action.to_string(),
        objects,
        dry_run,
        result: result.to_string(),
        message,
    })
}

/// Where records go: `TENANTRY_AUDIT_LOG`, else `audit.log` in the state dir.
pub fn audit_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TENANTRY_AUDIT_LOG") {
        return Some(PathBuf::from(path));
    }
    crate::config::Paths::from_process().audit_log()
}

/// UTC now as RFC 3339 without a date crate: days from the civil calendar
/// algorithm (Howard Hinnant's `civil_from_days`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Appends one record. A write that cannot be audited is reported to the
/// caller rather than silently unrecorded.
pub fn record(record: &AuditRecord) -> Result<()> {
    let path =
        audit_path().context("no state directory for the audit log: set TENANTRY_STATE_DIR")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut line = serde_json::to_string(record)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening the audit log {}", path.display()))?;
    // One write call per line: appends of a line are not interleaved.
    file.write_all(line.as_bytes())
        .with_context(|| format!("writing the audit log {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_rfc3339() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z'));
        assert_eq!(&now[4..5], "-");
        assert!(now.starts_with("20"), "{now}");
    }
}
