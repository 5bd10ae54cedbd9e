//! `namespace`: the catch-all. Each namespace no other resolver claimed is
//! a tenant of its own, except the system namespaces; off by default, so
//! that turning it on does not make every labelled namespace a conflict.

use crate::model::tenant::SYSTEM_NAMESPACES;

/// The tenant of a namespace no other resolver claimed: its own name, but
/// never for a system namespace.
pub(in crate::model::tenant) fn claim(name: &str) -> Option<String> {
    (!SYSTEM_NAMESPACES.contains(&name)).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use crate::model::tenant::ResolverKind;
    use crate::model::tenant::tests::*;
    use serde_json::json;

    #[test]
    fn namespace_resolver_is_a_catch_all() {
        let nss = [
            plain("shop-1"),
            plain("kube-system"),
            labelled("x", json!({"tenantry.dev/tenant": "acme"})),
        ];
        let mut order = ResolverKind::default_order();
        order.push(ResolverKind::Namespace);
        let r = run(&nss, &[], &[], &order);
        assert_eq!(
            ids(&r),
            vec![
                ("acme", "label", vec!["x"]),
                ("shop-1", "namespace", vec!["shop-1"])
            ]
        );
        assert_eq!(r.unassigned, vec!["kube-system"]);
        assert!(r.conflicts.is_empty());
        // Off by default.
        assert_eq!(
            run(&nss, &[], &[], &ResolverKind::default_order())
                .unassigned
                .len(),
            2
        );
    }
}
