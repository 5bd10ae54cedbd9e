//! The cluster's own namespaces (ARCHITECTURE.md §3): the platform, not
//! tenants. Given as globs in `config.yaml` (`system_namespaces:`), the four
//! built-in namespaces by default. No resolver makes one a tenant, and the
//! tenants list counts them apart from the namespaces that belong to no
//! tenant (the orphans an admin should look at).

use super::tenant::SYSTEM_NAMESPACES;

/// Name globs (`*`, `?`, `[a-z]`), matched against whole namespace names.
#[derive(Clone, Debug)]
pub struct SystemNamespaces {
    patterns: Vec<glob::Pattern>,
}

impl PartialEq for SystemNamespaces {
    fn eq(&self, other: &Self) -> bool {
        self.globs().eq(other.globs())
    }
}

impl Eq for SystemNamespaces {}

impl Default for SystemNamespaces {
    /// `kube-system`, `kube-public`, `kube-node-lease` and `default`.
    fn default() -> Self {
        Self {
            patterns: SYSTEM_NAMESPACES
                .iter()
                .map(|name| glob::Pattern::new(&glob::Pattern::escape(name)))
                .collect::<Result<_, _>>()
                .unwrap_or_default(),
        }
    }
}

impl SystemNamespaces {
    /// Parses globs; the error names the first bad one and says why.
    pub fn parse<S: AsRef<str>>(globs: &[S]) -> Result<Self, String> {
        let patterns = globs
            .iter()
            .map(|g| {
                let g = g.as_ref();
                if g.trim().is_empty() {
                    return Err("an empty glob matches no namespace; remove it".to_string());
                }
                glob::Pattern::new(g).map_err(|e| format!("{g:?} is not a glob: {}", e.msg))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    pub fn matches(&self, namespace: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(namespace))
    }

    /// The globs as written.
    pub fn globs(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(glob::Pattern::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_four_built_ins_and_nothing_else() {
        let system = SystemNamespaces::default();
        for ns in SYSTEM_NAMESPACES {
            assert!(system.matches(ns), "{ns}");
        }
        for ns in ["kube-systemx", "kube", "defaults", "acme-dev", ""] {
            assert!(!system.matches(ns), "{ns}");
        }
        assert_eq!(system.globs().count(), 4);
    }

    #[test]
    fn globs_match_whole_names() {
        let system = SystemNamespaces::parse(&["openshift-*", "kube-?ublic", "cattle-[a-z]*"])
            .expect("valid globs");
        assert!(system.matches("openshift-monitoring"));
        assert!(system.matches("kube-public"));
        assert!(system.matches("cattle-system"));
        assert!(!system.matches("my-openshift-app"));
        assert!(!system.matches("kube-system"), "replaces the default");
        assert!(!system.matches("cattle-1"));
    }

    fn namespace(name: &str, labels: &[(&str, &str)]) -> crate::model::NamespaceInfo {
        let labels: serde_json::Map<String, serde_json::Value> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        let ns: k8s_openapi::api::core::v1::Namespace = serde_json::from_value(
            serde_json::json!({"metadata": {"name": name, "labels": labels}}),
        )
        .expect("a namespace");
        crate::model::NamespaceInfo::from(&ns)
    }

    #[test]
    fn system_namespaces_are_a_group_of_their_own_and_never_a_tenant() {
        use crate::model::tenant::{ResolverKind, resolve_with_system};
        let names = [
            namespace("kube-system", &[]),
            namespace("default", &[]),
            namespace("openshift-monitoring", &[]),
            namespace("shared-tools", &[]),
            namespace("acme-dev", &[("tenantry.dev/tenant", "acme")]),
        ];
        let refs: Vec<&crate::model::NamespaceInfo> = names.iter().collect();
        // Every namespace its own tenant, but not the system ones.
        let mut order = ResolverKind::default_order();
        order.push(ResolverKind::Namespace);

        let built_in =
            resolve_with_system(&refs, &[], &[], &order, &[], &SystemNamespaces::default());
        assert_eq!(built_in.system, vec!["default", "kube-system"]);
        assert!(
            built_in
                .tenant(&crate::model::TenantId::new("kube-system"))
                .is_none()
        );
        assert!(
            built_in
                .tenant(&crate::model::TenantId::new("openshift-monitoring"))
                .is_some()
        );

        let configured =
            SystemNamespaces::parse(&["kube-*", "openshift-*", "default"]).expect("globs");
        let r = resolve_with_system(&refs, &[], &[], &order, &[], &configured);
        assert_eq!(
            r.system,
            vec!["default", "kube-system", "openshift-monitoring"]
        );
        assert!(
            r.tenant(&crate::model::TenantId::new("openshift-monitoring"))
                .is_none()
        );
        assert!(r.unassigned.is_empty(), "{:?}", r.unassigned);

        // Without the namespace resolver, orphans and system namespaces stay apart.
        let r = resolve_with_system(
            &refs,
            &[],
            &[],
            &ResolverKind::default_order(),
            &[],
            &configured,
        );
        assert_eq!(r.unassigned, vec!["shared-tools"]);
        assert_eq!(
            r.system,
            vec!["default", "kube-system", "openshift-monitoring"]
        );
        assert!(r.tenant(&crate::model::TenantId::new("acme")).is_some());
    }

    #[test]
    fn bad_globs_are_named() {
        let err = SystemNamespaces::parse(&["kube-*", "team-[a"]).expect_err("unclosed class");
        assert!(err.contains("\"team-[a\" is not a glob"), "{err}");
        let err = SystemNamespaces::parse(&["  "]).expect_err("empty");
        assert!(err.contains("empty glob"), "{err}");
    }
}
