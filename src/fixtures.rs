//! Objects for tests and benchmarks, projected as the watchers project
//! them: from JSON shaped like what the API server returns, so a fixture
//! reads like the cluster object it stands for.
//!
//! Compiled for this crate's unit tests and, through the `fixtures`
//! feature, for the integration tests and benches (a dev-dependency of the
//! crate on itself turns the feature on); never part of a normal build.
//! A fixture that does not parse is a mistake in the test: it panics.

use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleBinding};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::model::{
    BindingInfo, Change, Inventory, Kind, LimitRangeInfo, NamespaceInfo, NetworkPolicyInfo, Object,
    PodInfo, QuotaInfo, RoleInfo, Scope,
};
use crate::sandbox::tier::TierObjects;

fn parse<T: DeserializeOwned>(value: Value, what: &str) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("a {what} fixture: {e}"))
}

/// A Namespace with `labels` (a JSON object).
pub fn namespace(name: &str, labels: Value) -> Object {
    let ns: Namespace = parse(
        json!({"metadata": {"name": name, "labels": labels}}),
        "Namespace",
    );
    Object::Namespace(NamespaceInfo::from_namespace(&ns))
}

/// A Pod whose containers (name, `resources`) use the pause image, with
/// the QoS class the API server would have written.
pub fn pod(ns: &str, name: &str, qos: &str, containers: &[(&str, Value)]) -> Object {
    let containers: Vec<Value> = containers
        .iter()
        .map(|(n, resources)| json!({"name": n, "image": "registry.k8s.io/pause:3.10", "resources": resources}))
        .collect();
    let p: Pod = parse(
        json!({
            "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": containers},
            "status": {"qosClass": qos, "phase": "Pending"}
        }),
        "Pod",
    );
    Object::Pod(PodInfo::from_pod(&p))
}

/// A ResourceQuota with `hard`; with `used`, the status the quota
/// controller would have written (hard and used), else none yet.
pub fn quota(ns: &str, name: &str, hard: Value, used: Option<Value>) -> Object {
    let mut rq = json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"hard": hard.clone()},
    });
    if let Some(used) = used {
        rq["status"] = json!({"hard": hard, "used": used});
    }
    let rq: ResourceQuota = parse(rq, "ResourceQuota");
    Object::ResourceQuota(QuotaInfo::from_quota(&rq))
}

/// A LimitRange with `spec`.
pub fn limit_range(ns: &str, name: &str, spec: Value) -> Object {
    let lr: LimitRange = parse(
        json!({"metadata": {"name": name, "namespace": ns}, "spec": spec}),
        "LimitRange",
    );
    Object::LimitRange(LimitRangeInfo::from_limit_range(&lr))
}

/// A RoleBinding giving the ClusterRole `admin` to one subject.
pub fn admin_binding(ns: &str, name: &str, kind: &str, subject: &str, labels: Value) -> Object {
    let rb: RoleBinding = parse(
        json!({
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": kind, "name": subject, "apiGroup": "rbac.authorization.k8s.io"}]
        }),
        "RoleBinding",
    );
    Object::RoleBinding(BindingInfo::from_role_binding(&rb))
}

/// A ClusterRole with `rules`; `aggregated`: with the aggregation rule of
/// the built-in roles.
pub fn cluster_role(name: &str, rules: Value, aggregated: bool) -> Object {
    let mut cr = json!({"metadata": {"name": name}, "rules": rules});
    if aggregated {
        cr["aggregationRule"] = json!({"clusterRoleSelectors": [
            {"matchLabels": {format!("rbac.authorization.k8s.io/aggregate-to-{name}"): "true"}}
        ]});
    }
    let cr: ClusterRole = parse(cr, "ClusterRole");
    Object::ClusterRole(RoleInfo::from_cluster_role(&cr))
}

/// A ClusterRoleBinding of the ClusterRole `role` to one subject.
pub fn cluster_binding(name: &str, role: &str, kind: &str, subject: &str) -> Object {
    let crb: ClusterRoleBinding = parse(
        json!({
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"kind": kind, "name": subject, "apiGroup": "rbac.authorization.k8s.io"}]
        }),
        "ClusterRoleBinding",
    );
    Object::ClusterRoleBinding(BindingInfo::from_cluster_role_binding(&crb))
}

/// A NetworkPolicy with `labels` and `spec`.
pub fn network_policy(ns: &str, name: &str, labels: Value, spec: Value) -> Object {
    let np: NetworkPolicy = parse(
        json!({
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": spec
        }),
        "NetworkPolicy",
    );
    Object::NetworkPolicy(NetworkPolicyInfo::from_network_policy(&np))
}

/// A `Replaced` change: everything of `kind` in `scope`, as a (re)list
/// delivers it.
pub fn replaced(kind: Kind, scope: Scope, objects: Vec<Object>) -> Change {
    Change::Replaced {
        kind,
        scope,
        objects,
    }
}

/// A sandbox tier's objects as a seeded cluster holds them, projected into
/// an inventory the way the watchers feed it (one `Replaced` per kind,
/// cluster-wide).
pub fn tier_inventory(objects: &TierObjects) -> Inventory {
    let mut inv = Inventory::new();
    let all = |kind, objects| replaced(kind, Scope::Cluster, objects);
    inv.apply(all(
        Kind::Namespace,
        objects
            .namespaces
            .iter()
            .map(|o| Object::Namespace(NamespaceInfo::from_namespace(o)))
            .collect(),
    ));
    inv.apply(all(
        Kind::Pod,
        objects
            .pods
            .iter()
            .map(|o| Object::Pod(PodInfo::from_pod(o)))
            .collect(),
    ));
    inv.apply(all(
        Kind::ResourceQuota,
        objects
            .quotas
            .iter()
            .map(|o| Object::ResourceQuota(QuotaInfo::from_quota(o)))
            .collect(),
    ));
    inv.apply(all(
        Kind::LimitRange,
        objects
            .limit_ranges
            .iter()
            .map(|o| Object::LimitRange(LimitRangeInfo::from_limit_range(o)))
            .collect(),
    ));
    inv.apply(all(
        Kind::NetworkPolicy,
        objects
            .network_policies
            .iter()
            .map(|o| Object::NetworkPolicy(NetworkPolicyInfo::from_network_policy(o)))
            .collect(),
    ));
    inv.apply(all(
        Kind::RoleBinding,
        objects
            .role_bindings
            .iter()
            .map(|o| Object::RoleBinding(BindingInfo::from_role_binding(o)))
            .collect(),
    ));
    // Every other kind is listed and empty, as on a cluster without them
    // (a kind never listed would keep the console "loading").
    for kind in Kind::ALL.into_iter().chain(Kind::QUOTA_OBJECTS) {
        if inv.sync_state(kind, &Scope::Cluster).is_none() {
            inv.apply(all(kind, Vec::new()));
        }
    }
    inv
}
