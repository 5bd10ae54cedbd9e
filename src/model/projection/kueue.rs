//! Kueue `ClusterQueue` and `LocalQueue` (kueue.x-k8s.io v1beta2, the
//! storage version since Kueue v0.15, or v1beta1 where that is the newest
//! served) → [`ClusterQueueInfo`], [`LocalQueueInfo`].
//!
//! A tenant submits to a LocalQueue in its namespace; the LocalQueue names
//! a cluster-scoped ClusterQueue, which holds the nominal quota per
//! resource flavor and may borrow from (or lend to) its cohort. A
//! ClusterQueue admits workloads only from namespaces its
//! `namespaceSelector` picks (a missing selector picks none), which is
//! what ties a ClusterQueue to a tenant: a LocalQueue alone is a name the
//! tenant wrote.

use std::collections::BTreeMap;

use kube::core::DynamicObject;
use serde_json::Value;

use super::quota_map::{count_of, json_kind, quantity_of, selector_of};
use super::{InvalidQuantity, QuotaField, SelectorSummary, name_of, namespace_of};
use crate::model::quantity::Quantity;

pub const KUEUE_GROUP: &str = "kueue.x-k8s.io";
pub const KUEUE_VERSION: &str = "v1beta1";
pub const CLUSTER_QUEUE_KIND: &str = "ClusterQueue";
pub const CLUSTER_QUEUE_PLURAL: &str = "clusterqueues";
pub const LOCAL_QUEUE_KIND: &str = "LocalQueue";
pub const LOCAL_QUEUE_PLURAL: &str = "localqueues";

