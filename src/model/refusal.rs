//! Why a tenant's workloads are refused: the refusal events of its
//! namespaces (`projection/event.rs`), one row per workload, refusing
//! object and resource, with requested against remaining, how many times
//! and when last; and the Kueue workloads that wait for quota
//! (`projection/kueue_workload.rs`), refused by the ClusterQueue their
//! LocalQueue leads to.

use std::collections::BTreeMap;

use super::inventory::{Inventory, Kind};
use super::projection::{RefusalCause, WorkloadInfo};
use super::quantity::Quantity;
use super::tenant::Tenant;

/// Refusals newer than this make a tenant "blocked" in the tenants list.
pub const BLOCKED_WITHIN_SECS: i64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefusalSource {
    /// A controller's `FailedCreate` event.
    Event,
    /// A Kueue `Workload` whose quota is not reserved.
    Kueue,
}

impl RefusalSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalSource::Event => "event",
            RefusalSource::Kueue => "kueue",
        }
    }
}

/// What a refusal row says about the resource; text comes from the
/// cluster (callers sanitize).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefusalDetail {
    /// A quota had too little left.
    Quota {
        requested: Option<Quantity>,
        remaining: Option<Quantity>,
        used: Option<Quantity>,
        limited: Option<Quantity>,
        /// `requested/used/limited` as the message wrote them.
        raw: [String; 3],
    },
    /// The pod lacks a request or limit the quota counts.
    MissingRequest,
    /// A LimitRange bound: allowed value and what the pod asked for.
    Limit {
        bound: String,
        per: String,
        allowed: String,
        actual: String,
    },
    /// Kueue found too little quota for a pod set in a flavor.
    Queue {
        pod_set: String,
        flavor: String,
        /// "N more needed": what others hold that the pod set would need.
        needed: Option<Quantity>,
        /// The pod set's request, from the message or its pods' requests.
        requested: Option<Quantity>,
        /// The most the queue could ever give it, when the request is over.
        capacity: Option<Quantity>,
    },
    /// A message tenantry could not read, whole.
    Unparsed(String),
}

/// One row: a workload refused by one object on one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub source: RefusalSource,
    pub namespace: String,
    /// `ReplicaSet/web-5d8` (the involved object).
    pub workload: String,
    /// `ResourceQuota compute`, `LimitRange limits` (or `LimitRange` when
    /// the namespace has several and the message does not say which);
    /// empty when unknown.
    pub refused_by: String,
    /// Empty for an unparsed message.
    pub resource: String,
    pub detail: RefusalDetail,
    pub count: u64,
    /// Unix seconds of the last occurrence.
    pub last: Option<i64>,
}

impl Refusal {
    /// Refused within the hour; a Kueue workload that still waits is
    /// refused now, however long ago its condition changed.
    pub fn is_recent(&self, now: i64) -> bool {
        self.source == RefusalSource::Kueue
            || self
                .last
                .is_some_and(|last| now.saturating_sub(last) <= BLOCKED_WITHIN_SECS)
    }
}

type Key = (String, String, String, String, String);

