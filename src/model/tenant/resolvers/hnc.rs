//! `hnc`: the root of the HNC tree the namespace belongs to names the
//! tenant; a root with no children is no tenant.

use crate::model::projection::NamespaceInfo;
use crate::model::tenant::Context;

pub const HNC_DEPTH_SUFFIX: &str = ".tree.hnc.x-k8s.io/depth";

pub(in crate::model::tenant) fn claim(ns: &NamespaceInfo, ctx: &Context<'_>) -> Option<String> {
    let root = hnc_root(ns)?;
    (root != ns.name || ctx.hnc_parents.contains(ns.name.as_str())).then_some(root)
}

/// The root of the HNC tree `ns` belongs to: the ancestor with the largest
/// depth among its `<ancestor>.tree.hnc.x-k8s.io/depth` labels.
fn hnc_root(ns: &NamespaceInfo) -> Option<String> {
    ns.labels
        .iter()
        .filter_map(|(k, v)| Some((k.strip_suffix(HNC_DEPTH_SUFFIX)?, v.parse::<u32>().ok()?)))
        .max_by_key(|(_, depth)| *depth)
        .map(|(root, _)| root.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tenant::ResolverKind;
    use crate::model::tenant::tests::*;
    use serde_json::json;

    fn hnc_tree() -> Vec<NamespaceInfo> {
        // acme -> acme-team-a -> acme-team-a-dev; acme -> acme-team-b;
        // standalone has only its own depth label, as HNC sets on every
        // namespace it manages.
        vec![
            labelled(
                "acme",
                json!({"acme.tree.hnc.x-k8s.io/depth": "0", "hnc.x-k8s.io/included-namespace": "true"}),
            ),
            labelled(
                "acme-team-a",
                json!({"acme-team-a.tree.hnc.x-k8s.io/depth": "0", "acme.tree.hnc.x-k8s.io/depth": "1"}),
            ),
            labelled(
                "acme-team-a-dev",
                json!({"acme-team-a-dev.tree.hnc.x-k8s.io/depth": "0", "acme-team-a.tree.hnc.x-k8s.io/depth": "1", "acme.tree.hnc.x-k8s.io/depth": "2"}),
            ),
            labelled(
                "acme-team-b",
                json!({"acme-team-b.tree.hnc.x-k8s.io/depth": "0", "acme.tree.hnc.x-k8s.io/depth": "1"}),
            ),
            labelled(
                "standalone",
                json!({"standalone.tree.hnc.x-k8s.io/depth": "0"}),
            ),
        ]
    }

    #[test]
    fn hnc_resolver_uses_the_root() {
        let bindings = [
            rb(
                "acme",
                "acme-admins",
                "admin",
                json!([{"kind": "Group", "name": "acme-admins"}]),
            ),
            // HNC propagates the binding; the copy does not add a new owner.
            rb(
                "acme-team-a",
                "acme-admins",
                "admin",
                json!([{"kind": "Group", "name": "acme-admins"}]),
            ),
            rb(
                "acme-team-a",
                "team-a",
                "admin",
                json!([{"kind": "User", "name": "ann"}]),
            ),
        ];
        let r = run(&hnc_tree(), &[], &bindings, &ResolverKind::default_order());
        assert_eq!(
            ids(&r),
            vec![(
                "acme",
                "hnc",
                vec!["acme", "acme-team-a", "acme-team-a-dev", "acme-team-b"]
            )]
        );
        assert_eq!(r.tenants[0].owners.len(), 1);
        assert_eq!(r.tenants[0].owners[0].name, "acme-admins");
        assert_eq!(r.unassigned, vec!["standalone"]);
    }

    #[test]
    fn hnc_child_visible_without_root() {
        // A namespace admin sees only the child; the tenant is still the root.
        let nss = [hnc_tree().remove(2)];
        let r = run(&nss, &[], &[], &[ResolverKind::Hnc]);
        assert_eq!(ids(&r), vec![("acme", "hnc", vec!["acme-team-a-dev"])]);
    }
}
