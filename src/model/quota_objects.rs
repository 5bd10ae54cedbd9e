//! Quota objects that span a tenant's namespaces (issue 11): HNC
//! HierarchicalResourceQuotas, OpenShift ClusterResourceQuotas, Kueue
//! ClusterQueues and Capsule ResourcePools and GlobalResourceQuotas,
//! resolved to the tenants whose namespaces they cover (a Capsule pool:
//! the namespaces in its status).
//!
//! Which namespaces an object covers comes from what the cluster says, not
//! from names a tenant controls: an HRQ covers its namespace and the ones
//! HNC labels as below it; a ClusterResourceQuota the namespaces in its
//! status (else those its label selector picks); a ClusterQueue the
//! namespaces of LocalQueues that point at it *and* that its
//! `namespaceSelector` admits. A LocalQueue alone is a name its tenant
//! wrote, so one pointing at another tenant's ClusterQueue ties nothing.
//!
//! One pass over the objects for every tenant ([`quota_objects_by_tenant`]),
//! so the tenants list stays O(objects).

use std::collections::{BTreeMap, BTreeSet};

use super::aggregate::ResourceUsage;
use super::inventory::{Inventory, Kind, SyncState};
use super::projection::{ClusterQueueInfo, InvalidQuantity};
use super::quantity::Quantity;
use super::tenant::{HNC_DEPTH_SUFFIX, Resolution, Tenant, TenantId};

/// One resource of one flavor of a ClusterQueue, as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueRow {
    pub flavor: String,
    pub resource: String,
    pub nominal: Option<Quantity>,
    pub borrowing_limit: Option<Quantity>,
    pub lending_limit: Option<Quantity>,
    pub reserved: Option<Quantity>,
    pub used: Option<Quantity>,
}

/// What a ClusterQueue adds to the shared figures.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueDetail {
    pub cohort: Option<String>,
    /// The tenant's LocalQueues that lead here, `namespace/name`.
    pub local_queues: Vec<String>,
    pub rows: Vec<QueueRow>,
    pub pending_workloads: Option<u64>,
    pub admitted_workloads: Option<u64>,
    pub reserving_workloads: Option<u64>,
}

/// A quota object as one tenant sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaObjectView {
    pub kind: Kind,
    /// Set for namespaced objects (HRQ).
    pub namespace: Option<String>,
    pub name: String,
    /// The tenant's namespaces it covers, sorted.
    pub covers: Vec<String>,
    /// Other tenants whose namespaces it covers too, sorted.
    pub shared_with: Vec<String>,
    /// Covered namespaces that belong to no tenant.
    pub unassigned: usize,
    /// Used / hard per resource (a ClusterQueue: `resource [flavor]`,
    /// reserved against nominal), highest pressure first.
    pub resources: Vec<ResourceUsage>,
    /// The controller has not counted it yet: use is unknown.
    pub pending: bool,
    /// Selector, cohort, and what is wrong with the object.
    pub notes: Vec<String>,
    pub invalid: Vec<InvalidQuantity>,
    pub queue: Option<QueueDetail>,
}

impl QuotaObjectView {
    /// "HierarchicalResourceQuota acme/team", "ClusterQueue team-a".
    pub fn label(&self) -> String {
        let kind = kind_name(self.kind);
        match &self.namespace {
            Some(ns) => format!("{kind} {ns}/{}", self.name),
            None => format!("{kind} {}", self.name),
        }
    }

    pub fn cluster_scoped(&self) -> bool {
        self.namespace.is_none()
    }
}

/// The kind as people write it.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::HierarchicalResourceQuota => "HierarchicalResourceQuota",
        Kind::ClusterResourceQuota => "ClusterResourceQuota",
        Kind::KueueClusterQueue => "ClusterQueue",
        Kind::KueueLocalQueue => "LocalQueue",
        Kind::CapsuleResourcePool => "ResourcePool",
        Kind::CapsulePoolClaim => "ResourcePoolClaim",
        Kind::CapsuleGlobalQuota => "GlobalResourceQuota",
        other => other.as_str(),
    }
}

