//! Changes to a tenant that the checks must catch, each in namespaces of
//! its own (a separate test binary, so the demo tenants' expected findings
//! in tests/check.rs are never disturbed).

mod common;

use assert_cmd::Command;
use common::{cluster, create_namespace, object, unique_name};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

/// A tenant owned by alice, with the outcome of one check before and after.
async fn tenant_owned_by_alice(prefix: &str) -> (String, String) {
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name(prefix);
    let ns = format!("{tenant}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
    let owner: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "owner", "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}],
    }));
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &owner)
        .await
        .expect("owner binding");
    (tenant, ns)
}

fn outcome(tenant: &str, check: &str) -> (String, String) {
    let out = Command::cargo_bin("tenantry")
        .expect("binary")
        .arg("--kubeconfig")
        .arg(cluster().kubeconfig(Persona::Admin))
        .args(["check", tenant, "-o", "json"])
        .env("TENANTRY_CONFIG_DIR", "/nonexistent-tenantry-config")
        .output()
        .expect("check");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&out.stderr)));
    let found = report["tenants"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == check)
        .cloned()
        .expect("the check");
    (
        found["outcome"].as_str().unwrap_or("").to_string(),
        found["reason"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn a_cluster_role_binding_for_alice_is_flagged() {
    let (tenant, _) = tenant_owned_by_alice("crb").await;
    assert_eq!(outcome(&tenant, "rbac.cluster-bindings").0, "pass");
    let admin = cluster().client(Persona::Admin).await;
    let name = format!("{tenant}-alice-view");
    let binding: ClusterRoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}],
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
    let (tenant, ns) = tenant_owned_by_alice("escalate").await;
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
    let (tenant, ns) = tenant_owned_by_alice("netpol").await;
    assert_eq!(outcome(&tenant, "netpol.cross-tenant").0, "pass");
    let admin = cluster().client(Persona::Admin).await;
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
