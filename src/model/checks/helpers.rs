//! Shared helpers of the checks (also used by rbac.rs and network.rs).

use super::{CheckContext, Verdict};
use crate::model::aggregate::{Access, access};
use crate::model::inventory::{Inventory, Kind, Scope, SyncState};
use crate::model::projection::PodInfo;

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
        Kind::KueueClusterQueue => "clusterqueues.kueue.x-k8s.io",
        Kind::KueueLocalQueue => "localqueues.kueue.x-k8s.io",
        Kind::KueueWorkload => "workloads.kueue.x-k8s.io",
        Kind::HierarchicalResourceQuota => "hierarchicalresourcequotas.hnc.x-k8s.io",
        Kind::ClusterResourceQuota => "clusterresourcequotas.quota.openshift.io",
        Kind::CapsuleResourcePool => "resourcepools.capsule.clastix.io",
        Kind::CapsulePoolClaim => "resourcepoolclaims.capsule.clastix.io",
        Kind::CapsuleGlobalQuota => "globalresourcequotas.capsule.clastix.io",
        Kind::Event => "events",
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

pub(super) fn join_limited<S: AsRef<str>>(items: &[S], sep: &str, max: usize) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let mut s = shown.join(sep);
    if items.len() > max {
        s.push_str(&format!(" and {} more", items.len() - max));
    }
    s
}

/// Reasons are one line: API server messages can hold newlines.
pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn has_have(n: usize) -> &'static str {
    plural(n, "has", "have")
}

pub(super) fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

pub(super) fn no_namespaces(ctx: &CheckContext<'_>) -> Option<Verdict> {
    ctx.tenant.namespaces.is_empty().then(|| {
        Verdict::unknown(format!(
            "tenant {} has no visible namespaces",
            ctx.tenant.id
        ))
    })
}

/// The tenant's namespaces whose objects of `kind` are fully known, and a
/// gap for the others.
pub(super) fn readable<'a>(ctx: &CheckContext<'a>, kind: Kind) -> (Vec<&'a str>, Option<String>) {
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
pub(super) fn live_pods<'a>(ctx: &CheckContext<'a>, namespaces: &[&str]) -> Vec<&'a PodInfo> {
    namespaces
        .iter()
        .flat_map(|ns| ctx.inventory.pods_in(ns))
        .filter(|p| !matches!(p.phase.as_str(), "Succeeded" | "Failed"))
        .collect()
}

pub(super) fn pod_name(p: &PodInfo) -> String {
    format!("{}/{}", p.namespace, p.name)
}