/// Every refusal of the tenant's readable namespaces, newest first.
pub fn tenant_refusals(inv: &Inventory, tenant: &Tenant) -> Vec<Refusal> {
    let mut rows: BTreeMap<Key, Refusal> = BTreeMap::new();
    for ns in &tenant.namespaces {
        let limit_ranges: Vec<&str> = inv.limit_ranges_in(ns).map(|l| l.name.as_str()).collect();
        let limit_range = match limit_ranges.as_slice() {
            [one] => format!("LimitRange {one}"),
            _ => "LimitRange".to_string(),
        };
        for event in inv.refusal_events_in(ns) {
            let workload = format!("{}/{}", event.workload_kind, event.workload);
            let mut add = |refused_by: String, resource: String, detail: RefusalDetail| {
                let key = (
                    ns.clone(),
                    workload.clone(),
                    refused_by.clone(),
                    resource.clone(),
                    match &detail {
                        RefusalDetail::Unparsed(m) => m.clone(),
                        _ => String::new(),
                    },
                );
                let row = rows.entry(key).or_insert_with(|| Refusal {
                    source: RefusalSource::Event,
                    namespace: ns.clone(),
                    workload: workload.clone(),
                    refused_by,
                    resource,
                    detail: detail.clone(),
                    count: 0,
                    last: None,
                });
                row.count = row.count.saturating_add(u64::from(event.count));
                // The newest event's figures are the ones that hold now.
                if event.last >= row.last {
                    row.last = event.last;
                    row.detail = detail;
                }
            };
            match &event.cause {
                RefusalCause::Quota { quota, shortfalls } => {
                    for s in shortfalls {
                        add(
                            format!("ResourceQuota {quota}"),
                            s.resource.clone(),
                            RefusalDetail::Quota {
                                requested: s.requested.clone(),
                                remaining: s.remaining(),
                                used: s.used.clone(),
                                limited: s.limited.clone(),
                                raw: s.raw.clone(),
                            },
                        );
                    }
                }
                RefusalCause::QuotaMissing { quota, resources } => {
                    for r in resources {
                        add(
                            format!("ResourceQuota {quota}"),
                            r.clone(),
                            RefusalDetail::MissingRequest,
                        );
                    }
                }
                RefusalCause::LimitRange { violations } => {
                    for v in violations {
                        add(
                            limit_range.clone(),
                            v.resource.clone(),
                            RefusalDetail::Limit {
                                bound: v.bound.clone(),
                                per: v.per.clone(),
                                allowed: v.allowed.clone(),
                                actual: v.actual.clone(),
                            },
                        );
                    }
                }
                RefusalCause::Unparsed { message } => add(
                    String::new(),
                    String::new(),
                    RefusalDetail::Unparsed(message.clone()),
                ),
                RefusalCause::Other => {}
            }
        }
    }
    for ns in &tenant.namespaces {
        for workload in inv.pending_workloads_in(ns) {
            for refusal in workload_refusals(inv, workload) {
                let key = (
                    ns.clone(),
                    refusal.workload.clone(),
                    refusal.refused_by.clone(),
                    refusal.resource.clone(),
                    match &refusal.detail {
                        RefusalDetail::Queue {
                            pod_set, flavor, ..
                        } => format!("{pod_set}/{flavor}"),
                        RefusalDetail::Unparsed(m) => m.clone(),
                        _ => String::new(),
                    },
                );
                rows.entry(key).or_insert(refusal);
            }
        }
    }
    let mut out: Vec<Refusal> = rows.into_values().collect();
    out.sort_by(|a, b| {
        b.last
            .cmp(&a.last)
            .then_with(|| a.namespace.cmp(&b.namespace))
            .then_with(|| a.workload.cmp(&b.workload))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    out
}

/// The rows of one pending workload: one per shortfall its condition
/// names, or one with the message whole. The ClusterQueue is found through
/// the LocalQueue of the workload's namespace that it names.
fn workload_refusals(inv: &Inventory, workload: &WorkloadInfo) -> Vec<Refusal> {
    let Some(pending) = &workload.pending else {
        return Vec::new();
    };
    let refused_by = match inv
        .local_queues_in(&workload.namespace)
        .find(|lq| lq.name == workload.queue_name)
    {
        Some(lq) if !lq.cluster_queue.is_empty() => format!("ClusterQueue {}", lq.cluster_queue),
        _ if workload.queue_name.is_empty() => String::new(),
        _ => format!("LocalQueue {}", workload.queue_name),
    };
    let row = |resource: String, detail: RefusalDetail| Refusal {
        source: RefusalSource::Kueue,
        namespace: workload.namespace.clone(),
        workload: format!("Workload/{}", workload.name),
        refused_by: refused_by.clone(),
        resource,
        detail,
        count: 1,
        last: pending.since,
    };
    let mut rows: Vec<Refusal> = pending
        .shortfalls
        .iter()
        .map(|s| {
            let requested = s.requested.clone().or_else(|| {
                // A message without the pod set's name speaks of the only one.
                let pod_set = match (s.pod_set.as_str(), workload.pod_sets.as_slice()) {
                    ("", [only]) => only.name.as_str(),
                    (name, _) => name,
                };
                workload.requested(pod_set, &s.resource).cloned()
            });
            row(
                s.resource.clone(),
                RefusalDetail::Queue {
                    pod_set: s.pod_set.clone(),
                    flavor: s.flavor.clone(),
                    needed: s.needed.clone(),
                    requested,
                    capacity: s.capacity.clone(),
                },
            )
        })
        .collect();
    if rows.is_empty() {
        let message = pending.unparsed.clone().unwrap_or_default();
        let message = if message.is_empty() {
            format!("waiting for quota ({})", pending.reason)
        } else {
            message
        };
        rows.push(row(String::new(), RefusalDetail::Unparsed(message)));
    }
    rows
}

/// Refusals of the tenant within the last hour before `now`, and Kueue
/// workloads that wait for quota (the tenants list's "blocked" mark).
pub fn recent_refusals(inv: &Inventory, tenant: &Tenant, now: i64) -> usize {
    let events = tenant
        .namespaces
        .iter()
        .flat_map(|ns| inv.refusal_events_in(ns))
        .filter(|e| e.cause != RefusalCause::Other)
        .filter(|e| {
            e.last
                .is_some_and(|l| now.saturating_sub(l) <= BLOCKED_WITHIN_SECS)
        })
        .count();
    let workloads = tenant
        .namespaces
        .iter()
        .map(|ns| inv.pending_workloads_in(ns).count())
        .sum::<usize>();
    events + workloads
}

/// The tenant's namespaces whose refusal events cannot be read.
pub fn unreadable_namespaces<'a>(inv: &Inventory, tenant: &'a Tenant) -> Vec<&'a str> {
    tenant
        .namespaces
        .iter()
        .filter(|ns| !inv.is_readable(Kind::Event, ns))
        .map(String::as_str)
        .collect()
}

