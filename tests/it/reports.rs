//! The reports other tools read (`check -o sarif|junit|openreports`,
//! `check --publish`) against the real API server, validated against the
//! schemas in tests/data/reports (see the README there): SARIF against its
//! JSON schema, JUnit against Jenkins' junit-10.xsd, the
//! Reports against the OpenReports CRDs (installed unchanged, so the API
//! server validates what `--publish` writes) and read back.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use common::{audit_lines, audit_path, cluster, create_namespace, setup, tenantry, unique_name};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

const DEMO_TENANTS: [&str; 5] = ["acme", "globex", "hooli", "initech", "umbrella"];

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/reports")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).expect("a schema file in tests/data/reports")
}

/// Runs `check` as `persona`; the audit log goes to a file of its own.
fn check(persona: Persona, args: &[&str]) -> common::Run {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    tenantry(persona, &audit_path(&unique_name("reports")), &all)
}

/// `check -o json` as `persona`: (tenant, check) → the result.
fn check_json(persona: Persona, tenants: &[&str]) -> BTreeMap<(String, String), Value> {
    let mut args = vec!["-o", "json"];
    args.extend_from_slice(tenants);
    let run = check(persona, &args);
    let out: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("check -o json: {e}\n{}\n{}", run.stdout, run.stderr));
    let mut map = BTreeMap::new();
    for t in out["tenants"].as_array().expect("tenants") {
        let tenant = t["tenant"].as_str().expect("tenant").to_string();
        for c in t["checks"].as_array().expect("checks") {
            let id = c["id"].as_str().expect("id").to_string();
            map.insert((tenant.clone(), id), c.clone());
        }
    }
    map
}

/// The one pattern of the SARIF schema that the crate cannot compile as
/// written (`run.language` and `toolComponent.language`): its stray `]` is a literal for ECMAScript (the
/// schema's regex dialect) and an error for the crate's check of the
/// schema against its meta-schema. The file stays unchanged; in memory the
/// `]` is escaped, which means the same in ECMAScript.
const SARIF_LANGUAGE_PATTERN: (&str, &str) = (
    "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
    "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$",
);

pub(crate) fn sarif_schema() -> jsonschema::Validator {
    let mut schema: Value =
        serde_json::from_str(&read("sarif-2.1.0-rtm.5.json")).expect("the SARIF schema is JSON");
    for definition in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        assert_eq!(pattern, SARIF_LANGUAGE_PATTERN.0, "the schema file changed");
        *pattern = json!(SARIF_LANGUAGE_PATTERN.1);
    }
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

pub(crate) fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} is not valid: {errors:#?}");
}

