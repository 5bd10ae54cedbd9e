//! The one write path (ARCHITECTURE.md §5, §10). The console and the headless
//! commands both write through [`WritePath`], in two phases:
//!
//! 1. [`WritePath::prepare`]: local checks (read-only mode first, then the
//!    objects themselves), then the server's dry run of the whole set; the
//!    answer is a [`PreparedWrite`], the request with the plan to show.
//! 2. [`WritePath::commit`]: the same local checks, the dry run again,
//!    compared with the plan that was shown; only when the server still
//!    plans exactly that, the apply, object by object; then the audit record.
//!
//! The callers differ only in how they show the plan and ask for the
//! confirmation: the console draws it and waits for a key, the headless
//! commands print it and commit at once (or stop there with `--dry-run`).
//!
//! Read-only mode is enforced here: in it, neither phase sends anything,
//! not even a dry run.

use super::client::Connection;
use super::write::Writer;
use crate::model::write_plan::{
    Committed, ObjectRef, PlanSummary, PreparedWrite, Refusal, WriteError, WriteRequest,
    describe_objects, validate_objects,
};

/// Whether a preview is recorded in the audit log on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview {
    /// The plan is an answer of its own: a dry run (`--dry-run`), or the
    /// console's preview that a person confirms later. Recorded as
    /// `previewed` (refusals with `dry_run: true`).
    Recorded,
    /// A commit follows at once (a headless write without `--dry-run`):
    /// the commit's record says what happened.
    FollowedByCommit,
}

/// Who writes where, and whether they may.
#[derive(Clone)]
pub struct WritePath {
    client: kube::Client,
    context: String,
    user: String,
    /// Why every write is refused, when it is: `--readonly` or
    /// `readonly: true`, the context's guard, a view as another subject.
    readonly: Option<WriteError>,
    /// Where a problem with the audit log is told: stderr for the headless
    /// commands, the log file for the console (the terminal is the UI's).
    warn: fn(&str),
}

fn warn_to_log(message: &str) {
    tracing::warn!("{message}");
}

impl WritePath {
    /// `user` is the name the audit log records (the server's name for the
    /// user when it told it). Building one sends nothing. Besides
    /// `readonly`, the connection's own guard closes the gate: the
    /// context's `readonly: true` in config.yaml, or a view that only
    /// shows what another subject sees.
    pub fn new(connection: &Connection, user: impl Into<String>, readonly: bool) -> Self {
        let readonly = if connection.view_only {
            let who = connection
                .impersonating
                .as_ref()
                .map_or_else(|| "another user".to_string(), |s| s.describe());
            Some(WriteError::Guarded(format!(
                "this view shows what {who} sees and is read-only (leave it with Esc or v to write)"
            )))
        } else if connection.guard.readonly {
            Some(WriteError::Guarded(
                connection.guard.readonly_reason(&connection.context),
            ))
        } else {
            readonly.then_some(WriteError::ReadOnly)
        };
        // Under impersonation the server names the subject acted as; the
        // audit log keeps who acted too (the kubeconfig's user entry).
        let user = match &connection.impersonating {
            Some(subject) => format!(
                "{} (kubeconfig user {}, impersonating)",
                subject.describe(),
                connection.user
            ),
            None => user.into(),
        };
        WritePath {
            client: connection.client.clone(),
            context: connection.context.clone(),
            user,
            readonly,
            warn: warn_to_log,
        }
    }

    /// Where warnings about the audit log go (default: the log file).
    pub fn warn_with(mut self, warn: fn(&str)) -> Self {
        self.warn = warn;
        self
    }

    pub fn readonly(&self) -> bool {
        self.readonly.is_some()
    }

    /// The read-only gate, recorded when it refuses. Both phases pass it
    /// first; a headless command also calls it before it reads anything,
    /// so that in read-only mode a write command sends no request at all.
    pub fn refuse_if_readonly(&self, request: &WriteRequest, dry_run: bool) -> Result<(), Refusal> {
        let Some(error) = &self.readonly else {
            return Ok(());
        };
        let reason = match error {
            WriteError::Guarded(reason) => reason.clone(),
            _ => "read-only mode".into(),
        };
        self.record(request, dry_run, "refused", Some(reason));
        Err(Refusal {
            object: None,
            error: error.clone(),
        })
    }

