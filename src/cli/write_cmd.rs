//! The headless writes: `quota set`, `create`, `apply`. They run the one
//! write path the console runs too (`kube::write_path`): validate locally,
//! dry-run the whole set on the server, print what changes, then commit
//! (dry-run again, compare, apply object by object, record the outcome in
//! the audit log). Only the presentation is theirs.

use anyhow::{Result, bail};
use kube::core::DynamicObject;

use super::GlobalArgs;
use crate::kube::client::Connection;
use crate::kube::write_path::{Preview, WritePath};
use crate::model::quantity::{Quantity, parse_quantity};
use crate::model::text::sanitize;
use crate::model::write_plan::{Committed, PlanSummary, Refusal, WriteRequest};

/// A user-facing error whose exit code is 2 (bad input, before anything is
/// sent).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// `RESOURCE=QUANTITY`, validated exactly; the error points at the bad
/// character under the value.
pub fn parse_assignment(text: &str) -> Result<(String, Quantity), UsageError> {
    let Some((resource, value)) = text.split_once('=') else {
        return Err(UsageError(format!(
            "{text:?} is not RESOURCE=QUANTITY (for example requests.cpu=2 or pods=20)"
        )));
    };
    let resource = resource.trim();
    if resource.is_empty() {
        return Err(UsageError(format!("{text:?} names no resource before '='")));
    }
    if let Ok(q) = parse_quantity(value)
        && let Some((refused, why)) = crate::model::quantity::unit_advice(resource, &q)
    {
        if refused {
            return Err(UsageError(format!(
                "{why} ({resource}={value}); nothing was sent to the cluster"
            )));
        }
        eprintln!("tenantry: warning: {why} ({resource}={value})");
    }
    parse_quantity(value).map(|q| (resource.to_string(), q)).map_err(|err| {
        let prefix = format!("  {resource}=");
        let caret = err
            .position()
            .map(|p| format!("\n{}^", " ".repeat(prefix.chars().count() + p)))
            .unwrap_or_default();
        UsageError(format!(
            "bad quantity for {resource}: {err}\n{prefix}{value}{caret}\nnothing was sent to the cluster"
        ))
    })
}

fn warn_to_stderr(message: &str) {
    eprintln!("tenantry: warning: {message}");
}

/// The write path of a headless command: `user` as the audit log records
/// them, read-only mode from `--readonly` or config.yaml.
pub fn write_path(
    connection: &Connection,
    user: String,
    global: &GlobalArgs,
    config: &crate::config::Config,
) -> WritePath {
    WritePath::new(connection, user, readonly(global, config)).warn_with(warn_to_stderr)
}

/// In read-only mode, refuses `action` before the command reads anything:
/// a write command then sends no request at all. `objects` are what is
/// known of the write yet (for the audit record).
pub fn refuse_early_if_readonly(
    connection: &Connection,
    global: &GlobalArgs,
    config: &crate::config::Config,
    action: &str,
    objects: &[DynamicObject],
    dry_run: bool,
) -> Result<()> {
    let writes = write_path(connection, connection.user.clone(), global, config);
    let request = WriteRequest {
        action: action.to_string(),
        objects: objects.to_vec(),
        force: false,
    };
    writes
        .refuse_if_readonly(&request, dry_run)
        .map_err(|refusal| UsageError(refusal.to_string()).into())
}

/// On a context whose guard says `confirm: type-name`, a write needs the
/// tenant's name typed: `--confirm TENANT`. Refused (and recorded) before
/// anything is sent when it is missing or names another tenant; a dry run
/// writes nothing and needs none.
pub fn refuse_early_unconfirmed(
    connection: &Connection,
    global: &GlobalArgs,
    config: &crate::config::Config,
    action: &str,
    tenant: &str,
    dry_run: bool,
) -> Result<()> {
    if dry_run || !connection.guard.confirm_name || global.confirm.as_deref() == Some(tenant) {
        return Ok(());
    }
    let reason = format!(
        "context {:?} needs the tenant's name typed for a write (config.yaml contexts: \
         confirm: type-name): add --confirm {tenant}{}; nothing was sent",
        connection.context,
        global
            .confirm
            .as_deref()
            .map_or(String::new(), |typed| format!(
                " (--confirm {typed:?} names another tenant)"
            ))
    );
    let writes = write_path(connection, connection.user.clone(), global, config);
    let request = WriteRequest {
        action: action.to_string(),
        objects: Vec::new(),
        force: false,
    };
    writes.record_refusal(&request, dry_run, &reason);
    bail!(UsageError(sanitize(&reason).into_owned()))
}

/// How much of the plan to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// One line per object: create / change / unchanged.
    Objects,
    /// Plus the changed fields of objects that exist.
    Changes,
    /// Plus every field of the objects to be created (`--diff`).
    Full,
}

