//! `tenantry check`: the policy coverage checks for scripts and CI.
//!
//! Exit codes: 0 when no finding reaches `--fail-on`, 1 when one does, 2
//! on usage or connection errors (and when no tenant is visible at all).

use std::collections::BTreeSet;

use anyhow::Result;
use kube::core::DynamicObject;
use serde::Serialize;

use super::output::{Format, serialize, table};
use super::reports::{self, ReportObject};
use super::{GlobalArgs, connect_with, runtime, sync};
use crate::app::ProbeStatus;
use crate::config::Config;
use crate::kube::write_path::{Preview, WritePath};
use crate::model::TenantId;
use crate::model::checks::{CheckResult, FindingCounts, Outcome, Severity, fails_at, summarize};
use crate::model::text::{Inert, sanitize};
use crate::model::write_plan::{Committed, WriteRequest};

#[derive(Debug, Serialize)]
pub struct CheckOutput {
    pub context: String,
    pub user: String,
    pub fail_on: Severity,
    pub strict: bool,
    /// Whether the run fails (exit code 1).
    pub failed: bool,
    pub tenants: Vec<TenantChecks>,
}

/// `check -o`: the formats of `tenants` and `report`, and the reports
/// other tools read (`cli::reports`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Yaml,
    /// SARIF 2.1.0 (code scanning)
    Sarif,
    /// JUnit XML (CI test reports)
    Junit,
    /// OpenReports `Report`s and `ClusterReport`s, as a YAML v1 List
    Openreports,
    /// The same as JSON
    OpenreportsJson,
}

#[derive(Debug, Serialize)]
pub struct TenantChecks {
    pub tenant: String,
    /// The tenant's namespaces, as resolved.
    pub namespaces: Vec<String>,
    /// Failed checks by severity (unknown results are not findings).
    pub findings: FindingCounts,
    pub unknown: usize,
    pub checks: Vec<CheckResult>,
}

/// Whether these results fail the run at `threshold`.
pub fn fails(checks: &[CheckResult], threshold: Severity, strict: bool) -> bool {
    fails_at(checks, threshold)
        || (strict
            && checks
                .iter()
                .any(|c| c.outcome == Outcome::Unknown && c.severity >= threshold))
}

/// What a `check` run looks at and how it judges.
pub struct Selection<'a> {
    /// Tenants named (none: every visible tenant).
    pub names: &'a [String],
    pub fail_on: Severity,
    pub strict: bool,
    pub publish: bool,
}

pub fn run(
    global: &GlobalArgs,
    config: &Config,
    names: &[String],
    fail_on: Severity,
    strict: bool,
    format: CheckFormat,
    publish: bool,
) -> Result<i32> {
    let rt = runtime()?;
    let selection = Selection {
        names,
        fail_on,
        strict,
        publish,
    };
    let (result, published) = rt.block_on(check_cluster(global, config, &selection, false))?;
    let text = match format {
        CheckFormat::Table => check_table(&result),
        CheckFormat::Json => serialize(&result, Format::Json)?,
        CheckFormat::Yaml => serialize(&result, Format::Yaml)?,
        CheckFormat::Sarif => serialize(&reports::sarif(&result), Format::Json)?,
        CheckFormat::Junit => reports::junit(&result),
        CheckFormat::Openreports | CheckFormat::OpenreportsJson => {
            openreports_text(std::slice::from_ref(&result), format)?
        }
    };
    print!("{}", crate::model::text::sanitize_text(&text));
    Ok(if result.failed || !published { 1 } else { 0 })
}

fn openreports_text(outputs: &[CheckOutput], format: CheckFormat) -> Result<String> {
    let seconds = now_seconds();
    let objects: Vec<ReportObject> = outputs
        .iter()
        .flat_map(|out| reports::openreports(out, seconds))
        .collect();
    let list = reports::openreports_list(&objects);
    let f = if format == CheckFormat::Openreports {
        Format::Yaml
    } else {
        Format::Json
    };
    serialize(&list, f)
}

/// `check` over several clusters (`cli::fleet`): `-o json|yaml` has
/// `clusters` (each what a single-context run prints) and `unreachable`.
#[derive(Debug, Serialize)]
pub struct FleetCheckOutput {
    pub fail_on: Severity,
    pub strict: bool,
    /// Whether a cluster has a finding at `--fail-on` (exit code 1).
    pub failed: bool,
    pub clusters: Vec<CheckOutput>,
    pub unreachable: Vec<super::fleet::Unreachable>,
}

