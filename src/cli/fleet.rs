//! Several clusters in one headless run: `--context` given more than once,
//! or `--all-contexts`, on `tenants`, `report` and `check`.
//!
//! Each context gets its own connection, its own `live::sync` and its own
//! `State`, exactly as a single-context run has; they run concurrently,
//! each within its own deadline, so an unreachable cluster never delays
//! the others beyond the slowest deadline. Contexts are checked against
//! the kubeconfig before anything is sent.

use std::future::Future;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use kube::config::Kubeconfig;
use serde::Serialize;

use super::output::{self, Format, TenantsOutput};
use super::write_cmd::UsageError;
use super::{GlobalArgs, load_config, runtime, synced_state};
use crate::model::text::{sanitize, sanitize_text};

/// The fleet flags of `tenants`, `report` and `check`.
#[derive(Debug, Args, Clone, Default)]
pub struct FleetArgs {
    /// Every context of the kubeconfig (contexts on the same cluster and
    /// user are read once)
    #[arg(long)]
    pub all_contexts: bool,
    /// With several contexts: a cluster that cannot be reached is named on
    /// stderr and in the output, but does not make the run exit 2
    #[arg(long)]
    pub skip_unreachable: bool,
}

/// A context left out because another one reaches the same cluster as the
/// same user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    pub dropped: String,
    pub kept: String,
    pub server: String,
}

/// The contexts a run covers, once each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contexts {
    pub names: Vec<String>,
    pub merged: Vec<Merged>,
}

/// A cluster whose results are missing, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unreachable {
    pub context: String,
    pub error: String,
}

/// Whether this run is a fleet run (`--all-contexts`, or `--context` more
/// than once); then which contexts, checked and deduplicated. Reads the
/// kubeconfig only; sends nothing.
pub fn contexts(global: &GlobalArgs, fleet: &FleetArgs) -> Result<Option<Contexts>> {
    if !fleet.all_contexts && global.contexts.len() <= 1 {
        if fleet.skip_unreachable {
            eprintln!("tenantry: warning: --skip-unreachable does nothing with a single context");
        }
        return Ok(None);
    }
    if fleet.all_contexts && !global.contexts.is_empty() {
        anyhow::bail!(UsageError(
            "--all-contexts takes every context; leave out --context".into()
        ));
    }
    let kubeconfig = crate::kube::client::read_kubeconfig(global.kubeconfig.as_deref())?;
    let asked: Vec<String> = if fleet.all_contexts {
        kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
    } else {
        global.contexts.clone()
    };
    let chosen = distinct(&kubeconfig, &asked).map_err(UsageError)?;
    for m in &chosen.merged {
        eprintln!(
            "tenantry: contexts {} and {} reach the same cluster ({}) as the same user: \
             shown once, as {}",
            sanitize(&m.kept),
            sanitize(&m.dropped),
            sanitize(&m.server),
            sanitize(&m.kept)
        );
    }
    Ok(Some(chosen))
}

/// Who a context is, to the server: (server URL, user entry name, the user
/// entry's content).
type Identity = (String, String, Option<serde_json::Value>);

