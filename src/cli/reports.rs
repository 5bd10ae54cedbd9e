//! The reports other tools read, built from `check`'s results: SARIF 2.1.0
//! (code scanning, security dashboards), JUnit XML (CI test views) and
//! OpenReports (`openreports.io/v1alpha1`, read by Policy Reporter and
//! other readers of policy reports). Pure: no I/O.
//!
//! Everything that came from the cluster (tenant and namespace names,
//! object names, reasons quoting server messages) is data: it goes through
//! the sanitizer (`model::text`), and in XML through XML escaping as well.
//!
//! Decisions (README, "check"):
//! - SARIF has one rule per catalogue check and one result per failed
//!   check (`kind: "fail"`, level from the severity) and per unknown check
//!   (`kind: "review"`, level `none`: not a finding, but what a reader must
//!   look at); passes are not results. `--strict` changes the exit code
//!   only.
//! - JUnit has one testsuite per tenant, named `CONTEXT/TENANT` (a fleet
//!   would add one per cluster), one testcase per check; a failure carries
//!   the reason, unknown is `<skipped>`.
//! - OpenReports has one `Report` per namespace of a tenant and one
//!   `ClusterReport` per tenant for the cluster-wide checks. A failure is
//!   reported in the namespaces it was found in; unknown is `skip`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::check::{CheckOutput, TenantChecks};
use crate::model::checks::{CheckResult, Location, Outcome, Severity, catalogue, is_cluster_wide};
use crate::model::text::sanitize;

pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const OPENREPORTS_API_VERSION: &str = "openreports.io/v1alpha1";
/// The name of the `Report` tenantry writes in each namespace.
pub const REPORT_NAME: &str = "tenantry";
/// `source` of every OpenReports result, and the field manager's name.
pub const SOURCE: &str = "tenantry";