/// `check` on every context at once. Exit 2 when a cluster was not read
/// (unless `--skip-unreachable`), else 1 when a cluster has a finding at
/// `--fail-on` (or a report was not published), else 0. A named tenant
/// needs to be in one cluster, not in each.
pub fn run_fleet(
    global: &GlobalArgs,
    config: &Config,
    contexts: &super::fleet::Contexts,
    fleet: &super::fleet::FleetArgs,
    selection: &Selection<'_>,
    format: CheckFormat,
) -> Result<i32> {
    let rt = runtime()?;
    let results = rt.block_on(super::fleet::each(global, contexts, |one| async move {
        check_cluster(&one, config, selection, true).await
    }));
    let (answered, unreachable) = super::fleet::split(results);
    let mut published = true;
    let mut out = FleetCheckOutput {
        fail_on: selection.fail_on,
        strict: selection.strict,
        failed: false,
        clusters: Vec::new(),
        unreachable,
    };
    for (_, (cluster, cluster_published)) in answered {
        out.failed |= cluster.failed;
        published &= cluster_published;
        out.clusters.push(cluster);
    }
    if !out.clusters.is_empty() {
        let missing: Vec<&String> = selection
            .names
            .iter()
            .filter(|name| {
                !out.clusters
                    .iter()
                    .any(|c| c.tenants.iter().any(|t| &t.tenant == *name))
            })
            .collect();
        if !missing.is_empty() {
            let missing: Vec<String> = missing.iter().map(|n| format!("{n:?}")).collect();
            anyhow::bail!(super::write_cmd::UsageError(format!(
                "no tenant {} is visible in any cluster that answered",
                sanitize(&missing.join(", "))
            )));
        }
    }
    let text = match format {
        CheckFormat::Table => fleet_check_table(&out),
        CheckFormat::Json => serialize(&out, Format::Json)?,
        CheckFormat::Yaml => serialize(&out, Format::Yaml)?,
        CheckFormat::Sarif => serialize(&reports::sarif_fleet(&out.clusters), Format::Json)?,
        CheckFormat::Junit => reports::junit_fleet(&out.clusters),
        CheckFormat::Openreports | CheckFormat::OpenreportsJson => {
            openreports_text(&out.clusters, format)?
        }
    };
    print!("{}", crate::model::text::sanitize_text(&text));
    let code = super::fleet::unreachable_exit(fleet, out.clusters.len(), &out.unreachable);
    Ok(if code != 0 {
        code
    } else if out.failed || !published {
        1
    } else {
        0
    })
}

/// One cluster's checks (and `--publish`). In a fleet run, a named tenant
/// this cluster does not have is left out rather than refused.
async fn check_cluster(
    global: &GlobalArgs,
    config: &Config,
    selection: &Selection<'_>,
    in_fleet: bool,
) -> Result<(CheckOutput, bool)> {
    let Selection {
        names,
        fail_on,
        strict,
        publish,
    } = *selection;
    {
        let connection = connect_with(global).await?;
        if publish {
            // In read-only mode nothing is sent at all, not even a read.
            super::write_cmd::refuse_early_if_readonly(
                &connection,
                global,
                config,
                PUBLISH_ACTION,
                &[],
                false,
            )?;
        }
        let (connection, mut state) = sync(connection, global, config).await?;
        let selected: Vec<TenantId> = if names.is_empty() {
            state
                .resolution
                .tenants
                .iter()
                .map(|t| t.id.clone())
                .collect()
        } else {
            names.iter().map(|n| TenantId::new(n.clone())).collect()
        };
        if state.resolution.tenants.is_empty() {
            let reasons: Vec<String> = super::output::no_access(&state)
                .into_iter()
                .filter(|n| n.scope == "cluster")
                .map(|n| n.reason)
                .take(3)
                .collect();
            anyhow::bail!(
                "nothing visible: no tenant can be seen with these credentials ({}); {}",
                reasons.join("; "),
                state.inventory.no_tenant_advice()
            );
        }
        let mut output = CheckOutput {
            context: state.identity.context.clone(),
            user: state.identity.user.clone(),
            fail_on,
            strict,
            failed: false,
            tenants: Vec::new(),
        };
        for id in selected {
            let Some(tenant) = state.resolution.tenant(&id).cloned() else {
                if in_fleet {
                    continue;
                }
                anyhow::bail!(super::not_visible(&state, id.as_str()));
            };
            let probes = crate::kube::probe::run_probes(
                &connection,
                &tenant,
                &state.identity.user,
                state.readonly,
            )
            .await;
            state.probes.insert(id.clone(), ProbeStatus::Done(probes));
            let checks = state.checks_for(&tenant);
            output.failed |= fails(&checks, fail_on, strict);
            output.tenants.push(TenantChecks {
                tenant: id.as_str().to_string(),
                namespaces: tenant.namespaces.clone(),
                findings: summarize(&checks),
                unknown: checks
                    .iter()
                    .filter(|c| c.outcome == Outcome::Unknown)
                    .count(),
                checks,
            });
        }
        let mut published = true;
        if publish {
            let writes = super::write_cmd::write_path(
                &connection,
                state.identity.user.clone(),
                global,
                config,
            );
            let owned = |tenant: &str| -> BTreeSet<String> {
                state
                    .resolution
                    .tenant(&TenantId::new(tenant.to_string()))
                    .map(|t| t.namespaces.iter().cloned().collect())
                    .unwrap_or_default()
            };
            let objects = reports::openreports(&output, now_seconds());
            published = publish_reports(&writes, objects, owned).await;
        }
        Ok::<_, anyhow::Error>((output, published))
    }
}