/// The tenant's quota objects, and what about them could not be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TenantQuotaObjects {
    pub objects: Vec<QuotaObjectView>,
    /// Quota kinds installed but not readable (or failed), with the reason.
    pub no_access: Vec<(Kind, String)>,
    /// Quota kinds still loading.
    pub loading: Vec<Kind>,
    /// The tenant's LocalQueues whose ClusterQueue does not take them
    /// (missing, or its namespaceSelector does not admit the namespace).
    pub stray_local_queues: Vec<String>,
}

fn usage(resource: String, used: Option<Quantity>, hard: Quantity) -> ResourceUsage {
    let ratio = used.as_ref().and_then(|u| super::quantity::ratio(u, &hard));
    ResourceUsage {
        resource,
        used,
        hard,
        ratio,
    }
}

fn by_pressure(a: &ResourceUsage, b: &ResourceUsage) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.ratio, b.ratio) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.resource.cmp(&b.resource))
}

fn figures(
    hard: &BTreeMap<String, Quantity>,
    used: &BTreeMap<String, Quantity>,
    filled: bool,
) -> Vec<ResourceUsage> {
    let mut out: Vec<ResourceUsage> = hard
        .iter()
        .map(|(r, h)| {
            let u = filled.then(|| used.get(r).cloned().unwrap_or_default());
            usage(r.clone(), u, h.clone())
        })
        .collect();
    out.sort_by(by_pressure);
    out
}

/// An object before it is cut per tenant.
struct Spanning {
    view: QuotaObjectView,
    covered: BTreeSet<String>,
    /// For ClusterQueues: covered namespace → its LocalQueues leading here.
    local_queues: BTreeMap<String, Vec<String>>,
}

fn queue_view(cq: &ClusterQueueInfo) -> QuotaObjectView {
    let mut resources = Vec::new();
    let mut rows = Vec::new();
    for flavor in &cq.flavors {
        for r in &flavor.resources {
            rows.push(QueueRow {
                flavor: flavor.flavor.clone(),
                resource: r.resource.clone(),
                nominal: r.nominal.clone(),
                borrowing_limit: r.borrowing_limit.clone(),
                lending_limit: r.lending_limit.clone(),
                reserved: r.reserved.clone(),
                used: r.used.clone(),
            });
            if let Some(nominal) = &r.nominal {
                let reserved = cq
                    .status_filled
                    .then(|| r.reserved.clone().unwrap_or_default());
                resources.push(usage(
                    format!("{} [{}]", r.resource, flavor.flavor),
                    reserved,
                    nominal.clone(),
                ));
            }
        }
    }
    resources.sort_by(by_pressure);
    let mut notes = Vec::new();
    notes.push(match &cq.namespace_selector {
        Some(s) => format!("namespaceSelector {}", s.summary()),
        None => "no namespaceSelector: admits no namespace".into(),
    });
    notes.extend(cq.problems.iter().cloned());
    QuotaObjectView {
        kind: Kind::KueueClusterQueue,
        namespace: None,
        name: cq.name.clone(),
        covers: Vec::new(),
        shared_with: Vec::new(),
        unassigned: 0,
        resources,
        pending: !cq.status_filled,
        notes,
        invalid: cq.invalid.clone(),
        queue: Some(QueueDetail {
            cohort: cq.cohort.clone(),
            local_queues: Vec::new(),
            rows,
            pending_workloads: cq.pending_workloads,
            admitted_workloads: cq.admitted_workloads,
            reserving_workloads: cq.reserving_workloads,
        }),
    }
}

