//! The policy coverage checks of DESIGN.md §6, evaluated for one tenant over
//! the inventory and the results of the kube layer's probes. Pure: no I/O.
//!
//! Every check is pass, fail or unknown with a one-line reason naming the
//! objects involved. A check fails on what it could read even when other
//! namespaces are unreadable (the gap becomes a note); it is unknown only
//! when nothing failed and something it needs could not be read.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::aggregate::{Access, access, namespace_quota};
use super::inventory::{Inventory, Kind, Scope, SyncState};
use super::network::{self, CrossTenantWhy, DenyStatus, Direction};
use super::projection::{PodInfo, Subject};
use super::quantity::pressure_at_least;
use super::rbac::{self, Risk, RoleLookup, TenantSubjects, effective_subject, subject_label};
use super::tenant::{Resolution, Tenant};

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

/// One row of the catalogue (DESIGN.md §6).
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
    /// Not sent: read-only mode sends no dry run (DESIGN.md §10).
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
    /// prove the policy (DESIGN.md §6).
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
}

impl Verdict {
    fn pass(reason: impl Into<String>) -> Self {
        Verdict {
            outcome: Outcome::Pass,
            reason: reason.into(),
            note: None,
        }
    }

    fn fail(reason: impl Into<String>) -> Self {
        Verdict {
            outcome: Outcome::Fail,
            reason: reason.into(),
            note: None,
        }
    }

    fn unknown(reason: impl Into<String>) -> Self {
        Verdict {
            outcome: Outcome::Unknown,
            reason: reason.into(),
            note: None,
        }
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
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

type CheckFn = fn(&CheckContext<'_>) -> Verdict;

struct Check {
    spec: CheckSpec,
    run: CheckFn,
}

const fn check(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    anchor: &'static str,
    fix: Option<&'static str>,
    run: CheckFn,
) -> Check {
    Check {
        spec: CheckSpec {
            id,
            severity,
            title,
            anchor,
            fix,
        },
        run,
    }
}

use Severity::{Critical, High, Info, Low, Medium};

pub mod public_subjects;

static CHECKS: [Check; 22] = [
    check(
        "netpol.default-deny-ingress",
        Critical,
        "a NetworkPolicy with empty podSelector and Ingress in policyTypes in every namespace",
        "tenancy notes; MTB network isolation",
        Some(FIX_NETPOL_DEFAULT_DENY),
        |c| netpol_default_deny(c, Direction::Ingress),
    ),
    check(
        "netpol.default-deny-egress",
        Medium,
        "a NetworkPolicy with empty podSelector and Egress in policyTypes in every namespace",
        "tenancy notes",
        Some(FIX_NETPOL_DEFAULT_DENY),
        |c| netpol_default_deny(c, Direction::Egress),
    ),
    check(
        "netpol.cross-tenant",
        High,
        "no rule admits namespaceSelector: {} or another tenant's namespaces",
        "tenancy notes",
        None,
        netpol_cross_tenant,
    ),
    check(
        "quota.compute",
        High,
        "quota hard covers cpu, memory (requests or limits) in every namespace",
        "MTB-PL1-CC-FNS-1",
        Some(FIX_QUOTA_MEDIUM),
        quota_compute,
    ),
    check(
        "quota.objects",
        Medium,
        "quota hard covers object counts (pods, services, secrets, configmaps, pvcs, services.nodeports, services.loadbalancers)",
        "MTB-PL1-CC-FNS-2",
        Some(FIX_QUOTA_MEDIUM),
        quota_objects,
    ),
    check(
        "quota.pressure",
        Medium,
        "used/hard < 80% (warn) and < 100% (fail) per namespace and tenant",
        "tenancy notes (starvation)",
        None,
        quota_pressure,
    ),
    check(
        "limitrange.defaults",
        Medium,
        "a LimitRange with container default and defaultRequest",
        "tenancy notes",
        Some(FIX_TENANT_BASELINE),
        limitrange_defaults,
    ),
    check(
        "psa.enforce",
        Critical,
        "pod-security.kubernetes.io/enforce >= baseline",
        "tenancy notes (pod security)",
        Some(FIX_PSA_RESTRICTED),
        psa_enforce,
    ),
    check(
        "psa.version-pinned",
        Low,
        "*-version labels pinned, not latest",
        "PSA docs",
        Some(FIX_PSA_RESTRICTED),
        psa_version_pinned,
    ),
    check(
        "qos.best-effort",
        Medium,
        "no BestEffort pods",
        "tenancy notes (QoS)",
        Some(FIX_TENANT_BASELINE),
        qos_best_effort,
    ),
    check(
        "qos.missing-requests",
        Medium,
        "every container sets requests",
        "tenancy notes",
        Some(FIX_TENANT_BASELINE),
        qos_missing_requests,
    ),
    check(
        "rbac.owner-present",
        High,
        "an admin binding for the tenant owner in every namespace",
        "tenancy notes (personas)",
        Some(FIX_TENANT_BASELINE),
        rbac_owner_present,
    ),
    check(
        "rbac.cluster-bindings",
        High,
        "no ClusterRoleBinding names a tenant subject",
        "MTB-PL1-CC-CPI-1",
        None,
        rbac_cluster_bindings,
    ),
    check(
        "rbac.foreign-subjects",
        High,
        "no binding names another tenant's subjects or outside ServiceAccounts",
        "MTB-PL1-CC-TI-2",
        None,
        rbac_foreign_subjects,
    ),
    check(
        "rbac.escalation",
        Critical,
        "no bound role grants impersonate of users or groups, bind, escalate, nodes/proxy or *",
        "rbac-tool analysis",
        None,
        rbac_escalation,
    ),
    check(
        "rbac.public-subjects",
        Critical,
        "no binding names system:authenticated, system:unauthenticated, system:anonymous or system:serviceaccounts[:<ns>]",
        "tenancy notes (personas); MTB-PL1-CC-TI-2",
        None,
        public_subjects::rbac_public_subjects,
    ),
    check(
        "rbac.quota-immutable",
        High,
        "the owner cannot modify ResourceQuotas (SubjectAccessReview)",
        "MTB-PL1-CC-TI-1",
        None,
        rbac_quota_immutable,
    ),
    check(
        "admission.privileged",
        Critical,
        "a privileged pod is refused (server dry-run as the owner)",
        "MTB-PL1-BC-CPI-5",
        Some(FIX_PSA_RESTRICTED),
        |c| admission(c.probes.privileged.as_ref(), "a privileged pod"),
    ),
    check(
        "admission.host-namespaces",
        Critical,
        "hostNetwork / hostPID / hostIPC / hostPath pods refused",
        "MTB-PL1-BC-HI-*",
        Some(FIX_PSA_RESTRICTED),
        |c| {
            admission(
                c.probes.host_namespaces.as_ref(),
                "a hostNetwork/hostPID/hostIPC/hostPath pod",
            )
        },
    ),
    check(
        "sched.priority-class",
        High,
        "pods use no system-* priority class",
        "tenancy notes (preemption)",
        None,
        sched_priority_class,
    ),
    check(
        "sched.node-isolation",
        Medium,
        "tenant pods only on nodes selected for it, where a node selector is set",
        "tenancy notes (dedicated nodes)",
        None,
        sched_node_isolation,
    ),
    check(
        "secrets.encryption-at-rest",
        Info,
        "always unknown: not visible through the API",
        "tenancy notes",
        None,
        |_| {
            Verdict::unknown(
                "encryption at rest is apiserver configuration (--encryption-provider-config), not visible through the API",
            )
        },
    ),
];

/// The catalogue, in DESIGN.md §6 order.
pub fn catalogue() -> impl Iterator<Item = &'static CheckSpec> {
    CHECKS.iter().map(|c| &c.spec)
}

pub fn spec(id: &str) -> Option<&'static CheckSpec> {
    catalogue().find(|s| s.id == id)
}

/// Every check of the catalogue, in its order.
pub fn run_checks(ctx: &CheckContext<'_>) -> Vec<CheckResult> {
    CHECKS
        .iter()
        .map(|c| {
            let v = (c.run)(ctx);
            CheckResult {
                id: c.spec.id,
                severity: c.spec.severity,
                outcome: v.outcome,
                reason: one_line(&v.reason),
                note: v.note.as_deref().map(one_line),
                anchor: c.spec.anchor,
                fix: if v.outcome == Outcome::Pass {
                    None
                } else {
                    c.spec.fix
                },
            }
        })
        .collect()
}

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

// ---------------------------------------------------------------------------
// Shared helpers (also used by rbac.rs and network.rs).

/// The resource name of a kind, as RBAC and `kubectl` spell it.
pub fn kind_plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Namespace => "namespaces",
        Kind::Pod => "pods",
        Kind::ResourceQuota => "resourcequotas",
        Kind::LimitRange => "limitranges",
        Kind::NetworkPolicy => "networkpolicies",
        Kind::RoleBinding => "rolebindings",
        Kind::ClusterRoleBinding => "clusterrolebindings",
        Kind::Role => "roles",
        Kind::ClusterRole => "clusterroles",
        Kind::CapsuleTenant => "tenants.capsule.clastix.io",
    }
}

/// What cannot be read of a namespaced kind in these namespaces
/// ("cannot list networkpolicies in acme-dev, acme-prod"), or `None` when
/// all of them are synced.
pub fn namespace_gaps(inv: &Inventory, kind: Kind, namespaces: &[String]) -> Option<String> {
    let mut no_access = Vec::new();
    let mut loading = Vec::new();
    let mut failed = Vec::new();
    for ns in namespaces {
        match inv.namespace_state(kind, ns) {
            Some(SyncState::Synced) => {}
            Some(SyncState::Loading { .. }) => loading.push(ns.as_str()),
            Some(SyncState::Failed { .. }) => failed.push(ns.as_str()),
            Some(SyncState::NoAccess { .. }) | None => no_access.push(ns.as_str()),
        }
    }
    let p = kind_plural(kind);
    let mut parts = Vec::new();
    if !no_access.is_empty() {
        parts.push(format!("cannot list {p} in {}", list(&no_access)));
    }
    if !failed.is_empty() {
        parts.push(format!("listing {p} failed in {}", list(&failed)));
    }
    if !loading.is_empty() {
        parts.push(format!("{p} still loading in {}", list(&loading)));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// What cannot be read of a kind cluster-wide ("cannot list
/// clusterrolebindings cluster-wide"), or `None` when the cluster-wide
/// watch is synced.
pub fn cluster_gap(inv: &Inventory, kind: Kind) -> Option<String> {
    let p = kind_plural(kind);
    match inv.sync_state(kind, &Scope::Cluster) {
        Some(SyncState::Synced) => None,
        Some(SyncState::Loading { .. }) => Some(format!("{p} still loading")),
        Some(SyncState::Failed { reason }) => {
            Some(format!("listing {p} cluster-wide failed: {reason}"))
        }
        Some(SyncState::NoAccess { .. }) | None => Some(format!("cannot list {p} cluster-wide")),
    }
}

/// "a, b, c, d and 3 more".
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    join_limited(items, ", ", 4)
}

fn join_limited<S: AsRef<str>>(items: &[S], sep: &str, max: usize) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let mut s = shown.join(sep);
    if items.len() > max {
        s.push_str(&format!(" and {} more", items.len() - max));
    }
    s
}

/// Reasons are one line: API server messages can hold newlines.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn has_have(n: usize) -> &'static str {
    plural(n, "has", "have")
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn no_namespaces(ctx: &CheckContext<'_>) -> Option<Verdict> {
    ctx.tenant.namespaces.is_empty().then(|| {
        Verdict::unknown(format!(
            "tenant {} has no visible namespaces",
            ctx.tenant.id
        ))
    })
}

/// The tenant's namespaces whose objects of `kind` are fully known, and a
/// gap for the others.
fn readable<'a>(ctx: &CheckContext<'a>, kind: Kind) -> (Vec<&'a str>, Option<String>) {
    let inv = ctx.inventory;
    let ok = ctx
        .tenant
        .namespaces
        .iter()
        .filter(|ns| access(inv, kind, ns) == Access::Readable)
        .map(String::as_str)
        .collect();
    (ok, namespace_gaps(inv, kind, &ctx.tenant.namespaces))
}

/// Pods that run or will run: finished pods hold no resources and no node.
fn live_pods<'a>(ctx: &CheckContext<'a>, namespaces: &[&str]) -> Vec<&'a PodInfo> {
    namespaces
        .iter()
        .flat_map(|ns| ctx.inventory.pods_in(ns))
        .filter(|p| !matches!(p.phase.as_str(), "Succeeded" | "Failed"))
        .collect()
}

fn pod_name(p: &PodInfo) -> String {
    format!("{}/{}", p.namespace, p.name)
}

// ---------------------------------------------------------------------------
// Network

fn netpol_default_deny(ctx: &CheckContext<'_>, dir: Direction) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let type_name = match dir {
        Direction::Ingress => "Ingress",
        Direction::Egress => "Egress",
    };
    let mut open = Vec::new();
    let mut unknown = Vec::new();
    let mut isolated = Vec::new();
    for n in network::namespace_networks(ctx.inventory, ctx.tenant) {
        let status = match dir {
            Direction::Ingress => &n.ingress,
            Direction::Egress => &n.egress,
        };
        match status {
            DenyStatus::Isolated { policies } => {
                isolated.push(format!("{} by {}", n.namespace, policies.join(", ")))
            }
            DenyStatus::Open => open.push(n.namespace.clone()),
            DenyStatus::Unknown { .. } => unknown.push(n.namespace.clone()),
        }
    }
    let problems = if open.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} {} no NetworkPolicy selecting all pods for {type_name}",
            list(&open),
            has_have(open.len())
        )]
    };
    let gap = namespace_gaps(ctx.inventory, Kind::NetworkPolicy, &unknown);
    judge(problems, gap, || {
        format!(
            "every namespace has a NetworkPolicy selecting all pods for {type_name}: {}",
            join_limited(&isolated, "; ", 3)
        )
    })
}

