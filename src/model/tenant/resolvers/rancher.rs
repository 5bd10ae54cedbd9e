//! `rancher`: the project of `field.cattle.io/projectId` names the tenant.

use super::label_value;
use crate::model::projection::NamespaceInfo;

pub const RANCHER_PROJECT_LABEL: &str = "field.cattle.io/projectId";

/// Rancher binds project members to these in every project namespace.
pub(in crate::model::tenant) const OWNER_ROLES: &[&str] =
    &["admin", "project-owner", "project-member"];

pub(in crate::model::tenant) fn claim(ns: &NamespaceInfo) -> Option<String> {
    label_value(ns, RANCHER_PROJECT_LABEL).map(|v| match v.split_once(':') {
        Some((_, project)) => project.to_string(),
        None => v,
    })
}

#[cfg(test)]
mod tests {
    use crate::model::tenant::ResolverKind;
    use crate::model::tenant::tests::*;
    use serde_json::json;

    #[test]
    fn rancher_resolver() {
        let nss = [
            labelled("web", json!({"field.cattle.io/projectId": "p-xyz"})),
            labelled("db", json!({"field.cattle.io/projectId": "c-abc:p-xyz"})),
            labelled(
                "cattle-system",
                json!({"field.cattle.io/projectId": "p-sys"}),
            ),
        ];
        let bindings = [
            rb(
                "web",
                "rb-owner",
                "project-owner",
                json!([{"kind": "User", "name": "u-abc"}]),
            ),
            rb(
                "db",
                "rb-member",
                "project-member",
                json!([{"kind": "User", "name": "u-def"}]),
            ),
        ];
        let r = run(&nss, &[], &bindings, &ResolverKind::default_order());
        assert_eq!(
            ids(&r),
            vec![
                ("p-sys", "rancher", vec!["cattle-system"]),
                ("p-xyz", "rancher", vec!["db", "web"])
            ]
        );
        assert_eq!(r.tenants[1].owners.len(), 2);
    }
}