fn spanning_objects(inv: &Inventory) -> Vec<Spanning> {
    let mut out = Vec::new();
    // HNC: ancestor → the namespaces below it (by their depth labels).
    let mut below: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let any_hrq = inv.count(Kind::HierarchicalResourceQuota) > 0;
    for ns in inv.namespaces().filter(|_| any_hrq) {
        for key in ns.labels.keys() {
            if let Some(ancestor) = key.strip_suffix(HNC_DEPTH_SUFFIX) {
                below.entry(ancestor).or_default().push(ns.name.as_str());
            }
        }
    }
    for h in inv.hierarchical_quotas() {
        let mut covered: BTreeSet<String> = BTreeSet::from([h.namespace.clone()]);
        covered.extend(
            below
                .get(h.namespace.as_str())
                .into_iter()
                .flatten()
                .map(|s| s.to_string()),
        );
        out.push(Spanning {
            view: QuotaObjectView {
                kind: Kind::HierarchicalResourceQuota,
                namespace: Some(h.namespace.clone()),
                name: h.name.clone(),
                covers: Vec::new(),
                shared_with: Vec::new(),
                unassigned: 0,
                resources: figures(&h.hard, &h.used, h.status_filled),
                pending: !h.status_filled,
                notes: vec![format!("{} and the namespaces below it", h.namespace)],
                invalid: h.invalid.clone(),
                queue: None,
            },
            covered,
            local_queues: BTreeMap::new(),
        });
    }
    for c in inv.cluster_resource_quotas() {
        let covered: BTreeSet<String> = match &c.status_namespaces {
            Some(list) => list.iter().cloned().collect(),
            // Before the controller's status: the label selector, when
            // annotations (not kept for namespaces) do not take part.
            None if c.annotation_selector.is_empty() => inv
                .namespaces()
                .filter(|n| c.selects(&n.labels, &BTreeMap::new()))
                .map(|n| n.name.clone())
                .collect(),
            None => BTreeSet::new(),
        };
        let mut notes = vec![format!("selector {}", c.selector_summary())];
        notes.extend(c.problems.iter().cloned());
        out.push(Spanning {
            view: QuotaObjectView {
                kind: Kind::ClusterResourceQuota,
                namespace: None,
                name: c.name.clone(),
                covers: Vec::new(),
                shared_with: Vec::new(),
                unassigned: 0,
                resources: figures(&c.hard, &c.used, c.status_filled),
                pending: !c.status_filled,
                notes,
                invalid: c.invalid.clone(),
                queue: None,
            },
            covered,
            local_queues: BTreeMap::new(),
        });
    }
    for p in inv.capsule_pools() {
        let (kind, what) = match p.kind {
            super::projection::PoolKind::ResourcePool => (
                Kind::CapsuleResourcePool,
                "used: claimed by ResourcePoolClaims",
            ),
            super::projection::PoolKind::GlobalResourceQuota => (
                Kind::CapsuleGlobalQuota,
                "one quota shared by the namespaces it selects",
            ),
        };
        let mut notes = vec![what.to_string()];
        notes.extend(p.problems.iter().cloned());
        if p.namespaces.is_none() {
            notes.push("no status yet: the namespaces it covers are not known".into());
        }
        out.push(Spanning {
            view: QuotaObjectView {
                kind,
                namespace: None,
                name: p.name.clone(),
                covers: Vec::new(),
                shared_with: Vec::new(),
                unassigned: 0,
                resources: figures(&p.hard, &p.used, p.status_filled),
                pending: !p.status_filled,
                notes,
                invalid: p.invalid.clone(),
                queue: None,
            },
            covered: p.namespaces.iter().flatten().cloned().collect(),
            local_queues: BTreeMap::new(),
        });
    }
    let mut queues: BTreeMap<&str, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for lq in inv.local_queues() {
        let Some(cq) = inv.cluster_queue(&lq.cluster_queue) else {
            continue;
        };
        let admitted = inv
            .namespace(&lq.namespace)
            .is_some_and(|n| cq.admits(&n.labels));
        if admitted {
            queues
                .entry(cq.name.as_str())
                .or_default()
                .entry(lq.namespace.clone())
                .or_default()
                .push(format!("{}/{}", lq.namespace, lq.name));
        }
    }
    for cq in inv.cluster_queues() {
        let local_queues = queues.remove(cq.name.as_str()).unwrap_or_default();
        out.push(Spanning {
            view: queue_view(cq),
            covered: local_queues.keys().cloned().collect(),
            local_queues,
        });
    }
    out
}