/// Fails on pods that no ingress policy selects (Kubernetes admits every
/// namespace to them), on every ingress allow from outside the tenant, and
/// on egress allows to every namespace or to another tenant's namespaces.
/// Egress from unselected pods, to broad ipBlocks or to any destination
/// (usually: the internet, DNS) is noted, not failed: it does not admit
/// traffic into the tenant, and the other tenant's ingress isolation is its
/// own check. A pass names what proved it: the policies that select every
/// pod and the allow rules judged.
fn netpol_cross_tenant(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (allows, unevaluated) = network::analyse(ctx.inventory, ctx.resolution, ctx.tenant);
    let networks = network::namespace_networks(ctx.inventory, ctx.tenant);
    let (unselected, undetermined) = network::unselected_pods(ctx.inventory, &networks);
    let (open_in, open_out): (Vec<_>, Vec<_>) = unselected
        .iter()
        .partition(|u| u.direction == Direction::Ingress);
    let (failing, noted): (Vec<_>, Vec<_>) = allows.iter().partition(|a| {
        a.direction == Direction::Ingress
            || matches!(
                a.why,
                CrossTenantWhy::EmptyNamespaceSelector | CrossTenantWhy::OtherTenant(_)
            )
    });
    let mut problems: Vec<String> = open_in.iter().map(|u| u.describe()).collect();
    problems.extend(failing.iter().map(|a| a.describe()));
    let mut gaps: Vec<String> =
        namespace_gaps(ctx.inventory, Kind::NetworkPolicy, &ctx.tenant.namespaces)
            .into_iter()
            .collect();
    gaps.extend(
        unevaluated
            .iter()
            .map(|u| format!("{}/{}: {}", u.namespace, u.policy, u.reason)),
    );
    gaps.extend(undetermined);
    let gap = (!gaps.is_empty()).then(|| join_limited(&gaps, "; ", 3));
    let mut not_counted: Vec<String> = open_out.iter().map(|u| u.describe()).collect();
    not_counted.extend(noted.iter().map(|a| a.describe()));
    let note = (!not_counted.is_empty())
        .then(|| format!("not counted: {}", join_limited(&not_counted, "; ", 3)));
    let failed = !problems.is_empty();
    let v = judge(problems, gap, || {
        // Every pod is selected for ingress: isolated namespaces, or
        // policies that between them select every pod there is.
        let selected: Vec<String> = networks
            .iter()
            .map(|n| match &n.ingress {
                DenyStatus::Isolated { policies } => {
                    format!("{} by {}", n.namespace, policies.join(", "))
                }
                _ => {
                    let by: Vec<&str> = n
                        .policies
                        .iter()
                        .filter(|p| p.policy_types.ingress)
                        .map(|p| p.name.as_str())
                        .collect();
                    format!("{} (each pod) by {}", n.namespace, by.join(", "))
                }
            })
            .collect();
        let rules: Vec<String> = networks
            .iter()
            .flat_map(|n| n.policies.iter())
            .filter(|p| {
                (p.policy_types.ingress && p.ingress_rules > 0)
                    || (p.policy_types.egress && p.egress_rules > 0)
            })
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .collect();
        let rules = if rules.is_empty() {
            "no policy has an allow rule".to_string()
        } else {
            format!("the allow rules of {} reach no other tenant", list(&rules))
        };
        format!(
            "every pod is selected for ingress: {}; {rules}",
            join_limited(&selected, "; ", 3)
        )
    });
    if failed || v.note.is_some() {
        v
    } else {
        v.maybe_note(note)
    }
}

// ---------------------------------------------------------------------------
// Quota and LimitRange

const CPU_KEYS: [&str; 3] = ["cpu", "requests.cpu", "limits.cpu"];
const MEMORY_KEYS: [&str; 3] = ["memory", "requests.memory", "limits.memory"];

/// Object counts and the names that cover them (`count/<resource>` is the
/// generic form).
const OBJECT_KEYS: [(&str, &[&str]); 7] = [
    ("pods", &["pods", "count/pods"]),
    ("services", &["services", "count/services"]),
    ("secrets", &["secrets", "count/secrets"]),
    ("configmaps", &["configmaps", "count/configmaps"]),
    (
        "persistentvolumeclaims",
        &["persistentvolumeclaims", "count/persistentvolumeclaims"],
    ),
    ("services.nodeports", &["services.nodeports"]),
    ("services.loadbalancers", &["services.loadbalancers"]),
];

/// Resources with a hard limit in the namespace's unscoped quotas (a
/// scoped quota constrains only some pods).
fn covered(ctx: &CheckContext<'_>, ns: &str) -> Option<BTreeSet<String>> {
    let quotas: Vec<_> = ctx.inventory.quotas_in(ns).filter(|q| !q.scoped).collect();
    if quotas.is_empty() {
        return None;
    }
    Some(quotas.iter().flat_map(|q| q.hard.keys().cloned()).collect())
}

/// A quota-coverage check: per readable namespace, `lacks` names what its
/// unscoped quotas leave out (None: nothing); namespaces with no quota at
/// all are listed first.
fn quota_coverage(
    ctx: &CheckContext<'_>,
    lacks: impl Fn(&str, &BTreeSet<String>) -> Option<String>,
    pass: &str,
) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::ResourceQuota);
    let mut problems = Vec::new();
    let mut none = Vec::new();
    let mut quotas = Vec::new();
    for ns in nss {
        match covered(ctx, ns) {
            None => none.push(ns),
            Some(keys) => problems.extend(lacks(ns, &keys)),
        }
        quotas.extend(
            ctx.inventory
                .quotas_in(ns)
                .filter(|q| !q.scoped)
                .map(|q| format!("{ns}/{}", q.name)),
        );
    }
    if !none.is_empty() {
        problems.insert(
            0,
            format!("{} {} no ResourceQuota", list(&none), has_have(none.len())),
        );
    }
    judge(problems, gap, || format!("{pass} ({})", list(&quotas)))
}

fn quota_compute(ctx: &CheckContext<'_>) -> Verdict {
    quota_coverage(
        ctx,
        |ns, keys| {
            let mut lacks = Vec::new();
            if !CPU_KEYS.iter().any(|k| keys.contains(*k)) {
                lacks.push("cpu");
            }
            if !MEMORY_KEYS.iter().any(|k| keys.contains(*k)) {
                lacks.push("memory");
            }
            (!lacks.is_empty()).then(|| format!("{ns} quota sets no {}", lacks.join(" or ")))
        },
        "every namespace has a quota on cpu and memory",
    )
}

fn quota_objects(ctx: &CheckContext<'_>) -> Verdict {
    quota_coverage(
        ctx,
        |ns, keys| {
            let lacks: Vec<&str> = OBJECT_KEYS
                .iter()
                .filter(|(_, names)| !names.iter().any(|n| keys.contains(*n)))
                .map(|(name, _)| *name)
                .collect();
            (!lacks.is_empty()).then(|| format!("{ns} quota lacks {}", lacks.join(", ")))
        },
        "every namespace has a quota on pods, services, secrets, configmaps, pvcs, nodeports and load balancers",
    )
}

/// Decision: a resource at or over 100% of its hard limit fails (new
/// objects are refused: the tenant is starved); 80–99% is still a pass, with
/// a note naming the resources (a warning, not a finding: "warn" in §6).
/// Per namespace, on the binding constraint; the tenant total cannot reach
/// a threshold unless some namespace does (sum(u)/sum(h) ≤ max(u/h)), so it
/// adds nothing to check.
fn quota_pressure(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::ResourceQuota);
    let mut over = Vec::new();
    let mut warn = Vec::new();
    let mut unfilled = Vec::new();
    // Without a quota there is no pressure to measure: that is not a pass.
    let mut unmeasured = Vec::new();
    let mut measured = Vec::new();
    // The highest ratio seen, as evidence for a pass.
    let mut highest: Option<(f64, String)> = None;
    for ns in nss {
        let nq = namespace_quota(ctx.inventory, ns);
        if nq.resources.is_empty() {
            unmeasured.push(ns);
        } else {
            measured.push(ns);
        }
        for r in &nq.resources {
            let Some(used) = &r.used else {
                if !unfilled.contains(&ns) {
                    unfilled.push(ns);
                }
                continue;
            };
            let pct = match r.ratio {
                Some(x) if x.is_finite() => format!("{:.0}%", x * 100.0),
                _ => "over a zero limit".to_string(),
            };
            let text = format!(
                "{ns} {} {}/{} ({pct})",
                r.resource,
                used.format_for(&r.resource),
                r.hard.format_for(&r.resource)
            );
            if let Some(x) = r.ratio.filter(|x| x.is_finite())
                && highest.as_ref().is_none_or(|(h, _)| x > *h)
            {
                highest = Some((x, text.clone()));
            }
            if pressure_at_least(used, &r.hard, 100) {
                over.push(text);
            } else if pressure_at_least(used, &r.hard, 80) {
                warn.push(text);
            }
        }
    }
    let warn_note = (!warn.is_empty()).then(|| format!("at 80% or more: {}", list(&warn)));
    if !over.is_empty() {
        let v = Verdict::fail(format!("at or over quota: {}", list(&over)));
        return match (warn_note, gap) {
            (Some(w), _) => v.note(w),
            (None, Some(g)) => v.note(format!("also unknown: {g}")),
            (None, None) => v,
        };
    }
    if let Some(g) = gap {
        return Verdict::unknown(g).maybe_note(warn_note);
    }
    if !unfilled.is_empty() {
        return Verdict::unknown(format!(
            "quota usage in {} not filled in yet by the quota controller",
            list(&unfilled)
        ))
        .maybe_note(warn_note);
    }
    if !unmeasured.is_empty() {
        return Verdict::unknown(format!(
            "{} {} no ResourceQuota: no pressure to measure (see quota.compute)",
            list(&unmeasured),
            has_have(unmeasured.len())
        ))
        .maybe_note(warn_note);
    }
    let evidence = format!(
        "in {}{}",
        list(&measured),
        highest
            .map(|(_, t)| format!(" (highest: {t})"))
            .unwrap_or_default()
    );
    if let Some(w) = warn_note {
        return Verdict::pass(format!("every quota below 100% {evidence}")).note(w);
    }
    Verdict::pass(format!("every quota below 80% {evidence}"))
}

fn limitrange_defaults(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::LimitRange);
    let mut none = Vec::new();
    let mut partial = Vec::new();
    let mut defaulting = Vec::new();
    for ns in nss {
        let lrs: Vec<_> = ctx.inventory.limit_ranges_in(ns).collect();
        defaulting.extend(
            lrs.iter()
                .filter(|l| l.has_container_default || l.has_container_default_request)
                .map(|l| format!("{ns}/{}", l.name)),
        );
        if lrs.is_empty() {
            none.push(ns);
        } else if !(lrs.iter().any(|l| l.has_container_default)
            && lrs.iter().any(|l| l.has_container_default_request))
        {
            partial.push(ns);
        }
    }
    let mut problems = Vec::new();
    if !none.is_empty() {
        problems.push(format!(
            "{} {} no LimitRange",
            list(&none),
            has_have(none.len())
        ));
    }
    if !partial.is_empty() {
        problems.push(format!(
            "{} {} no LimitRange setting both container default and defaultRequest",
            list(&partial),
            has_have(partial.len())
        ));
    }
    judge(problems, gap, || {
        format!(
            "every namespace has container default and defaultRequest in a LimitRange ({})",
            list(&defaulting)
        )
    })
}

// ---------------------------------------------------------------------------
// Pod Security

const PSA_PREFIX: &str = "pod-security.kubernetes.io/";
const PSA_MODES: [&str; 3] = ["enforce", "audit", "warn"];

/// The labels of each tenant namespace, where the Namespace object is
/// visible (a namespace admin usually cannot read it).
type Labelled<'a> = Vec<(&'a str, &'a BTreeMap<String, String>)>;

fn namespace_labels<'a>(ctx: &CheckContext<'a>) -> (Labelled<'a>, Option<String>) {
    let mut seen = Vec::new();
    let mut hidden = Vec::new();
    for ns in &ctx.tenant.namespaces {
        match ctx.inventory.namespace(ns) {
            Some(info) => seen.push((ns.as_str(), &info.labels)),
            None => hidden.push(ns.as_str()),
        }
    }
    let gap = (!hidden.is_empty()).then(|| {
        let why =
            cluster_gap(ctx.inventory, Kind::Namespace).unwrap_or_else(|| "not found".to_string());
        format!("cannot read the labels of {} ({why})", list(&hidden))
    });
    (seen, gap)
}

