//! `label` (and `label:<key>`): the value of a namespace label names the
//! tenant.

use super::label_value;
use crate::model::projection::NamespaceInfo;

pub const DEFAULT_TENANT_LABEL: &str = "tenantry.dev/tenant";

pub(in crate::model::tenant) fn claim(ns: &NamespaceInfo, key: &str) -> Option<String> {
    label_value(ns, key)
}

#[cfg(test)]
mod tests {
    use crate::model::tenant::tests::*;
    use crate::model::tenant::{ResolverKind, TenantId};
    use serde_json::json;

    #[test]
    fn label_resolver_with_admin_owners() {
        let nss = [
            labelled("acme-dev", json!({"tenantry.dev/tenant": "acme"})),
            labelled("acme-prod", json!({"tenantry.dev/tenant": "acme"})),
            labelled("beta", json!({"tenantry.dev/tenant": "beta"})),
            plain("default"),
            labelled("empty-value", json!({"tenantry.dev/tenant": ""})),
        ];
        let bindings = [
            rb(
                "acme-dev",
                "owner",
                "admin",
                json!([{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]),
            ),
            rb(
                "acme-prod",
                "owner",
                "admin",
                json!([{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]),
            ),
            rb(
                "acme-prod",
                "viewer",
                "view",
                json!([{"kind": "User", "name": "carol"}]),
            ),
            rb(
                "beta",
                "ci",
                "admin",
                json!([{"kind": "ServiceAccount", "name": "ci", "namespace": "beta"}]),
            ),
        ];
        let r = run(&nss, &[], &bindings, &ResolverKind::default_order());
        assert_eq!(
            ids(&r),
            vec![
                ("acme", "label", vec!["acme-dev", "acme-prod"]),
                ("beta", "label", vec!["beta"])
            ]
        );
        assert_eq!(r.tenants[0].owners, vec![user("alice")]);
        assert_eq!(r.tenants[1].owners[0].kind, "ServiceAccount");
        assert_eq!(r.unassigned, vec!["empty-value"]);
        assert_eq!(r.system, vec!["default"]);
        assert!(r.conflicts.is_empty());
        assert_eq!(r.tenant_of("acme-prod").unwrap().id, TenantId::new("acme"));
        assert!(r.tenant_of("default").is_none());
        assert_eq!(
            r.tenant(&TenantId::new("beta")).unwrap().namespaces,
            vec!["beta"]
        );
    }

    #[test]
    fn custom_label_key() {
        let nss = [labelled(
            "a",
            json!({"example.com/team": "red", "tenantry.dev/tenant": "x"}),
        )];
        let order = [ResolverKind::parse("label:example.com/team").unwrap()];
        let r = run(&nss, &[], &[], &order);
        assert_eq!(ids(&r), vec![("red", "label", vec!["a"])]);
    }
}
