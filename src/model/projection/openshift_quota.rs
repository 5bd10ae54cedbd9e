//! OpenShift `ClusterResourceQuota` (quota.openshift.io/v1) → [`CrqInfo`].
//!
//! A cluster-scoped quota over the namespaces its selector picks (by label
//! and by annotation); the quota controller lists them in
//! `status.namespaces` and sums their use in `status.total`.

use std::collections::BTreeMap;

use kube::core::DynamicObject;
use serde_json::Value;

use super::quota_map::{json_kind, quantity_map, selector_of};
use super::{InvalidQuantity, QuotaField, SelectorSummary, name_of};
use crate::model::quantity::Quantity;

pub const CRQ_GROUP: &str = "quota.openshift.io";
pub const CRQ_VERSION: &str = "v1";
pub const CRQ_KIND: &str = "ClusterResourceQuota";
pub const CRQ_PLURAL: &str = "clusterresourcequotas";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrqInfo {
    pub name: String,
    /// `spec.selector.labels`; `None` when not set (then only annotations pick).
    pub label_selector: Option<SelectorSummary>,
    /// `spec.selector.annotations`: every one must be on the namespace.
    pub annotation_selector: BTreeMap<String, String>,
    /// `spec.quota.hard`: what an edit starts from.
    pub spec_hard: BTreeMap<String, Quantity>,
    /// `status.total.hard` once counted against the current spec, else `spec.quota.hard`.
    pub hard: BTreeMap<String, Quantity>,
    /// `status.total.used`; meaningful when `status_filled`.
    pub used: BTreeMap<String, Quantity>,
    pub status_filled: bool,
    /// `status.namespaces[].namespace`: the namespaces it counted; `None`
    /// before the controller wrote any status.
    pub status_namespaces: Option<Vec<String>>,
    pub invalid: Vec<InvalidQuantity>,
    /// What is wrong with the object's shape, when something is.
    pub problems: Vec<String>,
}

impl CrqInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let data = &obj.data;
        let mut invalid = Vec::new();
        let mut problems = Vec::new();
        let label_selector = match data.pointer("/spec/selector/labels") {
            None | Some(Value::Null) => None,
            Some(v) => match selector_of(v) {
                Ok(s) => Some(s),
                Err(why) => {
                    problems.push(format!("spec.selector.labels is {why}"));
                    // Selects nothing rather than everything.
                    Some(SelectorSummary {
                        match_labels: BTreeMap::new(),
                        expressions: vec![super::SelectorExpression {
                            key: String::new(),
                            operator: "Invalid".into(),
                            values: Vec::new(),
                        }],
                    })
                }
            },
        };
        let mut annotation_selector = BTreeMap::new();
        match data.pointer("/spec/selector/annotations") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (k, v) in map {
                    match v.as_str() {
                        Some(v) => {
                            annotation_selector.insert(k.clone(), v.to_string());
                        }
                        None => problems.push(format!(
                            "spec.selector.annotations[{k}] is {}, not a string",
                            json_kind(v)
                        )),
                    }
                }
            }
            Some(other) => problems.push(format!(
                "spec.selector.annotations is {}, not a map",
                json_kind(other)
            )),
        }
        let spec_hard = quantity_map(
            data.pointer("/spec/quota/hard"),
            QuotaField::SpecHard,
            &mut invalid,
        )
        .unwrap_or_default();
        let status_hard = quantity_map(
            data.pointer("/status/total/hard"),
            QuotaField::StatusHard,
            &mut invalid,
        )
        .filter(|h| !h.is_empty());
        let used = quantity_map(
            data.pointer("/status/total/used"),
            QuotaField::StatusUsed,
            &mut invalid,
        )
        .unwrap_or_default();
        let (hard, status_filled) = match status_hard {
            Some(h) if h == spec_hard => (h, true),
            _ => (spec_hard.clone(), false),
        };
        let status_namespaces = data
            .pointer("/status/namespaces")
            .and_then(Value::as_array)
            .map(|list| {
                let mut names: Vec<String> = list
                    .iter()
                    .filter_map(|n| n.get("namespace").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect();
                names.sort();
                names.dedup();
                names
            });
        if label_selector.is_none() && annotation_selector.is_empty() {
            problems.push("spec.selector picks no namespace (no labels, no annotations)".into());
        }
        CrqInfo {
            name: name_of(&obj.metadata),
            label_selector,
            annotation_selector,
            spec_hard,
            hard,
            used,
            status_filled,
            status_namespaces,
            invalid,
            problems,
        }
    }

    /// Whether the selector picks a namespace with these labels and
    /// annotations (as the OpenShift quota controller does).
    pub fn selects(
        &self,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
    ) -> bool {
        if self.label_selector.is_none() && self.annotation_selector.is_empty() {
            return false;
        }
        self.label_selector
            .as_ref()
            .is_none_or(|s| s.matches(labels))
            && self
                .annotation_selector
                .iter()
                .all(|(k, v)| annotations.get(k) == Some(v))
    }

    /// The selector in one line: `labels team=a; annotations openshift.io/requester=alice`.
    pub fn selector_summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.label_selector {
            parts.push(format!("labels {}", s.summary()));
        }
        if !self.annotation_selector.is_empty() {
            let pairs: Vec<String> = self
                .annotation_selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            parts.push(format!("annotations {}", pairs.join(",")));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join("; ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crq(spec: Value, status: Value) -> CrqInfo {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "quota.openshift.io/v1", "kind": "ClusterResourceQuota",
            "metadata": {"name": "for-acme"}, "spec": spec, "status": status
        }))
        .unwrap();
        CrqInfo::from_dynamic(&obj)
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn totals_namespaces_and_selector() {
        let c = crq(
            json!({"selector": {"labels": {"matchLabels": {"team": "acme"}},
                                "annotations": {"openshift.io/requester": "alice"}},
                   "quota": {"hard": {"pods": "10", "requests.cpu": 4}}}),
            json!({"total": {"hard": {"pods": "10", "requests.cpu": "4"}, "used": {"pods": "3"}},
                   "namespaces": [{"namespace": "acme-b", "status": {}}, {"namespace": "acme-a"}, {"x": 1}]}),
        );
        assert!(c.status_filled, "{c:?}");
        assert_eq!(c.used["pods"], Quantity::from_units(3));
        assert_eq!(
            c.status_namespaces.as_deref(),
            Some(&["acme-a".to_string(), "acme-b".to_string()][..])
        );
        assert!(c.selects(
            &map(&[("team", "acme")]),
            &map(&[("openshift.io/requester", "alice")])
        ));
        assert!(!c.selects(&map(&[("team", "acme")]), &map(&[])));
        assert!(c.problems.is_empty());
        assert_eq!(
            c.selector_summary(),
            "labels team=acme; annotations openshift.io/requester=alice"
        );
    }

    #[test]
    fn no_status_is_pending_and_bad_shapes_select_nothing() {
        let c = crq(json!({"quota": {"hard": {"pods": "1e3"}}}), json!(null));
        assert!(!c.status_filled);
        assert_eq!(c.status_namespaces, None);
        assert_eq!(c.hard["pods"], Quantity::from_units(1000));
        assert!(!c.selects(&map(&[]), &map(&[])));
        assert_eq!(c.problems.len(), 1);
        let c = crq(
            json!({"selector": {"labels": {"matchLabels": ["x"]}, "annotations": [1]},
                   "quota": "lots"}),
            json!({"total": 7, "namespaces": "acme"}),
        );
        assert!(!c.selects(&map(&[("x", "y")]), &map(&[])));
        assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
        assert!(c.hard.is_empty() && c.status_namespaces.is_none());
    }
}
