//! Finding or building the control-plane binaries.
//!
//! No prebuilt downloads are reachable from this project's machines, so the
//! binaries are built from the Go module proxy with the machine's Go, through
//! two wrapper modules (one for Kubernetes, one for etcd, so that etcd's
//! dependency versions never move the Kubernetes build). They are cached
//! outside the repository, keyed by version, so only the first run pays.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Kubernetes release built for the sandbox. It must stay inside the range
/// of the k8s-openapi version this crate uses (0.29: v1.33 to v1.37).
pub const KUBERNETES_VERSION: &str = "v1.37.2";
/// etcd release; 3.6 or newer, since the API server's watch features need
/// progress requests that Debian's etcd 3.4 lacks.
pub const ETCD_VERSION: &str = "v3.6.16";

/// Paths of the three binaries the sandbox runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Binaries {
    pub etcd: PathBuf,
    pub kube_apiserver: PathBuf,
    pub kube_controller_manager: PathBuf,
}

/// Where built binaries live: `TENANTRY_CACHE_DIR`, else the user cache dir.
pub fn cache_root() -> Result<PathBuf> {
    crate::config::Paths::from_process()
        .cache
        .context("cannot find a cache directory: set HOME or TENANTRY_CACHE_DIR")
}

fn kubernetes_dir(root: &Path) -> PathBuf {
    root.join("control-plane")
        .join(format!("kubernetes-{KUBERNETES_VERSION}"))
}

fn etcd_dir(root: &Path) -> PathBuf {
    root.join("control-plane")
        .join(format!("etcd-{ETCD_VERSION}"))
}

