//! Templates: rendering with hostile values and names.

use super::*;

/// Every placeholder position a template can have: quoted strings, a
/// plain scalar that is one placeholder (typed like YAML), text around a
/// placeholder, keys, list items, anchors and aliases, names.
const SHAPES_TEMPLATE: &str = r#"name: shapes
parameters:
- name: A
- name: B
- name: C
- name: D
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shapes-${A}
  namespace: ${NAMESPACE}
  labels:
    tenant: ${TENANT}
    ${TENANT_LABEL}: ${TENANT}
  annotations:
    a-${A}: "${B}"
    b-${B}: x ${C} y
data:
  quoted: "${A}"
  single: '${B}'
  plain: ${C}
  mixed: pre ${D} post
  both: ${A}${B}
  list:
  - ${A}
  - "${B}"
  - - ${C}
    - nested ${D}
  anchored: &anchor
    inner: ${C}
    other: "${D}"
  aliased: *anchor
  merged:
    <<: *anchor
    extra: ${A}
  block: |
    line ${A}
    line ${B}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: owner
  namespace: ${NAMESPACE}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: admin
subjects:
- kind: ${OWNER_KIND}
  name: ${OWNER_NAME}
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
  annotations:
    note: ${D}
"#;

/// The structure of a rendered object: documents, kinds, keys and list
/// lengths, with every scalar replaced by `null`.
fn skeleton(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    // Kinds and apiVersions are structure too.
                    if k == "kind" || k == "apiVersion" {
                        (k.clone(), v.clone())
                    } else {
                        (k.clone(), skeleton(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(skeleton).collect()),
        _ => Value::Null,
    }
}

/// `text` with each marker replaced by its value, in one pass (a value is
/// never scanned again).
fn substitute(text: &str, pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (marker, value) in pairs {
            if let Some(after) = rest.strip_prefix(marker.as_str()) {
                out.push_str(value);
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The keys of `value` with markers replaced (scalars are left: the
/// skeleton ignores them).
fn substitute_keys(value: &Value, pairs: &[(String, String)]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (substitute(k, pairs), substitute_keys(v, pairs)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute_keys(v, pairs)).collect())
        }
        other => other.clone(),
    }
}

fn rendered(objects: &[kube::core::DynamicObject]) -> Vec<Value> {
    objects
        .iter()
        .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
        .collect()
}

/// A hostile owner: any kind (mostly the three real ones), any name, a
/// namespace sometimes.
fn hostile_owner() -> impl Strategy<Value = Subject> {
    (
        prop_oneof![
            3 => proptest::sample::select(&["User", "Group", "ServiceAccount"][..]).prop_map(String::from),
            1 => hostile_string(),
        ],
        prop_oneof![2 => "[a-z][a-z0-9-]{0,10}", 3 => hostile_string()],
        proptest::option::of(prop_oneof!["[a-z][a-z0-9-]{0,10}", hostile_string()]),
    )
        .prop_map(|(kind, name, namespace)| Subject { kind, name, namespace })
}

fn hostile_namespace() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9-]{0,12}[a-z0-9]",
        1 => proptest::sample::select(&["kube-system", "default", "-x", "x-", "A", ""][..]).prop_map(String::from),
        1 => hostile_string(),
    ]
}

/// Values for the shapes template's parameters, A to D.
fn hostile_values() -> impl Strategy<Value = [String; 4]> {
    [
        hostile_string(),
        hostile_string(),
        hostile_string(),
        hostile_string(),
    ]
}

struct Case {
    template: Template,
    /// What the template was loaded as (errors from a document name it).
    origin: String,
    tenant: String,
    namespaces: Vec<String>,
    owners: Vec<Subject>,
    values: BTreeMap<String, String>,
}

/// Renders `case`, and the same with plain marker values in every place a
/// value goes (same number of namespaces and owners, owners of the same
/// kinds); checks that a successful render has the plain one's structure,
/// with markers in keys replaced by the values, and that a refusal names
/// the template and says why.
fn check_render(case: &Case) -> Result<bool, TestCaseError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut marker = |value: &str| {
        let m = format!("zqmark{}zq", pairs.len());
        pairs.push((m.clone(), value.to_string()));
        m
    };
    let plain_tenant = marker(&case.tenant);
    let plain_namespaces: Vec<String> = case.namespaces.iter().map(|n| marker(n)).collect();
    let plain_owners: Vec<Subject> = case
        .owners
        .iter()
        .map(|o| Subject {
            kind: o.kind.clone(),
            name: marker(&o.name),
            namespace: o.namespace.as_ref().map(|n| marker(n)),
        })
        .collect();
    let plain_values: BTreeMap<String, String> = case
        .values
        .iter()
        .map(|(k, v)| (k.clone(), marker(v)))
        .collect();
    // Longest markers first, so zqmark1zq never matches inside zqmark10zq.
    pairs.sort_by_key(|(m, _)| std::cmp::Reverse(m.len()));
    let target = |tenant: &str,
                  namespaces: &[String],
                  owners: &[Subject],
                  values: &BTreeMap<String, String>| Target {
        tenant: tenant.to_string(),
        namespaces: namespaces.to_vec(),
        owners: owners.to_vec(),
        values: values.clone(),
        tenant_label: TENANT_LABEL.into(),
        label_namespaces: true,
    };
    let hostile = case.template.render(&target(
        &case.tenant,
        &case.namespaces,
        &case.owners,
        &case.values,
    ));
    let plain = case.template.render(&target(
        &plain_tenant,
        &plain_namespaces,
        &plain_owners,
        &plain_values,
    ));
    match hostile {
        Ok(objects) => {
            let plain = plain.map_err(|e| {
                TestCaseError::fail(format!(
                    "plain values refused where hostile ones render: {e}"
                ))
            })?;
            let got: Vec<Value> = rendered(&objects).iter().map(skeleton).collect();
            let want: Vec<Value> = rendered(&plain)
                .iter()
                .map(|v| skeleton(&substitute_keys(v, &pairs)))
                .collect();
            prop_assert_eq!(got, want, "values changed the structure");
            Ok(true)
        }
        Err(err) => {
            let name = &case.template.name;
            prop_assert!(
                err.location.starts_with(&format!("template {name}"))
                    || err.location.starts_with(&case.origin),
                "{:?}",
                err
            );
            prop_assert!(!err.message.trim().is_empty(), "{:?}", err);
            Ok(false)
        }
    }
}