/// Labels say what Pod Security should enforce; the admission probes show
/// what it does. A probe pod that baseline forbids being admitted is a
/// hole whatever the labels say; Pod Security refusing every probe proves
/// baseline or stricter where labels are missing or cannot be read.
fn psa_enforce(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let probes = [
        (ctx.probes.privileged.as_ref(), PRIVILEGED_POD),
        (ctx.probes.host_namespaces.as_ref(), HOST_POD),
    ];
    let admitted: Vec<String> = probes
        .iter()
        .filter_map(|(p, what)| match p {
            Some(ProbeOutcome::Admitted { probes }) => Some(admitted_reason(what, probes)),
            _ => None,
        })
        .collect();
    let refused_by_psa = probes.iter().find_map(|(p, what)| match p {
        Some(ProbeOutcome::Refused {
            by: Refuser::PodSecurity,
            message,
        }) => Some((*what, first_line(message))),
        _ => None,
    });
    let (seen, gap) = namespace_labels(ctx);
    let key = format!("{PSA_PREFIX}enforce");
    let mut weak = Vec::new();
    let mut unlabelled = Vec::new();
    let mut levels = Vec::new();
    for (ns, labels) in seen {
        match labels.get(&key).map(String::as_str) {
            None => unlabelled.push(ns),
            Some(level @ ("baseline" | "restricted")) => levels.push(format!("{ns} {level}")),
            Some("privileged") => weak.push(format!("{ns} enforces privileged")),
            Some(other) => weak.push(format!("{ns} has an invalid enforce level {other:?}")),
        }
    }
    if !admitted.is_empty() {
        let mut problems = admitted;
        problems.append(&mut weak);
        if !unlabelled.is_empty() {
            problems.push(format!(
                "{} {} no enforce label",
                list(&unlabelled),
                has_have(unlabelled.len())
            ));
        } else if !levels.is_empty() {
            problems.push(format!("although labelled {}", list(&levels)));
        }
        return Verdict::fail(join_limited(&problems, "; ", 3))
            .maybe_note(gap.map(|g| format!("also unknown: {g}")));
    }
    let mut gaps: Vec<String> = gap.into_iter().collect();
    if !unlabelled.is_empty() {
        gaps.insert(
            0,
            format!(
                "{} {} no enforce label: the cluster default applies and cannot be read through the API",
                list(&unlabelled),
                has_have(unlabelled.len())
            ),
        );
    }
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    if weak.is_empty()
        && let (Some(g), Some((what, message))) = (&gap, refused_by_psa)
    {
        return Verdict::pass(format!(
            "Pod Security refused {what} in every namespace (server-side dry-run as the owner): {message}"
        ))
        .note(format!("labels not relied on: {g}"));
    }
    judge(weak, gap, || {
        let confirmed = refused_by_psa
            .map(|(what, _)| {
                format!("; Pod Security refused {what} (server-side dry-run as the owner)")
            })
            .unwrap_or_default();
        format!(
            "every namespace enforces baseline or stricter by label ({}){confirmed}",
            list(&levels)
        )
    })
}

/// A mode label without its `-version` label means `latest`: fail.
/// A namespace with no Pod Security label at all pins nothing: the cluster
/// default's version applies, which the API does not show (unknown, never
/// a pass).
fn psa_version_pinned(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (seen, gap) = namespace_labels(ctx);
    let mut problems = Vec::new();
    let mut unlabelled = Vec::new();
    let mut pinned = Vec::new();
    for (ns, labels) in seen {
        let mut unpinned = Vec::new();
        let mut versions = Vec::new();
        for mode in PSA_MODES {
            if !labels.contains_key(&format!("{PSA_PREFIX}{mode}")) {
                continue;
            }
            match labels
                .get(&format!("{PSA_PREFIX}{mode}-version"))
                .map(String::as_str)
            {
                None => unpinned.push(format!("{mode}-version unset (latest)")),
                Some("latest") => unpinned.push(format!("{mode}-version latest")),
                Some(v) => versions.push(format!("{mode} {v}")),
            }
        }
        if unpinned.is_empty() && versions.is_empty() {
            unlabelled.push(ns);
        }
        if !unpinned.is_empty() {
            problems.push(format!("{ns}: {}", unpinned.join(", ")));
        } else if !versions.is_empty() {
            pinned.push(format!("{ns} {}", versions.join(", ")));
        }
    }
    let mut gaps = Vec::new();
    if !unlabelled.is_empty() {
        gaps.push(format!(
            "{} {} no Pod Security label: the cluster default's version applies and cannot be read through the API",
            list(&unlabelled),
            has_have(unlabelled.len())
        ));
    }
    gaps.extend(gap);
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    judge(problems, gap, || {
        format!(
            "every Pod Security mode label has a pinned version: {}",
            join_limited(&pinned, "; ", 3)
        )
    })
}

// ---------------------------------------------------------------------------
// QoS and scheduling

fn qos_best_effort(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let be: Vec<String> = pods
        .iter()
        .filter(|p| p.qos == super::projection::QosClass::BestEffort)
        .map(|p| pod_name(p))
        .collect();
    let problems = if be.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} BestEffort {}: {}",
            be.len(),
            plural(be.len(), "pod", "pods"),
            list(&be)
        )]
    };
    judge(problems, gap, || {
        format!(
            "no BestEffort pods among {} pods in {}",
            pods.len(),
            list(&nss)
        )
    })
}

fn qos_missing_requests(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let missing: Vec<String> = pods
        .iter()
        .flat_map(|p| {
            p.containers_without_requests
                .iter()
                .map(move |c| format!("{}/{} ({c})", p.namespace, p.name))
        })
        .collect();
    let problems = if missing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} {} without cpu and memory requests: {}",
            missing.len(),
            plural(missing.len(), "container", "containers"),
            list(&missing)
        )]
    };
    judge(problems, gap, || {
        format!(
            "every container of {} pods in {} requests cpu and memory",
            pods.len(),
            list(&nss)
        )
    })
}

fn sched_priority_class(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let bad: Vec<String> = pods
        .iter()
        .filter_map(|p| {
            p.priority_class
                .as_deref()
                .filter(|c| c.starts_with("system-"))
                .map(|c| format!("{} uses {c}", pod_name(p)))
        })
        .collect();
    let problems = if bad.is_empty() {
        Vec::new()
    } else {
        vec![list(&bad)]
    };
    judge(problems, gap, || {
        format!(
            "none of {} pods in {} uses a system-* priority class",
            pods.len(),
            list(&nss)
        )
    })
}

/// Where any pod sets a nodeSelector, every pod of the tenant must carry the
/// key=value pairs common to all the selectors set (the tenant's selector).
/// No selector at all means no dedicated nodes to check: unknown, not a
/// pass (the tenant shares nodes).
fn sched_node_isolation(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let selecting: Vec<&PodInfo> = pods
        .iter()
        .copied()
        .filter(|p| !p.node_selector.is_empty())
        .collect();
    let Some(first) = selecting.first() else {
        return match gap {
            Some(g) => Verdict::unknown(g),
            None => Verdict::unknown(format!(
                "none of {} pods in {} sets a node selector: no dedicated nodes to check",
                pods.len(),
                list(&nss)
            ))
            .note("nodes are shared with other tenants"),
        };
    };
    let mut common: BTreeMap<&String, &String> = first.node_selector.iter().collect();
    for p in &selecting[1..] {
        common.retain(|k, v| p.node_selector.get(*k) == Some(*v));
    }
    let pairs: Vec<String> = common.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut problems = Vec::new();
    if common.is_empty() {
        let shown: Vec<String> = selecting
            .iter()
            .map(|p| {
                let sel: Vec<String> = p
                    .node_selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                format!("{} ({})", pod_name(p), sel.join(","))
            })
            .collect();
        problems.push(format!("pods select different nodes: {}", list(&shown)));
    } else {
        let outside: Vec<String> = pods
            .iter()
            .filter(|p| {
                common
                    .iter()
                    .any(|(k, v)| p.node_selector.get(*k) != Some(*v))
            })
            .map(|p| pod_name(p))
            .collect();
        if !outside.is_empty() {
            problems.push(format!(
                "{} {} the tenant's node selector {}: {}",
                outside.len(),
                plural(outside.len(), "pod lacks", "pods lack"),
                pairs.join(","),
                list(&outside)
            ));
        }
    }
    judge(problems, gap, || {
        format!("all {} pods select {}", pods.len(), pairs.join(","))
    })
}

// ---------------------------------------------------------------------------
// RBAC

/// ClusterRoles that make a tenant owner an admin of a namespace: the
/// built-in `admin` (and `cluster-admin`, namespace-bound), Rancher's
/// project owner, kiosk's space admin.
const OWNER_ROLES: [&str; 4] = [
    "admin",
    "cluster-admin",
    "project-owner",
    "kiosk-space-admin",
];

fn same_subject(a: &Subject, b: &Subject) -> bool {
    a.kind == b.kind
        && a.name == b.name
        && (a.kind != "ServiceAccount" || a.namespace == b.namespace)
}

fn rbac_owner_present(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::RoleBinding);
    let owners = &ctx.tenant.owners;
    if owners.is_empty() {
        return match gap {
            Some(g) => Verdict::unknown(format!("no owner known: {g}")),
            None => Verdict::fail(format!(
                "tenant {} has no owner: no admin RoleBinding in its namespaces",
                ctx.tenant.id
            )),
        };
    }
    let mut missing: Vec<&str> = Vec::new();
    let mut found = Vec::new();
    for ns in nss {
        let binding = ctx.inventory.role_bindings_in(ns).find(|b| {
            b.role_ref.kind == "ClusterRole"
                && OWNER_ROLES.contains(&b.role_ref.name.as_str())
                && b.subjects.iter().any(|s| {
                    let s = effective_subject(b, s);
                    owners.iter().any(|o| same_subject(o, &s))
                })
        });
        match binding {
            Some(b) => found.push(format!("{ns}/{} ({})", b.name, b.role_ref.name)),
            None => missing.push(ns),
        }
    }
    let owner_names: Vec<String> = owners.iter().map(subject_label).collect();
    let problems = if missing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} {} no admin binding for the owner ({})",
            list(&missing),
            has_have(missing.len()),
            list(&owner_names)
        )]
    };
    judge(problems, gap, || {
        format!(
            "the owner ({}) is admin in every namespace: {}",
            list(&owner_names),
            list(&found)
        )
    })
}

fn rbac_cluster_bindings(ctx: &CheckContext<'_>) -> Verdict {
    let inv = ctx.inventory;
    if let Some(g) = cluster_gap(inv, Kind::ClusterRoleBinding) {
        return Verdict::unknown(g);
    }
    let subjects = TenantSubjects::of(inv, ctx.tenant);
    let checked = inv.cluster_role_bindings().count();
    let problems: Vec<String> = inv
        .cluster_role_bindings()
        .filter_map(|b| {
            let mine: Vec<String> = b
                .subjects
                .iter()
                .filter(|s| subjects.contains(s))
                .map(subject_label)
                .collect();
            (!mine.is_empty()).then(|| {
                format!(
                    "ClusterRoleBinding {} binds {} {} to {}",
                    b.name,
                    b.role_ref.kind,
                    b.role_ref.name,
                    list(&mine)
                )
            })
        })
        .collect();
    let gap = namespace_gaps(inv, Kind::RoleBinding, &ctx.tenant.namespaces)
        .map(|g| format!("{g}: the tenant's users are not all known"));
    judge(problems, gap, || {
        let mut who: Vec<String> = subjects
            .people()
            .map(|(kind, name)| format!("{kind} {name}"))
            .collect();
        who.push(format!(
            "ServiceAccounts of {}",
            list(&ctx.tenant.namespaces)
        ));
        format!(
            "none of {checked} {} names a subject of {} ({})",
            plural(checked, "ClusterRoleBinding", "ClusterRoleBindings"),
            ctx.tenant.id,
            list(&who)
        )
    })
}

/// Why a subject bound in the tenant's namespaces is foreign, if it is.
fn foreign_reason(
    s: &Subject,
    tenant: &Tenant,
    other_owners: &BTreeMap<(String, String), Vec<String>>,
) -> Option<String> {
    let outside = |ns: &str| !tenant.namespaces.iter().any(|n| n == ns);
    match (s.kind.as_str(), s.name.as_str()) {
        ("ServiceAccount", _) => s
            .namespace
            .as_deref()
            .filter(|ns| outside(ns))
            .map(|_| "a ServiceAccount outside the tenant".to_string()),
        ("Group", "system:serviceaccounts") => Some("every ServiceAccount".to_string()),
        ("Group", "system:authenticated") => Some("every authenticated user".to_string()),
        ("Group", "system:unauthenticated") | ("User", "system:anonymous") => {
            Some("anonymous users".to_string())
        }
        ("Group", name) if name.starts_with("system:serviceaccounts:") => name
            .strip_prefix("system:serviceaccounts:")
            .filter(|ns| outside(ns))
            .map(|_| "ServiceAccounts outside the tenant".to_string()),
        ("User", name) if name.starts_with("system:serviceaccount:") => name
            .strip_prefix("system:serviceaccount:")
            .and_then(|rest| rest.split_once(':'))
            .filter(|(ns, _)| outside(ns))
            .map(|_| "a ServiceAccount outside the tenant".to_string()),
        (kind, name) => other_owners
            .get(&(kind.to_string(), name.to_string()))
            .map(|ts| format!("owner of {}", ts.join(", "))),
    }
}

fn rbac_foreign_subjects(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let inv = ctx.inventory;
    let (nss, gap) = readable(ctx, Kind::RoleBinding);
    let own: BTreeSet<(String, String)> = ctx
        .tenant
        .owners
        .iter()
        .map(|o| (o.kind.clone(), o.name.clone()))
        .collect();
    let mut other_owners: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for t in ctx
        .resolution
        .tenants
        .iter()
        .filter(|t| t.id != ctx.tenant.id)
    {
        for o in t.owners.iter().filter(|o| o.kind != "ServiceAccount") {
            let key = (o.kind.clone(), o.name.clone());
            if !own.contains(&key) {
                other_owners.entry(key).or_default().push(t.id.to_string());
            }
        }
    }
    // Other tenants' owners are known only when every RoleBinding is.
    let owners_known = cluster_gap(inv, Kind::RoleBinding).is_none();
    let mut problems = Vec::new();
    let mut undecided = BTreeSet::new();
    let mut bindings = 0;
    let mut named = BTreeSet::new();
    for ns in &nss {
        for b in inv.role_bindings_in(ns) {
            bindings += 1;
            for s in &b.subjects {
                let s = effective_subject(b, s);
                named.insert(subject_label(&s));
                if let Some(why) = foreign_reason(&s, ctx.tenant, &other_owners) {
                    problems.push(format!(
                        "{ns}/{} names {} ({why})",
                        b.name,
                        subject_label(&s)
                    ));
                } else if !owners_known
                    && matches!(s.kind.as_str(), "User" | "Group")
                    && !s.name.starts_with("system:")
                    && !own.contains(&(s.kind.clone(), s.name.clone()))
                {
                    undecided.insert(subject_label(&s));
                }
            }
        }
    }
    let mut gaps: Vec<String> = gap.into_iter().collect();
    if !undecided.is_empty() {
        let names: Vec<String> = undecided.into_iter().collect();
        gaps.push(format!(
            "cannot list rolebindings cluster-wide: cannot tell whether {} own another tenant",
            list(&names)
        ));
    }
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    judge(problems, gap, || {
        if bindings == 0 {
            return format!("no RoleBinding in {} names anyone", list(&nss));
        }
        let named: Vec<String> = named.into_iter().collect();
        format!(
            "the {bindings} {} in {} {} only the tenant's own subjects ({})",
            plural(bindings, "RoleBinding", "RoleBindings"),
            list(&nss),
            plural(bindings, "names", "name"),
            if named.is_empty() {
                "none".to_string()
            } else {
                list(&named)
            }
        )
    })
}

