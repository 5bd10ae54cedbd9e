//! Capsule `Tenant` → [`CapsuleTenantInfo`].

use std::collections::BTreeMap;

use kube::core::DynamicObject;
use serde_json::Value;

use super::{InvalidQuantity, QuotaField, Subject, name_of};
use crate::model::quantity::Quantity;

/// A Capsule `Tenant` (capsule.clastix.io/v1beta2), read as a dynamic object
/// so that no CRD types are compiled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapsuleTenantInfo {
    pub name: String,
    pub owners: Vec<Subject>,
    pub namespaces: Vec<String>,
    /// `spec.resourceQuotas`: where Capsule tenants keep their quotas.
    pub resource_quotas: CapsuleResourceQuotas,
}

/// A Capsule Tenant's `spec.resourceQuotas`. Capsule creates one
/// ResourceQuota `capsule-<tenant>-<i>` per item in each of the tenant's
/// namespaces and keeps them in step with the Tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapsuleResourceQuotas {
    /// `Tenant` (the hard limits hold for all namespaces together, Capsule's
    /// default) or `Namespace` (for each one); `None` when not written.
    pub scope: Option<String>,
    pub items: Vec<CapsuleQuotaItem>,
    /// Set when `spec.resourceQuotas` is there but not in the v1beta2 shape
    /// (an object with an `items` list of objects): what is wrong with it.
    pub unreadable: Option<String>,
}

/// One item of `spec.resourceQuotas.items` (a ResourceQuota spec).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapsuleQuotaItem {
    pub hard: BTreeMap<String, Quantity>,
    /// Values of `hard` that are not quantities, kept visible (and kept on
    /// writes) rather than dropped.
    pub invalid: Vec<InvalidQuantity>,
    /// The item's other fields (`scopes`, `scopeSelector`), verbatim:
    /// Capsule's `items` list is atomic, so a write sends every item back
    /// whole. Empty for the usual item.
    pub other: serde_json::Map<String, Value>,
}

impl CapsuleQuotaItem {
    /// Whether `hard` names `resource`, with a valid value or not.
    pub fn names(&self, resource: &str) -> bool {
        self.hard.contains_key(resource) || self.invalid.iter().any(|i| i.resource == resource)
    }

    fn from_value(value: &Value) -> Result<Self, String> {
        let Some(fields) = value.as_object() else {
            return Err(format!("an item is {}, not an object", json_kind(value)));
        };
        let mut item = CapsuleQuotaItem::default();
        for (key, field) in fields {
            if key != "hard" {
                item.other.insert(key.clone(), field.clone());
                continue;
            }
            let Some(hard) = field.as_object() else {
                if field.is_null() {
                    continue;
                }
                return Err(format!("an item's hard is {}, not a map", json_kind(field)));
            };
            for (resource, raw) in hard {
                // int-or-string in Capsule's schema: 10 and "10" both count.
                let text = match raw {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    other => other.to_string(),
                };
                match crate::model::quantity::parse_quantity(&text) {
                    Ok(q) => {
                        item.hard.insert(resource.clone(), q);
                    }
                    Err(error) => item.invalid.push(InvalidQuantity {
                        field: QuotaField::SpecHard,
                        resource: resource.clone(),
                        raw: text,
                        error,
                    }),
                }
            }
        }
        Ok(item)
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl CapsuleResourceQuotas {
    /// Whether each namespace gets the whole limit (scope `Namespace`);
    /// otherwise the limit holds for the tenant's namespaces together.
    pub fn per_namespace(&self) -> bool {
        self.scope.as_deref() == Some("Namespace")
    }

    fn from_value(value: Option<&Value>) -> Self {
        let mut out = CapsuleResourceQuotas::default();
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return out;
        };
        let Some(fields) = value.as_object() else {
            out.unreadable = Some(format!(
                "spec.resourceQuotas is {}, not an object with scope and items",
                json_kind(value)
            ));
            return out;
        };
        match fields.get("scope") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.scope = Some(s.clone()),
            Some(other) => {
                out.unreadable = Some(format!(
                    "spec.resourceQuotas.scope is {}, not Tenant or Namespace",
                    json_kind(other)
                ));
                return out;
            }
        }
        match fields.get("items") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match CapsuleQuotaItem::from_value(item) {
                        Ok(item) => out.items.push(item),
                        Err(why) => {
                            out.items.clear();
                            out.unreadable = Some(format!("spec.resourceQuotas.items[{i}]: {why}"));
                            return out;
                        }
                    }
                }
            }
            Some(other) => {
                out.unreadable = Some(format!(
                    "spec.resourceQuotas.items is {}, not a list",
                    json_kind(other)
                ));
            }
        }
        out
    }
}

