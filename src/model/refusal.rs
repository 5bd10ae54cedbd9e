//! Why a tenant's workloads are refused: the refusal events of its
//! namespaces (`projection/event.rs`), one row per workload, refusing
//! object and resource, with requested against remaining, how many times
//! and when last. A second source (Kueue workloads pending on quota) adds
//! its rows with its own [`RefusalSource`].

use std::collections::BTreeMap;

use super::inventory::{Inventory, Kind};
use super::projection::RefusalCause;
use super::quantity::Quantity;
use super::tenant::Tenant;

/// Refusals newer than this make a tenant "blocked" in the tenants list.
pub const BLOCKED_WITHIN_SECS: i64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefusalSource {
    /// A controller's `FailedCreate` event.
    Event,
}

impl RefusalSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalSource::Event => "event",
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
    pub fn is_recent(&self, now: i64) -> bool {
        self.last
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

/// Refusals of the tenant within the last hour before `now` (the tenants
/// list's "blocked" mark).
pub fn recent_refusals(inv: &Inventory, tenant: &Tenant, now: i64) -> usize {
    tenant
        .namespaces
        .iter()
        .flat_map(|ns| inv.refusal_events_in(ns))
        .filter(|e| e.cause != RefusalCause::Other)
        .filter(|e| {
            e.last
                .is_some_and(|l| now.saturating_sub(l) <= BLOCKED_WITHIN_SECS)
        })
        .count()
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

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(ago(100, Some(90)), "just now");
        assert_eq!(ago(1000, Some(100)), "15m ago");
        assert_eq!(ago(10_000, Some(100)), "2h ago");
        assert_eq!(ago(100, Some(500)), "just now");
        assert_eq!(ago(100, None), "?");
    }
}