/// Roles bound by the tenant's RoleBindings, with their rules resolved from
/// the inventory. Impersonating ServiceAccounts (built-in admin/edit, and
/// confined to the namespace by the RoleBinding) is noted, not failed.
fn rbac_escalation(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let inv = ctx.inventory;
    let (nss, gap) = readable(ctx, Kind::RoleBinding);
    // role label -> (escalation risks, bindings)
    let mut risky: BTreeMap<String, (BTreeSet<Risk>, BTreeSet<String>)> = BTreeMap::new();
    let mut sa_impersonation: BTreeSet<String> = BTreeSet::new();
    let mut unresolved: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut resolved: BTreeSet<String> = BTreeSet::new();
    for ns in nss {
        for b in inv.role_bindings_in(ns) {
            match rbac::lookup_role(inv, b) {
                RoleLookup::Found(role) => {
                    let label =
                        rbac::role_label(&b.role_ref.kind, role.namespace.as_deref(), &role.name);
                    resolved.insert(label.clone());
                    for risk in role.rules.iter().flat_map(rbac::rule_risks) {
                        if risk.is_escalation() {
                            let e = risky.entry(label.clone()).or_default();
                            e.0.insert(risk);
                            e.1.insert(rbac::binding_label(b));
                        } else if risk == Risk::ImpersonateServiceAccounts {
                            sa_impersonation.insert(label.clone());
                        }
                    }
                }
                RoleLookup::Unreadable(g) => {
                    unresolved
                        .entry(g)
                        .or_default()
                        .insert(b.role_ref.name.clone());
                }
                RoleLookup::Dangling => {}
            }
        }
    }
    let problems: Vec<String> = risky
        .iter()
        .map(|(role, (risks, bindings))| {
            let r: Vec<&str> = risks.iter().map(|r| r.as_str()).collect();
            let b: Vec<&String> = bindings.iter().collect();
            format!("{role} grants {} (bound by {})", r.join(", "), list(&b))
        })
        .collect();
    let mut gaps: Vec<String> = gap.into_iter().collect();
    gaps.extend(unresolved.into_iter().map(|(g, names)| {
        let n: Vec<String> = names.into_iter().collect();
        format!("{g} (needed to resolve {})", list(&n))
    }));
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    let note = (!sa_impersonation.is_empty()).then(|| {
        let roles: Vec<String> = sa_impersonation.into_iter().collect();
        format!(
            "{} may impersonate ServiceAccounts of their namespace (as the built-in admin/edit roles do)",
            list(&roles)
        )
    });
    judge(problems, gap, || {
        if resolved.is_empty() {
            return "no role is bound in the tenant's namespaces".to_string();
        }
        let roles: Vec<String> = resolved.into_iter().collect();
        format!(
            "the roles bound in the tenant's namespaces ({}) grant no impersonate, bind, escalate, nodes/proxy or *",
            list(&roles)
        )
    })
    .maybe_note(note)
}

fn rbac_quota_immutable(ctx: &CheckContext<'_>) -> Verdict {
    let owners: Vec<String> = ctx.tenant.owners.iter().map(subject_label).collect();
    let who = if owners.is_empty() {
        "the owner".to_string()
    } else {
        format!("the owner ({})", list(&owners))
    };
    match &ctx.probes.quota_update_by_owner {
        None => Verdict::unknown(format!(
            "not checked: whether {who} may update resourcequotas needs a SubjectAccessReview"
        )),
        Some(Err(e)) => Verdict::unknown(format!(
            "cannot tell whether {who} may update resourcequotas: {e}"
        )),
        Some(Ok(true)) => Verdict::fail(format!(
            "an access review says {who} may update or patch resourcequotas in {}{}",
            plural(ctx.tenant.namespaces.len(), "", "at least one of "),
            list(&ctx.tenant.namespaces)
        )),
        Some(Ok(false)) => Verdict::pass(format!(
            "an access review says {who} may not update or patch resourcequotas in {}",
            list(&ctx.tenant.namespaces)
        )),
    }
}

// ---------------------------------------------------------------------------
// Admission probes

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// What the admission probes submit, as their checks word it.
const PRIVILEGED_POD: &str = "a privileged pod";
const HOST_POD: &str = "a hostNetwork/hostPID/hostIPC/hostPath pod";

/// "a privileged pod was admitted (server-side dry-run as the owner:
/// privileged in initech-app)".
fn admitted_reason(what: &str, probes: &[String]) -> String {
    if probes.is_empty() {
        format!("{what} was admitted (server-side dry-run as the owner)")
    } else {
        format!(
            "{what} was admitted (server-side dry-run as the owner: {})",
            list(probes)
        )
    }
}

