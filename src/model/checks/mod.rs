//! The policy coverage checks of ARCHITECTURE.md §6, evaluated for one tenant over
//! the inventory and the results of the kube layer's probes. Pure: no I/O.
//!
//! Every check is pass, fail or unknown with a one-line reason naming the
//! objects involved. A check fails on what it could read even when other
//! namespaces are unreadable (the gap becomes a note); it is unknown only
//! when nothing failed and something it needs could not be read.

mod admission;
mod catalogue;
mod helpers;
mod limitrange;
mod netpol;
mod psa;
pub mod public_subjects;
mod qos;
mod quota;
mod rbac;
mod sched;
mod secrets;
#[cfg(test)]
pub(crate) mod tests;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::inventory::Inventory;
use super::tenant::{Resolution, Tenant};
pub use catalogue::{CLUSTER_WIDE, catalogue, is_cluster_wide, run_checks, spec};
pub use helpers::{cluster_gap, kind_plural, list, namespace_gaps};
use helpers::{
    has_have, join_limited, live_pods, no_namespaces, one_line, plural, pod_name, readable,
};

pub const FIX_TENANT_BASELINE: &str = "tenant-baseline";
pub const FIX_NETPOL_DEFAULT_DENY: &str = "netpol-default-deny";
pub const FIX_PSA_RESTRICTED: &str = "psa-restricted";
pub const FIX_QUOTA_SMALL: &str = "quota-small";
pub const FIX_QUOTA_MEDIUM: &str = "quota-medium";
pub const FIX_QUOTA_LARGE: &str = "quota-large";

/// Ordered by gravity: `Critical > High > Medium > Low > Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn rank(self) -> u8 {
        match self {
            Severity::Critical => 4,
            Severity::High => 3,
            Severity::Medium => 2,
            Severity::Low => 1,
            Severity::Info => 0,
        }
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?}: expected critical, high, medium, low or info")]
pub struct ParseSeverityError(pub String);

