//! Seeing as another subject sees (`--as`, `--as-group`, by impersonation)
//! and the guardrails per context (`config.yaml` `contexts:`), against the
//! sandbox's RBAC: admin may impersonate anyone (system:masters), alice
//! and bob may not.

use crate::common::{self, audit_path, cluster, setup, tenantry, tenantry_in, unique_name};
use serde_json::{Value, json};
use tenantry::sandbox::Persona;

/// `tenants -o json` without the context's name (the admin's kubeconfig
/// names another context than alice's).
fn tenants_json(run: &common::Run) -> Value {
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let mut value: Value = serde_json::from_str(&run.stdout).expect("tenants JSON");
    let object = value.as_object_mut().expect("an object");
    object.remove("context");
    // Where the namespace names came from differs by design: alice's
    // context names hers, the admin names it with -n.
    object.remove("namespace_origins");
    value
}

#[test]
fn admin_as_alice_sees_what_alice_sees_no_access_marks_included() {
    let audit = audit_path(&unique_name("as-alice"));
    // alice's kubeconfig context names her namespace; the admin names it
    // with -n, as alice could.
    let own = tenantry(Persona::Alice, &audit, &["tenants", "-o", "json"]);
    let as_alice = tenantry(
        Persona::Admin,
        &audit,
        &["tenants", "-o", "json", "--as", "alice", "-n", "acme-dev"],
    );
    let (own, as_alice) = (tenants_json(&own), tenants_json(&as_alice));
    assert_eq!(own["user"], "alice", "{own}");
    assert!(
        !own["no_access"].as_array().expect("no_access").is_empty(),
        "alice cannot read everything: {own}"
    );
    assert_eq!(as_alice, own);

    // And not what the admin sees: the test can fail.
    let admin = tenants_json(&tenantry(
        Persona::Admin,
        &audit,
        &["tenants", "-o", "json"],
    ));
    assert_ne!(admin["no_access"], own["no_access"]);

    let own_bob = tenants_json(&tenantry(Persona::Bob, &audit, &["tenants", "-o", "json"]));
    let as_bob = tenants_json(&tenantry(
        Persona::Admin,
        &audit,
        &["tenants", "-o", "json", "--as", "bob"],
    ));
    assert_eq!(as_bob["no_access"], own_bob["no_access"]);
    assert_eq!(as_bob["tenants"], own_bob["tenants"]);
    assert_eq!(as_bob["user"], "bob");
}

