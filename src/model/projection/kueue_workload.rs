//! Kueue `Workload` (kueue.x-k8s.io, read in the version the ClusterQueue
//! is read in) → [`WorkloadInfo`]: a batch job's claim on its queue's
//! quota. Only a workload that waits for quota matters to tenantry (it is
//! a refusal, `model/refusal.rs`), so the projection keeps the queue it was
//! submitted to, its pod sets' requests and, while it waits, the
//! `QuotaReserved` (else `Admitted`) condition that says why, parsed.
//!
//! Kueue's scheduler writes the reason in words
//! (`pkg/scheduler/flavorassigner`): "couldn't assign flavors to pod set
//! main: insufficient unused quota for cpu in flavor default, 2 more
//! needed". The message comes from the cluster and may be anything: the
//! parser never panics, reads quantities with `model/quantity.rs`, and a
//! message it cannot read is kept whole (bounded) for the sanitizer.

use std::collections::BTreeMap;

use kube::core::DynamicObject;
use serde_json::Value;

use super::event::bounded;
use super::quota_map::quantity_of;
use super::{name_of, namespace_of};
use crate::model::quantity::{Quantity, parse_quantity};

pub const WORKLOAD_KIND: &str = "Workload";
pub const WORKLOAD_PLURAL: &str = "workloads";

/// Pod sets kept per workload (Kueue allows 8) and resources per pod set.
const MAX_POD_SETS: usize = 8;
const MAX_RESOURCES: usize = 16;
/// Shortfalls kept from one message.
const MAX_SHORTFALLS: usize = 16;

/// One pod set: its name and what all its pods request together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSetRequests {
    pub name: String,
    pub count: u32,
    /// Containers' requests summed, times `count`; a value that does not
    /// parse is left out.
    pub requests: BTreeMap<String, Quantity>,
}

/// One resource Kueue could not find quota for, as its message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueShortfall {
    pub pod_set: String,
    pub resource: String,
    pub flavor: String,
    /// "N more needed": quota in use by others that would have to go.
    pub needed: Option<Quantity>,
    /// "… current podset request (B) > maximum capacity (C)": the pod set
    /// asks more than the queue could ever lend it.
    pub requested: Option<Quantity>,
    pub capacity: Option<Quantity>,
}

/// Why a workload waits: the condition Kueue wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingQuota {
    /// `Pending`, `Inadmissible`, …
    pub reason: String,
    /// Unix seconds of the condition's `lastTransitionTime`.
    pub since: Option<i64>,
    pub shortfalls: Vec<QueueShortfall>,
    /// The message whole (bounded) when no shortfall could be read from it.
    pub unparsed: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkloadInfo {
    pub namespace: String,
    pub name: String,
    /// `spec.queueName`: a LocalQueue of the workload's namespace.
    pub queue_name: String,
    pub pod_sets: Vec<PodSetRequests>,
    /// `None` once quota is reserved or admitted, for a finished or
    /// deactivated workload, and before Kueue wrote any condition.
    pub pending: Option<PendingQuota>,
}

impl WorkloadInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let data = &obj.data;
        let text = |p: &str| {
            data.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let pod_sets = data
            .pointer("/spec/podSets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(MAX_POD_SETS)
            .map(pod_set)
            .collect();
        let inactive = data.pointer("/spec/active").and_then(Value::as_bool) == Some(false);
        WorkloadInfo {
            namespace: namespace_of(&obj.metadata),
            name: name_of(&obj.metadata),
            queue_name: text("/spec/queueName"),
            pod_sets,
            pending: if inactive { None } else { pending(data) },
        }
    }

    /// The pod set's request of `resource`, all its pods together.
    pub fn requested(&self, pod_set: &str, resource: &str) -> Option<&Quantity> {
        self.pod_sets
            .iter()
            .find(|p| p.name == pod_set)
            .and_then(|p| p.requests.get(resource))
    }
}