fn admission(probe: Option<&ProbeOutcome>, what: &str) -> Verdict {
    match probe {
        None => Verdict::unknown(format!(
            "not probed: no server-side dry-run of {what} as the owner"
        )),
        Some(ProbeOutcome::Admitted { probes }) => Verdict::fail(admitted_reason(what, probes)),
        Some(ProbeOutcome::Error(e)) => {
            Verdict::unknown(format!("the dry-run of {what} failed: {}", first_line(e)))
        }
        Some(ProbeOutcome::ReadOnly) => Verdict::unknown(format!(
            "read-only: no server-side dry-run of {what} is sent in read-only mode"
        )),
        Some(ProbeOutcome::Refused { by, message }) => {
            let msg = first_line(message);
            match by {
                Refuser::PodSecurity | Refuser::Webhook => {
                    Verdict::pass(format!("{what} is refused by {}: {msg}", by.as_str()))
                }
                Refuser::Forbidden => Verdict::unknown(format!(
                    "the probing identity may not create pods, so admission was not reached: {msg}"
                )),
                Refuser::Other => Verdict::unknown(format!(
                    "{what} was refused, but not by Pod Security or a policy webhook: {msg}"
                )),
                Refuser::Quota | Refuser::LimitRange | Refuser::ServiceAccount => {
                    Verdict::unknown(format!(
                        "{what} was refused by {} before a policy decided: {msg}",
                        by.as_str()
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::inventory::{Change, Object};
    use crate::model::projection::{
        BindingInfo, LimitRangeInfo, NamespaceInfo, NetworkPolicyInfo, PodInfo, QuotaInfo,
        RoleInfo, RuleInfo,
    };
    use crate::model::tenant::{ResolverKind, TenantId, resolve_inventory};
    use serde_json::{Value, json};

    pub(crate) fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> RuleInfo {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        RuleInfo {
            verbs: v(verbs),
            api_groups: v(groups),
            resources: v(resources),
            resource_names: Vec::new(),
            non_resource_urls: Vec::new(),
        }
    }

    /// Built-in roles as the sandbox's controller manager aggregates them
    /// (abridged to the rules the checks read, shaped like the real ones),
    /// and the bootstrap cluster-admin binding.
    const BUILTIN_RBAC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
- {nonResourceURLs: ["*"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:masters"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}
rules:
- apiGroups: [""]
  resources: [pods/attach, pods/exec, pods/portforward, pods/proxy, secrets, services/proxy]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [impersonate]
- apiGroups: [""]
  resources: [pods, pods/attach, pods/exec, pods/portforward, pods/proxy]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [""]
  resources: [configmaps, persistentvolumeclaims, replicationcontrollers, secrets, serviceaccounts, services, services/proxy]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [""]
  resources: [configmaps, endpoints, persistentvolumeclaims, pods, replicationcontrollers, serviceaccounts, services, resourcequotas, limitranges, namespaces, pods/log, pods/status]
  verbs: [get, list, watch]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings, roles]
  verbs: [create, delete, deletecollection, get, list, patch, update, watch]
- apiGroups: [authorization.k8s.io]
  resources: [localsubjectaccessreviews]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view}
rules:
- apiGroups: [""]
  resources: [configmaps, pods, services, resourcequotas, namespaces]
  verbs: [get, list, watch]
"#;

    /// `status` as the quota controller fills it for the demo's pods.
    fn quota_used(ns: &str) -> &'static [(&'static str, &'static str)] {
        match ns {
            "acme-dev" => &[
                ("requests.cpu", "150m"),
                ("requests.memory", "96Mi"),
                ("limits.cpu", "300m"),
                ("limits.memory", "192Mi"),
                ("pods", "2"),
                ("configmaps", "1"),
            ],
            "acme-prod" => &[
                ("requests.cpu", "200m"),
                ("requests.memory", "128Mi"),
                ("limits.cpu", "200m"),
                ("limits.memory", "128Mi"),
                ("pods", "2"),
                ("configmaps", "1"),
            ],
            "globex-web" => &[
                ("requests.cpu", "1500m"),
                ("requests.memory", "768Mi"),
                ("limits.cpu", "3"),
                ("limits.memory", "1536Mi"),
                ("pods", "3"),
            ],
            "umbrella-lab" => &[("pods", "2"), ("configmaps", "1")],
            "umbrella-ops" => &[("pods", "1"), ("configmaps", "1")],
            "hooli" => &[("requests.cpu", "100m"), ("requests.memory", "128Mi")],
            _ => &[],
        }
    }

    fn object(mut v: Value) -> Option<Object> {
        let kind = v.get("kind")?.as_str()?.to_string();
        let parse = |v: Value| -> Option<Object> {
            Some(match kind.as_str() {
                "Namespace" => Object::Namespace(NamespaceInfo::from(
                    &serde_json::from_value(v).expect("Namespace"),
                )),
                "Pod" => Object::Pod(PodInfo::from(&serde_json::from_value(v).expect("Pod"))),
                "ResourceQuota" => Object::ResourceQuota(QuotaInfo::from(
                    &serde_json::from_value(v).expect("ResourceQuota"),
                )),
                "LimitRange" => Object::LimitRange(LimitRangeInfo::from(
                    &serde_json::from_value(v).expect("LimitRange"),
                )),
                "NetworkPolicy" => Object::NetworkPolicy(NetworkPolicyInfo::from(
                    &serde_json::from_value(v).expect("NetworkPolicy"),
                )),
                "RoleBinding" => Object::RoleBinding(BindingInfo::from_role_binding(
                    &serde_json::from_value(v).expect("RoleBinding"),
                )),
                "ClusterRoleBinding" => {
                    Object::ClusterRoleBinding(BindingInfo::from_cluster_role_binding(
                        &serde_json::from_value(v).expect("ClusterRoleBinding"),
                    ))
                }
                "Role" => Object::Role(RoleInfo::from_role(
                    &serde_json::from_value(v).expect("Role"),
                )),
                "ClusterRole" => Object::ClusterRole(RoleInfo::from_cluster_role(
                    &serde_json::from_value(v).expect("ClusterRole"),
                )),
                other => panic!("no fixture support for {other}"),
            })
        };
        if kind == "ResourceQuota" {
            let ns = v["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let hard = v["spec"]["hard"].clone();
            let mut used = serde_json::Map::new();
            if let Some(h) = hard.as_object() {
                for k in h.keys() {
                    let u = quota_used(&ns)
                        .iter()
                        .find(|(r, _)| r == k)
                        .map_or("0", |(_, u)| *u);
                    used.insert(k.clone(), json!(u));
                }
            }
            v["status"] = json!({"hard": hard, "used": used});
        }
        parse(v)
    }

    fn parse_yaml(text: &str) -> Vec<Object> {
        serde_saphyr::from_multiple::<Value>(text)
            .expect("fixture YAML")
            .into_iter()
            .filter(|v| !v.is_null())
            .filter_map(object)
            .collect()
    }

    /// The demo tenants of `assets/demo/`, as a cluster admin sees them
    /// once synced.
    pub(crate) struct Demo {
        pub inv: Inventory,
        pub resolution: Resolution,
        objects: Vec<Object>,
    }

    impl Demo {
        pub fn tenant(&self, id: &str) -> &Tenant {
            self.resolution
                .tenant(&TenantId::new(id))
                .unwrap_or_else(|| panic!("tenant {id}"))
        }

        fn resolve(&mut self) {
            self.resolution = resolve_inventory(&self.inv, &ResolverKind::default_order(), &[]);
        }

        pub fn add_yaml(&mut self, text: &str) {
            for o in parse_yaml(text) {
                self.objects.push(o.clone());
                self.inv.apply(Change::Applied(o));
            }
            self.resolve();
        }

        pub fn remove(&mut self, kind: Kind, ns: &str, name: &str) {
            let key = crate::model::inventory::ObjectKey::new(ns, name);
            self.objects
                .retain(|o| !(o.kind() == kind && o.key() == key));
            self.inv.apply(Change::Deleted(kind, key));
            self.resolve();
        }

        /// What a namespace admin of `namespaces` sees: namespaced kinds in
        /// those namespaces only, no cluster-scoped kind, no Namespace
        /// objects.
        pub fn seen_by_namespace_admin(self, namespaces: &[&str]) -> Demo {
            let mut inv = Inventory::new();
            for kind in Kind::ALL {
                if kind.is_namespaced() {
                    for ns in namespaces {
                        let objects = self
                            .objects
                            .iter()
                            .filter(|o| o.kind() == kind && o.key().namespace == *ns)
                            .cloned()
                            .collect();
                        inv.apply(Change::Replaced {
                            kind,
                            scope: Scope::Namespace(ns.to_string()),
                            objects,
                        });
                    }
                } else {
                    inv.set_sync(
                        kind,
                        Scope::Cluster,
                        SyncState::NoAccess {
                            reason: "forbidden".into(),
                        },
                    );
                }
            }
            let mut d = Demo {
                inv,
                resolution: Resolution::default(),
                objects: self.objects,
            };
            d.resolve();
            d
        }
    }

    pub(crate) fn demo() -> Demo {
        let mut objects = Vec::new();
        for text in [
            include_str!("../../../assets/demo/00-namespaces.yaml"),
            include_str!("../../../assets/demo/10-policy.yaml"),
            include_str!("../../../assets/demo/20-pods.yaml"),
            include_str!("../../../assets/demo/30-pressure.yaml"),
            BUILTIN_RBAC,
        ] {
            objects.extend(parse_yaml(text));
        }
        let mut inv = Inventory::new();
        for kind in Kind::ALL {
            inv.apply(Change::Replaced {
                kind,
                scope: Scope::Cluster,
                objects: Vec::new(),
            });
        }
        // Later phases replace earlier objects (30-pressure lowers a quota).
        for o in &objects {
            inv.apply(Change::Applied(o.clone()));
        }
        let mut d = Demo {
            inv,
            resolution: Resolution::default(),
            objects,
        };
        d.resolve();
        d
    }

    fn policy_refusal() -> ProbeOutcome {
        ProbeOutcome::refused(
            403,
            r#"pods "tenantry-probe-privileged" is forbidden: violates PodSecurity "restricted:v1.37": privileged (container "probe" must not set securityContext.privileged=true)"#,
        )
    }

    fn good_probes() -> ProbeResults {
        ProbeResults {
            privileged: Some(policy_refusal()),
            host_namespaces: Some(policy_refusal()),
            quota_update_by_owner: Some(Ok(false)),
        }
    }

    fn run_with(d: &Demo, tenant: &str, probes: &ProbeResults) -> Vec<CheckResult> {
        run_checks(&CheckContext {
            inventory: &d.inv,
            resolution: &d.resolution,
            tenant: d.tenant(tenant),
            probes,
        })
    }

    fn run(d: &Demo, tenant: &str) -> Vec<CheckResult> {
        run_with(d, tenant, &good_probes())
    }

    /// The probes as they answer for each demo tenant in the sandbox
    /// (tests/check.rs): initech-app has no Pod Security label, so the
    /// cluster default (privileged) admits every probe and its owner may
    /// edit quotas; hooli's owners have no binding in hooli-mail, so RBAC
    /// refuses the probes there; elsewhere Pod Security refuses them.
    pub(crate) fn demo_probes(tenant: &str) -> ProbeResults {
        match tenant {
            "initech" => ProbeResults {
                privileged: combine_probes([(
                    "privileged in initech-app",
                    ProbeOutcome::admitted(),
                )]),
                host_namespaces: combine_probes(
                    [
                        "hostNetwork in initech-app",
                        "hostPID in initech-app",
                        "hostIPC in initech-app",
                        "hostPath in initech-app",
                    ]
                    .map(|p| (p, ProbeOutcome::admitted())),
                ),
                quota_update_by_owner: Some(Ok(true)),
            },
            "hooli" => {
                let rbac = ProbeOutcome::refused(
                    403,
                    r#"pods "tenantry-probe-privileged" is forbidden: User "tenantry:admission-probe" cannot create resource "pods" in API group "" in the namespace "hooli-mail""#,
                );
                let probes = combine_probes([
                    ("privileged in hooli", policy_refusal()),
                    ("privileged in hooli-mail", rbac),
                    ("privileged in hooli-search", policy_refusal()),
                ]);
                ProbeResults {
                    privileged: probes.clone(),
                    host_namespaces: probes,
                    quota_update_by_owner: Some(Ok(false)),
                }
            }
            _ => good_probes(),
        }
    }

    fn run_demo(d: &Demo, tenant: &str) -> Vec<CheckResult> {
        run_with(d, tenant, &demo_probes(tenant))
    }

    /// The demo as an admin sees it, except that `kind` cannot be listed.
    fn demo_without(kind: Kind) -> Demo {
        let mut d = demo();
        d.inv.apply(Change::Replaced {
            kind,
            scope: Scope::Cluster,
            objects: Vec::new(),
        });
        d.inv.set_sync(
            kind,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        d.resolve();
        d
    }

    fn result<'a>(results: &'a [CheckResult], id: &str) -> &'a CheckResult {
        results
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("no result for {id}"))
    }

    #[track_caller]
    fn expect(results: &[CheckResult], id: &str, outcome: Outcome) -> CheckResult {
        let r = result(results, id);
        assert_eq!(r.outcome, outcome, "{id}: {r:?}");
        r.clone()
    }

    fn outcomes(results: &[CheckResult]) -> Vec<(&'static str, Outcome)> {
        results.iter().map(|r| (r.id, r.outcome)).collect()
    }

    #[test]
    fn catalogue_is_design_section_6() {
        let rows: Vec<(&str, Severity)> = catalogue().map(|s| (s.id, s.severity)).collect();
        assert_eq!(
            rows,
            vec![
                ("netpol.default-deny-ingress", Critical),
                ("netpol.default-deny-egress", Medium),
                ("netpol.cross-tenant", High),
                ("quota.compute", High),
                ("quota.objects", Medium),
                ("quota.pressure", Medium),
                ("limitrange.defaults", Medium),
                ("psa.enforce", Critical),
                ("psa.version-pinned", Low),
                ("qos.best-effort", Medium),
                ("qos.missing-requests", Medium),
                ("rbac.owner-present", High),
                ("rbac.cluster-bindings", High),
                ("rbac.foreign-subjects", High),
                ("rbac.escalation", Critical),
                ("rbac.public-subjects", Critical),
                ("rbac.quota-immutable", High),
                ("admission.privileged", Critical),
                ("admission.host-namespaces", Critical),
                ("sched.priority-class", High),
                ("sched.node-isolation", Medium),
                ("secrets.encryption-at-rest", Info),
            ]
        );
        assert_eq!(
            spec("psa.enforce").map(|s| s.fix),
            Some(Some("psa-restricted"))
        );
        for s in catalogue() {
            if let Some(fix) = s.fix {
                assert!(
                    [
                        FIX_TENANT_BASELINE,
                        FIX_NETPOL_DEFAULT_DENY,
                        FIX_PSA_RESTRICTED,
                        FIX_QUOTA_SMALL,
                        FIX_QUOTA_MEDIUM,
                        FIX_QUOTA_LARGE
                    ]
                    .contains(&fix)
                );
            }
        }
    }

    #[test]
    fn severity_order_parse_and_threshold() {
        assert!(Critical > High && High > Medium && Medium > Low && Low > Info);
        assert_eq!("HIGH".parse::<Severity>(), Ok(High));
        assert_eq!("critical".parse::<Severity>(), Ok(Critical));
        assert!("severe".parse::<Severity>().is_err());
        let mk = |severity, outcome| CheckResult {
            id: "x",
            severity,
            outcome,
            reason: String::new(),
            note: None,
            anchor: "",
            fix: None,
        };
        let results = vec![
            mk(Medium, Outcome::Fail),
            mk(Critical, Outcome::Unknown),
            mk(Low, Outcome::Fail),
            mk(High, Outcome::Pass),
        ];
        assert_eq!(
            summarize(&results),
            FindingCounts {
                critical: 0,
                high: 0,
                medium: 1,
                low: 1,
                info: 0
            }
        );
        assert!(!fails_at(&results, High));
        assert!(fails_at(&results, Medium));
        assert!(fails_at(&results, Low));
        assert_eq!(summarize(&results).total(), 2);
    }

    #[test]
    fn acme_passes_everything_at_high_and_above() {
        let d = demo();
        let results = run(&d, "acme");
        assert_eq!(results.len(), 22);
        for r in &results {
            if r.severity >= High {
                assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
            }
        }
        assert!(!fails_at(&results, Low), "{results:#?}");
        let esc = expect(&results, "rbac.escalation", Outcome::Pass);
        assert_eq!(
            esc.note.as_deref(),
            Some(
                "ClusterRole admin may impersonate ServiceAccounts of their namespace (as the built-in admin/edit roles do)"
            )
        );
        // No node selector: nothing proves dedicated nodes, so not a pass.
        let nodes = expect(&results, "sched.node-isolation", Outcome::Unknown);
        assert_eq!(
            nodes.reason,
            "none of 4 pods in acme-dev, acme-prod sets a node selector: no dedicated nodes to check"
        );
        assert_eq!(
            nodes.note.as_deref(),
            Some("nodes are shared with other tenants")
        );
        expect(&results, "secrets.encryption-at-rest", Outcome::Unknown);
        assert!(
            results
                .iter()
                .filter(|r| r.outcome == Outcome::Pass)
                .all(|r| r.fix.is_none())
        );
    }

    #[test]
    fn demo_tenants_expected_findings() {
        let d = demo();
        use Outcome::{Fail, Pass, Unknown};
        let initech = run_demo(&d, "initech");
        let r = expect(&initech, "netpol.default-deny-ingress", Fail);
        assert_eq!(
            r.reason,
            "initech-app has no NetworkPolicy selecting all pods for Ingress"
        );
        assert_eq!(r.fix, Some("netpol-default-deny"));
        let r = expect(&initech, "qos.best-effort", Fail);
        assert_eq!(
            r.reason,
            "3 BestEffort pods: initech-app/batch-0, initech-app/batch-1, initech-app/batch-2"
        );
        // No policy selects initech's pods: every namespace reaches them.
        let r = expect(&initech, "netpol.cross-tenant", Fail);
        assert_eq!(
            r.reason,
            "initech-app has no ingress NetworkPolicy: its 4 pods (batch-0, batch-1, batch-2, legacy) admit ingress from every namespace"
        );
        assert_eq!(r.note, None);
        // The probe proved the hole the missing label leaves.
        let r = expect(&initech, "psa.enforce", Fail);
        assert_eq!(
            r.reason,
            "a privileged pod was admitted (server-side dry-run as the owner: privileged in initech-app); a hostNetwork/hostPID/hostIPC/hostPath pod was admitted (server-side dry-run as the owner: hostNetwork in initech-app, hostPID in initech-app, hostIPC in initech-app, hostPath in initech-app); initech-app has no enforce label"
        );
        let r = expect(&initech, "psa.version-pinned", Unknown);
        assert_eq!(
            r.reason,
            "initech-app has no Pod Security label: the cluster default's version applies and cannot be read through the API"
        );
        let r = expect(&initech, "quota.pressure", Unknown);
        assert_eq!(
            r.reason,
            "initech-app has no ResourceQuota: no pressure to measure (see quota.compute)"
        );

        let globex = run_demo(&d, "globex");
        let r = expect(&globex, "netpol.cross-tenant", Fail);
        assert_eq!(
            r.reason,
            "globex-web/allow-from-anywhere admits ingress from every namespace (namespaceSelector: {})"
        );
        let r = expect(&globex, "quota.pressure", Fail);
        assert!(r.reason.starts_with("at or over quota: "), "{}", r.reason);
        assert!(
            r.reason
                .contains("globex-web requests.memory 768Mi/512Mi (150%)"),
            "{}",
            r.reason
        );
        assert!(
            r.reason.contains("globex-web pods 3/3 (100%)"),
            "{}",
            r.reason
        );
        let r = expect(&globex, "psa.version-pinned", Fail);
        assert_eq!(r.reason, "globex-web: enforce-version latest");

        // The expected table for the demo tenants, written down: with the
        // probes answering as in the sandbox (`demo_probes`), every check
        // not listed passes. tests/check.rs holds the same table and
        // reproduces it against the real control plane.
        let table: [(&str, &[&str], &[&str]); 5] = [
            (
                "acme",
                &[],
                &["sched.node-isolation", "secrets.encryption-at-rest"],
            ),
            (
                "globex",
                &[
                    "netpol.default-deny-egress",
                    "netpol.cross-tenant",
                    "quota.objects",
                    "quota.pressure",
                    "limitrange.defaults",
                    "psa.version-pinned",
                ],
                &["sched.node-isolation", "secrets.encryption-at-rest"],
            ),
            (
                "initech",
                &[
                    "netpol.default-deny-ingress",
                    "netpol.default-deny-egress",
                    "netpol.cross-tenant",
                    "quota.compute",
                    "quota.objects",
                    "limitrange.defaults",
                    "psa.enforce",
                    "qos.best-effort",
                    "qos.missing-requests",
                    "rbac.cluster-bindings",
                    "rbac.escalation",
                    "rbac.quota-immutable",
                    "admission.privileged",
                    "admission.host-namespaces",
                ],
                &[
                    "quota.pressure",
                    "psa.version-pinned",
                    "sched.node-isolation",
                    "secrets.encryption-at-rest",
                ],
            ),
            (
                "umbrella",
                &[
                    "netpol.default-deny-egress",
                    "quota.compute",
                    "quota.objects",
                    "limitrange.defaults",
                    "qos.best-effort",
                    "qos.missing-requests",
                    "rbac.foreign-subjects",
                ],
                &["sched.node-isolation", "secrets.encryption-at-rest"],
            ),
            (
                "hooli",
                &[
                    "netpol.default-deny-egress",
                    "quota.compute",
                    "quota.objects",
                    "limitrange.defaults",
                    "psa.enforce",
                    "qos.best-effort",
                    "qos.missing-requests",
                    "rbac.owner-present",
                    "sched.priority-class",
                    "sched.node-isolation",
                ],
                &[
                    "quota.pressure",
                    "admission.privileged",
                    "admission.host-namespaces",
                    "secrets.encryption-at-rest",
                ],
            ),
        ];
        for (tenant, fails, unknowns) in table {
            let expected: Vec<(&str, Outcome)> = catalogue()
                .map(|s| {
                    let o = if fails.contains(&s.id) {
                        Fail
                    } else if unknowns.contains(&s.id) {
                        Unknown
                    } else {
                        Pass
                    };
                    (s.id, o)
                })
                .collect();
            assert_eq!(outcomes(&run_demo(&d, tenant)), expected, "{tenant}");
        }
        let counts = summarize(&globex);
        assert_eq!(
            (counts.critical, counts.high, counts.medium, counts.low),
            (0, 1, 4, 1)
        );
    }

    /// A case where checks are judged: a demo tenant as the sandbox
    /// probes it, or the demo changed as named.
    fn case(name: &str) -> Vec<CheckResult> {
        let alice = || demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        match name {
            "acme" | "globex" | "initech" | "umbrella" | "hooli" => run_demo(&demo(), name),
            // tests/check.rs: alice checks acme from acme-prod; her probes
            // run as herself and Pod Security refuses them.
            "alice" => run(&alice(), "acme"),
            "alice, unprobed" => run_with(&alice(), "acme", &ProbeResults::default()),
            "acme, networkpolicies unreadable" => run(&demo_without(Kind::NetworkPolicy), "acme"),
            "acme, resourcequotas unreadable" => run(&demo_without(Kind::ResourceQuota), "acme"),
            "acme, limitranges unreadable" => run(&demo_without(Kind::LimitRange), "acme"),
            "acme, pods unreadable" => run(&demo_without(Kind::Pod), "acme"),
            "acme, rolebindings unreadable" => run(&demo_without(Kind::RoleBinding), "acme"),
            "acme, access review refused" => {
                let mut probes = good_probes();
                probes.quota_update_by_owner =
                    Some(Err("subjectaccessreviews is forbidden".into()));
                run_with(&demo(), "acme", &probes)
            }
            "acme, bound to system:authenticated" => {
                let mut d = demo();
                d.add_yaml(
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: everyone, namespace: acme-dev}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: \"system:authenticated\"}]\n",
                );
                run_demo(&d, "acme")
            }
            "umbrella, pinned to its nodes" => {
                let mut d = demo();
                for (ns, pod) in [
                    ("umbrella-lab", "notebook"),
                    ("umbrella-lab", "trainer"),
                    ("umbrella-ops", "monitor"),
                ] {
                    d.add_yaml(&format!(
                        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {pod}, namespace: {ns}}}\nspec:\n  nodeSelector: {{pool: umbrella}}\n  containers: [{{name: c}}]\n"
                    ));
                }
                run_demo(&d, "umbrella")
            }
            other => panic!("no case {other}"),
        }
    }

    /// (check, the case that fails it, passes it, leaves it unknown).
    type Cases = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    /// Every check, the case that fails it, the one that passes it and the
    /// one that leaves it unknown (None: the check cannot have that
    /// outcome). The demo cases are reproduced against the sandbox in
    /// tests/check.rs; the others need access the sandbox's personas do
    /// not lack in that way, or a change to the demo.
    const CASES: [Cases; 22] = [
        (
            "netpol.default-deny-ingress",
            Some("initech"),
            Some("acme"),
            Some("acme, networkpolicies unreadable"),
        ),
        (
            "netpol.default-deny-egress",
            Some("globex"),
            Some("acme"),
            Some("acme, networkpolicies unreadable"),
        ),
        (
            "netpol.cross-tenant",
            Some("initech"),
            Some("acme"),
            Some("acme, networkpolicies unreadable"),
        ),
        (
            "quota.compute",
            Some("initech"),
            Some("acme"),
            Some("acme, resourcequotas unreadable"),
        ),
        (
            "quota.objects",
            Some("initech"),
            Some("acme"),
            Some("acme, resourcequotas unreadable"),
        ),
        (
            "quota.pressure",
            Some("globex"),
            Some("acme"),
            Some("initech"),
        ),
        (
            "limitrange.defaults",
            Some("initech"),
            Some("acme"),
            Some("acme, limitranges unreadable"),
        ),
        (
            "psa.enforce",
            Some("initech"),
            Some("acme"),
            Some("alice, unprobed"),
        ),
        (
            "psa.version-pinned",
            Some("globex"),
            Some("acme"),
            Some("initech"),
        ),
        (
            "qos.best-effort",
            Some("initech"),
            Some("acme"),
            Some("acme, pods unreadable"),
        ),
        (
            "qos.missing-requests",
            Some("initech"),
            Some("acme"),
            Some("acme, pods unreadable"),
        ),
        (
            "rbac.owner-present",
            Some("hooli"),
            Some("acme"),
            Some("acme, rolebindings unreadable"),
        ),
        (
            "rbac.cluster-bindings",
            Some("initech"),
            Some("acme"),
            Some("alice"),
        ),
        (
            "rbac.foreign-subjects",
            Some("umbrella"),
            Some("acme"),
            Some("acme, rolebindings unreadable"),
        ),
        (
            "rbac.escalation",
            Some("initech"),
            Some("acme"),
            Some("alice"),
        ),
        (
            "rbac.public-subjects",
            Some("acme, bound to system:authenticated"),
            Some("acme"),
            Some("acme, rolebindings unreadable"),
        ),
        (
            "rbac.quota-immutable",
            Some("initech"),
            Some("acme"),
            Some("acme, access review refused"),
        ),
        (
            "admission.privileged",
            Some("initech"),
            Some("acme"),
            Some("hooli"),
        ),
        (
            "admission.host-namespaces",
            Some("initech"),
            Some("acme"),
            Some("hooli"),
        ),
        (
            "sched.priority-class",
            Some("hooli"),
            Some("acme"),
            Some("acme, pods unreadable"),
        ),
        (
            "sched.node-isolation",
            Some("hooli"),
            Some("umbrella, pinned to its nodes"),
            Some("acme"),
        ),
        ("secrets.encryption-at-rest", None, None, Some("acme")),
    ];

    #[test]
    fn every_check_fails_passes_and_is_unknown_where_written_down() {
        let ids: Vec<&str> = CASES.iter().map(|c| c.0).collect();
        let catalogue: Vec<&str> = catalogue().map(|s| s.id).collect();
        assert_eq!(ids, catalogue, "one row per check, in catalogue order");
        let mut memo: BTreeMap<&str, Vec<CheckResult>> = BTreeMap::new();
        for (id, fail, pass, unknown) in CASES {
            for (name, want) in [
                (fail, Outcome::Fail),
                (pass, Outcome::Pass),
                (unknown, Outcome::Unknown),
            ] {
                let Some(name) = name else { continue };
                let results = memo.entry(name).or_insert_with(|| case(name));
                let r = result(results, id);
                assert_eq!(r.outcome, want, "{id} in case {name:?}: {r:?}");
                assert!(!r.reason.is_empty(), "{id} in case {name:?}");
            }
        }
    }

    /// A pass says what proved it: the objects, labels or probe results,
    /// never just the rule restated.
    #[test]
    fn every_pass_names_its_evidence() {
        let acme = case("acme");
        let evidence: [(&str, &[&str]); 18] = [
            (
                "netpol.default-deny-ingress",
                &["acme-dev by ", "default-deny"],
            ),
            (
                "netpol.default-deny-egress",
                &["acme-prod by ", "allow-dns-egress"],
            ),
            (
                "netpol.cross-tenant",
                &["acme-dev by ", "acme-prod/allow-same-tenant"],
            ),
            (
                "quota.compute",
                &["acme-dev/tenant-quota", "acme-prod/tenant-quota"],
            ),
            ("quota.objects", &["acme-dev/tenant-quota"]),
            ("quota.pressure", &["highest: ", "2/20"]),
            ("limitrange.defaults", &["acme-dev/container-defaults"]),
            (
                "psa.enforce",
                &["acme-dev restricted", "Pod Security refused"],
            ),
            ("psa.version-pinned", &["acme-dev enforce v1.37"]),
            ("qos.best-effort", &["4 pods in acme-dev, acme-prod"]),
            ("qos.missing-requests", &["4 pods in acme-dev, acme-prod"]),
            ("rbac.owner-present", &["acme-dev/tenant-owner"]),
            (
                "rbac.cluster-bindings",
                &["ClusterRoleBindings", "User alice"],
            ),
            (
                "rbac.foreign-subjects",
                &["RoleBindings in acme-dev, acme-prod", "User alice"],
            ),
            ("rbac.escalation", &["ClusterRole admin"]),
            (
                "rbac.quota-immutable",
                &["access review", "acme-dev, acme-prod"],
            ),
            (
                "admission.privileged",
                &["refused by Pod Security: pods \"tenantry-probe-privileged\""],
            ),
            ("sched.priority-class", &["4 pods in acme-dev, acme-prod"]),
        ];
        for (id, needles) in evidence {
            let r = expect(&acme, id, Outcome::Pass);
            for n in needles {
                assert!(r.reason.contains(n), "{id}: {:?} lacks {n:?}", r.reason);
            }
        }
        let r = expect(
            &case("umbrella, pinned to its nodes"),
            "sched.node-isolation",
            Outcome::Pass,
        );
        assert_eq!(r.reason, "all 3 pods select pool=umbrella");
    }

    #[test]
    fn netpol_default_deny_egress_pass_and_fail() {
        let mut d = demo();
        let r = expect(
            &run(&d, "globex"),
            "netpol.default-deny-egress",
            Outcome::Fail,
        );
        assert_eq!(
            r.reason,
            "globex-web has no NetworkPolicy selecting all pods for Egress"
        );
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: globex-web}
spec: {podSelector: {}, policyTypes: [Egress]}
"#,
        );
        expect(
            &run(&d, "globex"),
            "netpol.default-deny-egress",
            Outcome::Pass,
        );
    }

    #[test]
    fn an_allow_all_rule_is_not_isolation() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: initech-app}
