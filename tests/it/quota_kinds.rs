//! Quota objects that span a tenant's namespaces (issue 11 items 1 and 2),
//! against the real API server: Kueue ClusterQueue and LocalQueue (the
//! CRDs of Kueue v0.17.0, installed unchanged), HNC HierarchicalResourceQuota,
//! OpenShift ClusterResourceQuota and Capsule ResourcePool,
//! ResourcePoolClaim and GlobalResourceQuota (CRDs written here from the
//! projects' API references: their Go modules are not served by the proxy;
//! see `quota_kinds/README.md`).
//!
//! The Kueue objects are written in v1beta2, Kueue v0.17's storage version:
//! without Kueue's conversion webhook (not run here) the API server converts
//! between v1beta1 and v1beta2 by the apiVersion alone, which drops v1beta1's
//! `cohort` (v1beta2 `cohortName`); tenantry reads the newest served version.
//!
//! No Kueue, HNC, OpenShift or Capsule controller runs in the sandbox: each test
//! writes the status through the status subresource as the controller
//! would (Kueue's `flavorsReservation`/`flavorsUsage` and workload counts,
//! HNC's `status.hard`/`used`, OpenShift's `status.total`/`namespaces`).

use crate::common;

use std::time::Duration;

use common::{cluster, create_bare_namespace, tenantry, unique_name};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

const KUEUE_CLUSTER_QUEUES: &str = include_str!("quota_kinds/kueue.x-k8s.io_clusterqueues.yaml");
const KUEUE_LOCAL_QUEUES: &str = include_str!("quota_kinds/kueue.x-k8s.io_localqueues.yaml");
const KUEUE_WORKLOADS: &str = include_str!("quota_kinds/kueue.x-k8s.io_workloads.yaml");

const TENANT_LABEL: &str = "tenantry.dev/tenant";

fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn cluster_queues() -> ApiResource {
    resource("kueue.x-k8s.io", "v1beta2", "ClusterQueue", "clusterqueues")
}

fn local_queues() -> ApiResource {
    resource("kueue.x-k8s.io", "v1beta2", "LocalQueue", "localqueues")
}

fn workloads() -> ApiResource {
    resource("kueue.x-k8s.io", "v1beta2", "Workload", "workloads")
}

fn hrqs() -> ApiResource {
    resource(
        "hnc.x-k8s.io",
        "v1alpha2",
        "HierarchicalResourceQuota",
        "hierarchicalresourcequotas",
    )
}

fn crqs() -> ApiResource {
    resource(
        "quota.openshift.io",
        "v1",
        "ClusterResourceQuota",
        "clusterresourcequotas",
    )
}

fn resource_pools() -> ApiResource {
    resource(
        "capsule.clastix.io",
        "v1beta2",
        "ResourcePool",
        "resourcepools",
    )
}

fn pool_claims() -> ApiResource {
    resource(
        "capsule.clastix.io",
        "v1beta2",
        "ResourcePoolClaim",
        "resourcepoolclaims",
    )
}

fn global_quotas() -> ApiResource {
    resource(
        "capsule.clastix.io",
        "v1beta2",
        "GlobalResourceQuota",
        "globalresourcequotas",
    )
}

/// A CRD written from an API reference: group, version, kind and scope as
/// the project publishes them, a status subresource, and an open schema.
fn written_crd(group: &str, version: &str, kind: &str, plural: &str, scope: &str) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.{group}")},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {"plural": plural, "singular": kind.to_lowercase(), "kind": kind,
                      "listKind": format!("{kind}List")},
            "versions": [{
                "name": version,
                "served": true,
                "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    },
                }},
            }],
        },
    })
}

