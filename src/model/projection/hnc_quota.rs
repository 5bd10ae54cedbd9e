//! HNC `HierarchicalResourceQuota` (hnc.x-k8s.io/v1alpha2) → [`HrqInfo`].
//!
//! An HRQ in namespace R limits R and every namespace below it in the HNC
//! tree together (the namespaces that carry `R.tree.hnc.x-k8s.io/depth`).

use std::collections::BTreeMap;

use kube::core::DynamicObject;

use super::quota_map::quantity_map;
use super::{InvalidQuantity, QuotaField, name_of, namespace_of};
use crate::model::quantity::Quantity;

pub const HRQ_GROUP: &str = "hnc.x-k8s.io";
pub const HRQ_VERSION: &str = "v1alpha2";
pub const HRQ_KIND: &str = "HierarchicalResourceQuota";
pub const HRQ_PLURAL: &str = "hierarchicalresourcequotas";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HrqInfo {
    pub namespace: String,
    pub name: String,
    /// `spec.hard`: what an edit starts from.
    pub spec_hard: BTreeMap<String, Quantity>,
    /// `status.hard` once HNC has processed the current spec, else `spec.hard`.
    pub hard: BTreeMap<String, Quantity>,
    /// `status.used`, summed over the subtree; meaningful when `status_filled`.
    pub used: BTreeMap<String, Quantity>,
    /// HNC has counted against the current spec (`status.hard` = `spec.hard`);
    /// otherwise the use is shown as pending.
    pub status_filled: bool,
    pub invalid: Vec<InvalidQuantity>,
}

impl HrqInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let mut invalid = Vec::new();
        let spec_hard = quantity_map(
            obj.data.pointer("/spec/hard"),
            QuotaField::SpecHard,
            &mut invalid,
        )
        .unwrap_or_default();
        let status_hard = quantity_map(
            obj.data.pointer("/status/hard"),
            QuotaField::StatusHard,
            &mut invalid,
        )
        .filter(|h| !h.is_empty());
        let used = quantity_map(
            obj.data.pointer("/status/used"),
            QuotaField::StatusUsed,
            &mut invalid,
        )
        .unwrap_or_default();
        let (hard, status_filled) = match status_hard {
            Some(h) if h == spec_hard => (h, true),
            _ => (spec_hard.clone(), false),
        };
        HrqInfo {
            namespace: namespace_of(&obj.metadata),
            name: name_of(&obj.metadata),
            spec_hard,
            hard,
            used,
            status_filled,
            invalid,
        }
    }
}

/// Whether a namespace with `labels` is `root` or below it in the HNC tree.
pub fn in_subtree(root: &str, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
    namespace == root
        || labels.contains_key(&format!("{root}{}", crate::model::tenant::HNC_DEPTH_SUFFIX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn hrq(spec: Value, status: Value) -> HrqInfo {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "hnc.x-k8s.io/v1alpha2", "kind": "HierarchicalResourceQuota",
            "metadata": {"name": "team-quota", "namespace": "acme"},
            "spec": spec, "status": status
        }))
        .unwrap();
        HrqInfo::from_dynamic(&obj)
    }

    #[test]
    fn counted_status_is_a_figure() {
        let h = hrq(
            json!({"hard": {"requests.cpu": "4", "pods": "1e3"}}),
            json!({"hard": {"requests.cpu": "4", "pods": "1000"}, "used": {"requests.cpu": "1500m"}}),
        );
        assert!(h.status_filled);
        assert_eq!(h.hard["pods"], Quantity::from_units(1000));
        assert_eq!(h.used["requests.cpu"], Quantity::from_millis(1500));
        assert_eq!(
            (h.namespace.as_str(), h.name.as_str()),
            ("acme", "team-quota")
        );
    }

    #[test]
    fn missing_or_stale_status_is_pending_and_odd_fields_never_panic() {
        let h = hrq(json!({"hard": {"pods": "10"}}), json!(null));
        assert!(!h.status_filled);
        assert_eq!(h.hard["pods"], Quantity::from_units(10));
        let h = hrq(
            json!({"hard": {"pods": "10"}}),
            json!({"hard": {"pods": "5"}}),
        );
        assert!(!h.status_filled, "a status from an older spec");
        let h = hrq(json!("nonsense"), json!({"used": "x"}));
        assert!(h.hard.is_empty() && h.used.is_empty() && !h.status_filled);
        let h = hrq(json!({"hard": {"pods": "many"}}), json!({}));
        assert_eq!(h.invalid.len(), 1);
        assert_eq!(h.invalid[0].raw, "many");
    }

    #[test]
    fn subtree_follows_depth_labels() {
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(in_subtree("acme", "acme", &labels(&[])));
        assert!(in_subtree(
            "acme",
            "acme-dev",
            &labels(&[("acme.tree.hnc.x-k8s.io/depth", "1")])
        ));
        assert!(!in_subtree(
            "acme",
            "acme-dev",
            &labels(&[("acme-x.tree.hnc.x-k8s.io/depth", "1")])
        ));
    }
}
