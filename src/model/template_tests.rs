use super::*;

fn target(tenant: &str, namespaces: &[&str], owners: &[&str]) -> Target {
    Target {
        tenant: tenant.into(),
        namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
        owners: owners.iter().map(|o| parse_owner(o).unwrap()).collect(),
        values: BTreeMap::new(),
        tenant_label: TENANT_LABEL.into(),
        label_namespaces: true,
    }
}

fn builtin(name: &str) -> Template {
    Catalogue::builtin().get(name).unwrap().clone()
}

fn kinds(objects: &[DynamicObject]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{} {}/{}",
                o.types.as_ref().unwrap().kind,
                o.metadata.namespace.as_deref().unwrap_or("-"),
                o.metadata.name.as_deref().unwrap()
            )
        })
        .collect()
}

#[test]
fn every_builtin_parses() {
    let catalogue = Catalogue::builtin();
    let names: Vec<&str> = catalogue
        .templates
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names.len(), BUILTIN_TEMPLATES.len(), "{names:?}");
    for (name, text) in BUILTIN_TEMPLATES {
        Template::parse(text, name, Source::Builtin).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn baseline_renders_per_namespace_with_labels() {
    let objects = builtin("tenant-baseline")
        .render(&target("zeta", &["zeta-dev", "zeta-prod"], &["user:zoe"]))
        .unwrap();
    let names = kinds(&objects);
    assert_eq!(names.len(), 14, "{names:#?}");
    assert_eq!(names[0], "Namespace -/zeta-dev");
    assert!(names.contains(&"RoleBinding zeta-prod/tenant-owner".to_string()));
    let ns = &objects[0];
    let labels = ns.metadata.labels.as_ref().unwrap();
    assert_eq!(labels["tenantry.dev/tenant"], "zeta");
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "baseline");
    assert_eq!(
        labels["pod-security.kubernetes.io/enforce-version"],
        "v1.33"
    );
    assert_eq!(labels["pod-security.kubernetes.io/warn"], "restricted");
    assert_eq!(labels["app.kubernetes.io/managed-by"], "tenantry");
    assert_eq!(labels["tenantry.dev/template"], "tenant-baseline");
    let quota = objects
        .iter()
        .find(|o| o.types.as_ref().unwrap().kind == "ResourceQuota")
        .unwrap();
    assert_eq!(quota.data["spec"]["hard"]["requests.cpu"], "2");
    let netpol = objects
        .iter()
        .find(|o| o.metadata.name.as_deref() == Some("allow-same-tenant"))
        .unwrap();
    assert_eq!(
        netpol.data["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["tenantry.dev/tenant"],
        "zeta"
    );
}

#[test]
fn owners_are_merged_into_one_binding_and_service_accounts_get_a_namespace() {
    let objects = builtin("tenant-baseline")
        .render(&target(
            "zeta",
            &["zeta"],
            &[
                "user:zoe",
                "group:zeta-admins",
                "serviceaccount:ci:deployer",
            ],
        ))
        .unwrap();
    let binding = objects
        .iter()
        .find(|o| o.types.as_ref().unwrap().kind == "RoleBinding")
        .unwrap();
    let subjects = binding.data["subjects"].as_array().unwrap();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert_eq!(subjects[1]["kind"], "Group");
    assert_eq!(subjects[2]["kind"], "ServiceAccount");
    assert_eq!(subjects[2]["namespace"], "ci");
    assert!(subjects[2].get("apiGroup").is_none());
    assert_eq!(
        objects
            .iter()
            .filter(|o| o.types.as_ref().unwrap().kind == "RoleBinding")
            .count(),
        1
    );
}

#[test]
fn values_are_checked_and_named() {
    let t = builtin("tenant-baseline");
    let mut tgt = target("zeta", &["zeta"], &["user:zoe"]);
    tgt.values.insert("PODZ".into(), "3".into());
    let err = t.render(&tgt).unwrap_err().to_string();
    assert!(err.contains("unknown parameter PODZ"), "{err}");
    assert!(err.contains("REQUESTS_CPU"), "{err}");

    tgt.values.clear();
    tgt.values.insert("REQUESTS_CPU".into(), "4 cpus".into());
    let err = t.render(&tgt).unwrap_err().to_string();
    assert!(
        err.contains("REQUESTS_CPU") && err.contains("does not match"),
        "{err}"
    );

    tgt.values.clear();
    tgt.values.insert("TENANT".into(), "other".into());
    let err = t.render(&tgt).unwrap_err().to_string();
    assert!(err.contains("built-in"), "{err}");

    tgt.values.clear();
    tgt.values.insert("PODS".into(), "50".into());
    let objects = t.render(&tgt).unwrap();
    let quota = objects
        .iter()
        .find(|o| o.types.as_ref().unwrap().kind == "ResourceQuota")
        .unwrap();
    assert_eq!(quota.data["spec"]["hard"]["pods"], "50");
}

#[test]
fn a_missing_required_parameter_is_named() {
    let text = "name: t\nparameters:\n- name: SIZE\n  required: true\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ${NAMESPACE}\ndata:\n  size: \"${SIZE}\"\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let err = t.render(&target("a", &["a"], &[])).unwrap_err().to_string();
    assert!(err.contains("missing required parameter SIZE"), "{err}");
}

#[test]
fn invalid_yaml_names_file_line_and_column() {
    let text = "name: t\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: [unclosed\n";
    let err = Template::parse(text, "mine.yaml", Source::Builtin).unwrap_err();
    assert_eq!(err.to_string(), "mine.yaml:7:11: unclosed bracket '['");

    let text =
        "name: t\ndescription: [bad\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let err = Template::parse(text, "mine.yaml", Source::Builtin).unwrap_err();
    assert!(err.location.starts_with("mine.yaml:2:"), "{err}");
}

#[test]
fn an_unknown_placeholder_names_its_line_and_column() {
    let text = "name: t\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-${COLOUR}\n";
    let err = Template::parse(text, "mine.yaml", Source::Builtin).unwrap_err();
    assert_eq!(err.location, "mine.yaml:6:11");
    assert!(err.message.contains("unknown parameter ${COLOUR}"), "{err}");

    let text = "name: t\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-${open\n";
    let err = Template::parse(text, "mine.yaml", Source::Builtin).unwrap_err();
    assert_eq!(err.location, "mine.yaml:6:11");
}

#[test]
fn documents_need_kind_and_name() {
    let text = "name: t\n---\napiVersion: v1\nmetadata:\n  name: c\n";
    let err = Template::parse(text, "x.yaml", Source::Builtin).unwrap_err();
    assert!(
        err.to_string().contains("x.yaml:3:1") && err.message.contains("kind"),
        "{err}"
    );
    let text = "name: t\n";
    assert!(Template::parse(text, "x.yaml", Source::Builtin).is_err());
}

#[test]
fn a_bad_quantity_in_a_rendered_quota_is_refused() {
    let text = "name: t\nparameters:\n- name: CPU\n  default: \"1\"\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: ${NAMESPACE}\nspec:\n  hard:\n    requests.cpu: \"${CPU}\"\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let mut tgt = target("a", &["a"], &[]);
    tgt.values.insert("CPU".into(), "1.5.2".into());
    let err = t.render(&tgt).unwrap_err().to_string();
    assert!(
        err.contains("spec.hard.requests.cpu") && err.contains("1.5.2"),
        "{err}"
    );
}

#[test]
fn a_value_that_breaks_yaml_names_the_parameters() {
    let text = "name: t\nparameters:\n- name: NOTE\n  default: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  note: ${NOTE}\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let mut tgt = target("a", &[], &[]);
    tgt.values.insert("NOTE".into(), "[oops".into());
    let err = t.render(&tgt).unwrap_err().to_string();
    assert!(err.contains("check the values of NOTE"), "{err}");
}

#[test]
fn owners_parse_strictly() {
    assert_eq!(parse_owner("user:alice").unwrap().kind, "User");
    assert_eq!(parse_owner("group:devs").unwrap().kind, "Group");
    let sa = parse_owner("serviceaccount:ci:deployer").unwrap();
    assert_eq!(sa.namespace.as_deref(), Some("ci"));
    assert_eq!(owner_text(&sa), "serviceaccount:ci:deployer");
    assert!(parse_owner("alice").unwrap_err().contains("user:NAME"));
    assert!(
        parse_owner("robot:x")
            .unwrap_err()
            .contains("unknown owner kind")
    );
    assert!(parse_owner("serviceaccount:ci").is_err());
    assert!(parse_owner("user:").is_err());
}

#[test]
fn dns_labels_point_at_the_bad_character() {
    assert!(check_dns_label("acme-dev", "namespace").is_ok());
    let err = check_dns_label("Acme", "tenant name").unwrap_err();
    assert!(err.contains("'A' at position 1"), "{err}");
    assert!(check_dns_label("-x", "n").is_err());
    assert!(check_dns_label(&"a".repeat(64), "n").is_err());
    assert!(check_dns_subdomain("a.b", "n").is_ok());
}

#[test]
fn a_system_namespace_is_never_rendered_into() {
    for ns in ["kube-system", "kube-public", "kube-node-lease", "default"] {
        let err = builtin("tenant-baseline")
            .render(&target("good", &["good", ns], &["user:x"]))
            .expect_err(ns);
        assert!(
            err.message
                .contains(&format!("namespace {ns} is a system namespace")),
            "{err}"
        );
    }
}

#[test]
fn user_templates_override_builtins_and_broken_ones_are_kept_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("quota-small.yaml"),
        "name: quota-small\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n  namespace: ${NAMESPACE}\nspec:\n  hard:\n    pods: \"1\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "name: broken\n---\nkind: [\n",
    )
    .unwrap();
    let catalogue = Catalogue::load(Some(dir.path()));
    let small = catalogue.get("quota-small").unwrap();
    assert!(matches!(small.source, Source::User(_)));
    let err = catalogue.get("broken").unwrap_err();
    assert!(err.location.contains("broken.yaml:3:"), "{err}");
    assert!(
        catalogue
            .get("nope")
            .unwrap_err()
            .message
            .contains("tenant-baseline")
    );
}

#[test]
fn namespaces_are_labelled_only_when_asked() {
    let mut tgt = target("oil", &["oil-dev"], &[]);
    tgt.label_namespaces = false;
    let objects = builtin("psa-restricted").render(&tgt).unwrap();
    let labels = objects[0].metadata.labels.as_ref().unwrap();
    assert!(!labels.contains_key("tenantry.dev/tenant"), "{labels:?}");
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "restricted");
}
