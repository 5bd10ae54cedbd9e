//! Namespaces for users who cannot list them: found in the kubeconfig's
//! other contexts of the same cluster and user, without `-n`; and a user
//! for whom SelfSubjectAccessReview itself is forbidden still sees what
//! they may read (tenantry tries the read instead).

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::{Isolation, TestCluster, cluster, eventually};
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::config::Kubeconfig;
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

fn run_json(kubeconfig: &Path, args: &[&str]) -> Value {
    let out = assert_cmd::Command::cargo_bin("tenantry")
        .expect("binary")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env("TENANTRY_CONFIG_DIR", "/nonexistent-tenantry-config")
        .env("NO_COLOR", "1")
        .output()
        .expect("running tenantry");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|err| panic!("{err}: {stderr}"))
}

fn tenant<'a>(tenants: &'a Value, name: &str) -> Option<&'a Value> {
    tenants["tenants"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == name)
}

/// alice's kubeconfig, plus a second context of the same cluster and user
/// in acme-prod (her context names acme-dev).
fn alice_with_two_contexts(cluster: &TestCluster, dir: &Path) -> std::path::PathBuf {
    let mut kubeconfig =
        Kubeconfig::read_from(cluster.kubeconfig(Persona::Alice)).expect("alice's kubeconfig");
    let current = kubeconfig
        .current_context
        .clone()
        .expect("a current context");
    let mut prod = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == current)
        .cloned()
        .expect("the current context");
    prod.name = "alice-prod".into();
    if let Some(context) = prod.context.as_mut() {
        context.namespace = Some("acme-prod".into());
    }
    kubeconfig.contexts.push(prod);
    let path = dir.join("alice.kubeconfig");
    // JSON is YAML: the kubeconfig reader takes it.
    std::fs::write(
        &path,
        serde_json::to_vec(&kubeconfig).expect("kubeconfig as JSON"),
    )
    .expect("writing the kubeconfig");
    path
}

#[test]
fn alice_discovers_her_namespaces_without_n() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // Her own kubeconfig names acme-dev only.
    let before = run_json(
        &cluster().kubeconfig(Persona::Alice),
        &["tenants", "-o", "json"],
    );
    let acme = tenant(&before, "acme").expect("acme");
    assert_eq!(acme["namespaces"], 1, "{before}");
    assert_eq!(
        before["namespace_origins"],
        json!({"acme-dev": ["context"]})
    );

    let kubeconfig = alice_with_two_contexts(cluster(), dir.path());
    let after = run_json(&kubeconfig, &["tenants", "-o", "json"]);
    let acme = tenant(&after, "acme").expect("acme");
    assert_eq!(acme["namespaces"], 2, "{after}");
    assert_eq!(acme["no_access_namespaces"], 0, "{after}");
    assert_eq!(
        after["namespace_origins"],
        json!({"acme-dev": ["context"], "acme-prod": ["other context"]}),
        "{after}"
    );
    // An admin lists namespaces: nothing is named or found one by one.
    let admin = run_json(
        &cluster().kubeconfig(Persona::Admin),
        &["tenants", "-o", "json"],
    );
    assert_eq!(admin["namespace_origins"], json!({}), "{admin}");
}

const BASIC_USER: &str = "system:basic-user";

/// Who may create SelfSubjectAccessReviews: the binding Kubernetes
/// reconciles at start unless told not to.
async fn basic_user_subjects(admin: &kube::Client, subjects: Value, autoupdate: &str) {
    let patch = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": BASIC_USER,
                      "annotations": {"rbac.authorization.kubernetes.io/autoupdate": autoupdate}},
        "subjects": subjects,
    });
    Api::<ClusterRoleBinding>::all(admin.clone())
        .patch(
            BASIC_USER,
            &PatchParams::apply("tenantry-it").force(),
            &Patch::Apply(patch),
        )
        .await
        .expect("patching system:basic-user");
}

async fn review_allowed(client: &kube::Client) -> bool {
    let review: SelfSubjectAccessReview = common::object(json!({
        "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "acme-dev"}},
    }));
    Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .is_ok()
}

