//! `RoleBinding` and `ClusterRoleBinding` → [`BindingInfo`], with
//! [`RoleRef`] and [`Subject`].

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{name_of, namespace_of};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleRef {
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl Subject {
    pub fn from_rbac(s: &k8s_openapi::api::rbac::v1::Subject) -> Self {
        Subject {
            kind: s.kind.clone(),
            name: s.name.clone(),
            namespace: s.namespace.clone().filter(|n| !n.is_empty()),
        }
    }
}

/// Whether a label or annotation key is worth keeping on an RBAC object: the
/// ones that tell where a binding came from.
pub fn is_origin_key(key: &str) -> bool {
    ["hnc", "capsule", "tenantry", "managed-by"]
        .iter()
        .any(|k| key.contains(k))
}

fn origin_map(m: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    m.into_iter()
        .flatten()
        .filter(|(k, _)| is_origin_key(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingInfo {
    /// `None` for ClusterRoleBindings.
    pub namespace: Option<String>,
    pub name: String,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
    /// Only origin keys (see [`is_origin_key`]).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl BindingInfo {
    fn build(
        meta: &ObjectMeta,
        namespace: Option<String>,
        role_ref: &k8s_openapi::api::rbac::v1::RoleRef,
        subjects: Option<&Vec<k8s_openapi::api::rbac::v1::Subject>>,
    ) -> Self {
        BindingInfo {
            namespace,
            name: name_of(meta),
            role_ref: RoleRef {
                kind: role_ref.kind.clone(),
                name: role_ref.name.clone(),
            },
            subjects: subjects
                .into_iter()
                .flatten()
                .map(Subject::from_rbac)
                .collect(),
            labels: origin_map(meta.labels.as_ref()),
            annotations: origin_map(meta.annotations.as_ref()),
        }
    }

    pub fn from_role_binding(rb: &RoleBinding) -> Self {
        Self::build(
            &rb.metadata,
            Some(namespace_of(&rb.metadata)),
            &rb.role_ref,
            rb.subjects.as_ref(),
        )
    }

    pub fn from_cluster_role_binding(crb: &ClusterRoleBinding) -> Self {
        Self::build(&crb.metadata, None, &crb.role_ref, crb.subjects.as_ref())
    }

    pub fn is_cluster_scoped(&self) -> bool {
        self.namespace.is_none()
    }
}

impl From<&RoleBinding> for BindingInfo {
    fn from(rb: &RoleBinding) -> Self {
        Self::from_role_binding(rb)
    }
}

impl From<&ClusterRoleBinding> for BindingInfo {
    fn from(crb: &ClusterRoleBinding) -> Self {
        Self::from_cluster_role_binding(crb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bindings_keep_only_origin_metadata() {
        let rb: RoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "acme-admin", "namespace": "acme",
                "labels": {"app.kubernetes.io/managed-by": "tenantry", "team": "x", "hnc.x-k8s.io/inherited-from": "root"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "capsule.clastix.io/x": "y"}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
                         {"kind": "ServiceAccount", "name": "ci", "namespace": "acme"}]
        }))
        .unwrap();
        let b = BindingInfo::from(&rb);
        assert_eq!(b.namespace.as_deref(), Some("acme"));
        assert_eq!(
            b.role_ref,
            RoleRef {
                kind: "ClusterRole".into(),
                name: "admin".into()
            }
        );
        assert_eq!(b.subjects.len(), 2);
        assert_eq!(b.subjects[1].namespace.as_deref(), Some("acme"));
        assert_eq!(b.labels.len(), 2);
        assert!(!b.labels.contains_key("team"));
        assert_eq!(
            b.annotations.keys().collect::<Vec<_>>(),
            vec!["capsule.clastix.io/x"]
        );

        let crb: ClusterRoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "ops"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}
        }))
        .unwrap();
        let b = BindingInfo::from(&crb);
        assert!(b.is_cluster_scoped());
        assert!(b.subjects.is_empty());
    }
}