#[test]
fn sarif_for_the_demo_tenants_is_valid_sarif_2_1_0() {
    let mut args = vec!["-o", "sarif"];
    args.extend_from_slice(&DEMO_TENANTS);
    let run = check(Persona::Admin, &args);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    // stdout is the log and nothing else.
    let log: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", run.stdout));
    assert_valid(&sarif_schema(), &log, "check -o sarif");
    // A document the schema rejects is rejected: the validation can fail.
    let mut broken = log.clone();
    broken["runs"][0]["results"] = json!([{"ruleId": "x", "level": "severe"}]);
    assert!(!sarif_schema().is_valid(&broken));

    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 22, "one rule per catalogue check");
    let help = rules
        .iter()
        .find(|r| r["id"] == "netpol.default-deny-ingress")
        .and_then(|r| r["help"]["text"].as_str())
        .expect("a help text");
    assert!(
        help.contains("tenancy notes; MTB network isolation")
            && help.contains("tenantry apply netpol-default-deny --tenant TENANT"),
        "{help}"
    );
    // One result per failed or unknown check, as `check -o json` has them.
    let json = check_json(Persona::Admin, &DEMO_TENANTS);
    let expected: BTreeSet<(String, String, &str)> = json
        .iter()
        .filter_map(|((tenant, id), c)| match c["outcome"].as_str() {
            Some("fail") => Some((tenant.clone(), id.clone(), "fail")),
            Some("unknown") => Some((tenant.clone(), id.clone(), "review")),
            _ => None,
        })
        .collect();
    let results = run0["results"].as_array().expect("results");
    let got: BTreeSet<(String, String, &str)> = results
        .iter()
        .map(|r| {
            (
                r["properties"]["tenant"].as_str().unwrap_or("").to_string(),
                r["ruleId"].as_str().unwrap_or("").to_string(),
                r["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(results.len(), expected.len());
    // initech has no default deny in initech-app: located there, with
    // the command line that fixes it.
    let initech = results
        .iter()
        .find(|r| {
            r["ruleId"] == "netpol.default-deny-ingress" && r["properties"]["tenant"] == "initech"
        })
        .expect("initech's finding");
    assert_eq!(initech["level"], "error");
    assert_eq!(
        initech["properties"]["fix"],
        "tenantry apply netpol-default-deny --tenant initech"
    );
    assert_eq!(
        initech["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "tenant/initech/namespace/initech-app"
    );
}

/// An element of an XSD, as far as the JUnit schema uses them: its
/// attributes (name, required, type), the elements it may contain, whether
/// it may contain text.
#[derive(Debug, Default)]
struct XsdElement {
    attributes: Vec<(String, bool, String)>,
    children: BTreeSet<String>,
    text: bool,
}

/// A minimal XSD interpreter for tests/data/reports/junit-10.xsd: global
/// elements with an inline or named complex type (attributes, `sequence`
/// and `choice` of element refs, all of them unbounded or optional in this
/// schema, so the rule is "may contain"; `mixed`), `xs:string` elements,
/// and simple types restricted by a pattern. It panics on any other
/// construct, so that it can never half-check a schema it does not read.
struct Xsd {
    elements: BTreeMap<String, XsdElement>,
    patterns: BTreeMap<String, regex::Regex>,
}

impl Xsd {
    fn load(text: &str) -> Xsd {
        let doc = roxmltree::Document::parse(text).expect("the XSD is XML");
        let xs = |n: &roxmltree::Node, name: &str| n.is_element() && n.tag_name().name() == name;
        let mut patterns = BTreeMap::new();
        let mut named = BTreeMap::new();
        let mut elements = BTreeMap::new();
        let complex = |node: roxmltree::Node| -> XsdElement {
            let mut e = XsdElement {
                text: node.attribute("mixed") == Some("true"),
                ..Default::default()
            };
            for d in node.descendants().filter(|d| d.is_element()).skip(1) {
                match d.tag_name().name() {
                    "sequence" | "choice" => {}
                    "attribute" => e.attributes.push((
                        d.attribute("name").expect("an attribute name").to_string(),
                        d.attribute("use") == Some("required"),
                        d.attribute("type").unwrap_or("xs:string").to_string(),
                    )),
                    "element" => {
                        let r = d.attribute("ref").or(d.attribute("name")).expect("a ref");
                        e.children.insert(r.to_string());
                    }
                    other => panic!("XSD construct <{other}> is not supported"),
                }
            }
            e
        };
        for top in doc.root_element().children().filter(|n| n.is_element()) {
            match top.tag_name().name() {
                "simpleType" => {
                    let name = top.attribute("name").expect("a type name");
                    let restriction = top
                        .children()
                        .find(|n| xs(n, "restriction"))
                        .expect("a restriction");
                    assert_eq!(restriction.attribute("base"), Some("xs:string"));
                    let pattern = restriction
                        .children()
                        .find(|n| xs(n, "pattern"))
                        .and_then(|p| p.attribute("value"))
                        .expect("a pattern");
                    let re = regex::Regex::new(&format!("^(?:{pattern})$")).expect("a regex");
                    patterns.insert(name.to_string(), re);
                }
                "complexType" => {
                    named.insert(top.attribute("name").expect("a name").to_string(), top);
                }
                "element" => {}
                other => panic!("XSD construct <{other}> is not supported"),
            }
        }
        for top in doc.root_element().children().filter(|n| xs(n, "element")) {
            let name = top.attribute("name").expect("an element name").to_string();
            let element = match top.attribute("type") {
                Some("xs:string") => XsdElement {
                    text: true,
                    ..Default::default()
                },
                Some(t) => complex(*named.get(t).expect("a named type")),
                None => complex(
                    top.children()
                        .find(|n| xs(n, "complexType"))
                        .expect("a complex type"),
                ),
            };
            elements.insert(name, element);
        }
        Xsd { elements, patterns }
    }

    fn check(&self, node: roxmltree::Node<'_, '_>, problems: &mut Vec<String>) {
        let name = node.tag_name().name();
        let Some(rule) = self.elements.get(name) else {
            problems.push(format!("element <{name}> is not in the schema"));
            return;
        };
        for a in node.attributes() {
            match rule.attributes.iter().find(|(n, _, _)| n == a.name()) {
                None => problems.push(format!(
                    "<{name}> has attribute {} not in the schema",
                    a.name()
                )),
                Some((_, _, t)) => {
                    if let Some(re) = self.patterns.get(t)
                        && !re.is_match(a.value())
                    {
                        problems.push(format!(
                            "<{name}> {}={:?} is not a {t}",
                            a.name(),
                            a.value()
                        ));
                    }
                }
            }
        }
        for (a, required, _) in &rule.attributes {
            if *required && node.attribute(a.as_str()).is_none() {
                problems.push(format!("<{name}> lacks the required attribute {a}"));
            }
        }
        for child in node.children() {
            if child.is_text() {
                if !rule.text && child.text().is_some_and(|t| !t.trim().is_empty()) {
                    problems.push(format!("<{name}> has text"));
                }
            } else if child.is_element() {
                let child_name = child.tag_name().name();
                if !rule.children.contains(child_name) {
                    problems.push(format!("<{child_name}> may not be in <{name}>"));
                }
                self.check(child, problems);
            }
        }
    }
}

/// What is wrong with `xml` by the JUnit schema (junit-10.xsd), the root
/// being `testsuites`.
pub(crate) fn junit_problems(xml: &str) -> Vec<String> {
    let xsd = Xsd::load(&read("junit-10.xsd"));
    let doc = match roxmltree::Document::parse(xml) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("not well-formed XML: {e}")],
    };
    let root = doc.root_element();
    let mut problems = Vec::new();
    if root.tag_name().name() != "testsuites" {
        problems.push(format!("the root is <{}>", root.tag_name().name()));
    }
    xsd.check(root, &mut problems);
    problems
}

#[test]
fn junit_for_the_demo_tenants_follows_the_junit_schema() {
    let mut args = vec!["-o", "junit"];
    args.extend_from_slice(&DEMO_TENANTS);
    let run = check(Persona::Admin, &args);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    let problems = junit_problems(&run.stdout);
    assert!(problems.is_empty(), "{problems:#?}\n{}", run.stdout);
    // The rules can fail.
    assert!(!junit_problems("<testsuites><testsuite name=\"x\"/></testsuites>").is_empty());
    assert!(!junit_problems("<testsuites><testcase name=\"x\"/></testsuites>").is_empty());
    assert!(!junit_problems("<testsuites time=\"1s\"/>").is_empty());
    assert!(junit_problems("<testsuites time=\"1.5\"/>").is_empty());

    let doc = roxmltree::Document::parse(&run.stdout).expect("XML");
    let context = cluster_context();
    let json = check_json(Persona::Admin, &DEMO_TENANTS);
    let suites: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), DEMO_TENANTS.len(), "one testsuite per tenant");
    for (suite, tenant) in suites.iter().zip(DEMO_TENANTS) {
        assert_eq!(
            suite.attribute("name"),
            Some(format!("{context}/{tenant}").as_str())
        );
        let cases: Vec<roxmltree::Node> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), 22, "one testcase per check");
        for case in cases {
            let id = case.attribute("name").expect("a name");
            let c = &json[&(tenant.to_string(), id.to_string())];
            let failure = case.children().find(|n| n.has_tag_name("failure"));
            let skipped = case.children().find(|n| n.has_tag_name("skipped"));
            match c["outcome"].as_str() {
                Some("fail") => {
                    let f = failure.expect("a failure");
                    assert_eq!(
                        f.attribute("message"),
                        c["reason"].as_str(),
                        "{tenant} {id}"
                    );
                    assert_eq!(f.attribute("type"), c["severity"].as_str());
                }
                Some("unknown") => {
                    assert!(failure.is_none() && skipped.is_some(), "{tenant} {id}")
                }
                _ => assert!(failure.is_none() && skipped.is_none(), "{tenant} {id}"),
            }
        }
    }
}