/// Case-insensitive, for `--fail-on`.
impl FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseSeverityError(s.to_string()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the catalogue (ARCHITECTURE.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CheckSpec {
    pub id: &'static str,
    pub severity: Severity,
    /// The "checks" column: what passing means.
    pub title: &'static str,
    pub anchor: &'static str,
    /// Built-in template that would fix a failure, if one would.
    pub fix: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub severity: Severity,
    pub outcome: Outcome,
    /// One line naming the objects involved.
    pub reason: String,
    /// Something worth knowing that does not change the outcome (a pass
    /// with a caveat, or what else could not be read next to a failure).
    pub note: Option<String>,
    pub anchor: &'static str,
    /// The template that would fix it; `None` on a pass.
    pub fix: Option<&'static str>,
    /// Where it applies: the namespaces (and objects, where the check
    /// names them) a failure was found in; otherwise every namespace the
    /// check judged, or the cluster for a cluster-wide check.
    pub locations: Vec<Location>,
}

/// A logical location of a check result: the tenant, the namespace (`None`
/// for a cluster-wide check) and the object where the check knows it.
/// Every string but `kind` comes from the cluster: data only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub tenant: String,
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Location {
    /// A namespace of the tenant (the tenant is filled in by `run_checks`).
    pub(crate) fn namespace(namespace: impl Into<String>) -> Self {
        Location {
            tenant: String::new(),
            namespace: Some(namespace.into()),
            kind: None,
            name: None,
        }
    }

    pub(crate) fn object(
        namespace: Option<String>,
        kind: &'static str,
        name: impl Into<String>,
    ) -> Self {
        Location {
            tenant: String::new(),
            namespace,
            kind: Some(kind),
            name: Some(name.into()),
        }
    }
}

impl CheckResult {
    pub fn is_finding(&self) -> bool {
        self.outcome == Outcome::Fail
    }
}

/// Result of a server-side dry-run of a pod the tenant must not be able to
/// run, as the tenant owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// `probes` names what was admitted where ("privileged in
    /// initech-app") once [`combine_probes`] has folded them.
    Admitted {
        probes: Vec<String>,
    },
    Refused {
        by: Refuser,
        message: String,
    },
    /// No answer from the API server (connection, timeout, …).
    Error(String),
    /// Not sent: read-only mode sends no dry run (ARCHITECTURE.md §10).
    ReadOnly,
}

impl ProbeOutcome {
    /// One probe admitted (named by [`combine_probes`]).
    pub fn admitted() -> Self {
        ProbeOutcome::Admitted { probes: Vec::new() }
    }

    /// A refusal as the API server worded it, classified.
    pub fn refused(status_code: u16, message: &str) -> Self {
        ProbeOutcome::Refused {
            by: classify_refusal(status_code, message),
            message: message.to_string(),
        }
    }

    /// Refused by Pod Security or a policy webhook: the only refusals that
    /// prove the policy (ARCHITECTURE.md §6).
    pub fn is_policy_refusal(&self) -> bool {
        matches!(
            self,
            ProbeOutcome::Refused {
                by: Refuser::PodSecurity | Refuser::Webhook,
                ..
            }
        )
    }
}

/// Several probes (hostNetwork, hostPID, hostIPC, hostPath) folded into one
/// outcome: admitted, naming every probe admitted, if any was; otherwise
/// the first probe not refused by policy (its message prefixed with the
/// probe name); otherwise a webhook's refusal if there was one, else the
/// first Pod Security refusal (so a combined Pod Security refusal means
/// Pod Security refused every probe: psa.enforce counts on it). `None`
/// when there were no probes.
pub fn combine_probes<'a>(
    probes: impl IntoIterator<Item = (&'a str, ProbeOutcome)>,
) -> Option<ProbeOutcome> {
    let probes: Vec<(&str, ProbeOutcome)> = probes.into_iter().collect();
    let admitted: Vec<String> = probes
        .iter()
        .filter_map(|(name, o)| match o {
            ProbeOutcome::Admitted { probes } if probes.is_empty() => Some(vec![name.to_string()]),
            ProbeOutcome::Admitted { probes } => Some(probes.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    if !admitted.is_empty() {
        return Some(ProbeOutcome::Admitted { probes: admitted });
    }
    let named = |(name, o): &(&str, ProbeOutcome)| match o {
        ProbeOutcome::Refused { by, message } => ProbeOutcome::Refused {
            by: *by,
            message: format!("{name}: {message}"),
        },
        ProbeOutcome::Error(e) => ProbeOutcome::Error(format!("{name}: {e}")),
        other => other.clone(),
    };
    let refused_by = |who: Refuser| move |p: &&(&str, ProbeOutcome)| matches!(&p.1, ProbeOutcome::Refused { by, .. } if *by == who);
    probes
        .iter()
        .find(|p| !p.1.is_policy_refusal())
        .or_else(|| probes.iter().find(refused_by(Refuser::Webhook)))
        .or_else(|| probes.first())
        .map(named)
}

/// Who refused an admission probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refuser {
    PodSecurity,
    /// An admission webhook, or a ValidatingAdmissionPolicy.
    Webhook,
    Quota,
    LimitRange,
    ServiceAccount,
    /// RBAC: the probing identity may not create pods at all.
    Forbidden,
    Other,
}

impl Refuser {
    pub fn as_str(self) -> &'static str {
        match self {
            Refuser::PodSecurity => "Pod Security",
            Refuser::Webhook => "an admission webhook",
            Refuser::Quota => "ResourceQuota",
            Refuser::LimitRange => "LimitRange",
            Refuser::ServiceAccount => "a missing ServiceAccount",
            Refuser::Forbidden => "RBAC",
            Refuser::Other => "something else",
        }
    }
}

/// Classifies an API server refusal by its message, as the admission
/// plugins word them (they all answer 403 with `… is forbidden: …`, so the
/// status code alone tells nothing; RBAC denials are told apart by their
/// `User "x" cannot <verb> resource` wording).
pub fn classify_refusal(status_code: u16, message: &str) -> Refuser {
    let m = message;
    if m.contains("violates PodSecurity") {
        return Refuser::PodSecurity;
    }
    if (m.contains("admission webhook") && m.contains("denied the request"))
        || (m.contains("ValidatingAdmissionPolicy") && m.contains("denied request"))
    {
        return Refuser::Webhook;
    }
    if m.contains("exceeded quota:") || m.contains("failed quota:") {
        return Refuser::Quota;
    }
    const LIMIT_RANGE: [&str; 6] = [
        "usage per Container",
        "usage per Pod",
        "usage per PersistentVolumeClaim",
        "limit to request ratio per",
        "LimitRanger",
        "LimitRange",
    ];
    if LIMIT_RANGE.iter().any(|p| m.contains(p)) {
        return Refuser::LimitRange;
    }
    if m.contains("error looking up service account")
        || (m.contains("serviceaccount \"") && m.contains("not found"))
    {
        return Refuser::ServiceAccount;
    }
    if status_code == 403 && (m.contains(" cannot ") || m.contains("is forbidden: User")) {
        return Refuser::Forbidden;
    }
    Refuser::Other
}

/// What the kube layer learned by asking the API server, for one tenant.
/// `None`: not run (the check is then unknown).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeResults {
    pub privileged: Option<ProbeOutcome>,
    /// hostNetwork / hostPID / hostIPC / hostPath, see [`combine_probes`].
    pub host_namespaces: Option<ProbeOutcome>,
    /// SubjectAccessReview: may the owner update or patch resourcequotas in
    /// the tenant's namespaces; `Err` when the review could not be made.
    pub quota_update_by_owner: Option<Result<bool, String>>,
}

pub struct CheckContext<'a> {
    pub inventory: &'a Inventory,
    pub resolution: &'a Resolution,
    pub tenant: &'a Tenant,
    pub probes: &'a ProbeResults,
}

