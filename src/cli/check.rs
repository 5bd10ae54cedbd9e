//! `tenantry check`: the policy coverage checks for scripts and CI.
//!
//! Exit codes: 0 when no finding reaches `--fail-on`, 1 when one does, 2
//! on usage or connection errors (and when no tenant is visible at all).

use anyhow::Result;
use serde::Serialize;

use super::output::{Format, serialize, table};
use super::{GlobalArgs, runtime, synced_state};
use crate::app::ProbeStatus;
use crate::config::Config;
use crate::model::TenantId;
use crate::model::checks::{CheckResult, FindingCounts, Outcome, Severity, fails_at, summarize};

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

#[derive(Debug, Serialize)]
pub struct TenantChecks {
    pub tenant: String,
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

pub fn run(
    global: &GlobalArgs,
    config: &Config,
    names: &[String],
    fail_on: Severity,
    strict: bool,
    format: Format,
) -> Result<i32> {
    let rt = runtime()?;
    let result = rt.block_on(async {
        let (connection, mut state) = synced_state(global, config).await?;
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
                findings: summarize(&checks),
                unknown: checks
                    .iter()
                    .filter(|c| c.outcome == Outcome::Unknown)
                    .count(),
                checks,
            });
        }
        Ok(output)
    })?;
    let text = match format {
        Format::Table => check_table(&result),
        _ => serialize(&result, format)?,
    };
    print!("{}", crate::model::text::sanitize_text(&text));
    Ok(if result.failed { 1 } else { 0 })
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

fn check_table(out: &CheckOutput) -> String {
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
    let mut text = table(
        &["TENANT", "RESULT", "SEVERITY", "CHECK", "FIX", "REASON"],
        &rows,
    );
    for tenant in &out.tenants {
        let f = &tenant.findings;
        text.push_str(&format!(
            "{}: {} critical, {} high, {} medium, {} low, {} info findings; {} unknown\n",
            tenant.tenant, f.critical, f.high, f.medium, f.low, f.info, tenant.unknown
        ));
    }
    text.push_str(&format!(
        "{} at --fail-on {}{}\n",
        if out.failed { "FAILED" } else { "passed" },
        out.fail_on.as_str(),
        if out.strict { " --strict" } else { "" }
    ));
    text
}
