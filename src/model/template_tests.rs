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

/// The values an attacker would try: line breaks with YAML after them,
/// `: `, document markers, flow collections, quotes, comments, anchors,
/// and placeholders of their own.
const HOSTILE: [&str; 12] = [
    "mallory\n- kind: Group\n  name: system:authenticated",
    "x\nkind: ClusterRoleBinding",
    "a: b",
    "---\napiVersion: v1\nkind: Secret",
    "{evil: true}",
    "[1, 2]",
    "\"quoted\"",
    "'single'",
    "x # comment",
    "&anchor x",
    "${TENANT}",
    "${OTHER}",
];

/// A template with a placeholder in every kind of place: plain, quoted,
/// inside a longer string, a key, a block scalar, a flow sequence.
const EVERY_PLACE: &str = r#"name: t
parameters:
- name: V
- name: OTHER
  default: other-value
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: ${NAMESPACE}
  labels:
    team: ${TENANT}
data:
  plain: ${OWNER_NAME}
  quoted: "${OWNER_NAME}"
  single: '${OWNER_NAME}'
  mixed: before-${OWNER_NAME}-after
  ${OWNER_NAME}: as-a-key
  block: |
    line one ${OWNER_NAME}
    line two
  flow: ["${OWNER_NAME}", fixed]
  user-quoted: "${V}"
  user-mixed: v=${V}
"#;

fn shape(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        _ => Value::Null,
    }
}

#[test]
fn hostile_values_land_as_scalars_and_never_change_the_shape() {
    let t = Template::parse(EVERY_PLACE, "t.yaml", Source::Builtin).unwrap();
    let doc = &t.documents[0];
    let fixed = |name: &str| match name {
        "NAMESPACE" => tree::Fill::Name("ns".into()),
        "TENANT" => tree::Fill::Name("acme".into()),
        "OWNER_NAME" => tree::Fill::Name("zoe".into()),
        _ => tree::Fill::Param("safe".into()),
    };
    let reference = tree::render(&doc.body, &fixed).unwrap();
    let mut cases = 0;
    for hostile in HOSTILE {
        // The hostile text as a built-in value (an owner's name read from
        // the cluster), everywhere that value goes.
        let fill = |name: &str| match name {
            "NAMESPACE" => tree::Fill::Name("ns".into()),
            "TENANT" => tree::Fill::Name("acme".into()),
            "OWNER_NAME" => tree::Fill::Name(hostile.into()),
            _ => tree::Fill::Param("safe".into()),
        };
        let value = tree::render(&doc.body, &fill).unwrap();
        let mut expected_shape = shape(&reference);
        // The key holding the owner's name is renamed to it, nothing more.
        let data = expected_shape["data"].as_object_mut().unwrap();
        let v = data.remove("zoe").unwrap();
        data.insert(hostile.to_string(), v);
        assert_eq!(shape(&value), expected_shape, "{hostile:?}");
        assert_eq!(value["kind"], "ConfigMap");
        for field in ["plain", "quoted", "single"] {
            assert_eq!(value["data"][field], *hostile, "{field} with {hostile:?}");
        }
        assert_eq!(
            value["data"]["mixed"],
            format!("before-{hostile}-after"),
            "{hostile:?}"
        );
        assert_eq!(
            value["data"]["block"],
            format!("line one {hostile}\nline two\n")
        );
        assert_eq!(value["data"]["flow"][0], *hostile);
        assert_eq!(value["data"]["flow"].as_array().unwrap().len(), 2);
        assert_eq!(value["data"][hostile], "as-a-key");
        cases += 1;

        // The same text as a user's value in quoted and mixed places.
        let fill = |name: &str| match name {
            "V" => tree::Fill::Param(hostile.into()),
            other => fixed(other),
        };
        let value = tree::render(&doc.body, &fill).unwrap();
        assert_eq!(shape(&value), shape(&reference), "{hostile:?}");
        assert_eq!(value["data"]["user-quoted"], *hostile);
        assert_eq!(value["data"]["user-mixed"], format!("v={hostile}"));
        cases += 1;
    }
    assert_eq!(cases, 2 * HOSTILE.len());
}

#[test]
fn a_placeholder_inside_a_value_is_not_expanded_again() {
    let text = "name: t\nparameters:\n- name: A\n- name: B\n  default: secret-b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"${A}\"\n  mixed: x-${A}-y\n  plain: ${A}\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let mut tgt = target("acme", &[], &[]);
    tgt.values.insert("A".into(), "${B}".into());
    let objects = t.render(&tgt).unwrap();
    assert_eq!(objects[0].data["data"]["a"], "${B}");
    assert_eq!(objects[0].data["data"]["mixed"], "x-${B}-y");
    assert_eq!(objects[0].data["data"]["plain"], "${B}");
    tgt.values.insert("A".into(), "${TENANT}".into());
    let objects = t.render(&tgt).unwrap();
    assert_eq!(objects[0].data["data"]["a"], "${TENANT}");
}