/// Every tenant's quota objects, in one pass.
pub fn quota_objects_by_tenant(
    inv: &Inventory,
    resolution: &Resolution,
) -> BTreeMap<TenantId, Vec<QuotaObjectView>> {
    let mut out: BTreeMap<TenantId, Vec<QuotaObjectView>> = BTreeMap::new();
    for span in spanning_objects(inv) {
        let mut per_tenant: BTreeMap<&TenantId, Vec<String>> = BTreeMap::new();
        let mut unassigned = 0;
        for ns in &span.covered {
            match resolution.tenant_of(ns) {
                Some(t) => per_tenant.entry(&t.id).or_default().push(ns.clone()),
                None => unassigned += 1,
            }
        }
        let ids: Vec<&TenantId> = per_tenant.keys().copied().collect();
        for (id, covers) in &per_tenant {
            let mut view = span.view.clone();
            view.shared_with = ids
                .iter()
                .filter(|other| *other != id)
                .map(|t| t.as_str().to_string())
                .collect();
            view.unassigned = unassigned;
            if let Some(q) = &mut view.queue {
                q.local_queues = covers
                    .iter()
                    .flat_map(|ns| span.local_queues.get(ns).into_iter().flatten().cloned())
                    .collect();
            }
            if view.kind == Kind::CapsuleResourcePool {
                for ns in covers {
                    for claim in inv.pool_claims_in(ns).filter(|c| c.pool == view.name) {
                        let amounts: Vec<String> = claim
                            .claim
                            .iter()
                            .map(|(r, q)| format!("{r} {}", q.format_for(r)))
                            .collect();
                        view.notes.push(format!(
                            "claim {ns}/{}: {} ({})",
                            claim.name,
                            amounts.join(", "),
                            claim.condition.as_deref().unwrap_or("not bound yet")
                        ));
                    }
                }
            }
            view.covers = covers.clone();
            out.entry((*id).clone()).or_default().push(view);
        }
    }
    out
}