/// Installs the four CRDs (idempotent: every test calls it) and waits
/// until each is served and listable.
async fn install_crds() {
    let admin = cluster().client(Persona::Admin).await;
    let crds = Api::<CustomResourceDefinition>::all(admin.clone());
    let mut all: Vec<CustomResourceDefinition> = vec![
        serde_saphyr::from_str(KUEUE_CLUSTER_QUEUES).expect("the Kueue ClusterQueue CRD"),
        serde_saphyr::from_str(KUEUE_LOCAL_QUEUES).expect("the Kueue LocalQueue CRD"),
        serde_saphyr::from_str(KUEUE_WORKLOADS).expect("the Kueue Workload CRD"),
    ];
    all.push(common::object(written_crd(
        "hnc.x-k8s.io",
        "v1alpha2",
        "HierarchicalResourceQuota",
        "hierarchicalresourcequotas",
        "Namespaced",
    )));
    all.push(common::object(written_crd(
        "quota.openshift.io",
        "v1",
        "ClusterResourceQuota",
        "clusterresourcequotas",
        "Cluster",
    )));
    for (kind, plural, scope) in [
        ("ResourcePool", "resourcepools", "Cluster"),
        ("ResourcePoolClaim", "resourcepoolclaims", "Namespaced"),
        ("GlobalResourceQuota", "globalresourcequotas", "Cluster"),
    ] {
        all.push(common::object(written_crd(
            "capsule.clastix.io",
            "v1beta2",
            kind,
            plural,
            scope,
        )));
    }
    for crd in &all {
        let name = crd.metadata.name.clone().expect("a CRD name");
        crds.patch(
            &name,
            &PatchParams::apply("quota-kinds-test").force(),
            &Patch::Apply(crd),
        )
        .await
        .unwrap_or_else(|e| panic!("installing CRD {name}: {e}"));
    }
    for res in [
        cluster_queues(),
        local_queues(),
        workloads(),
        hrqs(),
        crqs(),
        resource_pools(),
        pool_claims(),
        global_quotas(),
    ] {
        let admin = admin.clone();
        common::eventually(
            &format!("{} to be served and listable", res.plural),
            Duration::from_secs(60),
            || {
                let admin = admin.clone();
                let res = res.clone();
                async move {
                    let served = admin
                        .list_api_group_resources(&res.api_version)
                        .await
                        .ok()?;
                    if !served.resources.iter().any(|r| r.name == res.plural) {
                        return None;
                    }
                    Api::<DynamicObject>::all_with(admin, &res)
                        .list(&ListParams::default().limit(1))
                        .await
                        .ok()
                        .map(|_| ())
                }
            },
        )
        .await;
    }
}

async fn create(res: &ApiResource, namespace: Option<&str>, object: Value) -> DynamicObject {
    let admin = cluster().client(Persona::Admin).await;
    let api = match namespace {
        Some(ns) => Api::<DynamicObject>::namespaced_with(admin, ns, res),
        None => Api::<DynamicObject>::all_with(admin, res),
    };
    let obj: DynamicObject = common::object(object);
    api.create(&PostParams::default(), &obj)
        .await
        .unwrap_or_else(|e| panic!("creating {}: {e}", res.kind))
}

/// Writes `status` through the status subresource, as the controller would.
async fn write_status(res: &ApiResource, namespace: Option<&str>, name: &str, status: Value) {
    let admin = cluster().client(Persona::Admin).await;
    let api = match namespace {
        Some(ns) => Api::<DynamicObject>::namespaced_with(admin, ns, res),
        None => Api::<DynamicObject>::all_with(admin, res),
    };
    let patch = json!({
        "apiVersion": res.api_version,
        "kind": res.kind,
        "status": status,
    });
    api.patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap_or_else(|e| panic!("writing the status of {} {name}: {e}", res.kind));
}

async fn get(res: &ApiResource, namespace: Option<&str>, name: &str) -> DynamicObject {
    let admin = cluster().client(Persona::Admin).await;
    let api = match namespace {
        Some(ns) => Api::<DynamicObject>::namespaced_with(admin, ns, res),
        None => Api::<DynamicObject>::all_with(admin, res),
    };
    api.get(name).await.expect("the object")
}

/// Two tenants: `a` with an HNC tree (root and child) and a ClusterQueue
/// that admits its namespaces, `b` with one namespace; a
/// ClusterResourceQuota covers a's child and b; an HRQ on a's root. b has
/// a hostile LocalQueue pointing at a's ClusterQueue.
struct World {
    a: String,
    b: String,
    a_root: String,
    a_child: String,
    b_ns: String,
    hrq: String,
    crq: String,
    cq: String,
}

