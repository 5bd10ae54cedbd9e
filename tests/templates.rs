//! Templates against the real API server: `create` from tenant-baseline
//! (which passes every check of high severity by construction), `apply`
//! with diffs, as admin and as alice, read-only mode, conflicts and bad
//! input refused before anything is sent.

mod common;

use common::{audit_lines, cluster, create_namespace, object, tenantry, tenantry_in, unique_name};
use k8s_openapi::api::core::v1::{Namespace, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use tenantry::sandbox::Persona;

fn audit_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{name}-audit.jsonl"))
}

async fn namespace_exists(name: &str) -> bool {
    let admin = cluster().client(Persona::Admin).await;
    Api::<Namespace>::all(admin)
        .get_opt(name)
        .await
        .expect("reading namespaces")
        .is_some()
}

#[tokio::test]
async fn a_tenant_created_from_the_baseline_passes_every_high_check_and_a_rerun_changes_nothing() {
    let tenant = unique_name("made");
    let audit = audit_path(&tenant);
    let namespaces = format!("{tenant}-dev,{tenant}-prod");
    let args = [
        "create",
        &tenant,
        "--owner",
        "user:zoe",
        "--owner",
        "group:makers",
        "--namespaces",
        &namespaces,
    ];

    let preview = tenantry(
        Persona::Admin,
        &audit,
        &[&args[..], &["--dry-run"]].concat(),
    );
    assert_eq!(
        preview.code,
        Some(0),
        "{}{}",
        preview.stdout,
        preview.stderr
    );
    assert!(
        preview
            .stdout
            .contains(&format!("create    Namespace {tenant}-dev")),
        "{}",
        preview.stdout
    );
    assert!(preview.stdout.contains("dry run: nothing was written"));
    assert!(!namespace_exists(&format!("{tenant}-dev")).await);

    let run = tenantry(Persona::Admin, &audit, &args);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("applied 14 objects"), "{}", run.stdout);

    let admin = cluster().client(Persona::Admin).await;
    let ns = Api::<Namespace>::all(admin.clone())
        .get(&format!("{tenant}-prod"))
        .await
        .expect("namespace");
    let labels = ns.metadata.labels.unwrap_or_default();
    assert_eq!(labels["tenantry.dev/tenant"], tenant);
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "baseline");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "tenantry");
    let binding = Api::<RoleBinding>::namespaced(admin.clone(), &format!("{tenant}-dev"))
        .get("tenant-owner")
        .await
        .expect("owner binding");
    let subjects: Vec<String> = binding
        .subjects
        .unwrap_or_default()
        .into_iter()
        .map(|s| format!("{}:{}", s.kind, s.name))
        .collect();
    assert_eq!(subjects, ["User:zoe", "Group:makers"]);
    let managers: Vec<String> = binding
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert_eq!(managers, ["tenantry"]);

    let check = tenantry(
        Persona::Admin,
        &audit,
        &["check", &tenant, "--fail-on", "high", "-o", "json"],
    );
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).expect("json");
    let checks = report["tenants"][0]["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 22);
    for check in checks {
        let severity = check["severity"].as_str().unwrap_or_default();
        if severity == "critical" || severity == "high" {
            assert_eq!(check["outcome"], "pass", "{check}");
        }
    }

    let again = tenantry(Persona::Admin, &audit, &args);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(!again.stdout.contains("create "), "{}", again.stdout);
    assert_eq!(
        again.stdout.matches("unchanged ").count(),
        14,
        "{}",
        again.stdout
    );

    let lines = audit_lines(&audit);
    let results: Vec<&str> = lines.iter().filter_map(|l| l["result"].as_str()).collect();
    assert_eq!(results, ["previewed", "applied", "applied"]);
    assert!(
        lines[1]["action"]
            .as_str()
            .unwrap_or_default()
            .contains("tenant-baseline")
    );
    assert_eq!(lines[1]["objects"].as_array().map(Vec::len), Some(14));
}