#[test]
fn as_without_the_right_to_impersonate_names_the_missing_rule_and_exits_2() {
    let audit = audit_path(&unique_name("as-refused"));
    let run = tenantry(
        Persona::Alice,
        &audit,
        &["tenants", "--as", "bob", "--as-group", "ops"],
    );
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    for needed in [
        "verb `impersonate` on users \"bob\" in API group \"\"",
        "verb `impersonate` on groups \"ops\" in API group \"\"",
        "nothing else was sent",
    ] {
        assert!(run.stderr.contains(needed), "{needed}: {}", run.stderr);
    }

    let run = tenantry(Persona::Admin, &audit, &["tenants", "--as-group", "ops"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("--as-group needs --as"),
        "{}",
        run.stderr
    );
}

fn config_dir(yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("config dir");
    std::fs::write(dir.path().join("config.yaml"), yaml).expect("config.yaml");
    dir
}

#[tokio::test]
async fn a_readonly_context_refuses_writes_in_the_write_path() {
    let (tenant, _ns) = setup::owned_tenant("guardro", json!([setup::user("zoe")]), true).await;
    let audit = audit_path(&tenant);
    let config = config_dir("contexts:\n  \"*\": {readonly: true}\n");
    for args in [
        vec!["apply", "netpol-default-deny", "--tenant", tenant.as_str()],
        vec![
            "apply",
            "netpol-default-deny",
            "--tenant",
            tenant.as_str(),
            "--dry-run",
        ],
        vec!["quota", "set", tenant.as_str(), "pods=7"],
    ] {
        let run = tenantry_in(config.path(), Persona::Admin, &audit, &args);
        assert_eq!(run.code, Some(2), "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains("is read-only (config.yaml contexts: \"*\")"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let lines = common::audit_lines(&audit);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines.iter().all(|l| l["result"] == "refused"), "{lines:?}");
    // Another context's guard does not apply.
    let other = config_dir("contexts:\n  \"prod-*\": {readonly: true}\n");
    let run = tenantry_in(
        other.path(),
        Persona::Admin,
        &audit,
        &[
            "apply",
            "netpol-default-deny",
            "--tenant",
            tenant.as_str(),
            "--dry-run",
        ],
    );
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}

#[tokio::test]
async fn a_type_name_context_needs_the_tenants_name_typed() {
    let (tenant, ns) = setup::owned_tenant("guardtn", json!([setup::user("zoe")]), true).await;
    let audit = audit_path(&tenant);
    let config = config_dir("contexts:\n  \"*\": {confirm: type-name}\n");
    let apply = |extra: &[&str]| {
        let mut args = vec!["apply", "netpol-default-deny", "--tenant", tenant.as_str()];
        args.extend_from_slice(extra);
        tenantry_in(config.path(), Persona::Admin, &audit, &args)
    };
    let run = apply(&[]);
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("add --confirm {tenant}")),
        "{}",
        run.stderr
    );
    let run = apply(&["--confirm", "acme"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("names another tenant"),
        "{}",
        run.stderr
    );
    assert_eq!(policy_count(&ns).await, 0, "nothing was written");
    // A dry run writes nothing and needs no name.
    assert_eq!(apply(&["--dry-run"]).code, Some(0));
    let run = apply(&["--confirm", &tenant]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(policy_count(&ns).await > 0, "written once confirmed");
}

async fn policy_count(ns: &str) -> usize {
    let admin = cluster().client(Persona::Admin).await;
    kube::Api::<k8s_openapi::api::networking::v1::NetworkPolicy>::namespaced(admin, ns)
        .list(&Default::default())
        .await
        .expect("listing")
        .items
        .len()
}

/// Refused impersonation sends nothing but the access reviews that ask:
/// counted in the API server's audit log of the audited sandbox (one
/// tenantry at a time there, as in `readonly`).
#[test]
fn a_refused_as_sends_only_the_access_reviews_that_ask() {
    use std::path::Path;
    use tenantry::sandbox::audit::{self, AuditEvent};

    let private = common::private(common::Isolation::Audited);
    let _one = private.serial();
    let dir = &private.cluster().dir;
    let since = audit::log_end(dir).expect("the sandbox API server's audit log");
    let run = private.cluster().tenantry(
        Path::new("/nonexistent-tenantry-config"),
        Persona::Alice,
        &audit_path(&unique_name("as-counted")),
        &["tenants", "--as", "bob"],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let events: Vec<AuditEvent> = audit::events_since(dir, since)
        .expect("reading the audit log")
        .into_iter()
        .filter(|e| e.user_agent.starts_with("tenantry/") && e.user.username == "alice")
        .collect();
    assert!(!events.is_empty(), "the count sees alice's reviews");
    let others: Vec<String> = events
        .iter()
        .filter(|e| {
            !(e.verb == "create"
                && e.object_ref
                    .as_ref()
                    .is_some_and(|o| o.resource == "selfsubjectaccessreviews"))
        })
        .map(AuditEvent::describe)
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

/// A write under `--as` is the impersonated subject's: it goes through
/// when the subject may (zoe owns the tenant) and not when the subject
/// cannot (bob, who does not even see it), as with kubectl; the audit log
/// names the subject acted as and the kubeconfig user who acted.
#[tokio::test]
async fn a_write_under_as_is_the_subjects_and_the_audit_log_names_both() {
    let (tenant, ns) = setup::owned_tenant("aswrite", json!([setup::user("zoe")]), true).await;
    let audit = audit_path(&tenant);
    let apply = |user: &str| {
        tenantry(
            Persona::Admin,
            &audit,
            &[
                "apply",
                "netpol-default-deny",
                "--tenant",
                tenant.as_str(),
                "-n",
                ns.as_str(),
                "--as",
                user,
            ],
        )
    };
    let run = apply("bob");
    assert_ne!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    // Bob cannot even see the tenant: refused before anything is written.
    assert!(run.stderr.contains("is visible"), "{}", run.stderr);
    assert_eq!(policy_count(&ns).await, 0, "bob may not write there");
    let run = apply("zoe");
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(policy_count(&ns).await > 0, "written as zoe");
    let lines = common::audit_lines(&audit);
    let applied: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["result"] == "applied").collect();
    assert!(!applied.is_empty(), "{lines:?}");
    for line in &applied {
        let user = line["user"].as_str().unwrap_or_default();
        assert!(
            user.starts_with("zoe (kubeconfig user ") && user.ends_with(", impersonating)"),
            "{line}"
        );
    }
}
