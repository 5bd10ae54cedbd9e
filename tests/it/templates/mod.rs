//! Templates against the real API server: `create` from tenant-baseline
//! (which passes every check of high severity by construction), `apply`
//! with diffs, as admin and as alice, read-only mode, conflicts and bad
//! input refused before anything is sent.

mod owners;
mod refusals;
mod writes;

pub(super) use crate::common::audit_path;
use crate::common::{cluster, setup};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::Api;
use serde_json::json;
use tenantry::sandbox::Persona;

async fn namespace_exists(name: &str) -> bool {
    let admin = cluster().client(Persona::Admin).await;
    Api::<Namespace>::all(admin)
        .get_opt(name)
        .await
        .expect("reading namespaces")
        .is_some()
}

/// A tenant of one namespace owned by alice (the binding labelled as
/// tenantry labels what it creates, so alice finds her tenant).
async fn alice_tenant(prefix: &str) -> (String, String) {
    setup::owned_tenant(prefix, json!([setup::user("alice")]), true).await
}

/// A tenant of one namespace whose admin binding the tenant's own admin
/// could have written: `subjects` as given.
async fn tenant_with_owner_binding(prefix: &str, subjects: serde_json::Value) -> (String, String) {
    setup::owned_tenant(prefix, subjects, false).await
}

async fn owner_subjects(ns: &str) -> Vec<(String, String)> {
    let admin = cluster().client(Persona::Admin).await;
    Api::<RoleBinding>::namespaced(admin, ns)
        .get("tenant-owner")
        .await
        .expect("the tenant-owner binding")
        .subjects
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.kind, s.name))
        .collect()
}
