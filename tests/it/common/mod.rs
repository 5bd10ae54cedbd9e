//! The sandboxes the tests run against, and what the tests share to use
//! them: one shared sandbox for the whole binary (or the one
//! `TENANTRY_TEST_SANDBOX` names), where each test works in namespaces of
//! its own, and private sandboxes ([`private`]) for the tests that stop
//! the API server or count every request it logs.
#![allow(dead_code)]

pub mod setup;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, Once, OnceLock};
use std::time::{Duration, Instant};

use tenantry::sandbox::{self, Lifetime, Persona, Sandbox, Seed};

pub struct TestCluster {
    pub dir: PathBuf,
    pub server: String,
}

/// A sandbox this binary started, with the directory it lives in.
struct Owned {
    sandbox: Sandbox,
    _temp: tempfile::TempDir,
}

/// Every sandbox this binary started, so `atexit` can stop them.
static OWNED: Mutex<Vec<&'static Mutex<Option<Owned>>>> = Mutex::new(Vec::new());

extern "C" fn stop_owned_sandboxes() {
    let owned = OWNED.lock().unwrap_or_else(|e| e.into_inner());
    for slot in owned.iter() {
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mut owned) = slot.take() {
            owned.sandbox.stop();
        }
    }
}

/// The shared sandbox. A control plane that cannot be built or started
/// fails the calling test with the reason; it never skips.
pub fn cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<Result<TestCluster, String>> = OnceLock::new();
    let result = CLUSTER.get_or_init(|| {
        if let Some(dir) = std::env::var_os("TENANTRY_TEST_SANDBOX") {
            return Sandbox::attach(Path::new(&dir))
                .map(|sandbox| TestCluster {
                    dir: sandbox.dir().to_path_buf(),
                    server: sandbox.server().to_string(),
                })
                .map_err(|err| format!("{err:#}"));
        }
        start(Seed::Demo)
            .map(|(cluster, _)| cluster)
            .map_err(|err| format!("{err:#}"))
    });
    match result {
        Ok(cluster) => cluster,
        Err(err) => panic!("the test sandbox is not available: {err}"),
    }
}

/// Starts a sandbox of this binary's own, stopped when the binary exits.
fn start(seed: Seed) -> anyhow::Result<(TestCluster, &'static Mutex<Option<Owned>>)> {
    let temp = tempfile::Builder::new()
        .prefix("tenantry-test-")
        .tempdir()?;
    let dir = temp.path().to_path_buf();
    let mut report = progress;
    let binaries = sandbox::binaries::locate_or_build(&mut report)?;
    // The sandbox starts on a runtime of its own: each #[tokio::test] has a
    // runtime that ends with its test.
    let sandbox = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let mut report = progress;
        runtime.block_on(Sandbox::start(
            &dir,
            &binaries,
            seed,
            Lifetime::TiedToThisProcess,
            &mut report,
        ))
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the sandbox start thread panicked"))??;
    let cluster = TestCluster {
        dir: sandbox.dir().to_path_buf(),
        server: sandbox.server().to_string(),
    };
    let slot: &'static Mutex<Option<Owned>> = Box::leak(Box::new(Mutex::new(Some(Owned {
        sandbox,
        _temp: temp,
    }))));
    OWNED.lock().unwrap_or_else(|e| e.into_inner()).push(slot);
    static AT_EXIT: Once = Once::new();
    // SAFETY: registering a plain extern "C" function with no arguments.
    AT_EXIT.call_once(|| unsafe {
        libc::atexit(stop_owned_sandboxes);
    });
    Ok((cluster, slot))
}

/// Progress goes straight to stderr, past the test harness's capture: a
/// first run builds the control plane for many minutes and should say so.
fn progress(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "sandbox: {line}");
}

/// Why a group of tests needs a sandbox of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Kills, restarts, pauses and resumes the API server
    /// (`apply_interrupted`, `watch_recovery`).
    Disrupted,
    /// Counts every request the API server logs with tenantry's user agent
    /// as admin (`readonly`): no other tenantry may run meanwhile.
    Audited,
    /// Reads the whole tenants list on an 80×24 screen (`terminal`): the
    /// other tests' tenants would push the demo tenants off it. Its tests
    /// may run together, as in a test binary of their own.
    Console,
    /// The second cluster of a fleet (`fleet`): its API server is killed.
    Fleet,
}

/// A sandbox of this binary's own for one [`Isolation`] group, always
/// started here (never the one `TENANTRY_TEST_SANDBOX` names). Tests that
/// must run one at a time hold [`Private::serial`] throughout.
pub struct Private {
    cluster: TestCluster,
    owned: &'static Mutex<Option<Owned>>,
    serial: Mutex<()>,
}