async fn world(prefix: &str) -> World {
    install_crds().await;
    let admin = cluster().client(Persona::Admin).await;
    let a = unique_name(&format!("{prefix}a"));
    let b = unique_name(&format!("{prefix}b"));
    let a_root = format!("{a}-root");
    let a_child = format!("{a}-child");
    let b_ns = format!("{b}-ns");
    let root_depth = format!("{a_root}.tree.hnc.x-k8s.io/depth");
    let child_depth = format!("{a_child}.tree.hnc.x-k8s.io/depth");
    let crq_label = format!("{a}-crq");
    let queue_label = format!("{a}-queue");
    create_bare_namespace(
        &admin,
        &a_root,
        &[
            (TENANT_LABEL, &a),
            (&root_depth, "0"),
            ("quota-kinds/queue", &queue_label),
        ],
    )
    .await;
    create_bare_namespace(
        &admin,
        &a_child,
        &[
            (TENANT_LABEL, &a),
            (&child_depth, "0"),
            (&root_depth, "1"),
            ("quota-kinds/crq", &crq_label),
        ],
    )
    .await;
    create_bare_namespace(
        &admin,
        &b_ns,
        &[(TENANT_LABEL, &b), ("quota-kinds/crq", &crq_label)],
    )
    .await;

    let hrq = "tree".to_string();
    create(
        &hrqs(),
        Some(&a_root),
        json!({"apiVersion": "hnc.x-k8s.io/v1alpha2", "kind": "HierarchicalResourceQuota",
               "metadata": {"name": hrq, "namespace": a_root},
               "spec": {"hard": {"pods": "10", "requests.cpu": "4"}}}),
    )
    .await;
    write_status(
        &hrqs(),
        Some(&a_root),
        &hrq,
        json!({"hard": {"pods": "10", "requests.cpu": "4"},
               "used": {"pods": "9", "requests.cpu": "1500m"}}),
    )
    .await;

    let crq = format!("{a}-crq");
    create(
        &crqs(),
        None,
        json!({"apiVersion": "quota.openshift.io/v1", "kind": "ClusterResourceQuota",
               "metadata": {"name": crq},
               "spec": {"selector": {"labels": {"matchLabels": {"quota-kinds/crq": crq_label}}},
                        "quota": {"hard": {"pods": "20", "requests.memory": "8Gi"}}}}),
    )
    .await;
    write_status(
        &crqs(),
        None,
        &crq,
        json!({"total": {"hard": {"pods": "20", "requests.memory": "8Gi"},
                         "used": {"pods": "4", "requests.memory": "2Gi"}},
               "namespaces": [
                   {"namespace": a_child, "status": {"hard": {"pods": "20"}, "used": {"pods": "3"}}},
                   {"namespace": b_ns, "status": {"hard": {"pods": "20"}, "used": {"pods": "1"}}}]}),
    )
    .await;

    let cq = format!("{a}-cq");
    create(
        &cluster_queues(),
        None,
        json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue",
               "metadata": {"name": cq},
               "spec": {
                   "cohortName": "research",
                   "namespaceSelector": {"matchLabels": {"quota-kinds/queue": queue_label}},
                   "resourceGroups": [{
                       "coveredResources": ["cpu", "memory"],
                       "flavors": [
                           {"name": "default", "resources": [
                               {"name": "cpu", "nominalQuota": "8", "borrowingLimit": "2", "lendingLimit": "1"},
                               {"name": "memory", "nominalQuota": "32Gi"}]},
                           {"name": "spot", "resources": [
                               {"name": "cpu", "nominalQuota": "4"},
                               {"name": "memory", "nominalQuota": "16Gi"}]}]}]}}),
    )
    .await;
    write_status(
        &cluster_queues(),
        None,
        &cq,
        json!({"pendingWorkloads": 2, "reservingWorkloads": 1, "admittedWorkloads": 1,
               "flavorsReservation": [
                   {"name": "default", "resources": [
                       {"name": "cpu", "total": "6", "borrowed": "0"},
                       {"name": "memory", "total": "8Gi", "borrowed": "0"}]},
                   {"name": "spot", "resources": [
                       {"name": "cpu", "total": "0", "borrowed": "0"},
                       {"name": "memory", "total": "0", "borrowed": "0"}]}],
               "flavorsUsage": [
                   {"name": "default", "resources": [
                       {"name": "cpu", "total": "6", "borrowed": "0"},
                       {"name": "memory", "total": "8Gi", "borrowed": "0"}]}]}),
    )
    .await;
    for (ns, name) in [(&a_root, "main"), (&b_ns, "hostile")] {
        create(
            &local_queues(),
            Some(ns),
            json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
                   "metadata": {"name": name, "namespace": ns},
                   "spec": {"clusterQueue": cq}}),
        )
        .await;
    }
    World {
        a,
        b,
        a_root,
        a_child,
        b_ns,
        hrq,
        crq,
        cq,
    }
}