#[tokio::test]
async fn applying_a_template_shows_the_field_diff_then_writes_it() {
    let tenant = unique_name("quotaup");
    let audit = audit_path(&tenant);
    let ns = format!("{tenant}-ns");
    let made = tenantry(
        Persona::Admin,
        &audit,
        &[
            "create",
            &tenant,
            "--owner",
            "user:zoe",
            "--namespaces",
            &ns,
        ],
    );
    assert_eq!(made.code, Some(0), "{}", made.stderr);

    let preview = tenantry(
        Persona::Admin,
        &audit,
        &[
            "apply",
            "quota-large",
            "--tenant",
            &tenant,
            "--diff",
            "--dry-run",
        ],
    );
    assert_eq!(
        preview.code,
        Some(0),
        "{}{}",
        preview.stdout,
        preview.stderr
    );
    assert!(
        preview
            .stdout
            .contains(&format!("change    ResourceQuota {ns}/tenant-quota")),
        "{}",
        preview.stdout
    );
    assert!(
        preview
            .stdout
            .contains(".spec.hard.pods: \"20\" -> \"100\""),
        "{}",
        preview.stdout
    );
    let admin = cluster().client(Persona::Admin).await;
    let pods = |q: ResourceQuota| {
        q.spec
            .and_then(|s| s.hard)
            .and_then(|h| h.get("pods").map(|p| p.0.clone()))
    };
    let quotas = Api::<ResourceQuota>::namespaced(admin, &ns);
    assert_eq!(
        pods(quotas.get("tenant-quota").await.expect("quota")).as_deref(),
        Some("20")
    );

    let run = tenantry(
        Persona::Admin,
        &audit,
        &["apply", "quota-large", "--tenant", &tenant],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        pods(quotas.get("tenant-quota").await.expect("quota")).as_deref(),
        Some("100")
    );
}

/// A tenant of one namespace owned by alice (the binding labelled as
/// tenantry labels what it creates, so alice finds her tenant).
async fn alice_tenant(prefix: &str) -> (String, String) {
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name(prefix);
    let ns = format!("{tenant}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
    let owner: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "owner", "labels": {"tenantry.dev/tenant": tenant}},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}],
    }));
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &owner)
        .await
        .expect("owner");
    (tenant, ns)
}

#[tokio::test]
async fn alice_applies_a_template_to_her_tenant_and_is_refused_elsewhere() {
    let (tenant, ns) = alice_tenant("alicenp").await;
    let audit = audit_path(&tenant);
    let run = tenantry(
        Persona::Alice,
        &audit,
        &[
            "-n",
            &ns,
            "apply",
            "netpol-default-deny",
            "--tenant",
            &tenant,
        ],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let admin = cluster().client(Persona::Admin).await;
    let policy = Api::<NetworkPolicy>::namespaced(admin.clone(), &ns)
        .get("default-deny")
        .await
        .expect("alice's default-deny policy");
    assert_eq!(
        policy.spec.and_then(|s| s.policy_types),
        Some(vec!["Ingress".to_string(), "Egress".to_string()])
    );

    // Her own tenant, but a write her rules do not allow: the namespace
    // object itself. Refused by the dry run, nothing written.
    let psa = tenantry(
        Persona::Alice,
        &audit,
        &["-n", &ns, "apply", "psa-restricted", "--tenant", &tenant],
    );
    assert_eq!(psa.code, Some(1), "{}{}", psa.stdout, psa.stderr);
    assert!(
        psa.stderr.contains("cannot patch resource \"namespaces\""),
        "{}",
        psa.stderr
    );
    assert!(psa.stderr.contains("nothing was written"), "{}", psa.stderr);
    let labels = Api::<Namespace>::all(admin.clone())
        .get(&ns)
        .await
        .expect("namespace")
        .metadata
        .labels
        .unwrap_or_default();
    assert!(!labels.contains_key("pod-security.kubernetes.io/enforce"));

    // Creating a tenant needs namespaces: alice may not create them.
    let other = unique_name("alicenew");
    let refused = tenantry(
        Persona::Alice,
        &audit,
        &["create", &other, "--owner", "user:alice"],
    );
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("cannot patch resource \"namespaces\""),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("nothing was written"),
        "{}",
        refused.stderr
    );
    assert!(!namespace_exists(&other).await);

    // Another tenant's namespace: she cannot even see that tenant.
    let (foreign, foreign_ns) = {
        let t = unique_name("notalice");
        let n = format!("{t}-ns");
        create_namespace(&admin, &n, &[("tenantry.dev/tenant", &t)]).await;
        (t, n)
    };
    let elsewhere = tenantry(
        Persona::Alice,
        &audit,
        &[
            "-n",
            &foreign_ns,
            "apply",
            "netpol-default-deny",
            "--tenant",
            &foreign,
        ],
    );
    assert_eq!(
        elsewhere.code,
        Some(2),
        "{}{}",
        elsewhere.stdout,
        elsewhere.stderr
    );
    assert!(
        elsewhere.stderr.contains("no tenant"),
        "{}",
        elsewhere.stderr
    );
    assert!(
        Api::<NetworkPolicy>::namespaced(admin, &foreign_ns)
            .get_opt("default-deny")
            .await
            .expect("reading")
            .is_none()
    );
    let results: Vec<String> = audit_lines(&audit)
        .iter()
        .filter_map(|l| l["result"].as_str().map(str::to_string))
        .collect();
    assert_eq!(results, ["applied", "refused", "refused"]);
}