/// The action `--publish` records in the audit log.
pub const PUBLISH_ACTION: &str = "publish check reports";

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Why a Report may not be written where it says, if it may not: a
/// namespaced Report goes only into a namespace of its own tenant (as
/// resolved from the cluster, never as named by a result), and only a
/// Report or a ClusterReport of tenantry's is written.
pub fn misplaced(object: &ReportObject, owned: &BTreeSet<String>) -> Option<String> {
    let kind = object.object["kind"].as_str().unwrap_or("");
    let meta_ns = object.object["metadata"]["namespace"].as_str();
    match (&object.namespace, kind) {
        (Some(ns), "Report") => {
            if !owned.contains(ns) || meta_ns != Some(ns.as_str()) {
                Some(format!(
                    "{} is not a namespace of tenant {}",
                    sanitize(ns),
                    sanitize(&object.tenant)
                ))
            } else if let Err(why) = crate::model::template::check_dns_label(ns, "namespace") {
                Some(sanitize(&why).into_owned())
            } else {
                None
            }
        }
        (None, "ClusterReport") if meta_ns.is_none() => None,
        _ => Some(format!("not a tenantry report: {}", sanitize(kind))),
    }
}

/// Writes each Report on its own through the one write path (dry run,
/// apply, audit record), so that a refusal in one namespace leaves the
/// others written; says on stderr, per namespace, what was and was not
/// written. Whether everything was.
async fn publish_reports(
    writes: &WritePath,
    objects: Vec<ReportObject>,
    owned: impl Fn(&str) -> BTreeSet<String>,
) -> bool {
    let total = objects.len();
    let mut written = Vec::new();
    let mut not_written = Vec::new();
    for object in objects {
        let place = match &object.namespace {
            Some(ns) => format!("namespace {}", sanitize(ns)),
            None => format!("cluster (tenant {})", sanitize(&object.tenant)),
        };
        let what = format!(
            "{} {}",
            object.object["kind"].as_str().unwrap_or("?"),
            sanitize(object.object["metadata"]["name"].as_str().unwrap_or("?"))
        );
        // What is written is what `-o openreports` prints: sanitized.
        let parsed = serde_json::to_value(Inert(&object.object))
            .and_then(serde_json::from_value::<DynamicObject>);
        let dynamic = match parsed {
            Ok(d) => d,
            Err(err) => {
                eprintln!(
                    "tenantry: not written in {place}: {what}: {}",
                    sanitize(&err.to_string())
                );
                not_written.push(place);
                continue;
            }
        };
        let request = WriteRequest {
            action: PUBLISH_ACTION.to_string(),
            objects: vec![dynamic],
            force: false,
        };
        if let Some(why) = misplaced(&object, &owned(&object.tenant)) {
            writes.record_refusal(&request, false, &why);
            eprintln!("tenantry: not written in {place}: {what}: {why}");
            not_written.push(place);
            continue;
        }
        let outcome = match writes.prepare(request, Preview::FollowedByCommit).await {
            Err(refusal) => Err(refusal.to_string()),
            Ok(prepared) => match writes.commit(prepared, |_| {}).await {
                Committed::Applied(report) if report.is_complete() => Ok(()),
                Committed::Applied(report) => Err(report.failure_message()),
                Committed::Moved(_) => Err(crate::kube::write_path::MOVED.to_string()),
                Committed::Refused(refusal) => Err(refusal.to_string()),
            },
        };
        match outcome {
            Ok(()) => {
                eprintln!("tenantry: published {what} in {place}");
                written.push(place);
            }
            Err(why) => {
                eprintln!(
                    "tenantry: not written in {place}: {what}: {}",
                    sanitize(&why)
                );
                not_written.push(place);
            }
        }
    }
    eprintln!(
        "tenantry: published {} of {total} reports{}",
        written.len(),
        if not_written.is_empty() {
            String::new()
        } else {
            format!("; not written: {}", not_written.join(", "))
        }
    );
    not_written.is_empty()
}

/// Reasons can quote a whole admission message; on a terminal the table
/// keeps one readable line (`-o json` has them whole, and so has a pipe).
const REASON_WIDTH: usize = 120;

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::Unknown => "unknown",
    }
}

const CHECK_HEADER: [&str; 6] = ["TENANT", "RESULT", "SEVERITY", "CHECK", "FIX", "REASON"];

