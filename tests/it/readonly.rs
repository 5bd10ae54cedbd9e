//! Read-only mode (ARCHITECTURE.md §10): tenantry sends nothing but get, list,
//! watch and access reviews. Counted in the sandbox API server's audit
//! log (sandbox/audit.rs): the requests whose user agent is tenantry's,
//! made as admin, while one tenantry process runs.
//!
//! Each test first checks that the count can see a write (the same
//! command without `--readonly` shows one), so a count of none means
//! something.
//!
//! The count takes in every tenantry process that talks to the server as
//! admin, so these tests run on a sandbox of their own, one at a time.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::MutexGuard;
use std::time::Duration;

use common::tmux::Tmux;
use common::{Isolation, Private, Run, TestCluster};
use tenantry::sandbox::Persona;
use tenantry::sandbox::audit::{self, AuditEvent};

fn private() -> &'static Private {
    common::private(Isolation::Audited)
}

fn cluster() -> &'static TestCluster {
    private().cluster()
}

/// One tenantry process at a time on this sandbox: its requests are the
/// only ones with tenantry's user agent in the audit log meanwhile.
fn serial() -> MutexGuard<'static, ()> {
    private().serial()
}

/// `tenantry` (no user config, the audit log at `audit`) on this
/// module's sandbox.
fn tenantry(persona: Persona, audit: &Path, args: &[&str]) -> Run {
    cluster().tenantry(
        Path::new("/nonexistent-tenantry-config"),
        persona,
        audit,
        args,
    )
}

/// Where the audit log ends now.
fn mark() -> u64 {
    audit::log_end(&cluster().dir).expect("the sandbox API server's audit log")
}

/// tenantry's requests (as admin) logged since `since`, once the server
/// had time to log the last answers.
fn tenantry_requests(since: u64) -> Vec<AuditEvent> {
    std::thread::sleep(Duration::from_secs(2));
    audit::events_since(&cluster().dir, since)
        .expect("reading the audit log")
        .into_iter()
        .filter(|e| e.user_agent.starts_with("tenantry/") && e.user.username == "admin")
        .collect()
}

/// Reads, and the reviews that answer "may I / may they / who am I"
/// (created, never stored).
fn is_read_or_review(event: &AuditEvent) -> bool {
    match event.verb.as_str() {
        "get" | "list" | "watch" => true,
        "create" => event.object_ref.as_ref().is_some_and(|o| {
            matches!(
                (o.api_group.as_str(), o.resource.as_str()),
                (
                    "authorization.k8s.io",
                    "selfsubjectaccessreviews" | "selfsubjectrulesreviews" | "subjectaccessreviews"
                ) | ("authentication.k8s.io", "selfsubjectreviews")
            )
        }),
        _ => false,
    }
}

fn others(events: &[AuditEvent]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !is_read_or_review(e))
        .map(AuditEvent::describe)
        .collect()
}

fn audit_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{}-audit.jsonl", common::unique_name(name)))
}