// The guard only keeps the group's tests apart (as in apply_interrupted);
// nothing on this test's runtime takes it.
#[allow(clippy::await_holding_lock)]
#[tokio::test(flavor = "multi_thread")]
async fn a_user_denied_access_reviews_still_sees_what_they_may_read() {
    // On a sandbox of its own: the binding changed here is cluster-wide.
    let private = common::private(Isolation::Disrupted);
    let _one = private.serial();
    let cluster = private.cluster();
    let admin = cluster.client(Persona::Admin).await;
    let alice = cluster.client(Persona::Alice).await;
    basic_user_subjects(
        &admin,
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]),
        "false",
    )
    .await;
    eventually(
        "access reviews to be forbidden for alice",
        Duration::from_secs(30),
        || {
            let alice = alice.clone();
            async move { (!review_allowed(&alice).await).then_some(()) }
        },
    )
    .await;

    let dir = tempfile::tempdir().expect("a temp dir");
    let kubeconfig = alice_with_two_contexts(cluster, dir.path());
    let tenants = run_json(&kubeconfig, &["tenants", "-o", "json"]);
    let report = run_json(&kubeconfig, &["report", "acme", "-o", "json"]);

    // Put the binding back before asserting, so a failure leaves the
    // sandbox as the other tests expect it.
    basic_user_subjects(
        &admin,
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}]),
        "true",
    )
    .await;

    let acme = tenant(&tenants, "acme").unwrap_or_else(|| panic!("acme: {tenants}"));
    assert_eq!(acme["namespaces"], 2, "{tenants}");
    assert_eq!(acme["no_access_namespaces"], 0, "{tenants}");
    assert!(acme["pods"].as_u64().is_some_and(|p| p > 0), "{tenants}");
    // What she may not read is still "no access", with a reason.
    let denied: Vec<&str> = tenants["no_access"]
        .as_array()
        .expect("no_access")
        .iter()
        .filter(|n| n["scope"] == "cluster")
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(denied.contains(&"Namespace"), "{denied:?}");
    assert!(denied.contains(&"ClusterRole"), "{denied:?}");
    let quota: Vec<&str> = report["quota"]["namespaces"]
        .as_array()
        .expect("quota namespaces")
        .iter()
        .filter_map(|n| n["access"].as_str())
        .collect();
    assert_eq!(quota, ["readable", "readable"], "{report}");
}