/// The context name of the admin kubeconfig, as `check -o json` says it.
fn cluster_context() -> String {
    let run = check(Persona::Admin, &["-o", "json", "acme"]);
    let out: Value = serde_json::from_str(&run.stdout).expect("JSON");
    out["context"].as_str().expect("a context").to_string()
}

const CRDS: [(&str, &str); 2] = [
    ("reports.openreports.io", "openreports.io_reports.yaml"),
    (
        "clusterreports.openreports.io",
        "openreports.io_clusterreports.yaml",
    ),
];

fn report_resource(kind: &str) -> ApiResource {
    let plural = if kind == "Report" {
        "reports"
    } else {
        "clusterreports"
    };
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("openreports.io", "v1alpha1", kind),
        plural,
    )
}

/// Installs the OpenReports CRDs of tests/data/reports, unchanged
/// (idempotent), and waits until both are served.
async fn install_crds() {
    let admin = cluster().client(Persona::Admin).await;
    let crds = Api::<CustomResourceDefinition>::all(admin.clone());
    for (name, file) in CRDS {
        let crd: CustomResourceDefinition =
            serde_saphyr::from_str(&read(file)).expect("the CRD parses");
        assert_eq!(crd.metadata.name.as_deref(), Some(name));
        crds.patch(
            name,
            &PatchParams::apply("reports-test"),
            &Patch::Apply(&crd),
        )
        .await
        .expect("installing an OpenReports CRD");
    }
    common::eventually(
        "the OpenReports CRDs to be served",
        Duration::from_secs(60),
        || {
            let admin = admin.clone();
            async move {
                let list = admin
                    .list_api_group_resources("openreports.io/v1alpha1")
                    .await
                    .ok()?;
                let served: BTreeSet<&str> =
                    list.resources.iter().map(|r| r.name.as_str()).collect();
                (served.contains("reports") && served.contains("clusterreports")).then_some(())
            }
        },
    )
    .await;
    common::eventually("Reports to be listable", Duration::from_secs(60), || {
        let admin = admin.clone();
        async move {
            Api::<DynamicObject>::all_with(admin, &report_resource("Report"))
                .list(&Default::default())
                .await
                .ok()
                .map(|_| ())
        }
    })
    .await;
}

