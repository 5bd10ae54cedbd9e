//! New ResourceQuota hard limits for a tenant, as objects to apply: shared
//! by `tenantry quota set` and the console's quota editor. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use super::inventory::Inventory;
use super::quantity::Quantity;
use super::template::{MANAGED_BY_LABEL, TENANT_LABEL};
use super::tenant::Tenant;

/// The quota tenantry creates when a namespace has none.
pub const DEFAULT_QUOTA_NAME: &str = "tenant-quota";

/// One resource's limit before and after, with what is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaChange {
    pub namespace: String,
    pub quota: String,
    pub resource: String,
    pub before: Option<Quantity>,
    pub after: Quantity,
    /// Current use, when the quota controller has reported it.
    pub used: Option<Quantity>,
}

impl QuotaChange {
    /// The new limit is below what is already used.
    pub fn below_use(&self) -> bool {
        self.used.as_ref().is_some_and(|used| &self.after < used)
    }

    /// "requests.memory 1Gi in globex-web is below what is already used (3Gi)".
    pub fn warning(&self) -> Option<String> {
        self.below_use().then(|| {
            format!(
                "{} {} in {} is below what is already used ({}); running pods stay, new ones are refused until usage drops",
                self.resource,
                self.after.format_for(&self.resource),
                self.namespace,
                self.used
                    .as_ref()
                    .map(|u| u.format_for(&self.resource))
                    .unwrap_or_default()
            )
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuotaPlan {
    /// Objects to apply with server-side apply, in namespace order.
    pub objects: Vec<Value>,
    pub changes: Vec<QuotaChange>,
}

impl QuotaPlan {
    pub fn warnings(&self) -> Vec<String> {
        self.changes
            .iter()
            .filter_map(QuotaChange::warning)
            .collect()
    }
}

/// New hard limits `assignments` for the ResourceQuota of each of the
/// tenant's namespaces (`only`, when not empty, limits it to those). A
/// namespace with one quota gets that one changed; with none, a quota named
/// [`DEFAULT_QUOTA_NAME`]; with several, `quota_name` must say which.
///
/// Each object carries the whole `hard` map, not just the changed keys:
/// with server-side apply, keys this field manager applied before and
/// leaves out now would be removed from the quota.
pub fn plan_quota(
    inventory: &Inventory,
    tenant: &Tenant,
    only: &[String],
    quota_name: Option<&str>,
    assignments: &[(String, Quantity)],
) -> Result<QuotaPlan, String> {
    for ns in only {
        if !tenant.namespaces.contains(ns) {
            return Err(format!(
                "{ns} is not a namespace of tenant {} ({})",
                tenant.id,
                tenant.namespaces.join(", ")
            ));
        }
    }
    let mut plan = QuotaPlan::default();
    for ns in tenant
        .namespaces
        .iter()
        .filter(|ns| only.is_empty() || only.contains(ns))
    {
        let quotas: Vec<&super::QuotaInfo> = inventory.quotas_in(ns).collect();
        let target = match (quota_name, quotas.as_slice()) {
            (Some(name), _) => name.to_string(),
            (None, []) => DEFAULT_QUOTA_NAME.to_string(),
            (None, [only]) => only.name.clone(),
            (None, several) => {
                return Err(format!(
                    "{ns} has several ResourceQuotas ({}); name one with --quota",
                    several
                        .iter()
                        .map(|q| q.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        };
        let existing = quotas.iter().find(|q| q.name == target);
        let mut hard: BTreeMap<String, Quantity> =
            existing.map(|q| q.spec_hard.clone()).unwrap_or_default();
        for (resource, quantity) in assignments {
            let before = hard.insert(resource.clone(), quantity.clone());
            plan.changes.push(QuotaChange {
                namespace: ns.clone(),
                quota: target.clone(),
                resource: resource.clone(),
                before,
                after: quantity.clone(),
                used: existing
                    .filter(|q| q.status_filled)
                    .and_then(|q| q.used.get(resource).cloned()),
            });
        }
        let hard: serde_json::Map<String, Value> = hard
            .iter()
            .map(|(r, q)| (r.clone(), Value::String(q.canonical())))
            .collect();
        plan.objects.push(serde_json::json!({
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {
                "name": target,
                "namespace": ns,
                "labels": {
                    MANAGED_BY_LABEL: "tenantry",
                    TENANT_LABEL: tenant.id.as_str(),
                },
            },
            "spec": {"hard": hard},
        }));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Object, TenantId, parse_quantity};

    fn inventory() -> Inventory {
        let mut inv = Inventory::default();
        let quota: k8s_openapi::api::core::v1::ResourceQuota =
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "compute", "namespace": "a-1"},
                "spec": {"hard": {"pods": "10", "requests.cpu": "2"}},
                "status": {"hard": {"pods": "10", "requests.cpu": "2"}, "used": {"pods": "8", "requests.cpu": "1"}},
            }))
            .unwrap();
        inv.apply(crate::model::Change::Applied(Object::ResourceQuota(
            crate::model::QuotaInfo::from_quota(&quota),
        )));
        inv
    }

    fn tenant() -> Tenant {
        Tenant {
            id: TenantId::new("a"),
            source: "label".into(),
            namespaces: vec!["a-1".into(), "a-2".into()],
            owners: vec![],
        }
    }

    fn q(s: &str) -> Quantity {
        parse_quantity(s).unwrap()
    }

    #[test]
    fn keeps_every_other_key_and_creates_a_quota_where_there_is_none() {
        let plan = plan_quota(
            &inventory(),
            &tenant(),
            &[],
            None,
            &[("pods".into(), q("5"))],
        )
        .unwrap();
        assert_eq!(plan.objects.len(), 2);
        assert_eq!(plan.objects[0]["metadata"]["name"], "compute");
        assert_eq!(plan.objects[0]["spec"]["hard"]["requests.cpu"], "2");
        assert_eq!(plan.objects[0]["spec"]["hard"]["pods"], "5");
        assert_eq!(plan.objects[1]["metadata"]["name"], DEFAULT_QUOTA_NAME);
        assert_eq!(plan.changes[0].before, Some(q("10")));
        assert!(plan.changes[0].below_use());
        let warnings = plan.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("pods 5 in a-1 is below what is already used (8)"),
            "{warnings:?}"
        );
    }

    #[test]
    fn namespaces_outside_the_tenant_are_refused() {
        let err = plan_quota(&inventory(), &tenant(), &["b".into()], None, &[]).unwrap_err();
        assert!(err.contains("b is not a namespace of tenant a"), "{err}");
        let plan = plan_quota(
            &inventory(),
            &tenant(),
            &["a-2".into()],
            None,
            &[("pods".into(), q("1"))],
        )
        .unwrap();
        assert_eq!(plan.objects.len(), 1);
    }
}