#[tokio::test]
async fn readonly_create_and_apply_send_nothing() {
    let tenant = unique_name("rotpl");
    let audit = audit_path(&tenant);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["--readonly", "create", &tenant, "--owner", "user:zoe"],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("read-only mode"), "{}", run.stderr);
    assert!(!namespace_exists(&tenant).await);

    let admin = cluster().client(Persona::Admin).await;
    let ns = format!("{tenant}-x");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
    let run = tenantry(
        Persona::Admin,
        &audit,
        &[
            "--readonly",
            "apply",
            "netpol-default-deny",
            "--tenant",
            &tenant,
        ],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        Api::<NetworkPolicy>::namespaced(admin, &ns)
            .list(&Default::default())
            .await
            .expect("listing")
            .items
            .is_empty()
    );
    let lines = audit_lines(&audit);
    assert_eq!(lines.len(), 2);
    assert!(
        lines
            .iter()
            .all(|l| l["result"] == "refused" && l["message"] == "read-only mode")
    );
}

#[tokio::test]
async fn a_field_owned_by_another_manager_is_named_and_taken_only_with_force() {
    let tenant = unique_name("tplconf");
    let audit = audit_path(&tenant);
    let admin = cluster().client(Persona::Admin).await;
    let ns = format!("{tenant}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
    let theirs = json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": ns},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    });
    let policies = Api::<NetworkPolicy>::namespaced(admin.clone(), &ns);
    policies
        .patch(
            "default-deny",
            &PatchParams::apply("platform-team"),
            &Patch::Apply(&theirs),
        )
        .await
        .expect("their policy");
    // A second namespace with the same contested field: both are named.
    let ns2 = format!("{tenant}-ns2");
    create_namespace(&admin, &ns2, &[("tenantry.dev/tenant", &tenant)]).await;
    let mut theirs2 = theirs.clone();
    theirs2["metadata"]["namespace"] = json!(ns2);
    Api::<NetworkPolicy>::namespaced(admin.clone(), &ns2)
        .patch(
            "default-deny",
            &PatchParams::apply("platform-team"),
            &Patch::Apply(&theirs2),
        )
        .await
        .expect("their second policy");
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["apply", "netpol-default-deny", "--tenant", &tenant],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    for n in [&ns, &ns2] {
        assert!(
            run.stderr.contains(&format!(
                "NetworkPolicy {n}/default-deny .spec.policyTypes (owned by platform-team)"
            )),
            "{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    let types = |p: NetworkPolicy| p.spec.and_then(|s| s.policy_types).unwrap_or_default();
    assert_eq!(
        types(policies.get("default-deny").await.expect("policy")),
        ["Ingress"]
    );
    assert!(
        policies
            .get_opt("allow-dns-egress")
            .await
            .expect("get")
            .is_none()
    );

    let forced = tenantry(
        Persona::Admin,
        &audit,
        &[
            "apply",
            "netpol-default-deny",
            "--tenant",
            &tenant,
            "--force",
        ],
    );
    assert_eq!(forced.code, Some(0), "{}", forced.stderr);
    assert_eq!(
        types(policies.get("default-deny").await.expect("policy")),
        ["Ingress", "Egress"]
    );
}

#[tokio::test]
async fn bad_templates_and_values_are_refused_before_anything_is_sent() {
    let tenant = unique_name("badtpl");
    let audit = audit_path(&tenant);
    let config = tempfile::tempdir().expect("temp dir");
    let templates = config.path().join("templates");
    std::fs::create_dir_all(&templates).expect("templates dir");
    std::fs::write(
        templates.join("broken.yaml"),
        "name: broken\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: [unclosed\n",
    )
    .expect("write");
    std::fs::write(
        templates.join("sized.yaml"),
        "name: sized\nparameters:\n- name: CPU\n  required: true\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: ${NAMESPACE}\nspec:\n  hard:\n    requests.cpu: \"${CPU}\"\n",
    )
    .expect("write");
    let ns = tenant.clone();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "create",
                &tenant,
                "--owner",
                "user:zoe",
                "--template",
                "broken",
            ],
            "broken.yaml:7:11: unclosed bracket",
        ),
        (
            vec!["create", &tenant, "--owner", "user:zoe", "--set", "PODZ=3"],
            "unknown parameter PODZ",
        ),
        (
            vec![
                "create",
                &tenant,
                "--owner",
                "user:zoe",
                "--template",
                "sized",
            ],
            "missing required parameter CPU",
        ),
        (
            vec![
                "create",
                &tenant,
                "--owner",
                "user:zoe",
                "--template",
                "sized",
                "--set",
                "CPU=1.5.2",
            ],
            "spec.hard.requests.cpu = \"1.5.2\" is not a quantity",
        ),
        (
            vec![
                "create",
                &tenant,
                "--owner",
                "user:zoe",
                "--template",
                "sized",
                "--set",
                "CPU=4 cpus",
            ],
            "is not a quantity",
        ),
        (
            vec![
                "create",
                &tenant,
                "--owner",
                "user:zoe",
                "--set",
                "REQUESTS_CPU=4 cpus",
            ],
            "REQUESTS_CPU: \"4 cpus\" does not match",
        ),
        (
            vec!["create", "Bad_Name", "--owner", "user:zoe"],
            "character 'B' at position 1 is not allowed",
        ),
        (vec!["create", &tenant, "--owner", "zoe"], "user:NAME"),
        (
            vec![
                "create",
                &tenant,
                "--owner",
                "user:zoe",
                "--template",
                "nope",
            ],
            "no such template",
        ),
        (
            vec!["apply", "netpol-default-deny"],
            "required arguments were not provided:\n  --tenant <TENANT>",
        ),
    ];
    for (args, expected) in cases {
        let run = tenantry_in(config.path(), Persona::Admin, &audit, &args);
        assert_eq!(run.code, Some(2), "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    assert!(!namespace_exists(&ns).await, "nothing was created");
    assert!(
        audit_lines(&audit).is_empty(),
        "nothing reached the write path"
    );

    let listed = tenantry_in(
        config.path(),
        Persona::Admin,
        &audit,
        &["templates", "-o", "json"],
    );
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    let value: serde_json::Value = serde_json::from_str(&listed.stdout).expect("json");
    let names: Vec<&str> = value["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for name in [
        "tenant-baseline",
        "quota-small",
        "quota-medium",
        "quota-large",
        "netpol-default-deny",
        "psa-restricted",
        "sized",
    ] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert!(
        value["broken"][0]
            .as_str()
            .unwrap_or_default()
            .contains("broken.yaml:7:11"),
        "{value}"
    );
}

#[tokio::test]
async fn a_namespace_of_another_tenant_is_not_taken_over() {
    let admin = cluster().client(Persona::Admin).await;
    let owner = unique_name("holder");
    let ns = format!("{owner}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &owner)]).await;
    let tenant = unique_name("grabber");
    let audit = audit_path(&tenant);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &[
            "create",
            &tenant,
            "--owner",
            "user:zoe",
            "--namespaces",
            &ns,
        ],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("namespace {ns} belongs to tenant {owner}")),
        "{}",
        run.stderr
    );
    let labels = Api::<Namespace>::all(admin)
        .get(&ns)
        .await
        .expect("ns")
        .metadata
        .labels
        .unwrap_or_default();
    assert_eq!(labels["tenantry.dev/tenant"], owner);
}

#[tokio::test]
async fn the_servers_warnings_reach_the_preview() {
    let tenant = unique_name("psawarn");
    let audit = audit_path(&tenant);
    let admin = cluster().client(Persona::Admin).await;
    let ns = format!("{tenant}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
    // A pod with no security context: Pod Security `restricted` would
    // refuse it, and the server says so when the level is raised.
    let pod: k8s_openapi::api::core::v1::Pod = object(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "loose"},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
    }));
    Api::<k8s_openapi::api::core::v1::Pod>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &pod)
        .await
        .expect("pod");
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["apply", "psa-restricted", "--tenant", &tenant, "--dry-run"],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "warning from the server: existing pods in namespace \"{ns}\" violate the new PodSecurity enforce level"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("loose"), "{}", run.stdout);
}

