//! Derived views: quota usage, QoS mix and the tenants list.
//!
//! Everything walks tenants → namespaces → per-namespace ranges of the
//! inventory, and a namespace belongs to at most one tenant, so each view is
//! O(objects) overall (tier M: 15,000 pods, 300 tenants).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::inventory::{Inventory, Kind, SyncState};
use super::projection::{InvalidQuantity, QosClass, QuotaInfo};
use super::quantity::{Quantity, ratio};
use super::tenant::{Resolution, Tenant, TenantId};

/// Quota keys that the API server treats as the same constraint are merged
/// under the explicit name: `cpu` is `requests.cpu`, and so on.
pub fn canonical_resource(resource: &str) -> &str {
    match resource {
        "cpu" => "requests.cpu",
        "memory" => "requests.memory",
        "ephemeral-storage" => "requests.ephemeral-storage",
        other => other,
    }
}

/// A per-StorageClass quota key, split into the class and what it limits:
/// `gold.storageclass.storage.k8s.io/requests.storage` → `("gold",
/// "requests.storage")`. `None` for every other key.
pub fn storage_class_of(resource: &str) -> Option<(&str, &str)> {
    let (prefix, limited) = resource.split_once('/')?;
    let class = prefix.strip_suffix(".storageclass.storage.k8s.io")?;
    (!class.is_empty() && !limited.is_empty()).then_some((class, limited))
}

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceUsage {
    pub resource: String,
    /// `None` until the quota controller has filled the status.
    pub used: Option<Quantity>,
    pub hard: Quantity,
    pub ratio: Option<f64>,
}

impl ResourceUsage {
    fn new(resource: String, used: Option<Quantity>, hard: Quantity) -> Self {
        let ratio = used.as_ref().and_then(|u| ratio(u, &hard));
        ResourceUsage {
            resource,
            used,
            hard,
            ratio,
        }
    }
}

/// Highest ratio first; unknown ratios last; then by resource name.
fn by_pressure(a: &ResourceUsage, b: &ResourceUsage) -> Ordering {
    match (a.ratio, b.ratio) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.resource.cmp(&b.resource))
}

/// Whether a namespace's objects of some kind can be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Readable,
    Loading,
    /// Forbidden, failed or not watched: shown as "no access", never as "none".
    NoAccess,
}

pub fn access(inv: &Inventory, kind: Kind, ns: &str) -> Access {
    match inv.namespace_state(kind, ns) {
        Some(SyncState::Synced) => Access::Readable,
        Some(SyncState::Loading { .. }) => Access::Loading,
        Some(SyncState::NoAccess { .. } | SyncState::Failed { .. }) | None => Access::NoAccess,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NamespaceQuota {
    pub namespace: String,
    /// The binding constraint per resource, sorted by pressure.
    pub resources: Vec<ResourceUsage>,
    /// Readable and no ResourceQuota at all.
    pub no_quota: bool,
    pub access: Access,
    /// Values the cluster sent that did not parse, per quota.
    pub invalid: Vec<(String, InvalidQuantity)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TenantQuota {
    pub per_namespace: Vec<NamespaceQuota>,
    /// Sums of used and hard over namespaces where the resource has a hard
    /// limit; `used` is `None` when any of them is unknown.
    pub total: Vec<ResourceUsage>,
    /// The highest-pressure resource of any one namespace (a namespace at
    /// 100% is starved even when the tenant total is not).
    pub worst: Option<ResourceUsage>,
    pub worst_namespace: Option<String>,
}

/// Picks the constraint that binds: unscoped quotas apply to every pod, so
/// they win over scoped ones; among them the smallest hard, and on a tie the
/// one with more used.
fn binding_constraint<'a>(quotas: &[&'a QuotaInfo]) -> BTreeMap<String, (&'a QuotaInfo, &'a str)> {
    let mut best: BTreeMap<String, (&QuotaInfo, &str)> = BTreeMap::new();
    for q in quotas {
        for (resource, hard) in &q.hard {
            let key = canonical_resource(resource).to_string();
            let replace = match best.get(&key) {
                None => true,
                Some((cur, cur_res)) => {
                    let cur_hard = &cur.hard[*cur_res];
                    match (q.scoped, cur.scoped) {
                        (false, true) => true,
                        (true, false) => false,
                        _ => match hard.cmp(cur_hard) {
                            Ordering::Less => true,
                            Ordering::Greater => false,
                            Ordering::Equal => used_of(q, resource) > used_of(cur, cur_res),
                        },
                    }
                }
            };
            if replace {
                best.insert(key, (q, resource.as_str()));
            }
        }
    }
    best
}

fn used_of<'a>(q: &'a QuotaInfo, resource: &str) -> Option<&'a Quantity> {
    if q.status_filled {
        q.used.get(resource)
    } else {
        None
    }
}