spec:
  podSelector: {}
  ingress: [{}]
"#,
        );
        let results = run(&d, "initech");
        expect(&results, "netpol.default-deny-ingress", Outcome::Fail);
        let r = expect(&results, "netpol.cross-tenant", Outcome::Fail);
        assert_eq!(
            r.reason,
            "initech-app/open admits ingress from every peer (a rule without peers)"
        );
    }

    #[test]
    fn cross_tenant_fails_on_pods_no_policy_selects() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: batch, namespace: initech-app}
spec:
  podSelector: {matchLabels: {app: batch}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
"#,
        );
        let r = expect(&run(&d, "initech"), "netpol.cross-tenant", Outcome::Fail);
        assert_eq!(
            r.reason,
            "no ingress NetworkPolicy in initech-app selects 1 pod (legacy): it would admit ingress from every namespace"
        );
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: legacy, namespace: initech-app}
spec:
  podSelector: {matchLabels: {app: legacy}}
  policyTypes: [Ingress]
"#,
        );
        // Every pod selected, though no policy selects all of them: the
        // pass names the policies (netpol.default-deny-ingress still fails).
        let results = run(&d, "initech");
        let r = expect(&results, "netpol.cross-tenant", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every pod is selected for ingress: initech-app (each pod) by batch, legacy; the allow rules of initech-app/batch reach no other tenant"
        );
        assert!(
            r.note.as_deref().is_some_and(
                |n| n.starts_with("not counted: initech-app has no egress NetworkPolicy")
            ),
            "{r:?}"
        );
        expect(&results, "netpol.default-deny-ingress", Outcome::Fail);
        // Pods out of sight behind a partial policy: unknown, not a pass.
        d.inv.set_sync(
            Kind::Pod,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        let r = expect(&run(&d, "initech"), "netpol.cross-tenant", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot list pods in initech-app: cannot tell which pods no ingress NetworkPolicy selects"
        );
    }

    #[test]
    fn cross_tenant_egress_to_internet_is_noted_not_failed() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: internet, namespace: acme-dev}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
"#,
        );
        let r = expect(&run(&d, "acme"), "netpol.cross-tenant", Outcome::Pass);
        assert_eq!(
            r.note.as_deref(),
            Some("not counted: acme-dev/internet allows egress to ipBlock 0.0.0.0/0")
        );
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: to-globex, namespace: acme-dev}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {matchLabels: {tenantry.dev/tenant: globex}}}]}]
"#,
        );
        let r = expect(&run(&d, "acme"), "netpol.cross-tenant", Outcome::Fail);
        assert_eq!(
            r.reason,
            "acme-dev/to-globex allows egress to namespaces of tenant globex"
        );
    }

    #[test]
    fn quota_compute_pass_and_fail() {
        let mut d = demo();
        let r = expect(&run(&d, "initech"), "quota.compute", Outcome::Fail);
        assert_eq!(r.reason, "initech-app has no ResourceQuota");
        assert_eq!(r.fix, Some("quota-medium"));
        // umbrella counts objects only.
        let r = expect(&run(&d, "umbrella"), "quota.compute", Outcome::Fail);
        assert_eq!(
            r.reason,
            "umbrella-lab quota sets no cpu or memory; umbrella-ops quota sets no cpu or memory"
        );
        // A scoped quota constrains only some pods.
        d.add_yaml(
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: be, namespace: initech-app}
spec:
  hard: {cpu: "1", memory: 1Gi}
  scopes: [NotBestEffort]
"#,
        );
        expect(&run(&d, "initech"), "quota.compute", Outcome::Fail);
        d.add_yaml(
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: initech-app}
spec:
  hard: {limits.cpu: "1", requests.memory: 1Gi}
