//! `capsule`: the Capsule `Tenant` that lists the namespace in its status,
//! else Capsule's tenant label on the namespace.

use super::label_value;
use crate::model::projection::NamespaceInfo;
use crate::model::tenant::Context;

pub const CAPSULE_TENANT_LABEL: &str = "capsule.clastix.io/tenant";

pub(in crate::model::tenant) fn claim(ns: &NamespaceInfo, ctx: &Context<'_>) -> Option<String> {
    ctx.capsule_by_namespace
        .get(ns.name.as_str())
        .map(|t| t.to_string())
        .or_else(|| label_value(ns, CAPSULE_TENANT_LABEL))
}

#[cfg(test)]
mod tests {
    use crate::model::tenant::ResolverKind;
    use crate::model::tenant::tests::*;
    use serde_json::json;

    #[test]
    fn capsule_resolver_from_labels_and_tenant_objects() {
        // Capsule labels namespaces it admits and lists them in Tenant status.
        let nss = [
            labelled(
                "oil-production",
                json!({"capsule.clastix.io/tenant": "oil", "kubernetes.io/metadata.name": "oil-production"}),
            ),
            plain("oil-development"),
            labelled("gas-dev", json!({"capsule.clastix.io/tenant": "gas"})),
        ];
        let tenants = [
            capsule_tenant(json!({
                "apiVersion": "capsule.clastix.io/v1beta2", "kind": "Tenant",
                "metadata": {"name": "oil"},
                "spec": {"owners": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "oil-ops"}]},
                "status": {"namespaces": ["oil-development", "oil-production", "oil-hidden"], "size": 3, "state": "Active"}
            })),
            capsule_tenant(json!({
                "apiVersion": "capsule.clastix.io/v1beta2", "kind": "Tenant",
                "metadata": {"name": "solar"}, "spec": {"owners": [{"kind": "User", "name": "sam"}]},
                "status": {"namespaces": [], "size": 0}
            })),
        ];
        let bindings = [rb(
            "gas-dev",
            "namespace:admin",
            "admin",
            json!([{"kind": "User", "name": "gary"}]),
        )];
        let r = run(&nss, &tenants, &bindings, &ResolverKind::default_order());
        assert_eq!(
            ids(&r),
            vec![
                ("gas", "capsule", vec!["gas-dev"]),
                // oil-hidden is not visible but Tenant status names it.
                (
                    "oil",
                    "capsule",
                    vec!["oil-development", "oil-hidden", "oil-production"]
                ),
                ("solar", "capsule", vec![]),
            ]
        );
        assert_eq!(r.tenants[0].owners, vec![user("gary")]);
        assert_eq!(r.tenants[1].owners.len(), 2);
        assert_eq!(r.tenants[2].owners, vec![user("sam")]);
        assert!(r.unassigned.is_empty());
    }

    #[test]
    fn capsule_objects_ignored_when_resolver_off() {
        let tenants = [capsule_tenant(json!({
            "apiVersion": "capsule.clastix.io/v1beta2", "kind": "Tenant",
            "metadata": {"name": "oil"}, "status": {"namespaces": ["oil-a"]}
        }))];
        let r = run(&[plain("oil-a")], &tenants, &[], &[ResolverKind::Hnc]);
        assert!(r.tenants.is_empty());
        assert_eq!(r.unassigned, vec!["oil-a"]);
    }
}
