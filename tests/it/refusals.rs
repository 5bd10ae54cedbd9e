//! Why a workload is refused, against the real control plane: the
//! ReplicaSet and Job controllers of the sandbox create pods, admission
//! refuses them on a ResourceQuota or a LimitRange, the controllers write
//! `FailedCreate` events, and `report` / `tenants` read them back. Also the
//! extended-resource and per-StorageClass quota rows.

use crate::common;

use std::time::Duration;

use common::{cluster, eventually, object, setup, tenantry, unique_name};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{LimitRange, PersistentVolumeClaim, Pod, ResourceQuota};
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use tenantry::sandbox::{self, Persona};

/// Refusal events take a few seconds to come: the controller retries.
const DEADLINE: Duration = Duration::from_secs(90);

async fn quota(ns: &str, name: &str, hard: Value) {
    let admin = cluster().client(Persona::Admin).await;
    let rq: ResourceQuota = object(json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"hard": hard},
    }));
    Api::<ResourceQuota>::namespaced(admin.clone(), ns)
        .create(&PostParams::default(), &rq)
        .await
        .expect("the quota");
    sandbox::seed::wait_for_quota_status(&admin, ns, name)
        .await
        .expect("the quota's status");
}

fn report(tenant: &str) -> Value {
    let audit = common::audit_path(&unique_name("refusals-audit"));
    let run = tenantry(Persona::Admin, &audit, &["report", tenant, "-o", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("report -o json")
}

fn container(name: &str, resources: Value) -> Value {
    json!({"name": name, "image": "registry.k8s.io/pause:3.10", "resources": resources})
}

/// Waits for refusal rows matching `wanted` in the tenant's report.
async fn refusals_where(tenant: &str, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
    eventually("the refusal in `report`", DEADLINE, || {
        let report = report(tenant);
        let rows: Vec<Value> = report["quota"]["refusals"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let found = rows.iter().any(&wanted);
        async move { found.then_some(rows) }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_scaled_past_its_quota_is_refused_and_report_says_by_how_much() {
    let (tenant, ns) = setup::tenant_namespace("refused").await;
    quota(&ns, "compute", json!({"pods": "1", "requests.cpu": "300m"})).await;
    let admin = cluster().client(Persona::Admin).await;
    let deployment: Deployment = object(json!({
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [container("web", json!({"requests": {"cpu": "200m"}}))]},
            },
        },
    }));
    Api::<Deployment>::namespaced(admin, &ns)
        .create(&PostParams::default(), &deployment)
        .await
        .expect("the deployment");

    let rows = refusals_where(&tenant, |r| r["resource"] == "pods").await;
    let pods = rows
        .iter()
        .find(|r| r["resource"] == "pods")
        .expect("a pods row");
    assert_eq!(pods["source"], "event");
    assert_eq!(pods["namespace"], ns.as_str());
    assert_eq!(pods["refused_by"], "ResourceQuota compute", "{pods}");
    assert!(
        pods["workload"]
            .as_str()
            .is_some_and(|w| w.starts_with("ReplicaSet/web-")),
        "{pods}"
    );
    assert_eq!(pods["reason"], "exceeded");
    assert_eq!(pods["requested"], "1");
    assert_eq!(pods["used"], "1");
    assert_eq!(pods["limited"], "1");
    assert_eq!(pods["remaining"], "0");
    assert!(pods["count"].as_u64().is_some_and(|c| c >= 1), "{pods}");
    assert_eq!(pods["last_hour"], true);
    // The second pod would bring cpu to 400m of 300m: 100m remain.
    let cpu = rows
        .iter()
        .find(|r| r["resource"] == "requests.cpu")
        .expect("a requests.cpu row");
    assert_eq!(cpu["requested"], "200m", "{cpu}");
    assert_eq!(cpu["remaining"], "100m", "{cpu}");

    // The tenants list marks the tenant blocked.
    let audit = common::audit_path(&unique_name("refusals-tenants"));
    let run = tenantry(Persona::Admin, &audit, &["tenants", "-o", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let tenants: Value = serde_json::from_str(&run.stdout).expect("tenants -o json");
    let line = tenants["tenants"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == tenant.as_str()))
        .cloned()
        .expect("the tenant");
    assert!(line["blocked"].as_u64().is_some_and(|b| b >= 1), "{line}");

    // The table says it in words.
    let run = tenantry(Persona::Admin, &audit, &["report", &tenant]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("REFUSED WORKLOADS"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("requested 200m, remaining 100m (used 200m of 300m)"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_over_its_limit_range_is_refused_by_that_limit_range() {
    let (tenant, ns) = setup::tenant_namespace("limited").await;
    let admin = cluster().client(Persona::Admin).await;
    let limits: LimitRange = object(json!({
        "metadata": {"name": "per-container", "namespace": ns},
        "spec": {"limits": [{"type": "Container", "max": {"cpu": "500m"}}]},
    }));
    Api::<LimitRange>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &limits)
        .await
        .expect("the limit range");
    let job: Job = object(json!({
        "metadata": {"name": "crunch", "namespace": ns},
        "spec": {
            "backoffLimit": 0,
            "template": {"spec": {
                "restartPolicy": "Never",
                "containers": [container("crunch", json!({"limits": {"cpu": "1"}}))],
            }},
        },
    }));
    Api::<Job>::namespaced(admin, &ns)
        .create(&PostParams::default(), &job)
        .await
        .expect("the job");

    let rows = refusals_where(&tenant, |r| r["reason"] == "limit").await;
    let row = rows
        .iter()
        .find(|r| r["reason"] == "limit")
        .expect("a limit row");
    assert_eq!(row["workload"], "Job/crunch", "{row}");
    assert_eq!(row["refused_by"], "LimitRange per-container", "{row}");
    assert_eq!(row["resource"], "cpu", "{row}");
    assert_eq!(row["limited"], "500m", "{row}");
    assert_eq!(
        row["detail"], "maximum per Container is 500m, the pod asks limit 1",
        "{row}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn extended_resources_and_storage_classes_are_rows_with_figures() {
    let (tenant, ns) = setup::tenant_namespace("gpus").await;
    quota(
        &ns,
        "accelerators",
        json!({
            "requests.nvidia.com/gpu": "4",
            "requests.nvidia.com/mig-1g.10gb": "2",
            "gold.storageclass.storage.k8s.io/requests.storage": "10Gi",
            "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "2",
        }),
    )
    .await;
    let admin = cluster().client(Persona::Admin).await;
    // No node has a GPU: admission charges the quota, and no scheduler runs.
    let pod: Pod = object(json!({
        "metadata": {"name": "trainer", "namespace": ns},
        "spec": {"containers": [container("trainer", json!({"limits": {"nvidia.com/gpu": "3"}}))]},
    }));
    Api::<Pod>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &pod)
        .await
        .expect("the GPU pod");
    let claim: PersistentVolumeClaim = object(json!({
        "metadata": {"name": "data", "namespace": ns},
        "spec": {
            "storageClassName": "gold",
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "5Gi"}},
        },
    }));
    Api::<PersistentVolumeClaim>::namespaced(admin, &ns)
        .create(&PostParams::default(), &claim)
        .await
        .expect("the claim");

    let usage = |report: &Value, resource: &str| -> Option<Value> {
        report["quota"]["namespaces"][0]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["resource"] == resource)
            .cloned()
    };
    let report = eventually("the quota to count the pod and the claim", DEADLINE, || {
        let report = report(&tenant);
        let counted = [
            "requests.nvidia.com/gpu",
            "gold.storageclass.storage.k8s.io/requests.storage",
        ]
        .iter()
        .all(|r| usage(&report, r).is_some_and(|u| u["used"] != "0"));
        async move { counted.then_some(report) }
    })
    .await;
    let gpu = usage(&report, "requests.nvidia.com/gpu").expect("gpu row");
    assert_eq!(
        (&gpu["used"], &gpu["hard"], &gpu["percent"]),
        (&json!("3"), &json!("4"), &json!(75))
    );
    let mig = usage(&report, "requests.nvidia.com/mig-1g.10gb").expect("MIG row");
    assert_eq!((&mig["used"], &mig["hard"]), (&json!("0"), &json!("2")));
    let storage =
        usage(&report, "gold.storageclass.storage.k8s.io/requests.storage").expect("storage");
    assert_eq!(
        (&storage["used"], &storage["hard"], &storage["percent"]),
        (&json!("5Gi"), &json!("10Gi"), &json!(50))
    );
    let claims = usage(
        &report,
        "gold.storageclass.storage.k8s.io/persistentvolumeclaims",
    )
    .expect("claims");
    assert_eq!(
        (&claims["used"], &claims["hard"]),
        (&json!("1"), &json!("2"))
    );
    // The tenant total and the list's pressure count them like cpu.
    let total: Vec<&str> = report["quota"]["total"]
        .as_array()
        .expect("total")
        .iter()
        .filter_map(|u| u["resource"].as_str())
        .collect();
    assert_eq!(
        total[0], "requests.nvidia.com/gpu",
        "highest pressure first: {total:?}"
    );
    let audit = common::audit_path(&unique_name("gpus-tenants"));
    let run = tenantry(Persona::Admin, &audit, &["tenants", "-o", "json"]);
    let tenants: Value = serde_json::from_str(&run.stdout).expect("tenants -o json");
    let line = tenants["tenants"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == tenant.as_str()))
        .cloned()
        .expect("the tenant");
    assert_eq!(
        line["worst_quota"]["resource"], "requests.nvidia.com/gpu",
        "{line}"
    );
    assert_eq!(line["worst_quota"]["percent"], 75, "{line}");
    // The table groups the storage class's rows under it.
    let run = tenantry(Persona::Admin, &audit, &["report", &tenant]);
    assert!(run.stdout.contains("storage class gold"), "{}", run.stdout);
}
