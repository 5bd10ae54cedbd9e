//! `tenantry quota set` on a Capsule tenant against the real API server:
//! with a minimal `tenants.capsule.clastix.io` CRD installed, the change
//! goes to the Tenant object's `spec.resourceQuotas` (ARCHITECTURE.md §3), never
//! to ResourceQuotas in the tenant's namespaces.

use crate::common;

use std::time::Duration;

use common::{audit_lines, cluster, create_namespace, tenantry, unique_name};
use k8s_openapi::api::core::v1::{ConfigMap, ResourceQuota};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

const CRD_NAME: &str = "tenants.capsule.clastix.io";

fn tenant_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("capsule.clastix.io", "v1beta2", "Tenant"),
        "tenants",
    )
}

async fn tenants() -> Api<DynamicObject> {
    let admin = cluster().client(Persona::Admin).await;
    Api::all_with(admin, &tenant_resource())
}

/// Installs a minimal Capsule Tenant CRD (idempotent: every test calls
/// it) and waits until it is Established and served, as tenantry
/// discovers it.
pub(crate) async fn install_crd() {
    let admin = cluster().client(Persona::Admin).await;
    let crd: CustomResourceDefinition = common::object(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME},
        "spec": {
            "group": "capsule.clastix.io",
            "scope": "Cluster",
            "names": {"plural": "tenants", "singular": "tenant", "kind": "Tenant",
                      "listKind": "TenantList", "shortNames": ["tnt"]},
            "versions": [{
                "name": "v1beta2",
                "served": true,
                "storage": true,
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    },
                }},
            }],
        },
    }));
    let crds = Api::<CustomResourceDefinition>::all(admin.clone());
    crds.patch(
        CRD_NAME,
        &PatchParams::apply("capsule-quota-test"),
        &Patch::Apply(&crd),
    )
    .await
    .expect("installing the Tenant CRD");
    common::eventually(
        "the Tenant CRD to be Established",
        Duration::from_secs(60),
        || {
            let crds = crds.clone();
            async move {
                let crd = crds.get(CRD_NAME).await.ok()?;
                crd.status?
                    .conditions?
                    .iter()
                    .any(|c| c.type_ == "Established" && c.status == "True")
                    .then_some(())
            }
        },
    )
    .await;
    common::eventually(
        "capsule.clastix.io/v1beta2 tenants to be served",
        Duration::from_secs(60),
        || {
            let admin = admin.clone();
            async move {
                let list = admin
                    .list_api_group_resources("capsule.clastix.io/v1beta2")
                    .await
                    .ok()?;
                list.resources
                    .iter()
                    .any(|r| r.name == "tenants")
                    .then_some(())
            }
        },
    )
    .await;
    common::eventually(
        "Tenants to be listable",
        Duration::from_secs(60),
        || async {
            tenants()
                .await
                .list(&ListParams::default().limit(1))
                .await
                .ok()
                .map(|_| ())
        },
    )
    .await;
}

/// The field manager of a Tenant's owners in these tests.
const OWNERS_MANAGER: &str = "capsule-admin";

/// A Capsule tenant: its Tenant object (owners applied by
/// [`OWNERS_MANAGER`], `spec.resourceQuotas` by `quota_manager`) and two
/// namespaces labelled for it. Returns the tenant's name and its namespaces.
async fn capsule_tenant(prefix: &str, quota_manager: &str, items: Value) -> (String, [String; 2]) {
    install_crd().await;
    let admin = cluster().client(Persona::Admin).await;
    let name = unique_name(prefix);
    let api = tenants().await;
    let owners = json!([{"kind": "User", "name": "alice",
                         "clusterRoles": ["admin", "capsule-namespace-deleter"]}]);
    let resource_quotas = json!({"scope": "Tenant", "items": items});
    // One apply per manager: a manager's second apply would remove what
    // its first one set and the second leaves out.
    let applies = if quota_manager == OWNERS_MANAGER {
        vec![(
            OWNERS_MANAGER,
            json!({"owners": owners, "resourceQuotas": resource_quotas}),
        )]
    } else {
        vec![
            (OWNERS_MANAGER, json!({"owners": owners})),
            (quota_manager, json!({"resourceQuotas": resource_quotas})),
        ]
    };
    for (manager, spec) in applies {
        let tenant = json!({
            "apiVersion": "capsule.clastix.io/v1beta2",
            "kind": "Tenant",
            "metadata": {"name": name},
            "spec": spec,
        });
        api.patch(&name, &PatchParams::apply(manager), &Patch::Apply(&tenant))
            .await
            .expect("applying the Tenant");
    }
    let namespaces = [format!("{name}-dev"), format!("{name}-prod")];
    for ns in &namespaces {
        create_namespace(&admin, ns, &[("capsule.clastix.io/tenant", &name)]).await;
    }
    (name, namespaces)
}

