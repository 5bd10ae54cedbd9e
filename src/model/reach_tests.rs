use super::*;
use serde_json::json;

fn object(value: Value) -> DynamicObject {
    serde_json::from_value(value).expect("an object")
}

fn namespaces() -> Vec<String> {
    vec!["acme-dev".into(), "acme-prod".into()]
}

fn check(objects: &[DynamicObject], reaches: &[&str]) -> Result<Vec<ObjectMark>, ReachRefusal> {
    let reaches: Vec<Reach> = reaches
        .iter()
        .map(|r| Reach::parse(r).expect("a reach"))
        .collect();
    check_reach(objects, "acme", &namespaces(), &reaches, &known_scope)
}

fn config_map(ns: Option<&str>) -> DynamicObject {
    let mut v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    if let Some(ns) = ns {
        v["metadata"]["namespace"] = json!(ns);
    }
    object(v)
}

fn crb(role: &str) -> DynamicObject {
    object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "readers"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "Group", "name": "acme-devs", "apiGroup": "rbac.authorization.k8s.io"}],
    }))
}

#[test]
fn objects_inside_the_tenant_pass_unmarked() {
    let objects = [
        config_map(Some("acme-dev")),
        object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme-prod"}})),
        object(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "tenant-owner", "namespace": "acme-dev"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        })),
    ];
    assert_eq!(check(&objects, &[]), Ok(Vec::new()));
}

#[test]
fn undeclared_objects_outside_the_tenant_refuse_the_write() {
    let cases: [(DynamicObject, &str, &str); 5] = [
        (
            crb("view"),
            "ClusterRoleBinding readers",
            "cluster-scoped, outside tenant acme",
        ),
        (
            config_map(Some("kube-system")),
            "ConfigMap kube-system/c",
            "reaches: [Namespace/kube-system]",
        ),
        (
            config_map(None),
            "ConfigMap c",
            "namespaced but this object names no namespace",
        ),
        (
            object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})),
            "Namespace other",
            "reaches: [Namespace/other]",
        ),
        (
            object(
                json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "acme-dev"}}),
            ),
            "Widget acme-dev/w",
            "cannot tell whether Widget (example.com/v1) is namespaced",
        ),
    ];
    for (bad, object, why) in cases {
        // First, last or alone: the whole write is refused.
        for objects in [
            vec![bad.clone()],
            vec![config_map(Some("acme-dev")), bad.clone()],
        ] {
            let refusal = check(&objects, &[]).unwrap_err();
            assert_eq!(refusal.object, object);
            assert!(refusal.why.contains(why), "{refusal}");
        }
    }
    // Declaring something else does not help.
    let refusal = check(
        &[config_map(Some("kube-system"))],
        &["Namespace/kube-public", "ConfigMap"],
    )
    .unwrap_err();
    assert!(refusal.why.contains("Namespace/kube-system"), "{refusal}");
    // A namespace on a cluster-scoped object would be dropped by the server.
    let mut placed = crb("view");
    placed.metadata.namespace = Some("acme-dev".into());
    let refusal = check(&[placed], &["ClusterRoleBinding"]).unwrap_err();
    assert!(
        refusal.why.contains("remove metadata.namespace"),
        "{refusal}"
    );
}

#[test]
fn declared_objects_are_marked_and_privileges_named() {
    let role = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "powers"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "escalate"]},
                  {"apiGroups": ["*"], "resources": ["*"], "verbs": ["bind"]}],
    }));
    let objects = [
        crb("cluster-admin"),
        config_map(Some("kube-system")),
        role,
        object(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "use-powers", "namespace": "acme-dev"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "powers"},
        })),
        object(json!({
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "acme-dev"},
        })),
    ];
    let marks = check(
        &objects,
        &[
            "ClusterRoleBinding",
            "Namespace/kube-system",
            "ClusterRole/powers",
            "Widget",
        ],
    )
    .unwrap();
    let shown: Vec<String> = marks.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "ClusterRoleBinding readers: outside tenant acme: cluster-scoped (declared: reaches ClusterRoleBinding); binds ClusterRole cluster-admin: every permission on the cluster",
            "ConfigMap kube-system/c: outside tenant acme: in namespace kube-system (declared: reaches Namespace/kube-system)",
            "ClusterRole powers: outside tenant acme: cluster-scoped (declared: reaches ClusterRole/powers); grants verb escalate, verb bind, every resource (*), every API group (*)",
            "RoleBinding acme-dev/use-powers: binds ClusterRole powers of this template, which grants verb escalate, verb bind, every resource (*), every API group (*)",
            "Widget acme-dev/w: may be outside tenant acme (declared: reaches Widget)",
        ]
    );
    assert!(marks[0].is_for("ClusterRoleBinding", None, "readers"));
    assert!(marks[1].is_for("ConfigMap", Some("kube-system"), "c"));
    // A role inside the tenant that grants impersonate is marked too.
    let inside = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "pretend", "namespace": "acme-prod"},
        "rules": [{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}],
    }));
    let marks = check(&[inside], &[]).unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].marks, ["grants verb impersonate"]);
}

#[test]
fn hostile_names_cannot_forge_a_line_of_the_preview() {
    let mut bad = config_map(Some("kube-system"));
    bad.metadata.name = Some("c\nConfigMap acme-dev/fine: ok".into());
    let refusal = check(&[bad], &[]).unwrap_err();
    assert!(!refusal.to_string().contains('\n'), "{refusal}");
    assert!(refusal.object.contains("\\n"), "{refusal}");
}

#[test]
fn reaches_entries_parse_strictly() {
    assert_eq!(
        Reach::parse("ClusterRoleBinding"),
        Ok(Reach::Kind("ClusterRoleBinding".into()))
    );
    assert_eq!(
        Reach::parse("ClusterRole/system:viewer"),
        Ok(Reach::Object {
            kind: "ClusterRole".into(),
            name: "system:viewer".into()
        })
    );
    for bad in [
        "",
        "clusterrole",
        "Cluster Role",
        "Namespace/UPPER",
        "ClusterRole/a b",
        "A/b/c",
    ] {
        assert!(Reach::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(known_scope("v1", "Namespace"), Some(KindScope::Cluster));
    assert_eq!(
        known_scope("apps/v1", "Deployment"),
        Some(KindScope::Namespaced)
    );
    assert_eq!(
        known_scope("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
        Some(KindScope::Cluster)
    );
    assert_eq!(known_scope("example.com/v1", "Widget"), None);
}
