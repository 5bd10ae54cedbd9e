//! Capsule quota pools (capsule.clastix.io/v1beta2) → [`CapsulePoolInfo`]
//! (`ResourcePool`, `GlobalResourceQuota`) and [`PoolClaimInfo`]
//! (`ResourcePoolClaim`), next to the Tenant's `resourceQuotas`
//! (projection/capsule.rs).
//!
//! A ResourcePool is a budget over the namespaces its selectors pick
//! (listed in `status.namespaces`); namespaces claim from it with
//! ResourcePoolClaims, and `status.allocation` says how much of its `hard`
//! is claimed. A GlobalResourceQuota is one ResourceQuota shared by the
//! namespaces its selectors pick: `status.total` is their summed use.

use std::collections::BTreeMap;

use kube::core::DynamicObject;
use serde_json::Value;

use super::quota_map::{json_kind, quantity_map};
use super::{InvalidQuantity, QuotaField, name_of, namespace_of};
use crate::model::quantity::Quantity;

pub const CAPSULE_GROUP: &str = "capsule.clastix.io";
pub const CAPSULE_VERSION: &str = "v1beta2";
pub const RESOURCE_POOL_KIND: &str = "ResourcePool";
pub const RESOURCE_POOL_PLURAL: &str = "resourcepools";
pub const POOL_CLAIM_KIND: &str = "ResourcePoolClaim";
pub const POOL_CLAIM_PLURAL: &str = "resourcepoolclaims";
pub const GLOBAL_QUOTA_KIND: &str = "GlobalResourceQuota";
pub const GLOBAL_QUOTA_PLURAL: &str = "globalresourcequotas";