impl CapsuleTenantInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let str_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let owners = obj
            .data
            .pointer("/spec/owners")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| {
                Some(Subject {
                    kind: str_of(o, "kind")?,
                    name: str_of(o, "name")?,
                    namespace: None,
                })
            })
            .collect();
        let mut namespaces: Vec<String> = obj
            .data
            .pointer("/status/namespaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect();
        namespaces.sort();
        namespaces.dedup();
        CapsuleTenantInfo {
            name: name_of(&obj.metadata),
            owners,
            namespaces,
            resource_quotas: CapsuleResourceQuotas::from_value(
                obj.data.pointer("/spec/resourceQuotas"),
            ),
        }
    }
}

impl From<&DynamicObject> for CapsuleTenantInfo {
    fn from(obj: &DynamicObject) -> Self {
        Self::from_dynamic(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn capsule_tenant_from_dynamic_object() {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "capsule.clastix.io/v1beta2",
            "kind": "Tenant",
            "metadata": {"name": "oil"},
            "spec": {"owners": [
                {"kind": "User", "name": "alice", "clusterRoles": ["admin", "capsule-namespace-deleter"]},
                {"kind": "Group", "name": "oil-admins"},
                {"kind": "ServiceAccount", "name": "system:serviceaccount:tenant-system:robot"},
                {"kind": "User"}
            ]},
            "status": {"size": 2, "state": "Active", "namespaces": ["oil-production", "oil-development"]}
        }))
        .unwrap();
        let t = CapsuleTenantInfo::from(&obj);
        assert_eq!(t.name, "oil");
        assert_eq!(t.owners.len(), 3);
        assert_eq!(
            t.owners[1],
            Subject {
                kind: "Group".into(),
                name: "oil-admins".into(),
                namespace: None
            }
        );
        assert_eq!(t.namespaces, vec!["oil-development", "oil-production"]);

