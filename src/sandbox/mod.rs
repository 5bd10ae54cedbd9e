//! The local control plane (ARCHITECTURE.md §7): real etcd, kube-apiserver and
//! kube-controller-manager processes on loopback, with one kubeconfig per
//! persona. Tests, benchmarks and the demo run against it; nothing here is
//! a mock of the API server.

pub mod audit;
pub mod binaries;
pub mod churn;
pub mod pki;
pub mod process;
pub mod seed;
pub mod tier;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::Api;
use serde::{Deserialize, Serialize};

pub use binaries::{Binaries, ETCD_VERSION, KUBERNETES_VERSION};
pub use process::Lifetime;

use pki::{CertPair, Pki, write_private};
use process::Running;

/// The people the sandbox knows, each with a kubeconfig of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    /// Cluster admin (group `system:masters`).
    Admin,
    /// Admin of tenant `acme`'s namespaces only (bound by the demo seed).
    Alice,
    /// Authenticated, with no bindings at all.
    Bob,
}

impl Persona {
    pub const ALL: [Persona; 3] = [Persona::Admin, Persona::Alice, Persona::Bob];

    pub fn user(self) -> &'static str {
        match self {
            Persona::Admin => "admin",
            Persona::Alice => "alice",
            Persona::Bob => "bob",
        }
    }

    fn groups(self) -> &'static [&'static str] {
        match self {
            Persona::Admin => &["system:masters"],
            Persona::Alice | Persona::Bob => &[],
        }
    }

    /// The namespace in the persona's kubeconfig context.
    pub fn context_namespace(self) -> Option<&'static str> {
        match self {
            Persona::Alice => Some(seed::ALICE_NAMESPACE),
            Persona::Admin | Persona::Bob => None,
        }
    }

    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.user() == name)
            .with_context(|| format!("unknown persona {name:?}: use admin, alice or bob"))
    }
}

/// Which demo data to load after start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    Demo,
    None,
    /// Nothing seeded, and the components tuned to hold tier L (see
    /// [`LARGE_SETTINGS`]); the caller seeds it.
    Large,
}

/// What a sandbox for tier L (10,000 namespaces, 150,000 pods) changes,
/// component by component, and why. README "Measured" has the figures.
pub const LARGE_SETTINGS: &[(&str, &str, &str)] = &[
    (
        "etcd",
        "--quota-backend-bytes=8589934592",
        "8 GiB: the default 2 GiB fills with tier L's objects and their revisions while seeding",
    ),
    (
        "kube-apiserver",
        "--max-requests-inflight=800",
        "the seeder and the relists of several consoles at once",
    ),
    (
        "kube-apiserver",
        "--max-mutating-requests-inflight=400",
        "the seeder's creates (48 in flight) beside the controllers' writes",
    ),
    (
        "kube-apiserver",
        "--etcd-compaction-interval=2m",
        "compact revisions sooner while seeding",
    ),
    (
        "kube-controller-manager",
        "--resource-quota-sync-period=5m",
        "Kubernetes' default: recounting 10,000 quotas every 5 s takes a core",
    ),
];

fn large_flags(component: &str) -> impl Iterator<Item = String> + '_ {
    LARGE_SETTINGS
        .iter()
        .filter(move |(c, _, _)| *c == component)
        .map(|(_, flag, _)| flag.to_string())
}

/// What `sandbox.json` records, so that `status` and `down` in another
/// process find what `up` started.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxState {
    pub server: String,
    pub kubernetes_version: String,
    pub etcd_version: String,
    pub components: Vec<ComponentState>,
    pub started_unix: u64,
    pub seeded: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComponentState {
    pub name: String,
    pub pid: u32,
    pub log: PathBuf,
    /// How it was started, so it can be started again the same way.
    #[serde(default)]
    pub program: PathBuf,
    #[serde(default)]
    pub args: Vec<String>,
    /// What `/proc/PID/exe` and the start time (`/proc/PID/stat` field 22)
    /// said right after the start: `down` signals the PID only while both
    /// still match, never a process that took the PID over.
    #[serde(default)]
    pub identity: Option<process::Identity>,
}