pub fn private(group: Isolation) -> &'static Private {
    static DISRUPTED: OnceLock<Result<Private, String>> = OnceLock::new();
    static AUDITED: OnceLock<Result<Private, String>> = OnceLock::new();
    static CONSOLE: OnceLock<Result<Private, String>> = OnceLock::new();
    static FLEET: OnceLock<Result<Private, String>> = OnceLock::new();
    let cell = match group {
        Isolation::Disrupted => &DISRUPTED,
        Isolation::Audited => &AUDITED,
        Isolation::Console => &CONSOLE,
        Isolation::Fleet => &FLEET,
    };
    let result = cell.get_or_init(|| {
        start(Seed::Demo)
            .map(|(cluster, owned)| Private {
                cluster,
                owned,
                serial: Mutex::new(()),
            })
            .map_err(|err| format!("{err:#}"))
    });
    match result {
        Ok(private) => private,
        Err(err) => panic!("a private test sandbox ({group:?}) is not available: {err}"),
    }
}

impl Private {
    pub fn cluster(&self) -> &TestCluster {
        &self.cluster
    }

    /// One test of the group at a time (a failed test does not block the
    /// next one).
    pub fn serial(&self) -> MutexGuard<'_, ()> {
        self.serial.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the sandbox, to stop and restart its components.
    pub fn with_sandbox<R>(&self, f: impl FnOnce(&mut Sandbox) -> R) -> R {
        let mut owned = self.owned.lock().unwrap_or_else(|e| e.into_inner());
        let owned = owned.as_mut().expect("the private sandbox runs");
        f(&mut owned.sandbox)
    }
}

impl TestCluster {
    pub fn kubeconfig(&self, persona: Persona) -> PathBuf {
        self.dir.join(format!("{}.kubeconfig", persona.user()))
    }

    pub async fn client(&self, persona: Persona) -> kube::Client {
        sandbox::client_from_kubeconfig(&self.kubeconfig(persona))
            .await
            .expect("a client for the sandbox")
    }
}

/// A namespace name no other test uses.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "it-{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Polls until `probe` returns Some, or panics naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, probe: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out after {}s waiting for {what}",
            timeout.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates a namespace (with labels) and waits for its default
/// ServiceAccount, without which pods are refused.
pub async fn create_namespace(client: &kube::Client, name: &str, labels: &[(&str, &str)]) {
    create_bare_namespace(client, name, labels).await;
    sandbox::seed::wait_for_default_service_account(client, name)
        .await
        .expect("the namespace's default ServiceAccount");
}

/// A namespace only, for tests that put no pod in it: they need not wait
/// for its default ServiceAccount (made by a controller that may itself be
/// reconnecting, as after an API server restart).
pub async fn create_bare_namespace(client: &kube::Client, name: &str, labels: &[(&str, &str)]) {
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::{Api, PostParams};
    let mut namespace = Namespace::default();
    namespace.metadata.name = Some(name.to_string());
    namespace.metadata.labels = Some(
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .expect("creating a test namespace");
}

/// Builds an object from JSON, for readable fixtures.
pub fn object<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a valid fixture")
}

/// The HTTP status of a kube error, if the server answered.
pub fn status_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// What a run of the `tenantry` binary printed and returned.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `tenantry` binary as `persona`, with no user config and the
/// audit log at `audit`.
pub fn tenantry(persona: Persona, audit: &Path, args: &[&str]) -> Run {
    tenantry_in(
        Path::new("/nonexistent-tenantry-config"),
        persona,
        audit,
        args,
    )
}

/// [`tenantry`] with `config_dir` as the config dir (user templates,
/// config.yaml).
pub fn tenantry_in(config_dir: &Path, persona: Persona, audit: &Path, args: &[&str]) -> Run {
    cluster().tenantry(config_dir, persona, audit, args)
}

impl TestCluster {
    /// [`tenantry_in`] against this cluster.
    pub fn tenantry(
        &self,
        config_dir: &Path,
        persona: Persona,
        audit: &Path,
        args: &[&str],
    ) -> Run {
        let out = assert_cmd::Command::cargo_bin("tenantry")
            .expect("binary")
            .arg("--kubeconfig")
            .arg(self.kubeconfig(persona))
            .args(args)
            .env("TENANTRY_CONFIG_DIR", config_dir)
            .env("TENANTRY_AUDIT_LOG", audit)
            .env("NO_COLOR", "1")
            .output()
            .expect("running tenantry");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The `tenantry` binary as `persona` on the shared sandbox, with no user
/// config and no colour.
pub fn tenantry_cmd(persona: Persona) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("tenantry").expect("binary");
    cmd.arg("--kubeconfig")
        .arg(cluster().kubeconfig(persona))
        .env("TENANTRY_CONFIG_DIR", "/nonexistent-tenantry-config")
        .env("NO_COLOR", "1");
    cmd
}

/// Where a test's audit log goes: a file named for `name` (a unique
/// name) in the temp dir.
pub fn audit_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{name}-audit.jsonl"))
}

/// Each audit record's result and whether it was a dry run.
pub fn audit_results(lines: &[serde_json::Value]) -> Vec<(&str, bool)> {
    lines
        .iter()
        .map(|l| {
            (
                l["result"].as_str().unwrap_or(""),
                l["dry_run"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// The audit log's records.
pub fn audit_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON audit line"))
        .collect()
}
