//! Changes to a tenant that the checks must catch, each in a tenant of its
//! own, so the demo tenants' expected findings (`check`) are never
//! disturbed: a cluster-wide binding names a user of the test's own.

use crate::common;

use assert_cmd::Command;
use std::path::Path;
use std::time::Duration;

use common::{cluster, eventually, object, setup, unique_name};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

/// A tenant owned by `owner` (a user), to see the outcome of one check
/// before and after a change.
async fn tenant_owned_by(prefix: &str, owner: &str) -> (String, String) {
    setup::owned_tenant(prefix, json!([setup::user(owner)]), false).await
}

/// `tenantry check TENANT -o json` as `persona`, with extra arguments and
/// a config dir.
fn checks(persona: Persona, tenant: &str, extra: &[&str], config_dir: &Path) -> Vec<Value> {
    let out = Command::cargo_bin("tenantry")
        .expect("binary")
        .arg("--kubeconfig")
        .arg(cluster().kubeconfig(persona))
        .args(["check", tenant, "-o", "json"])
        .args(extra)
        .env("TENANTRY_CONFIG_DIR", config_dir)
        .output()
        .expect("check");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&out.stderr)));
    report["tenants"][0]["checks"]
        .as_array()
        .expect("checks")
        .clone()
}

fn outcome(tenant: &str, check: &str) -> (String, String) {
    let found = checks(
        Persona::Admin,
        tenant,
        &[],
        Path::new("/nonexistent-tenantry-config"),
    )
    .into_iter()
    .find(|c| c["id"] == check)
    .expect("the check");
    (
        found["outcome"].as_str().unwrap_or("").to_string(),
        found["reason"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn a_cluster_role_binding_for_the_owner_is_flagged() {
    // Not alice: a ClusterRoleBinding for her would fail the check for
    // acme, the demo tenant she owns, and let her read every namespace.
    let owner = unique_name("crb-owner");
    let (tenant, _) = tenant_owned_by("crb", &owner).await;
    assert_eq!(outcome(&tenant, "rbac.cluster-bindings").0, "pass");
    let admin = cluster().client(Persona::Admin).await;
    let name = format!("{tenant}-owner-view");
    let binding: ClusterRoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [setup::user(&owner)],
    }));
    Api::<ClusterRoleBinding>::all(admin)
        .create(&PostParams::default(), &binding)
        .await
        .expect("cluster role binding");
    let (result, reason) = outcome(&tenant, "rbac.cluster-bindings");
    assert_eq!(result, "fail", "{reason}");
    assert!(
        reason.contains(&name),
        "the reason names the binding: {reason}"
    );
}

#[tokio::test]
async fn a_role_granting_escalate_is_flagged() {
    let (tenant, ns) = tenant_owned_by("escalate", "alice").await;
    assert_eq!(outcome(&tenant, "rbac.escalation").0, "pass");
    let admin = cluster().client(Persona::Admin).await;
    let role: Role = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "role-admin", "namespace": ns},
        "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["escalate"]}],
    }));
    Api::<Role>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &role)
        .await
        .expect("role");
    let binding: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "role-admin", "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "role-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}],
    }));
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &binding)
        .await
        .expect("binding");
    let (result, reason) = outcome(&tenant, "rbac.escalation");
    assert_eq!(result, "fail", "{reason}");
    assert!(reason.contains("escalate"), "{reason}");
}