const STATE_FILE: &str = "sandbox.json";
const COMPONENTS: [&str; 3] = ["etcd", "kube-apiserver", "kube-controller-manager"];

/// A running sandbox.
pub struct Sandbox {
    dir: PathBuf,
    state: SandboxState,
    /// Child handles when this process started the components.
    children: Vec<Running>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("dir", &self.dir)
            .field("server", &self.state.server)
            .finish()
    }
}

/// The default sandbox directory, under the user's state dir
/// (`TENANTRY_STATE_DIR` overrides).
pub fn default_dir() -> Result<PathBuf> {
    crate::config::Paths::from_process()
        .sandbox_dir()
        .context("cannot find a state directory: set HOME or TENANTRY_STATE_DIR, or pass --dir")
}

/// Health of one component, as `status` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentHealth {
    pub name: String,
    pub pid: u32,
    pub running: bool,
}

impl Sandbox {
    /// Starts etcd, kube-apiserver and kube-controller-manager in `dir`,
    /// waits until they are ready, and seeds the demo when asked. The
    /// binaries come from [`binaries::locate_or_build`], which blocks for a
    /// long time on a first run and so is the caller's to call.
    pub async fn start(
        dir: &Path,
        binaries: &Binaries,
        seed: Seed,
        lifetime: Lifetime,
        report: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Sandbox> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("resolving {}", dir.display()))?;
        // Keys, kubeconfigs, logs and etcd's data are its user's alone.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("making {} private (mode 0700)", dir.display()))?;
        }
        if let Some(running) = Self::running_in(&dir)? {
            bail!(
                "a sandbox already runs in {} (API server {}); stop it first with \
                 `tenantry sandbox down --dir {}`",
                dir.display(),
                running.server,
                dir.display()
            );
        }
        // A port can be taken between our probe and the component's bind;
        // then start again on fresh ports rather than fail.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(&dir, binaries, lifetime, seed == Seed::Large, report).await {
                Ok(mut sandbox) => {
                    if seed == Seed::Demo {
                        report("seeding the demo tenants");
                        let client = sandbox.client(Persona::Admin).await?;
                        if let Err(err) = seed::seed_demo(&client).await {
                            sandbox.stop();
                            return Err(err.context("seeding the demo tenants"));
                        }
                        sandbox.state.seeded = true;
                        sandbox.write_state()?;
                    }
                    return Ok(sandbox);
                }
                Err(StartError::PortTaken(component)) if attempt < 4 => {
                    report(&format!(
                        "{component} lost its port to another process; retrying on new ports"
                    ));
                }
                Err(StartError::PortTaken(component)) => {
                    bail!("{component} could not bind a free port after {attempt} attempts")
                }
                Err(StartError::Other(err)) => return Err(err),
            }
        }
    }

    async fn start_once(
        dir: &Path,
        binaries: &Binaries,
        lifetime: Lifetime,
        large: bool,
        report: &mut (dyn FnMut(&str) + Send),
    ) -> std::result::Result<Sandbox, StartError> {
        let pki = Pki::generate()?;
        pki.write_files(dir)?;
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).context("creating the logs dir")?;
        let etcd_data = dir.join("etcd-data");
        let _ = std::fs::remove_dir_all(&etcd_data);

        let etcd_client = process::free_port()?;
        let etcd_peer = process::free_port()?;
        let api_port = process::free_port()?;
        let cm_port = process::free_port()?;
        let server = format!("https://127.0.0.1:{api_port}");

        let mut sandbox = Sandbox {
            dir: dir.to_path_buf(),
            state: SandboxState {
                server: server.clone(),
                kubernetes_version: KUBERNETES_VERSION.into(),
                etcd_version: ETCD_VERSION.into(),
                components: vec![],
                started_unix: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or_default(),
                seeded: false,
            },
            children: vec![],
        };
        let result = sandbox
            .launch(
                binaries,
                &pki,
                etcd_client,
                etcd_peer,
                api_port,
                cm_port,
                lifetime,
                large,
                report,
            )
            .await;
        if let Err(err) = result {
            let port_taken = sandbox
                .children
                .iter()
                .find(|c| c.lost_a_port_race())
                .map(|c| c.name);
            sandbox.stop();
            return Err(match port_taken {
                Some(name) => StartError::PortTaken(name),
                None => StartError::Other(err),
            });
        }
        Ok(sandbox)
    }

    #[allow(clippy::too_many_arguments)]
    async fn launch(
        &mut self,
        binaries: &Binaries,
        pki: &Pki,
        etcd_client: u16,
        etcd_peer: u16,
        api_port: u16,
        cm_port: u16,
        lifetime: Lifetime,
        large: bool,
        report: &mut (dyn FnMut(&str) + Send),
    ) -> Result<()> {
        let tuned = |component: &'static str, mut args: Vec<String>| {
            if large {
                args.extend(large_flags(component));
            }
            args
        };
        let dir = self.dir.clone();
        let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
        // etcd holds every Secret in plain text: it speaks TLS only, and
        // only to a client certificate of its own CA (the API server's).
        let etcd_url = format!("https://127.0.0.1:{etcd_client}");
        let peer_url = format!("https://127.0.0.1:{etcd_peer}");
        report(&format!("starting etcd {ETCD_VERSION}"));
        self.spawn(
            "etcd",
            &binaries.etcd,
            tuned(
                "etcd",
                vec![
                    "--name=sandbox".into(),
                    format!("--data-dir={}", path("etcd-data")),
                    format!("--listen-client-urls={etcd_url}"),
                    format!("--advertise-client-urls={etcd_url}"),
                    format!("--listen-peer-urls={peer_url}"),
                    format!("--initial-advertise-peer-urls={peer_url}"),
                    format!("--initial-cluster=sandbox={peer_url}"),
                    "--client-cert-auth".into(),
                    format!("--trusted-ca-file={}", path(pki::ETCD_CA)),
                    format!("--cert-file={}", path(pki::ETCD_SERVER_CERT)),
                    format!("--key-file={}", path(pki::ETCD_SERVER_KEY)),
                    "--peer-client-cert-auth".into(),
                    format!("--peer-trusted-ca-file={}", path(pki::ETCD_CA)),
                    format!("--peer-cert-file={}", path(pki::ETCD_SERVER_CERT)),
                    format!("--peer-key-file={}", path(pki::ETCD_SERVER_KEY)),
                    "--listen-metrics-urls=".into(),
                    "--unsafe-no-fsync".into(),
                    "--log-level=warn".into(),
                ],
            ),
            lifetime,
        )?;
        self.wait_for_tcp(etcd_client, "etcd", Duration::from_secs(30))
            .await?;

        report(&format!("starting kube-apiserver {KUBERNETES_VERSION}"));
        let audit_policy = audit::write_policy(&dir)?;
        self.spawn(
            "kube-apiserver",
            &binaries.kube_apiserver,
            tuned(
                "kube-apiserver",
                vec![
                    format!("--etcd-servers={etcd_url}"),
                    format!("--etcd-cafile={}", path(pki::ETCD_CA)),
                    format!("--etcd-certfile={}", path(pki::ETCD_CLIENT_CERT)),
                    format!("--etcd-keyfile={}", path(pki::ETCD_CLIENT_KEY)),
                    "--bind-address=127.0.0.1".into(),
                    "--advertise-address=127.0.0.1".into(),
                    // A loopback advertise address must not be published as the
                    // `kubernetes` Service's endpoint.
                    "--endpoint-reconciler-type=none".into(),
                    format!("--secure-port={api_port}"),
                    format!("--cert-dir={}", path("apiserver-certs")),
                    format!("--tls-cert-file={}", path("apiserver.crt")),
                    format!("--tls-private-key-file={}", path("apiserver.key")),
                    format!("--client-ca-file={}", path("ca.crt")),
                    "--authorization-mode=RBAC".into(),
                    "--anonymous-auth=true".into(),
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
                    format!("--service-account-key-file={}", path("sa.pub")),
                    format!("--service-account-signing-key-file={}", path("sa.key")),
                    "--service-cluster-ip-range=10.96.0.0/16".into(),
                    "--allow-privileged=true".into(),
                    // Always on: the audit log tells which requests tenantry
                    // sent (the read-only tests count them); see sandbox/audit.rs.
                    format!("--audit-policy-file={}", audit_policy.display()),
                    format!("--audit-log-path={}", audit::log_path(&dir).display()),
                    "--audit-log-format=json".into(),
                    format!("--audit-log-maxsize={}", audit::MAX_SIZE_MB),
                    "--audit-log-maxbackup=1".into(),
                    "--profiling=false".into(),
                    "--v=1".into(),
                ],
            ),
            lifetime,
        )?;

        for persona in Persona::ALL {
            let cert = pki.client(persona.user(), persona.groups())?;
            self.write_kubeconfig(
                &self.kubeconfig(persona),
                pki,
                persona.user(),
                &cert,
                persona.context_namespace(),
            )?;
        }
        let cm_cert = pki.client("system:kube-controller-manager", &[])?;
        let cm_kubeconfig = dir.join("controller-manager.kubeconfig");
        self.write_kubeconfig(
            &cm_kubeconfig,
            pki,
            "system:kube-controller-manager",
            &cm_cert,
            None,
        )?;
        self.write_state()?;

        let admin = self.client(Persona::Admin).await?;
        self.wait_until("kube-apiserver /readyz", Duration::from_secs(90), || {
            let admin = admin.clone();
            async move {
                let request = http::Request::get("/readyz").body(Vec::new())?;
                Ok(admin
                    .request_text(request)
                    .await
                    .map(|t| t.trim() == "ok")?)
            }
        })
        .await?;

        report(&format!(
            "starting kube-controller-manager {KUBERNETES_VERSION}"
        ));
        let cm_kubeconfig = cm_kubeconfig.to_string_lossy().into_owned();
        self.spawn(
            "kube-controller-manager",
            &binaries.kube_controller_manager,
            tuned(
                "kube-controller-manager",
                vec![
                    format!("--kubeconfig={cm_kubeconfig}"),
                    format!("--authentication-kubeconfig={cm_kubeconfig}"),
                    format!("--authorization-kubeconfig={cm_kubeconfig}"),
                    "--bind-address=127.0.0.1".into(),
                    format!("--secure-port={cm_port}"),
                    format!("--cert-dir={}", path("controller-manager-certs")),
                    "--leader-elect=false".into(),
                    "--use-service-account-credentials=true".into(),
                    format!("--service-account-private-key-file={}", path("sa.key")),
                    format!("--root-ca-file={}", path("ca.crt")),
                    // Only what tenantry's semantics need: quota status, the
                    // aggregated admin/edit/view roles, namespace deletion,
                    // default ServiceAccounts and garbage collection.
                    "--controllers=resourcequota-controller,clusterrole-aggregation-controller,\
                 namespace-controller,serviceaccount-controller,serviceaccount-token-controller,\
                 replicaset-controller,deployment-controller,job-controller,\
                 garbage-collector-controller"
                        .into(),
                    // Its client defaults to 20 requests/s, which makes it slow
                    // to create ServiceAccounts for many new namespaces.
                    // The quota controller recounts every quota this often. Its
                    // first count of a new quota can come from caches that have
                    // not seen a pod admission just charged, and nothing else
                    // triggers a recount on pod creation: the default 5 min left
                    // such a stale `used` in place for minutes. 5 s heals it in
                    // seconds; the recount reads the controller's caches, so it
                    // costs the API server nothing unless a figure changed.
                    "--resource-quota-sync-period=5s".into(),
                    "--kube-api-qps=100".into(),
                    "--kube-api-burst=200".into(),
                    "--profiling=false".into(),
                    "--v=1".into(),
                ],
            ),
            lifetime,
        )?;

        let roles: Api<ClusterRole> = Api::all(admin.clone());
        self.wait_until(
            "the aggregated ClusterRole admin",
            Duration::from_secs(60),
            || {
                let roles = roles.clone();
                async move {
                    Ok(roles
                        .get_opt("admin")
                        .await?
                        .and_then(|r| r.rules)
                        .is_some_and(|rules| !rules.is_empty()))
                }
            },
        )
        .await?;
        let accounts: Api<ServiceAccount> = Api::namespaced(admin.clone(), "default");
        self.wait_until(
            "ServiceAccount default/default",
            Duration::from_secs(60),
            || {
                let accounts = accounts.clone();
                async move { Ok(accounts.get_opt("default").await?.is_some()) }
            },
        )
        .await?;
        report(&format!("control plane ready at {}", self.state.server));
        Ok(())
    }

    fn spawn(
        &mut self,
        name: &'static str,
        program: &Path,
        args: Vec<String>,
        lifetime: Lifetime,
    ) -> Result<()> {
        let log = self.dir.join("logs").join(format!("{name}.log"));
        let child = process::spawn(program, &args, &log, lifetime)?;
        // Unreadable only when it already exited, which the start then
        // reports with its log.
        let identity = process::Identity::of(child.id()).ok();
        self.state.components.push(ComponentState {
            name: name.to_string(),
            pid: child.id(),
            log: log.clone(),
            program: program.to_path_buf(),
            args,
            identity,
        });
        self.children.push(Running { name, child, log });
        self.write_state()
    }

    fn check_children(&mut self) -> Result<()> {
        for child in &mut self.children {
            child.check_alive()?;
        }
        Ok(())
    }

    async fn wait_for_tcp(&mut self, port: u16, what: &str, timeout: Duration) -> Result<()> {
        self.wait_until(what, timeout, || async move {
            Ok(tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok())
        })
        .await
    }

    /// Polls `probe` until it says yes, failing early (with the component's
    /// log) when one of ours dies, or with `what` on timeout.
    async fn wait_until<F, Fut>(&mut self, what: &str, timeout: Duration, probe: F) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let started = Instant::now();
        let mut last_error = String::new();
        loop {
            self.check_children()?;
            match probe().await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(err) => last_error = format!("{err:#}"),
            }
            if started.elapsed() > timeout {
                let logs: Vec<String> = self
                    .children
                    .iter()
                    .map(|c| {
                        format!(
                            "last lines of {}:\n{}",
                            c.log.display(),
                            process::log_tail(&c.log, 8)
                        )
                    })
                    .collect();
                bail!(
                    "timed out after {}s waiting for {what} (last error: {last_error});\n{}",
                    timeout.as_secs(),
                    logs.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn write_kubeconfig(
        &self,
        path: &Path,
        pki: &Pki,
        user: &str,
        cert: &CertPair,
        namespace: Option<&str>,
    ) -> Result<()> {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let namespace_line = namespace
            .map(|ns| format!("\n    namespace: {ns}"))
            .unwrap_or_default();
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: tenantry-sandbox\n  cluster:\n    \
             server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: {user}\n  \
             user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\ncontexts:\n\
             - name: {user}@tenantry-sandbox\n  context:\n    cluster: tenantry-sandbox\n    \
             user: {user}{namespace_line}\ncurrent-context: {user}@tenantry-sandbox\n",
            server = self.state.server,
            ca = b64(&pki.ca_pem),
            cert = b64(&cert.cert_pem),
            key = b64(&cert.key_pem),
        );
        write_private(path, &text)
    }

    fn write_state(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.state)?;
        let path = self.dir.join(STATE_FILE);
        let partial = self.dir.join(format!("{STATE_FILE}.partial"));
        std::fs::write(&partial, text).with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))
    }

    /// The state of a sandbox in `dir` whose processes still run, if any.
    pub fn running_in(dir: &Path) -> Result<Option<SandboxState>> {
        let Some(state) = read_state(dir)? else {
            return Ok(None);
        };
        let any_running = state.components.iter().any(ComponentState::is_running);
        Ok(any_running.then_some(state))
    }

    /// Attaches to a sandbox another process started (for tests reusing one
    /// named by `TENANTRY_TEST_SANDBOX`).
    pub fn attach(dir: &Path) -> Result<Sandbox> {
        let state = Self::running_in(dir)?.with_context(|| {
            format!(
                "no sandbox runs in {}: start one with `tenantry sandbox up --dir {} --seed demo`",
                dir.display(),
                dir.display()
            )
        })?;
        Ok(Sandbox {
            dir: dir.to_path_buf(),
            state,
            children: vec![],
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn server(&self) -> &str {
        &self.state.server
    }

    pub fn kubeconfig(&self, persona: Persona) -> PathBuf {
        self.dir.join(format!("{}.kubeconfig", persona.user()))
    }

    /// A client for `persona`, built on the caller's tokio runtime.
    pub async fn client(&self, persona: Persona) -> Result<kube::Client> {
        client_from_kubeconfig(&self.kubeconfig(persona)).await
    }

    /// Kills one component at once (SIGKILL), as a crash would; for tests
    /// of what clients do when the control plane goes away.
    pub fn kill_component(&mut self, name: &str) -> Result<()> {
        let index = self
            .children
            .iter()
            .position(|c| c.name == name)
            .with_context(|| format!("this process did not start {name}"))?;
        let mut running = self.children.remove(index);
        running
            .child
            .kill()
            .with_context(|| format!("killing {name}"))?;
        let _ = running.child.wait();
        Ok(())
    }

    /// Pauses one component (SIGSTOP): it keeps its connections open and
    /// answers nothing, as a hung or partitioned server does; for tests.
    pub fn pause_component(&mut self, name: &str) -> Result<()> {
        self.signal_component(name, libc::SIGSTOP)
    }

    /// Resumes a paused component (SIGCONT).
    pub fn resume_component(&mut self, name: &str) -> Result<()> {
        self.signal_component(name, libc::SIGCONT)
    }

    fn signal_component(&mut self, name: &str, signal: libc::c_int) -> Result<()> {
        let running = self
            .children
            .iter()
            .find(|c| c.name == name)
            .with_context(|| format!("this process did not start {name}"))?;
        process::signal(&running.child, signal).with_context(|| format!("signalling {name}"))
    }

    /// Starts a killed component again with the same program and arguments
    /// (same ports), and waits for the API server to be ready.
    pub async fn restart_component(
        &mut self,
        name: &'static str,
        lifetime: Lifetime,
    ) -> Result<()> {
        let recorded = self
            .state
            .components
            .iter()
            .position(|c| c.name == name)
            .with_context(|| format!("{name} is not part of this sandbox"))?;
        let component = self.state.components.remove(recorded);
        self.spawn(name, &component.program, component.args, lifetime)?;
        let admin = self.client(Persona::Admin).await?;
        self.wait_until("kube-apiserver /readyz", Duration::from_secs(90), || {
            let admin = admin.clone();
            async move {
                let request = http::Request::get("/readyz").body(Vec::new())?;
                Ok(admin
                    .request_text(request)
                    .await
                    .map(|t| t.trim() == "ok")?)
            }
        })
        .await
    }

    /// Stops every component this sandbox started (by PID, in reverse
    /// order) and says which ones were still running.
    pub fn stop(&mut self) -> Vec<String> {
        let stopped = stop_components(&self.state.components).stopped;
        for child in &mut self.children {
            // Our own unreaped children: their PIDs cannot have been reused,
            // so one the identity check left running is killed here.
            if matches!(child.child.try_wait(), Ok(None)) {
                let _ = child.child.kill();
            }
            let _ = child.child.wait();
        }
        self.children.clear();
        let _ = std::fs::remove_file(self.dir.join(STATE_FILE));
        stopped
    }
}

enum StartError {
    PortTaken(&'static str),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for StartError {
    fn from(err: anyhow::Error) -> Self {
        StartError::Other(err)
    }
}

fn read_state(dir: &Path) -> Result<Option<SandboxState>> {
    let path = dir.join(STATE_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    let state = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a sandbox state file; remove it or pick another --dir",
            path.display()
        )
    })?;
    Ok(Some(state))
}

impl ComponentState {
    /// Whether the process `up` started still runs as this PID.
    pub fn is_running(&self) -> bool {
        self.identity
            .as_ref()
            .is_some_and(|identity| identity.matches(self.pid).is_ok())
    }
}

/// What `down` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopReport {
    /// Components that were running and were stopped.
    pub stopped: Vec<String>,
    /// Components whose PID now belongs to another process (or cannot be
    /// told apart from one), left alone: (name, pid, why).
    pub left_alone: Vec<(String, u32, String)>,
}