fn pod_set(value: &Value) -> PodSetRequests {
    let name = value
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("main")
        .to_string();
    let count = value
        .get("count")
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(1);
    let mut per_pod: BTreeMap<String, Quantity> = BTreeMap::new();
    let containers = value
        .pointer("/template/spec/containers")
        .and_then(Value::as_array);
    for container in containers.into_iter().flatten() {
        let requests = container
            .pointer("/resources/requests")
            .and_then(Value::as_object);
        for (resource, amount) in requests.into_iter().flatten() {
            let Ok(q) = quantity_of(amount) else {
                continue;
            };
            if !per_pod.contains_key(resource) && per_pod.len() >= MAX_RESOURCES {
                continue;
            }
            let sum = match per_pod.get(resource) {
                Some(old) => old.checked_add(&q),
                None => Some(q),
            };
            match sum {
                Some(sum) => per_pod.insert(resource.clone(), sum),
                None => per_pod.remove(resource),
            };
        }
    }
    let requests = per_pod
        .into_iter()
        .filter_map(|(r, q)| {
            let total = q.nanos().checked_mul(i128::from(count))?;
            Some((r, Quantity::from_nanos(total, q.format())))
        })
        .collect();
    PodSetRequests {
        name,
        count,
        requests,
    }
}

/// The condition that says the workload waits for quota, if it does.
fn pending(data: &Value) -> Option<PendingQuota> {
    let conditions: Vec<&Value> = data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let find = |kind: &str| {
        conditions
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
    };
    let is_true = |kind: &str| {
        find(kind).is_some_and(|c| c.get("status").and_then(Value::as_str) == Some("True"))
    };
    if is_true("QuotaReserved") || is_true("Admitted") || is_true("Finished") {
        return None;
    }
    let waiting = ["QuotaReserved", "Admitted"]
        .into_iter()
        .filter_map(find)
        .find(|c| c.get("status").and_then(Value::as_str) == Some("False"))?;
    let field = |k: &str| waiting.get(k).and_then(Value::as_str).unwrap_or_default();
    let since = waiting
        .get("lastTransitionTime")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<k8s_openapi::jiff::Timestamp>().ok())
        .map(|t| t.as_second());
    let message = field("message");
    let shortfalls = parse_queue_message(message);
    Some(PendingQuota {
        reason: bounded(field("reason")),
        since,
        unparsed: shortfalls.is_empty().then(|| bounded(message)),
        shortfalls,
    })
}

const POD_SET: &str = "couldn't assign flavors to pod set ";
const UNUSED: &str = "insufficient unused quota for ";
const OVER: &str = "insufficient quota for ";

