//! The headless writes: `quota set`, `create`, `apply`, sharing one path
//! with the console: validate everything locally, dry-run the whole set on
//! the server, show what changes, then apply object by object and record
//! the outcome in the audit log.

use anyhow::{Context, Result, bail};
use kube::core::DynamicObject;

use super::GlobalArgs;
use crate::audit::{FORCED, record_write};
use crate::kube::client::Connection;
use crate::kube::write::{Planned, Writer, describe_objects};
use crate::model::quantity::{Quantity, parse_quantity};
use crate::model::text::sanitize;

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

/// Who is writing where, for the audit log and messages.
pub struct WriteContext<'a> {
    pub connection: &'a Connection,
    pub user: String,
    pub readonly: bool,
}

impl<'a> WriteContext<'a> {
    pub fn new(
        connection: &'a Connection,
        user: String,
        global: &GlobalArgs,
        config: &crate::config::Config,
    ) -> Self {
        WriteContext {
            connection,
            user,
            readonly: readonly(global, config),
        }
    }

    fn audit(
        &self,
        action: &str,
        objects: Vec<String>,
        dry_run: bool,
        result: &str,
        message: Option<String>,
    ) {
        let recorded = record_write(
            &self.connection.context,
            &self.user,
            action,
            objects,
            dry_run,
            result,
            message,
        );
        if let Err(err) = recorded {
            eprintln!("tenantry: warning: could not write the audit log: {err:#}");
        }
    }
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
pub fn print_plan(planned: &[Planned], detail: Detail) {
    for plan in planned {
        let verb = if !plan.exists {
            "create"
        } else if plan.changes.is_empty() {
            "unchanged"
        } else {
            "change"
        };
        let note = if plan.checked {
            ""
        } else {
            "  (checked by the server once its namespace exists)"
        };
        println!("{verb:<9} {}{note}", sanitize(&plan.reference.to_string()));
        for warning in &plan.warnings {
            println!("          warning from the server: {warning}");
        }
        let show_fields = match detail {
            Detail::Objects => false,
            Detail::Changes => plan.exists,
            Detail::Full => true,
        };
        if show_fields {
            for change in &plan.changes {
                let show = |v: &Option<serde_json::Value>| {
                    v.as_ref().map_or("(none)".to_string(), |v| {
                        sanitize(&v.to_string()).into_owned()
                    })
                };
                let path = sanitize(&change.path);
                if plan.exists {
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

/// Validates, previews and applies `objects`. Exit code: 0 done (or
/// previewed), 1 refused or failed (with what was and was not applied).
pub async fn execute(
    ctx: &WriteContext<'_>,
    action: &str,
    objects: Vec<DynamicObject>,
    dry_run: bool,
    force: bool,
    detail: Detail,
) -> Result<i32> {
    let names = describe_objects(&objects);
    if ctx.readonly {
        ctx.audit(
            action,
            names,
            dry_run,
            "refused",
            Some("read-only mode".into()),
        );
        bail!(UsageError(
            "read-only mode (--readonly or `readonly: true` in config.yaml): writes are disabled, \
             dry runs too (a dry run is a write request the server does not keep); nothing was sent"
                .into()
        ));
    }
    // No request leaves before the audit log is known to take the record.
    crate::audit::AuditLog::open()
        .context("the write was refused, nothing was sent: its audit record cannot be written")?;
    let writer = Writer::new(ctx.connection.client.clone(), force);
    let planned = match writer.preflight(&objects).await {
        Ok(planned) => planned,
        Err((object, err)) => {
            let message = format!("{object}: {err}");
            ctx.audit(action, names, dry_run, "refused", Some(message.clone()));
            eprintln!("tenantry: the server refused the dry run of {message}");
            eprintln!("tenantry: nothing was written");
            return Ok(1);
        }
    };
    print_plan(
        &planned,
        if dry_run && detail == Detail::Objects {
            Detail::Changes
        } else {
            detail
        },
    );
    if dry_run {
        ctx.audit(action, names, true, "previewed", None);
        println!("dry run: nothing was written");
        return Ok(0);
    }
    let report = writer
        .apply(&planned, |applied| eprintln!("tenantry: applied {applied}"))
        .await;
    if report.is_complete() {
        ctx.audit(
            action,
            names,
            false,
            "applied",
            force.then(|| FORCED.to_string()),
        );
        println!(
            "applied {}",
            crate::app::objects_count(report.applied.len())
        );
        return Ok(0);
    }
    let failed = report
        .failed
        .as_ref()
        .map(|(object, err)| format!("{object}: {err}"))
        .unwrap_or_default();
    let list = |objects: &[crate::kube::write::ObjectRef]| {
        if objects.is_empty() {
            "none".to_string()
        } else {
            objects
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let message = format!(
        "failed at {failed}; applied: {}; not applied: {}",
        list(&report.applied),
        list(&report.not_applied)
    );
    ctx.audit(
        action,
        names,
        false,
        if report.applied.is_empty() {
            "failed"
        } else {
            "partial"
        },
        Some(message.clone()),
    );
    eprintln!("tenantry: {message}");
    eprintln!(
        "tenantry: running the same command again completes it; what is already applied stays as it is"
    );
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
