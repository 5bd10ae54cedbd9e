//! `namespace`: the catch-all. Each namespace no other resolver claimed is
//! a tenant of its own, except the system namespaces; off by default, so
//! that turning it on does not make every labelled namespace a conflict.

use crate::model::SystemNamespaces;

/// The tenant of a namespace no other resolver claimed: its own name, but
/// never for a system namespace (`system_namespaces:` in config.yaml).
pub(in crate::model::tenant) fn claim(name: &str, system: &SystemNamespaces) -> Option<String> {
    (!system.matches(name)).then(|| name.to_string())
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
        assert!(r.unassigned.is_empty(), "{:?}", r.unassigned);
        assert_eq!(r.system, vec!["kube-system"]);
        assert!(r.conflicts.is_empty());
        // Off by default: shop-1 is an orphan, kube-system is the system's.
        let off = run(&nss, &[], &[], &ResolverKind::default_order());
        assert_eq!(off.unassigned, vec!["shop-1"]);
        assert_eq!(off.system, vec!["kube-system"]);
    }
}