#[test]
fn an_unquoted_user_value_is_typed_as_yaml_would_or_refused() {
    let text = "name: t\nparameters:\n- name: N\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  n: ${N}\n  q: \"${N}\"\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let render = |v: &str| {
        let mut tgt = target("acme", &[], &[]);
        tgt.values.insert("N".into(), v.into());
        t.render(&tgt)
    };
    let typed = [
        ("3", json!(3)),
        ("2.5", json!(2.5)),
        ("true", json!(true)),
        ("", serde_json::Value::Null),
        ("null", serde_json::Value::Null),
        ("v1.33", json!("v1.33")),
        ("hello world", json!("hello world")),
        (
            "https://issuer.example/#sub",
            json!("https://issuer.example/#sub"),
        ),
    ];
    for (value, expected) in typed {
        let objects = render(value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(objects[0].data["data"]["n"], expected, "{value:?}");
        assert_eq!(objects[0].data["data"]["q"], json!(value), "{value:?}");
    }
    for value in [
        "a: b",
        "[oops",
        "{a: 1}",
        "- item",
        "x # comment",
        "'quoted'",
        "&a x",
        "*alias",
        "!!str x",
        "--- x",
        "5 # five",
    ] {
        let err = render(value).unwrap_err().to_string();
        assert!(err.contains("check the values of N"), "{value:?}: {err}");
        assert!(err.contains("t.yaml:5"), "{value:?}: {err}");
    }
}

use serde_json::json;

/// What rendering did before it used the tree: substitute the text, then
/// parse it. For values with no YAML meaning both must agree exactly.
fn render_as_text(template_text: &str, values: &dyn Fn(&str) -> String) -> Vec<serde_json::Value> {
    let body = template_text.split("\n---\n").skip(1);
    body.map(|doc| {
        let mut out = String::new();
        let mut rest = doc;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').unwrap();
            out.push_str(&values(&after[..end]));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        serde_saphyr::from_str::<serde_json::Value>(&out).unwrap()
    })
    .collect()
}

#[test]
fn templates_render_as_text_substitution_did_for_ordinary_values() {
    let mut cases = 0;
    let value_sets: [[&str; 3]; 5] = [
        ["2", "4Gi", "20"],
        ["500m", "512Mi", "0"],
        ["1.5", "1536Mi", "100"],
        ["16", "32Gi", "7"],
        ["0.25", "128974848", "1"],
    ];
    for (name, text) in BUILTIN_TEMPLATES {
        let template = Template::parse(text, name, Source::Builtin).unwrap();
        for set in value_sets {
            let mut tgt = target("zeta", &["zeta-dev"], &["user:zoe"]);
            for (p, v) in ["REQUESTS_CPU", "REQUESTS_MEMORY", "PODS"].iter().zip(set) {
                if template.parameter(p).is_some() {
                    tgt.values.insert(p.to_string(), v.to_string());
                }
            }
            let objects = template
                .render(&tgt)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let resolved = template.resolve_values(&tgt.values).unwrap();
            let mut old = render_as_text(text, &|p: &str| match p {
                "TENANT" => "zeta".into(),
                "NAMESPACE" => "zeta-dev".into(),
                "OWNER_KIND" => "User".into(),
                "OWNER_NAME" => "zoe".into(),
                "TENANT_LABEL" => TENANT_LABEL.into(),
                other => resolved[other].clone(),
            });
            for v in &mut old {
                label(v, &tgt, &template.name);
            }
            let new: Vec<serde_json::Value> = objects
                .iter()
                .map(|o| serde_json::to_value(o).unwrap())
                .collect();
            let old: Vec<serde_json::Value> = old
                .into_iter()
                .map(|v| {
                    serde_json::to_value(serde_json::from_value::<DynamicObject>(v).unwrap())
                        .unwrap()
                })
                .collect();
            assert_eq!(new, old, "{name} with {set:?}");
            cases += 1;
        }
    }
    assert_eq!(cases, BUILTIN_TEMPLATES.len() * value_sets.len());
}

