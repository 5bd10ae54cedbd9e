//! The audit log (ARCHITECTURE.md §5): one JSON line per write and per refusal,
//! appended to `audit.log` in the state dir.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::model::text::Inert;

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
    AuditLog::open()?.append(record)
}

/// The audit log, opened for appending and checked: a regular file of this
/// user's, mode 0600, never reached through a symbolic link, in a directory
/// only this user can change. The write path opens it before anything is
/// sent, so a write whose record cannot be written is refused up front.
#[derive(Debug)]
pub struct AuditLog {
    file: std::fs::File,
    path: PathBuf,
}

impl AuditLog {
    /// Opens the log at [`audit_path`].
    pub fn open() -> Result<AuditLog> {
        let path =
            audit_path().context("no state directory for the audit log: set TENANTRY_STATE_DIR")?;
        AuditLog::open_at(&path)
    }

    /// Opens (creating it and its directory, mode 0700, when needed) the
    /// log at `path`, mode 0600. Refused, with the reason: a symbolic link,
    /// something else than a regular file, a file another user owns, a
    /// directory another user (not root) owns, a directory others may write
    /// to unless it is sticky like /tmp, a read-only file or directory
    /// (read-only is honoured even for root).
    pub fn open_at(path: &Path) -> Result<AuditLog> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
        let shown = path.display();
        let refuse = |why: String| anyhow::anyhow!("the audit log {shown} cannot be used: {why}");
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .with_context(|| format!("creating the audit log's directory {}", dir.display()))?;
        }
        let dir_meta = std::fs::metadata(&dir)
            .with_context(|| format!("reading the audit log's directory {}", dir.display()))?;
        if !dir_meta.is_dir() {
            return Err(refuse(format!("{} is not a directory", dir.display())));
        }
        if dir_meta.uid() != me && dir_meta.uid() != 0 {
            return Err(refuse(format!(
                "its directory {} belongs to another user (uid {})",
                dir.display(),
                dir_meta.uid()
            )));
        }
        // A shared directory is fine only with the sticky bit (/tmp): then
        // no one else can remove or rename the file, and what they could
        // put at the path first (a link, a file of theirs) is refused below.
        if dir_meta.mode() & 0o022 != 0 && dir_meta.mode() & 0o1000 == 0 {
            return Err(refuse(format!(
                "its directory {} may be written by others (mode {:o}); `chmod 700` it",
                dir.display(),
                dir_meta.mode() & 0o7777
            )));
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse(
                    "it is a symbolic link; the audit log is never written through a link".into(),
                ));
            }
            Ok(meta) if meta.mode() & 0o200 == 0 => {
                return Err(refuse("the file is read-only".into()));
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                if dir_meta.mode() & 0o200 == 0 {
                    return Err(refuse(format!(
                        "its directory {} is read-only",
                        dir.display()
                    )));
                }
            }
            Err(err) => return Err(refuse(format!("cannot inspect it: {err}"))),
        }
        // O_NOFOLLOW closes the gap between the check above and the open:
        // a link put there meanwhile makes the open fail.
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(|err| {
                if err.raw_os_error() == Some(libc::ELOOP) {
                    refuse(
                        "it is a symbolic link; the audit log is never written through a link"
                            .into(),
                    )
                } else {
                    refuse(format!("opening it failed: {err}"))
                }
            })?;
        let meta = file
            .metadata()
            .map_err(|err| refuse(format!("cannot inspect it: {err}")))?;
        if !meta.is_file() {
            return Err(refuse("it is not a regular file".into()));
        }
        if meta.uid() != me {
            return Err(refuse(format!(
                "the file belongs to another user (uid {})",
                meta.uid()
            )));
        }
        if meta.mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|err| refuse(format!("cannot make it private (chmod 600): {err}")))?;
        }
        Ok(AuditLog {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Appends one record as one JSON line: every string sanitized
    /// (`model::text`), credentials masked.
    pub fn append(&mut self, record: &AuditRecord) -> Result<()> {
        let line = serde_json::to_string(&Inert(record))?;
        let mut line = crate::credentials::redact(&line).into_owned();
        line.push('\n');
        // One write call per line: appends of a line are not interleaved.
        self.file
            .write_all(line.as_bytes())
            .with_context(|| format!("writing the audit log {}", self.path.display()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o7777
    }

    fn record_with(message: &str) -> AuditRecord {
        AuditRecord {
            time: now_rfc3339(),
            context: "ctx".into(),
            user: "ada".into(),
            action: "quota set".into(),
            objects: vec!["ResourceQuota a/q".into()],
            dry_run: false,
            result: "applied".into(),
            message: Some(message.into()),
        }
    }

    #[test]
    fn a_new_log_is_private_in_a_private_directory() {
        let temp = tempfile::tempdir().expect("tempdir");
        let path = temp.path().join("state").join("tenantry").join("audit.log");
        let mut log = AuditLog::open_at(&path).expect("opens");
        log.append(&record_with("server said \x1b[2J\u{202e}"))
            .expect("appends");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("dir")), 0o700);
        assert_eq!(mode(&temp.path().join("state")), 0o700);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 1);
        assert!(
            text.contains(r#"server said \\u{1b}[2J\\u{202e}"#),
            "{text}"
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
    }

    #[test]
    fn an_existing_log_readable_by_others_is_made_private() {
        let temp = tempfile::tempdir().expect("tempdir");
        let path = temp.path().join("audit.log");
        std::fs::write(&path, "").expect("file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        AuditLog::open_at(&path).expect("opens");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn links_read_only_places_and_shared_directories_are_refused() {
        let temp = tempfile::tempdir().expect("tempdir");
        let real = temp.path().join("real.log");
        std::fs::write(&real, "").expect("file");
        let link = temp.path().join("link.log");
        std::os::unix::fs::symlink(&real, &link).expect("link");
        let err = format!("{:#}", AuditLog::open_at(&link).expect_err("a link"));
        assert!(err.contains("symbolic link"), "{err}");
        // A dangling link is refused too (it would create its target).
        let dangling = temp.path().join("dangling.log");
        std::os::unix::fs::symlink(temp.path().join("nowhere.log"), &dangling).expect("link");
        assert!(AuditLog::open_at(&dangling).is_err());
        assert!(!temp.path().join("nowhere.log").exists());

        let read_only = temp.path().join("ro");
        std::fs::create_dir(&read_only).expect("dir");
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o500))
            .expect("chmod");
        let err = format!(
            "{:#}",
            AuditLog::open_at(&read_only.join("audit.log")).expect_err("read-only dir")
        );
        assert!(err.contains("read-only"), "{err}");

        let frozen = temp.path().join("frozen.log");
        std::fs::write(&frozen, "").expect("file");
        std::fs::set_permissions(&frozen, std::fs::Permissions::from_mode(0o400)).expect("chmod");
        let err = format!(
            "{:#}",
            AuditLog::open_at(&frozen).expect_err("read-only file")
        );
        assert!(err.contains("read-only"), "{err}");

        let shared = temp.path().join("shared");
        std::fs::create_dir(&shared).expect("dir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = format!(
            "{:#}",
            AuditLog::open_at(&shared.join("audit.log")).expect_err("shared dir")
        );
        assert!(err.contains("written by others"), "{err}");
        // Sticky, like /tmp: accepted.
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
        AuditLog::open_at(&shared.join("audit.log")).expect("sticky shared dir");

        let not_a_file = temp.path().join("adir");
        std::fs::create_dir(&not_a_file).expect("dir");
        assert!(AuditLog::open_at(&not_a_file).is_err());
    }

    #[test]
    fn a_log_another_user_owns_is_refused() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            // Only root can give a file away; as another user the check
            // is the same code path, exercised when the tests run as root.
            return;
        }
        let temp = tempfile::tempdir().expect("tempdir");
        let path = temp.path().join("audit.log");
        std::fs::write(&path, "").expect("file");
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).expect("chown");
        let err = format!("{:#}", AuditLog::open_at(&path).expect_err("foreign file"));
        assert!(err.contains("another user"), "{err}");
    }

    #[test]
    fn timestamps_look_like_rfc3339() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z'));
        assert_eq!(&now[4..5], "-");
        assert!(now.starts_with("20"), "{now}");
    }
}