"#,
        );
        expect(&run(&d, "initech"), "quota.compute", Outcome::Pass);
    }

    #[test]
    fn quota_objects_pass_and_fail() {
        let d = demo();
        expect(&run(&d, "acme"), "quota.objects", Outcome::Pass);
        let r = expect(&run(&d, "umbrella"), "quota.objects", Outcome::Fail);
        assert_eq!(
            r.reason,
            "umbrella-lab quota lacks persistentvolumeclaims, services.nodeports, services.loadbalancers; umbrella-ops quota lacks persistentvolumeclaims, services.nodeports, services.loadbalancers"
        );
        let mut d = d;
        d.add_yaml(
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: counts, namespace: initech-app}
spec:
  hard: {count/pods: "5", count/services: "2", count/secrets: "5", count/configmaps: "5", count/persistentvolumeclaims: "1", services.nodeports: "0", services.loadbalancers: "0"}
"#,
        );
        expect(&run(&d, "initech"), "quota.objects", Outcome::Pass);
    }

    #[test]
    fn quota_pressure_warns_at_80_and_fails_at_100() {
        let mut d = demo();
        // The highest ratio is the evidence (the first of equals).
        let r = expect(&run(&d, "acme"), "quota.pressure", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every quota below 80% in acme-dev, acme-prod (highest: acme-dev pods 2/20 (10%))"
        );
        let compute = |cpu: &str| {
            format!(
                "apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: tenant-quota, namespace: acme-prod}}\nspec: {{hard: {{requests.cpu: {cpu}, requests.memory: 1Gi}}}}\n"
            )
        };
        d.add_yaml(&compute("250m"));
        let r = expect(&run(&d, "acme"), "quota.pressure", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every quota below 100% in acme-dev, acme-prod (highest: acme-prod requests.cpu 200m/250m (80%))"
        );
        assert_eq!(
            r.note.as_deref(),
            Some("at 80% or more: acme-prod requests.cpu 200m/250m (80%)")
        );
        d.add_yaml(&compute("200m"));
        let r = expect(&run(&d, "acme"), "quota.pressure", Outcome::Fail);
        assert_eq!(
            r.reason,
            "at or over quota: acme-prod requests.cpu 200m/200m (100%)"
        );
    }

    #[test]
    fn quota_pressure_without_a_quota_is_unknown_not_a_pass() {
        let d = demo();
        // hooli has a quota in hooli only: the other two are unmeasured.
        let r = expect(&run(&d, "hooli"), "quota.pressure", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "hooli-mail, hooli-search have no ResourceQuota: no pressure to measure (see quota.compute)"
        );
        let r = expect(&run(&d, "initech"), "quota.pressure", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "initech-app has no ResourceQuota: no pressure to measure (see quota.compute)"
        );
        // A namespace over its quota still fails next to an unmeasured one.
        let mut d = d;
        d.add_yaml(
            "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute, namespace: hooli}\nspec: {hard: {requests.cpu: 100m}}\n",
        );
        let r = expect(&run(&d, "hooli"), "quota.pressure", Outcome::Fail);
        assert_eq!(
            r.reason,
            "at or over quota: hooli requests.cpu 100m/100m (100%)"
        );
    }

    #[test]
    fn quota_pressure_unknown_before_the_controller_fills_status() {
        let mut d = demo();
        let mut q: QuotaInfo = match parse_yaml(
            "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: fresh, namespace: initech-app}\nspec: {hard: {pods: \"5\"}}\n",
        )
        .pop()
        {
            Some(Object::ResourceQuota(q)) => q,
            other => panic!("{other:?}"),
        };
        q.status_filled = false;
        q.used.clear();
        d.inv.apply(Change::Applied(Object::ResourceQuota(q)));
        let r = expect(&run(&d, "initech"), "quota.pressure", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "quota usage in initech-app not filled in yet by the quota controller"
        );
    }

    #[test]
    fn limitrange_pass_and_fail() {
        let mut d = demo();
        expect(&run(&d, "acme"), "limitrange.defaults", Outcome::Pass);
        let r = expect(&run(&d, "hooli"), "limitrange.defaults", Outcome::Fail);
        assert_eq!(r.reason, "hooli, hooli-mail have no LimitRange");
        d.add_yaml(
            r#"
apiVersion: v1
kind: LimitRange
metadata: {name: max-only, namespace: initech-app}
spec: {limits: [{type: Container, max: {cpu: "1"}, default: {cpu: 500m}}]}
"#,
        );
        let r = expect(&run(&d, "initech"), "limitrange.defaults", Outcome::Fail);
        assert_eq!(
            r.reason,
            "initech-app has no LimitRange setting both container default and defaultRequest"
        );
    }

    #[test]
    fn psa_enforce_pass_fail_unknown() {
        let mut d = demo();
        let r = expect(&run(&d, "acme"), "psa.enforce", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every namespace enforces baseline or stricter by label (acme-dev restricted, acme-prod restricted); Pod Security refused a privileged pod (server-side dry-run as the owner)"
        );
        // Labels alone are evidence too.
        let r = expect(
            &run_with(&d, "acme", &ProbeResults::default()),
            "psa.enforce",
            Outcome::Pass,
        );
        assert_eq!(
            r.reason,
            "every namespace enforces baseline or stricter by label (acme-dev restricted, acme-prod restricted)"
        );
        d.add_yaml(
            r#"
apiVersion: v1
kind: Namespace
metadata:
  name: initech-app
  labels: {tenantry.dev/tenant: initech, pod-security.kubernetes.io/enforce: privileged}
"#,
        );
        let r = expect(&run(&d, "initech"), "psa.enforce", Outcome::Fail);
        assert_eq!(r.reason, "initech-app enforces privileged");
        assert_eq!(r.fix, Some("psa-restricted"));
        // Labels out of sight and no probe: nothing to go on.
        let alice = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let r = expect(
            &run_with(&alice, "acme", &ProbeResults::default()),
            "psa.enforce",
            Outcome::Unknown,
        );
        assert_eq!(
            r.reason,
            "cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
        );
        // Pod Security refusing her probes proves enforce >= baseline.
        let r = expect(&run(&alice, "acme"), "psa.enforce", Outcome::Pass);
        assert_eq!(
            r.reason,
            "Pod Security refused a privileged pod in every namespace (server-side dry-run as the owner): pods \"tenantry-probe-privileged\" is forbidden: violates PodSecurity \"restricted:v1.37\": privileged (container \"probe\" must not set securityContext.privileged=true)"
        );
        assert_eq!(
            r.note.as_deref(),
            Some(
                "labels not relied on: cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
            )
        );
        // A webhook's refusal keeps the admission checks passing but says
        // nothing about Pod Security.
        let webhook = ProbeOutcome::refused(
            400,
            r#"admission webhook "validate.kyverno.svc-fail" denied the request: privileged"#,
        );
        let probes = ProbeResults {
            privileged: Some(webhook.clone()),
            host_namespaces: Some(webhook),
            quota_update_by_owner: Some(Ok(false)),
        };
        let results = run_with(&alice, "acme", &probes);
        expect(&results, "admission.privileged", Outcome::Pass);
        expect(&results, "psa.enforce", Outcome::Unknown);
    }

    #[test]
    fn psa_enforce_fails_on_an_admitted_probe_whatever_the_labels() {
        let d = demo();
        // initech-app: no label, and the probes were admitted.
        let r = expect(&run_demo(&d, "initech"), "psa.enforce", Outcome::Fail);
        assert!(
            r.reason
                .starts_with("a privileged pod was admitted (server-side dry-run as the owner: privileged in initech-app); "),
            "{}",
            r.reason
        );
        assert!(r.reason.ends_with("; initech-app has no enforce label"));
        // acme's labels say restricted, but a probe got through (Pod
        // Security exempts the owner, or is switched off): the labels lie.
        let probes = ProbeResults {
            privileged: Some(policy_refusal()),
            host_namespaces: combine_probes([("hostPath in acme-dev", ProbeOutcome::admitted())]),
            quota_update_by_owner: Some(Ok(false)),
        };
        let r = expect(&run_with(&d, "acme", &probes), "psa.enforce", Outcome::Fail);
        assert_eq!(
            r.reason,
            "a hostNetwork/hostPID/hostIPC/hostPath pod was admitted (server-side dry-run as the owner: hostPath in acme-dev); although labelled acme-dev restricted, acme-prod restricted"
        );
        // Labels out of sight do not hide an admitted probe.
        let alice = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let r = expect(
            &run_with(&alice, "acme", &probes),
            "psa.enforce",
            Outcome::Fail,
        );
        assert_eq!(
            r.note.as_deref(),
            Some(
                "also unknown: cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
            )
        );
        // hooli-mail is labelled privileged: a failure from labels alone.
        let r = expect(&run_demo(&d, "hooli"), "psa.enforce", Outcome::Fail);
        assert_eq!(r.reason, "hooli-mail enforces privileged");
    }

    #[test]
    fn psa_version_pinned_pass_fail_unknown() {
        let mut d = demo();
        let r = expect(&run(&d, "acme"), "psa.version-pinned", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every Pod Security mode label has a pinned version: acme-dev enforce v1.37, audit v1.37, warn v1.37; acme-prod enforce v1.37, audit v1.37, warn v1.37"
        );
        // No label pins nothing: not a pass.
        let r = expect(&run(&d, "initech"), "psa.version-pinned", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "initech-app has no Pod Security label: the cluster default's version applies and cannot be read through the API"
        );
        let alice = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let r = expect(&run(&alice, "acme"), "psa.version-pinned", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
        );
        d.add_yaml(
            r#"
apiVersion: v1
kind: Namespace
metadata:
  name: initech-app
  labels: {tenantry.dev/tenant: initech, pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.37, pod-security.kubernetes.io/warn: restricted}
"#,
        );
        let r = expect(&run(&d, "initech"), "psa.version-pinned", Outcome::Fail);
        assert_eq!(r.reason, "initech-app: warn-version unset (latest)");
    }

    #[test]
    fn qos_checks_pass_and_fail() {
        let d = demo();
        expect(&run(&d, "acme"), "qos.best-effort", Outcome::Pass);
        expect(&run(&d, "acme"), "qos.missing-requests", Outcome::Pass);
        let r = expect(&run(&d, "initech"), "qos.missing-requests", Outcome::Fail);
        assert_eq!(
            r.reason,
            "4 containers without cpu and memory requests: initech-app/batch-0 (batch), initech-app/batch-1 (batch), initech-app/batch-2 (batch), initech-app/legacy (sidecar)"
        );
        // hooli-search/indexer requests cpu only.
        let r = expect(&run(&d, "hooli"), "qos.missing-requests", Outcome::Fail);
        assert!(
            r.reason.contains("hooli-search/indexer (indexer)"),
            "{}",
            r.reason
        );
        let r = expect(&run(&d, "hooli"), "qos.best-effort", Outcome::Fail);
        assert_eq!(r.reason, "1 BestEffort pod: hooli-mail/smtp");
    }

    #[test]
    fn pod_checks_unknown_without_access() {
        let mut d = demo();
        d.inv.set_sync(
            Kind::Pod,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        let results = run(&d, "acme");
        for id in [
            "qos.best-effort",
            "qos.missing-requests",
            "sched.priority-class",
            "sched.node-isolation",
        ] {
            let r = expect(&results, id, Outcome::Unknown);
            assert_eq!(r.reason, "cannot list pods in acme-dev, acme-prod");
        }
        // Failures in what can be read still fail.
        d.inv.set_sync(
            Kind::Pod,
            Scope::Namespace("initech-app".into()),
            SyncState::Synced,
        );
        let r = expect(&run(&d, "initech"), "qos.best-effort", Outcome::Fail);
        assert_eq!(r.note, None);
    }

    #[test]
    fn rbac_owner_present_pass_and_fail() {
        let mut d = demo();
        let r = expect(&run(&d, "acme"), "rbac.owner-present", Outcome::Pass);
        assert_eq!(
            r.reason,
            "the owner (User alice) is admin in every namespace: acme-dev/tenant-owner (admin), acme-prod/tenant-owner (admin)"
        );
        d.remove(Kind::RoleBinding, "acme-prod", "tenant-owner");
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer, namespace: acme-prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.owner-present", Outcome::Fail);
        assert_eq!(
            r.reason,
            "acme-prod has no admin binding for the owner (User alice)"
        );
        d.remove(Kind::RoleBinding, "acme-dev", "tenant-owner");
        let r = expect(&run(&d, "acme"), "rbac.owner-present", Outcome::Fail);
        assert_eq!(
            r.reason,
            "tenant acme has no owner: no admin RoleBinding in its namespaces"
        );
    }

    const ALICE_CLUSTER_ROLE: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-view-all}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"#;

    #[test]
    fn rbac_cluster_bindings_flags_a_cluster_role_for_alice() {
        let mut d = demo();
        expect(&run(&d, "acme"), "rbac.cluster-bindings", Outcome::Pass);
        d.add_yaml(ALICE_CLUSTER_ROLE);
        let r = expect(&run(&d, "acme"), "rbac.cluster-bindings", Outcome::Fail);
        assert_eq!(
            r.reason,
            "ClusterRoleBinding alice-view-all binds ClusterRole view to User alice"
        );
        // Not globex's subject.
        expect(&run(&d, "globex"), "rbac.cluster-bindings", Outcome::Pass);
        // A tenant's ServiceAccounts as a group count too; system groups do not.
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sa-readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: "system:serviceaccounts:globex-web", apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}
"#,
        );
        let r = expect(&run(&d, "globex"), "rbac.cluster-bindings", Outcome::Fail);
        assert_eq!(
            r.reason,
            "ClusterRoleBinding sa-readers binds ClusterRole view to Group system:serviceaccounts:globex-web"
        );
    }

    #[test]
    fn rbac_foreign_subjects_pass_and_fail() {
        let mut d = demo();
        expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Pass);
        // No binding at all is read, and names nobody (rbac.owner-present
        // fails for it).
        let mut bare = demo();
        bare.remove(Kind::RoleBinding, "acme-dev", "tenant-owner");
        bare.remove(Kind::RoleBinding, "acme-prod", "tenant-owner");
        let r = expect(&run(&bare, "acme"), "rbac.foreign-subjects", Outcome::Pass);
        assert_eq!(
            r.reason,
            "no RoleBinding in acme-dev, acme-prod names anyone"
        );
        expect(&run(&bare, "acme"), "rbac.owner-present", Outcome::Fail);
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: helpers, namespace: acme-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: deployer, namespace: shared-tools}
- {kind: ServiceAccount, name: local}
- {kind: Group, name: "system:serviceaccounts", apiGroup: rbac.authorization.k8s.io}
- {kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Fail);
        assert_eq!(
            r.reason,
            "acme-dev/helpers names User carol (owner of globex); acme-dev/helpers names ServiceAccount shared-tools/deployer (a ServiceAccount outside the tenant); acme-dev/helpers names Group system:serviceaccounts (every ServiceAccount)"
        );
    }

    #[test]
    fn rbac_foreign_subjects_unknown_for_a_namespace_admin_with_strangers() {
        let mut d = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Pass);
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: helpers, namespace: acme-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot list rolebindings cluster-wide: cannot tell whether User bob own another tenant"
        );
    }

    #[test]
    fn rbac_escalation_flags_a_role_granting_escalate() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: escalator, namespace: acme-dev}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, bind]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: escalator, namespace: acme-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: escalator}