fn default_items() -> Value {
    json!([{"hard": {"pods": "10", "requests.cpu": "2"}}])
}

async fn tenant_object(name: &str) -> Value {
    let tenant = tenants().await.get(name).await.expect("the Tenant");
    tenant.data
}

async fn quota_names(ns: &str) -> Vec<String> {
    let admin = cluster().client(Persona::Admin).await;
    Api::<ResourceQuota>::namespaced(admin, ns)
        .list(&ListParams::default())
        .await
        .expect("listing ResourceQuotas")
        .items
        .into_iter()
        .filter_map(|q| q.metadata.name)
        .collect()
}

#[tokio::test]
async fn quota_set_changes_the_tenant_object_and_no_resourcequota() {
    let (name, namespaces) = capsule_tenant("capq", "tenantry", default_items()).await;
    let audit = common::audit_path(&name);

    let preview = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &name, "pods=7", "--dry-run"],
    );
    assert_eq!(
        preview.code,
        Some(0),
        "{}{}",
        preview.stdout,
        preview.stderr
    );
    assert!(
        preview.stdout.contains(&format!("change    Tenant {name}")),
        "{}",
        preview.stdout
    );
    assert!(
        preview
            .stdout
            .contains(".spec.resourceQuotas.items[0].hard.pods: \"10\" -> \"7\""),
        "{}",
        preview.stdout
    );
    assert!(
        !preview.stdout.contains("requests.cpu"),
        "only the changed field is shown: {}",
        preview.stdout
    );
    assert!(
        preview.stderr.contains(&format!(
            "{name} is a Capsule tenant: the new limits go to its Tenant object"
        )),
        "{}",
        preview.stderr
    );
    assert!(
        !preview.stdout.contains("ResourceQuota"),
        "{}",
        preview.stdout
    );
    let before = tenant_object(&name).await;
    assert_eq!(
        before["spec"]["resourceQuotas"]["items"][0]["hard"]["pods"], "10",
        "a dry run writes nothing"
    );

    let run = tenantry(Persona::Admin, &audit, &["quota", "set", &name, "pods=7"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let after = tenant_object(&name).await;
    let rq = &after["spec"]["resourceQuotas"];
    assert_eq!(rq["scope"], "Tenant", "{after}");
    assert_eq!(
        rq["items"],
        json!([{"hard": {"pods": "7", "requests.cpu": "2"}}]),
        "{after}"
    );
    assert_eq!(
        after["spec"]["owners"][0]["name"], "alice",
        "the owners stay: {after}"
    );
    for ns in &namespaces {
        assert_eq!(
            quota_names(ns).await,
            Vec::<String>::new(),
            "no ResourceQuota in {ns}"
        );
    }

    let again = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &name, "pods=7", "--dry-run"],
    );
    assert!(
        again.stdout.contains(&format!("unchanged Tenant {name}")),
        "re-running changes nothing: {}",
        again.stdout
    );

    let lines = audit_lines(&audit);
    let results = common::audit_results(&lines);
    assert_eq!(
        results,
        vec![("previewed", true), ("applied", false), ("previewed", true)]
    );
    assert_eq!(lines[1]["action"], "quota set");
    assert_eq!(lines[1]["user"], "admin");
    assert_eq!(lines[1]["objects"], json!([format!("Tenant {name}")]));
}

#[tokio::test]
async fn items_owned_by_another_manager_need_force() {
    let (name, namespaces) = capsule_tenant("capconf", OWNERS_MANAGER, default_items()).await;
    let audit = common::audit_path(&name);
    let run = tenantry(Persona::Admin, &audit, &["quota", "set", &name, "pods=7"]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(".spec.resourceQuotas.items (owned by capsule-admin)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(
        tenant_object(&name).await["spec"]["resourceQuotas"]["items"],
        default_items()
    );
    assert_eq!(audit_lines(&audit)[0]["result"], "refused");

    let forced = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &name, "pods=7", "--force"],
    );
    assert_eq!(forced.code, Some(0), "{}{}", forced.stdout, forced.stderr);
    let after = tenant_object(&name).await;
    assert_eq!(
        after["spec"]["resourceQuotas"]["items"],
        json!([{"hard": {"pods": "7", "requests.cpu": "2"}}]),
        "{after}"
    );
    assert_eq!(after["spec"]["owners"][0]["name"], "alice", "{after}");
    let tenant = tenants().await.get(&name).await.expect("the Tenant");
    let managers: Vec<String> = tenant
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m.fields_v1
                .as_ref()
                .is_some_and(|f| f.0.to_string().contains("f:items"))
        })
        .filter_map(|m| m.manager)
        .collect();
    assert_eq!(managers, vec!["tenantry"], "tenantry took the items over");
    for ns in &namespaces {
        assert_eq!(quota_names(ns).await, Vec::<String>::new());
    }
    let lines = audit_lines(&audit);
    assert_eq!(lines[1]["result"], "applied");
}