#[test]
fn keys_may_not_collide_and_kinds_hold_no_placeholder() {
    let text = "name: t\nparameters:\n- name: K\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  ${K}: one\n  fixed: two\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let mut tgt = target("acme", &[], &[]);
    tgt.values.insert("K".into(), "fixed".into());
    let err = t.render(&tgt).unwrap_err().to_string();
    assert!(
        err.contains("two keys of one mapping render as \"fixed\""),
        "{err}"
    );

    let text =
        "name: t\nparameters:\n- name: K\n---\napiVersion: v1\nkind: ${K}\nmetadata:\n  name: c\n";
    let err = Template::parse(text, "t.yaml", Source::Builtin).unwrap_err();
    assert!(err.message.contains("kind holds a placeholder"), "{err}");
}

#[test]
fn aliases_keep_the_typing_of_their_anchor() {
    let text = "name: t\nparameters:\n- name: N\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nspec:\n  base: &base\n    port: ${N}\n    name: \"${N}\"\n  copy: *base\n  merged:\n    <<: *base\n    extra: x\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let mut tgt = target("acme", &[], &[]);
    tgt.values.insert("N".into(), "8080".into());
    let objects = t.render(&tgt).unwrap();
    let spec = &objects[0].data["spec"];
    assert_eq!(spec["base"]["port"], 8080);
    assert_eq!(spec["base"]["name"], "8080");
    assert_eq!(spec["copy"]["port"], 8080, "{spec}");
    assert_eq!(spec["copy"]["name"], "8080");
    assert_eq!(spec["merged"]["port"], 8080, "{spec}");
    assert_eq!(spec["merged"]["extra"], "x");
}

#[test]
fn owners_from_the_cluster_are_checked_like_owner() {
    let subject = |kind: &str, name: &str, ns: Option<&str>| Subject {
        kind: kind.into(),
        name: name.into(),
        namespace: ns.map(str::to_string),
    };
    assert_eq!(owner_problem(&subject("User", "alice", None)), None);
    assert_eq!(owner_problem(&subject("Group", "oidc:devs", None)), None);
    assert_eq!(
        owner_problem(&subject("ServiceAccount", "ci", Some("acme-dev"))),
        None
    );
    let hostile = subject(
        "User",
        "mallory\n- kind: Group\n  name: system:authenticated",
        None,
    );
    let why = owner_problem(&hostile).unwrap();
    assert!(why.contains("control character '\\n'"), "{why}");
    for (s, expected) in [
        (
            subject("Group", "system:authenticated", None),
            "public subject",
        ),
        (subject("User", "system:anonymous", None), "public subject"),
        (
            subject("Group", "system:serviceaccounts:acme-dev", None),
            "public subject",
        ),
        (subject("User", " alice", None), "read back"),
        (subject("Robot", "r2", None), "not an owner kind"),
        (
            subject("ServiceAccount", "ci", None),
            "serviceaccount:NAMESPACE:NAME",
        ),
        (
            subject("ServiceAccount", "Bad_Name", Some("acme-dev")),
            "not allowed",
        ),
    ] {
        let why = owner_problem(&s).unwrap_or_else(|| panic!("{s:?} passed"));
        assert!(why.contains(expected), "{s:?}: {why}");
    }
    // A render with an unchecked hostile owner stops, naming it.
    let mut tgt = target("zeta", &["zeta"], &["user:zoe"]);
    tgt.owners.push(hostile);
    let err = builtin("tenant-baseline")
        .render(&tgt)
        .unwrap_err()
        .to_string();
    assert!(err.contains("mallory\\n- kind"), "{err}");
    // Public subjects are refused as --owner too.
    assert!(
        parse_owner("group:system:authenticated")
            .unwrap_err()
            .contains("public subject")
    );
}

#[test]
fn the_header_declares_where_a_template_reaches() {
    let text = "name: t\nreaches: [ClusterRoleBinding, Namespace/kube-system, ClusterRole/viewer]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let t = Template::parse(text, "t.yaml", Source::Builtin).unwrap();
    let shown: Vec<String> = t.reaches.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "ClusterRoleBinding",
            "Namespace/kube-system",
            "ClusterRole/viewer"
        ]
    );
    for bad in [
        "clusterrolebinding",
        "Namespace/Kube_System",
        "ClusterRole/",
        "",
    ] {
        let text = format!(
            "name: t\nreaches: [\"{bad}\"]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
        );
        let err = Template::parse(&text, "t.yaml", Source::Builtin).unwrap_err();
        assert!(err.message.contains("reaches"), "{bad:?}: {err}");
    }
    for (name, _) in BUILTIN_TEMPLATES {
        assert!(builtin(name).reaches.is_empty(), "{name}");
    }
}
