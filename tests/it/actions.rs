//! Writes against the real API server: quota changes as admin and as
//! alice, read-only mode, field-manager conflicts and bad input.

use crate::common;

use common::{audit_lines, cluster, object, setup, tenantry, unique_name};
use k8s_openapi::api::core::v1::ResourceQuota;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;
use tenantry::sandbox::Persona;

/// A tenant of one namespace owned by alice, with a quota of two keys.
async fn tenant_with_quota(prefix: &str, manager: &str) -> (String, String) {
    let (tenant, ns) = setup::owned_tenant(prefix, json!([setup::user("alice")]), true).await;
    let admin = cluster().client(Persona::Admin).await;
    let quota = json!({
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "compute", "namespace": ns},
        "spec": {"hard": {"pods": "10", "requests.cpu": "2"}},
    });
    Api::<ResourceQuota>::namespaced(admin.clone(), &ns)
        .patch(
            "compute",
            &PatchParams::apply(manager),
            &Patch::Apply(&quota),
        )
        .await
        .expect("quota");
    tenantry::sandbox::seed::wait_for_quota_status(&admin, &ns, "compute")
        .await
        .expect("quota status");
    (tenant, ns)
}

async fn hard(ns: &str) -> std::collections::BTreeMap<String, String> {
    let admin = cluster().client(Persona::Admin).await;
    let quota = Api::<ResourceQuota>::namespaced(admin, ns)
        .get("compute")
        .await
        .expect("quota");
    quota
        .spec
        .and_then(|s| s.hard)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect()
}

#[tokio::test]
async fn admin_raises_a_quota_and_every_other_limit_stays() {
    let (tenant, ns) = tenant_with_quota("raise", "tenantry").await;
    let audit = common::audit_path(&tenant);
    let preview = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "pods=20", "--dry-run"],
    );
    assert_eq!(preview.code, Some(0), "{}", preview.stderr);
    assert!(
        preview.stdout.contains(".spec.hard.pods: \"10\" -> \"20\""),
        "{}",
        preview.stdout
    );
    assert_eq!(
        hard(&ns).await.get("pods").map(String::as_str),
        Some("10"),
        "a dry run writes nothing"
    );

    let run = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "pods=20"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let now = hard(&ns).await;
    assert_eq!(now.get("pods").map(String::as_str), Some("20"));
    assert_eq!(
        now.get("requests.cpu").map(String::as_str),
        Some("2"),
        "other keys stay: {now:?}"
    );

    let again = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "pods=20", "--dry-run"],
    );
    assert!(
        again.stdout.contains("unchanged"),
        "re-running changes nothing: {}",
        again.stdout
    );

    let lines = audit_lines(&audit);
    let results = common::audit_results(&lines);
    assert_eq!(
        results,
        vec![("previewed", true), ("applied", false), ("previewed", true)]
    );
    assert_eq!(lines[1]["user"], "admin");
    assert_eq!(lines[1]["action"], "quota set");
    assert_eq!(
        lines[1]["objects"][0],
        format!("ResourceQuota {ns}/compute")
    );
}

#[tokio::test]
async fn alice_is_refused_with_the_verb_resource_and_namespace_and_nothing_changes() {
    let (tenant, ns) = tenant_with_quota("alice", "tenantry").await;
    let audit = common::audit_path(&tenant);
    let run = tenantry(
        Persona::Alice,
        &audit,
        &["-n", &ns, "quota", "set", &tenant, "pods=99"],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("cannot patch resource \"resourcequotas\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("in the namespace \"{ns}\"")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(hard(&ns).await.get("pods").map(String::as_str), Some("10"));
    assert_eq!(audit_lines(&audit)[0]["result"], "refused");
}

#[tokio::test]
async fn readonly_sends_no_write_and_says_why() {
    let (tenant, ns) = tenant_with_quota("readonly", "tenantry").await;
    let admin = cluster().client(Persona::Admin).await;
    let quotas = Api::<ResourceQuota>::namespaced(admin, &ns);
    let version_before = quotas
        .get("compute")
        .await
        .expect("quota")
        .metadata
        .resource_version;
    let audit = common::audit_path(&tenant);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["--readonly", "quota", "set", &tenant, "pods=1"],
    );
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("read-only mode"), "{}", run.stderr);
    assert_eq!(hard(&ns).await.get("pods").map(String::as_str), Some("10"));
    let lines = audit_lines(&audit);
    assert_eq!(lines[0]["result"], "refused");
    assert_eq!(lines[0]["message"], "read-only mode");
    let version_after = quotas
        .get("compute")
        .await
        .expect("quota")
        .metadata
        .resource_version;
    assert_eq!(version_before, version_after, "no write reached the server");
}

#[tokio::test]
async fn a_field_owned_by_another_manager_needs_force() {
    let (tenant, ns) = tenant_with_quota("conflict", "platform-team").await;
    let audit = common::audit_path(&tenant);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "pods=30"],
    );
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(".spec.hard.pods (owned by platform-team)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(hard(&ns).await.get("pods").map(String::as_str), Some("10"));
    let forced = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "pods=30", "--force"],
    );
    assert_eq!(forced.code, Some(0), "{}", forced.stderr);
    assert_eq!(hard(&ns).await.get("pods").map(String::as_str), Some("30"));
}

