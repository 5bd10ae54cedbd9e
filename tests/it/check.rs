//! `tenantry check` on the demo tenants: the expected result of every check
//! for every demo tenant is written down here, and must be reproduced
//! exactly against the real control plane. (No test changes a demo
//! tenant: the others work in tenants of their own.)

use crate::common;

use std::collections::BTreeMap;

use common::tenantry_cmd;
use serde_json::Value;
use tenantry::sandbox::Persona;

/// The tenants of the demo seed. The shared sandbox also holds the other
/// tests' tenants, which come and go: `check` is run on these by name.
const DEMO_TENANTS: [&str; 5] = ["acme", "globex", "hooli", "initech", "umbrella"];

const CHECKS: [&str; 22] = [
    "netpol.default-deny-ingress",
    "netpol.default-deny-egress",
    "netpol.cross-tenant",
    "quota.compute",
    "quota.objects",
    "quota.pressure",
    "limitrange.defaults",
    "psa.enforce",
    "psa.version-pinned",
    "qos.best-effort",
    "qos.missing-requests",
    "rbac.owner-present",
    "rbac.cluster-bindings",
    "rbac.foreign-subjects",
    "rbac.escalation",
    "rbac.public-subjects",
    "rbac.quota-immutable",
    "admission.privileged",
    "admission.host-namespaces",
    "sched.priority-class",
    "sched.node-isolation",
    "secrets.encryption-at-rest",
];

/// The expected findings table: per tenant, every check that does not pass
/// (`fail` or `unknown`); every other check must pass, and a pass names what
/// proved it (absence of a policy, a label or a readable object never
/// passes). The same table, with the probes answering as here, is in
/// `model::checks::tests::demo_tenants_expected_findings`.
fn expected() -> BTreeMap<&'static str, BTreeMap<&'static str, &'static str>> {
    let table: [(&str, &[(&str, &str)]); 5] = [
        (
            "acme",
            &[
                // No pod sets a node selector: no dedicated nodes to check.
                ("sched.node-isolation", "unknown"),
                ("secrets.encryption-at-rest", "unknown"),
            ],
        ),
        (
            "globex",
            &[
                ("netpol.default-deny-egress", "fail"),
                ("netpol.cross-tenant", "fail"),
                ("quota.objects", "fail"),
                ("quota.pressure", "fail"),
                ("limitrange.defaults", "fail"),
                ("psa.version-pinned", "fail"),
                ("sched.node-isolation", "unknown"),
                ("secrets.encryption-at-rest", "unknown"),
            ],
        ),
        (
            "hooli",
            &[
                ("netpol.default-deny-egress", "fail"),
                ("quota.compute", "fail"),
                ("quota.objects", "fail"),
                // hooli-mail and hooli-search have no quota to measure.
                ("quota.pressure", "unknown"),
                ("limitrange.defaults", "fail"),
                ("psa.enforce", "fail"),
                ("qos.best-effort", "fail"),
                ("qos.missing-requests", "fail"),
                ("rbac.owner-present", "fail"),
                // hooli-mail has no owner binding, so the owner's probes are
                // refused by RBAC there: that proves nothing about admission.
                ("admission.privileged", "unknown"),
                ("admission.host-namespaces", "unknown"),
                ("sched.priority-class", "fail"),
                ("sched.node-isolation", "fail"),
                ("secrets.encryption-at-rest", "unknown"),
            ],
        ),
        (
            "initech",
            &[
                ("netpol.default-deny-ingress", "fail"),
                ("netpol.default-deny-egress", "fail"),
                // No policy selects its pods: every namespace reaches them.
                ("netpol.cross-tenant", "fail"),
                ("quota.compute", "fail"),
                ("quota.objects", "fail"),
                ("quota.pressure", "unknown"),
                ("limitrange.defaults", "fail"),
                // No label, and the probes proved privileged pods admitted.
                ("psa.enforce", "fail"),
                ("psa.version-pinned", "unknown"),
                ("qos.best-effort", "fail"),
                ("qos.missing-requests", "fail"),
                ("rbac.cluster-bindings", "fail"),
                ("rbac.escalation", "fail"),
                ("rbac.quota-immutable", "fail"),
                ("admission.privileged", "fail"),
                ("admission.host-namespaces", "fail"),
                ("sched.node-isolation", "unknown"),
                ("secrets.encryption-at-rest", "unknown"),
            ],
        ),
        (
            "umbrella",
            &[
                ("netpol.default-deny-egress", "fail"),
                ("quota.compute", "fail"),
                ("quota.objects", "fail"),
                ("limitrange.defaults", "fail"),
                ("qos.best-effort", "fail"),
                ("qos.missing-requests", "fail"),
                ("rbac.foreign-subjects", "fail"),
                ("sched.node-isolation", "unknown"),
                ("secrets.encryption-at-rest", "unknown"),
            ],
        ),
    ];
    table
        .into_iter()
        .map(|(tenant, rows)| {
            let mut outcomes: BTreeMap<&str, &str> = CHECKS.iter().map(|c| (*c, "pass")).collect();
            for (check, outcome) in rows {
                outcomes.insert(check, outcome);
            }
            (tenant, outcomes)
        })
        .collect()
}

