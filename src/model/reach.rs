//! Where a template's objects land (ARCHITECTURE.md §10: "writes land only where
//! the user asked"). Every rendered object must be inside the target
//! tenant: in one of its namespaces, or one of its own Namespace objects.
//! A template that writes elsewhere (a cluster-scoped object, another
//! namespace) says so in its header, `reaches: [ClusterRoleBinding,
//! Namespace/kube-system]`; without that the whole write is refused before
//! anything is sent, naming the object. The preview marks what reaches out
//! and every RBAC object that grants `bind`, `escalate`, `impersonate`,
//! `*` or a cluster-admin role. Pure: whether a kind is namespaced comes
//! from a table of the built-in kinds, and from discovery through the
//! caller for the others.

use std::fmt;

use kube::core::DynamicObject;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::template::check_dns_label;

/// One entry of a template's `reaches:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// `ClusterRoleBinding`: objects of this cluster-scoped kind, any name
    /// (`Namespace`: Namespace objects outside the tenant).
    Kind(String),
    /// `ClusterRole/tenant-viewer`: that object; `Namespace/kube-system`:
    /// that namespace, and the objects in it.
    Object { kind: String, name: String },
}

impl Reach {
    /// Reads `KIND` or `KIND/NAME`.
    pub fn parse(text: &str) -> Result<Reach, String> {
        let hint = "write KIND (a cluster-scoped kind, e.g. ClusterRoleBinding), KIND/NAME, or Namespace/NAME for another namespace";
        let (kind, name) = match text.split_once('/') {
            Some((kind, name)) => (kind, Some(name)),
            None => (text, None),
        };
        let kind_ok = kind.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && kind.chars().all(|c| c.is_ascii_alphanumeric());
        if !kind_ok {
            return Err(format!("reaches: {text:?} is not a kind: {hint}"));
        }
        match name {
            None => Ok(Reach::Kind(kind.to_string())),
            Some(name) => {
                if kind == "Namespace" {
                    check_dns_label(name, "reaches: the namespace")?;
                } else if name.is_empty()
                    || name.contains('/')
                    || name.chars().any(|c| c.is_control() || c.is_whitespace())
                {
                    return Err(format!("reaches: {text:?} does not name an object: {hint}"));
                }
                Ok(Reach::Object {
                    kind: kind.to_string(),
                    name: name.to_string(),
                })
            }
        }
    }

    fn covers_object(&self, kind: &str, name: &str) -> bool {
        match self {
            Reach::Kind(k) => k == kind,
            Reach::Object { kind: k, name: n } => k == kind && n == name,
        }
    }

    fn covers_namespace(&self, namespace: &str) -> bool {
        matches!(self, Reach::Object { kind, name } if kind == "Namespace" && name == namespace)
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reach::Kind(kind) => f.write_str(kind),
            Reach::Object { kind, name } => write!(f, "{kind}/{name}"),
        }
    }
}

impl Serialize for Reach {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindScope {
    Namespaced,
    Cluster,
}

/// The API group of an `apiVersion`: `apps/v1` → `apps`, `v1` → ``.
pub fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(group, _)| group)
}

/// The scope of the built-in kinds (and Capsule's Tenant), without asking
/// the API server; `None` for the others (custom resources), whose scope
/// discovery tells.
pub fn known_scope(api_version: &str, kind: &str) -> Option<KindScope> {
    use KindScope::{Cluster, Namespaced};
    Some(match (group_of(api_version), kind) {
        ("", "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus")
        | ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding")
        | ("storage.k8s.io", "StorageClass" | "CSIDriver" | "CSINode" | "VolumeAttachment")
        | ("apiextensions.k8s.io", "CustomResourceDefinition")
        | (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding",
        )
        | ("scheduling.k8s.io", "PriorityClass")
        | ("node.k8s.io", "RuntimeClass")
        | ("networking.k8s.io", "IngressClass")
        | ("apiregistration.k8s.io", "APIService")
        | ("certificates.k8s.io", "CertificateSigningRequest")
        | ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration")
        | ("capsule.clastix.io", "Tenant") => Cluster,
        (
            "",
            "Pod"
            | "Service"
            | "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "ResourceQuota"
            | "LimitRange"
            | "PersistentVolumeClaim"
            | "Endpoints"
            | "Event"
            | "ReplicationController"
            | "PodTemplate",
        )
        | (
            "apps",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ControllerRevision",
        )
        | ("batch", "Job" | "CronJob")
        | ("networking.k8s.io", "NetworkPolicy" | "Ingress")
        | ("rbac.authorization.k8s.io", "Role" | "RoleBinding")
        | ("policy", "PodDisruptionBudget")
        | ("autoscaling", "HorizontalPodAutoscaler")
        | ("coordination.k8s.io", "Lease")
        | ("discovery.k8s.io", "EndpointSlice")
        | ("events.k8s.io", "Event") => Namespaced,
        _ => return None,
    })
}