#[tokio::test]
async fn bad_quantities_are_refused_before_anything_is_sent() {
    let (tenant, ns) = tenant_with_quota("badqty", "tenantry").await;
    let audit = common::audit_path(&tenant);
    for (value, position) in [
        ("requests.cpu=4 cpus", "position 2"),
        ("requests.memory=1.5.2Gi", "position 4"),
    ] {
        let run = tenantry(Persona::Admin, &audit, &["quota", "set", &tenant, value]);
        assert_eq!(run.code, Some(2), "{value}");
        assert!(run.stderr.contains(position), "{}", run.stderr);
        assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    }
    for value in ["pods=-1", "requests.memory=-1Gi"] {
        let run = tenantry(Persona::Admin, &audit, &["quota", "set", &tenant, value]);
        assert_eq!(run.code, Some(2), "{value}: {}", run.stderr);
        assert!(run.stderr.contains("cannot be negative"), "{}", run.stderr);
    }
    // A mistyped --quota is not a new quota.
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "--quota", "nosuch", "pods=3"],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{ns} has no ResourceQuota nosuch (it has compute); check the name, or add --create"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        hard(&ns).await.get("requests.cpu").map(String::as_str),
        Some("2")
    );
    assert!(
        audit_lines(&audit).is_empty(),
        "nothing reached the write path"
    );
}

#[tokio::test]
async fn lowering_a_limit_below_use_warns() {
    let (tenant, ns) = tenant_with_quota("below", "tenantry").await;
    let admin = cluster().client(Persona::Admin).await;
    let pod: k8s_openapi::api::core::v1::Pod = object(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                 "resources": {"requests": {"cpu": "500m"}}}]},
    }));
    Api::<k8s_openapi::api::core::v1::Pod>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &pod)
        .await
        .expect("pod");
    common::eventually("quota usage", std::time::Duration::from_secs(30), || {
        let admin = admin.clone();
        let ns = ns.clone();
        async move {
            let q = Api::<ResourceQuota>::namespaced(admin, &ns)
                .get("compute")
                .await
                .ok()?;
            (q.status?.used?.get("requests.cpu")?.0 == "500m").then_some(())
        }
    })
    .await;
    let audit = common::audit_path(&tenant);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "requests.cpu=100m", "--dry-run"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("below what is already used (500m)"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn system_namespaces_are_never_joined_to_a_tenant() {
    let admin = cluster().client(Persona::Admin).await;
    let before = Api::<k8s_openapi::api::core::v1::Namespace>::all(admin.clone())
        .get("kube-system")
        .await
        .expect("kube-system")
        .metadata
        .resource_version;
    let tenant = unique_name("sysns");
    let audit = common::audit_path(&tenant);
    for ns in ["kube-system", "default"] {
        let run = tenantry(
            Persona::Admin,
            &audit,
            &["create", &tenant, "--owner", "user:x", "--namespaces", ns],
        );
        assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains(&format!("namespace {ns} is a system namespace")),
            "{}",
            run.stderr
        );
    }
    let after = Api::<k8s_openapi::api::core::v1::Namespace>::all(admin)
        .get("kube-system")
        .await
        .expect("kube-system")
        .metadata
        .resource_version;
    assert_eq!(before, after, "kube-system was not touched");
    assert!(
        audit_lines(&audit).is_empty(),
        "nothing reached the write path"
    );
}

#[tokio::test]
async fn a_quota_edit_keeps_the_template_label_its_template_applied() {
    // A template's quota: applied by tenantry's field manager with the
    // template's label, as `tenantry apply quota-small` writes it.
    let (tenant, ns) = setup::owned_tenant("tmplq", json!([setup::user("alice")]), true).await;
    let admin = cluster().client(Persona::Admin).await;
    let quota = json!({
        "apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "compute", "namespace": ns, "labels": {
            "app.kubernetes.io/managed-by": "tenantry",
            "tenantry.dev/template": "quota-small",
            "tenantry.dev/tenant": tenant,
        }},
        "spec": {"hard": {"pods": "10"}},
    });
    let quotas = Api::<ResourceQuota>::namespaced(admin.clone(), &ns);
    quotas
        .patch(
            "compute",
            &PatchParams::apply("tenantry"),
            &Patch::Apply(&quota),
        )
        .await
        .expect("quota");
    tenantry::sandbox::seed::wait_for_quota_status(&admin, &ns, "compute")
        .await
        .expect("quota status");
    let audit = common::audit_path(&tenant);
    let preview = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "pods=20", "--dry-run"],
    );
    assert_eq!(preview.code, Some(0), "{}", preview.stderr);
    assert!(
        !preview.stdout.contains("tenantry.dev/template"),
        "the preview changes no label: {}",
        preview.stdout
    );
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &tenant, "pods=20"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let now = quotas.get("compute").await.expect("quota");
    let labels = now.metadata.labels.unwrap_or_default();
    assert_eq!(
        labels.get("tenantry.dev/template").map(String::as_str),
        Some("quota-small"),
        "{labels:?}"
    );
    assert_eq!(hard(&ns).await.get("pods").map(String::as_str), Some("20"));
}