        let bare: DynamicObject =
            serde_json::from_value(json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "Tenant", "metadata": {"name": "x"}}))
                .unwrap();
        let t = CapsuleTenantInfo::from(&bare);
        assert!(t.owners.is_empty() && t.namespaces.is_empty());
        assert_eq!(t.resource_quotas, CapsuleResourceQuotas::default());
    }

    /// A Tenant as a Capsule v1beta2 API server returns it.
    fn capsule_tenant(resource_quotas: serde_json::Value) -> CapsuleTenantInfo {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "capsule.clastix.io/v1beta2",
            "kind": "Tenant",
            "metadata": {
                "name": "oil",
                "uid": "0b6f7ad5-8d7c-4f43-9d3e-5d1a4c0f1e11",
                "resourceVersion": "4711",
                "generation": 3,
                "creationTimestamp": "2024-05-02T09:12:44Z",
                "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                                   "apiVersion": "capsule.clastix.io/v1beta2", "fieldsType": "FieldsV1",
                                   "fieldsV1": {"f:spec": {".": {}, "f:owners": {}}}}]
            },
            "spec": {
                "cordoned": false,
                "preventDeletion": false,
                "owners": [{"kind": "User", "name": "alice",
                            "clusterRoles": ["admin", "capsule-namespace-deleter"]}],
                "namespaceOptions": {"quota": 3},
                "limitRanges": {"items": [{"limits": [{"type": "Container",
                    "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}]}]},
                "resourceQuotas": resource_quotas
            },
            "status": {"size": 2, "state": "Active",
                       "namespaces": ["oil-development", "oil-production"]}
        }))
        .unwrap();
        CapsuleTenantInfo::from(&obj)
    }

    #[test]
    fn capsule_tenant_resource_quotas() {
        let t = capsule_tenant(json!({
            "scope": "Tenant",
            "items": [
                {"hard": {"limits.cpu": "8", "requests.memory": "16Gi", "pods": 10},
                 "scopes": ["NotTerminating"]},
                {"hard": {"services": "50", "services.loadbalancers": "lots"}}
            ]
        }));
        let rq = &t.resource_quotas;
        assert_eq!(rq.scope.as_deref(), Some("Tenant"));
        assert!(!rq.per_namespace());
        assert_eq!(rq.unreadable, None);
        assert_eq!(rq.items.len(), 2);
        assert_eq!(rq.items[0].hard["limits.cpu"], Quantity::from_units(8));
        assert_eq!(
            rq.items[0].hard["requests.memory"],
            Quantity::from_bytes_binary(16 << 30)
        );
        assert_eq!(rq.items[0].hard["pods"], Quantity::from_units(10));
        assert_eq!(rq.items[0].other["scopes"], json!(["NotTerminating"]));
        assert!(rq.items[0].invalid.is_empty());
        // The bad value is kept, with why, not dropped.
        assert_eq!(rq.items[1].hard.len(), 1);
        assert_eq!(rq.items[1].invalid.len(), 1);
        let bad = &rq.items[1].invalid[0];
        assert_eq!(bad.resource, "services.loadbalancers");
        assert_eq!(bad.raw, "lots");
        assert_eq!(bad.field, QuotaField::SpecHard);
        assert!(rq.items[1].names("services.loadbalancers"));
        assert!(!rq.items[1].names("pods"));
        assert!(rq.items[1].other.is_empty());
        // Nothing else of the spec is kept.
        assert_eq!(t.owners.len(), 1);
        assert_eq!(t.namespaces, vec!["oil-development", "oil-production"]);

        let per_namespace = capsule_tenant(json!({"scope": "Namespace", "items": []}));
        assert!(per_namespace.resource_quotas.per_namespace());
        assert!(per_namespace.resource_quotas.items.is_empty());
        let no_scope = capsule_tenant(json!({"items": [{"hard": {"pods": "1"}}]}));
        assert_eq!(no_scope.resource_quotas.scope, None);
        assert!(!no_scope.resource_quotas.per_namespace());
        assert_eq!(no_scope.resource_quotas.items.len(), 1);
    }

    #[test]
    fn capsule_resource_quotas_of_the_wrong_shape_say_what_is_wrong() {
        // v1alpha1 kept a bare list here.
        let t = capsule_tenant(json!([{"hard": {"pods": "1"}}]));
        assert_eq!(
            t.resource_quotas.unreadable.as_deref(),
            Some("spec.resourceQuotas is a list, not an object with scope and items")
        );
        let t = capsule_tenant(json!({"items": [{"hard": {"pods": "1"}}, "pods=1"]}));
        assert_eq!(
            t.resource_quotas.unreadable.as_deref(),
            Some("spec.resourceQuotas.items[1]: an item is a string, not an object")
        );
        assert!(t.resource_quotas.items.is_empty());
        let t = capsule_tenant(json!({"items": [{"hard": ["pods"]}]}));
        assert_eq!(
            t.resource_quotas.unreadable.as_deref(),
            Some("spec.resourceQuotas.items[0]: an item's hard is a list, not a map")
        );
        let t = capsule_tenant(json!({"scope": 1}));
        assert!(
            t.resource_quotas
                .unreadable
                .as_deref()
                .is_some_and(|u| u.contains("scope is a number")),
            "{:?}",
            t.resource_quotas
        );
    }
}