/// One resource of one flavor of a ClusterQueue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlavorResource {
    pub resource: String,
    pub nominal: Option<Quantity>,
    pub borrowing_limit: Option<Quantity>,
    pub lending_limit: Option<Quantity>,
    /// `status.flavorsReservation[].resources[].total`: quota reserved by
    /// workloads (what blocks the next admission).
    pub reserved: Option<Quantity>,
    /// `status.flavorsUsage[].resources[].total`: used by admitted workloads.
    pub used: Option<Quantity>,
    /// Of the reservation, how much is borrowed from the cohort.
    pub borrowed: Option<Quantity>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlavorQuota {
    pub flavor: String,
    /// Index of its resource group in `spec.resourceGroups`.
    pub group: usize,
    pub resources: Vec<FlavorResource>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterQueueInfo {
    pub name: String,
    /// The apiVersion it was read in (`kueue.x-k8s.io/v1beta2` or `…/v1beta1`),
    /// which a write uses: `cohort` is `cohortName` in v1beta2.
    pub api_version: String,
    /// `spec.cohort` (v1beta1; `cohortName` in v1beta2 is read too).
    pub cohort: Option<String>,
    /// `None`: no selector, so no namespace may use it.
    pub namespace_selector: Option<SelectorSummary>,
    pub flavors: Vec<FlavorQuota>,
    /// Kueue has written a status (usage, reservation, counts); before
    /// that the figures are "pending".
    pub status_filled: bool,
    pub pending_workloads: Option<u64>,
    pub admitted_workloads: Option<u64>,
    pub reserving_workloads: Option<u64>,
    pub invalid: Vec<InvalidQuantity>,
    pub problems: Vec<String>,
    /// `spec.resourceGroups` verbatim: a write sends the whole list back
    /// (it is atomic), changing only the nominal quotas asked for.
    pub resource_groups: Value,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalQueueInfo {
    pub namespace: String,
    pub name: String,
    /// `spec.clusterQueue`; empty when missing.
    pub cluster_queue: String,
    pub pending_workloads: Option<u64>,
    pub admitted_workloads: Option<u64>,
    pub reserving_workloads: Option<u64>,
}

fn amount(
    value: Option<&Value>,
    resource: &str,
    field: QuotaField,
    invalid: &mut Vec<InvalidQuantity>,
) -> Option<Quantity> {
    let value = value.filter(|v| !v.is_null())?;
    match quantity_of(value) {
        Ok(q) => Some(q),
        Err((raw, error)) => {
            invalid.push(InvalidQuantity {
                field,
                resource: resource.to_string(),
                raw,
                error,
            });
            None
        }
    }
}

/// `status.flavorsUsage` / `flavorsReservation`: flavor → resource → (total, borrowed).
type StatusAmounts = BTreeMap<(String, String), (Option<Quantity>, Option<Quantity>)>;

fn status_amounts(value: Option<&Value>, invalid: &mut Vec<InvalidQuantity>) -> StatusAmounts {
    let mut out = StatusAmounts::new();
    for flavor in value.and_then(Value::as_array).into_iter().flatten() {
        let Some(name) = flavor.get("name").and_then(Value::as_str) else {
            continue;
        };
        for r in flavor
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(resource) = r.get("name").and_then(Value::as_str) else {
                continue;
            };
            let total = amount(r.get("total"), resource, QuotaField::StatusUsed, invalid);
            let borrowed = amount(r.get("borrowed"), resource, QuotaField::StatusUsed, invalid);
            out.insert((name.to_string(), resource.to_string()), (total, borrowed));
        }
    }
    out
}

impl ClusterQueueInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let data = &obj.data;
        let mut cq = ClusterQueueInfo {
            name: name_of(&obj.metadata),
            api_version: obj
                .types
                .as_ref()
                .map(|t| t.api_version.clone())
                .filter(|v| v.starts_with(KUEUE_GROUP))
                .unwrap_or_else(|| format!("{KUEUE_GROUP}/{KUEUE_VERSION}")),
            ..Self::default()
        };
        cq.cohort = ["/spec/cohort", "/spec/cohortName"]
            .iter()
            .find_map(|p| data.pointer(p).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        cq.namespace_selector = match data.pointer("/spec/namespaceSelector") {
            None | Some(Value::Null) => None,
            Some(v) => match selector_of(v) {
                Ok(s) => Some(s),
                Err(why) => {
                    cq.problems.push(format!(
                        "spec.namespaceSelector is {why}: no namespace may use it"
                    ));
                    None
                }
            },
        };
        let status = data.get("status").filter(|s| s.is_object());
        let reservation = status_amounts(
            status.and_then(|s| s.get("flavorsReservation")),
            &mut cq.invalid,
        );
        let usage = status_amounts(status.and_then(|s| s.get("flavorsUsage")), &mut cq.invalid);
        cq.status_filled = status.is_some_and(|s| {
            s.get("flavorsReservation").is_some_and(Value::is_array)
                || s.get("flavorsUsage").is_some_and(Value::is_array)
        });
        cq.pending_workloads = count_of(status.and_then(|s| s.get("pendingWorkloads")));
        cq.admitted_workloads = count_of(status.and_then(|s| s.get("admittedWorkloads")));
        cq.reserving_workloads = count_of(status.and_then(|s| s.get("reservingWorkloads")));
        let groups = data.pointer("/spec/resourceGroups");
        cq.resource_groups = groups.cloned().unwrap_or(Value::Null);
        match groups {
            None | Some(Value::Null) => {}
            Some(Value::Array(groups)) => {
                for (g, group) in groups.iter().enumerate() {
                    let flavors = group.get("flavors").and_then(Value::as_array);
                    let Some(flavors) = flavors else {
                        cq.problems
                            .push(format!("spec.resourceGroups[{g}] has no flavors list"));
                        continue;
                    };
                    for flavor in flavors {
                        let name = flavor
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        let mut out = FlavorQuota {
                            flavor: name.clone(),
                            group: g,
                            resources: Vec::new(),
                        };
                        for r in flavor
                            .get("resources")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                        {
                            let Some(resource) = r.get("name").and_then(Value::as_str) else {
                                continue;
                            };
                            let key = (name.clone(), resource.to_string());
                            let (reserved, borrowed) =
                                reservation.get(&key).cloned().unwrap_or_default();
                            let used = usage.get(&key).and_then(|(total, _)| total.clone());
                            let inv = &mut cq.invalid;
                            out.resources.push(FlavorResource {
                                resource: resource.to_string(),
                                nominal: amount(
                                    r.get("nominalQuota"),
                                    resource,
                                    QuotaField::SpecHard,
                                    inv,
                                ),
                                borrowing_limit: amount(
                                    r.get("borrowingLimit"),
                                    resource,
                                    QuotaField::SpecHard,
                                    inv,
                                ),
                                lending_limit: amount(
                                    r.get("lendingLimit"),
                                    resource,
                                    QuotaField::SpecHard,
                                    inv,
                                ),
                                reserved,
                                used,
                                borrowed,
                            });
                        }
                        if out.resources.is_empty() {
                            cq.problems.push(format!(
                                "flavor {} lists no resources",
                                if name.is_empty() { "(unnamed)" } else { &name }
                            ));
                        }
                        cq.flavors.push(out);
                    }
                }
            }
            Some(other) => cq.problems.push(format!(
                "spec.resourceGroups is {}, not a list",
                json_kind(other)
            )),
        }
        cq
    }

    /// Whether a namespace with `labels` may submit to this ClusterQueue.
    pub fn admits(&self, labels: &BTreeMap<String, String>) -> bool {
        self.namespace_selector
            .as_ref()
            .is_some_and(|s| s.matches(labels))
    }
}

