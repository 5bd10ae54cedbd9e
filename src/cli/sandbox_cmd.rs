//! `tenantry sandbox up|status|down` and `tenantry demo`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{DemoArgs, GlobalArgs, PersonaArg, SandboxAction, SeedArg};
use crate::sandbox::{self, Lifetime, Persona, Sandbox, Seed};

fn progress(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "tenantry: {line}");
}

fn resolve_dir(dir: Option<PathBuf>) -> Result<PathBuf> {
    match dir {
        Some(dir) => Ok(dir),
        None => sandbox::default_dir(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn run(action: SandboxAction) -> Result<i32> {
    match action {
        SandboxAction::Up { dir, seed } => up(&resolve_dir(dir.dir)?, seed),
        SandboxAction::Status { dir } => status(&resolve_dir(dir.dir)?),
        SandboxAction::Down { dir } => down(&resolve_dir(dir.dir)?),
        SandboxAction::Churn { dir, rate, seconds } => churn(&resolve_dir(dir.dir)?, rate, seconds),
    }
}

/// Refuses a tier this machine cannot hold, before anything starts.
fn check_memory(tier: sandbox::tier::Tier) -> Result<()> {
    let need = tier.memory_estimate_mib();
    let Some(available) = available_memory_mib() else {
        return Ok(());
    };
    if available < need {
        anyhow::bail!(
            "{tier} needs about {need} MiB of memory for etcd, kube-apiserver and \
             kube-controller-manager, and this machine has {available} MiB available \
             (MemAvailable in /proc/meminfo); free some memory or seed a smaller tier"
        );
    }
    Ok(())
}

/// `MemAvailable` of /proc/meminfo, in MiB; None where it cannot be read.
fn available_memory_mib() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_available_mib(&meminfo)
}

fn meminfo_available_mib(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn base_of(seed: SeedArg) -> Seed {
    match seed {
        SeedArg::Demo => Seed::Demo,
        SeedArg::TierL => Seed::Large,
        SeedArg::None | SeedArg::TierS | SeedArg::TierM => Seed::None,
    }
}

fn tier_of(seed: SeedArg) -> Option<sandbox::tier::Tier> {
    match seed {
        SeedArg::Demo | SeedArg::None => None,
        SeedArg::TierS => Some(sandbox::tier::Tier::S),
        SeedArg::TierM => Some(sandbox::tier::Tier::M),
        SeedArg::TierL => Some(sandbox::tier::Tier::L),
    }
}

fn up(dir: &Path, seed: SeedArg) -> Result<i32> {
    if let Some(state) = Sandbox::running_in(dir)? {
        println!(
            "a sandbox already runs in {} (API server {}); not starting a second one",
            dir.display(),
            state.server
        );
        // A tier seed cut short (interrupted, or refused halfway) completes
        // here: what is there already is skipped.
        if let Some(tier) = tier_of(seed) {
            println!("seeding {tier} into it (objects already there are skipped)");
            let sandbox = Sandbox::attach(dir)?;
            runtime()?.block_on(async {
                let client = sandbox.client(Persona::Admin).await?;
                sandbox::tier::seed_tier(&client, tier, &mut progress).await
            })?;
        }
        print_access(dir);
        return Ok(0);
    }
    let (base, tier) = (base_of(seed), tier_of(seed));
    if let Some(tier) = tier {
        check_memory(tier)?;
    }
    let binaries = sandbox::binaries::locate_or_build(&mut progress)?;
    let rt = runtime()?;
    let sandbox = rt.block_on(Sandbox::start(
        dir,
        &binaries,
        base,
        Lifetime::Detached,
        &mut progress,
    ))?;
    if let Some(tier) = tier {
        let seeded = rt.block_on(async {
            let client = sandbox.client(Persona::Admin).await?;
            sandbox::tier::seed_tier(&client, tier, &mut progress).await
        });
        if let Err(err) = seeded {
            // Keep what is seeded: the same command completes it.
            return Err(err.context(format!(
                "seeding the benchmark tier; the sandbox still runs in {}: run the same \
                 command again to complete the seed, or `tenantry sandbox down --dir {}`",
                sandbox.dir().display(),
                sandbox.dir().display()
            )));
        }
    }
    println!("sandbox running in {}", sandbox.dir().display());
    println!("  API server: {}", sandbox.server());
    print_access(sandbox.dir());
    println!(
        "stop it with: tenantry sandbox down --dir {}",
        sandbox.dir().display()
    );
    Ok(0)
}

fn churn(dir: &Path, rate: u32, seconds: Option<u64>) -> Result<i32> {
    let Some(state) = Sandbox::running_in(dir)? else {
        anyhow::bail!(
            "no sandbox runs in {}; start one with `tenantry sandbox up --dir {} --seed tier-m`",
            dir.display(),
            dir.display()
        );
    };
    let sandbox = Sandbox::attach(dir)?;
    let rt = runtime()?;
    let done = rt.block_on(async {
        let client = sandbox.client(Persona::Admin).await?;
        sandbox::churn::churn(
            &client,
            rate,
            seconds.map(std::time::Duration::from_secs),
            &mut progress,
        )
        .await
    })?;
    println!(
        "{} updates in {:.1} s ({:.0}/s) against {}, {} failed",
        done.sent,
        done.seconds,
        done.sent as f64 / done.seconds.max(0.001),
        state.server,
        done.failed
    );
    Ok(if done.failed > 0 { 1 } else { 0 })
}

fn print_access(dir: &Path) {
    for persona in Persona::ALL {
        let what = match persona {
            Persona::Admin => "cluster admin",
            Persona::Alice => "admin of tenant acme",
            Persona::Bob => "no bindings",
        };
        println!(
            "  {:<6} {} ({what})",
            persona.user(),
            dir.join(format!("{}.kubeconfig", persona.user())).display()
        );
    }
    println!(
        "export KUBECONFIG={}",
        dir.join("admin.kubeconfig").display()
    );
}

fn status(dir: &Path) -> Result<i32> {
    let Some((state, health)) = sandbox::component_health(dir)? else {
        println!("no sandbox was started in {}", dir.display());
        return Ok(3);
    };
    println!(
        "sandbox in {} (Kubernetes {}, etcd {}), API server {}",
        dir.display(),
        state.kubernetes_version,
        state.etcd_version,
        state.server
    );
    let mut all_running = true;
    for component in &health {
        all_running &= component.running;
        println!(
            "  {:<24} pid {:<8} {}",
            component.name,
            component.pid,
            if component.running {
                "running"
            } else {
                "NOT RUNNING"
            }
        );
    }
    let ready = all_running
        && runtime()?
            .block_on(async {
                let client = sandbox::client_from_kubeconfig(&dir.join("admin.kubeconfig")).await?;
                let request = http::Request::get("/readyz").body(Vec::new())?;
                anyhow::Ok(client.request_text(request).await?.trim() == "ok")
            })
            .unwrap_or(false);
    println!(
        "  API server /readyz: {}",
        if ready { "ok" } else { "not ready" }
    );
    for component in health.iter().filter(|c| !c.running) {
        if let Some(recorded) = state.components.iter().find(|c| c.name == component.name) {
            println!(
                "{} died; last lines of {}:\n{}",
                component.name,
                recorded.log.display(),
                sandbox::process::log_tail(&recorded.log, 10)
            );
        }
    }
    Ok(if all_running && ready { 0 } else { 1 })
}

fn down(dir: &Path) -> Result<i32> {
    let report = sandbox::stop_dir(dir)?;
    for (name, pid, why) in &report.left_alone {
        println!("left pid {pid} (recorded as {name}) alone: {why}");
    }
    if report.stopped.is_empty() {
        println!("nothing runs in {}", dir.display());
    } else {
        println!("stopped {} in {}", report.stopped.join(", "), dir.display());
    }
    Ok(0)
}

pub fn demo(args: DemoArgs, global: &GlobalArgs) -> Result<i32> {
    let persona = match args.persona {
        PersonaArg::Admin => Persona::Admin,
        PersonaArg::Alice => Persona::Alice,
        PersonaArg::Bob => Persona::Bob,
    };
    let (dir, _temp) = match args.dir {
        Some(dir) => (dir, None),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("tenantry-demo-")
                .tempdir()
                .context("creating a temporary directory for the demo")?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let binaries = sandbox::binaries::locate_or_build(&mut progress)?;
    let rt = runtime()?;
    rt.block_on(async {
        let mut sandbox = Sandbox::start(
            &dir,
            &binaries,
            Seed::Demo,
            Lifetime::TiedToThisProcess,
            &mut progress,
        )
        .await?;
        let result = if args.no_console {
            println!("demo sandbox running; API server {}", sandbox.server());
            println!(
                "  as {}: export KUBECONFIG={}",
                persona.user(),
                sandbox.kubeconfig(persona).display()
            );
            println!("press Ctrl-C to stop it");
            wait_for_stop_signal().await
        } else {
            let options = crate::kube::client::ConnectOptions {
                kubeconfig: Some(sandbox.kubeconfig(persona)),
                context: None,
                impersonate: None,
                guards: super::load_config(global).settings.contexts,
            };
            super::open_console(global, std::slice::from_ref(&options)).await
        };
        let stopped = sandbox.stop();
        eprintln!("tenantry: demo sandbox stopped ({})", stopped.join(", "));
        result.map(|()| 0)
    })
}

async fn wait_for_stop_signal() -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C"),
        _ = term.recv() => Ok(()),
        _ = hup.recv() => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::meminfo_available_mib;

    #[test]
    fn reads_mem_available() {
        let meminfo =
            "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20971520 kB\n";
        assert_eq!(meminfo_available_mib(meminfo), Some(20_480));
        assert_eq!(meminfo_available_mib("MemTotal: 1 kB\n"), None);
        assert_eq!(meminfo_available_mib("MemAvailable: lots kB\n"), None);
    }
}
