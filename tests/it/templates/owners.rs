//! Owners copied into the baseline: hostile names and public subjects are
//! left out, and named.

use super::{audit_path, owner_subjects, tenant_with_owner_binding};
use crate::common;
use common::{cluster, object, tenantry};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, PostParams};
use serde_json::json;
use tenantry::sandbox::Persona;

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