/// A user of their own for this test: a ServiceAccount's token in a
/// kubeconfig for the shared sandbox (its context names no namespace).
async fn service_account_kubeconfig(home: &str, name: &str, dir: &Path) -> std::path::PathBuf {
    use k8s_openapi::api::core::v1::{Secret, ServiceAccount};
    let admin = cluster().client(Persona::Admin).await;
    let account: ServiceAccount = common::object(json!({"metadata": {"name": name}}));
    Api::<ServiceAccount>::namespaced(admin.clone(), home)
        .create(&PostParams::default(), &account)
        .await
        .expect("the ServiceAccount");
    let secret: Secret = common::object(json!({
        "metadata": {"name": format!("{name}-token"),
                      "annotations": {"kubernetes.io/service-account.name": name}},
        "type": "kubernetes.io/service-account-token",
    }));
    let secrets = Api::<Secret>::namespaced(admin, home);
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .expect("the token secret");
    let token = eventually(
        "the token controller to fill the secret",
        Duration::from_secs(30),
        || {
            let secrets = secrets.clone();
            let name = format!("{name}-token");
            async move {
                let secret = secrets.get(&name).await.ok()?;
                let token = secret.data?.get("token")?.0.clone();
                String::from_utf8(token).ok()
            }
        },
    )
    .await;
    let kubeconfig =
        Kubeconfig::read_from(cluster().kubeconfig(Persona::Admin)).expect("the admin kubeconfig");
    let mut value = serde_json::to_value(&kubeconfig).expect("kubeconfig as JSON");
    value["users"] = json!([{"name": "finder", "user": {"token": token}}]);
    for context in value["contexts"].as_array_mut().expect("contexts") {
        context["context"]["user"] = json!("finder");
        if let Some(c) = context["context"].as_object_mut() {
            c.remove("namespace");
        }
    }
    let path = dir.join("finder.kubeconfig");
    std::fs::write(&path, serde_json::to_vec(&value).expect("JSON")).expect("writing it");
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn namespaces_are_found_in_role_bindings_and_owned_capsule_tenants() {
    use k8s_openapi::api::rbac::v1::{ClusterRole, RoleBinding};
    use kube::api::{ApiResource, DynamicObject};
    use kube::core::GroupVersionKind;
    crate::capsule_quota::install_crd().await;
    let admin = cluster().client(Persona::Admin).await;
    let base = common::unique_name("found");
    let home = format!("{base}-home");
    let (a, b, c) = (
        format!("{base}-a"),
        format!("{base}-b"),
        format!("{base}-c"),
    );
    for ns in [&home, &a, &b, &c] {
        common::create_bare_namespace(&admin, ns, &[]).await;
    }
    let me = format!("system:serviceaccount:{home}:finder");
    let subject = json!([{"kind": "ServiceAccount", "name": "finder", "namespace": home}]);
    for ns in [&a, &b] {
        let binding: RoleBinding = common::object(json!({
            "metadata": {"name": "finder-admin", "namespace": ns},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": subject,
        }));
        Api::<RoleBinding>::namespaced(admin.clone(), ns)
            .create(&PostParams::default(), &binding)
            .await
            .expect("the admin binding");
    }
    // May list RoleBindings and Capsule Tenants everywhere, not namespaces.
    let reader: ClusterRole = common::object(json!({
        "metadata": {"name": format!("{base}-reader")},
        "rules": [
            {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["list"]},
            {"apiGroups": ["capsule.clastix.io"], "resources": ["tenants"], "verbs": ["list", "watch"]},
        ],
    }));
    Api::<ClusterRole>::all(admin.clone())
        .create(&PostParams::default(), &reader)
        .await
        .expect("the reader role");
    let reader_binding: ClusterRoleBinding = common::object(json!({
        "metadata": {"name": format!("{base}-reader")},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("{base}-reader")},
        "subjects": subject,
    }));
    Api::<ClusterRoleBinding>::all(admin.clone())
        .create(&PostParams::default(), &reader_binding)
        .await
        .expect("the reader binding");
    // A Tenant the ServiceAccount owns lists a and c; another one, owned
    // by someone else, lists b: only the owned one counts.
    let tenants: Api<DynamicObject> = Api::all_with(
        admin,
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("capsule.clastix.io", "v1beta2", "Tenant"),
            "tenants",
        ),
    );
    for (name, owner, namespaces) in [
        (base.clone(), me.clone(), json!([a, c])),
        (
            format!("{base}-other"),
            "someone-else".to_string(),
            json!([b]),
        ),
    ] {
        let tenant: DynamicObject = common::object(json!({
            "apiVersion": "capsule.clastix.io/v1beta2", "kind": "Tenant",
            "metadata": {"name": name},
            "spec": {"owners": [{"kind": "ServiceAccount", "name": owner}]},
            "status": {"namespaces": namespaces},
        }));
        tenants
            .create(&PostParams::default(), &tenant)
            .await
            .expect("the Tenant");
    }

    let dir = tempfile::tempdir().expect("a temp dir");
    let kubeconfig = service_account_kubeconfig(&home, "finder", dir.path()).await;
    let out = run_json(&kubeconfig, &["tenants", "-o", "json"]);
    let origins = &out["namespace_origins"];
    assert_eq!(
        origins[&a],
        json!([
            format!("Capsule tenant {base}"),
            format!("role binding {a}/finder-admin")
        ]),
        "{out}"
    );
    assert_eq!(
        origins[&b],
        json!([format!("role binding {b}/finder-admin")]),
        "{out}"
    );
    assert_eq!(
        origins[&c],
        json!([format!("Capsule tenant {base}")]),
        "{out}"
    );
    assert!(origins.get(&home).is_none(), "{out}");
    // The tenant is seen through the namespaces found, without `-n` (the
    // Capsule resolver reads the Tenant: it may be watched too).
    let found = tenant(&out, &base).unwrap_or_else(|| panic!("{base}: {out}"));
    assert!(
        found["namespaces"].as_u64().is_some_and(|n| n >= 1),
        "{found}"
    );
}
