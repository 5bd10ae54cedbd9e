//! What templates may not do, refused before anything is sent: bad
//! templates and values, another tenant's namespace, objects outside the
//! tenant; and the server's warnings in the preview.

use super::{audit_path, namespace_exists, tenant_with_owner_binding};
use crate::common;
use common::{audit_lines, cluster, create_namespace, object, tenantry, tenantry_in, unique_name};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use serde_json::json;
use tenantry::sandbox::Persona;

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