/// `asked`, each named context checked against the kubeconfig, and those
/// that reach the same server URL as the same user (the same user entry,
/// or identical credentials under another name) kept once, the first
/// named. An unknown name is refused with the names the kubeconfig has.
pub fn distinct(kubeconfig: &Kubeconfig, asked: &[String]) -> Result<Contexts, String> {
    let known: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let unknown: Vec<String> = asked
        .iter()
        .filter(|a| !known.contains(&a.as_str()))
        .map(|a| format!("{:?}", sanitize(a)))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "the kubeconfig has no context {} (it has: {}); nothing was sent",
            unknown.join(", "),
            sanitize(&known.join(", "))
        ));
    }
    if asked.is_empty() {
        return Err("the kubeconfig has no context".into());
    }
    let identity = |name: &str| -> Identity {
        let context = kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.context.as_ref());
        let cluster = context.map(|c| c.cluster.clone()).unwrap_or_default();
        let user = context.and_then(|c| c.user.clone()).unwrap_or_default();
        let server = kubeconfig
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .and_then(|c| c.cluster.as_ref())
            .and_then(|c| c.server.clone())
            .unwrap_or_default();
        let credentials = kubeconfig
            .auth_infos
            .iter()
            .find(|a| a.name == user)
            .and_then(|a| a.auth_info.as_ref())
            .and_then(|a| serde_json::to_value(a).ok());
        (server.trim_end_matches('/').to_string(), user, credentials)
    };
    let mut names: Vec<String> = Vec::new();
    let mut kept: Vec<(String, Identity)> = Vec::new();
    let mut merged = Vec::new();
    for name in asked {
        if names.contains(name) {
            continue;
        }
        let this = identity(name);
        let same = kept.iter().find(|(_, other)| {
            !this.0.is_empty()
                && other.0 == this.0
                && (other.1 == this.1 || (this.2.is_some() && other.2 == this.2))
        });
        match same {
            Some((first, _)) => merged.push(Merged {
                dropped: name.clone(),
                kept: first.clone(),
                server: this.0.clone(),
            }),
            None => {
                names.push(name.clone());
                kept.push((name.clone(), this));
            }
        }
    }
    Ok(Contexts { names, merged })
}

/// The arguments of one cluster's run: `global` with only `context`.
pub fn for_context(global: &GlobalArgs, context: &str) -> GlobalArgs {
    GlobalArgs {
        contexts: vec![context.to_string()],
        ..global.clone()
    }
}

/// How long one cluster may take in all, past which it counts as
/// unreachable: the reach deadline (`--connect-timeout`), the first lists
/// (`live::sync`, 120 s) and the probes.
fn deadline(global: &GlobalArgs) -> Duration {
    Duration::from_secs(global.connect_timeout) + Duration::from_secs(180)
}

/// Runs `one` for every context at once, each within its own deadline;
/// the results in the contexts' order. An error (not reached, no first
/// lists, nothing visible) is that cluster's alone.
pub async fn each<T, F, Fut>(
    global: &GlobalArgs,
    contexts: &Contexts,
    one: F,
) -> Vec<(String, Result<T>)>
where
    F: Fn(GlobalArgs) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let within = deadline(global);
    let runs = contexts.names.iter().map(|name| {
        let run = one(for_context(global, name));
        async move {
            let result = match tokio::time::timeout(within, run).await {
                Ok(result) => result,
                Err(_) => Err(anyhow::anyhow!(
                    "no answer within {} s (--connect-timeout plus the first lists)",
                    within.as_secs()
                )),
            };
            (name.clone(), result)
        }
    });
    futures::future::join_all(runs).await
}

/// Splits results into those that answered and those that did not,
/// saying the latter on stderr.
pub fn split<T>(results: Vec<(String, Result<T>)>) -> (Vec<(String, T)>, Vec<Unreachable>) {
    let mut answered = Vec::new();
    let mut unreachable = Vec::new();
    for (context, result) in results {
        match result {
            Ok(value) => answered.push((context, value)),
            Err(err) => {
                let error = crate::credentials::inert(&format!("{err:#}"));
                eprintln!(
                    "tenantry: context {}: not read: {error}",
                    sanitize(&context)
                );
                unreachable.push(Unreachable { context, error });
            }
        }
    }
    (answered, unreachable)
}

/// The exit code a fleet run ends with, besides findings: 2 when a cluster
/// gave no answer (unless `--skip-unreachable`), or when none did.
pub fn unreachable_exit(fleet: &FleetArgs, answered: usize, unreachable: &[Unreachable]) -> i32 {
    if answered == 0 || (!unreachable.is_empty() && !fleet.skip_unreachable) {
        2
    } else {
        0
    }
}