/// (check, the case that fails it, passes it, leaves it unknown).
type Cases = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// Per check, the sandbox case that fails it, the one that passes it and
/// the one that leaves it unknown: a demo tenant checked by the admin, or
/// `alice` (acme checked by alice from acme-prod), or `bob` (a tenant of
/// his own where he may read only pods, named in his config.yaml, see
/// the `check_mutations` module). `None`: the sandbox has no such case (the
/// unit tests in `model::checks` cover it with an inventory lacking that
/// access, or the check never has that outcome).
const CASES: [Cases; 22] = [
    (
        "netpol.default-deny-ingress",
        Some("initech"),
        Some("acme"),
        Some("bob"),
    ),
    (
        "netpol.default-deny-egress",
        Some("globex"),
        Some("acme"),
        Some("bob"),
    ),
    (
        "netpol.cross-tenant",
        Some("initech"),
        Some("acme"),
        Some("bob"),
    ),
    ("quota.compute", Some("initech"), Some("acme"), Some("bob")),
    ("quota.objects", Some("initech"), Some("acme"), Some("bob")),
    (
        "quota.pressure",
        Some("globex"),
        Some("acme"),
        Some("initech"),
    ),
    (
        "limitrange.defaults",
        Some("initech"),
        Some("acme"),
        Some("bob"),
    ),
    ("psa.enforce", Some("initech"), Some("acme"), Some("bob")),
    (
        "psa.version-pinned",
        Some("globex"),
        Some("acme"),
        Some("initech"),
    ),
    ("qos.best-effort", Some("initech"), Some("acme"), None),
    ("qos.missing-requests", Some("initech"), Some("acme"), None),
    (
        "rbac.owner-present",
        Some("hooli"),
        Some("acme"),
        Some("bob"),
    ),
    (
        "rbac.cluster-bindings",
        Some("initech"),
        Some("acme"),
        Some("alice"),
    ),
    (
        "rbac.foreign-subjects",
        Some("umbrella"),
        Some("acme"),
        Some("bob"),
    ),
    (
        "rbac.escalation",
        Some("initech"),
        Some("acme"),
        Some("alice"),
    ),
    // No demo tenant binds a public group; the `templates` module binds one and
    // sees the check fail against the real API server.
    ("rbac.public-subjects", None, Some("acme"), Some("bob")),
    (
        "rbac.quota-immutable",
        Some("initech"),
        Some("acme"),
        Some("bob"),
    ),
    (
        "admission.privileged",
        Some("initech"),
        Some("acme"),
        Some("hooli"),
    ),
    (
        "admission.host-namespaces",
        Some("initech"),
        Some("acme"),
        Some("hooli"),
    ),
    ("sched.priority-class", Some("hooli"), Some("acme"), None),
    ("sched.node-isolation", Some("hooli"), None, Some("acme")),
    ("secrets.encryption-at-rest", None, None, Some("acme")),
];

fn outcomes(report: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| {
            let checks = t["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .map(|c| {
                    (
                        c["id"].as_str().expect("id").to_string(),
                        c["outcome"].as_str().expect("outcome").to_string(),
                    )
                })
                .collect();
            (t["tenant"].as_str().expect("tenant").to_string(), checks)
        })
        .collect()
}

