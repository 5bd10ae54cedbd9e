//! `tenantry sandbox up|status|down` as a user runs them, and the faults
//! the foundation issue lists.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;

fn tenantry() -> Command {
    let mut cmd = Command::cargo_bin("tenantry").expect("the tenantry binary");
    cmd.env_remove("KUBEBUILDER_ASSETS");
    cmd
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn recorded_pids(dir: &Path) -> Vec<(String, u32)> {
    let text = std::fs::read_to_string(dir.join("sandbox.json")).expect("sandbox.json");
    let state: serde_json::Value = serde_json::from_str(&text).expect("json");
    state["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                c["pid"].as_u64().expect("pid") as u32,
            )
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    !matches!(state, Some("Z") | Some("X") | None)
}

/// Makes sure the binaries are cached before the CLI is timed by tests.
fn binaries() -> tenantry::sandbox::Binaries {
    // Straight to stderr, past the harness's capture: a first run builds.
    tenantry::sandbox::binaries::locate_or_build(&mut |line| {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "sandbox: {line}");
    })
    .expect("the control-plane binaries")
}

#[test]
fn up_status_down_leaves_nothing_behind() {
    binaries();
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("sb");
    let dir_arg = dir.to_str().expect("utf-8 path");

    let up = tenantry()
        .args(["sandbox", "up", "--seed", "none", "--dir", dir_arg])
        .output()
        .expect("running up");
    assert!(up.status.success(), "up failed: {}", stderr_of(&up));
    let out = stdout_of(&up);
    assert!(out.contains("export KUBECONFIG="), "{out}");
    for persona in ["admin", "alice", "bob"] {
        assert!(
            dir.join(format!("{persona}.kubeconfig")).exists(),
            "{persona}"
        );
    }
    let pids = recorded_pids(&dir);
    assert_eq!(pids.len(), 3, "{pids:?}");
    assert!(pids.iter().all(|(_, pid)| alive(*pid)), "{pids:?}");

    let status = tenantry()
        .args(["sandbox", "status", "--dir", dir_arg])
        .output()
        .expect("running status");
    let out = stdout_of(&status);
    assert!(status.status.success(), "{out}");
    assert!(out.contains("/readyz: ok"), "{out}");

    let again = tenantry()
        .args(["sandbox", "up", "--dir", dir_arg])
        .output()
        .expect("running up twice");
    assert!(again.status.success());
    assert!(
        stdout_of(&again).contains("already runs"),
        "{}",
        stdout_of(&again)
    );
    assert_eq!(
        recorded_pids(&dir),
        pids,
        "a second up must not start anything"
    );

    // A component that dies later is named by status.
    let (_, cm_pid) = pids
        .iter()
        .find(|(name, _)| name == "kube-controller-manager")
        .expect("controller-manager pid")
        .clone();
    // SAFETY: killing the sandbox's own controller-manager.
    unsafe { libc::kill(cm_pid as i32, libc::SIGKILL) };
    // The signal is delivered at once, but the process is gone only once it
    // is reaped: ask until status sees it, within a bound.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        let status = tenantry()
            .args(["sandbox", "status", "--dir", dir_arg])
            .output()
            .expect("running status");
        if status.status.code() != Some(0) || std::time::Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let out = stdout_of(&status);
    assert_eq!(status.status.code(), Some(1), "{out}");
    assert!(out.contains("kube-controller-manager  pid"), "{out}");
    assert!(out.contains("NOT RUNNING"), "{out}");

    let down = tenantry()
        .args(["sandbox", "down", "--dir", dir_arg])
        .output()
        .expect("running down");
    assert!(down.status.success(), "{}", stderr_of(&down));
    assert!(stdout_of(&down).contains("stopped"), "{}", stdout_of(&down));
    for (name, pid) in &pids {
        assert!(!alive(*pid), "{name} (pid {pid}) still runs after down");
    }

    let down_again = tenantry()
        .args(["sandbox", "down", "--dir", dir_arg])
        .output()
        .expect("running down twice");
    assert!(down_again.status.success());
    assert!(
        stdout_of(&down_again).contains("nothing runs"),
        "{}",
        stdout_of(&down_again)
    );
}

#[test]
fn without_go_or_assets_it_says_what_is_needed() {
    let temp = tempfile::tempdir().expect("tempdir");
    let empty_cache = temp.path().join("cache");
    let out = tenantry()
        .args(["sandbox", "up", "--dir"])
        .arg(temp.path().join("sb"))
        .env("TENANTRY_CACHE_DIR", &empty_cache)
        .env("PATH", "/nonexistent")
        .env_remove("GO")
        .output()
        .expect("running up");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("install a Go toolchain"), "{err}");
    assert!(err.contains("KUBEBUILDER_ASSETS"), "{err}");
    assert_eq!(
        err.matches("tenantry: the sandbox needs").count(),
        1,
        "{err}"
    );
}