/// A tenant of one namespace whose admin binding the tenant's own admin
/// could have written: `subjects` as given.
async fn tenant_with_owner_binding(prefix: &str, subjects: serde_json::Value) -> (String, String) {
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name(prefix);
    let ns = format!("{tenant}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
    let owner: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "owner"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": subjects,
    }));
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &owner)
        .await
        .expect("owner binding");
    (tenant, ns)
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

#[tokio::test]
async fn a_hostile_owner_name_is_left_out_of_the_baseline_and_named_in_the_preview() {
    let hostile = "mallory\n- kind: Group\n  name: system:authenticated";
    let (tenant, ns) = tenant_with_owner_binding(
        "hostile",
        json!([
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "zoe"},
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": hostile},
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "makers"},
        ]),
    )
    .await;
    let audit = audit_path(&tenant);
    let named = format!(
        "owner left out: User \"mallory\\n- kind: Group\\n  name: system:authenticated\" from RoleBinding {ns}/owner"
    );

    let preview = tenantry(
        Persona::Admin,
        &audit,
        &[
            "apply",
            "tenant-baseline",
            "--tenant",
            &tenant,
            "--dry-run",
            "--diff",
        ],
    );
    assert_eq!(
        preview.code,
        Some(0),
        "{}{}",
        preview.stdout,
        preview.stderr
    );
    assert!(preview.stdout.contains(&named), "{}", preview.stdout);
    assert!(
        preview.stdout.contains("control character"),
        "{}",
        preview.stdout
    );
    // The name never reaches the preview as lines of its own.
    assert!(
        !preview.stdout.contains("\n- kind: Group"),
        "{}",
        preview.stdout
    );

    let run = tenantry(
        Persona::Admin,
        &audit,
        &["apply", "tenant-baseline", "--tenant", &tenant],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&named), "{}", run.stdout);
    let mut written = owner_subjects(&ns).await;
    written.sort();
    assert_eq!(
        written,
        [
            ("Group".to_string(), "makers".to_string()),
            ("User".to_string(), "zoe".to_string())
        ]
    );
}

