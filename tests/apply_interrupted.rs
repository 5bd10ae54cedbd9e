//! The API server stops in the middle of a multi-object write: tenantry
//! reports what was applied and what was not, exits non-zero, and the same
//! command run again completes the write without changing what was right.
//! (A test binary of its own: it kills its sandbox's API server.)

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{cluster, create_namespace, unique_name, with_owned_sandbox};
use k8s_openapi::api::core::v1::ResourceQuota;
use kube::api::Api;
use tenantry::sandbox::{Lifetime, Persona};

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

#[tokio::test]
async fn an_apply_cut_short_by_the_api_server_is_reported_and_completed_by_a_rerun() {
    let admin = cluster().client(Persona::Admin).await;
    let tenant = unique_name("cut");
    let namespaces: Vec<String> = (0..4).map(|i| format!("{tenant}-{i}")).collect();
    for ns in &namespaces {
        create_namespace(&admin, ns, &[("tenantry.dev/tenant", &tenant)]).await;
    }

    let mut child = tenantry()
        .args(["quota", "set", &tenant, "pods=5"])
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
        if line.contains("applied ResourceQuota") {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("applied ResourceQuota")),
        "tenantry never applied anything: {seen:?}"
    );
    with_owned_sandbox(|sandbox| sandbox.kill_component("kube-apiserver")).expect("killing it");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("tenantry exits");
    let stderr = [seen, rest].concat().join("\n");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("applied: ResourceQuota"), "{stderr}");
    assert!(stderr.contains("not applied: ResourceQuota"), "{stderr}");
    assert!(
        stderr.contains("running the same command again completes it"),
        "{stderr}"
    );

    // Start it again on the same port; the client reconnects.
    restart_api_server().await;

    let rerun = tenantry()
        .args(["quota", "set", &tenant, "pods=5"])
        .output()
        .expect("re-running");
    let out = String::from_utf8_lossy(&rerun.stdout);
    assert_eq!(
        rerun.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
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
}

async fn restart_api_server() {
    // The sandbox lives behind a std mutex; restart it on a runtime of its
    // own thread so no guard is held across this test's awaits.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        with_owned_sandbox(|sandbox| {
            runtime
                .block_on(sandbox.restart_component("kube-apiserver", Lifetime::TiedToThisProcess))
        })
    })
    .join()
    .expect("restart thread")
    .expect("the API server starts again");
    tokio::time::sleep(Duration::from_millis(200)).await;
}
