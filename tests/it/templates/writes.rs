//! Templates written: `create` and `apply` as admin and as alice, read-only
//! mode, a field owned by another manager.

use super::{alice_tenant, audit_path, namespace_exists};
use crate::common;
use common::{audit_lines, cluster, create_namespace, tenantry, unique_name};
use k8s_openapi::api::core::v1::{Namespace, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;
use tenantry::sandbox::Persona;

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
