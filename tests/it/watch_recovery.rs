//! Watches heal by themselves (ARCHITECTURE.md §10): the API server is killed and
//! started again, or paused (SIGSTOP) and resumed, under a running console
//! and under a headless command; no key is pressed. (On a sandbox of its
//! own, shared only with `apply_interrupted`, one test at a time: it stops
//! that sandbox's API server.)

use crate::common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;
use common::{Isolation, Private, TestCluster, create_namespace, unique_name};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams};
use tenantry::sandbox::{Lifetime, Persona};

fn private() -> &'static Private {
    common::private(Isolation::Disrupted)
}

fn cluster() -> &'static TestCluster {
    private().cluster()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn kill_api_server() {
    private()
        .with_sandbox(|sandbox| sandbox.kill_component("kube-apiserver"))
        .expect("killing kube-apiserver");
}

fn restart_api_server() {
    let runtime = runtime();
    private()
        .with_sandbox(|sandbox| {
            runtime
                .block_on(sandbox.restart_component("kube-apiserver", Lifetime::TiedToThisProcess))
        })
        .expect("kube-apiserver starts again");
}

/// The status line (the last line of the screen).
fn status_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or_default()
}

fn synced(screen: &str) -> bool {
    status_line(screen).contains(" · synced") && !screen.contains("reconnecting")
}

fn reconnecting(screen: &str) -> bool {
    let status = status_line(screen);
    status.contains("reconnecting since ") && status.contains("namespaces")
}

fn signal(pid: u32, signal: libc::c_int) {
    // SAFETY: a signal to the console this test started.
    let sent = unsafe { libc::kill(pid as libc::pid_t, signal) };
    assert_eq!(sent, 0, "signalling pid {pid}");
}

fn labelled(tenant: &str) -> [(&str, &str); 1] {
    [("tenantry.dev/tenant", tenant)]
}

#[test]
fn the_console_heals_after_the_api_server_restarts_and_after_a_pause() {
    let _one = private().serial();
    let rt = runtime();
    let admin = rt.block_on(cluster().client(Persona::Admin));
    let gone = unique_name("gone");
    let born = unique_name("born");
    let late = unique_name("late");
    rt.block_on(create_namespace(
        &admin,
        &format!("{gone}-ns"),
        &labelled(&gone),
    ));

    let pid_file: PathBuf = std::env::temp_dir().join(format!("{gone}.pid"));
    let command = format!(
        "sh -c 'echo $$ > {pid}; exec env TERM=xterm-256color NO_COLOR=1 \
         TENANTRY_CONFIG_DIR=/nonexistent {bin} --kubeconfig {kubeconfig}'; echo EXITED:$?; \
         sleep 60",
        pid = pid_file.display(),
        bin = env!("CARGO_BIN_EXE_tenantry"),
        kubeconfig = cluster().kubeconfig(Persona::Admin).display(),
    );
    // Wide enough for every tenant row and the whole status line.
    let tmux = Tmux::start(&command, (200, 60));
    tmux.wait_until(
        "the console shows the tenant, synced",
        Duration::from_secs(60),
        |s| s.contains(&gone) && synced(s),
    );
    let console_pid: u32 = std::fs::read_to_string(&pid_file)
        .expect("the console's pid file")
        .trim()
        .parse()
        .expect("a pid");

    // 1. The API server dies: the console says what is reconnecting.
    kill_api_server();
    let screen = tmux.wait_until(
        "the status line says reconnecting after the API server died",
        Duration::from_secs(30),
        reconnecting,
    );
    assert!(
        screen.contains(&gone),
        "what was listed stays shown:\n{screen}"
    );
    let status = status_line(&screen);
    let since = status
        .split("reconnecting since ")
        .nth(1)
        .and_then(|rest| rest.get(..8))
        .expect("a time");
    assert!(
        since.len() == 8 && since.as_bytes()[2] == b':' && since.as_bytes()[5] == b':',
        "HH:MM:SS expected: {status}"
    );

    // The changes land while the console cannot see them: it is frozen
    // (as a laptop asleep) while the server comes back and they are made,
    // so only its own relist can show them.
    signal(console_pid, libc::SIGSTOP);
    restart_api_server();
    let admin = rt.block_on(cluster().client(Persona::Admin));
    rt.block_on(async {
        // No pod goes in: no need to wait for its ServiceAccount, which the
        // controller-manager makes once its own watches have reconnected.
        common::create_bare_namespace(&admin, &format!("{born}-ns"), &labelled(&born)).await;
        Api::<Namespace>::all(admin.clone())
            .delete(&format!("{gone}-ns"), &DeleteParams::default())
            .await
            .expect("deleting the namespace");
        // Namespace deletion finishes when the namespace controller has
        // emptied it; wait for it to be gone from the server.
        common::eventually("the namespace is gone", Duration::from_secs(60), || {
            let api = Api::<Namespace>::all(admin.clone());
            let name = format!("{gone}-ns");
            async move {
                api.get_opt(&name)
                    .await
                    .ok()
                    .flatten()
                    .is_none()
                    .then_some(())
            }
        })
        .await;
    });
    signal(console_pid, libc::SIGCONT);
    let screen = tmux.wait_until(
        "the console is synced again, with the new tenant and without the deleted one",
        Duration::from_secs(60),
        |s| synced(s) && s.contains(&born) && !s.contains(&gone),
    );
    assert!(!screen.contains("EXITED"), "{screen}");

    // 2. The API server is paused: its connections stay open and silent.
    private()
        .with_sandbox(|sandbox| sandbox.pause_component("kube-apiserver"))
        .expect("pausing kube-apiserver");
    let paused = tmux.wait_until(
        "the status line says reconnecting while the API server is paused",
        Duration::from_secs(60),
        reconnecting,
    );
    private()
        .with_sandbox(|sandbox| sandbox.resume_component("kube-apiserver"))
        .expect("resuming kube-apiserver");
    assert!(paused.contains(&born), "{paused}");
    rt.block_on(common::create_bare_namespace(
        &admin,
        &format!("{late}-ns"),
        &labelled(&late),
    ));
    let screen = tmux.wait_until(
        "the console is synced again after the pause, with a change made after it",
        Duration::from_secs(60),
        |s| synced(s) && s.contains(&late),
    );
    assert!(!screen.contains("EXITED"), "{screen}");
    let _ = std::fs::remove_file(&pid_file);
}