/// Puts a CLUSTER column in front of a table's rows.
pub fn with_cluster(cluster: &str, rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|row| std::iter::once(cluster.to_string()).chain(row).collect())
        .collect()
}

/// `tenants` over several clusters: `-o json|yaml` has `clusters` (each
/// what a single-context run prints) and `unreachable`; the table has a
/// CLUSTER column.
#[derive(Debug, Serialize)]
pub struct FleetTenants {
    pub clusters: Vec<TenantsOutput>,
    pub unreachable: Vec<Unreachable>,
}

pub fn tenants(
    global: &GlobalArgs,
    contexts: &Contexts,
    fleet: &FleetArgs,
    format: Format,
) -> Result<i32> {
    let config = load_config(global);
    for warning in &config.warnings {
        eprintln!("tenantry: warning: {}", sanitize(&warning.to_string()));
    }
    let rt = runtime()?;
    let results = rt.block_on(each(global, contexts, |one| {
        let config = &config;
        async move {
            let (_, state) = synced_state(&one, config).await?;
            Ok(output::tenants(&state))
        }
    }));
    let (answered, unreachable) = split(results);
    let out = FleetTenants {
        clusters: answered.into_iter().map(|(_, out)| out).collect(),
        unreachable,
    };
    let text = match format {
        Format::Table => {
            let mut rows = Vec::new();
            let mut notes = String::new();
            for cluster in &out.clusters {
                for line in output::no_access_lines(&cluster.no_access).lines() {
                    eprintln!("{} (cluster {})", line, sanitize(&cluster.context));
                }
                rows.extend(with_cluster(&cluster.context, output::tenant_rows(cluster)));
                let cluster_notes = output::tenants_notes(cluster);
                if !cluster_notes.trim().is_empty() {
                    notes.push_str(&format!(
                        "\ncluster {}:\n{}",
                        cluster.context,
                        cluster_notes.trim_start_matches('\n')
                    ));
                }
            }
            let header: Vec<&str> = std::iter::once("CLUSTER")
                .chain(output::TENANTS_HEADER)
                .collect();
            let mut text = output::table(&header, &rows);
            if rows.is_empty() {
                text.push_str("(no tenant visible)\n");
            }
            text.push_str(&notes);
            for gone in &out.unreachable {
                text.push_str(&format!(
                    "\ncluster {}: not read: {}\n",
                    gone.context, gone.error
                ));
            }
            text
        }
        _ => output::serialize(&out, format)?,
    };
    print!("{}", sanitize_text(&text));
    Ok(unreachable_exit(
        fleet,
        out.clusters.len(),
        &out.unreachable,
    ))
}

/// One cluster's report: its context, then the single-context fields.
#[derive(Debug, Serialize)]
pub struct ClusterReport {
    pub context: String,
    #[serde(flatten)]
    pub report: output::ReportOutput,
}

/// `report TENANT` over several clusters: one report per cluster that has
/// the tenant; `absent` names the clusters that answered without it.
#[derive(Debug, Serialize)]
pub struct FleetReport {
    pub tenant: String,
    pub clusters: Vec<ClusterReport>,
    pub absent: Vec<String>,
    pub unreachable: Vec<Unreachable>,
}