/// What the preview says about one object before the confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectMark {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// One line each: "outside tenant acme: …", "grants escalate, bind".
    pub marks: Vec<String>,
}

impl ObjectMark {
    /// Whether this mark is about the object `kind namespace/name`.
    pub fn is_for(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        self.kind == kind && self.namespace.as_deref() == namespace && self.name == name
    }
}

impl fmt::Display for ObjectMark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            describe(&self.kind, self.namespace.as_deref(), &self.name),
            self.marks.join("; ")
        )
    }
}

/// A write refused because an object would land outside the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachRefusal {
    /// "ClusterRoleBinding tenant-readers".
    pub object: String,
    pub why: String,
    /// Refused because the kind's scope was not known (no discovery).
    pub scope_unknown: bool,
}

impl fmt::Display for ReachRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.object, self.why)
    }
}

impl std::error::Error for ReachRefusal {}

/// A name as it is when it holds only the characters of Kubernetes
/// names, else quoted with escapes: a line of the preview cannot be forged.
fn show(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_'))
    {
        s.to_string()
    } else {
        format!("{s:?}")
    }
}

/// "ConfigMap acme-dev/team", "ClusterRole viewer".
fn describe(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{} {}/{}", show(kind), show(ns), show(name)),
        None => format!("{} {}", show(kind), show(name)),
    }
}

/// The quota object a quota edit for `tenant` may write: only one of the
/// quota objects resolved to the tenant (model/quota_objects.rs), which
/// covers its namespaces by what the cluster says (HNC's tree labels, the
/// ClusterResourceQuota's status, a ClusterQueue's `namespaceSelector`),
/// never by a name the tenant wrote. A LocalQueue that points at another
/// tenant's ClusterQueue therefore reaches nothing.
pub fn quota_object_reach<'a>(
    objects: &'a [crate::model::quota_objects::QuotaObjectView],
    tenant: &str,
    target: &crate::model::quota_edit::ObjectTarget,
) -> Result<&'a crate::model::quota_objects::QuotaObjectView, ReachRefusal> {
    let kind = crate::model::quota_objects::kind_name(target.kind);
    objects
        .iter()
        .find(|o| o.kind == target.kind && o.namespace == target.namespace && o.name == target.name)
        .ok_or_else(|| {
            let mine: Vec<String> = objects
                .iter()
                .filter(|o| o.kind == target.kind)
                .map(|o| o.label())
                .collect();
            ReachRefusal {
                object: describe(kind, target.namespace.as_deref(), &target.name),
                why: format!(
                    "it is not one of tenant {tenant}'s quota objects (it covers none of its \
                     namespaces{}); tenant {tenant}'s: {}",
                    if target.kind == crate::model::Kind::KueueClusterQueue {
                        ", or does not admit them"
                    } else {
                        ""
                    },
                    if mine.is_empty() {
                        "none".to_string()
                    } else {
                        mine.join(", ")
                    }
                ),
                scope_unknown: false,
            }
        })
}