#[test]
fn a_read_only_console_session_sends_only_reads_and_access_reviews() {
    let _one = serial();
    let since = mark();
    let command = format!(
        "env TERM=xterm-256color NO_COLOR=1 TENANTRY_CONFIG_DIR=/nonexistent TENANTRY_AUDIT_LOG={} \
         {} --readonly --kubeconfig {}; echo EXITED:$?; sleep 60",
        audit_file("roconsole").display(),
        env!("CARGO_BIN_EXE_tenantry"),
        cluster().kubeconfig(Persona::Admin).display()
    );
    let tmux = Tmux::start(&command, (160, 50));
    tmux.wait_for("initech");
    // The write keys say why they do nothing.
    for key in ["n", "e", "a"] {
        tmux.text(key);
        tmux.wait_for("read-only mode: writes are disabled");
        tmux.keys(&["Escape"]);
        // Escape and the next key sent together would read as Alt+key.
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    // A tenant's detail runs its probes and access reviews; in read-only
    // mode the admission probes are not sent and say so.
    tmux.text(":");
    tmux.text("acme");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Overview");
    tmux.text("4");
    tmux.wait_for("read-only: no server-side dry-run of a privileged pod");
    tmux.text("5");
    tmux.wait_for("RBAC");
    tmux.text("e");
    tmux.wait_for("read-only mode: writes are disabled");
    tmux.text("q");
    tmux.wait_for("EXITED:0");
    drop(tmux);

    let events = tenantry_requests(since);
    assert!(
        events.iter().any(|e| e.verb == "list") && events.iter().any(|e| e.verb == "watch"),
        "the session's lists and watches are in the audit log: {:?}",
        events.iter().map(AuditEvent::describe).collect::<Vec<_>>()
    );
    assert!(
        events.iter().any(|e| e.verb == "create"
            && e.object_ref
                .as_ref()
                .is_some_and(|o| o.resource.ends_with("accessreviews"))),
        "the probes' access reviews were sent"
    );
    assert_eq!(others(&events), Vec::<String>::new());
}

#[test]
fn a_read_only_check_sends_no_admission_probe() {
    let _one = serial();
    // Without --readonly the probes are dry-run pod creates: the count
    // sees them.
    let since = mark();
    let run = tenantry(
        Persona::Admin,
        &audit_file("check"),
        &["check", "acme", "-o", "json"],
    );
    assert!(run.code.is_some_and(|c| c < 2), "{}", run.stderr);
    let events = tenantry_requests(since);
    let probes: Vec<String> = events
        .iter()
        .filter(|e| e.verb == "create" && e.request_uri.contains("/pods?"))
        .map(AuditEvent::describe)
        .collect();
    assert!(
        !probes.is_empty(),
        "the admission probes are counted; tenantry sent: {:?}\n{}",
        events.iter().map(AuditEvent::describe).collect::<Vec<_>>(),
        run.stdout
    );
    assert!(
        probes.iter().all(|p| p.contains("dryRun=All")),
        "{probes:?}"
    );

    let since = mark();
    let run = tenantry(
        Persona::Admin,
        &audit_file("rocheck"),
        &["--readonly", "check", "acme", "-o", "json"],
    );
    assert!(run.code.is_some_and(|c| c < 2), "{}", run.stderr);
    let events = tenantry_requests(since);
    assert!(events.iter().any(|e| e.verb == "list"), "{events:?}");
    assert_eq!(others(&events), Vec::<String>::new());

    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let checks = report["tenants"][0]["checks"].as_array().expect("checks");
    for id in ["admission.privileged", "admission.host-namespaces"] {
        let check = checks
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {checks:?}"));
        assert_eq!(check["outcome"], "unknown", "{check}");
        assert!(
            check["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("read-only: ")),
            "{check}"
        );
    }
    // The access review of the quota check is still made.
    let quota = checks
        .iter()
        .find(|c| c["id"] == "rbac.quota-immutable")
        .expect("rbac.quota-immutable");
    assert_ne!(quota["outcome"], "unknown", "{quota}");
}

#[test]
fn read_only_writes_send_nothing_at_all() {
    let _one = serial();
    // A dry run is a write request: the count sees it.
    let since = mark();
    let run = tenantry(
        Persona::Admin,
        &audit_file("dry"),
        &["quota", "set", "acme", "pods=41", "--dry-run", "--force"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let dry_runs: Vec<String> = tenantry_requests(since)
        .iter()
        .filter(|e| e.verb == "patch" && e.request_uri.contains("dryRun=All"))
        .map(AuditEvent::describe)
        .collect();
    assert!(!dry_runs.is_empty(), "the dry run is counted");

    let writes: [&[&str]; 5] = [
        &["quota", "set", "acme", "pods=41"],
        &["quota", "set", "acme", "pods=41", "--dry-run"],
        &["apply", "netpol-default-deny", "--tenant", "acme"],
        &[
            "apply",
            "netpol-default-deny",
            "--tenant",
            "acme",
            "--dry-run",
        ],
        &["create", "ro-zeta", "--owner", "user:zoe", "--dry-run"],
    ];
    for args in writes {
        let audit = audit_file("rowrite");
        let since = mark();
        let mut all = vec!["--readonly"];
        all.extend_from_slice(args);
        let run = tenantry(Persona::Admin, &audit, &all);
        assert_eq!(run.code, Some(2), "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("read-only mode") && run.stderr.contains("nothing was sent"),
            "{args:?}: {}",
            run.stderr
        );
        let sent: Vec<String> = tenantry_requests(since)
            .iter()
            .map(AuditEvent::describe)
            .collect();
        assert_eq!(sent, Vec::<String>::new(), "{args:?} sent requests");
        let lines = common::audit_lines(&audit);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["result"], "refused");
        assert_eq!(lines[0]["message"], "read-only mode");
    }
}