#[tokio::test]
async fn a_namespace_is_refused_for_a_capsule_tenant() {
    let (name, namespaces) = capsule_tenant("capns", "tenantry", default_items()).await;
    let audit = common::audit_path(&name);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["-n", &namespaces[0], "quota", "set", &name, "pods=7"],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("tenant {name} is a Capsule tenant")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("leave out -n/--namespace"),
        "{}",
        run.stderr
    );
    assert_eq!(
        tenant_object(&name).await["spec"]["resourceQuotas"]["items"],
        default_items()
    );
    assert!(
        audit_lines(&audit).is_empty(),
        "nothing reached the write path"
    );
}

#[tokio::test]
async fn lowering_below_what_the_namespaces_use_together_warns() {
    // configmaps sits in items[1]: Capsule's quotas for it are
    // capsule-<tenant>-1. Each namespace gets one ConfigMap, so the tenant
    // uses 2.
    let items = json!([
        {"hard": {"pods": "10"}},
        {"hard": {"configmaps": "10"}},
    ]);
    let (name, namespaces) = capsule_tenant("capuse", "tenantry", items).await;
    let admin = cluster().client(Persona::Admin).await;
    let quota = format!("capsule-{name}-1");
    for ns in &namespaces {
        let config_map: ConfigMap = common::object(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings"}, "data": {"a": "b"},
        }));
        Api::<ConfigMap>::namespaced(admin.clone(), ns)
            .create(&PostParams::default(), &config_map)
            .await
            .expect("a ConfigMap");
        // What Capsule would have reconciled into each namespace.
        let rq = json!({
            "apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": quota, "namespace": ns},
            "spec": {"hard": {"configmaps": "10"}},
        });
        Api::<ResourceQuota>::namespaced(admin.clone(), ns)
            .patch(&quota, &PatchParams::apply("capsule"), &Patch::Apply(&rq))
            .await
            .expect("the reconciled quota");
        common::eventually(
            "configmaps use in the quota",
            Duration::from_secs(60),
            || {
                let admin = admin.clone();
                let ns = ns.clone();
                let quota = quota.clone();
                async move {
                    let q = Api::<ResourceQuota>::namespaced(admin, &ns)
                        .get(&quota)
                        .await
                        .ok()?;
                    (q.status?.used?.get("configmaps")?.0 == "1").then_some(())
                }
            },
        )
        .await;
    }
    let audit = common::audit_path(&name);
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &name, "configmaps=1", "--dry-run"],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "configmaps 1 on Tenant {name} (spec.resourceQuotas.items[1], for all its \
             namespaces together) is below what they already use together (2)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains(".spec.resourceQuotas.items[1].hard.configmaps: \"10\" -> \"1\""),
        "{}",
        run.stdout
    );
    let no_warning = tenantry(
        Persona::Admin,
        &audit,
        &["quota", "set", &name, "configmaps=2", "--dry-run"],
    );
    assert_eq!(no_warning.code, Some(0), "{}", no_warning.stderr);
    assert!(
        !no_warning.stderr.contains("below what"),
        "{}",
        no_warning.stderr
    );
}

#[tokio::test]
async fn a_capsule_label_without_a_tenant_object_keeps_per_namespace_quotas() {
    // The demo's `umbrella`: namespaces labelled for Capsule, no Tenant,
    // here with the Tenant API served.
    install_crd().await;
    assert!(
        tenants()
            .await
            .get_opt("umbrella")
            .await
            .expect("reading Tenants")
            .is_none(),
        "the demo has no Tenant umbrella"
    );
    let audit = common::audit_path(&unique_name("umbrella"));
    let run = tenantry(
        Persona::Admin,
        &audit,
        // The demo seed owns umbrella's quotas: --force lets the dry run
        // show the plan.
        &["quota", "set", "umbrella", "pods=3", "--dry-run", "--force"],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("ResourceQuota umbrella-lab/"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ResourceQuota umbrella-ops/"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Tenant "), "{}", run.stdout);
    assert!(!run.stderr.contains("Capsule tenant"), "{}", run.stderr);
}