pub fn namespace_quota(inv: &Inventory, ns: &str) -> NamespaceQuota {
    let quotas: Vec<&QuotaInfo> = inv.quotas_in(ns).collect();
    let access = access(inv, Kind::ResourceQuota, ns);
    let mut resources: Vec<ResourceUsage> = binding_constraint(&quotas)
        .into_iter()
        .map(|(key, (q, res))| {
            // Before the controller fills status, nothing is known to be used.
            let used = if q.status_filled {
                Some(q.used.get(res).cloned().unwrap_or_default())
            } else {
                None
            };
            ResourceUsage::new(key, used, q.hard[res].clone())
        })
        .collect();
    resources.sort_by(by_pressure);
    NamespaceQuota {
        namespace: ns.to_string(),
        resources,
        no_quota: quotas.is_empty() && access == Access::Readable,
        access,
        invalid: quotas
            .iter()
            .flat_map(|q| q.invalid.iter().map(|i| (q.name.clone(), i.clone())))
            .collect(),
    }
}

pub fn tenant_quota(inv: &Inventory, tenant: &Tenant) -> TenantQuota {
    let per_namespace: Vec<NamespaceQuota> = tenant
        .namespaces
        .iter()
        .map(|ns| namespace_quota(inv, ns))
        .collect();

    let mut totals: BTreeMap<&str, (Option<Quantity>, Quantity)> = BTreeMap::new();
    for nq in &per_namespace {
        for r in &nq.resources {
            let entry = totals.entry(r.resource.as_str()).or_insert_with(|| {
                (
                    Some(Quantity::zero()),
                    Quantity::from_nanos(0, r.hard.format()),
                )
            });
            entry.1 = entry.1.saturating_add(&r.hard);
            entry.0 = match (&entry.0, &r.used) {
                (Some(sum), Some(u)) => Some(sum.saturating_add(u)),
                _ => None,
            };
        }
    }
    let mut total: Vec<ResourceUsage> = totals
        .into_iter()
        .map(|(res, (used, hard))| {
            // Keep the hard value's unit family (e.g. Gi) for the sum.
            let used = used.map(|u| Quantity::from_nanos(u.nanos(), hard.format()));
            ResourceUsage::new(res.to_string(), used, hard)
        })
        .collect();
    total.sort_by(by_pressure);

    let mut worst: Option<(&str, &ResourceUsage)> = None;
    for nq in &per_namespace {
        if let Some(top) = nq.resources.first().filter(|r| r.ratio.is_some())
            && worst.is_none_or(|(_, w)| by_pressure(top, w) == Ordering::Less)
        {
            worst = Some((nq.namespace.as_str(), top));
        }
    }
    TenantQuota {
        worst: worst.map(|(_, r)| r.clone()),
        worst_namespace: worst.map(|(ns, _)| ns.to_string()),
        per_namespace,
        total,
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QosCounts {
    pub guaranteed: usize,
    pub burstable: usize,
    pub best_effort: usize,
}

impl QosCounts {
    pub fn add(&mut self, qos: QosClass) {
        match qos {
            QosClass::Guaranteed => self.guaranteed += 1,
            QosClass::Burstable => self.burstable += 1,
            QosClass::BestEffort => self.best_effort += 1,
        }
    }

    pub fn merge(&mut self, other: QosCounts) {
        self.guaranteed += other.guaranteed;
        self.burstable += other.burstable;
        self.best_effort += other.best_effort;
    }

    pub fn total(&self) -> usize {
        self.guaranteed + self.burstable + self.best_effort
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerRef {
    pub namespace: String,
    pub pod: String,
    pub container: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QosBreakdown {
    pub per_namespace: Vec<(String, QosCounts)>,
    pub total: QosCounts,
    pub containers_without_requests: Vec<ContainerRef>,
    /// Namespaces whose pods cannot be read: their zero counts mean unknown.
    pub unreadable: Vec<String>,
}

pub fn qos_breakdown(inv: &Inventory, tenant: &Tenant) -> QosBreakdown {
    let mut out = QosBreakdown::default();
    for ns in &tenant.namespaces {
        if access(inv, Kind::Pod, ns) == Access::NoAccess {
            out.unreadable.push(ns.clone());
        }
        let mut counts = QosCounts::default();
        for pod in inv.pods_in(ns) {
            counts.add(pod.qos);
            out.containers_without_requests
                .extend(
                    pod.containers_without_requests
                        .iter()
                        .map(|c| ContainerRef {
                            namespace: pod.namespace.clone(),
                            pod: pod.name.clone(),
                            container: c.clone(),
                        }),
                );
        }
        out.total.merge(counts);
        out.per_namespace.push((ns.clone(), counts));
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pressure {
    /// The namespace; for a quota object that spans namespaces, its own
    /// namespace (empty when cluster-scoped).
    pub namespace: String,
    pub resource: String,
    pub ratio: f64,
    /// Set when a quota object that spans namespaces is the tightest:
    /// "ClusterQueue team-a" (model/quota_objects.rs).
    pub object: Option<String>,
}

/// One line of the tenants list.
#[derive(Clone, Debug, PartialEq)]
pub struct TenantRow {
    pub id: TenantId,
    pub source: String,
    pub namespace_count: usize,
    pub pod_count: usize,
    pub worst_pressure: Option<Pressure>,
    pub qos: QosCounts,
    /// Namespaces whose pods or quotas cannot be read.
    pub no_access_namespaces: usize,
    /// Something of the tenant can be shown (or it has no namespaces).
    pub accessible: bool,
    /// Namespaces of this tenant that more than one resolver claims.
    pub conflicts: usize,
    /// Quota or LimitRange refusal events of the last hour (filled by the
    /// caller, which knows the time: `model::refusal::recent_refusals`).
    pub blocked: usize,
}

/// One line for a tenant found in several clusters (a fleet's list): the
/// counts added, the tightest quota of any, what any notes. The source is
/// the first row's when they agree, else "mixed". None when `rows` is
/// empty.
pub fn merge_rows(rows: &[&TenantRow]) -> Option<TenantRow> {
    let (first, rest) = rows.split_first()?;
    let mut out = (*first).clone();
    for row in rest {
        out.namespace_count += row.namespace_count;
        out.pod_count += row.pod_count;
        out.qos.guaranteed += row.qos.guaranteed;
        out.qos.burstable += row.qos.burstable;
        out.qos.best_effort += row.qos.best_effort;
        out.no_access_namespaces += row.no_access_namespaces;
        out.accessible |= row.accessible;
        out.conflicts += row.conflicts;
        out.blocked += row.blocked;
        if row.source != out.source {
            out.source = "mixed".into();
        }
        let tighter = match (&out.worst_pressure, &row.worst_pressure) {
            (Some(a), Some(b)) => b.ratio > a.ratio,
            (None, Some(_)) => true,
            _ => false,
        };
        if tighter {
            out.worst_pressure = row.worst_pressure.clone();
        }
    }
    Some(out)
}

/// Rows in the resolution's order (by tenant id). One pass over each
/// tenant's namespaces with range scans, so O(objects) in total.
pub fn tenant_rows(inv: &Inventory, resolution: &Resolution) -> Vec<TenantRow> {
    let mut spanning = super::quota_objects::quota_objects_by_tenant(inv, resolution);
    resolution
        .tenants
        .iter()
        .map(|t| {
            tenant_row(
                inv,
                resolution,
                t,
                spanning.remove(&t.id).unwrap_or_default(),
            )
        })
        .collect()
}

/// One tenant's row: O(its objects), so a change in one namespace costs
/// one tenant's row, not the list (ARCHITECTURE.md §9).
/// `spanning`: the tenant's quota objects that span namespaces
/// (`quota_objects::quota_objects_by_tenant`).
pub fn tenant_row(
    inv: &Inventory,
    resolution: &Resolution,
    t: &Tenant,
    spanning: Vec<super::quota_objects::QuotaObjectView>,
) -> TenantRow {
    let mut row = TenantRow {
        id: t.id.clone(),
        source: t.source.clone(),
        namespace_count: t.namespaces.len(),
        pod_count: 0,
        worst_pressure: None,
        qos: QosCounts::default(),
        no_access_namespaces: 0,
        accessible: t.namespaces.is_empty(),
        conflicts: resolution
            .conflicts
            .iter()
            .filter(|c| c.assigned.tenant == t.id)
            .count(),
        blocked: 0,
    };
    let mut worst: Option<ResourceUsage> = None;
    for ns in &t.namespaces {
        let pods = access(inv, Kind::Pod, ns);
        let quotas = access(inv, Kind::ResourceQuota, ns);
        if pods == Access::NoAccess || quotas == Access::NoAccess {
            row.no_access_namespaces += 1;
        }
        if pods != Access::NoAccess || quotas != Access::NoAccess {
            row.accessible = true;
        }
        for pod in inv.pods_in(ns) {
            row.pod_count += 1;
            row.qos.add(pod.qos);
        }
        let nq = namespace_quota(inv, ns);
        if let Some(top) = nq
            .resources
            .into_iter()
            .next()
            .filter(|r| r.ratio.is_some())
            && worst
                .as_ref()
                .is_none_or(|w| by_pressure(&top, w) == Ordering::Less)
        {
            row.worst_pressure = top.ratio.map(|ratio| Pressure {
                namespace: ns.clone(),
                resource: top.resource.clone(),
                ratio,
                object: None,
            });
            worst = Some(top);
        }
    }
    for object in spanning {
        if let Some(top) = object.resources.first().filter(|r| r.ratio.is_some())
            && worst
                .as_ref()
                .is_none_or(|w| by_pressure(top, w) == Ordering::Less)
        {
            row.worst_pressure = top.ratio.map(|ratio| Pressure {
                namespace: object.namespace.clone().unwrap_or_default(),
                resource: top.resource.clone(),
                ratio,
                object: Some(object.label()),
            });
            worst = Some(top.clone());
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::inventory::tests::{ns, pod};
    use crate::model::inventory::{Change, Object, Scope};
    use crate::model::quantity::parse_quantity;
    use crate::model::tenant::{ResolverKind, resolve_inventory};

    fn q(s: &str) -> Quantity {
        parse_quantity(s).unwrap()
    }

    fn quota(
        namespace: &str,
        name: &str,
        hard: &[(&str, &str)],
        used: Option<&[(&str, &str)]>,
    ) -> QuotaInfo {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, Quantity> {
            pairs.iter().map(|(k, v)| (k.to_string(), q(v))).collect()
        };
        QuotaInfo {
            namespace: namespace.into(),
            name: name.into(),
            hard: map(hard),
            used: used.map(map).unwrap_or_default(),
            status_filled: used.is_some(),
            spec_hard: map(hard),
            scoped: false,
            invalid: Vec::new(),
            template: None,
        }
    }

    fn tenant(id: &str, nss: &[&str]) -> Tenant {
        Tenant {
            id: TenantId::new(id),
            source: "label".into(),
            namespaces: nss.iter().map(|s| s.to_string()).collect(),
            owners: Vec::new(),
        }
    }

    fn synced(inv: &mut Inventory) {
        inv.set_sync(Kind::Pod, Scope::Cluster, SyncState::Synced);
        inv.set_sync(Kind::ResourceQuota, Scope::Cluster, SyncState::Synced);
    }

    fn add(inv: &mut Inventory, obj: Object) {
        inv.apply(Change::Applied(obj));
    }

    #[test]
    fn storage_class_keys_split_and_others_do_not() {
        assert_eq!(
            storage_class_of("gold.storageclass.storage.k8s.io/requests.storage"),
            Some(("gold", "requests.storage"))
        );
        assert_eq!(
            storage_class_of("fast-ssd.storageclass.storage.k8s.io/persistentvolumeclaims"),
            Some(("fast-ssd", "persistentvolumeclaims"))
        );
        for other in [
            "requests.storage",
            "requests.nvidia.com/gpu",
            ".storageclass.storage.k8s.io/requests.storage",
            "gold.storageclass.storage.k8s.io/",
        ] {
            assert_eq!(storage_class_of(other), None, "{other}");
        }
    }

    #[test]
    fn extended_resources_count_in_totals_and_pressure_like_cpu() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        add(&mut inv, Object::Namespace(ns("a", &[])));
        add(&mut inv, Object::Namespace(ns("b", &[])));
        add(
            &mut inv,
            Object::ResourceQuota(quota(
                "a",
                "gpu",
                &[("requests.nvidia.com/gpu", "4"), ("requests.cpu", "10")],
                Some(&[("requests.nvidia.com/gpu", "3"), ("requests.cpu", "1")]),
            )),
        );
        add(
            &mut inv,
            Object::ResourceQuota(quota(
                "b",
                "mig",
                &[
                    ("requests.nvidia.com/mig-1g.10gb", "2"),
                    ("requests.nvidia.com/gpu", "4"),
                ],
                Some(&[
                    ("requests.nvidia.com/mig-1g.10gb", "2"),
                    ("requests.nvidia.com/gpu", "1"),
                ]),
            )),
        );
        let t = tenant("t", &["a", "b"]);
        let tq = tenant_quota(&inv, &t);
        let gpu = tq
            .total
            .iter()
            .find(|u| u.resource == "requests.nvidia.com/gpu")
            .expect("gpu total");
        assert_eq!(gpu.used, Some(q("4")));
        assert_eq!(gpu.hard, q("8"));
        assert_eq!(tq.total[0].resource, "requests.nvidia.com/mig-1g.10gb");
        assert_eq!(tq.worst_namespace.as_deref(), Some("b"));
    }

    #[test]
    fn tightest_quota_binds_and_aliases_merge() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        add(
            &mut inv,
            Object::ResourceQuota(quota(
                "a",
                "wide",
                &[("cpu", "10"), ("pods", "50")],
                Some(&[("cpu", "3"), ("pods", "10")]),
            )),
        );
        add(
            &mut inv,
            Object::ResourceQuota(quota(
                "a",
                "tight",
                &[("requests.cpu", "4")],
                Some(&[("requests.cpu", "3")]),
            )),
        );
        let nq = namespace_quota(&inv, "a");
        assert!(!nq.no_quota);
        assert_eq!(nq.resources.len(), 2);
        assert_eq!(nq.resources[0].resource, "requests.cpu");
        assert_eq!(nq.resources[0].hard, q("4"));
        assert_eq!(nq.resources[0].ratio, Some(0.75));
        assert_eq!(nq.resources[1].resource, "pods");
        assert_eq!(nq.resources[1].ratio, Some(0.2));
    }

    #[test]
    fn unscoped_quota_binds_over_scoped() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        let mut scoped = quota("a", "besteffort", &[("pods", "1")], Some(&[("pods", "0")]));
        scoped.scoped = true;
        add(&mut inv, Object::ResourceQuota(scoped));
        add(
            &mut inv,
            Object::ResourceQuota(quota("a", "all", &[("pods", "10")], Some(&[("pods", "5")]))),
        );
        let nq = namespace_quota(&inv, "a");
        assert_eq!(nq.resources[0].hard, q("10"));
    }

    #[test]
    fn no_quota_versus_no_access() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        let nq = namespace_quota(&inv, "empty");
        assert!(nq.no_quota);
        assert_eq!(nq.access, Access::Readable);

        let mut restricted = Inventory::new();
        restricted.set_sync(
            Kind::ResourceQuota,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        let nq = namespace_quota(&restricted, "x");
        assert!(!nq.no_quota);
        assert_eq!(nq.access, Access::NoAccess);

        let mut loading = Inventory::new();
        loading.set_sync(
            Kind::ResourceQuota,
            Scope::Cluster,
            SyncState::Loading { seen: 0 },
        );
        assert_eq!(namespace_quota(&loading, "x").access, Access::Loading);
    }

    #[test]
    fn unfilled_status_has_unknown_usage() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        add(
            &mut inv,
            Object::ResourceQuota(quota("a", "new", &[("pods", "10")], None)),
        );
        let nq = namespace_quota(&inv, "a");
        assert_eq!(nq.resources[0].used, None);
        assert_eq!(nq.resources[0].ratio, None);
    }

    #[test]
    fn tenant_totals_and_worst() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        add(
            &mut inv,
            Object::ResourceQuota(quota(
                "a",
                "q",
                &[("requests.memory", "1Gi"), ("pods", "10")],
                Some(&[("requests.memory", "512Mi"), ("pods", "9")]),
            )),
        );
        add(
            &mut inv,
            Object::ResourceQuota(quota(
                "b",
                "q",
                &[("requests.memory", "1Gi")],
                Some(&[("requests.memory", "256Mi")]),
            )),
        );
        let tq = tenant_quota(&inv, &tenant("t", &["a", "b", "c"]));
        assert_eq!(tq.per_namespace.len(), 3);
        assert!(tq.per_namespace[2].no_quota);
        let mem = tq
            .total
            .iter()
            .find(|r| r.resource == "requests.memory")
            .unwrap();
        assert_eq!(mem.hard, q("2Gi"));
        assert_eq!(mem.used, Some(q("768Mi")));
        assert_eq!(mem.used.as_ref().unwrap().to_string(), "768Mi");
        assert_eq!(mem.ratio, Some(0.375));
        assert_eq!(tq.total[0].resource, "pods");
        let worst = tq.worst.unwrap();
        assert_eq!((worst.resource.as_str(), worst.ratio), ("pods", Some(0.9)));
        assert_eq!(tq.worst_namespace.as_deref(), Some("a"));
    }

    #[test]
    fn total_used_unknown_when_any_namespace_unknown() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        add(
            &mut inv,
            Object::ResourceQuota(quota("a", "q", &[("pods", "10")], Some(&[("pods", "1")]))),
        );
        add(
            &mut inv,
            Object::ResourceQuota(quota("b", "q", &[("pods", "10")], None)),
        );
        let tq = tenant_quota(&inv, &tenant("t", &["a", "b"]));
        assert_eq!(tq.total[0].hard, q("20"));
        assert_eq!(tq.total[0].used, None);
        assert_eq!(tq.worst_namespace.as_deref(), Some("a"));
    }

    #[test]
    fn invalid_quantities_are_reported() {
        use crate::model::projection::{InvalidQuantity, QuotaField};
        let mut inv = Inventory::new();
        synced(&mut inv);
        let mut bad = quota("a", "q", &[], Some(&[]));
        bad.invalid.push(InvalidQuantity {
            field: QuotaField::StatusHard,
            resource: "pods".into(),
            raw: "lots".into(),
            error: parse_quantity("lots").unwrap_err(),
        });
        add(&mut inv, Object::ResourceQuota(bad));
        let nq = namespace_quota(&inv, "a");
        assert_eq!(nq.invalid.len(), 1);
        assert_eq!(nq.invalid[0].0, "q");
    }

    #[test]
    fn qos_breakdown_counts_and_missing_requests() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        let mut p = pod("a", "web", QosClass::BestEffort);
        p.containers_without_requests = vec!["nginx".into(), "init".into()];
        add(&mut inv, Object::Pod(p));
        add(&mut inv, Object::Pod(pod("a", "db", QosClass::Guaranteed)));
        add(&mut inv, Object::Pod(pod("b", "job", QosClass::Burstable)));
        add(
            &mut inv,
            Object::Pod(pod("other", "x", QosClass::BestEffort)),
        );
        let qb = qos_breakdown(&inv, &tenant("t", &["a", "b"]));
        assert_eq!(
            qb.total,
            QosCounts {
                guaranteed: 1,
                burstable: 1,
                best_effort: 1
            }
        );
        assert_eq!(qb.total.total(), 3);
        assert_eq!(
            qb.per_namespace[0],
            (
                "a".to_string(),
                QosCounts {
                    guaranteed: 1,
                    burstable: 0,
                    best_effort: 1
                }
            )
        );
        assert_eq!(qb.containers_without_requests.len(), 2);
        assert_eq!(
            qb.containers_without_requests[0],
            ContainerRef {
                namespace: "a".into(),
                pod: "web".into(),
                container: "nginx".into()
            }
        );
        assert!(qb.unreadable.is_empty());
    }

    #[test]
    fn qos_breakdown_marks_unreadable_namespaces() {
        let mut inv = Inventory::new();
        inv.set_sync(
            Kind::Pod,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        inv.set_sync(
            Kind::Pod,
            Scope::Namespace("mine".into()),
            SyncState::Synced,
        );
        let qb = qos_breakdown(&inv, &tenant("t", &["mine", "theirs"]));
        assert_eq!(qb.unreadable, vec!["theirs"]);
    }

    #[test]
    fn tenant_rows_summarise_each_tenant() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        inv.set_sync(Kind::Namespace, Scope::Cluster, SyncState::Synced);
        for (name, t) in [("a1", "acme"), ("a2", "acme"), ("b1", "beta")] {
            add(
                &mut inv,
                Object::Namespace(ns(name, &[("tenantry.dev/tenant", t)])),
            );
        }
        add(&mut inv, Object::Namespace(ns("loose", &[])));
        add(&mut inv, Object::Pod(pod("a1", "p1", QosClass::Guaranteed)));
        add(&mut inv, Object::Pod(pod("a2", "p2", QosClass::BestEffort)));
        add(&mut inv, Object::Pod(pod("a2", "p3", QosClass::Burstable)));
        add(
            &mut inv,
            Object::Pod(pod("loose", "p4", QosClass::Burstable)),
        );
        add(
            &mut inv,
            Object::ResourceQuota(quota("a1", "q", &[("pods", "4")], Some(&[("pods", "1")]))),
        );
        add(
            &mut inv,
            Object::ResourceQuota(quota(
                "a2",
                "q",
                &[("pods", "4"), ("requests.cpu", "1")],
                Some(&[("pods", "2"), ("requests.cpu", "900m")]),
            )),
        );
        let res = resolve_inventory(&inv, &ResolverKind::default_order(), &[]);
        let rows = tenant_rows(&inv, &res);
        assert_eq!(rows.len(), 2);
        let acme = &rows[0];
        assert_eq!(acme.id, TenantId::new("acme"));
        assert_eq!((acme.namespace_count, acme.pod_count), (2, 3));
        assert_eq!(
            acme.qos,
            QosCounts {
                guaranteed: 1,
                burstable: 1,
                best_effort: 1
            }
        );
        let w = acme.worst_pressure.as_ref().unwrap();
        assert_eq!(
            (w.namespace.as_str(), w.resource.as_str(), w.ratio),
            ("a2", "requests.cpu", 0.9)
        );
        assert!(acme.accessible);
        assert_eq!(acme.no_access_namespaces, 0);
        let beta = &rows[1];
        assert_eq!(beta.pod_count, 0);
        assert_eq!(beta.worst_pressure, None);
    }

    #[test]
    fn tenant_rows_for_restricted_user() {
        let mut inv = Inventory::new();
        let denied = SyncState::NoAccess {
            reason: "forbidden".into(),
        };
        inv.set_sync(Kind::Pod, Scope::Cluster, denied.clone());
        inv.set_sync(Kind::ResourceQuota, Scope::Cluster, denied);
        inv.set_sync(
            Kind::Pod,
            Scope::Namespace("acme-dev".into()),
            SyncState::Synced,
        );
        inv.set_sync(
            Kind::ResourceQuota,
            Scope::Namespace("acme-dev".into()),
            SyncState::Synced,
        );
        add(
            &mut inv,
            Object::Pod(pod("acme-dev", "p", QosClass::Burstable)),
        );
        let extra = vec![
            (
                TenantId::new("acme"),
                vec!["acme-dev".to_string(), "acme-prod".to_string()],
            ),
            (TenantId::new("other"), vec!["other-ns".to_string()]),
        ];
        let res = resolve_inventory(&inv, &ResolverKind::default_order(), &extra);
        let rows = tenant_rows(&inv, &res);
        assert_eq!(rows[0].pod_count, 1);
        assert_eq!(rows[0].no_access_namespaces, 1);
        assert!(rows[0].accessible);
        assert_eq!(rows[0].source, "config");
        assert_eq!(rows[1].no_access_namespaces, 1);
        assert!(!rows[1].accessible);
    }

    #[test]
    fn tenant_rows_count_conflicts() {
        let mut inv = Inventory::new();
        synced(&mut inv);
        add(
            &mut inv,
            Object::Namespace(ns(
                "x",
                &[("tenantry.dev/tenant", "acme"), ("kiosk.sh/account", "k")],
            )),
        );
        let res = resolve_inventory(&inv, &ResolverKind::default_order(), &[]);
        let rows = tenant_rows(&inv, &res);
        assert_eq!(rows[0].conflicts, 1);
    }

    #[test]
    fn tier_m_shaped_inventory_is_linear() {
        // Not a timing test (ARCHITECTURE.md §9): checks the per-namespace paths give
        // the same answers as a full scan at tier-M shape.
        let mut inv = Inventory::new();
        synced(&mut inv);
        let mut objects = Vec::new();
        for n in 0..1000 {
            let name = format!("ns-{n:04}");
            objects.push(Object::Namespace(ns(
                &name,
                &[("tenantry.dev/tenant", &format!("t{:03}", n % 300))],
            )));
            for p in 0..15 {
                objects.push(Object::Pod(pod(
                    &name,
                    &format!("p{p}"),
                    QosClass::Burstable,
                )));
            }
            objects.push(Object::ResourceQuota(quota(
                &name,
                "q",
                &[("pods", "20")],
                Some(&[("pods", "15")]),
            )));
        }
        let (mut nss, mut rest): (Vec<_>, Vec<_>) = objects
            .into_iter()
            .partition(|o| o.kind() == Kind::Namespace);
        inv.apply(Change::Replaced {
            kind: Kind::Namespace,
            scope: Scope::Cluster,
            objects: std::mem::take(&mut nss),
        });
        let pods: Vec<_> = rest.extract_if(.., |o| o.kind() == Kind::Pod).collect();
        inv.apply(Change::Replaced {
            kind: Kind::Pod,
            scope: Scope::Cluster,
            objects: pods,
        });
        inv.apply(Change::Replaced {
            kind: Kind::ResourceQuota,
            scope: Scope::Cluster,
            objects: rest,
        });
        let res = resolve_inventory(&inv, &ResolverKind::default_order(), &[]);
        assert_eq!(res.tenants.len(), 300);
        let rows = tenant_rows(&inv, &res);
        assert_eq!(rows.iter().map(|r| r.pod_count).sum::<usize>(), 15_000);
        assert!(
            rows.iter()
                .all(|r| r.worst_pressure.as_ref().is_some_and(|p| p.ratio == 0.75))
        );
    }
}
