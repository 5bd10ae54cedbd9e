//! The hardening guarantees of ARCHITECTURE.md §10, against the real API server:
//! every output is inert, credentials never leave, the audit log can be
//! trusted.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{cluster, object, setup};
use k8s_openapi::api::core::v1::ResourceQuota;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, PostParams};
use serde_json::json;
use tenantry::sandbox::Persona;

/// What the sanitizer must never let through (its own list is wider).
fn is_live(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{9}' | '\u{b}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

fn assert_inert(what: &str, text: &str) {
    if let Some((i, c)) = text.char_indices().find(|(_, c)| is_live(*c)) {
        panic!(
            "{what}: live {c:?} at byte {i}: {:?}",
            &text[i.saturating_sub(40)..(i + 40).min(text.len())]
        );
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs tenantry with its state (log) in `state` and the audit log at
/// `audit`; raw bytes are kept (lossy UTF-8 keeps control characters).
fn run(kubeconfig: &Path, state: &Path, audit: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = assert_cmd::Command::cargo_bin("tenantry").expect("binary");
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env("TENANTRY_CONFIG_DIR", "/nonexistent-tenantry-config")
        .env("TENANTRY_STATE_DIR", state)
        .env("TENANTRY_AUDIT_LOG", audit)
        .env("NO_COLOR", "1")
        .env_remove("TENANTRY_LOG");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("running tenantry");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const EVIL_USER: &str =
    "\u{1b}[31mmallory\u{1b}]0;pwned\u{7}\u{202e}txt.exe\u{2028}FAKE\u{85}\u{9b}1m";

#[tokio::test]
async fn cluster_strings_with_escapes_reach_no_output_raw() {
    let (tenant, ns) = setup::tenant_namespace("inert").await;
    let admin = cluster().client(Persona::Admin).await;
    // Names cannot carry escapes; subjects, annotations and rule texts can.
    let binding: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {
            "name": "owner",
            "namespace": ns,
            "annotations": {"note": "\u{1b}[2J\u{2066}cleared"}
        },
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": EVIL_USER},
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "ops\u{202d}\u{7f}\u{2029}"}
        ]
    }));
    Api::<RoleBinding>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &binding)
        .await
        .expect("the binding with hostile subjects");

    let temp = tempfile::tempdir().expect("tempdir");
    let audit = temp.path().join("audit.jsonl");
    let kubeconfig = cluster().kubeconfig(Persona::Admin);
    let mut seen_visible = false;
    for args in [
        vec!["report", tenant.as_str()],
        vec!["tenants"],
        vec!["check", tenant.as_str(), "--fail-on", "critical"],
    ] {
        for format in ["table", "json", "yaml"] {
            let args = [&args[..], &["-o", format]].concat();
            let out = run(&kubeconfig, temp.path(), &audit, &[], &args);
            assert!(
                matches!(out.code, Some(0) | Some(1)),
                "{args:?}: {}{}",
                out.stdout,
                out.stderr
            );
            assert_inert(&format!("{args:?} stdout"), &out.stdout.replace('\n', ""));
            assert_inert(&format!("{args:?} stderr"), &out.stderr.replace('\n', ""));
            if format == "json" {
                let value: serde_json::Value = serde_json::from_str(&out.stdout)
                    .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", out.stdout));
                // Decoded, the values carry the visible form, no control.
                assert_inert(&format!("{args:?} decoded"), &value.to_string());
            }
            if format == "yaml" {
                let value: serde_json::Value = serde_saphyr::from_str(&out.stdout)
                    .unwrap_or_else(|e| panic!("{args:?}: not YAML ({e}): {}", out.stdout));
                assert_inert(&format!("{args:?} decoded"), &value.to_string());
            }
            if args[0] == "report" {
                // The subject is there, visibly: sanitized, not dropped.
                let visible = if format == "json" {
                    "\\\\u{1b}[31mmallory"
                } else if format == "yaml" {
                    "mallory"
                } else {
                    "\\u{1b}[31mmallory"
                };
                assert!(
                    out.stdout.contains(visible),
                    "{args:?}: {visible} missing from {}",
                    out.stdout
                );
                seen_visible = true;
            }
        }
    }
    assert!(seen_visible);
    let report = run(
        &kubeconfig,
        temp.path(),
        &audit,
        &[],
        &["report", &tenant, "-o", "json"],
    );
    let value: serde_json::Value = serde_json::from_str(&report.stdout).expect("json");
    let text = value.to_string();
    assert!(
        text.contains("\\\\u{202e}txt.exe\\\\u{2028}FAKE"),
        "the bidi override and the separator are shown as code points: {text}"
    );
}

