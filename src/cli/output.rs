//! What `tenants` and `report` print: documented shapes (README, "Output
//! formats") built from the same derived views the console draws.

use serde::Serialize;

use crate::app::State;
use crate::model::text::{Inert, sanitize};
use crate::model::{
    self, Access, Kind, QosCounts, ResourceUsage, Scope, SyncState, Tenant, TenantRow,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Serialize)]
pub struct TenantsOutput {
    pub context: String,
    pub user: String,
    pub tenants: Vec<TenantLine>,
    /// Visible namespaces that belong to no tenant (system ones apart).
    pub unassigned: Vec<String>,
    /// Visible system namespaces (`system_namespaces:` in config.yaml)
    /// that belong to no tenant.
    pub system: Vec<String>,
    /// Namespaces claimed by more than one resolver.
    pub conflicts: Vec<String>,
    /// What could not be read, so an empty list is never mistaken for none.
    pub no_access: Vec<NoAccess>,
    /// Lists read every so often instead of watched (more namespaces than
    /// tenantry opens watches for); null when everything is watched.
    pub polled: Option<Polled>,
    /// The namespaces watched one by one (named, or discovered for a user
    /// who cannot list namespaces), each with where it came from: `-n`,
    /// `context`, `other context`, `config.yaml`, `Capsule tenant NAME`,
    /// `role binding NS/NAME`.
    pub namespace_origins: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct Polled {
    pub lists: usize,
    pub every_secs: u64,
}

#[derive(Debug, Serialize)]
pub struct TenantLine {
    pub name: String,
    pub source: String,
    pub namespaces: usize,
    pub pods: usize,
    pub qos: Qos,
    pub worst_quota: Option<WorstQuota>,
    pub no_access_namespaces: usize,
    pub conflicts: usize,
    /// Quota or LimitRange refusal events in the last hour.
    pub blocked: usize,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Qos {
    pub guaranteed: usize,
    pub burstable: usize,
    pub best_effort: usize,
}

impl From<QosCounts> for Qos {
    fn from(c: QosCounts) -> Self {
        Qos {
            guaranteed: c.guaranteed,
            burstable: c.burstable,
            best_effort: c.best_effort,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct WorstQuota {
    pub namespace: String,
    pub resource: String,
    pub percent: u32,
    /// The quota object that spans namespaces, when it is the tightest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NoAccess {
    pub kind: String,
    /// `cluster` or a namespace name.
    pub scope: String,
    pub reason: String,
}

/// Rounded down, as the console shows it: 100% means really full.
fn percent(ratio: f64) -> u32 {
    if ratio.is_finite() {
        (ratio * 100.0).floor().clamp(0.0, u32::MAX as f64) as u32
    } else {
        u32::MAX
    }
}

fn line(row: &TenantRow) -> TenantLine {
    TenantLine {
        name: row.id.as_str().to_string(),
        source: row.source.clone(),
        namespaces: row.namespace_count,
        pods: row.pod_count,
        qos: row.qos.into(),
        worst_quota: row.worst_pressure.as_ref().map(|p| WorstQuota {
            namespace: p.namespace.clone(),
            resource: p.resource.clone(),
            percent: percent(p.ratio),
            object: p.object.clone(),
        }),
        no_access_namespaces: row.no_access_namespaces,
        conflicts: row.conflicts,
        blocked: row.blocked,
    }
}

pub fn no_access(state: &State) -> Vec<NoAccess> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        for (scope, sync) in state.inventory.scopes(kind) {
            let reason = match sync {
                SyncState::NoAccess { reason } | SyncState::Failed { reason } => reason,
                _ => continue,
            };
            out.push(NoAccess {
                kind: kind.as_str().to_string(),
                scope: match scope {
                    Scope::Cluster => "cluster".to_string(),
                    Scope::Namespace(ns) => ns.clone(),
                },
                reason: reason.clone(),
            });
        }
    }
    out
}

pub fn tenants(state: &State) -> TenantsOutput {
    TenantsOutput {
        context: state.identity.context.clone(),
        user: state.identity.user.clone(),
        tenants: state.rows.iter().map(line).collect(),
        unassigned: state.resolution.unassigned.clone(),
        system: state.resolution.system.clone(),
        conflicts: state
            .resolution
            .conflicts
            .iter()
            .map(|c| c.message())
            .collect(),
        no_access: no_access(state),
        polled: state
            .inventory
            .polled()
            .map(|(lists, every_secs)| Polled { lists, every_secs }),
        namespace_origins: if state
            .inventory
            .sync_state(Kind::Namespace, &Scope::Cluster)
            .is_some_and(SyncState::is_synced)
        {
            // Every namespace is listed: none was named or found one by one.
            Default::default()
        } else {
            state.namespace_origins.clone()
        },
    }
}

#[derive(Debug, Serialize)]
pub struct ReportOutput {
    pub tenant: String,
    pub source: String,
    pub owners: Vec<Owner>,
    pub namespaces: Vec<String>,
    pub quota: QuotaReport,
    pub qos: QosReport,
    /// Every check of ARCHITECTURE.md §6 (the same objects as `check -o json`).
    pub policy: Vec<crate::model::checks::CheckResult>,
    pub rbac: RbacReport,
    pub network: NetworkReport,
    pub no_access: Vec<NoAccess>,
}

#[derive(Debug, Serialize)]
pub struct RbacReport {
    pub personas: crate::model::rbac::PersonaCounts,
    pub bindings: crate::model::rbac::BindingsTable,
    pub risky_rules: crate::model::rbac::RiskyRules,
    pub who_can: Vec<WhoCanLine>,
}

#[derive(Debug, Serialize)]
pub struct WhoCanLine {
    pub action: &'static str,
    #[serde(flatten)]
    pub answer: crate::model::rbac::WhoCan,
}

#[derive(Debug, Serialize)]
pub struct NetworkReport {
    pub namespaces: Vec<NamespaceNetworkLine>,
    /// Pods no NetworkPolicy selects: open to (or reaching) every namespace.
    pub unselected: Vec<crate::model::network::UnselectedPods>,
    pub cross_tenant: Vec<crate::model::network::CrossTenantAllow>,
}

#[derive(Debug, Serialize)]
pub struct NamespaceNetworkLine {
    pub namespace: String,
    pub policies: Vec<String>,
    pub ingress: crate::model::network::DenyStatus,
    pub egress: crate::model::network::DenyStatus,
}

#[derive(Debug, Serialize)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct QuotaReport {
    pub namespaces: Vec<NamespaceQuotaReport>,
    pub total: Vec<Usage>,
    /// Quota objects that span namespaces (HNC, OpenShift, Kueue).
    pub objects: Vec<QuotaObjectReport>,
    /// Quota kinds installed but not readable, with the reason.
    pub objects_no_access: Vec<NoAccess>,
    /// The tenant's LocalQueues that no ClusterQueue takes, and why.
    pub stray_local_queues: Vec<String>,
    /// Why workloads are refused, newest first.
    pub refusals: Vec<RefusalLine>,
    /// Namespaces whose refusal events cannot be read.
    pub refusals_unreadable: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct QuotaObjectReport {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The tenant's namespaces it covers.
    pub covers: Vec<String>,
    /// Other tenants it covers too: a change to it changes theirs.
    pub shared_with: Vec<String>,
    /// Covered namespaces in no tenant.
    pub unassigned_namespaces: usize,
    /// The controller has not counted it yet.
    pub pending: bool,
    pub resources: Vec<Usage>,
    pub notes: Vec<String>,
    pub invalid: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueReport>,
}

#[derive(Debug, Serialize)]
pub struct QueueReport {
    pub cohort: Option<String>,
    pub local_queues: Vec<String>,
    pub pending_workloads: Option<u64>,
    pub admitted_workloads: Option<u64>,
    pub reserving_workloads: Option<u64>,
    pub flavors: Vec<QueueFlavorLine>,
}

#[derive(Debug, Serialize)]
pub struct QueueFlavorLine {
    pub flavor: String,
    pub resource: String,
    pub nominal: Option<String>,
    pub borrowing_limit: Option<String>,
    pub lending_limit: Option<String>,
    pub reserved: Option<String>,
    pub used: Option<String>,
}

fn quota_object_report(o: &model::quota_objects::QuotaObjectView) -> QuotaObjectReport {
    let q = |v: &Option<model::Quantity>, r: &str| v.as_ref().map(|q| q.format_for(r));
    QuotaObjectReport {
        kind: model::quota_objects::kind_name(o.kind).to_string(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
        covers: o.covers.clone(),
        shared_with: o.shared_with.clone(),
        unassigned_namespaces: o.unassigned,
        pending: o.pending,
        resources: o.resources.iter().map(usage).collect(),
        notes: o.notes.clone(),
        invalid: o
            .invalid
            .iter()
            .map(|i| format!("{} {:?} is not a quantity ({})", i.resource, i.raw, i.error))
            .collect(),
        queue: o.queue.as_ref().map(|d| QueueReport {
            cohort: d.cohort.clone(),
            local_queues: d.local_queues.clone(),
            pending_workloads: d.pending_workloads,
            admitted_workloads: d.admitted_workloads,
            reserving_workloads: d.reserving_workloads,
            flavors: d
                .rows
                .iter()
                .map(|r| QueueFlavorLine {
                    flavor: r.flavor.clone(),
                    resource: r.resource.clone(),
                    nominal: q(&r.nominal, &r.resource),
                    borrowing_limit: q(&r.borrowing_limit, &r.resource),
                    lending_limit: q(&r.lending_limit, &r.resource),
                    reserved: q(&r.reserved, &r.resource),
                    used: q(&r.used, &r.resource),
                })
                .collect(),
        }),
    }
}

/// One refused workload, refusing object and resource.
#[derive(Debug, Serialize)]
pub struct RefusalLine {
    /// `event` (a controller's FailedCreate event) or `kueue` (a Kueue
    /// Workload waiting for quota).
    pub source: &'static str,
    pub namespace: String,
    /// `ReplicaSet/web-5d8`.
    pub workload: String,
    /// `ResourceQuota compute`, `LimitRange limits`; empty when unknown.
    pub refused_by: String,
    pub resource: String,
    /// `exceeded`, `missing request`, `limit`, `insufficient quota` (Kueue:
    /// others hold what it needs), `over capacity` (Kueue: more than the
    /// queue could ever give) or `unparsed`.
    pub reason: &'static str,
    pub requested: Option<String>,
    pub remaining: Option<String>,
    pub used: Option<String>,
    pub limited: Option<String>,
    /// Kueue's "N more needed".
    pub needed: Option<String>,
    /// A LimitRange's bound in words, or an unparsed message whole.
    pub detail: Option<String>,
    pub count: u64,
    /// Unix seconds of the last occurrence.
    pub last: Option<i64>,
    pub last_hour: bool,
}

fn refusal_line(r: &model::refusal::Refusal, now: i64) -> RefusalLine {
    use model::refusal::RefusalDetail;
    let text = |q: &Option<model::Quantity>, raw: &str| {
        Some(
            q.as_ref()
                .map_or_else(|| raw.to_string(), |q| q.format_for(&r.resource)),
        )
        .filter(|s| !s.is_empty())
    };
    let mut needed = None;
    let (reason, requested, remaining, used, limited, detail) = match &r.detail {
        RefusalDetail::Quota {
            requested,
            remaining,
            used,
            limited,
            raw,
        } => (
            "exceeded",
            text(requested, &raw[0]),
            text(remaining, ""),
            text(used, &raw[1]),
            text(limited, &raw[2]),
            None,
        ),
        RefusalDetail::MissingRequest => ("missing request", None, None, None, None, None),
        RefusalDetail::Limit {
            bound,
            per,
            allowed,
            actual,
        } => (
            "limit",
            None,
            None,
            None,
            Some(allowed.clone()),
            Some(format!(
                "{bound} per {per} is {allowed}, the pod asks {actual}"
            )),
        ),
        RefusalDetail::Queue {
            pod_set,
            flavor,
            needed: more,
            requested,
            capacity,
        } => {
            needed = text(more, "");
            let pod_set = if pod_set.is_empty() {
                String::new()
            } else {
                format!("pod set {pod_set}, ")
            };
            let asks = text(requested, "")
                .map(|q| format!(" (asks {q})"))
                .unwrap_or_default();
            let words = match (&needed, text(capacity, "")) {
                (Some(n), _) => format!("{pod_set}flavor {flavor}: {n} more needed{asks}"),
                (None, Some(c)) => format!("{pod_set}flavor {flavor}: over its maximum {c}{asks}"),
                (None, None) => format!("{pod_set}flavor {flavor}{asks}"),
            };
            (
                if capacity.is_some() {
                    "over capacity"
                } else {
                    "insufficient quota"
                },
                text(requested, ""),
                None,
                None,
                text(capacity, ""),
                Some(words),
            )
        }
        RefusalDetail::Unparsed(message) => {
            ("unparsed", None, None, None, None, Some(message.clone()))
        }
    };
    RefusalLine {
        source: r.source.as_str(),
        namespace: r.namespace.clone(),
        workload: r.workload.clone(),
        refused_by: r.refused_by.clone(),
        resource: r.resource.clone(),
        reason,
        requested,
        remaining,
        used,
        limited,
        needed,
        detail,
        count: r.count,
        last: r.last,
        last_hour: r.is_recent(now),
    }
}

#[derive(Debug, Serialize)]
pub struct NamespaceQuotaReport {
    pub namespace: String,
    /// `readable`, `loading` or `no access`.
    pub access: String,
    pub no_quota: bool,
    pub resources: Vec<Usage>,
}

#[derive(Debug, Serialize)]
pub struct Usage {
    pub resource: String,
    /// The StorageClass of a per-class key
    /// (`<class>.storageclass.storage.k8s.io/…`), else null.
    pub storage_class: Option<String>,
    /// Null until the quota controller has counted it.
    pub used: Option<String>,
    pub hard: String,
    pub percent: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct QosReport {
    pub namespaces: Vec<NamespaceQos>,
    pub total: Qos,
    pub containers_without_requests: Vec<ContainerLine>,
    /// Namespaces whose pods cannot be read (their counts are unknown).
    pub unreadable: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NamespaceQos {
    pub namespace: String,
    #[serde(flatten)]
    pub counts: Qos,
}

#[derive(Debug, Serialize)]
pub struct ContainerLine {
    pub namespace: String,
    pub pod: String,
    pub container: String,
}

fn usage(u: &ResourceUsage) -> Usage {
    Usage {
        resource: u.resource.clone(),
        storage_class: model::storage_class_of(&u.resource).map(|(class, _)| class.to_string()),
        used: u.used.as_ref().map(|q| q.format_for(&u.resource)),
        hard: u.hard.format_for(&u.resource),
        percent: u.ratio.map(percent),
    }
}

fn access_word(access: Access) -> &'static str {
    match access {
        Access::Readable => "readable",
        Access::Loading => "loading",
        Access::NoAccess => "no access",
    }
}

pub fn report(state: &State, tenant: &Tenant) -> ReportOutput {
    let quota = model::tenant_quota(&state.inventory, tenant);
    let objects =
        model::quota_objects::tenant_quota_objects(&state.inventory, &state.resolution, tenant);
    let qos = model::qos_breakdown(&state.inventory, tenant);
    let bindings = model::rbac::bindings_table(&state.inventory, tenant);
    let network = model::network::network_view(&state.inventory, &state.resolution, tenant);
    ReportOutput {
        policy: state.checks_for(tenant),
        rbac: RbacReport {
            personas: model::rbac::persona_counts(&bindings),
            bindings,
            risky_rules: model::rbac::risky_rules(&state.inventory, tenant),
            who_can: model::rbac::who_can_sensitive(&state.inventory, tenant)
                .into_iter()
                .map(|(action, answer)| WhoCanLine {
                    action: action.label,
                    answer,
                })
                .collect(),
        },
        network: NetworkReport {
            namespaces: network
                .namespaces
                .iter()
                .map(|n| NamespaceNetworkLine {
                    namespace: n.namespace.clone(),
                    policies: n.policies.iter().map(|p| p.name.clone()).collect(),
                    ingress: n.ingress.clone(),
                    egress: n.egress.clone(),
                })
                .collect(),
            unselected: network.unselected.clone(),
            cross_tenant: network.cross_tenant.clone(),
        },
        tenant: tenant.id.as_str().to_string(),
        source: tenant.source.clone(),
        owners: tenant
            .owners
            .iter()
            .map(|s| Owner {
                kind: s.kind.clone(),
                name: s.name.clone(),
                namespace: s.namespace.clone(),
            })
            .collect(),
        namespaces: tenant.namespaces.clone(),
        quota: QuotaReport {
            namespaces: quota
                .per_namespace
                .iter()
                .map(|ns| NamespaceQuotaReport {
                    namespace: ns.namespace.clone(),
                    access: access_word(ns.access).to_string(),
                    no_quota: ns.no_quota,
                    resources: ns.resources.iter().map(usage).collect(),
                })
                .collect(),
            total: quota.total.iter().map(usage).collect(),
            objects: objects.objects.iter().map(quota_object_report).collect(),
            objects_no_access: objects
                .no_access
                .iter()
                .map(|(kind, reason)| NoAccess {
                    kind: kind.as_str().to_string(),
                    scope: "cluster".into(),
                    reason: reason.clone(),
                })
                .collect(),
            stray_local_queues: objects.stray_local_queues.clone(),
            refusals: model::refusal::tenant_refusals(&state.inventory, tenant)
                .iter()
                .map(|r| refusal_line(r, state.now()))
                .collect(),
            refusals_unreadable: model::refusal::unreadable_namespaces(&state.inventory, tenant)
                .into_iter()
                .map(str::to_string)
                .collect(),
        },
        qos: QosReport {
            namespaces: qos
                .per_namespace
                .iter()
                .map(|(ns, counts)| NamespaceQos {
                    namespace: ns.clone(),
                    counts: (*counts).into(),
                })
                .collect(),
            total: qos.total.into(),
            containers_without_requests: qos
                .containers_without_requests
                .iter()
                .map(|c| ContainerLine {
                    namespace: c.namespace.clone(),
                    pod: c.pod.clone(),
                    container: c.container.clone(),
                })
                .collect(),
            unreadable: qos.unreadable.clone(),
        },
        no_access: no_access(state)
            .into_iter()
            .filter(|n| tenant.namespaces.contains(&n.scope) || n.scope == "cluster")
            .collect(),
    }
}

/// Serialises as JSON or YAML; tables are drawn by the callers. Every
/// string, map keys included, goes through the sanitizer (`model::text`):
/// the output stays valid and carries `\u{1b}` where the cluster had ESC.
pub fn serialize<T: Serialize>(value: &T, format: Format) -> anyhow::Result<String> {
    let value = Inert(value);
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&value)? + "\n",
        Format::Yaml => serde_saphyr::to_string(&value)?,
        Format::Table => anyhow::bail!("internal: tables are drawn by the caller"),
    })
}

/// Plain-text table with columns padded to their widest cell. Every cell
/// goes through the sanitizer first: a table printed to a terminal must not
/// carry escape sequences, nor a newline that would forge a row.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let clean: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &clean {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let render = |cells: Vec<&str>, out: &mut String| {
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    };
    render(header.to_vec(), &mut out);
    for row in &clean {
        render(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// The tenants table's columns.
pub const TENANTS_HEADER: [&str; 8] = [
    "TENANT",
    "SOURCE",
    "NAMESPACES",
    "PODS",
    "WORST QUOTA",
    "GUARANTEED",
    "BURSTABLE",
    "BESTEFFORT",
];

pub fn tenants_table(out: &TenantsOutput) -> String {
    let mut text = table(&TENANTS_HEADER, &tenant_rows(out));
    if out.tenants.is_empty() {
        text.push_str("(no tenant visible)\n");
    }
    text.push_str(&tenants_notes(out));
    text
}

/// The tenants table's rows, one per tenant.
pub fn tenant_rows(out: &TenantsOutput) -> Vec<Vec<String>> {
    out.tenants
        .iter()
        .map(|t| {
            vec![
                t.name.clone(),
                t.source.clone(),
                t.namespaces.to_string(),
                t.pods.to_string(),
                match &t.worst_quota {
                    Some(w) => format!(
                        "{} {}% ({})",
                        w.resource,
                        w.percent,
                        w.object.as_deref().unwrap_or(&w.namespace)
                    ),
                    None if t.no_access_namespaces > 0 => "no access".into(),
                    None => "no quota".into(),
                },
                t.qos.guaranteed.to_string(),
                t.qos.burstable.to_string(),
                t.qos.best_effort.to_string(),
            ]
        })
        .collect()
}

/// What follows the tenants table: namespaces in no tenant, system ones,
/// conflicts, namespaces named or found.
pub fn tenants_notes(out: &TenantsOutput) -> String {
    let mut text = String::new();
    if !out.unassigned.is_empty() {
        text.push_str(&format!(
            "\nnamespaces in no tenant: {}\n",
            sanitize(&out.unassigned.join(", "))
        ));
    }
    if !out.system.is_empty() {
        text.push_str(&format!(
            "system namespaces: {}\n",
            sanitize(&out.system.join(", "))
        ));
    }
    for conflict in &out.conflicts {
        text.push_str(&format!("conflict: {}\n", sanitize(conflict)));
    }
    if !out.namespace_origins.is_empty() {
        let origins: Vec<String> = out
            .namespace_origins
            .iter()
            .map(|(ns, from)| format!("{ns} ({})", from.join(", ")))
            .collect();
        text.push_str(&format!(
            "namespaces named or found: {}\n",
            sanitize(&origins.join(", "))
        ));
    }
    text
}

/// "no access: KIND in SCOPE: REASON" lines: diagnostics, for stderr, so
/// the table on stdout stays a table.
pub fn no_access_lines(no_access: &[NoAccess]) -> String {
    no_access
        .iter()
        .map(|n| {
            format!(
                "tenantry: no access: {} in {}: {}\n",
                n.kind,
                sanitize(&n.scope),
                sanitize(&n.reason)
            )
        })
        .collect()
}

/// A long text for a table cell: whole when stdout is not a terminal (a
/// script or a file gets everything), cut to `width` with a visible `…`
/// when it is (a person reads one line per row; `-o json` has it whole).
pub fn cell_text(text: &str, width: usize) -> String {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || text.chars().count() <= width {
        return text.to_string();
    }
    let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
    short.push('…');
    short
}

pub fn report_table(r: &ReportOutput) -> String {
    let mut text = format!(
        "tenant {} (resolver {}), namespaces: {}\n",
        sanitize(&r.tenant),
        r.source,
        sanitize(&r.namespaces.join(", "))
    );
    let owners: Vec<String> = r
        .owners
        .iter()
        .map(|o| format!("{}:{}", o.kind, o.name))
        .collect();
    text.push_str(&format!(
        "owners: {}\n\nQUOTA\n",
        if owners.is_empty() {
            "none found".to_string()
        } else {
            sanitize(&owners.join(", ")).into_owned()
        }
    ));
    let mut rows = Vec::new();
    for ns in &r.quota.namespaces {
        if ns.access != "readable" {
            rows.push(vec![
                ns.namespace.clone(),
                ns.access.clone(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        } else if ns.no_quota {
            rows.push(vec![
                ns.namespace.clone(),
                "no quota".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for u in &ns.resources {
            rows.push(usage_row(&ns.namespace, u));
        }
    }
    for u in &r.quota.total {
        rows.push(usage_row("(tenant total)", u));
    }
    text.push_str(&table(
        &["NAMESPACE", "RESOURCE", "USED", "HARD", "USE"],
        &rows,
    ));
    text.push_str(&quota_objects_table(&r.quota));
    text.push_str(&refusals_table(&r.quota));
    text.push_str("\nQOS\n");
    let mut rows: Vec<Vec<String>> = r
        .qos
        .namespaces
        .iter()
        .map(|n| {
            let unreadable = r.qos.unreadable.contains(&n.namespace);
            let count = |c: usize| {
                if unreadable {
                    "no access".to_string()
                } else {
                    c.to_string()
                }
            };
            vec![
                n.namespace.clone(),
                count(n.counts.guaranteed),
                count(n.counts.burstable),
                count(n.counts.best_effort),
            ]
        })
        .collect();
    rows.push(vec![
        "(tenant total)".into(),
        r.qos.total.guaranteed.to_string(),
        r.qos.total.burstable.to_string(),
        r.qos.total.best_effort.to_string(),
    ]);
    text.push_str(&table(
        &["NAMESPACE", "GUARANTEED", "BURSTABLE", "BESTEFFORT"],
        &rows,
    ));
    if !r.qos.containers_without_requests.is_empty() {
        text.push_str("\ncontainers without requests:\n");
        for c in &r.qos.containers_without_requests {
            text.push_str(&format!(
                "  {}/{} {}\n",
                sanitize(&c.namespace),
                sanitize(&c.pod),
                sanitize(&c.container)
            ));
        }
    }
    text.push_str(&policy_rbac_network_tables(r));
    text
}

/// "REFUSED WORKLOADS": what refused which workload, by how much.
fn refusals_table(q: &QuotaReport) -> String {
    let mut text = String::from("\nREFUSED WORKLOADS\n");
    for ns in &q.refusals_unreadable {
        text.push_str(&format!("no access to events in {}\n", sanitize(ns)));
    }
    if q.refusals.is_empty() {
        text.push_str("none\n");
        return text;
    }
    let rows: Vec<Vec<String>> = q
        .refusals
        .iter()
        .map(|r| {
            let what = match r.reason {
                "exceeded" => format!(
                    "requested {}, remaining {} (used {} of {})",
                    r.requested.as_deref().unwrap_or("?"),
                    r.remaining.as_deref().unwrap_or("?"),
                    r.used.as_deref().unwrap_or("?"),
                    r.limited.as_deref().unwrap_or("?")
                ),
                "missing request" => "the pod does not set it".to_string(),
                _ => cell_text(r.detail.as_deref().unwrap_or_default(), 100),
            };
            vec![
                r.namespace.clone(),
                r.workload.clone(),
                r.refused_by.clone(),
                r.resource.clone(),
                what,
                r.count.to_string(),
                if r.last_hour { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    text.push_str(&table(
        &[
            "NAMESPACE",
            "WORKLOAD",
            "REFUSED BY",
            "RESOURCE",
            "BY HOW MUCH",
            "TIMES",
            "LAST HOUR",
        ],
        &rows,
    ));
    text
}

fn policy_rbac_network_tables(r: &ReportOutput) -> String {
    use crate::model::checks::{CheckResult, Outcome};
    use crate::model::network::DenyStatus;
    use crate::model::rbac::subject_label;
    let mut text = String::from("\nPOLICY\n");
    let mut checks: Vec<&CheckResult> = r.policy.iter().collect();
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
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                match c.outcome {
                    Outcome::Fail => "FAIL",
                    Outcome::Unknown => "unknown",
                    Outcome::Pass => "pass",
                }
                .to_string(),
                c.severity.as_str().to_string(),
                c.id.to_string(),
                c.fix.map(|f| format!("apply {f}")).unwrap_or_default(),
                cell_text(&c.reason, 100),
            ]
        })
        .collect();
    text.push_str(&table(
        &["RESULT", "SEVERITY", "CHECK", "FIX", "REASON"],
        &rows,
    ));

    let p = &r.rbac.personas;
    text.push_str(&format!(
        "\nRBAC: {} cluster admin, {} namespace admin, {} user\n",
        p.cluster_admin, p.namespace_admin, p.user
    ));
    let rows: Vec<Vec<String>> = r
        .rbac
        .bindings
        .rows
        .iter()
        .map(|b| {
            vec![
                subject_label(&b.subject),
                format!("{} {}", b.role_kind, b.role),
                b.scope.clone(),
                b.binding.clone(),
                format!("{:?}", b.origin),
            ]
        })
        .collect();
    text.push_str(&table(
        &["SUBJECT", "ROLE", "SCOPE", "BINDING", "ORIGIN"],
        &rows,
    ));
    for risky in &r.rbac.risky_rules.rules {
        let bound: Vec<String> = risky.bound_to.iter().map(subject_label).collect();
        text.push_str(&format!(
            "risky: {} grants {} (bound to {})\n",
            sanitize(&risky.role),
            sanitize(&risky.rule),
            sanitize(&bound.join(", "))
        ));
    }
    for w in &r.rbac.who_can {
        let subjects: Vec<String> = w.answer.subjects.iter().map(subject_label).collect();
        text.push_str(&format!(
            "who can {}: {}{}\n",
            w.action,
            if subjects.is_empty() {
                "nobody".to_string()
            } else {
                sanitize(&subjects.join(", ")).into_owned()
            },
            if w.answer.gaps.is_empty() {
                String::new()
            } else {
                format!(" (incomplete: {})", sanitize(&w.answer.gaps.join("; ")))
            }
        ));
    }

    text.push_str("\nNETWORK\n");
    let deny = |d: &DenyStatus| match d {
        DenyStatus::Isolated { .. } => "default-deny".to_string(),
        DenyStatus::Open => "open".to_string(),
        DenyStatus::Unknown { reason } => format!("unknown ({})", sanitize(reason)),
    };
    let rows: Vec<Vec<String>> = r
        .network
        .namespaces
        .iter()
        .map(|n| {
            vec![
                n.namespace.clone(),
                deny(&n.ingress),
                deny(&n.egress),
                n.policies.join(", "),
            ]
        })
        .collect();
    text.push_str(&table(
        &["NAMESPACE", "INGRESS", "EGRESS", "POLICIES"],
        &rows,
    ));
    for open in &r.network.unselected {
        text.push_str(&format!("cross-tenant: {}\n", sanitize(&open.describe())));
    }
    for allow in &r.network.cross_tenant {
        text.push_str(&format!("cross-tenant: {}\n", sanitize(&allow.describe())));
    }
    text
}

/// The quota objects that span namespaces, for `report`'s table: one block
/// per object (what it covers, with whom it is shared), then its rows.
fn quota_objects_table(q: &QuotaReport) -> String {
    if q.objects.is_empty() && q.objects_no_access.is_empty() && q.stray_local_queues.is_empty() {
        return String::new();
    }
    let mut text = String::from("\nQUOTA OBJECTS SPANNING NAMESPACES\n");
    for o in &q.objects {
        let name = match &o.namespace {
            Some(ns) => format!("{} {ns}/{}", o.kind, o.name),
            None => format!("{} {}", o.kind, o.name),
        };
        let mut head = format!("{name}: covers {}", o.covers.join(", "));
        if !o.shared_with.is_empty() {
            head.push_str(&format!(
                "; shared with tenant {}",
                o.shared_with.join(", ")
            ));
        }
        if o.unassigned_namespaces > 0 {
            head.push_str(&format!(
                "; and {} namespace(s) in no tenant",
                o.unassigned_namespaces
            ));
        }
        if o.pending {
            head.push_str("; pending (not counted yet)");
        }
        // One line each, whatever the cluster wrote: a newline in a value
        // must not forge a line.
        let mut line = |l: String| {
            text.push_str(&sanitize(&l));
            text.push('\n');
        };
        line(head);
        for note in &o.notes {
            line(format!("  {note}"));
        }
        for bad in &o.invalid {
            line(format!("  invalid: {bad}"));
        }
        if let Some(queue) = &o.queue {
            let count = |c: Option<u64>| c.map_or("?".to_string(), |c| c.to_string());
            line(format!(
                "  cohort {}; local queues {}; workloads pending {}, admitted {}, reserving {}",
                queue.cohort.as_deref().unwrap_or("none"),
                if queue.local_queues.is_empty() {
                    "none".to_string()
                } else {
                    queue.local_queues.join(", ")
                },
                count(queue.pending_workloads),
                count(queue.admitted_workloads),
                count(queue.reserving_workloads),
            ));
            let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            let rows: Vec<Vec<String>> = queue
                .flavors
                .iter()
                .map(|f| {
                    vec![
                        f.flavor.clone(),
                        f.resource.clone(),
                        dash(&f.nominal),
                        dash(&f.borrowing_limit),
                        dash(&f.lending_limit),
                        if o.pending {
                            "pending".into()
                        } else {
                            dash(&f.reserved)
                        },
                        if o.pending {
                            "pending".into()
                        } else {
                            dash(&f.used)
                        },
                    ]
                })
                .collect();
            text.push_str(&table(
                &[
                    "FLAVOR", "RESOURCE", "NOMINAL", "BORROW", "LEND", "RESERVED", "USED",
                ],
                &rows,
            ));
        } else {
            let rows: Vec<Vec<String>> =
                o.resources.iter().map(|u| usage_row(&o.name, u)).collect();
            text.push_str(&table(
                &["OBJECT", "RESOURCE", "USED", "HARD", "USE"],
                &rows,
            ));
        }
    }
    for n in &q.objects_no_access {
        text.push_str(&sanitize(&format!("{}: no access ({})", n.kind, n.reason)));
        text.push('\n');
    }
    for stray in &q.stray_local_queues {
        text.push_str(&sanitize(stray));
        text.push('\n');
    }
    text
}

fn usage_row(namespace: &str, u: &Usage) -> Vec<String> {
    let resource = match model::storage_class_of(&u.resource) {
        Some((class, limited)) => format!("{limited} (storage class {class})"),
        None => u.resource.clone(),
    };
    vec![
        namespace.to_string(),
        resource,
        u.used.clone().unwrap_or_else(|| "pending".into()),
        u.hard.clone(),
        u.percent.map(|p| format!("{p}%")).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_objects_note_cannot_forge_a_line() {
        let report = QuotaReport {
            namespaces: Vec::new(),
            total: Vec::new(),
            objects: vec![QuotaObjectReport {
                kind: "ClusterQueue".into(),
                namespace: None,
                name: "q".into(),
                covers: vec!["a".into()],
                shared_with: Vec::new(),
                unassigned_namespaces: 0,
                pending: true,
                resources: Vec::new(),
                notes: vec!["spec.x is odd\nClusterQueue forged: covers everything".into()],
                invalid: Vec::new(),
                queue: None,
            }],
            objects_no_access: Vec::new(),
            stray_local_queues: vec!["LocalQueue a/q\u{1b}[2J: gone".into()],
            refusals: Vec::new(),
            refusals_unreadable: Vec::new(),
        };
        let text = quota_objects_table(&report);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            !text.lines().any(|l| l.starts_with("ClusterQueue forged")),
            "{text}"
        );
        assert!(text.contains("ClusterQueue q: covers a; pending (not counted yet)"));
    }

    #[test]
    fn a_table_cell_is_whole_when_stdout_is_not_a_terminal() {
        // Under the test harness stdout is captured, never a terminal.
        let long = "x".repeat(300);
        assert_eq!(cell_text(&long, 100), long);
    }

    #[test]
    fn no_access_lines_are_diagnostics_with_inert_text() {
        let lines = no_access_lines(&[NoAccess {
            kind: "Pod".into(),
            scope: "acme\u{1b}[2J".into(),
            reason: "cannot list pods".into(),
        }]);
        assert_eq!(
            lines,
            "tenantry: no access: Pod in acme\\u{1b}[2J: cannot list pods\n"
        );
    }
}