/// A tenant of two namespaces, alice its admin in both (the binding
/// labelled, so she finds it). Returns (tenant, namespaces).
async fn two_namespace_tenant(prefix: &str) -> (String, [String; 2]) {
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name(prefix);
    let namespaces = [format!("{tenant}-a"), format!("{tenant}-b")];
    for ns in &namespaces {
        create_namespace(&admin, ns, &[("tenantry.dev/tenant", &tenant)]).await;
        setup::admin_binding(
            ns,
            "owner",
            json!([setup::user("alice")]),
            json!({"tenantry.dev/tenant": tenant}),
        )
        .await;
    }
    (tenant, namespaces)
}

async fn report_in(ns: &str) -> Option<DynamicObject> {
    let admin = cluster().client(Persona::Admin).await;
    Api::<DynamicObject>::namespaced_with(admin, ns, &report_resource("Report"))
        .get_opt("tenantry")
        .await
        .expect("reading a Report")
}

async fn cluster_report(tenant: &str) -> Option<DynamicObject> {
    let admin = cluster().client(Persona::Admin).await;
    Api::<DynamicObject>::all_with(admin, &report_resource("ClusterReport"))
        .get_opt(&format!("tenantry-{tenant}"))
        .await
        .expect("reading a ClusterReport")
}