/// Reads the shortfalls of a Kueue scheduler message; empty when it says
/// none in words tenantry knows.
pub fn parse_queue_message(message: &str) -> Vec<QueueShortfall> {
    let mut out = Vec::new();
    // Pod sets are joined with "; ", each "couldn't assign flavors to pod
    // set NAME: reason, reason…"; a message without that prefix is one
    // pod set whose name is unknown.
    let mut parts: Vec<(&str, &str)> = Vec::new();
    for part in message.split("; ") {
        match part.find(POD_SET) {
            Some(i) => {
                let rest = &part[i + POD_SET.len()..];
                if let Some((name, reasons)) = rest.split_once(": ") {
                    parts.push((name, reasons));
                }
            }
            None => parts.push(("", part)),
        }
    }
    for (pod_set, reasons) in parts {
        if !pod_set.is_empty() && !is_word(pod_set) {
            continue;
        }
        let mut rest = reasons;
        while out.len() < MAX_SHORTFALLS {
            let unused = rest.find(UNUSED).map(|i| (i, UNUSED.len(), true));
            let over = rest.find(OVER).map(|i| (i, OVER.len(), false));
            let next = match (unused, over) {
                (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
                (a, b) => a.or(b),
            };
            let Some((at, len, is_unused)) = next else {
                break;
            };
            rest = &rest[at + len..];
            let item = if is_unused {
                unused_item(rest)
            } else {
                over_item(rest)
            };
            if let Some(mut shortfall) = item {
                shortfall.pod_set = pod_set.to_string();
                out.push(shortfall);
            }
        }
    }
    out
}

/// `RES in flavor F, …`: the resource, the flavor and what follows.
fn resource_and_flavor(text: &str) -> Option<(&str, &str, &str)> {
    let (resource, rest) = text.split_once(" in flavor ")?;
    let (flavor, rest) = rest.split_once(", ")?;
    (is_word(resource) && is_word(flavor)).then_some((resource, flavor, rest))
}

/// `cpu in flavor default, 2 more needed`
fn unused_item(text: &str) -> Option<QueueShortfall> {
    let (resource, flavor, rest) = resource_and_flavor(text)?;
    let (needed, _) = rest.split_once(" more needed")?;
    Some(QueueShortfall {
        pod_set: String::new(),
        resource: resource.to_string(),
        flavor: flavor.to_string(),
        needed: Some(quantity(needed)?),
        requested: None,
        capacity: None,
    })
}

/// `cpu in flavor default, previously considered podsets requests (0) +
/// current podset request (10) > maximum capacity (8)`
fn over_item(text: &str) -> Option<QueueShortfall> {
    let (resource, flavor, rest) = resource_and_flavor(text)?;
    let in_parens = |marker: &str| {
        let (_, after) = rest.split_once(marker)?;
        let (value, _) = after.split_once(')')?;
        quantity(value)
    };
    Some(QueueShortfall {
        pod_set: String::new(),
        resource: resource.to_string(),
        flavor: flavor.to_string(),
        needed: None,
        requested: Some(in_parens("current podset request (")?),
        capacity: Some(in_parens("maximum capacity (")?),
    })
}

fn quantity(text: &str) -> Option<Quantity> {
    let text = text.trim();
    if !is_word(text) {
        return None;
    }
    parse_quantity(text).ok()
}

/// A name or value as Kubernetes writes them: printable ASCII, no spaces.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.chars().all(|c| c.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(s: &str) -> Option<Quantity> {
        parse_quantity(s).ok()
    }

    fn workload(status: Value) -> WorkloadInfo {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
            "metadata": {"name": "job-train", "namespace": "ml"},
            "spec": {"queueName": "main", "podSets": [
                {"name": "main", "count": 3, "template": {"spec": {"containers": [
                    {"name": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
                    {"name": "b", "resources": {"requests": {"cpu": "1", "memory": 7}}},
                    {"name": "c", "resources": {"requests": {"cpu": "lots"}}}]}}}]},
            "status": status,
        }))
        .expect("a workload");
        WorkloadInfo::from_dynamic(&obj)
    }

    #[test]
    fn the_schedulers_message_reads_as_shortfalls() {
        let found = parse_queue_message(
            "couldn't assign flavors to pod set main: insufficient unused quota for cpu in \
             flavor default, 2 more needed, insufficient unused quota for memory in flavor \
             default, 1536Mi more needed; couldn't assign flavors to pod set workers: \
             insufficient quota for nvidia.com/gpu in flavor a100, previously considered \
             podsets requests (0) + current podset request (16) > maximum capacity (8)",
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(
            (found[0].pod_set.as_str(), found[0].resource.as_str()),
            ("main", "cpu")
        );
        assert_eq!(found[0].flavor, "default");
        assert_eq!(found[0].needed, q("2"));
        assert_eq!(found[1].needed, q("1536Mi"));
        assert_eq!(found[2].pod_set, "workers");
        assert_eq!(found[2].resource, "nvidia.com/gpu");
        assert_eq!(found[2].requested, q("16"));
        assert_eq!(found[2].capacity, q("8"));
        assert_eq!(found[2].needed, None);
    }

    #[test]
    fn odd_and_hostile_messages_give_nothing_rather_than_a_guess() {
        for message in [
            "",
            "Workload no longer fits after processing another workload",
            "LocalQueue main doesn't exist",
            "insufficient unused quota for",
            "insufficient unused quota for cpu",
            "insufficient unused quota for cpu in flavor default",
            "insufficient unused quota for cpu in flavor default, lots more needed",
            "insufficient unused quota for cpu in flavor default, 1e999999 more needed",
            "insufficient unused quota for c\u{1b}[2Jpu in flavor default, 2 more needed",
            "insufficient unused quota for cpu in flavor de\u{202e}fault, 2 more needed",
            "insufficient unused quota for cpu in flavor default, \u{1b}]0;x\u{7} more needed",
            "couldn't assign flavors to pod set m\u{1b}[31m: insufficient unused quota for cpu \
             in flavor default, 2 more needed",
            "insufficient quota for cpu in flavor default, current podset request (x) > \
             maximum capacity (8)",
            "insufficient quota for cpu in flavor default, current podset request (9",
            ";;;; : : , , in flavor  more needed",
            "é insufficient unused quota for é in flavor é, é more needed",
        ] {
            assert_eq!(parse_queue_message(message), Vec::new(), "{message:?}");
        }
        // A flood is cut, not kept whole.
        let flood = "insufficient unused quota for cpu in flavor f, 1 more needed, ".repeat(10_000);
        assert_eq!(parse_queue_message(&flood).len(), MAX_SHORTFALLS);
    }

    #[test]
    fn a_message_without_the_pod_set_prefix_still_reads() {
        let found = parse_queue_message(
            "insufficient unused quota for memory in flavor spot, 2Gi more needed",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pod_set, "");
        assert_eq!(found[0].needed, q("2Gi"));
    }

    #[test]
    fn a_pending_workload_keeps_its_condition_and_pod_set_requests() {
        let w = workload(json!({"conditions": [
            {"type": "QuotaReserved", "status": "False", "reason": "Pending",
             "message": "couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor default, 2 more needed",
             "lastTransitionTime": "2026-12-02T05:00:00Z"}]}));
        assert_eq!(w.queue_name, "main");
        // (500m + 1) × 3; "lots" is left out; 1Gi + 7 bytes × 3.
        assert_eq!(w.requested("main", "cpu"), q("4500m").as_ref());
        assert_eq!(
            w.requested("main", "memory").map(Quantity::nanos),
            q("1Gi").map(|g| (g.nanos() + 7_000_000_000) * 3)
        );
        let pending = w.pending.expect("pending");
        assert_eq!(pending.reason, "Pending");
        assert_eq!(pending.since, Some(1_796_187_600));
        assert_eq!(pending.shortfalls.len(), 1);
        assert_eq!(pending.unparsed, None);
    }

    #[test]
    fn reserved_admitted_finished_inactive_or_new_workloads_are_not_pending() {
        let reserved = json!({"conditions": [
            {"type": "QuotaReserved", "status": "True", "reason": "QuotaReserved", "message": "",
             "lastTransitionTime": "2026-12-02T05:00:00Z"}]});
        assert_eq!(workload(reserved).pending, None);
        let finished = json!({"conditions": [
            {"type": "QuotaReserved", "status": "False", "reason": "Pending", "message": "x"},
            {"type": "Finished", "status": "True", "reason": "Succeeded", "message": ""}]});
        assert_eq!(workload(finished).pending, None);
        assert_eq!(workload(json!({})).pending, None);
        assert_eq!(workload(json!({"conditions": "odd"})).pending, None);
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
            "metadata": {"name": "off", "namespace": "ml"},
            "spec": {"active": false, "podSets": "odd"},
            "status": {"conditions": [{"type": "QuotaReserved", "status": "False",
                                        "reason": "Inadmissible", "message": "x"}]}}))
        .expect("a workload");
        let off = WorkloadInfo::from_dynamic(&obj);
        assert_eq!((off.pending, off.pod_sets.len()), (None, 0));
    }

    #[test]
    fn an_unreadable_message_is_kept_whole_but_bounded() {
        let long = format!("Inadmissible: \u{1b}[2J{}", "é".repeat(2000));
        let w = workload(json!({"conditions": [
            {"type": "QuotaReserved", "status": "False", "reason": "Inadmissible",
             "message": long, "lastTransitionTime": "not a time"}]}));
        let pending = w.pending.expect("pending");
        assert_eq!(pending.since, None);
        let kept = pending.unparsed.expect("kept");
        assert!(kept.starts_with("Inadmissible: \u{1b}[2J"));
        assert!(kept.len() <= super::super::MAX_MESSAGE + "…".len());
    }
}