/// Finds the binaries: each one in `KUBEBUILDER_ASSETS` when that directory
/// holds it (the envtest convention), else in the cache; builds what is
/// missing. `report` receives progress lines meant for a person.
pub fn locate_or_build(report: &mut dyn FnMut(&str)) -> Result<Binaries> {
    let assets = std::env::var_os("KUBEBUILDER_ASSETS").map(PathBuf::from);
    let root = cache_root()?;
    let from_assets = |name: &str| -> Option<PathBuf> {
        let path = assets.as_ref()?.join(name);
        is_executable(&path).then_some(path)
    };

    let etcd = match from_assets("etcd") {
        Some(path) => path,
        None => {
            let path = etcd_dir(&root).join("etcd");
            if !is_executable(&path) {
                build_etcd(&root, report)?;
            }
            path
        }
    };
    let (apiserver, controller_manager) = match (
        from_assets("kube-apiserver"),
        from_assets("kube-controller-manager"),
    ) {
        (Some(a), Some(c)) => (a, c),
        (a, c) => {
            let dir = kubernetes_dir(&root);
            let built_a = dir.join("kube-apiserver");
            let built_c = dir.join("kube-controller-manager");
            if !(is_executable(&built_a) && is_executable(&built_c)) {
                build_kubernetes(&root, report)?;
            }
            (a.unwrap_or(built_a), c.unwrap_or(built_c))
        }
    };
    Ok(Binaries {
        etcd,
        kube_apiserver: apiserver,
        kube_controller_manager: controller_manager,
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The Go command, or a message that says what is missing and what to do.
fn go_command() -> Result<PathBuf> {
    let go = std::env::var_os("GO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("go"));
    match Command::new(&go).arg("version").output() {
        Ok(out) if out.status.success() => Ok(go),
        _ => bail!(
            "the sandbox needs etcd {ETCD_VERSION}, kube-apiserver and kube-controller-manager \
             {KUBERNETES_VERSION}, and none are cached: install a Go toolchain (1.26 or newer) so \
             tenantry can build them from the Go module proxy, or set KUBEBUILDER_ASSETS to a \
             directory that holds etcd, kube-apiserver and kube-controller-manager"
        ),
    }
}

/// Serialises builds across processes (parallel test binaries, a `sandbox
/// up` in another terminal): the second waits for the first and then finds
/// the binaries cached.
struct BuildLock {
    _file: std::fs::File,
}

impl BuildLock {
    fn acquire(root: &Path, report: &mut dyn FnMut(&str)) -> Result<Self> {
        let dir = root.join("control-plane");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(".build.lock");
        let file =
            std::fs::File::create(&path).with_context(|| format!("opening {}", path.display()))?;
        // std's advisory lock (flock on Linux), released when the file closes.
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                report("another tenantry process is building the control plane; waiting for it");
                file.lock()
                    .with_context(|| format!("cannot lock {}", path.display()))?;
            }
            Err(std::fs::TryLockError::Error(err)) => {
                return Err(err).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        Ok(Self { _file: file })
    }
}

fn build_kubernetes(root: &Path, report: &mut dyn FnMut(&str)) -> Result<()> {
    let _lock = BuildLock::acquire(root, report)?;
    let out_dir = kubernetes_dir(root);
    if is_executable(&out_dir.join("kube-apiserver"))
        && is_executable(&out_dir.join("kube-controller-manager"))
    {
        return Ok(());
    }
    let go = go_command()?;
    report(&format!(
        "building kube-apiserver and kube-controller-manager {KUBERNETES_VERSION} from the Go \
         module proxy into {}; first run only, expect about \
         15 minutes on 2 cores",
        out_dir.display()
    ));
    let module = root.join("control-plane").join("src").join("kubernetes");
    std::fs::create_dir_all(&module).with_context(|| format!("creating {}", module.display()))?;
    std::fs::write(
        module.join("go.mod"),
        "module tenantry.dev/sandbox/kubernetes\n\ngo 1.26.0\n",
    )?;
    // The published go.mod replaces each staging module with ./staging/...;
    // a wrapper must replace each with its published v0.x.y instead, and the
    // list is read from that go.mod so new staging modules are not missed.
    let staging = staging_modules(&go, &module)?;
    let minor = KUBERNETES_VERSION
        .trim_start_matches('v')
        .split('.')
        .nth(1)
        .context("malformed KUBERNETES_VERSION")?;
    // Staging modules are published as v0.<minor>.<patch> of the release.
    let staging_version = KUBERNETES_VERSION.replacen("v1.", "v0.", 1);
    let mut go_mod = format!(
        "module tenantry.dev/sandbox/kubernetes\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes {KUBERNETES_VERSION}\n\nreplace (\n"
    );
    for name in &staging {
        go_mod.push_str(&format!("\t{name} => {name} {staging_version}\n"));
    }
    go_mod.push_str(")\n");
    std::fs::write(module.join("go.mod"), go_mod)?;
    std::fs::write(
        module.join("tools.go"),
        "//go:build tools\n\npackage tools\n\nimport (\n\t_ \"k8s.io/kubernetes/cmd/kube-apiserver\"\n\t_ \"k8s.io/kubernetes/cmd/kube-controller-manager\"\n)\n",
    )?;
    run_go(
        &go,
        &module,
        &["mod", "tidy"],
        "resolving Kubernetes modules",
        report,
    )?;
    let ldflags = format!(
        "-s -w -X k8s.io/component-base/version.gitVersion={v} \
         -X k8s.io/component-base/version.gitMajor=1 \
         -X k8s.io/component-base/version.gitMinor={minor} \
         -X k8s.io/client-go/pkg/version.gitVersion={v}",
        v = KUBERNETES_VERSION
    );
    let staging_dir = out_dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging_dir);
    std::fs::create_dir_all(&staging_dir)?;
    let target = format!("{}/", staging_dir.display());
    run_go(
        &go,
        &module,
        &[
            "build",
            "-v",
            "-trimpath",
            "-ldflags",
            &ldflags,
            "-o",
            &target,
            "k8s.io/kubernetes/cmd/kube-apiserver",
            "k8s.io/kubernetes/cmd/kube-controller-manager",
        ],
        "compiling kube-apiserver and kube-controller-manager",
        report,
    )?;
    // A build that is killed halfway must never look cached: the binaries
    // appear under their final name only once both are complete.
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::rename(&staging_dir, &out_dir)
        .with_context(|| format!("moving the binaries to {}", out_dir.display()))?;
    report(&format!("cached in {}", out_dir.display()));
    Ok(())
}

fn build_etcd(root: &Path, report: &mut dyn FnMut(&str)) -> Result<()> {
    let _lock = BuildLock::acquire(root, report)?;
    let out_dir = etcd_dir(root);
    if is_executable(&out_dir.join("etcd")) {
        return Ok(());
    }
    let go = go_command()?;
    report(&format!(
        "building etcd {ETCD_VERSION} from the Go module proxy into {}; first run only, expect \
         one to two minutes on 2 cores",
        out_dir.display()
    ));
    let module = root.join("control-plane").join("src").join("etcd");
    std::fs::create_dir_all(&module).with_context(|| format!("creating {}", module.display()))?;
    std::fs::write(
        module.join("go.mod"),
        format!(
            "module tenantry.dev/sandbox/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 {ETCD_VERSION}\n"
        ),
    )?;
    std::fs::write(
        module.join("tools.go"),
        "//go:build tools\n\npackage tools\n\nimport _ \"go.etcd.io/etcd/server/v3\"\n",
    )?;
    run_go(
        &go,
        &module,
        &["mod", "tidy"],
        "resolving etcd modules",
        report,
    )?;
    let staging_dir = out_dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging_dir);
    std::fs::create_dir_all(&staging_dir)?;
    let target = staging_dir.join("etcd");
    let target = target.to_string_lossy().into_owned();
    run_go(
        &go,
        &module,
        &[
            "build",
            "-v",
            "-trimpath",
            "-ldflags",
            "-s -w",
            "-o",
            &target,
            "go.etcd.io/etcd/server/v3",
        ],
        "compiling etcd",
        report,
    )?;
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::rename(&staging_dir, &out_dir)
        .with_context(|| format!("moving etcd to {}", out_dir.display()))?;
    report(&format!("cached in {}", out_dir.display()));
    Ok(())
}

/// Staging modules named by `k8s.io/<m> => ./staging/...` lines of the
/// published k8s.io/kubernetes go.mod.
fn staging_modules(go: &Path, module: &Path) -> Result<Vec<String>> {
    let out = Command::new(go)
        .current_dir(module)
        .args([
            "mod",
            "download",
            "-json",
            &format!("k8s.io/kubernetes@{KUBERNETES_VERSION}"),
        ])
        .output()
        .context("running go mod download")?;
    if !out.status.success() {
        bail!(
            "go mod download k8s.io/kubernetes@{KUBERNETES_VERSION} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let info: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading go mod download output")?;
    let go_mod_path = info
        .get("GoMod")
        .and_then(|v| v.as_str())
        .context("go mod download did not name the go.mod")?;
    let text =
        std::fs::read_to_string(go_mod_path).with_context(|| format!("reading {go_mod_path}"))?;
    let modules = parse_staging_replaces(&text);
    if modules.is_empty() {
        bail!("no staging replace lines found in {go_mod_path}");
    }
    Ok(modules)
}

fn parse_staging_replaces(go_mod: &str) -> Vec<String> {
    go_mod
        .lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("replace").trim();
            let (name, target) = line.split_once("=>")?;
            let name = name.trim();
            (name.starts_with("k8s.io/") && target.trim().starts_with("./staging/"))
                .then(|| name.to_string())
        })
        .collect()
}

/// Runs one go command, streaming a progress line at most every 30 s
/// (`go build -v` prints one package per line, which gives a count).
fn run_go(
    go: &Path,
    module: &Path,
    args: &[&str],
    what: &str,
    report: &mut dyn FnMut(&str),
) -> Result<()> {
    let started = Instant::now();
    let mut child = Command::new(go)
        .current_dir(module)
        .args(args)
        .env("CGO_ENABLED", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting go {}", args.join(" ")))?;
    let stdout = child.stdout.take();
    let stdout_reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut out) = stdout {
            let _ = std::io::Read::read_to_string(&mut out, &mut text);
        }
        text
    });
    let mut tail: std::collections::VecDeque<String> = Default::default();
    let mut lines = 0usize;
    let mut last_report = Instant::now();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            lines += 1;
            if tail.len() == 30 {
                tail.pop_front();
            }
            tail.push_back(line);
            if last_report.elapsed() >= Duration::from_secs(30) {
                last_report = Instant::now();
                report(&format!(
                    "  {what}: {lines} packages so far, {}s elapsed",
                    started.elapsed().as_secs()
                ));
            }
        }
    }
    let status = child.wait().context("waiting for go")?;
    let _ = stdout_reader.join();
    if !status.success() {
        let log: Vec<String> = tail.into_iter().collect();
        bail!(
            "go {} failed ({status}) while {what}; its last lines:\n{}",
            args.first().copied().unwrap_or_default(),
            log.join("\n")
        );
    }
    report(&format!(
        "  {what}: done in {}s",
        started.elapsed().as_secs()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_staging_replaces_from_the_published_go_mod() {
        let go_mod = "module k8s.io/kubernetes\n\ngo 1.26.0\n\nreplace (\n\
            \tk8s.io/api => ./staging/src/k8s.io/api\n\
            \tk8s.io/streaming => ./staging/src/k8s.io/streaming\n\
            \tgithub.com/foo/bar => github.com/foo/bar v1.0.0\n)\n\
            replace k8s.io/kms => ./staging/src/k8s.io/kms\n";
        assert_eq!(
            parse_staging_replaces(go_mod),
            vec!["k8s.io/api", "k8s.io/streaming", "k8s.io/kms"]
        );
    }
}