fn check_table(out: &CheckOutput) -> String {
    let mut text = table(&CHECK_HEADER, &check_rows(out));
    text.push_str(&check_summaries(out, ""));
    text.push_str(&verdict_line(out.failed, out.fail_on, out.strict));
    text
}

/// The fleet's table: a CLUSTER column, then the summaries per cluster.
fn fleet_check_table(out: &FleetCheckOutput) -> String {
    let mut rows = Vec::new();
    for cluster in &out.clusters {
        rows.extend(super::fleet::with_cluster(
            &cluster.context,
            check_rows(cluster),
        ));
    }
    let header: Vec<&str> = std::iter::once("CLUSTER").chain(CHECK_HEADER).collect();
    let mut text = table(&header, &rows);
    for cluster in &out.clusters {
        text.push_str(&check_summaries(cluster, &format!("{}/", cluster.context)));
    }
    for gone in &out.unreachable {
        text.push_str(&format!(
            "cluster {}: not checked: {}\n",
            gone.context, gone.error
        ));
    }
    text.push_str(&verdict_line(out.failed, out.fail_on, out.strict));
    text
}

fn check_summaries(out: &CheckOutput, prefix: &str) -> String {
    let mut text = String::new();
    for tenant in &out.tenants {
        let f = &tenant.findings;
        text.push_str(&format!(
            "{prefix}{}: {} critical, {} high, {} medium, {} low, {} info findings; {} unknown\n",
            tenant.tenant, f.critical, f.high, f.medium, f.low, f.info, tenant.unknown
        ));
    }
    text
}

fn verdict_line(failed: bool, fail_on: Severity, strict: bool) -> String {
    format!(
        "{} at --fail-on {}{}\n",
        if failed { "FAILED" } else { "passed" },
        fail_on.as_str(),
        if strict { " --strict" } else { "" }
    )
}

fn check_rows(out: &CheckOutput) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for tenant in &out.tenants {
        let mut checks: Vec<&CheckResult> = tenant.checks.iter().collect();
        // Failures first, most severe first: what a reader acts on.
        checks.sort_by_key(|c| {
            (
                match c.outcome {
                    Outcome::Fail => 0,
                    Outcome::Unknown => 1,
                    Outcome::Pass => 2,
                },
                std::cmp::Reverse(c.severity),
            )
        });
        for c in checks {
            rows.push(vec![
                tenant.tenant.clone(),
                outcome_word(c.outcome).to_string(),
                c.severity.as_str().to_string(),
                c.id.to_string(),
                c.fix.map(|f| format!("apply {f}")).unwrap_or_default(),
                super::output::cell_text(&c.reason, REASON_WIDTH),
            ]);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(tenant: &str, namespace: Option<&str>, value: serde_json::Value) -> ReportObject {
        ReportObject {
            tenant: tenant.to_string(),
            namespace: namespace.map(str::to_string),
            object: value,
        }
    }

    fn report(ns: &str) -> serde_json::Value {
        json!({"kind": "Report", "metadata": {"name": "tenantry", "namespace": ns}})
    }

    #[test]
    fn reports_go_only_into_the_tenants_own_namespaces() {
        let owned: BTreeSet<String> = ["acme-dev".to_string()].into();
        assert_eq!(
            misplaced(
                &object("acme", Some("acme-dev"), report("acme-dev")),
                &owned
            ),
            None
        );
        // Another tenant's namespace, or one the object names apart.
        let why = misplaced(
            &object("acme", Some("globex-web"), report("globex-web")),
            &owned,
        );
        assert_eq!(
            why.as_deref(),
            Some("globex-web is not a namespace of tenant acme")
        );
        assert!(
            misplaced(
                &object("acme", Some("acme-dev"), report("kube-system")),
                &owned
            )
            .is_some()
        );
        // A hostile name is refused, and said inertly.
        let hostile = "acme-dev\u{1b}]52;c;x\u{7}";
        let owned_hostile: BTreeSet<String> = [hostile.to_string()].into();
        let why = misplaced(
            &object("acme", Some(hostile), report(hostile)),
            &owned_hostile,
        )
        .expect("refused");
        assert!(!why.contains('\u{1b}') && why.contains("\\u{1b}"), "{why}");
        // Only Reports and ClusterReports.
        let cm = json!({"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "acme-dev"}});
        assert!(misplaced(&object("acme", Some("acme-dev"), cm), &owned).is_some());
        let cluster = json!({"kind": "ClusterReport", "metadata": {"name": "tenantry-acme"}});
        assert_eq!(misplaced(&object("acme", None, cluster), &owned), None);
        let namespaced_cluster =
            json!({"kind": "ClusterReport", "metadata": {"name": "x", "namespace": "acme-dev"}});
        assert!(misplaced(&object("acme", None, namespaced_cluster), &owned).is_some());
    }
}