    /// Records a refusal decided before the write path was reached (a
    /// template's objects outside the tenant): nothing is sent.
    pub fn record_refusal(&self, request: &WriteRequest, dry_run: bool, reason: &str) {
        self.record(request, dry_run, "refused", Some(reason.to_string()));
    }

    /// Everything decided before a request is sent.
    fn check_locally(&self, request: &WriteRequest, dry_run: bool) -> Result<(), Refusal> {
        self.refuse_if_readonly(request, dry_run)?;
        validate_objects(&request.objects).inspect_err(|refusal| {
            self.record(request, dry_run, "refused", Some(refusal.to_string()))
        })?;
        // No request leaves before the audit log is known to take the
        // record (mode 0600, no symlink, writable).
        crate::audit::AuditLog::open()
            .map(drop)
            .map_err(|err| Refusal {
                object: None,
                error: WriteError::AuditLog(format!("{err:#}")),
            })
    }

    /// Phase 1: checks the request locally, then dry-runs every object on
    /// the server (`dryRun=All`): nothing is written. The plan says, per
    /// object, whether it is created, changed (and which fields) or left
    /// as it is.
    pub async fn prepare(
        &self,
        request: WriteRequest,
        preview: Preview,
    ) -> Result<PreparedWrite, Refusal> {
        let dry_run = preview == Preview::Recorded;
        self.check_locally(&request, dry_run)?;
        let writer = Writer::new(self.client.clone(), request.force);
        match writer.preflight(&request.objects).await {
            Ok(planned) => {
                if dry_run {
                    self.record(&request, true, "previewed", None);
                }
                Ok(PreparedWrite {
                    plan: planned.iter().map(|p| p.summary()).collect(),
                    request,
                })
            }
            Err((object, error)) => {
                let refusal = Refusal::at(object, error);
                self.record(&request, dry_run, "refused", Some(refusal.to_string()));
                Err(refusal)
            }
        }
    }

    /// Phase 2: writes `prepared` when the server still plans exactly what
    /// its preview showed; otherwise writes nothing and answers with the
    /// new plan. `on_applied` hears of each object as it is applied.
    pub async fn commit(
        &self,
        prepared: PreparedWrite,
        on_applied: impl FnMut(&ObjectRef),
    ) -> Committed {
        let PreparedWrite { request, plan } = prepared;
        if let Err(refusal) = self.check_locally(&request, false) {
            return Committed::Refused(refusal);
        }
        let writer = Writer::new(self.client.clone(), request.force);
        let planned = match writer.preflight(&request.objects).await {
            Ok(planned) => planned,
            Err((object, error)) => {
                let refusal = Refusal::at(object, error);
                self.record(&request, false, "refused", Some(refusal.to_string()));
                return Committed::Refused(refusal);
            }
        };
        let now: Vec<PlanSummary> = planned.iter().map(|p| p.summary()).collect();
        if now != plan {
            self.record(&request, false, "refused", Some(MOVED.into()));
            return Committed::Moved(PreparedWrite { request, plan: now });
        }
        let report = writer.apply(&planned, on_applied).await;
        let (result, message) = if report.is_complete() {
            (
                "applied",
                request.force.then(|| crate::audit::FORCED.to_string()),
            )
        } else if report.applied.is_empty() {
            ("failed", Some(report.failure_message()))
        } else {
            ("partial", Some(report.failure_message()))
        };
        self.record(&request, false, result, message);
        Committed::Applied(report)
    }

    /// The one place a write's audit record is written.
    fn record(&self, request: &WriteRequest, dry_run: bool, result: &str, message: Option<String>) {
        let recorded = crate::audit::record_write(
            &self.context,
            &self.user,
            &request.action,
            describe_objects(&request.objects),
            dry_run,
            result,
            message,
        );
        if let Err(err) = recorded {
            (self.warn)(&format!("could not write the audit log: {err:#}"));
        }
    }
}

/// The audit message of a confirmed write that found the cluster moved.
pub const MOVED: &str = "the cluster changed since the preview: nothing was written";