/// `3m ago`, `2h ago`, `just now`, for a time `secs` before now.
pub fn ago(now: i64, then: Option<i64>) -> String {
    let Some(then) = then else {
        return "?".into();
    };
    let secs = now.saturating_sub(then).max(0);
    match secs {
        0..60 => "just now".into(),
        60..3600 => format!("{}m ago", secs / 60),
        3600..86_400 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::inventory::{Change, Object, Scope, SyncState};
    use crate::model::projection::{RefusalEvent, parse_refusal};
    use crate::model::tenant::TenantId;

    fn event(ns: &str, name: &str, rs: &str, count: u32, last: i64, message: &str) -> Object {
        Object::Event(RefusalEvent {
            namespace: ns.into(),
            name: name.into(),
            workload_kind: "ReplicaSet".into(),
            workload: rs.into(),
            count,
            last: Some(last),
            cause: parse_refusal(message),
        })
    }

    fn tenant(nss: &[&str]) -> Tenant {
        Tenant {
            id: TenantId::new("acme"),
            source: "label".into(),
            namespaces: nss.iter().map(|s| s.to_string()).collect(),
            owners: Vec::new(),
        }
    }

    const CPU: &str = "exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=2, limited: requests.cpu=2";

    #[test]
    fn events_of_one_workload_merge_and_the_newest_figures_win() {
        let mut inv = Inventory::new();
        inv.set_sync(Kind::Event, Scope::Cluster, SyncState::Synced);
        inv.apply(Change::Applied(event("a", "e1", "web", 3, 100, "exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1, limited: requests.cpu=2")));
        inv.apply(Change::Applied(event("a", "e2", "web", 4, 200, CPU)));
        inv.apply(Change::Applied(event(
            "b",
            "e3",
            "job",
            1,
            150,
            "maximum cpu usage per Container is 1, but limit is 2",
        )));
        inv.apply(Change::Applied(event(
            "a",
            "e4",
            "web",
            1,
            50,
            "pods \"x\" is forbidden: violates PodSecurity",
        )));
        inv.apply(Change::Applied(event("c", "e5", "other", 1, 300, CPU)));
        let rows = tenant_refusals(&inv, &tenant(&["a", "b"]));
        assert_eq!(rows.len(), 2, "{rows:?}");
        let web = &rows[0];
        assert_eq!(web.workload, "ReplicaSet/web");
        assert_eq!(web.refused_by, "ResourceQuota compute");
        assert_eq!(web.count, 7);
        assert_eq!(web.last, Some(200));
        let RefusalDetail::Quota {
            remaining,
            requested,
            ..
        } = &web.detail
        else {
            panic!("{web:?}");
        };
        assert_eq!(remaining.as_ref().map(Quantity::nanos), Some(0));
        assert_eq!(requested.as_ref().map(Quantity::nanos), Some(500_000_000));
        assert_eq!(rows[1].refused_by, "LimitRange");
        // Events (not rows) of the last hour: e2 (200) and e3 (150).
        assert_eq!(recent_refusals(&inv, &tenant(&["a", "b"]), 150 + 3600), 2);
        assert_eq!(recent_refusals(&inv, &tenant(&["a", "b"]), 200 + 3600), 1);
        assert_eq!(recent_refusals(&inv, &tenant(&["a", "b"]), 201 + 3600), 0);
        assert!(web.is_recent(3800) && !web.is_recent(3801));
    }

    #[test]
    fn a_flood_of_events_is_bounded_per_namespace() {
        let mut inv = Inventory::new();
        for i in 0..1000 {
            inv.apply(Change::Applied(event(
                "a",
                &format!("e{i:04}"),
                "web",
                1,
                i,
                CPU,
            )));
        }
        assert_eq!(
            inv.count(Kind::Event),
            crate::model::inventory::MAX_REFUSAL_EVENTS
        );
        // The newest were kept.
        let oldest = inv.refusal_events_in("a").filter_map(|e| e.last).min();
        assert_eq!(
            oldest,
            Some(1000 - crate::model::inventory::MAX_REFUSAL_EVENTS as i64)
        );
    }

    fn workload(ns: &str, name: &str, queue: &str, since: i64, message: &str) -> Object {
        let obj: kube::core::DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"queueName": queue, "podSets": [{"name": "main", "count": 2,
                "template": {"spec": {"containers": [
                    {"name": "c", "resources": {"requests": {"cpu": "3"}}}]}}}]},
            "status": {"conditions": [{"type": "QuotaReserved", "status": "False",
                "reason": "Pending", "message": message,
                "lastTransitionTime": k8s_openapi::jiff::Timestamp::from_second(since).expect("a time").to_string()}]}}))
        .expect("a workload");
        Object::KueueWorkload(Box::new(
            crate::model::projection::WorkloadInfo::from_dynamic(&obj),
        ))
    }

    const SHORT: &str = "couldn't assign flavors to pod set main: insufficient unused quota \
                         for cpu in flavor default, 2 more needed";

    #[test]
    fn a_pending_kueue_workload_is_refused_by_its_local_queues_cluster_queue() {
        let mut inv = Inventory::new();
        inv.apply(Change::Applied(Object::KueueLocalQueue(
            crate::model::projection::LocalQueueInfo {
                namespace: "a".into(),
                name: "main".into(),
                cluster_queue: "team-cq".into(),
                ..Default::default()
            },
        )));
        inv.apply(Change::Applied(workload("a", "job-1", "main", 100, SHORT)));
        inv.apply(Change::Applied(workload(
            "b",
            "job-2",
            "gone",
            50,
            "\u{1b}[2Jsomething new",
        )));
        inv.apply(Change::Applied(workload("c", "job-3", "main", 100, SHORT)));
        let rows = tenant_refusals(&inv, &tenant(&["a", "b"]));
        assert_eq!(rows.len(), 2, "{rows:?}");
        let job = &rows[0];
        assert_eq!(job.source, RefusalSource::Kueue);
        assert_eq!(job.workload, "Workload/job-1");
        assert_eq!(job.refused_by, "ClusterQueue team-cq");
        assert_eq!(job.resource, "cpu");
        assert_eq!((job.count, job.last), (1, Some(100)));
        let RefusalDetail::Queue {
            flavor,
            needed,
            requested,
            ..
        } = &job.detail
        else {
            panic!("{job:?}");
        };
        assert_eq!(flavor, "default");
        assert_eq!(needed.as_ref().map(Quantity::nanos), Some(2_000_000_000));
        // 3 cpu × 2 pods, from the pod set.
        assert_eq!(requested.as_ref().map(Quantity::nanos), Some(6_000_000_000));
        // No such LocalQueue: said so; the message is kept whole.
        assert_eq!(rows[1].refused_by, "LocalQueue gone");
        assert_eq!(
            rows[1].detail,
            RefusalDetail::Unparsed("\u{1b}[2Jsomething new".into())
        );
        // Still waiting is blocked now, however old the condition.
        assert!(job.is_recent(100 + 10 * BLOCKED_WITHIN_SECS));
        assert_eq!(recent_refusals(&inv, &tenant(&["a", "b"]), 1_000_000), 2);
        // Once quota is reserved, the workload is no refusal.
        let obj: kube::core::DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
            "metadata": {"name": "job-1", "namespace": "a"},
            "spec": {"queueName": "main"},
            "status": {"conditions": [{"type": "QuotaReserved", "status": "True",
                "reason": "QuotaReserved", "message": ""}]}}))
        .expect("a workload");
        inv.apply(Change::Applied(Object::KueueWorkload(Box::new(
            crate::model::projection::WorkloadInfo::from_dynamic(&obj),
        ))));
        assert_eq!(tenant_refusals(&inv, &tenant(&["a"])), Vec::new());
    }

    #[test]
    fn pending_workloads_are_bounded_per_namespace() {
        let mut inv = Inventory::new();
        for i in 0..300 {
            inv.apply(Change::Applied(workload(
                "a",
                &format!("w{i:04}"),
                "main",
                1_000 + i,
                SHORT,
            )));
        }
        let max = crate::model::inventory::MAX_PENDING_WORKLOADS;
        assert_eq!(inv.count(Kind::KueueWorkload), max);
        let oldest = inv
            .pending_workloads_in("a")
            .filter_map(|w| w.pending.as_ref().and_then(|p| p.since))
            .min();
        assert_eq!(oldest, Some(1_000 + 300 - max as i64));
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(ago(100, Some(90)), "just now");
        assert_eq!(ago(1000, Some(100)), "15m ago");
        assert_eq!(ago(10_000, Some(100)), "2h ago");
        assert_eq!(ago(100, Some(500)), "just now");
        assert_eq!(ago(100, None), "?");
    }
}