#[tokio::test]
async fn a_server_warning_is_relayed_inert() {
    let (tenant, ns) = setup::tenant_namespace("warn").await;
    let admin = cluster().client(Persona::Admin).await;
    let quota: ResourceQuota = object(json!({
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {
            "name": "tenant-quota",
            "namespace": ns,
            "annotations": {"note": "\u{202e}desrever\u{2028}next line"}
        },
        "spec": {"hard": {"pods": "10"}}
    }));
    Api::<ResourceQuota>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &quota)
        .await
        .expect("quota");
    // An admission policy that warns, quoting the object's annotation.
    let policy = format!("{tenant}-warn");
    let policy_object: kube::core::DynamicObject = object(json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": policy},
        "spec": {
            "matchConstraints": {
                "resourceRules": [{
                    "apiGroups": [""], "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"], "resources": ["resourcequotas"]
                }],
                "namespaceSelector": {"matchLabels": {"tenantry.dev/tenant": tenant}}
            },
            "validations": [{
                "expression": "false",
                "messageExpression": "'quota note: ' + object.metadata.annotations['note']"
            }]
        }
    }));
    let binding_object: kube::core::DynamicObject = object(json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": policy},
        "spec": {"policyName": policy, "validationActions": ["Warn"]}
    }));
    let discovery = kube::discovery::Discovery::new(admin.clone())
        .run()
        .await
        .expect("discovery");
    for obj in [&policy_object, &binding_object] {
        let types = obj.types.as_ref().expect("types");
        let gvk = kube::core::GroupVersionKind::try_from(types).expect("gvk");
        let (resource, _) = discovery
            .resolve_gvk(&gvk)
            .expect("admission policies are served");
        Api::<kube::core::DynamicObject>::all_with(admin.clone(), &resource)
            .create(&PostParams::default(), obj)
            .await
            .expect("creating the warning policy");
    }

    let temp = tempfile::tempdir().expect("tempdir");
    let audit = temp.path().join("audit.jsonl");
    let kubeconfig = cluster().kubeconfig(Persona::Admin);
    // The policy takes a moment to be enforced.
    let mut last = String::new();
    for _ in 0..60 {
        let out = run(
            &kubeconfig,
            temp.path(),
            &audit,
            &[],
            &["quota", "set", &tenant, "pods=20", "--dry-run", "--force"],
        );
        assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
        assert_inert("quota set stdout", &out.stdout.replace('\n', ""));
        assert_inert("quota set stderr", &out.stderr.replace('\n', ""));
        if out.stdout.contains("quota note:") {
            assert!(
                out.stdout.contains("\\u{202e}desrever\\u{2028}next line"),
                "{}",
                out.stdout
            );
            for line in audit_text(&audit).lines() {
                assert_inert("audit line", line);
            }
            return;
        }
        last = out.stdout;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the server's warning never showed: {last}");
}

fn audit_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A kubeconfig for the sandbox's server with `user` as its user entry.
fn kubeconfig_with_user(dir: &Path, server: &str, user: serde_json::Value) -> PathBuf {
    let admin: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(cluster().kubeconfig(Persona::Admin)).expect("admin kubeconfig"),
    )
    .expect("admin kubeconfig is YAML");
    let cluster_entry = admin["clusters"][0]["cluster"].clone();
    let mut cluster_entry = cluster_entry;
    cluster_entry["server"] = json!(server);
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster_entry}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "ctx"
    });
    let path = dir.join("kubeconfig");
    std::fs::write(&path, serde_json::to_string_pretty(&config).expect("json")).expect("write");
    path
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

const ARG_SECRET: &str = "ARG-SECRET-4f1d2c3b";
const ENV_SECRET: &str = "ENV-SECRET-9a8b7c6d";
const STDERR_SECRET: &str = "STDERR-SECRET-1e2f3a4b";