#[test]
fn a_component_that_dies_while_starting_is_named_with_its_log() {
    let real = binaries();
    let temp = tempfile::tempdir().expect("tempdir");
    let assets = temp.path().join("assets");
    std::fs::create_dir_all(&assets).expect("assets dir");
    std::os::unix::fs::symlink(&real.etcd, assets.join("etcd")).expect("etcd link");
    std::os::unix::fs::symlink(
        &real.kube_controller_manager,
        assets.join("kube-controller-manager"),
    )
    .expect("controller-manager link");
    let broken = assets.join("kube-apiserver");
    std::fs::write(
        &broken,
        "#!/bin/sh\necho 'E0101 simulated failure: cannot load certificates' >&2\nexit 1\n",
    )
    .expect("broken apiserver");
    std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let dir = temp.path().join("sb");
    let out = tenantry()
        .args(["sandbox", "up", "--seed", "none", "--dir"])
        .arg(&dir)
        .env("KUBEBUILDER_ASSETS", &assets)
        .output()
        .expect("running up");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("kube-apiserver exited while starting"),
        "{err}"
    );
    assert!(err.contains("simulated failure"), "{err}");
    // etcd, started before it, is stopped again.
    assert!(!dir.join("sandbox.json").exists(), "state left behind");
    let data_dir = format!("--data-dir={}", dir.join("etcd-data").display());
    assert!(!any_process_with_arg(&data_dir), "etcd left running");
}

fn any_process_with_arg(arg: &str) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let is_pid = entry
            .file_name()
            .to_string_lossy()
            .chars()
            .all(|c| c.is_ascii_digit());
        is_pid
            && std::fs::read(entry.path().join("cmdline"))
                .map(|cmdline| cmdline.split(|b| *b == 0).any(|a| a == arg.as_bytes()))
                .unwrap_or(false)
            && entry
                .file_name()
                .to_str()
                .and_then(|pid| pid.parse().ok())
                .is_some_and(alive)
    })
}

/// A closed port is "cannot reach", exit 2, for every headless command:
/// never "no access", never an empty list with exit 0.
#[test]
fn an_unreachable_api_server_is_an_error_not_missing_rights() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A port that was free a moment ago, on a loopback address no sandbox
    // binds (they all take 127.0.0.1, and the tests start several at once,
    // so a port free on 127.0.0.1 now may be an API server's a moment
    // later): nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.2:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let kubeconfig = dir.path().join("dead.kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster: {{server: \"https://127.0.0.2:{port}\", insecure-skip-tls-verify: true}}\nusers:\n- name: u\n  user: {{token: not-a-real-token}}\ncontexts:\n- name: dead\n  context: {{cluster: dead, user: u}}\ncurrent-context: dead\n"
        ),
    )
    .expect("kubeconfig");
    let kubeconfig = kubeconfig.to_string_lossy().into_owned();
    for args in [
        vec!["tenants"],
        vec!["tenants", "-o", "json"],
        vec!["report", "acme"],
        vec!["check"],
        vec!["quota", "set", "acme", "pods=3"],
    ] {
        let out = tenantry()
            .args(&args)
            .args(["--kubeconfig", &kubeconfig, "--connect-timeout", "2"])
            .env("TENANTRY_STATE_DIR", dir.path())
            .env("TENANTRY_CONFIG_DIR", dir.path())
            .output()
            .expect("running tenantry");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "cannot reach the API server at https://127.0.0.2:{port}/"
            )),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("Connection refused"), "{args:?}: {stderr}");
        assert!(!stderr.contains("no access"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

/// `down` signals a recorded PID only while the program and start time
/// `up` recorded still match: here the PID is a `sleep` of ours, recorded
/// with another start time (as when the PID was reused), and it survives.
#[test]
fn down_leaves_a_process_that_took_over_a_recorded_pid_alone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut sleeper = std::process::Command::new("sleep")
        .arg("300")
        .spawn()
        .expect("starting sleep");
    let pid = sleeper.id();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let after_name = &stat[stat.rfind(')').expect("a stat line") + 1..];
    let start_time: u64 = after_name
        .split_whitespace()
        .nth(22 - 3)
        .and_then(|f| f.parse().ok())
        .expect("the start time");
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).expect("exe");
    let state = serde_json::json!({
        "server": "https://127.0.0.1:1",
        "kubernetes_version": "v0",
        "etcd_version": "v0",
        "started_unix": 0,
        "seeded": false,
        "components": [{
            "name": "etcd",
            "pid": pid,
            "log": dir.path().join("etcd.log"),
            "program": exe,
            "args": [],
            "identity": {"exe": exe, "start_time": start_time + 1},
        }],
    });
    std::fs::write(dir.path().join("sandbox.json"), state.to_string()).expect("state");

    let status = tenantry()
        .args(["sandbox", "status", "--dir"])
        .arg(dir.path())
        .output()
        .expect("running status");
    assert!(
        stdout_of(&status).contains("NOT RUNNING"),
        "a process with another start time is not the sandbox's: {}",
        stdout_of(&status)
    );
    let down = tenantry()
        .args(["sandbox", "down", "--dir"])
        .arg(dir.path())
        .output()
        .expect("running down");
    assert!(down.status.success(), "{}", stderr_of(&down));
    let out = stdout_of(&down);
    assert!(
        out.contains(&format!("left pid {pid} (recorded as etcd) alone")),
        "{out}"
    );
    assert!(out.contains("another process has the PID now"), "{out}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        alive(pid),
        "down killed a process that was not the sandbox's"
    );
    assert_eq!(sleeper.try_wait().expect("try_wait"), None);
    sleeper.kill().expect("stopping sleep");
    let _ = sleeper.wait();
}
