//! Cluster-side set-up the tests share: a tenant's namespace, its owner
//! binding, a subject. Each call makes objects under a name no other test
//! uses.

use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

use super::{cluster, create_namespace, object, unique_name};

/// A tenant of one namespace, `<tenant>-ns`, labelled for it (its default
/// ServiceAccount made, so pods may go in). Returns (tenant, namespace).
pub async fn tenant_namespace(prefix: &str) -> (String, String) {
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name(prefix);
    let ns = format!("{tenant}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
    (tenant, ns)
}

/// A RoleBinding `name` in `ns` giving the ClusterRole `admin` to
/// `subjects` (JSON subjects), with `labels`.
pub async fn admin_binding(ns: &str, name: &str, subjects: Value, labels: Value) {
    let admin = cluster().client(Persona::Admin).await;
    let binding: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": subjects,
    }));
    Api::<RoleBinding>::namespaced(admin, ns)
        .create(&PostParams::default(), &binding)
        .await
        .expect("the admin binding");
}

/// A `User` subject.
pub fn user(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name})
}

/// A tenant of one namespace whose RoleBinding `owner` makes `subjects`
/// its admins; `labelled`: the binding carries the tenant label, as
/// tenantry labels what it creates (alice, who cannot read namespace
/// objects, finds her tenant through it). Returns (tenant, namespace).
pub async fn owned_tenant(prefix: &str, subjects: Value, labelled: bool) -> (String, String) {
    let (tenant, ns) = tenant_namespace(prefix).await;
    let labels = if labelled {
        json!({"tenantry.dev/tenant": tenant})
    } else {
        json!({})
    };
    admin_binding(&ns, "owner", subjects, labels).await;
    (tenant, ns)
}