#[test]
fn a_failing_credential_plugin_is_named_without_its_secrets() {
    let temp = tempfile::tempdir().expect("tempdir");
    let plugin = script(
        temp.path(),
        "fail-plugin.sh",
        &format!(
            "echo \"login failed for $1 with $PLUGIN_SECRET\" >&2\n\
             echo \"debug: refresh_token={STDERR_SECRET}\" >&2\n\
             exit 3\n"
        ),
    );
    let kubeconfig = kubeconfig_with_user(
        temp.path(),
        &cluster().server,
        json!({"exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": plugin,
            "args": [format!("--password={ARG_SECRET}")],
            "env": [{"name": "PLUGIN_SECRET", "value": ENV_SECRET}],
            "interactiveMode": "IfAvailable"
        }}),
    );
    let state = temp.path().join("state");
    let audit = temp.path().join("audit.jsonl");
    for level in ["info", "trace"] {
        let out = run(
            &kubeconfig,
            &state,
            &audit,
            &[("TENANTRY_LOG", level)],
            &["tenants"],
        );
        assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("fail-plugin.sh") && out.stderr.contains("exit status 3"),
            "named with its exit status: {}",
            out.stderr
        );
        // The first stderr line is shown, its secrets masked.
        assert!(
            out.stderr.contains("login failed for ***"),
            "{}",
            out.stderr
        );
        let log = std::fs::read_to_string(state.join("tenantry.log")).expect("the log file");
        assert!(log.contains("exit status 3"), "{log}");
        for (what, text) in [
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            ("log", &log),
        ] {
            for secret in [ARG_SECRET, ENV_SECRET, STDERR_SECRET] {
                assert!(
                    !text.contains(secret),
                    "{secret} leaked into {what} at level {level}:\n{text}"
                );
            }
        }
    }
    assert!(!audit.exists(), "nothing was written, nothing audited");
}

#[test]
fn a_credential_plugin_never_gets_the_terminal() {
    let temp = tempfile::tempdir().expect("tempdir");
    // The plugin hands back the admin's client certificate, and notes what
    // it was given: its session, its controlling terminal, its stdio.
    let admin: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(cluster().kubeconfig(Persona::Admin)).expect("admin kubeconfig"),
    )
    .expect("YAML");
    use base64::Engine as _;
    let decode = |field: &str| {
        let data = admin["users"][0]["user"][field].as_str().expect(field);
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("base64"),
        )
        .expect("PEM")
    };
    let credential = json!({
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {
            "clientCertificateData": decode("client-certificate-data"),
            "clientKeyData": decode("client-key-data")
        }
    });
    let answer = temp.path().join("credential.json");
    std::fs::write(&answer, credential.to_string()).expect("credential");
    let notes = temp.path().join("notes");
    let plugin = script(
        temp.path(),
        "cert-plugin.sh",
        &format!(
            "{{ cut -d' ' -f1,6,7 /proc/$$/stat; readlink /proc/$$/fd/0 /proc/$$/fd/2; \
             [ -n \"$KUBERNETES_EXEC_INFO\" ] && echo exec-info; }} > {notes}.$$\n\
             echo 'chatter on stderr' >&2\n\
             cat {answer}\n",
            notes = notes.display(),
            answer = answer.display()
        ),
    );
    let kubeconfig = kubeconfig_with_user(
        temp.path(),
        &cluster().server,
        json!({"exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": plugin,
            "interactiveMode": "Always"
        }}),
    );
    let state = temp.path().join("state");
    let out = run(
        &kubeconfig,
        &state,
        &temp.path().join("audit.jsonl"),
        &[],
        &["tenants", "-o", "json"],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("\"tenants\""), "{}", out.stdout);
    assert!(!out.stderr.contains("chatter"), "{}", out.stderr);
    let runs: Vec<String> = std::fs::read_dir(temp.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("notes."))
        .map(|e| std::fs::read_to_string(e.path()).expect("notes"))
        .collect();
    assert!(!runs.is_empty(), "the plugin ran");
    for note in runs {
        let mut lines = note.lines();
        let stat: Vec<&str> = lines.next().expect("stat").split(' ').collect();
        assert_eq!(stat[0], stat[1], "a session of its own: {note}");
        assert_eq!(stat[2], "0", "no controlling terminal: {note}");
        assert_eq!(lines.next(), Some("/dev/null"), "stdin: {note}");
        let stderr = lines.next().expect("stderr");
        assert!(stderr.starts_with("pipe:"), "stderr is captured: {note}");
        assert_eq!(lines.next(), Some("exec-info"), "{note}");
    }
}