fn report(tenant: &str, audit: &std::path::Path) -> Value {
    let run = tenantry(Persona::Admin, audit, &["report", tenant, "-o", "json"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    serde_json::from_str(&run.stdout).expect("report JSON")
}

fn object<'a>(report: &'a Value, kind: &str, name: &str) -> Option<&'a Value> {
    report["quota"]["objects"]
        .as_array()?
        .iter()
        .find(|o| o["kind"] == kind && o["name"] == name)
}

fn usage<'a>(object: &'a Value, resource: &str) -> &'a Value {
    object["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["resource"] == resource))
        .unwrap_or_else(|| panic!("no {resource} in {object}"))
}

#[tokio::test]
async fn each_kind_resolves_to_its_tenants_with_the_objects_figures() {
    let w = world("qk").await;
    let audit = common::audit_path(&w.a);
    let a = report(&w.a, &audit);

    let hrq = object(&a, "HierarchicalResourceQuota", &w.hrq).expect("the HRQ in a's report");
    assert_eq!(hrq["namespace"], w.a_root.as_str());
    assert_eq!(hrq["covers"], json!([w.a_child, w.a_root]), "{hrq}");
    assert_eq!(hrq["shared_with"], json!([]));
    assert_eq!(hrq["pending"], false);
    assert_eq!(
        usage(hrq, "pods"),
        &json!({"resource": "pods", "used": "9", "hard": "10", "percent": 90, "storage_class": null})
    );
    assert_eq!(usage(hrq, "requests.cpu")["used"], "1500m");

    let crq = object(&a, "ClusterResourceQuota", &w.crq).expect("the CRQ in a's report");
    assert_eq!(crq["covers"], json!([w.a_child]));
    assert_eq!(crq["shared_with"], json!([w.b]), "{crq}");
    assert_eq!(usage(crq, "requests.memory")["used"], "2Gi");
    assert_eq!(usage(crq, "pods")["percent"], 20);

    let cq = object(&a, "ClusterQueue", &w.cq).expect("the ClusterQueue in a's report");
    assert_eq!(cq["covers"], json!([w.a_root]));
    assert_eq!(
        cq["shared_with"],
        json!([]),
        "b's hostile LocalQueue ties nothing"
    );
    let queue = &cq["queue"];
    assert_eq!(queue["local_queues"], json!([format!("{}/main", w.a_root)]));
    assert_eq!(queue["pending_workloads"], 2);
    assert_eq!(queue["admitted_workloads"], 1);
    assert_eq!(queue["cohort"], "research", "{queue}");
    let default_cpu = queue["flavors"]
        .as_array()
        .and_then(|f| {
            f.iter()
                .find(|r| r["flavor"] == "default" && r["resource"] == "cpu")
        })
        .expect("default cpu");
    assert_eq!(
        default_cpu,
        &json!({"flavor": "default", "resource": "cpu", "nominal": "8",
                "borrowing_limit": "2", "lending_limit": "1", "reserved": "6", "used": "6"})
    );
    assert_eq!(usage(cq, "cpu [default]")["percent"], 75);
    assert_eq!(usage(cq, "memory [spot]")["used"], "0");
    assert_eq!(a["quota"]["stray_local_queues"], json!([]));

    let b = report(&w.b, &audit);
    assert!(object(&b, "ClusterQueue", &w.cq).is_none(), "{b}");
    assert!(object(&b, "HierarchicalResourceQuota", &w.hrq).is_none());
    let crq_b = object(&b, "ClusterResourceQuota", &w.crq).expect("the CRQ in b's report");
    assert_eq!(crq_b["shared_with"], json!([w.a]));
    assert_eq!(
        b["quota"]["stray_local_queues"],
        json!([format!(
            "LocalQueue {}/hostile: ClusterQueue {} does not admit namespace {}",
            w.b_ns, w.cq, w.b_ns
        )])
    );

    // The tenants list ranks by the tightest of every kind: a's HRQ at 90%.
    let run = tenantry(Persona::Admin, &audit, &["tenants", "-o", "json"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let tenants: Value = serde_json::from_str(&run.stdout).expect("tenants JSON");
    let line = tenants["tenants"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["name"] == w.a.as_str()))
        .expect("a in the tenants list");
    assert_eq!(
        line["worst_quota"],
        json!({"namespace": w.a_root, "resource": "pods", "percent": 90,
               "object": format!("HierarchicalResourceQuota {}/{}", w.a_root, w.hrq)}),
        "{line}"
    );

    // The table form shows the section too.
    let run = tenantry(Persona::Admin, &audit, &["report", &w.a]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("QUOTA OBJECTS SPANNING NAMESPACES"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "ClusterResourceQuota {}: covers {}; shared with tenant {}",
            w.crq, w.a_child, w.b
        )),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn pending_status_and_odd_values_are_shown_not_dropped() {
    install_crds().await;
    let admin = cluster().client(Persona::Admin).await;
    let t = unique_name("qkodd");
    let ns = format!("{t}-ns");
    create_bare_namespace(&admin, &ns, &[(TENANT_LABEL, &t)]).await;
    // No status yet; a value the open schema lets through that is no quantity.
    create(
        &hrqs(),
        Some(&ns),
        json!({"apiVersion": "hnc.x-k8s.io/v1alpha2", "kind": "HierarchicalResourceQuota",
               "metadata": {"name": "fresh", "namespace": ns},
               "spec": {"hard": {"pods": "1e3", "requests.cpu": "lots"}}}),
    )
    .await;
    let audit = common::audit_path(&t);
    let r = report(&t, &audit);
    let hrq = object(&r, "HierarchicalResourceQuota", "fresh").expect("the HRQ");
    assert_eq!(hrq["pending"], true);
    assert_eq!(
        usage(hrq, "pods"),
        &json!({"resource": "pods", "used": null, "hard": "1e3", "percent": null, "storage_class": null})
    );
    assert_eq!(hrq["invalid"].as_array().map(Vec::len), Some(1), "{hrq}");
    assert!(r["namespaces"] == json!([ns]), "the tenant is kept: {r}");
}

#[tokio::test]
async fn the_editor_writes_each_kind_dry_run_then_apply() {
    let w = world("qked").await;
    let audit = common::audit_path(&format!("{}-edit", w.a));

    // HRQ: a dry run writes nothing; the apply changes spec.hard only.
    let dry = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.a,
            "--object",
            &format!("hrq/{}/{}", w.a_root, w.hrq),
            "pods=8",
            "--dry-run",
            "--force",
        ],
    );
    assert_eq!(dry.code, Some(0), "{}{}", dry.stdout, dry.stderr);
    assert!(
        dry.stderr
            .contains("below what is already used or reserved"),
        "8 pods < 9 used: {}",
        dry.stderr
    );
    assert!(
        dry.stderr.contains("covers no other tenant"),
        "{}",
        dry.stderr
    );
    assert_eq!(
        get(&hrqs(), Some(&w.a_root), &w.hrq).await.data["spec"]["hard"]["pods"],
        "10"
    );
    let run = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.a,
            "--object",
            &format!("hrq/{}/{}", w.a_root, w.hrq),
            "pods=12",
            "--force",
        ],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let hard = get(&hrqs(), Some(&w.a_root), &w.hrq).await.data["spec"]["hard"].clone();
    assert_eq!(hard, json!({"pods": "12", "requests.cpu": "4"}));

    // CRQ: shared with b, and the preview says so by name.
    let dry = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.a,
            "--object",
            &format!("crq/{}", w.crq),
            "pods=30",
            "--dry-run",
            "--force",
        ],
    );
    assert_eq!(dry.code, Some(0), "{}{}", dry.stdout, dry.stderr);
    assert!(
        dry.stderr.contains(&format!("SHARED with tenant {}", w.b)),
        "{}",
        dry.stderr
    );
    assert_eq!(
        get(&crqs(), None, &w.crq).await.data["spec"]["quota"]["hard"]["pods"],
        "20"
    );
    let run = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.a,
            "--object",
            &format!("crq/{}", w.crq),
            "pods=30",
            "--force",
        ],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let crq = get(&crqs(), None, &w.crq).await.data;
    assert_eq!(
        crq["spec"]["quota"]["hard"],
        json!({"pods": "30", "requests.memory": "8Gi"})
    );
    assert!(
        crq["spec"]["selector"].is_object(),
        "the selector stays: {crq}"
    );

    // ClusterQueue: one flavor's nominal quota; several flavors need a name.
    let ambiguous = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.a,
            "--object",
            &format!("clusterqueue/{}", w.cq),
            "cpu=10",
            "--dry-run",
        ],
    );
    assert_eq!(
        ambiguous.code,
        Some(2),
        "{}{}",
        ambiguous.stdout,
        ambiguous.stderr
    );
    assert!(
        ambiguous.stderr.contains("several flavors (default, spot)"),
        "{}",
        ambiguous.stderr
    );
    let dry = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.a,
            "--object",
            &format!("clusterqueue/{}", w.cq),
            "cpu@spot=6",
            "--dry-run",
            "--force",
        ],
    );
    assert_eq!(dry.code, Some(0), "{}{}", dry.stdout, dry.stderr);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.a,
            "--object",
            &format!("clusterqueue/{}", w.cq),
            "--flavor",
            "spot",
            "cpu=6",
            "--force",
        ],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let cq = get(&cluster_queues(), None, &w.cq).await.data;
    let flavors = &cq["spec"]["resourceGroups"][0]["flavors"];
    assert_eq!(flavors[1]["resources"][0]["nominalQuota"], "6", "{cq}");
    assert_eq!(flavors[0]["resources"][0]["nominalQuota"], "8", "{cq}");
    assert_eq!(flavors[0]["resources"][0]["borrowingLimit"], "2", "{cq}");

    let records = common::audit_lines(&audit);
    let results = common::audit_results(&records);
    assert_eq!(
        results.iter().filter(|(r, _)| *r == "applied").count(),
        3,
        "three writes audited: {records:?}"
    );
    assert_eq!(
        records.last().map(|r| r["user"].clone()),
        Some(json!("admin"))
    );
}