struct Verdict {
    outcome: Outcome,
    reason: String,
    note: Option<String>,
    /// Where the check found what it judged; empty: the default of
    /// `run_checks` (every namespace of the tenant, or the cluster).
    locations: Vec<Location>,
}

impl Verdict {
    fn pass(reason: impl Into<String>) -> Self {
        Verdict {
            outcome: Outcome::Pass,
            reason: reason.into(),
            note: None,
            locations: Vec::new(),
        }
    }

    fn fail(reason: impl Into<String>) -> Self {
        Verdict {
            outcome: Outcome::Fail,
            reason: reason.into(),
            note: None,
            locations: Vec::new(),
        }
    }

    fn unknown(reason: impl Into<String>) -> Self {
        Verdict {
            outcome: Outcome::Unknown,
            reason: reason.into(),
            note: None,
            locations: Vec::new(),
        }
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Locates the result in these namespaces.
    fn in_namespaces<S: AsRef<str>>(mut self, namespaces: &[S]) -> Self {
        self.locations
            .extend(namespaces.iter().map(|n| Location::namespace(n.as_ref())));
        self
    }

    /// Locates the result at these objects.
    fn at(mut self, locations: impl IntoIterator<Item = Location>) -> Self {
        self.locations.extend(locations);
        self
    }

    fn maybe_note(self, note: Option<String>) -> Self {
        match note {
            Some(n) => self.note(n),
            None => self,
        }
    }
}

/// Fail on problems found in what could be read (the gap, if any, as a
/// note); else unknown when something could not be read; else pass.
fn judge(problems: Vec<String>, gap: Option<String>, pass: impl FnOnce() -> String) -> Verdict {
    if !problems.is_empty() {
        return Verdict::fail(join_limited(&problems, "; ", 3))
            .maybe_note(gap.map(|g| format!("also unknown: {g}")));
    }
    match gap {
        Some(g) => Verdict::unknown(g),
        None => Verdict::pass(pass()),
    }
}

use Severity::{Critical, High, Info, Low, Medium};

/// Findings (failed checks) by severity; unknown results are not findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FindingCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl FindingCounts {
    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }

    /// Both counts added (a tenant's findings over several clusters).
    pub fn plus(self, other: &FindingCounts) -> FindingCounts {
        FindingCounts {
            critical: self.critical + other.critical,
            high: self.high + other.high,
            medium: self.medium + other.medium,
            low: self.low + other.low,
            info: self.info + other.info,
        }
    }

    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Critical => self.critical,
            High => self.high,
            Medium => self.medium,
            Low => self.low,
            Info => self.info,
        }
    }
}

pub fn summarize(results: &[CheckResult]) -> FindingCounts {
    let mut out = FindingCounts::default();
    for r in results.iter().filter(|r| r.is_finding()) {
        match r.severity {
            Critical => out.critical += 1,
            High => out.high += 1,
            Medium => out.medium += 1,
            Low => out.low += 1,
            Info => out.info += 1,
        }
    }
    out
}

/// Whether any finding is at least as severe as `threshold` (`--fail-on`).
pub fn fails_at(results: &[CheckResult], threshold: Severity) -> bool {
    results
        .iter()
        .any(|r| r.is_finding() && r.severity >= threshold)
}