/// Checks that every object lands inside the tenant (its `namespaces`,
/// and its own Namespace objects) or where the template's `reaches`
/// declares, and marks what reaches out or grants privileges. `scope_of`
/// answers whether a kind (apiVersion, kind) is namespaced; `None` when it
/// cannot tell. The first object out of bounds refuses the whole write.
pub fn check_reach(
    objects: &[DynamicObject],
    tenant: &str,
    namespaces: &[String],
    reaches: &[Reach],
    scope_of: &dyn Fn(&str, &str) -> Option<KindScope>,
) -> Result<Vec<ObjectMark>, ReachRefusal> {
    let inside = |ns: &str| namespaces.iter().any(|n| n == ns);
    let declare = |what: &str| {
        format!(
            "a template that writes outside the tenant declares it in its header (reaches: [{what}])"
        )
    };
    let mut marked = Vec::new();
    for object in objects {
        let (api_version, kind) = object
            .types
            .as_ref()
            .map(|t| (t.api_version.as_str(), t.kind.as_str()))
            .unwrap_or_default();
        let name = object.metadata.name.as_deref().unwrap_or_default();
        let namespace = object
            .metadata
            .namespace
            .as_deref()
            .filter(|ns| !ns.is_empty());
        let refuse = |why: String| ReachRefusal {
            object: describe(kind, namespace, name),
            why,
            scope_unknown: false,
        };
        let mut marks = Vec::new();
        match scope_of(api_version, kind) {
            Some(KindScope::Namespaced) => {
                let Some(ns) = namespace else {
                    return Err(refuse(format!(
                        "{kind} is namespaced but this object names no namespace: it would go wherever the writer's default namespace is; \
                         give it metadata.namespace (usually ${{NAMESPACE}})"
                    )));
                };
                if !inside(ns) {
                    match reaches.iter().find(|r| r.covers_namespace(ns)) {
                        Some(r) => marks.push(format!(
                            "outside tenant {tenant}: in namespace {} (declared: reaches {r})",
                            show(ns)
                        )),
                        None => {
                            return Err(refuse(format!(
                                "namespace {} is not one of tenant {tenant}'s ({}); {}",
                                show(ns),
                                list(namespaces),
                                declare(&format!("Namespace/{}", show(ns)))
                            )));
                        }
                    }
                }
            }
            Some(KindScope::Cluster) => {
                if let Some(ns) = namespace {
                    return Err(refuse(format!(
                        "{kind} is cluster-scoped, yet this object names namespace {}: the server would drop the namespace \
                         and write it for the whole cluster; remove metadata.namespace",
                        show(ns)
                    )));
                }
                let own_namespace =
                    kind == "Namespace" && group_of(api_version).is_empty() && inside(name);
                if !own_namespace {
                    match reaches.iter().find(|r| r.covers_object(kind, name)) {
                        Some(r) => marks.push(format!(
                            "outside tenant {tenant}: cluster-scoped (declared: reaches {r})"
                        )),
                        None => {
                            let what = if kind == "Namespace" {
                                format!("Namespace/{}", show(name))
                            } else {
                                kind.to_string()
                            };
                            return Err(refuse(format!(
                                "{kind} is cluster-scoped, outside tenant {tenant}; {}",
                                declare(&what)
                            )));
                        }
                    }
                }
            }
            None => match reaches.iter().find(|r| r.covers_object(kind, name)) {
                Some(r) => marks.push(format!(
                    "may be outside tenant {tenant} (declared: reaches {r})"
                )),
                None => {
                    return Err(ReachRefusal {
                        scope_unknown: true,
                        ..refuse(format!(
                            "tenantry cannot tell whether {kind} ({api_version}) is namespaced, so not whether it stays inside tenant {tenant}; {}",
                            declare(kind)
                        ))
                    });
                }
            },
        }
        marks.extend(grants(object, objects));
        if !marks.is_empty() {
            marked.push(ObjectMark {
                kind: kind.to_string(),
                namespace: namespace.map(str::to_string),
                name: name.to_string(),
                marks,
            });
        }
    }
    Ok(marked)
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// Verbs that let a holder give themselves or others more than they have.
const RISKY_VERBS: [&str; 4] = ["bind", "escalate", "impersonate", "*"];

/// What a Role or ClusterRole grants that needs a second look: the risky
/// verbs, and `*` for resources or API groups.
fn risky_rules(role: &Value) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |what: String| {
        if !found.contains(&what) {
            found.push(what);
        }
    };
    let strings = |rule: &Value, field: &str| -> Vec<String> {
        rule.get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    for rule in role
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for verb in strings(rule, "verbs") {
            if RISKY_VERBS.contains(&verb.as_str()) {
                add(format!("verb {verb}"));
            }
        }
        if strings(rule, "resources").iter().any(|r| r == "*") {
            add("every resource (*)".into());
        }
        if strings(rule, "apiGroups").iter().any(|g| g == "*") {
            add("every API group (*)".into());
        }
    }
    found
}

/// Marks for an RBAC object that grants bind, escalate, impersonate, `*`
/// or a cluster-admin role: a role with such rules, a binding to
/// cluster-admin or to a role of the same write that has them.
fn grants(object: &DynamicObject, all: &[DynamicObject]) -> Vec<String> {
    let Some(types) = &object.types else {
        return Vec::new();
    };
    if group_of(&types.api_version) != RBAC_GROUP {
        return Vec::new();
    }
    match types.kind.as_str() {
        "Role" | "ClusterRole" => {
            let risky = risky_rules(&object.data);
            if risky.is_empty() {
                Vec::new()
            } else {
                vec![format!("grants {}", risky.join(", "))]
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let role_kind = object
                .data
                .pointer("/roleRef/kind")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let role_name = object
                .data
                .pointer("/roleRef/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if role_kind == "ClusterRole" && role_name == "cluster-admin" {
                return vec![
                    "binds ClusterRole cluster-admin: every permission on the cluster".into(),
                ];
            }
            let bound = all.iter().find(|o| {
                o.types
                    .as_ref()
                    .is_some_and(|t| t.kind == role_kind && group_of(&t.api_version) == RBAC_GROUP)
                    && o.metadata.name.as_deref() == Some(role_name)
                    && (role_kind == "ClusterRole"
                        || o.metadata.namespace == object.metadata.namespace)
            });
            match bound.map(|role| risky_rules(&role.data)) {
                Some(risky) if !risky.is_empty() => vec![format!(
                    "binds {role_kind} {role_name} of this template, which grants {}",
                    risky.join(", ")
                )],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "reach_tests.rs"]
mod tests;