#[tokio::test]
async fn a_hostile_local_queue_cannot_steer_a_write_to_another_tenants_queue() {
    let w = world("qkhost").await;
    let audit = common::audit_path(&format!("{}-hostile", w.b));
    let run = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.b,
            "--object",
            &format!("clusterqueue/{}", w.cq),
            "cpu@default=100",
            "--force",
        ],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("not one of tenant {}'s quota objects", w.b)),
        "{}",
        run.stderr
    );
    let cq = get(&cluster_queues(), None, &w.cq).await.data;
    assert_eq!(
        cq["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0]["nominalQuota"],
        "8"
    );
    // Nor b's name for a's HRQ.
    let run = tenantry(
        Persona::Admin,
        &audit,
        &[
            "quota",
            "set",
            &w.b,
            "--object",
            &format!("hrq/{}/{}", w.a_root, w.hrq),
            "pods=1",
        ],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
}

#[tokio::test]
async fn capsule_pools_resolve_to_the_namespaces_in_their_status() {
    install_crds().await;
    let admin = cluster().client(Persona::Admin).await;
    let t = unique_name("qkpool");
    let other = unique_name("qkpoolb");
    let (ns, other_ns) = (format!("{t}-ns"), format!("{other}-ns"));
    create_bare_namespace(&admin, &ns, &[(TENANT_LABEL, &t)]).await;
    create_bare_namespace(&admin, &other_ns, &[(TENANT_LABEL, &other)]).await;
    let pool = format!("{t}-pool");
    create(
        &resource_pools(),
        None,
        json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "ResourcePool",
               "metadata": {"name": pool},
               "spec": {"selectors": [{"matchLabels": {"pool": pool}}],
                        "quota": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"}}}}),
    )
    .await;
    write_status(
        &resource_pools(),
        None,
        &pool,
        json!({"namespaceCount": 2, "namespaces": [ns, other_ns],
               "allocation": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"},
                              "used": {"requests.cpu": "3"}}}),
    )
    .await;
    create(
        &pool_claims(),
        Some(&ns),
        json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "ResourcePoolClaim",
               "metadata": {"name": "cpu", "namespace": ns},
               "spec": {"pool": pool, "claim": {"requests.cpu": "3"}}}),
    )
    .await;
    write_status(
        &pool_claims(),
        Some(&ns),
        "cpu",
        json!({"pool": {"name": pool}, "condition": {"type": "Bound", "status": "True",
               "reason": "Succeeded", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}}),
    )
    .await;
    let global = format!("{t}-global");
    create(
        &global_quotas(),
        None,
        json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "GlobalResourceQuota",
               "metadata": {"name": global},
               "spec": {"namespaceSelectors": [{"matchLabels": {"g": global}}],
                        "quota": {"hard": {"pods": "10"}}}}),
    )
    .await;
    write_status(
        &global_quotas(),
        None,
        &global,
        json!({"namespaces": [ns], "total": {"hard": {"pods": "10"}, "used": {"pods": "4"}}}),
    )
    .await;

    let audit = common::audit_path(&t);
    let r = report(&t, &audit);
    let p = object(&r, "ResourcePool", &pool).expect("the pool");
    assert_eq!(p["covers"], json!([ns]));
    assert_eq!(p["shared_with"], json!([other]), "{p}");
    assert_eq!(usage(p, "requests.cpu")["percent"], 75);
    assert_eq!(usage(p, "requests.memory")["used"], "0");
    assert!(
        p["notes"]
            .as_array()
            .is_some_and(|n| n.contains(&json!(format!(
                "claim {ns}/cpu: requests.cpu 3 (Bound: Succeeded)"
            )))),
        "{p}"
    );
    let g = object(&r, "GlobalResourceQuota", &global).expect("the global quota");
    assert_eq!(g["shared_with"], json!([]));
    assert_eq!(
        usage(g, "pods"),
        &json!({"resource": "pods", "used": "4", "hard": "10", "percent": 40, "storage_class": null})
    );
    let theirs = report(&other, &audit);
    assert!(object(&theirs, "GlobalResourceQuota", &global).is_none());
    let p = object(&theirs, "ResourcePool", &pool).expect("the pool, shared");
    assert!(
        p["notes"].as_array().is_some_and(|n| n
            .iter()
            .all(|n| !n.as_str().unwrap_or("").starts_with("claim"))),
        "{p}"
    );
}