/// SARIF level of a failed check.
pub fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` (a CVSS-like score: ≥ 9.0
/// critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low); none for info.
pub fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// The command line that applies a check's fixing template to a tenant.
pub fn fix_command(template: &str, tenant: &str) -> String {
    format!("tenantry apply {template} --tenant {tenant}")
}

/// `tenant/T/namespace/N/Kind/name`, as far as it is known.
fn qualified_name(l: &Location) -> String {
    let mut out = format!("tenant/{}", l.tenant);
    match &l.namespace {
        Some(ns) => {
            let _ = write!(out, "/namespace/{ns}");
        }
        None => out.push_str("/cluster"),
    }
    if let (Some(kind), Some(name)) = (l.kind, &l.name) {
        let _ = write!(out, "/{kind}/{name}");
    }
    out
}

fn sarif_location(l: &Location) -> Value {
    let (name, kind) = match (&l.name, &l.namespace) {
        (Some(name), _) => (name.clone(), "resource"),
        (None, Some(ns)) => (ns.clone(), "namespace"),
        (None, None) => (l.tenant.clone(), "module"),
    };
    json!({
        "logicalLocations": [{
            "name": name,
            "fullyQualifiedName": qualified_name(l),
            "kind": kind,
        }]
    })
}

fn message(c: &CheckResult) -> String {
    match &c.note {
        Some(note) => format!("{} ({note})", c.reason),
        None => c.reason.clone(),
    }
}

/// The SARIF 2.1.0 log of a `check` run. Strings are raw here: the caller
/// serializes it through the sanitizer (`output::serialize`).
pub fn sarif(out: &CheckOutput) -> Value {
    let rules: Vec<Value> = catalogue()
        .map(|spec| {
            let help = match spec.fix {
                Some(fix) => format!(
                    "{}. Reference: {}. Fixed by the built-in template {fix}: {}",
                    spec.title,
                    spec.anchor,
                    fix_command(fix, "TENANT")
                ),
                None => format!(
                    "{}. Reference: {}. No built-in template fixes it.",
                    spec.title, spec.anchor
                ),
            };
            let mut properties = json!({
                "tags": ["security", "multi-tenancy", "kubernetes"],
                "severity": spec.severity.as_str(),
                "anchor": spec.anchor,
            });
            if let Some(score) = security_severity(spec.severity) {
                properties["security-severity"] = json!(score);
            }
            if let Some(fix) = spec.fix {
                properties["fix-template"] = json!(fix);
            }
            json!({
                "id": spec.id,
                "name": spec.id,
                "shortDescription": { "text": spec.title },
                "fullDescription": { "text": spec.title },
                "help": { "text": help },
                "defaultConfiguration": { "level": sarif_level(spec.severity) },
                "properties": properties,
            })
        })
        .collect();
    let index: BTreeMap<&str, usize> = catalogue().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut results = Vec::new();
    for tenant in &out.tenants {
        for c in &tenant.checks {
            let (kind, level) = match c.outcome {
                Outcome::Pass => continue,
                Outcome::Fail => ("fail", sarif_level(c.severity)),
                Outcome::Unknown => ("review", "none"),
            };
            let mut properties = json!({
                "tenant": tenant.tenant,
                "context": out.context,
                "severity": c.severity.as_str(),
                "outcome": c.outcome.as_str(),
            });
            if let Some(fix) = c.fix {
                properties["fix"] = json!(fix_command(fix, &tenant.tenant));
            }
            let mut result = json!({
                "ruleId": c.id,
                "kind": kind,
                "level": level,
                "message": { "text": message(c) },
                "locations": c.locations.iter().map(sarif_location).collect::<Vec<_>>(),
                "properties": properties,
            });
            if let Some(i) = index.get(c.id) {
                result["ruleIndex"] = json!(i);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tenantry",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "automationDetails": { "id": format!("tenantry/check/{}/", out.context) },
            "results": results,
            "properties": {
                "context": out.context,
                "user": out.user,
                "fail-on": out.fail_on.as_str(),
                "strict": out.strict,
                "failed": out.failed,
            }
        }]
    })
}

/// The SARIF log of a fleet run: one run per cluster (each with its
/// context in `automationDetails` and `properties`).
pub fn sarif_fleet(outs: &[CheckOutput]) -> Value {
    let runs: Vec<Value> = outs
        .iter()
        .flat_map(|out| match sarif(out)["runs"].take() {
            Value::Array(runs) => runs,
            _ => Vec::new(),
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": runs,
    })
}

/// One value for XML text or an attribute: sanitized (no control
/// character survives, so XML 1.0's forbidden characters cannot occur),
/// U+FFFE and U+FFFF made visible too (also forbidden in XML 1.0), then
/// XML-escaped (`&`, `<`, `>`, both quotes: `]]>` cannot close anything).
pub fn xml_text(s: &str) -> String {
    let clean = sanitize(s);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The JUnit testsuite's name: the context and the tenant (a fleet run
/// has one testsuite per cluster and tenant).
pub fn suite_name(context: &str, tenant: &str) -> String {
    format!("{context}/{tenant}")
}

/// JUnit XML as Jenkins' xUnit schema (`junit-10.xsd`) has it.
pub fn junit(out: &CheckOutput) -> String {
    junit_fleet(std::slice::from_ref(out))
}

/// JUnit XML of a fleet run: one testsuite per cluster and tenant (named
/// `CONTEXT/TENANT`), in one `testsuites`.
pub fn junit_fleet(outs: &[CheckOutput]) -> String {
    let count = |t: &TenantChecks, o: Outcome| t.checks.iter().filter(|c| c.outcome == o).count();
    let suites = || {
        outs.iter()
            .flat_map(|out| out.tenants.iter().map(move |t| (out, t)))
    };
    let total: usize = suites().map(|(_, t)| t.checks.len()).sum();
    let failures: usize = suites().map(|(_, t)| count(t, Outcome::Fail)).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"tenantry check\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\" time=\"0\">"
    );
    for (id, (out, t)) in suites().enumerate() {
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" id=\"{id}\" package=\"tenantry\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0\">",
            xml_text(&suite_name(&out.context, &t.tenant)),
            t.checks.len(),
            count(t, Outcome::Fail),
            count(t, Outcome::Unknown),
        );
        x.push_str("    <properties>\n");
        for (name, value) in [
            ("context", out.context.as_str()),
            ("user", out.user.as_str()),
            ("tenant", t.tenant.as_str()),
            ("fail-on", out.fail_on.as_str()),
        ] {
            let _ = writeln!(
                x,
                "      <property name=\"{name}\" value=\"{}\"/>",
                xml_text(value)
            );
        }
        x.push_str("    </properties>\n");
        let classname = xml_text(&format!("tenantry.{}.{}", out.context, t.tenant));
        for c in &t.checks {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{classname}\" time=\"0\"",
                xml_text(c.id)
            );
            match c.outcome {
                Outcome::Pass => {
                    let _ = writeln!(x, "{open}/>");
                }
                Outcome::Fail => {
                    let mut body = message(c);
                    if let Some(fix) = c.fix {
                        let _ = write!(body, "\nfix: {}", fix_command(fix, &t.tenant));
                    }
                    for l in &c.locations {
                        let _ = write!(body, "\nat: {}", qualified_name(l));
                    }
                    let text: Vec<String> = body.lines().map(xml_text).collect();
                    let _ = writeln!(
                        x,
                        "{open}>\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        xml_text(&c.reason),
                        c.severity.as_str(),
                        text.join("\n")
                    );
                }
                Outcome::Unknown => {
                    let _ = writeln!(
                        x,
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                        xml_text(&format!("unknown: {}", message(c)))
                    );
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// A name fit for `metadata.name` (a DNS subdomain's characters, at most
/// 63), made from a name that came from the cluster.
pub fn dns_name(prefix: &str, s: &str) -> String {
    let mut out: String = format!("{prefix}{s}")
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-') => c,
            _ => '-',
        })
        .collect();
    out.truncate(63);
    out.trim_matches('-').to_string()
}

fn or_result(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Unknown => "skip",
    }
}

fn api_version_of(kind: &str) -> &'static str {
    match kind {
        "ClusterRoleBinding" | "ClusterRole" | "RoleBinding" | "Role" => {
            "rbac.authorization.k8s.io/v1"
        }
        "NetworkPolicy" => "networking.k8s.io/v1",
        _ => "v1",
    }
}

fn or_entry(context: &str, tenant: &str, c: &CheckResult, seconds: i64) -> Value {
    let mut properties = json!({
        "tenant": tenant,
        "context": context,
        "anchor": c.anchor,
    });
    if let Some(fix) = c.fix {
        properties["fix"] = json!(fix_command(fix, tenant));
    }
    if let Some(note) = &c.note {
        properties["note"] = json!(note);
    }
    let resources: Vec<Value> = c
        .locations
        .iter()
        .filter_map(|l| {
            let (kind, name) = (l.kind?, l.name.as_ref()?);
            let mut r = json!({ "apiVersion": api_version_of(kind), "kind": kind, "name": name });
            if let Some(ns) = &l.namespace {
                r["namespace"] = json!(ns);
            }
            Some(r)
        })
        .collect();
    let mut entry = json!({
        "source": SOURCE,
        "policy": c.id,
        "rule": c.id,
        "category": c.id.split('.').next().unwrap_or(c.id),
        "severity": c.severity.as_str(),
        "result": or_result(c.outcome),
        "scored": true,
        "message": c.reason,
        "timestamp": { "seconds": seconds, "nanos": 0 },
        "properties": properties,
    });
    if !resources.is_empty() {
        entry["resources"] = json!(resources);
    }
    entry
}

fn summary(results: &[Value]) -> Value {
    let n = |r: &str| results.iter().filter(|v| v["result"] == r).count();
    json!({ "pass": n("pass"), "fail": n("fail"), "warn": 0, "error": 0, "skip": n("skip") })
}

/// Whether a result belongs in `namespace`'s Report: a failure where it
/// was found, any other outcome in every namespace the check judged.
fn in_namespace(c: &CheckResult, namespace: &str) -> bool {
    !is_cluster_wide(c.id)
        && c.locations
            .iter()
            .any(|l| l.namespace.as_deref() == Some(namespace))
}

/// One unit of `--publish`: a Report in a namespace of a tenant, or a
/// tenant's ClusterReport (`namespace: None`).
#[derive(Debug, Clone)]
pub struct ReportObject {
    pub tenant: String,
    pub namespace: Option<String>,
    pub object: Value,
}

/// The Reports of a `check` run, per tenant: one per namespace, then the
/// ClusterReport of the cluster-wide checks. `seconds`: the results'
/// timestamp (Unix time). Every string is printable in YAML (what an
/// apply patch is decoded as), besides being sanitized on output.
pub fn openreports(out: &CheckOutput, seconds: i64) -> Vec<ReportObject> {
    let labels = json!({ "app.kubernetes.io/managed-by": "tenantry" });
    let mut objects = Vec::new();
    for t in &out.tenants {
        for ns in &t.namespaces {
            let results: Vec<Value> = t
                .checks
                .iter()
                .filter(|c| in_namespace(c, ns))
                .map(|c| or_entry(&out.context, &t.tenant, c, seconds))
                .collect();
            objects.push(ReportObject {
                tenant: t.tenant.clone(),
                namespace: Some(ns.clone()),
                object: json!({
                    "apiVersion": OPENREPORTS_API_VERSION,
                    "kind": "Report",
                    "metadata": { "name": REPORT_NAME, "namespace": ns, "labels": labels },
                    "scope": { "apiVersion": "v1", "kind": "Namespace", "name": ns },
                    "source": SOURCE,
                    "summary": summary(&results),
                    "results": results,
                }),
            });
        }
        let results: Vec<Value> = t
            .checks
            .iter()
            .filter(|c| is_cluster_wide(c.id))
            .map(|c| or_entry(&out.context, &t.tenant, c, seconds))
            .collect();
        objects.push(ReportObject {
            tenant: t.tenant.clone(),
            namespace: None,
            object: json!({
                "apiVersion": OPENREPORTS_API_VERSION,
                "kind": "ClusterReport",
                "metadata": { "name": dns_name("tenantry-", &t.tenant), "labels": labels },
                "source": SOURCE,
                "summary": summary(&results),
                "results": results,
            }),
        });
    }
    for o in &mut objects {
        printable(&mut o.object);
    }
    objects
}

/// Whether YAML (and so the API server's decoding of an apply patch)
/// refuses `c` where the sanitizer lets it through: the byte order mark
/// and the noncharacters U+FFFE, U+FFFF.
fn unprintable_in_yaml(c: char) -> bool {
    matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// Makes every string of `value` printable for YAML, the visible way the
/// sanitizer writes characters (`\u{fffe}`).
fn printable(value: &mut Value) {
    match value {
        Value::String(s) if s.chars().any(unprintable_in_yaml) => {
            let mut out = String::with_capacity(s.len() + 8);
            for c in s.chars() {
                if unprintable_in_yaml(c) {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                } else {
                    out.push(c);
                }
            }
            *s = out;
        }
        Value::Array(items) => items.iter_mut().for_each(printable),
        Value::Object(map) => map.values_mut().for_each(printable),
        _ => {}
    }
}

/// The Reports as a `v1` List (what `kubectl apply -f` takes).
pub fn openreports_list(objects: &[ReportObject]) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": objects.iter().map(|o| o.object.clone()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::{FindingCounts, spec};

    fn result(id: &'static str, outcome: Outcome, namespaces: &[&str]) -> CheckResult {
        let s = spec(id).expect("a catalogue check");
        CheckResult {
            id,
            severity: s.severity,
            outcome,
            reason: format!("{id} says <&]]>\u{1b}[31m\u{7}\"'"),
            note: None,
            anchor: s.anchor,
            fix: if outcome == Outcome::Pass {
                None
            } else {
                s.fix
            },
            locations: if namespaces.is_empty() {
                vec![Location {
                    tenant: "t".into(),
                    namespace: None,
                    kind: Some("ClusterRoleBinding"),
                    name: Some("crb".into()),
                }]
            } else {
                namespaces
                    .iter()
                    .map(|n| Location {
                        tenant: "t".into(),
                        namespace: Some(n.to_string()),
                        kind: None,
                        name: None,
                    })
                    .collect()
            },
        }
    }

    fn output(tenant: &str, namespaces: &[&str]) -> CheckOutput {
        CheckOutput {
            context: "ctx]]>&<".into(),
            user: "admin".into(),
            fail_on: Severity::High,
            strict: false,
            failed: true,
            tenants: vec![TenantChecks {
                tenant: tenant.into(),
                namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
                findings: FindingCounts::default(),
                unknown: 1,
                checks: vec![
                    result(
                        "netpol.default-deny-ingress",
                        Outcome::Fail,
                        &namespaces[..1],
                    ),
                    result("quota.compute", Outcome::Pass, namespaces),
                    result("psa.enforce", Outcome::Unknown, namespaces),
                    result("rbac.cluster-bindings", Outcome::Fail, &[]),
                ],
            }],
        }
    }

    #[test]
    fn severities_map_to_sarif_levels() {
        assert_eq!(sarif_level(Severity::Critical), "error");
        assert_eq!(sarif_level(Severity::Medium), "warning");
        assert_eq!(sarif_level(Severity::Info), "note");
        assert_eq!(security_severity(Severity::High), Some("8.0"));
        assert_eq!(security_severity(Severity::Info), None);
    }

    #[test]
    fn sarif_has_every_rule_and_a_result_per_failed_or_unknown_check() {
        let log = sarif(&output("acme", &["acme-dev", "acme-prod"]));
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), catalogue().count());
        let results = run["results"].as_array().expect("results");
        let kinds: Vec<(&str, &str, &str)> = results
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap_or(""),
                    r["kind"].as_str().unwrap_or(""),
                    r["level"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("netpol.default-deny-ingress", "fail", "error"),
                ("psa.enforce", "review", "none"),
                ("rbac.cluster-bindings", "fail", "error"),
            ]
        );
        assert_eq!(
            results[0]["properties"]["fix"],
            "tenantry apply netpol-default-deny --tenant acme"
        );
        assert_eq!(
            results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "tenant/t/namespace/acme-dev"
        );
        assert_eq!(
            results[2]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "tenant/t/cluster/ClusterRoleBinding/crb"
        );
        // Rule indexes point at the rule of the result.
        for r in results {
            let i = r["ruleIndex"].as_u64().expect("index") as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
    }

    #[test]
    fn a_fleet_is_one_suite_and_one_run_per_cluster() {
        let mut a = output("acme", &["acme-dev"]);
        a.context = "a".into();
        let mut b = output("acme", &["acme-dev"]);
        b.context = "b".into();
        let x = junit_fleet(&[a, b]);
        let doc = roxmltree::Document::parse(&x).expect("well-formed XML");
        let suites: Vec<(&str, &str)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .map(|n| {
                (
                    n.attribute("name").unwrap_or(""),
                    n.attribute("id").unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(suites, [("a/acme", "0"), ("b/acme", "1")]);
        assert!(x.contains("tests=\"8\" failures=\"4\""), "{x}");
        let mut a = output("acme", &["acme-dev"]);
        a.context = "a".into();
        let mut b = output("acme", &["acme-dev"]);
        b.context = "b".into();
        let log = sarif_fleet(&[a, b]);
        let contexts: Vec<&str> = log["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .map(|run| run["properties"]["context"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(contexts, ["a", "b"]);
        assert_eq!(log["version"], "2.1.0");
    }

    #[test]
    fn xml_text_escapes_markup_and_makes_controls_visible() {
        assert_eq!(
            xml_text("a]]><b>&\"'\u{1b}\u{0}\u{fffe}\n"),
            "a]]&gt;&lt;b&gt;&amp;&quot;&apos;\\u{1b}\\u{0}\\u{fffe}\\u{a}"
        );
    }

    #[test]
    fn junit_is_one_suite_per_tenant_and_a_case_per_check() {
        let x = junit(&output("acme<&", &["acme-dev"]));
        assert!(
            x.contains("<testsuite name=\"ctx]]&gt;&amp;&lt;/acme&lt;&amp;\""),
            "{x}"
        );
        assert_eq!(x.matches("<testcase ").count(), 4);
        assert_eq!(x.matches("<failure ").count(), 2);
        assert_eq!(x.matches("<skipped ").count(), 1);
        assert!(!x.contains('\u{1b}') && !x.contains('\u{7}'));
        assert!(x.contains("fix: tenantry apply netpol-default-deny --tenant acme&lt;&amp;"));
        // Every character is an XML 1.0 Char, and a parser reads the
        // hostile texts back as the sanitized data they are.
        assert!(x.chars().all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)));
        let doc = roxmltree::Document::parse(&x).expect("well-formed XML");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .expect("a failure");
        assert_eq!(
            failure.attribute("message"),
            Some("netpol.default-deny-ingress says <&]]>\\u{1b}[31m\\u{7}\"'")
        );
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .expect("a testsuite");
        assert_eq!(suite.attribute("name"), Some("ctx]]>&</acme<&"));
    }

    #[test]
    fn openreports_puts_failures_where_they_were_found() {
        let objects = openreports(&output("acme", &["acme-dev", "acme-prod"]), 7);
        let names: Vec<(Option<&str>, &str)> = objects
            .iter()
            .map(|o| {
                (
                    o.namespace.as_deref(),
                    o.object["kind"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                (Some("acme-dev"), "Report"),
                (Some("acme-prod"), "Report"),
                (None, "ClusterReport")
            ]
        );
        let policies = |i: usize| -> Vec<(String, String)> {
            objects[i].object["results"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .map(|v| {
                            (
                                v["policy"].as_str().unwrap_or("").to_string(),
                                v["result"].as_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            policies(0),
            vec![
                p("netpol.default-deny-ingress", "fail"),
                p("quota.compute", "pass"),
                p("psa.enforce", "skip")
            ]
        );
        assert_eq!(
            policies(1),
            vec![p("quota.compute", "pass"), p("psa.enforce", "skip")]
        );
        assert_eq!(policies(2), vec![p("rbac.cluster-bindings", "fail")]);
        assert_eq!(objects[0].object["summary"]["fail"], 1);
        assert_eq!(objects[2].object["metadata"]["name"], "tenantry-acme");
        assert_eq!(
            objects[2].object["results"][0]["resources"][0]["apiVersion"],
            "rbac.authorization.k8s.io/v1"
        );
    }

    #[test]
    fn reports_carry_no_character_yaml_refuses() {
        let mut out = output("acme", &["acme-dev"]);
        out.tenants[0].checks[0].reason = "a\u{fffe}b\u{feff}c\u{ffff}".into();
        let objects = openreports(&out, 0);
        assert_eq!(
            objects[0].object["results"][0]["message"],
            "a\\u{fffe}b\\u{feff}c\\u{ffff}"
        );
    }

    #[test]
    fn dns_names_from_hostile_tenants_stay_names() {
        assert_eq!(
            dns_name("tenantry-", "Acme_Corp/../x"),
            "tenantry-acme-corp----x"
        );
        assert_eq!(dns_name("tenantry-", &"a".repeat(100)).len(), 63);
    }
}