/// (policy, result, message) of a Report's results.
fn results_of(report: &DynamicObject) -> Vec<(String, String, String)> {
    report.data["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    (
                        r["policy"].as_str().unwrap_or("").to_string(),
                        r["result"].as_str().unwrap_or("").to_string(),
                        r["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a namespace's Report must hold, from `check -o json`: every
/// check located in it (a failure where it was found), not cluster-wide.
fn expected_in(
    checks: &BTreeMap<(String, String), Value>,
    ns: Option<&str>,
) -> Vec<(String, String, String)> {
    const CLUSTER_WIDE: [&str; 2] = ["rbac.cluster-bindings", "secrets.encryption-at-rest"];
    let mut out: Vec<(String, String, String)> = checks
        .values()
        .filter(|c| {
            let id = c["id"].as_str().unwrap_or("");
            match ns {
                None => CLUSTER_WIDE.contains(&id),
                Some(ns) => {
                    !CLUSTER_WIDE.contains(&id)
                        && c["locations"]
                            .as_array()
                            .is_some_and(|ls| ls.iter().any(|l| l["namespace"] == ns))
                }
            }
        })
        .map(|c| {
            let result = match c["outcome"].as_str() {
                Some("unknown") => "skip",
                Some(other) => other,
                None => "",
            };
            (
                c["id"].as_str().unwrap_or("").to_string(),
                result.to_string(),
                c["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<(String, String, String)>) -> Vec<(String, String, String)> {
    v.sort();
    v
}

#[tokio::test]
async fn published_reports_read_back_as_check_says() {
    install_crds().await;
    let (tenant, namespaces) = two_namespace_tenant("publish").await;
    // A network policy in one namespace only: the default-deny failure is
    // located in the other.
    let admin = cluster().client(Persona::Admin).await;
    let deny: k8s_openapi::api::networking::v1::NetworkPolicy = common::object(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": namespaces[0]},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }));
    Api::<k8s_openapi::api::networking::v1::NetworkPolicy>::namespaced(admin, &namespaces[0])
        .create(&PostParams::default(), &deny)
        .await
        .expect("a network policy");

    let audit = audit_path(&unique_name("publish"));
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["check", &tenant, "--publish", "-o", "json"],
    );
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    // Progress is on stderr; stdout is the JSON and nothing else.
    let out: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", run.stdout));
    assert!(
        run.stderr.contains("published 3 of 3 reports"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("published"));
    let checks: BTreeMap<(String, String), Value> = out["tenants"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                (tenant.clone(), c["id"].as_str().unwrap_or("").to_string()),
                c.clone(),
            )
        })
        .collect();
    let deny_check = &checks[&(tenant.clone(), "netpol.default-deny-ingress".to_string())];
    assert_eq!(deny_check["outcome"], "fail");

    for ns in &namespaces {
        let report = report_in(ns).await.expect("a Report in each namespace");
        assert_eq!(
            sorted(results_of(&report)),
            expected_in(&checks, Some(ns)),
            "{ns}"
        );
        assert_eq!(report.data["scope"]["name"], ns.as_str());
        let managers: Vec<&str> = report
            .metadata
            .managed_fields
            .iter()
            .flatten()
            .filter_map(|m| m.manager.as_deref())
            .collect();
        assert_eq!(managers, vec!["tenantry"]);
    }
    let netpol_in = |ns: &str, results: &[(String, String, String)]| {
        results
            .iter()
            .find(|r| r.0 == "netpol.default-deny-ingress")
            .map(|r| r.1.clone())
            .unwrap_or_else(|| format!("none in {ns}"))
    };
    let a = results_of(&report_in(&namespaces[0]).await.expect("report"));
    let b = results_of(&report_in(&namespaces[1]).await.expect("report"));
    assert_eq!(
        netpol_in(&namespaces[0], &a),
        format!("none in {}", namespaces[0])
    );
    assert_eq!(netpol_in(&namespaces[1], &b), "fail");
    let cr = cluster_report(&tenant).await.expect("the ClusterReport");
    assert_eq!(sorted(results_of(&cr)), expected_in(&checks, None));
    // Written through the write path: one audit record per report.
    let records = audit_lines(&audit);
    assert_eq!(
        common::audit_results(&records),
        vec![("applied", false); 3],
        "{records:#?}"
    );
    assert!(
        records
            .iter()
            .all(|r| r["action"] == "publish check reports")
    );

    // The same Reports as `-o openreports-json`, which the CRDs' schemas
    // accept (the API server accepted them above, too).
    let run = check(Persona::Admin, &[&tenant, "-o", "openreports-json"]);
    let list: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    for item in items {
        let file = if item["kind"] == "Report" {
            CRDS[0].1
        } else {
            CRDS[1].1
        };
        let crd: Value = serde_saphyr::from_str(&read(file)).expect("the CRD parses");
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        let validator = jsonschema::draft4::new(schema).expect("the CRD schema compiles");
        assert_valid(&validator, item, "an OpenReports object");
    }
    // `-o openreports` is the same List in YAML (timestamps apart).
    let yaml = check(Persona::Admin, &[&tenant, "-o", "openreports"]);
    let mut from_yaml: Value = serde_saphyr::from_str(&yaml.stdout)
        .unwrap_or_else(|e| panic!("stdout is not YAML: {e}\n{}", yaml.stdout));
    let mut from_json = list.clone();
    for doc in [&mut from_yaml, &mut from_json] {
        for item in doc["items"].as_array_mut().expect("items") {
            for r in item["results"].as_array_mut().into_iter().flatten() {
                r["timestamp"] = Value::Null;
            }
        }
    }
    assert_eq!(from_yaml, from_json);
    // A second publish changes nothing but the timestamps.
    let again = check(Persona::Admin, &[&tenant, "--publish", "-o", "json"]);
    assert!(
        again.stderr.contains("published 3 of 3 reports"),
        "{}",
        again.stderr
    );
}

#[tokio::test]
async fn publish_is_refused_in_read_only_mode_before_anything_is_sent() {
    install_crds().await;
    let (tenant, namespaces) = two_namespace_tenant("publish-ro").await;
    let audit = audit_path(&unique_name("publish-ro"));
    let run = tenantry(
        Persona::Admin,
        &audit,
        &["--readonly", "check", &tenant, "--publish", "-o", "sarif"],
    );
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let records = audit_lines(&audit);
    assert_eq!(common::audit_results(&records), vec![("refused", false)]);
    for ns in &namespaces {
        assert!(report_in(ns).await.is_none(), "a Report in {ns}");
    }
    assert!(cluster_report(&tenant).await.is_none());
}

#[tokio::test]
async fn a_refused_publish_says_per_namespace_what_was_written() {
    install_crds().await;
    let (tenant, namespaces) = two_namespace_tenant("publish-alice").await;
    // alice may write Reports in the first namespace only (the admin
    // ClusterRole does not cover them); ClusterReports nowhere.
    let admin = cluster().client(Persona::Admin).await;
    let role: Role = common::object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "reports-writer", "namespace": namespaces[0]},
        "rules": [{"apiGroups": ["openreports.io"], "resources": ["reports"],
                   "verbs": ["get", "list", "create", "patch", "update"]}],
    }));
    Api::<Role>::namespaced(admin.clone(), &namespaces[0])
        .create(&PostParams::default(), &role)
        .await
        .expect("a role");
    let binding: RoleBinding = common::object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "reports-writer", "namespace": namespaces[0]},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reports-writer"},
        "subjects": [setup::user("alice")],
    }));
    Api::<RoleBinding>::namespaced(admin, &namespaces[0])
        .create(&PostParams::default(), &binding)
        .await
        .expect("a role binding");

    let audit = audit_path(&unique_name("publish-alice"));
    let run = tenantry(
        Persona::Alice,
        &audit,
        &[
            "-n",
            &namespaces[0],
            "-n",
            &namespaces[1],
            "check",
            &tenant,
            "--publish",
            "-o",
            "junit",
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let problems = junit_problems(&run.stdout);
    assert!(problems.is_empty(), "{problems:#?}\n{}", run.stdout);
    let (a, b) = (&namespaces[0], &namespaces[1]);
    assert!(
        run.stderr
            .contains(&format!("published Report tenantry in namespace {a}")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("not written in namespace {b}: Report tenantry:")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "not written in cluster (tenant {tenant}): ClusterReport tenantry-{tenant}:"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "published 1 of 3 reports; not written: namespace {b}, cluster (tenant {tenant})"
        )),
        "{}",
        run.stderr
    );
    assert!(report_in(a).await.is_some());
    assert!(report_in(b).await.is_none());
    assert!(cluster_report(&tenant).await.is_none());
    let records = audit_lines(&audit);
    let results: Vec<&str> = common::audit_results(&records)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(results, vec!["applied", "refused", "refused"]);
}