#[test]
fn a_bearer_token_never_reaches_errors_or_logs() {
    const TOKEN: &str = "TOKEN-SECRET-0123456789abcdef0123456789";
    let temp = tempfile::tempdir().expect("tempdir");
    // Nothing listens on port 1: every request fails.
    let kubeconfig =
        kubeconfig_with_user(temp.path(), "https://127.0.0.1:1", json!({"token": TOKEN}));
    let state = temp.path().join("state");
    let audit = temp.path().join("audit.jsonl");
    for (level, args) in [
        ("debug", vec!["tenants"]),
        ("trace", vec!["quota", "set", "nobody", "pods=1"]),
    ] {
        let out = run(
            &kubeconfig,
            &state,
            &audit,
            &[("TENANTRY_LOG", level)],
            &args,
        );
        if args[0] == "quota" {
            assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
        }
        let log = std::fs::read_to_string(state.join("tenantry.log")).unwrap_or_default();
        // The failed requests were logged (so the check below means something).
        assert!(log.contains("127.0.0.1:1"), "the {level} log: {log}");
        for (what, text) in [
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            ("log", &log),
        ] {
            assert!(
                !text.contains(TOKEN) && !text.contains(&TOKEN[..20]),
                "the token leaked into {what} at {level}:\n{text}"
            );
        }
    }
}

async fn quota_version(ns: &str) -> String {
    let admin = cluster().client(Persona::Admin).await;
    Api::<ResourceQuota>::namespaced(admin, ns)
        .get("tenant-quota")
        .await
        .expect("quota")
        .metadata
        .resource_version
        .expect("resourceVersion")
}

#[tokio::test]
async fn a_write_whose_audit_record_cannot_be_written_is_refused_before_it_is_sent() {
    let (tenant, ns) = setup::tenant_namespace("audit").await;
    let admin = cluster().client(Persona::Admin).await;
    let quota: ResourceQuota = object(json!({
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "tenant-quota", "namespace": ns},
        "spec": {"hard": {"pods": "10"}}
    }));
    Api::<ResourceQuota>::namespaced(admin.clone(), &ns)
        .create(&PostParams::default(), &quota)
        .await
        .expect("quota");
    // The quota controller writes the status of a new quota (a new
    // resourceVersion): compare only once that has happened.
    tenantry::sandbox::seed::wait_for_quota_status(&admin, &ns, "tenant-quota")
        .await
        .expect("quota status");
    let before = quota_version(&ns).await;

    let temp = tempfile::tempdir().expect("tempdir");
    let kubeconfig = cluster().kubeconfig(Persona::Admin);
    let state = temp.path().join("state");
    // --force: the quota was made by another field manager.
    let args = ["quota", "set", tenant.as_str(), "pods=20", "--force"];

    // Through a symbolic link.
    let real = temp.path().join("real.jsonl");
    std::fs::write(&real, "").expect("real file");
    let link = temp.path().join("link.jsonl");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let out = run(&kubeconfig, &state, &link, &[], &args);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was sent"), "{}", out.stderr);
    assert_eq!(quota_version(&ns).await, before, "nothing was written");
    assert_eq!(audit_text(&real), "", "nothing written through the link");

    // In a read-only directory (refused even for root, who could write).
    let read_only = temp.path().join("ro");
    std::fs::create_dir(&read_only).expect("dir");
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    let out = run(
        &kubeconfig,
        &state,
        &read_only.join("audit.jsonl"),
        &[],
        &args,
    );
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("read-only"), "{}", out.stderr);
    assert_eq!(quota_version(&ns).await, before, "nothing was written");
    assert!(!read_only.join("audit.jsonl").exists());

    // In a directory others may write to (and not sticky).
    let shared = temp.path().join("shared");
    std::fs::create_dir(&shared).expect("dir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let out = run(&kubeconfig, &state, &shared.join("audit.jsonl"), &[], &args);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("written by others"), "{}", out.stderr);
    assert_eq!(quota_version(&ns).await, before, "nothing was written");

    // A good place: the write goes through, recorded in a private file in
    // a private directory tenantry makes.
    let good = temp.path().join("new").join("deeper").join("audit.jsonl");
    let out = run(&kubeconfig, &state, &good, &[], &args);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert_ne!(quota_version(&ns).await, before, "written this time");
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&good), 0o600);
    assert_eq!(mode(good.parent().expect("dir")), 0o700);
    assert!(audit_text(&good).contains("\"result\":\"applied\""));
}