#[tokio::test]
async fn a_public_subject_fails_its_check_and_is_never_copied_as_an_owner() {
    let (tenant, ns) = tenant_with_owner_binding(
        "public",
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "zoe"}]),
    )
    .await;
    let admin = cluster().client(Persona::Admin).await;
    let everyone: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "everyone"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"},
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": format!("system:serviceaccounts:{ns}")},
        ],
    }));
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &everyone)
        .await
        .expect("a binding to everyone");
    let audit = audit_path(&tenant);

    let check = tenantry(Persona::Admin, &audit, &["check", &tenant, "-o", "json"]);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).expect("json");
    let public = report["tenants"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "rbac.public-subjects")
        .cloned()
        .expect("the check");
    assert_eq!(public["outcome"], "fail", "{public}");
    assert_eq!(public["severity"], "critical", "{public}");
    let reason = public["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&format!("{ns}/everyone binds ClusterRole admin to"))
            && reason.contains("system:authenticated")
            && reason.contains(&format!("system:serviceaccounts:{ns}")),
        "{reason}"
    );
    assert_eq!(check.code, Some(1), "a critical finding fails the run");

    let run = tenantry(
        Persona::Admin,
        &audit,
        &["apply", "tenant-baseline", "--tenant", &tenant],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "owner left out: Group \"system:authenticated\" from RoleBinding {ns}/everyone: a public subject"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(
        owner_subjects(&ns).await,
        [("User".to_string(), "zoe".to_string())]
    );
    // And it cannot be named as an owner either.
    let refused = tenantry(
        Persona::Admin,
        &audit,
        &[
            "apply",
            "tenant-baseline",
            "--tenant",
            &tenant,
            "--owner",
            "group:system:authenticated",
        ],
    );
    assert_eq!(
        refused.code,
        Some(2),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stderr.contains("public subject"),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn a_template_writing_outside_the_tenant_is_refused_with_nothing_written() {
    let (tenant, ns) = tenant_with_owner_binding(
        "bounds",
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "zoe"}]),
    )
    .await;
    let admin = cluster().client(Persona::Admin).await;
    let other = unique_name("bystander");
    create_namespace(&admin, &other, &[]).await;
    let config_maps = |namespace: &str| {
        Api::<k8s_openapi::api::core::v1::ConfigMap>::namespaced(admin.clone(), namespace)
    };
    // What the templates would change, inside and outside the tenant.
    for namespace in [&ns, &other] {
        let cm: k8s_openapi::api::core::v1::ConfigMap = object(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "team"}, "data": {"team": "before"},
        }));
        config_maps(namespace)
            .create(&PostParams::default(), &cm)
            .await
            .expect("config map");
    }
    let version = |cm: k8s_openapi::api::core::v1::ConfigMap| cm.metadata.resource_version;
    let before_inside = version(config_maps(&ns).get("team").await.expect("cm"));
    let before_outside = version(config_maps(&other).get("team").await.expect("cm"));

    let config = tempfile::tempdir().expect("temp dir");
    let templates = config.path().join("templates");
    std::fs::create_dir_all(&templates).expect("templates dir");
    let inside = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team\n  namespace: ${NAMESPACE}\ndata:\n  team: after\n";
    let files = [
        (
            "cluster-readers",
            format!(
                "name: cluster-readers\n---\n{inside}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${{TENANT}}-readers\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: Group\n  name: ${{TENANT}}-devs\n  apiGroup: rbac.authorization.k8s.io\n"
            ),
        ),
        (
            "elsewhere",
            format!(
                "name: elsewhere\nparameters:\n- name: WHERE\n  required: true\n---\n{inside}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team\n  namespace: ${{WHERE}}\ndata:\n  team: after\n"
            ),
        ),
        (
            "nowhere",
            format!(
                "name: nowhere\n---\n{inside}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-again\ndata:\n  team: after\n"
            ),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(templates.join(format!("{name}.yaml")), text).expect("write");
    }
    let audit = audit_path(&tenant);
    let crb_name = format!("{tenant}-readers");
    let set_where = format!("WHERE={other}");
    let new_tenant = format!("{tenant}-new");
    let cases: [(Vec<&str>, String); 4] = [
        (
            vec!["apply", "cluster-readers", "--tenant", &tenant],
            format!(
                "ClusterRoleBinding {crb_name}: ClusterRoleBinding is cluster-scoped, outside tenant {tenant}"
            ),
        ),
        (
            vec![
                "apply",
                "elsewhere",
                "--tenant",
                &tenant,
                "--set",
                &set_where,
            ],
            format!(
                "ConfigMap {other}/team: namespace {other} is not one of tenant {tenant}'s ({ns})"
            ),
        ),
        (
            vec!["apply", "nowhere", "--tenant", &tenant, "--dry-run"],
            "ConfigMap team-again: ConfigMap is namespaced but this object names no namespace"
                .to_string(),
        ),
        (
            vec![
                "create",
                &new_tenant,
                "--owner",
                "user:zoe",
                "--template",
                "cluster-readers",
            ],
            format!(
                "ClusterRoleBinding {tenant}-new-readers: ClusterRoleBinding is cluster-scoped"
            ),
        ),
    ];
    for (args, expected) in &cases {
        let run = tenantry_in(config.path(), Persona::Admin, &audit, args);
        assert_eq!(run.code, Some(1), "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains(&format!("refused, outside the tenant: {expected}")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("reaches: [") || run.stderr.contains("names no namespace"));
        assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
        assert!(
            !run.stdout.contains("create "),
            "no preview: {}",
            run.stdout
        );
    }
    // Nothing written: same resourceVersions, no binding, no namespace.
    assert_eq!(
        version(config_maps(&ns).get("team").await.expect("cm")),
        before_inside
    );
    assert_eq!(
        version(config_maps(&other).get("team").await.expect("cm")),
        before_outside
    );
    let bindings = Api::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>::all(admin.clone());
    assert!(bindings.get_opt(&crb_name).await.expect("get").is_none());
    assert!(!namespace_exists(&format!("{tenant}-new")).await);
    let lines = audit_lines(&audit);
    assert_eq!(lines.len(), cases.len(), "{lines:#?}");
    for (line, (_, expected)) in lines.iter().zip(&cases) {
        assert_eq!(line["result"], "refused", "{line}");
        assert!(
            line["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("outside the tenant: {expected}")),
            "{line}"
        );
    }

    // Declared, it is previewed with its marks before anything is written.
    std::fs::write(
        templates.join("cluster-readers.yaml"),
        files[0].1.replace(
            "name: cluster-readers\n",
            "name: cluster-readers\nreaches: [ClusterRoleBinding]\n",
        ),
    )
    .expect("write");
    let preview = tenantry_in(
        config.path(),
        Persona::Admin,
        &audit,
        // (--force: the ConfigMap made above has another field manager.)
        &[
            "apply",
            "cluster-readers",
            "--tenant",
            &tenant,
            "--dry-run",
            "--force",
        ],
    );
    assert_eq!(
        preview.code,
        Some(0),
        "{}{}",
        preview.stdout,
        preview.stderr
    );
    assert!(
        preview.stdout.contains(&format!(
            "marked    ClusterRoleBinding {crb_name}: outside tenant {tenant}: cluster-scoped (declared: reaches ClusterRoleBinding); binds ClusterRole cluster-admin"
        )),
        "{}",
        preview.stdout
    );
    assert!(
        preview
            .stdout
            .contains(&format!("create    ClusterRoleBinding {crb_name}")),
        "{}",
        preview.stdout
    );
    assert!(bindings.get_opt(&crb_name).await.expect("get").is_none());
}