fn tenantry(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .arg("--kubeconfig")
        .arg(cluster().kubeconfig(Persona::Admin))
        .args(args)
        .env("TENANTRY_CONFIG_DIR", "/nonexistent-tenantry-config")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting tenantry")
}

fn finished(child: std::process::Child, what: &str) -> (String, String) {
    let out = child.wait_with_output().expect("tenantry exits");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{what}: {stderr}{stdout}");
    (stdout, stderr)
}

#[test]
fn headless_first_lists_wait_for_an_api_server_that_comes_back() {
    let _one = private().serial();
    let rt = runtime();
    let admin = rt.block_on(cluster().client(Persona::Admin));
    let tenant = unique_name("headless");
    rt.block_on(create_namespace(
        &admin,
        &format!("{tenant}-ns"),
        &labelled(&tenant),
    ));

    // Down before the command starts: access planning and the first lists
    // retry until it is back.
    kill_api_server();
    let child = tenantry(&["tenants", "-o", "json"]);
    std::thread::sleep(Duration::from_secs(5));
    restart_api_server();
    let (stdout, _) = finished(child, "tenants after a restart");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let names: Vec<&str> = json["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&tenant.as_str()), "{names:?}");
    assert!(
        json["no_access"].as_array().expect("no_access").is_empty(),
        "nothing is called forbidden for being unreachable: {json:#}"
    );

    // Paused while the command starts: it waits, and finishes once resumed.
    private()
        .with_sandbox(|sandbox| sandbox.pause_component("kube-apiserver"))
        .expect("pausing kube-apiserver");
    let child = tenantry(&["report", &tenant]);
    std::thread::sleep(Duration::from_secs(8));
    private()
        .with_sandbox(|sandbox| sandbox.resume_component("kube-apiserver"))
        .expect("resuming kube-apiserver");
    let (stdout, _) = finished(child, "report after a pause");
    assert!(stdout.contains(&format!("{tenant}-ns")), "{stdout}");
}