/// One tenant's quota objects, with what could not be read.
pub fn tenant_quota_objects(
    inv: &Inventory,
    resolution: &Resolution,
    tenant: &Tenant,
) -> TenantQuotaObjects {
    let mut out = TenantQuotaObjects {
        objects: quota_objects_by_tenant(inv, resolution)
            .remove(&tenant.id)
            .unwrap_or_default(),
        ..TenantQuotaObjects::default()
    };
    for kind in Kind::QUOTA_OBJECTS {
        if inv.kind_loading(kind) {
            out.loading.push(kind);
            continue;
        }
        let relevant = |scope: &super::inventory::Scope| match scope {
            super::inventory::Scope::Cluster => true,
            super::inventory::Scope::Namespace(ns) => tenant.namespaces.contains(ns),
        };
        // A namespaced kind read in each of the tenant's namespaces is
        // readable, even when the cluster-wide list is not.
        let per_namespace_ok = kind.is_namespaced()
            && !tenant.namespaces.is_empty()
            && tenant.namespaces.iter().all(|ns| inv.is_readable(kind, ns));
        if per_namespace_ok {
            continue;
        }
        if let Some(reason) = inv.scopes(kind).find_map(|(scope, s)| match s {
            SyncState::NoAccess { reason } | SyncState::Failed { reason } if relevant(scope) => {
                Some(reason.clone())
            }
            _ => None,
        }) {
            out.no_access.push((kind, reason));
        }
    }
    for ns in &tenant.namespaces {
        for lq in inv.local_queues_in(ns) {
            let taken = out.objects.iter().any(|o| {
                o.queue
                    .as_ref()
                    .is_some_and(|q| q.local_queues.contains(&format!("{ns}/{}", lq.name)))
            });
            if !taken {
                let why = match inv.cluster_queue(&lq.cluster_queue) {
                    None if lq.cluster_queue.is_empty() => "names no ClusterQueue".to_string(),
                    None => format!("ClusterQueue {} is not visible", lq.cluster_queue),
                    Some(_) => format!(
                        "ClusterQueue {} does not admit namespace {ns}",
                        lq.cluster_queue
                    ),
                };
                out.stray_local_queues
                    .push(format!("LocalQueue {ns}/{}: {why}", lq.name));
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::inventory::tests::ns;
    use crate::model::inventory::{Change, Object, Scope};
    use crate::model::projection::{ClusterQueueInfo, CrqInfo, HrqInfo, LocalQueueInfo};
    use crate::model::tenant::{ResolverKind, resolve_inventory};
    use kube::core::DynamicObject;
    use serde_json::{Value, json};

    pub(crate) fn label() -> ResolverKind {
        ResolverKind::Label {
            key: "tenantry.dev/tenant".into(),
        }
    }

    fn dynamic(v: Value) -> DynamicObject {
        serde_json::from_value(v).unwrap()
    }

    pub(crate) fn world() -> Inventory {
        let mut inv = Inventory::new();
        for kind in Kind::ALL.into_iter().chain(Kind::QUOTA_OBJECTS) {
            inv.set_sync(kind, Scope::Cluster, SyncState::Synced);
        }
        let t = "tenantry.dev/tenant";
        for (name, tenant, extra) in [
            ("a-1", "a", ("a-1.tree.hnc.x-k8s.io/depth", "0")),
            ("a-2", "a", ("a-1.tree.hnc.x-k8s.io/depth", "1")),
            ("b-1", "b", ("queue", "b")),
        ] {
            inv.apply(Change::Applied(Object::Namespace(ns(
                name,
                &[(t, tenant), extra],
            ))));
        }
        inv.apply(Change::Applied(Object::HierarchicalResourceQuota(
            Box::new(HrqInfo::from_dynamic(&dynamic(json!({
                "apiVersion": "hnc.x-k8s.io/v1alpha2", "kind": "HierarchicalResourceQuota",
                "metadata": {"name": "tree", "namespace": "a-1"},
                "spec": {"hard": {"pods": "10"}},
                "status": {"hard": {"pods": "10"}, "used": {"pods": "9"}}
            })))),
        )));
        inv.apply(Change::Applied(Object::ClusterResourceQuota(Box::new(
            CrqInfo::from_dynamic(&dynamic(json!({
                "apiVersion": "quota.openshift.io/v1", "kind": "ClusterResourceQuota",
                "metadata": {"name": "both"},
                "spec": {"selector": {"labels": {"matchLabels": {}}}, "quota": {"hard": {"pods": "20"}}},
                "status": {"total": {"hard": {"pods": "20"}, "used": {"pods": "5"}},
                           "namespaces": [{"namespace": "a-2"}, {"namespace": "b-1"}, {"namespace": "lost"}]}
            }))),
        ))));
        inv.apply(Change::Applied(Object::KueueClusterQueue(Box::new(
            ClusterQueueInfo::from_dynamic(&dynamic(json!({
                "apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ClusterQueue",
                "metadata": {"name": "b-queue"},
                "spec": {"namespaceSelector": {"matchLabels": {"queue": "b"}},
                         "resourceGroups": [{"coveredResources": ["cpu"], "flavors": [
                             {"name": "default", "resources": [{"name": "cpu", "nominalQuota": "4"}]}]}]},
                "status": {"flavorsReservation": [{"name": "default", "resources": [{"name": "cpu", "total": "3"}]}],
                           "pendingWorkloads": 1}
            }))),
        ))));
        for (namespace, name) in [("b-1", "main"), ("a-1", "hostile")] {
            inv.apply(Change::Applied(Object::KueueLocalQueue(
                LocalQueueInfo::from_dynamic(&dynamic(json!({
                    "apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "LocalQueue",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": {"clusterQueue": "b-queue"}
                }))),
            )));
        }
        inv
    }

    #[test]
    fn each_kind_resolves_to_the_tenants_it_covers() {
        let inv = world();
        let res = resolve_inventory(&inv, &[label()], &[]);
        let by = quota_objects_by_tenant(&inv, &res);
        let a = &by[&TenantId::new("a")];
        let b = &by[&TenantId::new("b")];
        let labels =
            |v: &Vec<QuotaObjectView>| -> Vec<String> { v.iter().map(|o| o.label()).collect() };
        assert_eq!(
            labels(a),
            vec![
                "HierarchicalResourceQuota a-1/tree",
                "ClusterResourceQuota both"
            ]
        );
        assert_eq!(
            labels(b),
            vec!["ClusterResourceQuota both", "ClusterQueue b-queue"]
        );
        // The HRQ covers its namespace and the one below it, not shared.
        assert_eq!(a[0].covers, vec!["a-1", "a-2"]);
        assert!(a[0].shared_with.is_empty());
        assert_eq!(a[0].resources[0].ratio, Some(0.9));
        // The CRQ is shared, and says with whom.
        assert_eq!(a[1].shared_with, vec!["b"]);
        assert_eq!(b[0].shared_with, vec!["a"]);
        assert_eq!(a[1].unassigned, 1);
        // The ClusterQueue: reserved against nominal, per flavor.
        let q = &b[1];
        assert_eq!(q.resources[0].resource, "cpu [default]");
        assert_eq!(q.resources[0].ratio, Some(0.75));
        assert_eq!(q.queue.as_ref().unwrap().local_queues, vec!["b-1/main"]);
    }

    #[test]
    fn a_hostile_local_queue_ties_nothing() {
        let inv = world();
        let res = resolve_inventory(&inv, &[label()], &[]);
        let a = tenant_quota_objects(&inv, &res, res.tenant(&TenantId::new("a")).unwrap());
        assert!(a.objects.iter().all(|o| o.kind != Kind::KueueClusterQueue));
        assert_eq!(
            a.stray_local_queues,
            vec!["LocalQueue a-1/hostile: ClusterQueue b-queue does not admit namespace a-1"]
        );
        let b = tenant_quota_objects(&inv, &res, res.tenant(&TenantId::new("b")).unwrap());
        let queue = b
            .objects
            .iter()
            .find(|o| o.kind == Kind::KueueClusterQueue)
            .unwrap();
        assert!(queue.shared_with.is_empty(), "a is not named as a sharer");
    }

    #[test]
    fn capsule_pools_cover_the_namespaces_in_their_status_with_the_tenants_claims() {
        use crate::model::projection::{CapsulePoolInfo, PoolClaimInfo, PoolKind};
        let mut inv = world();
        inv.apply(Change::Applied(Object::CapsuleResourcePool(Box::new(
            CapsulePoolInfo::from_dynamic(
                &dynamic(json!({
                    "apiVersion": "capsule.clastix.io/v1beta2", "kind": "ResourcePool",
                    "metadata": {"name": "pool"},
                    "spec": {"quota": {"hard": {"requests.cpu": "4"}}},
                    "status": {"namespaces": ["a-1", "b-1"],
                               "allocation": {"hard": {"requests.cpu": "4"}, "used": {"requests.cpu": "3"}}}
                })),
                PoolKind::ResourcePool,
            ),
        ))));
        inv.apply(Change::Applied(Object::CapsuleGlobalQuota(Box::new(
            CapsulePoolInfo::from_dynamic(
                &dynamic(json!({
                    "apiVersion": "capsule.clastix.io/v1beta2", "kind": "GlobalResourceQuota",
                    "metadata": {"name": "fresh"},
                    "spec": {"quota": {"hard": {"pods": "5"}}}
                })),
                PoolKind::GlobalResourceQuota,
            ),
        ))));
        inv.apply(Change::Applied(Object::CapsulePoolClaim(Box::new(
            PoolClaimInfo::from_dynamic(&dynamic(json!({
                "apiVersion": "capsule.clastix.io/v1beta2", "kind": "ResourcePoolClaim",
                "metadata": {"name": "cpu", "namespace": "a-1"},
                "spec": {"pool": "pool", "claim": {"requests.cpu": "2"}},
                "status": {"condition": {"type": "Bound"}}
            }))),
        ))));
        let res = resolve_inventory(&inv, &[label()], &[]);
        let by = quota_objects_by_tenant(&inv, &res);
        let a = &by[&TenantId::new("a")];
        let pool = a
            .iter()
            .find(|o| o.label() == "ResourcePool pool")
            .expect("the pool");
        assert_eq!(pool.covers, vec!["a-1"]);
        assert_eq!(pool.shared_with, vec!["b"]);
        assert_eq!(pool.resources[0].ratio, Some(0.75));
        assert!(
            pool.notes
                .contains(&"claim a-1/cpu: requests.cpu 2 (Bound)".to_string()),
            "{:?}",
            pool.notes
        );
        let b = &by[&TenantId::new("b")];
        let pool_b = b
            .iter()
            .find(|o| o.label() == "ResourcePool pool")
            .expect("the pool");
        assert!(
            pool_b.notes.iter().all(|n| !n.starts_with("claim")),
            "a's claim is a's"
        );
        // Without a status the covered namespaces are unknown: no tenant.
        assert!(by.values().flatten().all(|o| o.name != "fresh"));
    }

    #[test]
    fn unreadable_kinds_say_so() {
        let mut inv = world();
        inv.set_sync(
            Kind::KueueClusterQueue,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "cannot list clusterqueues cluster-wide".into(),
            },
        );
        let res = resolve_inventory(&inv, &[label()], &[]);
        let b = tenant_quota_objects(&inv, &res, res.tenant(&TenantId::new("b")).unwrap());
        assert_eq!(
            b.no_access,
            vec![(
                Kind::KueueClusterQueue,
                "cannot list clusterqueues cluster-wide".to_string()
            )]
        );
    }
}