pub fn report(
    global: &GlobalArgs,
    contexts: &Contexts,
    fleet: &FleetArgs,
    tenant: &str,
    format: Format,
) -> Result<i32> {
    let config = load_config(global);
    let rt = runtime()?;
    let results = rt.block_on(each(global, contexts, |one| {
        let config = &config;
        async move { super::tenant_report(&one, config, tenant).await }
    }));
    let (answered, unreachable) = split(results);
    let any_answered = !answered.is_empty();
    let mut out = FleetReport {
        tenant: tenant.to_string(),
        clusters: Vec::new(),
        absent: Vec::new(),
        unreachable,
    };
    for (context, result) in answered {
        match result {
            Ok(report) => out.clusters.push(ClusterReport { context, report }),
            Err(_) => out.absent.push(context),
        }
    }
    if any_answered && out.clusters.is_empty() {
        anyhow::bail!(UsageError(format!(
            "no tenant {:?} is visible in any cluster that answered ({})",
            sanitize(tenant),
            sanitize(&out.absent.join(", "))
        )));
    }
    if !out.absent.is_empty() {
        eprintln!(
            "tenantry: tenant {} is not in cluster(s) {}",
            sanitize(tenant),
            sanitize(&out.absent.join(", "))
        );
    }
    let text = match format {
        Format::Table => {
            let mut text = String::new();
            for cluster in &out.clusters {
                for line in output::no_access_lines(&cluster.report.no_access).lines() {
                    eprintln!("{} (cluster {})", line, sanitize(&cluster.context));
                }
                text.push_str(&format!("== cluster {} ==\n", cluster.context));
                text.push_str(&output::report_table(&cluster.report));
                text.push('\n');
            }
            text
        }
        _ => output::serialize(&out, format)?,
    };
    print!("{}", sanitize_text(&text));
    let answered = out.clusters.len() + out.absent.len();
    Ok(unreachable_exit(fleet, answered, &out.unreachable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig() -> Kubeconfig {
        Kubeconfig::from_yaml(
            r#"
apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: {server: "https://127.0.0.1:6443"}
- name: one-again
  cluster: {server: "https://127.0.0.1:6443/"}
- name: two
  cluster: {server: "https://127.0.0.1:7443"}
users:
- name: admin
  user: {token: abc}
- name: admin-copy
  user: {token: abc}
- name: bob
  user: {token: xyz}
contexts:
- name: a
  context: {cluster: one, user: admin}
- name: a-ns
  context: {cluster: one, user: admin, namespace: dev}
- name: a-copy
  context: {cluster: one-again, user: admin-copy}
- name: a-bob
  context: {cluster: one, user: bob}
- name: b
  context: {cluster: two, user: admin}
current-context: a
"#,
        )
        .expect("a kubeconfig")
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_unknown_context_is_named_before_anything_is_sent() {
        let err = distinct(&kubeconfig(), &names(&["a", "nope", "b"])).expect_err("unknown");
        assert!(err.contains("no context \"nope\""), "{err}");
        assert!(err.contains("it has: a, a-ns, a-copy, a-bob, b"), "{err}");
    }

    #[test]
    fn the_same_cluster_and_user_is_read_once_and_says_which_was_kept() {
        let all = names(&["a", "a-ns", "a-copy", "a-bob", "b", "a"]);
        let chosen = distinct(&kubeconfig(), &all).expect("valid");
        // Another user on the same cluster sees other things: kept.
        assert_eq!(chosen.names, names(&["a", "a-bob", "b"]));
        let dropped: Vec<(&str, &str)> = chosen
            .merged
            .iter()
            .map(|m| (m.dropped.as_str(), m.kept.as_str()))
            .collect();
        assert_eq!(dropped, [("a-ns", "a"), ("a-copy", "a")]);
        assert_eq!(chosen.merged[0].server, "https://127.0.0.1:6443");
    }

    #[test]
    fn unreachable_clusters_exit_2_unless_skipped_but_never_when_none_answered() {
        let gone = [Unreachable {
            context: "b".into(),
            error: "refused".into(),
        }];
        let strict = FleetArgs::default();
        let skip = FleetArgs {
            skip_unreachable: true,
            ..FleetArgs::default()
        };
        assert_eq!(unreachable_exit(&strict, 1, &gone), 2);
        assert_eq!(unreachable_exit(&skip, 1, &gone), 0);
        assert_eq!(unreachable_exit(&skip, 0, &gone), 2);
        assert_eq!(unreachable_exit(&strict, 2, &[]), 0);
    }
}