#[tokio::test]
async fn a_policy_admitting_every_namespace_is_flagged() {
    let (tenant, ns) = tenant_owned_by("netpol", "alice").await;
    // No policy at all: whatever runs there takes ingress from everywhere.
    let (result, reason) = outcome(&tenant, "netpol.cross-tenant");
    assert_eq!(result, "fail", "{reason}");
    assert_eq!(
        reason,
        format!(
            "{ns} has no ingress NetworkPolicy: any pod it runs would admit ingress from every namespace"
        )
    );
    let admin = cluster().client(Persona::Admin).await;
    let deny: NetworkPolicy = object(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": ns},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }));
    Api::<NetworkPolicy>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &deny)
        .await
        .expect("default deny");
    let (result, reason) = outcome(&tenant, "netpol.cross-tenant");
    assert_eq!(result, "pass", "{reason}");
    assert!(
        reason.starts_with(&format!(
            "every pod is selected for ingress: {ns} by default-deny"
        )),
        "the pass names the policy: {reason}"
    );
    let policy: NetworkPolicy = object(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "from-anywhere", "namespace": ns},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                 "ingress": [{"from": [{"namespaceSelector": {}}]}]},
    }));
    Api::<NetworkPolicy>::namespaced(admin, &ns)
        .create(&PostParams::default(), &policy)
        .await
        .expect("policy");
    let (result, reason) = outcome(&tenant, "netpol.cross-tenant");
    assert_eq!(result, "fail", "{reason}");
    assert!(reason.contains("from-anywhere"), "{reason}");
}

/// Per check, what bob sees of a tenant where he may read only its pods
/// (his config.yaml names the tenant's namespace): everything else is
/// unknown, never a pass. These are the `bob` cases of the table in
/// the `check` module.
const UNKNOWN_TO_BOB: [&str; 15] = [
    "netpol.default-deny-ingress",
    "netpol.default-deny-egress",
    "netpol.cross-tenant",
    "quota.compute",
    "quota.objects",
    "quota.pressure",
    "limitrange.defaults",
    "psa.enforce",
    "rbac.owner-present",
    "rbac.cluster-bindings",
    "rbac.foreign-subjects",
    "rbac.escalation",
    "rbac.quota-immutable",
    "admission.privileged",
    "admission.host-namespaces",
];

#[tokio::test]
async fn what_bob_cannot_read_is_unknown_never_a_pass() {
    let (tenant, ns) = setup::tenant_namespace("bobs").await;
    let admin = cluster().client(Persona::Admin).await;
    let role: Role = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "pods-only", "namespace": ns},
        "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
        ],
    }));
    Api::<Role>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &role)
        .await
        .expect("role");
    let binding: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "bob-pods", "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pods-only"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "bob"}],
    }));
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &binding)
        .await
        .expect("binding");
    // RBAC takes a moment to see the new binding.
    let bob = cluster().client(Persona::Bob).await;
    eventually("bob may list his pods", Duration::from_secs(30), || {
        let api: Api<Pod> = Api::namespaced(bob.clone(), &ns);
        async move { api.list(&Default::default()).await.ok() }
    })
    .await;
    let config = tempfile::tempdir().expect("config dir");
    std::fs::write(
        config.path().join("config.yaml"),
        format!("tenants:\n  {tenant}: [{ns}]\n"),
    )
    .expect("config.yaml");
    let results = checks(Persona::Bob, &tenant, &[], config.path());
    assert_eq!(results.len(), 22, "{results:#?}");
    let mut wrong = Vec::new();
    for check in UNKNOWN_TO_BOB {
        let found = results.iter().find(|c| c["id"] == check);
        let outcome = found.and_then(|c| c["outcome"].as_str());
        if outcome != Some("unknown") {
            wrong.push(format!("{check}: {found:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let reason = |id: &str| {
        results
            .iter()
            .find(|c| c["id"] == id)
            .and_then(|c| c["reason"].as_str())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        reason("netpol.default-deny-ingress"),
        format!("cannot list networkpolicies in {ns}")
    );
    // No pass anywhere rests on something bob could not read.
    for c in &results {
        if c["outcome"] == "pass" {
            let id = c["id"].as_str().unwrap_or("");
            assert!(
                [
                    "qos.best-effort",
                    "qos.missing-requests",
                    "sched.priority-class"
                ]
                .contains(&id),
                "{c}"
            );
            assert!(c["reason"].as_str().unwrap_or("").contains(&ns), "{c}");
        }
    }
}