/// Prints the plan: per object, created / changed / unchanged, and the
/// field changes as `detail` asks.
pub fn print_plan(plan: &[PlanSummary], detail: Detail) {
    for object in plan {
        let note = if object.checked {
            ""
        } else {
            "  (checked by the server once its namespace exists)"
        };
        println!(
            "{:<9} {}{note}",
            object.verb(),
            sanitize(&object.reference.to_string())
        );
        for warning in &object.warnings {
            println!("          warning from the server: {warning}");
        }
        let show_fields = match detail {
            Detail::Objects => false,
            Detail::Changes => object.exists,
            Detail::Full => true,
        };
        if show_fields {
            for change in &object.changes {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref().map_or("(none)".to_string(), |v| {
                        sanitize(&v.to_string()).into_owned()
                    })
                };
                let path = sanitize(&change.path);
                if object.exists {
                    println!(
                        "            {}: {} -> {}",
                        path,
                        show(&change.before),
                        show(&change.after)
                    );
                } else {
                    println!("            {}: {}", path, show(&change.after));
                }
            }
        }
    }
}

/// Previews `objects` and, unless `dry_run`, writes them: both through the
/// one write path the console uses too. Exit code: 0 done (or previewed),
/// 1 refused by the server or failed (with what was and was not applied),
/// 2 (as an error) refused before anything was sent.
pub async fn execute(
    writes: &WritePath,
    action: &str,
    objects: Vec<DynamicObject>,
    dry_run: bool,
    force: bool,
    detail: Detail,
) -> Result<i32> {
    let request = WriteRequest {
        action: action.to_string(),
        objects,
        force,
    };
    let preview = if dry_run {
        Preview::Recorded
    } else {
        Preview::FollowedByCommit
    };
    let prepared = match writes.prepare(request, preview).await {
        Ok(prepared) => prepared,
        Err(refusal) => return refused(refusal),
    };
    let detail = if dry_run && detail == Detail::Objects {
        Detail::Changes
    } else {
        detail
    };
    print_plan(&prepared.plan, detail);
    if dry_run {
        println!("dry run: nothing was written");
        return Ok(0);
    }
    match writes
        .commit(prepared, |applied| eprintln!("tenantry: applied {applied}"))
        .await
    {
        Committed::Applied(report) if report.is_complete() => {
            println!(
                "applied {}",
                crate::app::objects_count(report.applied.len())
            );
            Ok(0)
        }
        Committed::Applied(report) => {
            eprintln!("tenantry: {}", report.failure_message());
            eprintln!(
                "tenantry: running the same command again completes it; what is already applied stays as it is"
            );
            Ok(1)
        }
        Committed::Moved(now) => {
            eprintln!(
                "tenantry: the cluster changed between the preview and the write: nothing was written; \
                 the plan now is below, run the command again to write it"
            );
            print_plan(&now.plan, detail);
            Ok(1)
        }
        Committed::Refused(refusal) => refused(refusal),
    }
}

/// A refusal: refused by tenantry before anything was sent (exit code 2),
/// or by the server's dry run (exit code 1).
fn refused(refusal: Refusal) -> Result<i32> {
    if refusal.error.refused_locally() {
        bail!(UsageError(refusal.to_string()));
    }
    eprintln!("tenantry: the server refused the dry run of {refusal}");
    eprintln!("tenantry: nothing was written");
    Ok(1)
}

/// `--set K=V` pairs.
pub fn parse_sets(
    sets: &[String],
) -> Result<std::collections::BTreeMap<String, String>, UsageError> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| UsageError(format!("--set {s:?} is not KEY=VALUE")))
        })
        .collect()
}

/// The user as the server names them, for the audit log.
pub async fn current_user(connection: &Connection) -> String {
    crate::kube::client::whoami(&connection.client)
        .await
        .unwrap_or_else(|| connection.user.clone())
}

pub fn readonly(global: &GlobalArgs, config: &crate::config::Config) -> bool {
    global.readonly || config.settings.readonly
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_checked_before_anything_is_sent() {
        let err = parse_assignment("requests.cpu=4 cpus").unwrap_err().0;
        assert!(err.contains("position 2"), "{err}");
        assert!(
            err.contains("  requests.cpu=4 cpus\n                ^"),
            "{err}"
        );
        let err = parse_assignment("requests.memory=1.5.2Gi").unwrap_err().0;
        assert!(err.contains("position 4"), "{err}");
        assert!(parse_assignment("pods").is_err());
        let (resource, quantity) = parse_assignment("requests.memory=1536Mi").unwrap();
        assert_eq!(resource, "requests.memory");
        assert_eq!(quantity, parse_quantity("1.5Gi").unwrap());
    }
}