/// Whether YAML reads `value`, alone in a plain position, as exactly
/// itself: a string equal to it, or a null, boolean or number.
fn reads_as_itself(value: &str) -> bool {
    !value.is_empty()
        && value.trim() == value
        && match serde_saphyr::from_str::<Value>(value) {
            Ok(Value::String(s)) => s == value,
            Ok(Value::Null | Value::Bool(_) | Value::Number(_)) => true,
            _ => false,
        }
}

/// Whether YAML reads `value`, alone in a plain position, as the string
/// `value` (not a null, a boolean or a number).
fn reads_as_string(value: &str) -> bool {
    !value.is_empty()
        && value.trim() == value
        && matches!(serde_saphyr::from_str::<Value>(value), Ok(Value::String(s)) if s == value)
}

fn shapes() -> Template {
    Template::parse(
        SHAPES_TEMPLATE,
        "shapes.yaml",
        Source::User("shapes.yaml".into()),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn dedup<T: Ord + Clone>(items: Vec<T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

fn subject_key(s: &Subject) -> (String, String, Option<String>) {
    (s.kind.clone(), s.name.clone(), s.namespace.clone())
}

proptest! {
    #![proptest_config(cases(RENDER_CASES))]

    /// Hostile `--set` values in every placeholder position, with plain
    /// names: values without control characters render with the template's
    /// structure, or (in a plain unquoted position, or making two keys one)
    /// are refused with a message naming the template; values with a
    /// control character are refused naming the parameter.
    #[test]
    fn hostile_values_change_no_structure(values in hostile_values()) {
        let template = shapes();
        let values: BTreeMap<String, String> = ["A", "B", "C", "D"]
            .iter()
            .zip(values)
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let case = Case {
            template,
            origin: "shapes.yaml".into(),
            tenant: "acme".into(),
            namespaces: vec!["acme-dev".into(), "acme-prod".into()],
            owners: vec![Subject { kind: "User".into(), name: "alice".into(), namespace: None }],
            values: values.clone(),
        };
        let ok = check_render(&case)?;
        let control = values.iter().find(|(_, v)| v.chars().any(char::is_control));
        if let Some((name, _)) = control {
            prop_assert!(!ok, "a value with a control character was accepted");
            let err = case.template.render(&Target {
                tenant: case.tenant.clone(),
                namespaces: case.namespaces.clone(),
                owners: case.owners.clone(),
                values: values.clone(),
                tenant_label: TENANT_LABEL.into(),
                label_namespaces: true,
            });
            let message = err.err().map(|e| e.message).unwrap_or_default();
            prop_assert!(message.contains(name.as_str()), "{}", message);
        } else if values.values().all(|v| !v.contains(['\n', ':', '#', '[', '{', '&', '*', '!', '\'', '"', '|', '>', '%', '@', '`', '-', '?', ',', ']', '}']))
            && reads_as_itself(&values["C"])
            && reads_as_string(&values["D"])
        {
            // Harmless values (no YAML syntax at all) must render. C and D
            // also stand alone in plain positions, where YAML types them
            // (an empty value is null there); D's is a Namespace
            // annotation, which only a string fits.
            prop_assert!(ok, "harmless values {:?} were refused", values);
        }
    }

    /// Hostile tenant names, namespaces and owners, in the shapes template
    /// and every built-in: rendered with the template's structure, or
    /// refused with a clear error.
    #[test]
    fn hostile_names_change_no_structure(
        which in 0..=BUILTIN_TEMPLATES.len(),
        tenant in prop_oneof![3 => "[a-z][a-z0-9-]{0,10}", 2 => hostile_string()],
        namespaces in proptest::collection::vec(hostile_namespace(), 1..3),
        owners in proptest::collection::vec(hostile_owner(), 1..3),
        values in hostile_values(),
    ) {
        let (template, origin) = match BUILTIN_TEMPLATES.get(which) {
            Some((name, text)) => {
                let origin = format!("built-in {name}");
                (Template::parse(text, &origin, Source::Builtin).unwrap_or_else(|e| panic!("{e}")), origin)
            }
            None => (shapes(), "shapes.yaml".to_string()),
        };
        let values: BTreeMap<String, String> = if which == BUILTIN_TEMPLATES.len() {
            ["A", "B", "C", "D"].iter().zip(values).map(|(k, v)| (k.to_string(), v)).collect()
        } else {
            BTreeMap::new()
        };
        let owners = {
            let mut seen = BTreeSet::new();
            owners.into_iter().filter(|o| seen.insert(subject_key(o))).collect()
        };
        let case = Case { template, origin, tenant, namespaces: dedup(namespaces), owners, values };
        check_render(&case)?;
    }
}