#[test]
fn check_reproduces_the_expected_findings_table_exactly() {
    let out = tenantry_cmd(Persona::Admin)
        .args(["check", "-o", "json"])
        .args(DEMO_TENANTS)
        .output()
        .expect("running check");
    assert_eq!(out.status.code(), Some(1), "findings at high fail the run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let actual = outcomes(&report);
    let expected = expected();
    let mut differences = Vec::new();
    for (tenant, checks) in &expected {
        let Some(got) = actual.get(*tenant) else {
            differences.push(format!("{tenant}: missing from the report"));
            continue;
        };
        assert_eq!(
            got.len(),
            CHECKS.len(),
            "{tenant} has every check once: {got:?}"
        );
        for (check, want) in checks {
            let have = got.get(*check).map(String::as_str).unwrap_or("missing");
            if have != *want {
                differences.push(format!("{tenant} {check}: expected {want}, got {have}"));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(report["fail_on"], "high");
    assert_eq!(report["failed"], true);
    // What proved initech's failures, as the sandbox answered.
    let initech = report["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .find(|t| t["tenant"] == "initech")
        .expect("initech");
    let reason = |id: &str| {
        initech["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .and_then(|c| c["reason"].as_str())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        reason("netpol.cross-tenant"),
        "initech-app has no ingress NetworkPolicy: its 4 pods (batch-0, batch-1, batch-2, legacy) admit ingress from every namespace"
    );
    let psa = reason("psa.enforce");
    assert!(
        psa.starts_with(
            "a privileged pod was admitted (server-side dry-run as the owner: privileged in initech-app); "
        ) && psa.ends_with("; initech-app has no enforce label"),
        "{psa}"
    );
    // Every failure names a reason and, where one exists, the template.
    for tenant in report["tenants"].as_array().expect("tenants") {
        for c in tenant["checks"].as_array().expect("checks") {
            assert!(!c["reason"].as_str().unwrap_or("").is_empty(), "{c}");
            if c["outcome"] == "fail" && c["id"] == "netpol.default-deny-ingress" {
                assert_eq!(c["fix"], "netpol-default-deny", "{c}");
            }
        }
    }
}

fn report(persona: Persona, args: &[&str]) -> Value {
    let out = tenantry_cmd(persona)
        .args(args)
        .output()
        .expect("running check");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn every_check_fails_passes_and_is_unknown_where_written_down() {
    assert_eq!(
        CASES.map(|c| c.0),
        CHECKS,
        "one row per check, in catalogue order"
    );
    let admin = outcomes(&report(
        Persona::Admin,
        &[&["check", "-o", "json"][..], &DEMO_TENANTS[..]].concat(),
    ));
    let alice = outcomes(&report(
        Persona::Alice,
        &["check", "acme", "-n", "acme-prod", "-o", "json"],
    ));
    let mut differences = Vec::new();
    for (check, fail, pass, unknown) in CASES {
        for (case, want) in [(fail, "fail"), (pass, "pass"), (unknown, "unknown")] {
            let got = match case {
                // bob's cases run in the `check_mutations` module, in
                // namespaces of their own.
                None | Some("bob") => continue,
                Some("alice") => alice.get("acme"),
                Some(tenant) => admin.get(tenant),
            }
            .and_then(|checks| checks.get(check))
            .map(String::as_str);
            if got != Some(want) {
                differences.push(format!("{check} in {case:?}: expected {want}, got {got:?}"));
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn acme_passes_at_high_and_the_exit_code_follows_the_threshold() {
    let ok = tenantry_cmd(Persona::Admin)
        .args(["check", "acme", "--fail-on", "critical"])
        .output()
        .expect("check");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("passed at --fail-on critical"), "{text}");
    // The one unknown (encryption at rest) fails only with --strict.
    let strict = tenantry_cmd(Persona::Admin)
        .args(["check", "acme", "--fail-on", "info", "--strict"])
        .output()
        .expect("check");
    assert_eq!(strict.status.code(), Some(1));
    let bad = tenantry_cmd(Persona::Admin)
        .args(["check", "acme", "--fail-on", "severe"])
        .output()
        .expect("check");
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a bad threshold is a usage error"
    );
    let missing = tenantry_cmd(Persona::Admin)
        .args(["check", "nosuchtenant"])
        .output()
        .expect("check");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no tenant \"nosuchtenant\""));
}

#[test]
fn alice_checks_her_tenant_with_unknown_where_the_cluster_hides_things() {
    let out = tenantry_cmd(Persona::Alice)
        .args([
            "check",
            "acme",
            "-n",
            "acme-prod",
            "-o",
            "json",
            "--fail-on",
            "high",
        ])
        .output()
        .expect("check");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let acme = &report["tenants"][0];
    let by_id = |id: &str| {
        acme["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    let cluster_bindings = by_id("rbac.cluster-bindings");
    assert_eq!(cluster_bindings["outcome"], "unknown");
    assert!(
        cluster_bindings["reason"]
            .as_str()
            .unwrap_or("")
            .contains("cannot list clusterrolebindings"),
        "{cluster_bindings}"
    );
    // Her RoleBinding's `admin` role lets her get her own namespaces (the
    // API server authorizes a namespace's GET in that namespace), so she
    // reads their Pod Security labels, and her privileged probe was
    // refused as well. (Labels she cannot read, with the probe as the only
    // evidence, are covered in model/checks/psa.rs.)
    let psa = by_id("psa.enforce");
    assert_eq!(psa["outcome"], "pass", "{psa}");
    let reason = psa["reason"].as_str().unwrap_or("");
    assert!(
        reason.starts_with(
            "every namespace enforces baseline or stricter by label (acme-dev restricted, acme-prod restricted)"
        ) && reason.contains("Pod Security refused a privileged pod"),
        "{psa}"
    );
    assert_eq!(by_id("psa.version-pinned")["outcome"], "pass");
    // Her own probes run as herself: Pod Security refuses them.
    assert_eq!(by_id("admission.privileged")["outcome"], "pass");
    assert_eq!(by_id("netpol.default-deny-ingress")["outcome"], "pass");
    // Unknowns are not findings: nothing at high fails.
    assert_eq!(out.status.code(), Some(0), "{report:#}");
}

#[test]
fn bob_is_told_nothing_is_visible_and_exits_2() {
    let out = tenantry_cmd(Persona::Bob)
        .args(["check"])
        .output()
        .expect("check");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing visible"), "{err}");
}

#[test]
fn an_open_namespace_is_cross_tenant_exposure_in_the_report() {
    let out = tenantry_cmd(Persona::Admin)
        .args(["report", "initech", "-o", "json"])
        .output()
        .expect("report");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let open = report["network"]["unselected"]
        .as_array()
        .expect("unselected");
    let ingress = open
        .iter()
        .find(|u| u["direction"] == "ingress")
        .unwrap_or_else(|| panic!("ingress exposure: {open:#?}"));
    assert_eq!(ingress["namespace"], "initech-app");
    assert_eq!(ingress["no_policy"], true);
    assert_eq!(
        ingress["pods"],
        serde_json::json!(["batch-0", "batch-1", "batch-2", "legacy"])
    );
    let text = tenantry_cmd(Persona::Admin)
        .args(["report", "initech"])
        .output()
        .expect("report");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("cross-tenant: initech-app has no ingress NetworkPolicy: its 4 pods"),
        "{text}"
    );
}

#[test]
fn report_has_policy_rbac_and_network_sections() {
    let out = tenantry_cmd(Persona::Admin)
        .args(["report", "globex", "-o", "json"])
        .output()
        .expect("report");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cross = report["policy"]
        .as_array()
        .expect("policy")
        .iter()
        .find(|c| c["id"] == "netpol.cross-tenant")
        .expect("netpol.cross-tenant");
    assert_eq!(cross["outcome"], "fail");
    let allows = report["network"]["cross_tenant"]
        .as_array()
        .expect("cross_tenant");
    assert!(
        allows.iter().any(|a| a["policy"] == "allow-from-anywhere"),
        "{allows:#?}"
    );
    let rows = report["rbac"]["bindings"]["rows"].as_array().expect("rows");
    assert!(
        rows.iter().any(|r| r["subject"]["name"] == "carol"),
        "{rows:#?}"
    );
    assert_eq!(report["rbac"]["personas"]["namespace_admin"], 1);
    let table = tenantry_cmd(Persona::Admin)
        .args(["report", "globex"])
        .output()
        .expect("report");
    let text = String::from_utf8_lossy(&table.stdout);
    for section in ["QUOTA", "QOS", "POLICY", "RBAC:", "NETWORK"] {
        assert!(text.contains(section), "{section} missing:\n{text}");
    }
}