fn stop_components(components: &[ComponentState]) -> StopReport {
    let mut report = StopReport::default();
    for component in components.iter().rev() {
        let Some(identity) = &component.identity else {
            if process::is_alive(component.pid) {
                report.left_alone.push((
                    component.name.clone(),
                    component.pid,
                    "the state file does not say which process was started (a sandbox from an \
                     older tenantry, or one that died while starting): stop it by hand if it \
                     is yours"
                        .into(),
                ));
            }
            continue;
        };
        match process::stop(component.pid, identity, Duration::from_secs(10)) {
            process::Stopped::Yes => report.stopped.push(component.name.clone()),
            process::Stopped::NotRunning => {}
            process::Stopped::NotOurs(why) => {
                report
                    .left_alone
                    .push((component.name.clone(), component.pid, why))
            }
        }
    }
    report
}

/// Stops the sandbox recorded in `dir`: each recorded PID, only while its
/// program and start time are still those `up` recorded.
pub fn stop_dir(dir: &Path) -> Result<StopReport> {
    let Some(state) = read_state(dir)? else {
        return Ok(StopReport::default());
    };
    let stopped = stop_components(&state.components);
    std::fs::remove_file(dir.join(STATE_FILE))
        .with_context(|| format!("removing {}", dir.join(STATE_FILE).display()))?;
    Ok(stopped)
}

/// Health of each component recorded in `dir`, or None when no sandbox was
/// started there.
pub fn component_health(dir: &Path) -> Result<Option<(SandboxState, Vec<ComponentHealth>)>> {
    let Some(state) = read_state(dir)? else {
        return Ok(None);
    };
    let health = COMPONENTS
        .iter()
        .map(|name| {
            let recorded = state.components.iter().find(|c| c.name == *name);
            ComponentHealth {
                name: name.to_string(),
                pid: recorded.map(|c| c.pid).unwrap_or_default(),
                running: recorded.is_some_and(ComponentState::is_running),
            }
        })
        .collect();
    Ok(Some((state, health)))
}

/// A kube client from a kubeconfig file (its current context).
pub async fn client_from_kubeconfig(path: &Path) -> Result<kube::Client> {
    let kubeconfig = kube::config::Kubeconfig::read_from(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .with_context(|| format!("loading {}", path.display()))?;
    kube::Client::try_from(config)
        .with_context(|| format!("building a client for {}", path.display()))
}
