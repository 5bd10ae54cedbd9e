//! One real sandbox per test binary (or the one `TENANTRY_TEST_SANDBOX`
//! names), shared by its tests; each test works in namespaces of its own.
#![allow(dead_code)]

pub mod tmux;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tenantry::sandbox::{self, Lifetime, Persona, Sandbox, Seed};

pub struct TestCluster {
    pub dir: PathBuf,
    pub server: String,
}

/// The sandbox this binary started, kept so `atexit` can stop it.
static OWNED: Mutex<Option<(Sandbox, Option<tempfile::TempDir>)>> = Mutex::new(None);

extern "C" fn stop_owned_sandbox() {
    if let Ok(mut owned) = OWNED.lock()
        && let Some((mut sandbox, temp)) = owned.take()
    {
        sandbox.stop();
        drop(temp);
    }
}

/// The shared sandbox. A control plane that cannot be built or started
/// fails the calling test with the reason; it never skips.
pub fn cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<Result<TestCluster, String>> = OnceLock::new();
    let result = CLUSTER.get_or_init(|| start().map_err(|err| format!("{err:#}")));
    match result {
        Ok(cluster) => cluster,
        Err(err) => panic!("the test sandbox is not available: {err}"),
    }
}

fn start() -> anyhow::Result<TestCluster> {
    if let Some(dir) = std::env::var_os("TENANTRY_TEST_SANDBOX") {
        let sandbox = Sandbox::attach(Path::new(&dir))?;
        return Ok(TestCluster {
            dir: sandbox.dir().to_path_buf(),
            server: sandbox.server().to_string(),
        });
    }
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
            Seed::Demo,
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
    if let Ok(mut owned) = OWNED.lock() {
        *owned = Some((sandbox, Some(temp)));
    }
    // SAFETY: registering a plain extern "C" function with no arguments.
    unsafe { libc::atexit(stop_owned_sandbox) };
    Ok(cluster)
}

/// Progress goes straight to stderr, past the test harness's capture: a
/// first run builds the control plane for many minutes and should say so.
fn progress(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "sandbox: {line}");
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

/// Runs `f` on the sandbox this test binary started (not one reused via
/// `TENANTRY_TEST_SANDBOX`), for tests that stop and restart components.
pub fn with_owned_sandbox<R>(f: impl FnOnce(&mut Sandbox) -> R) -> R {
    cluster();
    let mut owned = OWNED.lock().expect("the sandbox lock");
    let (sandbox, _) = owned
        .as_mut()
        .expect("this test needs a sandbox of its own; unset TENANTRY_TEST_SANDBOX");
    f(sandbox)
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
    let out = assert_cmd::Command::cargo_bin("tenantry")
        .expect("binary")
        .arg("--kubeconfig")
        .arg(cluster().kubeconfig(persona))
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

/// The audit log's records.
pub fn audit_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON audit line"))
        .collect()
}
