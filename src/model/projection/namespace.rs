//! `Namespace` → [`NamespaceInfo`].

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;

use super::name_of;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceInfo {
    pub name: String,
    /// All labels: tenant resolvers, Pod Security and selectors all read them.
    pub labels: BTreeMap<String, String>,
    pub phase_terminating: bool,
}

impl NamespaceInfo {
    pub fn from_namespace(ns: &Namespace) -> Self {
        NamespaceInfo {
            name: name_of(&ns.metadata),
            labels: ns.metadata.labels.clone().unwrap_or_default(),
            phase_terminating: ns.status.as_ref().and_then(|s| s.phase.as_deref())
                == Some("Terminating")
                || ns.metadata.deletion_timestamp.is_some(),
        }
    }
}

impl From<&Namespace> for NamespaceInfo {
    fn from(ns: &Namespace) -> Self {
        Self::from_namespace(ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespace_projection() {
        let ns: Namespace = serde_json::from_value(json!({
            "metadata": {"name": "acme-dev", "labels": {"tenantry.dev/tenant": "acme", "kubernetes.io/metadata.name": "acme-dev"},
                          "annotations": {"big": "x"}},
            "status": {"phase": "Terminating"}
        }))
        .unwrap();
        let info = NamespaceInfo::from(&ns);
        assert_eq!(info.name, "acme-dev");
        assert_eq!(info.labels.len(), 2);
        assert!(info.phase_terminating);
        let active: Namespace = serde_json::from_value(
            json!({"metadata": {"name": "a"}, "status": {"phase": "Active"}}),
        )
        .unwrap();
        assert!(!NamespaceInfo::from(&active).phase_terminating);
    }
}