impl LocalQueueInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let data = &obj.data;
        let status = data.get("status");
        LocalQueueInfo {
            namespace: namespace_of(&obj.metadata),
            name: name_of(&obj.metadata),
            cluster_queue: data
                .pointer("/spec/clusterQueue")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            pending_workloads: count_of(status.and_then(|s| s.get("pendingWorkloads"))),
            admitted_workloads: count_of(status.and_then(|s| s.get("admittedWorkloads"))),
            reserving_workloads: count_of(status.and_then(|s| s.get("reservingWorkloads"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cq(spec: Value, status: Value) -> ClusterQueueInfo {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ClusterQueue",
            "metadata": {"name": "team-a"}, "spec": spec, "status": status
        }))
        .unwrap();
        ClusterQueueInfo::from_dynamic(&obj)
    }

    #[test]
    fn quota_per_flavor_with_status() {
        let c = cq(
            json!({"cohort": "research", "namespaceSelector": {"matchLabels": {"team": "a"}},
                   "resourceGroups": [{"coveredResources": ["cpu", "memory"], "flavors": [
                       {"name": "default", "resources": [
                           {"name": "cpu", "nominalQuota": 9, "borrowingLimit": "2", "lendingLimit": "1"},
                           {"name": "memory", "nominalQuota": "36Gi"}]},
                       {"name": "spot", "resources": [{"name": "cpu", "nominalQuota": "1e3"}]}]}]}),
            json!({"pendingWorkloads": 2, "admittedWorkloads": 1, "reservingWorkloads": 1,
                   "flavorsReservation": [{"name": "default", "resources": [
                       {"name": "cpu", "total": "3", "borrowed": "0"}]}],
                   "flavorsUsage": [{"name": "default", "resources": [{"name": "cpu", "total": "2"}]}]}),
        );
        assert_eq!(c.cohort.as_deref(), Some("research"));
        assert!(c.status_filled);
        assert_eq!(c.flavors.len(), 2);
        let cpu = &c.flavors[0].resources[0];
        assert_eq!(cpu.nominal, Some(Quantity::from_units(9)));
        assert_eq!(cpu.borrowing_limit, Some(Quantity::from_units(2)));
        assert_eq!(cpu.lending_limit, Some(Quantity::from_units(1)));
        assert_eq!(cpu.reserved, Some(Quantity::from_units(3)));
        assert_eq!(cpu.used, Some(Quantity::from_units(2)));
        assert_eq!(
            c.flavors[1].resources[0].nominal,
            Some(Quantity::from_units(1000))
        );
        assert_eq!(c.flavors[1].resources[0].reserved, None);
        assert_eq!(c.pending_workloads, Some(2));
        assert!(c.admits(&[("team".to_string(), "a".to_string())].into()));
        assert!(!c.admits(&BTreeMap::new()));
        assert!(c.problems.is_empty());
    }

    #[test]
    fn odd_queues_are_pending_or_invalid_never_a_panic() {
        // No status yet, no selector, a flavor without resources.
        let c = cq(
            json!({"resourceGroups": [{"flavors": [{"name": "empty"}]}, {"flavors": "x"}]}),
            json!(null),
        );
        assert!(!c.status_filled);
        assert_eq!(c.namespace_selector, None);
        assert!(!c.admits(&BTreeMap::new()), "no selector admits nobody");
        assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
        let c = cq(
            json!({"namespaceSelector": {"matchLabels": 3},
                   "resourceGroups": [{"flavors": [{"name": "f", "resources": [
                       {"name": "cpu", "nominalQuota": "lots"}, {"nominalQuota": "1"}]}]}]}),
            json!({"flavorsUsage": "x", "pendingWorkloads": "many"}),
        );
        assert_eq!(c.invalid.len(), 1);
        assert_eq!(c.flavors[0].resources.len(), 1);
        assert_eq!(c.flavors[0].resources[0].nominal, None);
        assert_eq!(c.pending_workloads, None);
        assert!(!c.status_filled);
        let c = cq(json!({"resourceGroups": {"a": 1}}), json!({}));
        assert!(c.flavors.is_empty() && !c.problems.is_empty());
        // An empty selector admits every namespace.
        let c = cq(json!({"namespaceSelector": {}}), json!(null));
        assert!(c.admits(&BTreeMap::new()));
    }

    #[test]
    fn local_queue() {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "LocalQueue",
            "metadata": {"name": "main", "namespace": "team-a-ml"},
            "spec": {"clusterQueue": "team-a"}, "status": {"pendingWorkloads": 4}
        }))
        .unwrap();
        let lq = LocalQueueInfo::from_dynamic(&obj);
        assert_eq!(lq.cluster_queue, "team-a");
        assert_eq!(lq.pending_workloads, Some(4));
        assert_eq!(lq.admitted_workloads, None);
        let bare: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "LocalQueue",
            "metadata": {"name": "x", "namespace": "n"}
        }))
        .unwrap();
        assert_eq!(LocalQueueInfo::from_dynamic(&bare).cluster_queue, "");
    }
}
