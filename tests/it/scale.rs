//! Restricted users at scale (ARCHITECTURE.md §4, §9): a namespace admin
//! with more namespaces than tenantry opens watches for gets the first
//! kinds watched and the rest polled, sees every namespace of the tenant,
//! and is told which lists are polled.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use serde_json::json;
use tenantry::kube::watch::{MAX_NAMESPACE_WATCHES, POLL_INTERVAL};
use tenantry::model::Kind;
use tenantry::sandbox::Persona;

use crate::common::setup::{admin_binding, user};
use crate::common::{audit_path, cluster, create_namespace, object, tenantry, unique_name};

/// Namespaced kinds tenantry lists per namespace for a restricted user
/// (quota objects from CRDs, when another test installed them, are always
/// watched and never polled).
fn namespaced_kinds() -> usize {
    Kind::ALL.iter().filter(|k| k.is_namespaced()).count()
}

#[tokio::test]
async fn a_namespace_admin_past_the_watch_limit_is_polled_and_told_so() {
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name("polled");
    // Pods, quotas, LimitRanges and NetworkPolicies of every namespace are
    // watched (4 × 25 = the limit); RoleBindings, Roles and refusal Events
    // are polled.
    let count = MAX_NAMESPACE_WATCHES / 4;
    let mut namespaces = Vec::new();
    for i in 0..count {
        let ns = format!("{tenant}-{i}");
        create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant)]).await;
        // bob finds the tenant through the labelled bindings: they are
        // polled, so every namespace counted proves the polls arrived.
        admin_binding(
            &ns,
            "owner",
            json!([user("bob")]),
            json!({"tenantry.dev/tenant": tenant}),
        )
        .await;
        namespaces.push(ns);
    }
    let pod: Pod = object(json!({
        "metadata": {"name": "p", "namespace": namespaces[0]},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
    }));
    Api::<Pod>::namespaced(admin.clone(), &namespaces[0])
        .create(&PostParams::default(), &pod)
        .await
        .expect("a pod");

    let mut args = vec!["tenants", "-o", "json"];
    for ns in &namespaces {
        args.extend(["-n", ns.as_str()]);
    }
    let run = tenantry(Persona::Bob, &audit_path("polled"), &args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let line = out["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .find(|t| t["name"] == tenant.as_str())
        .unwrap_or_else(|| panic!("bob's tenant {tenant} in {out}"));
    assert_eq!(line["namespaces"], count);
    assert_eq!(line["pods"], 1);
    assert_eq!(line["no_access_namespaces"], 0);
    let polled = count * namespaced_kinds() - MAX_NAMESPACE_WATCHES;
    assert_eq!(
        out["polled"],
        json!({"lists": polled, "every_secs": POLL_INTERVAL.as_secs()}),
        "{out}"
    );
    let no_access: Vec<&serde_json::Value> = out["no_access"]
        .as_array()
        .expect("no_access")
        .iter()
        .filter(|n| n["scope"].as_str().is_some_and(|s| s.starts_with(&tenant)))
        .collect();
    assert!(no_access.is_empty(), "{no_access:?}");
}
