//! `Role` and `ClusterRole` → [`RoleInfo`], with their [`RuleInfo`]s.

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule, Role};

use super::{name_of, namespace_of};

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RuleInfo {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

impl RuleInfo {
    pub fn from_rule(r: &PolicyRule) -> Self {
        RuleInfo {
            verbs: r.verbs.clone(),
            api_groups: r.api_groups.clone().unwrap_or_default(),
            resources: r.resources.clone().unwrap_or_default(),
            resource_names: r.resource_names.clone().unwrap_or_default(),
            non_resource_urls: r.non_resource_urls.clone().unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleInfo {
    /// `None` for ClusterRoles.
    pub namespace: Option<String>,
    pub name: String,
    pub rules: Vec<RuleInfo>,
    /// Rules are filled in by the aggregation controller.
    pub aggregated: bool,
}

impl RoleInfo {
    pub fn from_role(r: &Role) -> Self {
        RoleInfo {
            namespace: Some(namespace_of(&r.metadata)),
            name: name_of(&r.metadata),
            rules: r
                .rules
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(RuleInfo::from_rule)
                .collect(),
            aggregated: false,
        }
    }

    pub fn from_cluster_role(r: &ClusterRole) -> Self {
        RoleInfo {
            namespace: None,
            name: name_of(&r.metadata),
            rules: r
                .rules
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(RuleInfo::from_rule)
                .collect(),
            aggregated: r.aggregation_rule.is_some(),
        }
    }
}

impl From<&Role> for RoleInfo {
    fn from(r: &Role) -> Self {
        Self::from_role(r)
    }
}

impl From<&ClusterRole> for RoleInfo {
    fn from(r: &ClusterRole) -> Self {
        Self::from_cluster_role(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_and_cluster_roles() {
        let r: Role = serde_json::from_value(json!({
            "metadata": {"name": "r", "namespace": "acme"},
            "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["x"]}]
        }))
        .unwrap();
        let info = RoleInfo::from(&r);
        assert_eq!(info.namespace.as_deref(), Some("acme"));
        assert_eq!(info.rules[0].verbs, vec!["get", "list"]);
        assert_eq!(info.rules[0].resource_names, vec!["x"]);
        assert!(!info.aggregated);

        let cr: ClusterRole = serde_json::from_value(json!({
            "metadata": {"name": "admin"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}]},
            "rules": [{"verbs": ["impersonate"], "apiGroups": [""], "resources": ["serviceaccounts"]},
                      {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]
        }))
        .unwrap();
        let info = RoleInfo::from(&cr);
        assert!(info.namespace.is_none() && info.aggregated);
        assert_eq!(info.rules.len(), 2);
        assert_eq!(info.rules[1].non_resource_urls, vec!["/healthz"]);
    }
}