#[tokio::test]
async fn installed_but_unreadable_kinds_show_as_no_access_with_the_reason() {
    install_crds().await;
    let (tenant, ns) = common::setup::tenant_namespace("qkalice").await;
    common::setup::admin_binding(
        &ns,
        "alice-admin",
        json!([common::setup::user("alice")]),
        json!({}),
    )
    .await;
    let audit = common::audit_path(&tenant);
    let run = tenantry(
        Persona::Alice,
        &audit,
        &["report", &tenant, "-o", "json", "-n", &ns],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let r: Value = serde_json::from_str(&run.stdout).expect("report JSON");
    let denied = r["quota"]["objects_no_access"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        denied.contains(
            &json!({"kind": "ClusterQueue.kueue.x-k8s.io", "scope": "cluster",
                                "reason": "cannot list clusterqueues cluster-wide"})
        ),
        "{denied:?}"
    );
    assert!(
        denied
            .iter()
            .any(|d| d["kind"] == "ClusterResourceQuota.quota.openshift.io"),
        "{denied:?}"
    );
    assert_eq!(
        r["quota"]["objects"],
        json!([]),
        "nothing readable, nothing shown"
    );
    assert_eq!(r["namespaces"], json!([ns]), "the tenant is kept");
}

/// Issue 11 item 3's second source: a Kueue Workload whose quota Kueue
/// could not reserve, with the status Kueue's scheduler writes (through the
/// status subresource: no Kueue controller runs here), is a refusal in
/// `report`, refused by the ClusterQueue its LocalQueue leads to, and makes
/// the tenant "blocked". A message tenantry cannot read arrives whole and
/// inert; an admitted workload is no refusal.
#[tokio::test]
async fn a_kueue_workload_pending_on_quota_is_a_refusal() {
    install_crds().await;
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name("kw");
    let ns = format!("{tenant}-ns");
    let queue_label = format!("{tenant}-queue");
    create_bare_namespace(
        &admin,
        &ns,
        &[(TENANT_LABEL, &tenant), ("quota-kinds/queue", &queue_label)],
    )
    .await;
    let cq = format!("{tenant}-cq");
    create(
        &cluster_queues(),
        None,
        json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue",
               "metadata": {"name": cq},
               "spec": {
                   "namespaceSelector": {"matchLabels": {"quota-kinds/queue": queue_label}},
                   "resourceGroups": [{"coveredResources": ["cpu"], "flavors": [
                       {"name": "default", "resources": [{"name": "cpu", "nominalQuota": "4"}]}]}]}}),
    )
    .await;
    create(
        &local_queues(),
        Some(&ns),
        json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
               "metadata": {"name": "main", "namespace": ns},
               "spec": {"clusterQueue": cq}}),
    )
    .await;
    let now = k8s_openapi::jiff::Timestamp::now();
    let since = now.as_second();
    for (name, message, reserved) in [
        (
            "job-train",
            "couldn't assign flavors to pod set main: insufficient unused quota for cpu in \
             flavor default, 2 more needed",
            false,
        ),
        (
            "job-odd",
            "\u{1b}]0;pwned\u{7}quota is \u{1b}[31mgone",
            false,
        ),
        ("job-running", "", true),
    ] {
        create(
            &workloads(),
            Some(&ns),
            json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
                   "metadata": {"name": name, "namespace": ns},
                   "spec": {"queueName": "main", "podSets": [{
                       "name": "main", "count": 2,
                       "template": {"spec": {"containers": [{
                           "name": "train", "image": "registry.example/train:1",
                           "resources": {"requests": {"cpu": "3"}}}]}}}]}}),
        )
        .await;
        let condition = if reserved {
            json!({"type": "QuotaReserved", "status": "True", "reason": "QuotaReserved",
                   "message": format!("Quota reserved in ClusterQueue {cq}"),
                   "lastTransitionTime": now.to_string()})
        } else {
            json!({"type": "QuotaReserved", "status": "False", "reason": "Pending",
                   "message": message, "lastTransitionTime": now.to_string()})
        };
        write_status(
            &workloads(),
            Some(&ns),
            name,
            json!({"conditions": [condition]}),
        )
        .await;
    }

    let audit = common::audit_path(&tenant);
    let report = report(&tenant, &audit);
    let rows: Vec<&Value> = report["quota"]["refusals"]
        .as_array()
        .map(|r| r.iter().filter(|r| r["source"] == "kueue").collect())
        .unwrap_or_default();
    assert_eq!(rows.len(), 2, "{}", report["quota"]["refusals"]);
    let train = rows
        .iter()
        .find(|r| r["workload"] == "Workload/job-train")
        .unwrap_or_else(|| panic!("no job-train in {rows:?}"));
    assert_eq!(train["namespace"], ns.as_str());
    assert_eq!(train["refused_by"], format!("ClusterQueue {cq}").as_str());
    assert_eq!(train["resource"], "cpu");
    assert_eq!(train["reason"], "insufficient quota");
    assert_eq!(train["needed"], "2");
    // 3 cpu × 2 pods, from the pod set.
    assert_eq!(train["requested"], "6");
    assert_eq!(train["count"], 1);
    assert_eq!(train["last"], since);
    assert_eq!(train["last_hour"], true);
    let odd = rows
        .iter()
        .find(|r| r["workload"] == "Workload/job-odd")
        .unwrap_or_else(|| panic!("no job-odd in {rows:?}"));
    assert_eq!(odd["reason"], "unparsed");
    let detail = odd["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("gone"), "{odd}");
    assert!(
        !detail.contains('\u{1b}') && !detail.contains('\u{7}'),
        "{odd}"
    );
    assert!(
        !rows.iter().any(|r| r["workload"] == "Workload/job-running"),
        "{rows:?}"
    );

    // The tenants list marks the tenant blocked.
    let run = tenantry(Persona::Admin, &audit, &["tenants", "-o", "json"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let list: Value = serde_json::from_str(&run.stdout).expect("tenants JSON");
    let line = list["tenants"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == tenant.as_str()))
        .unwrap_or_else(|| panic!("no {tenant} in {list}"));
    assert!(line["blocked"].as_u64().is_some_and(|b| b >= 2), "{line}");
}