/// A user name with everything a report format must survive: XML markup
/// and a CDATA end, an entity, a terminal escape, BEL, and U+FFFE (no XML
/// 1.0 character, even escaped). The API server takes it as a subject.
const HOSTILE_USER: &str = "evil]]><x a=\"1\">&amp;\u{1b}[31m\u{7}\u{fffe}";

#[tokio::test]
async fn hostile_text_from_the_cluster_keeps_every_format_valid() {
    install_crds().await;
    let (tenant, _) =
        setup::owned_tenant("hostile", json!([setup::user(HOSTILE_USER)]), false).await;
    // A cluster-wide binding for the hostile owner: rbac.cluster-bindings
    // fails, and its reason quotes the name.
    let admin = cluster().client(Persona::Admin).await;
    let binding: k8s_openapi::api::rbac::v1::ClusterRoleBinding = common::object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": format!("{tenant}-hostile")},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [setup::user(HOSTILE_USER)],
    }));
    Api::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>::all(admin)
        .create(&PostParams::default(), &binding)
        .await
        .expect("a cluster role binding");

    let json = check_json(Persona::Admin, &[&tenant]);
    let reason = json[&(tenant.clone(), "rbac.cluster-bindings".to_string())]["reason"]
        .as_str()
        .expect("a reason")
        .to_string();
    assert!(
        reason.contains("evil]]><x a=\"1\">&amp;\\u{1b}[31m\\u{7}"),
        "{reason}"
    );

    let junit = check(Persona::Admin, &[&tenant, "-o", "junit"]);
    let problems = junit_problems(&junit.stdout);
    assert!(problems.is_empty(), "{problems:#?}\n{}", junit.stdout);
    assert!(!junit.stdout.contains(['\u{1b}', '\u{7}', '\u{fffe}']));
    let doc = roxmltree::Document::parse(&junit.stdout).expect("XML");
    let failure = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("testcase") && n.attribute("name") == Some("rbac.cluster-bindings")
        })
        .and_then(|n| n.children().find(|c| c.has_tag_name("failure")))
        .expect("the failure");
    assert_eq!(
        failure.attribute("message"),
        Some(reason.replace('\u{fffe}', "\\u{fffe}").as_str())
    );

    let sarif = check(Persona::Admin, &[&tenant, "-o", "sarif"]);
    assert!(!sarif.stdout.contains(['\u{1b}', '\u{7}']));
    let log: Value = serde_json::from_str(&sarif.stdout).expect("JSON");
    assert_valid(&sarif_schema(), &log, "check -o sarif");
    let result = log["runs"][0]["results"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["ruleId"] == "rbac.cluster-bindings"))
        .expect("the result");
    assert_eq!(result["message"]["text"], reason.as_str());

    let publish = check(Persona::Admin, &[&tenant, "--publish", "-o", "json"]);
    assert!(
        publish.stderr.contains("published 2 of 2 reports"),
        "{}",
        publish.stderr
    );
    let cr = cluster_report(&tenant).await.expect("the ClusterReport");
    let message = results_of(&cr)
        .into_iter()
        .find(|r| r.0 == "rbac.cluster-bindings")
        .map(|r| r.2)
        .expect("the result");
    assert_eq!(message, reason.replace('\u{fffe}', "\\u{fffe}"));
}