subjects: [{kind: ServiceAccount, name: ci, namespace: acme-dev}]
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.escalation", Outcome::Fail);
        assert_eq!(
            r.reason,
            "Role acme-dev/escalator grants bind, escalate (bound by acme-dev/escalator)"
        );
        assert!(r.note.is_some(), "the admin note stays");
    }

    #[test]
    fn rbac_escalation_flags_impersonation_and_wildcards() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: sudo}
rules:
- {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: sudo, namespace: globex-web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: sudo}
subjects: [{kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: root, namespace: globex-web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}]
"#,
        );
        let r = expect(&run(&d, "globex"), "rbac.escalation", Outcome::Fail);
        assert!(
            r.reason
                .contains("ClusterRole sudo grants impersonate (bound by globex-web/sudo)"),
            "{}",
            r.reason
        );
        assert!(r.reason.contains("ClusterRole cluster-admin grants impersonate, bind, escalate, nodes/proxy, wildcard"), "{}", r.reason);
    }

    #[test]
    fn cluster_only_checks_are_unknown_for_a_namespace_admin() {
        let d = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        assert_eq!(d.tenant("acme").namespaces, vec!["acme-dev", "acme-prod"]);
        let results = run(&d, "acme");
        let r = expect(&results, "rbac.cluster-bindings", Outcome::Unknown);
        assert_eq!(r.reason, "cannot list clusterrolebindings cluster-wide");
        let r = expect(&results, "rbac.escalation", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot list clusterroles cluster-wide (needed to resolve admin)"
        );
        // What she can read still passes.
        for id in [
            "netpol.default-deny-ingress",
            "netpol.cross-tenant",
            "quota.compute",
            "qos.best-effort",
            "rbac.owner-present",
            "rbac.foreign-subjects",
        ] {
            expect(&results, id, Outcome::Pass);
        }
        assert!(!fails_at(&results, Low), "{results:#?}");
    }

    #[test]
    fn rbac_quota_immutable_from_the_probe() {
        let d = demo();
        let mut probes = good_probes();
        let r = expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Pass,
        );
        assert_eq!(
            r.reason,
            "an access review says the owner (User alice) may not update or patch resourcequotas in acme-dev, acme-prod"
        );
        probes.quota_update_by_owner = Some(Ok(true));
        expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Fail,
        );
        probes.quota_update_by_owner = Some(Err("subjectaccessreviews is forbidden".into()));
        let r = expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Unknown,
        );
        assert_eq!(
            r.reason,
            "cannot tell whether the owner (User alice) may update resourcequotas: subjectaccessreviews is forbidden"
        );
        probes.quota_update_by_owner = None;
        expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Unknown,
        );
    }

    #[test]
    fn admission_probes_pass_only_on_policy_refusals() {
        let d = demo();
        let check = |o: Option<ProbeOutcome>| {
            let probes = ProbeResults {
                privileged: o.clone(),
                host_namespaces: o,
                quota_update_by_owner: Some(Ok(false)),
            };
            let results = run_with(&d, "acme", &probes);
            let a = result(&results, "admission.privileged").clone();
            let b = result(&results, "admission.host-namespaces").clone();
            assert_eq!(a.outcome, b.outcome);
            a
        };
        let r = check(Some(policy_refusal()));
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(r.reason.starts_with("a privileged pod is refused by Pod Security: pods \"tenantry-probe-privileged\" is forbidden: violates PodSecurity"));
        let r = check(Some(ProbeOutcome::refused(
            400,
            r#"admission webhook "validation.gatekeeper.sh" denied the request: [psp-privileged-container] Privileged container is not allowed: probe"#,
        )));
        assert_eq!(r.outcome, Outcome::Pass);
        let r = check(Some(ProbeOutcome::admitted()));
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(
            r.reason,
            "a privileged pod was admitted (server-side dry-run as the owner)"
        );
        // Folded by the kube layer, the admitted probes are named.
        let r = check(combine_probes([
            ("privileged in acme-dev", ProbeOutcome::admitted()),
            ("privileged in acme-prod", policy_refusal()),
        ]));
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(
            r.reason,
            "a privileged pod was admitted (server-side dry-run as the owner: privileged in acme-dev)"
        );
        assert_eq!(r.fix, Some("psa-restricted"));
        let r = check(Some(ProbeOutcome::refused(
            403,
            r#"pods "tenantry-probe-privileged" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3"#,
        )));
        assert_eq!(r.outcome, Outcome::Unknown);
        assert!(
            r.reason.starts_with(
                "a privileged pod was refused by ResourceQuota before a policy decided: "
            ),
            "{}",
            r.reason
        );
        let r = check(Some(ProbeOutcome::refused(
            403,
            r#"pods "tenantry-probe-privileged" is forbidden: error looking up service account acme-dev/default: serviceaccount "default" not found"#,
        )));
        assert_eq!(r.outcome, Outcome::Unknown);
        assert!(
            r.reason.contains("a missing ServiceAccount"),
            "{}",
            r.reason
        );
        let r = check(Some(ProbeOutcome::Error("connection refused".into())));
        assert_eq!(r.outcome, Outcome::Unknown);
        let r = check(Some(ProbeOutcome::ReadOnly));
        assert_eq!(r.outcome, Outcome::Unknown);
        assert_eq!(
            r.reason,
            "read-only: no server-side dry-run of a privileged pod is sent in read-only mode"
        );
        let r = check(None);
        assert_eq!(r.outcome, Outcome::Unknown);
    }

    #[test]
    fn combining_host_probes() {
        let psa = policy_refusal();
        let quota = ProbeOutcome::refused(403, "pods \"x\" is forbidden: exceeded quota: q");
        assert_eq!(combine_probes(Vec::new()), None);
        let all_policy = combine_probes([("hostNetwork", psa.clone()), ("hostPID", psa.clone())]);
        assert!(all_policy.is_some_and(|o| o.is_policy_refusal()));
        let mixed = combine_probes([("hostNetwork", psa.clone()), ("hostPath", quota)]);
        assert_eq!(
            mixed,
            Some(ProbeOutcome::Refused {
                by: Refuser::Quota,
                message: "hostPath: pods \"x\" is forbidden: exceeded quota: q".into()
            })
        );
        let admitted = combine_probes([
            ("hostIPC", ProbeOutcome::admitted()),
            ("hostPID", psa.clone()),
            ("hostPath", ProbeOutcome::admitted()),
        ]);
        assert_eq!(
            admitted,
            Some(ProbeOutcome::Admitted {
                probes: vec!["hostIPC".into(), "hostPath".into()]
            })
        );
        // A webhook's refusal is shown over Pod Security's, so a combined
        // Pod Security refusal means Pod Security refused every probe.
        let webhook = ProbeOutcome::refused(
            400,
            r#"admission webhook "validation.gatekeeper.sh" denied the request: no"#,
        );
        let both = combine_probes([("hostNetwork", psa.clone()), ("hostPID", webhook)]);
        assert!(
            matches!(
                both,
                Some(ProbeOutcome::Refused {
                    by: Refuser::Webhook,
                    ..
                })
            ),
            "{both:?}"
        );
        let only_psa = combine_probes([("hostNetwork", psa.clone()), ("hostPID", psa)]);
        assert!(
            matches!(
                &only_psa,
                Some(ProbeOutcome::Refused { by: Refuser::PodSecurity, message }) if message.starts_with("hostNetwork: ")
            ),
            "{only_psa:?}"
        );
    }

    #[test]
    fn refusals_classified_from_real_messages() {
        let cases: [(u16, &str, Refuser); 12] = [
            (
                403,
                r#"pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
                Refuser::PodSecurity,
            ),
            (
                403,
                r#"pods "p" is forbidden: violates PodSecurity "baseline:v1.37": host namespaces (hostNetwork=true)"#,
                Refuser::PodSecurity,
            ),
            (
                400,
                r#"admission webhook "validate.kyverno.svc-fail" denied the request: policy Pod/acme-dev/p for resource violation: disallow-privileged-containers: privileged-containers: validation error: Privileged mode is disallowed."#,
                Refuser::Webhook,
            ),
            (
                403,
                r#"admission webhook "validation.gatekeeper.sh" denied the request: [psp-host-namespace] Sharing the host namespace is not allowed: p"#,
                Refuser::Webhook,
            ),
            (
                422,
                r#"pods "p" is forbidden: ValidatingAdmissionPolicy 'deny-privileged' with binding 'deny-privileged-binding' denied request: privileged pods are not allowed"#,
                Refuser::Webhook,
            ),
            (
                403,
                r#"pods "p" is forbidden: exceeded quota: compute, requested: limits.memory=16Mi,pods=1, used: limits.memory=2Gi,pods=3, limited: limits.memory=2Gi,pods=3"#,
                Refuser::Quota,
            ),
            (
                403,
                r#"pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: probe; limits.memory for: probe"#,
                Refuser::Quota,
            ),
            (
                403,
                r#"pods "p" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, maximum memory usage per Container is 256Mi, but limit is 1Gi]"#,
                Refuser::LimitRange,
            ),
            (
                403,
                r#"pods "p" is forbidden: minimum cpu usage per Container is 100m, but request is 10m"#,
                Refuser::LimitRange,
            ),
            (
                403,
                r#"pods "p" is forbidden: error looking up service account acme-dev/default: serviceaccount "default" not found"#,
                Refuser::ServiceAccount,
            ),
            (
                403,
                r#"pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "acme-dev""#,
                Refuser::Forbidden,
            ),
            (
                500,
                "Internal error occurred: failed calling webhook \"x\": context deadline exceeded",
                Refuser::Other,
            ),
        ];
        for (code, msg, want) in cases {
            assert_eq!(classify_refusal(code, msg), want, "{msg}");
        }
    }

    #[test]
    fn sched_priority_class_pass_and_fail() {
        let mut d = demo();
        expect(&run(&d, "acme"), "sched.priority-class", Outcome::Pass);
        d.add_yaml(
            r#"
apiVersion: v1
kind: Pod
metadata: {name: greedy, namespace: acme-dev}
spec:
  priorityClassName: system-node-critical
  containers: [{name: c, image: registry.k8s.io/pause:3.10}]
"#,
        );
        let r = expect(&run(&d, "acme"), "sched.priority-class", Outcome::Fail);
        assert_eq!(r.reason, "acme-dev/greedy uses system-node-critical");
    }

    #[test]
    fn sched_node_isolation_pass_and_fail() {
        let mut d = demo();
        let pod = |name: &str, selector: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: umbrella-lab}}\nspec:\n  nodeSelector: {selector}\n  containers: [{{name: c, image: registry.k8s.io/pause:3.10}}]\n"
            )
        };
        // umbrella's existing pods set no selector: once one pod does, they fail.
        d.add_yaml(&pod("pinned", "{pool: umbrella, zone: a}"));
        let r = expect(&run(&d, "umbrella"), "sched.node-isolation", Outcome::Fail);
        assert_eq!(
            r.reason,
            "3 pods lack the tenant's node selector pool=umbrella,zone=a: umbrella-lab/notebook, umbrella-lab/trainer, umbrella-ops/monitor"
        );
        for name in ["notebook", "trainer"] {
            d.add_yaml(&pod(name, "{pool: umbrella}"));
        }
        d.add_yaml(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: monitor, namespace: umbrella-ops}\nspec:\n  nodeSelector: {pool: umbrella}\n  containers: [{name: c}]\n",
        );
        let r = expect(&run(&d, "umbrella"), "sched.node-isolation", Outcome::Pass);
        assert_eq!(r.reason, "all 4 pods select pool=umbrella");
        d.add_yaml(&pod("stray", "{pool: shared}"));
        let r = expect(&run(&d, "umbrella"), "sched.node-isolation", Outcome::Fail);
        assert!(
            r.reason.starts_with("pods select different nodes: "),
            "{}",
            r.reason
        );
    }

    #[test]
    fn tenant_without_namespaces_is_unknown() {
        let d = demo();
        let empty = Tenant {
            id: TenantId::new("ghost"),
            source: "config".into(),
            namespaces: Vec::new(),
            owners: Vec::new(),
        };
        let probes = ProbeResults::default();
        let results = run_checks(&CheckContext {
            inventory: &d.inv,
            resolution: &d.resolution,
            tenant: &empty,
            probes: &probes,
        });
        let r = expect(&results, "netpol.default-deny-ingress", Outcome::Unknown);
        assert_eq!(r.reason, "tenant ghost has no visible namespaces");
        assert_eq!(summarize(&results).total(), 0);
    }

    #[test]
    fn results_serialize_for_json_output() {
        let d = demo();
        let results = run(&d, "initech");
        let v = serde_json::to_value(&results[0]).expect("serializes");
        assert_eq!(
            v,
            json!({
                "id": "netpol.default-deny-ingress",
                "severity": "critical",
                "outcome": "fail",
                "reason": "initech-app has no NetworkPolicy selecting all pods for Ingress",
                "note": null,
                "anchor": "tenancy notes; MTB network isolation",
                "fix": "netpol-default-deny"
            })
        );
    }
}