/// Which of the two pool kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    ResourcePool,
    GlobalResourceQuota,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapsulePoolInfo {
    pub kind: PoolKind,
    pub name: String,
    /// `spec.quota.hard`.
    pub spec_hard: BTreeMap<String, Quantity>,
    /// The controller's `hard` (`status.allocation.hard`, `status.total.hard`)
    /// when it matches the spec, else `spec.quota.hard`.
    pub hard: BTreeMap<String, Quantity>,
    /// A ResourcePool: claimed (`status.allocation.used`); a
    /// GlobalResourceQuota: used (`status.total.used`).
    pub used: BTreeMap<String, Quantity>,
    pub status_filled: bool,
    /// `status.namespaces`; `None` before the controller wrote a status.
    pub namespaces: Option<Vec<String>>,
    pub invalid: Vec<InvalidQuantity>,
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolClaimInfo {
    pub namespace: String,
    pub name: String,
    /// `spec.pool`.
    pub pool: String,
    /// `spec.claim`.
    pub claim: BTreeMap<String, Quantity>,
    /// `status.condition.type` (`Bound`, `Exhausted`, …) and its reason.
    pub condition: Option<String>,
    pub invalid: Vec<InvalidQuantity>,
}

impl CapsulePoolInfo {
    pub fn from_dynamic(obj: &DynamicObject, kind: PoolKind) -> Self {
        let data = &obj.data;
        let mut invalid = Vec::new();
        let mut problems = Vec::new();
        let status_path = match kind {
            PoolKind::ResourcePool => "/status/allocation",
            PoolKind::GlobalResourceQuota => "/status/total",
        };
        let spec_hard = quantity_map(
            data.pointer("/spec/quota/hard"),
            QuotaField::SpecHard,
            &mut invalid,
        )
        .unwrap_or_default();
        let status_hard = quantity_map(
            data.pointer(&format!("{status_path}/hard")),
            QuotaField::StatusHard,
            &mut invalid,
        )
        .filter(|h| !h.is_empty());
        let used = quantity_map(
            data.pointer(&format!("{status_path}/used")),
            QuotaField::StatusUsed,
            &mut invalid,
        )
        .unwrap_or_default();
        let (hard, status_filled) = match status_hard {
            Some(h) if h == spec_hard => (h, true),
            _ => (spec_hard.clone(), false),
        };
        let namespaces = match data.pointer("/status/namespaces") {
            None | Some(Value::Null) => None,
            Some(Value::Array(list)) => {
                let mut names: Vec<String> = list
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                names.sort();
                names.dedup();
                Some(names)
            }
            Some(other) => {
                problems.push(format!(
                    "status.namespaces is {}, not a list",
                    json_kind(other)
                ));
                None
            }
        };
        CapsulePoolInfo {
            kind,
            name: name_of(&obj.metadata),
            spec_hard,
            hard,
            used,
            status_filled,
            namespaces,
            invalid,
            problems,
        }
    }
}

impl PoolClaimInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let data = &obj.data;
        let mut invalid = Vec::new();
        let claim = quantity_map(
            data.pointer("/spec/claim"),
            QuotaField::SpecHard,
            &mut invalid,
        )
        .unwrap_or_default();
        let condition = data
            .pointer("/status/condition/type")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(|t| {
                match data
                    .pointer("/status/condition/reason")
                    .and_then(Value::as_str)
                    .filter(|r| !r.is_empty() && *r != t)
                {
                    Some(reason) => format!("{t}: {reason}"),
                    None => t.to_string(),
                }
            });
        PoolClaimInfo {
            namespace: namespace_of(&obj.metadata),
            name: name_of(&obj.metadata),
            pool: data
                .pointer("/spec/pool")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            claim,
            condition,
            invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pool(kind: PoolKind, v: Value) -> CapsulePoolInfo {
        CapsulePoolInfo::from_dynamic(&serde_json::from_value(v).unwrap(), kind)
    }

    #[test]
    fn a_resource_pool_with_its_allocation() {
        let p = pool(
            PoolKind::ResourcePool,
            json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "ResourcePool",
                   "metadata": {"name": "solar"},
                   "spec": {"selectors": [{"matchLabels": {"capsule.clastix.io/tenant": "solar"}}],
                            "quota": {"hard": {"limits.cpu": "2", "requests.memory": "4Gi"}}},
                   "status": {"namespaces": ["solar-prod", "solar-dev"],
                              "allocation": {"hard": {"limits.cpu": "2", "requests.memory": "4Gi"},
                                             "used": {"limits.cpu": "1500m"}}}}),
        );
        assert!(p.status_filled);
        assert_eq!(p.used["limits.cpu"], Quantity::from_millis(1500));
        assert_eq!(
            p.namespaces.as_deref(),
            Some(&["solar-dev".to_string(), "solar-prod".to_string()][..])
        );
    }

    #[test]
    fn a_global_quota_before_its_status_is_pending() {
        let p = pool(
            PoolKind::GlobalResourceQuota,
            json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "GlobalResourceQuota",
                   "metadata": {"name": "g"}, "spec": {"quota": {"hard": {"pods": "1e3"}}}}),
        );
        assert!(!p.status_filled);
        assert_eq!(p.hard["pods"], Quantity::from_units(1000));
        assert_eq!(p.namespaces, None);
        let odd = pool(
            PoolKind::GlobalResourceQuota,
            json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "GlobalResourceQuota",
                   "metadata": {"name": "g"}, "spec": {"quota": 3},
                   "status": {"namespaces": "all", "total": {"used": {"pods": "x"}}}}),
        );
        assert!(odd.hard.is_empty());
        assert_eq!(odd.problems.len(), 1);
        assert_eq!(odd.invalid.len(), 1);
    }

    #[test]
    fn a_claim() {
        let c = PoolClaimInfo::from_dynamic(
            &serde_json::from_value(json!({
                "apiVersion": "capsule.clastix.io/v1beta2", "kind": "ResourcePoolClaim",
                "metadata": {"name": "get-me-cpu", "namespace": "solar-test"},
                "spec": {"pool": "sample", "claim": {"requests.cpu": "2"}},
                "status": {"condition": {"type": "Bound", "reason": "Succeeded"}}
            }))
            .unwrap(),
        );
        assert_eq!(c.pool, "sample");
        assert_eq!(c.claim["requests.cpu"], Quantity::from_units(2));
        assert_eq!(c.condition.as_deref(), Some("Bound: Succeeded"));
        let bare = PoolClaimInfo::from_dynamic(
            &serde_json::from_value(json!({
                "apiVersion": "capsule.clastix.io/v1beta2", "kind": "ResourcePoolClaim",
                "metadata": {"name": "x", "namespace": "n"}
            }))
            .unwrap(),
        );
        assert!(bare.pool.is_empty() && bare.claim.is_empty() && bare.condition.is_none());
    }
}
