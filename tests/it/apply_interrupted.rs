//! The API server stops in the middle of a multi-object write: tenantry
//! reports what was applied and what was not, exits non-zero, and the same
//! command run again completes the write without changing what was right.
//! (On a sandbox of its own, shared only with `watch_recovery`, one test at
//! a time: it kills that sandbox's API server.)

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{Isolation, Private, TestCluster, create_namespace, unique_name};
use k8s_openapi::api::core::v1::ResourceQuota;
use kube::api::Api;
use tenantry::sandbox::{Lifetime, Persona};

fn private() -> &'static Private {
    common::private(Isolation::Disrupted)
}

fn cluster() -> &'static TestCluster {
    private().cluster()
}

fn tenantry() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tenantry"));
    cmd.arg("--kubeconfig")
        .arg(cluster().kubeconfig(Persona::Admin))
        .env("TENANTRY_CONFIG_DIR", "/nonexistent-tenantry-config")
        .env(
            "TENANTRY_AUDIT_LOG",
            std::env::temp_dir().join("tenantry-interrupted-audit.jsonl"),
        );
    cmd
}

/// Runs `args` with a pause between objects, kills the API server after
/// the first object is applied, checks the report, restarts the server and
/// re-runs the command; returns the re-run's stdout.
async fn cut_short_then_rerun(args: &[&str], kind: &str) -> String {
    let mut child = tenantry()
        .args(args)
        .env("TENANTRY_TEST_APPLY_DELAY_MS", "1500")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting tenantry");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("a line");
        seen.push(line.clone());
        if line.contains("tenantry: applied ") {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("tenantry: applied ")),
        "tenantry never applied anything: {seen:?}"
    );
    private()
        .with_sandbox(|sandbox| sandbox.kill_component("kube-apiserver"))
        .expect("killing it");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("tenantry exits");
    let stderr = [seen, rest].concat().join("\n");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("applied: "), "{stderr}");
    assert!(stderr.contains(&format!("not applied: {kind}")), "{stderr}");
    assert!(
        stderr.contains("running the same command again completes it"),
        "{stderr}"
    );

    // Start it again on the same port; the client reconnects.
    restart_api_server().await;

    let rerun = tenantry().args(args).output().expect("re-running");
    let out = String::from_utf8_lossy(&rerun.stdout).into_owned();
    assert_eq!(
        rerun.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    out
}

// The guard only keeps the group's tests apart (watch_recovery's are
// plain threads); nothing on this test's runtime takes it.
#[allow(clippy::await_holding_lock)]
#[tokio::test]
async fn writes_cut_short_by_the_api_server_are_reported_and_completed_by_a_rerun() {
    let _one = private().serial();
    // quota set over four namespaces.
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name("cut");
    let namespaces: Vec<String> = (0..4).map(|i| format!("{tenant}-{i}")).collect();
    for ns in &namespaces {
        create_namespace(&admin, ns, &[("tenantry.dev/tenant", &tenant)]).await;
    }
    let out = cut_short_then_rerun(&["quota", "set", &tenant, "pods=5"], "ResourceQuota").await;
    assert!(
        out.contains("unchanged ResourceQuota"),
        "what was applied stays as it is: {out}"
    );
    let admin = cluster().client(Persona::Admin).await;
    for ns in &namespaces {
        let quota = Api::<ResourceQuota>::namespaced(admin.clone(), ns)
            .get("tenant-quota")
            .await
            .expect("every quota exists after the re-run");
        let pods = quota
            .spec
            .and_then(|s| s.hard)
            .and_then(|h| h.get("pods").cloned());
        assert_eq!(pods.map(|q| q.0).as_deref(), Some("5"), "{ns}");
    }

    // create: fourteen objects from tenant-baseline, cut after the first.
    let tenant = unique_name("cutnew");
    let namespaces = format!("{tenant}-a,{tenant}-b");
    let args = [
        "create",
        &tenant,
        "--owner",
        "user:zoe",
        "--namespaces",
        &namespaces,
    ];
    let out = cut_short_then_rerun(&args, "RoleBinding").await;
    assert!(
        out.contains(&format!("unchanged Namespace {tenant}-a")),
        "the namespace made before the cut stays: {out}"
    );
    assert!(
        out.contains(&format!(
            "create    NetworkPolicy {tenant}-b/allow-dns-egress"
        )),
        "{out}"
    );
    let admin = cluster().client(Persona::Admin).await;
    for ns in [format!("{tenant}-a"), format!("{tenant}-b")] {
        Api::<ResourceQuota>::namespaced(admin.clone(), &ns)
            .get("tenant-quota")
            .await
            .expect("the quota exists after the re-run");
    }
}

async fn restart_api_server() {
    // The sandbox lives behind a std mutex; restart it on a runtime of its
    // own thread so no guard is held across this test's awaits.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        private().with_sandbox(|sandbox| {
            runtime
                .block_on(sandbox.restart_component("kube-apiserver", Lifetime::TiedToThisProcess))
        })
    })
    .join()
    .expect("restart thread")
    .expect("the API server starts again");
}
