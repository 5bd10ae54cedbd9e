//! `ResourceQuota` → [`QuotaInfo`].

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceQuota;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::{name_of, namespace_of};
use crate::model::quantity::{Quantity, QuantityError};

/// A quantity the cluster sent that did not parse; kept so the views can
/// show the resource as broken instead of silently missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidQuantity {
    pub field: QuotaField,
    pub resource: String,
    pub raw: String,
    pub error: QuantityError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaField {
    SpecHard,
    StatusHard,
    StatusUsed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaInfo {
    pub namespace: String,
    pub name: String,
    /// `status.hard` once the quota controller has processed the current
    /// spec, otherwise `spec.hard`, so a fresh or just-edited quota shows
    /// the limits it is about to enforce.
    pub hard: BTreeMap<String, Quantity>,
    /// `status.used`; meaningful only when `status_filled`.
    pub used: BTreeMap<String, Quantity>,
    /// The quota controller has processed the current spec: `status.hard` is
    /// filled and equals `spec.hard`. Otherwise the usage is "pending": a
    /// status from before a spec change, or one the controller wrote from a
    /// cache that had not seen every object yet, is not shown as a figure.
    /// (ResourceQuotaStatus has no observedGeneration; `status.hard` is the
    /// controller's copy of the spec it counted against.)
    pub status_filled: bool,
    pub spec_hard: BTreeMap<String, Quantity>,
    pub scoped: bool,
    pub invalid: Vec<InvalidQuantity>,
    /// The template that made it (its `tenantry.dev/template` label): a
    /// quota edit applies it again, since the edit and the template share
    /// one field manager and server-side apply would drop a label the
    /// manager applied before and leaves out now.
    pub template: Option<String>,
}

impl QuotaInfo {
    pub fn from_quota(rq: &ResourceQuota) -> Self {
        let mut invalid = Vec::new();
        let mut read = |map: Option<&BTreeMap<String, K8sQuantity>>, field: QuotaField| {
            let mut out = BTreeMap::new();
            for (resource, raw) in map.into_iter().flatten() {
                match Quantity::try_from(raw) {
                    Ok(q) => {
                        out.insert(resource.clone(), q);
                    }
                    Err(error) => invalid.push(InvalidQuantity {
                        field,
                        resource: resource.clone(),
                        raw: raw.0.clone(),
                        error,
                    }),
                }
            }
            out
        };
        let spec = rq.spec.as_ref();
        let status = rq.status.as_ref();
        let spec_hard = read(spec.and_then(|s| s.hard.as_ref()), QuotaField::SpecHard);
        let status_hard = status
            .and_then(|s| s.hard.as_ref())
            .filter(|h| !h.is_empty())
            .map(|h| read(Some(h), QuotaField::StatusHard));
        let (hard, status_filled) = match status_hard {
            Some(h) if h == spec_hard => (h, true),
            // Not processed yet, or processed before the spec last changed.
            _ => (spec_hard.clone(), false),
        };
        let used = read(status.and_then(|s| s.used.as_ref()), QuotaField::StatusUsed);
        QuotaInfo {
            namespace: namespace_of(&rq.metadata),
            name: name_of(&rq.metadata),
            hard,
            used,
            status_filled,
            spec_hard,
            scoped: spec.is_some_and(|s| {
                s.scopes.as_ref().is_some_and(|v| !v.is_empty()) || s.scope_selector.is_some()
            }),
            invalid,
            template: rq
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(crate::model::template::TEMPLATE_LABEL))
                .cloned(),
        }
    }
}

impl From<&ResourceQuota> for QuotaInfo {
    fn from(rq: &ResourceQuota) -> Self {
        Self::from_quota(rq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quota_projection_prefers_status() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "compute", "namespace": "acme"},
            "spec": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"}},
            "status": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"},
                       "used": {"requests.cpu": "1500m", "requests.memory": "1Gi"}}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(info.status_filled);
        assert_eq!(info.hard["requests.cpu"], Quantity::from_units(4));
        assert_eq!(info.used["requests.cpu"], Quantity::from_millis(1500));
        assert_eq!(info.spec_hard.len(), 2);
        assert!(!info.scoped);
        assert!(info.invalid.is_empty());
    }

    #[test]
    fn quota_without_status_uses_spec() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "q", "namespace": "acme"},
            "spec": {"hard": {"pods": "10"}, "scopes": ["BestEffort"]}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(!info.status_filled);
        assert_eq!(info.hard["pods"], Quantity::from_units(10));
        assert!(info.used.is_empty());
        assert!(info.scoped);
    }

    #[test]
    fn a_status_older_than_the_spec_is_pending_not_a_figure() {
        // The limit was raised from 4 to 8 CPUs; the controller has not
        // counted against the new spec yet.
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "compute", "namespace": "acme"},
            "spec": {"hard": {"requests.cpu": "8"}},
            "status": {"hard": {"requests.cpu": "4"}, "used": {"requests.cpu": "1"}}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(!info.status_filled);
        assert_eq!(info.hard["requests.cpu"], Quantity::from_units(8));

        // Same values written differently are the same spec.
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "compute", "namespace": "acme"},
            "spec": {"hard": {"requests.cpu": "1000m"}},
            "status": {"hard": {"requests.cpu": "1"}, "used": {"requests.cpu": "0"}}
        }))
        .unwrap();
        assert!(QuotaInfo::from(&rq).status_filled);
    }

    #[test]
    fn an_empty_status_hard_is_pending() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "q", "namespace": "acme"},
            "spec": {"hard": {"pods": "10"}},
            "status": {"hard": {}, "used": {"pods": "0"}}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(!info.status_filled);
        assert_eq!(info.hard["pods"], Quantity::from_units(10));
    }

    #[test]
    fn quota_keeps_unparsable_values_as_invalid() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "q", "namespace": "acme"},
            "spec": {"hard": {"pods": "ten", "cpu": "1"}},
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert_eq!(info.hard.len(), 1);
        assert_eq!(info.invalid.len(), 1);
        assert_eq!(info.invalid[0].resource, "pods");
        assert_eq!(info.invalid[0].raw, "ten");
        assert_eq!(info.invalid[0].field, QuotaField::SpecHard);
    }
}
