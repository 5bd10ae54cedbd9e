//! tenantry, k9s and kdash side by side on one seeded sandbox, one at a
//! time, each as admin in a tmux pane of 200×50 (ARCHITECTURE.md §9):
//!
//! - seconds until the tool shows everything loaded (tenantry: "synced" on
//!   its status line; k9s: `pods(all)[N]` in its all-namespaces pods view;
//!   kdash: `Pods (ns: all) [N]`), with N the pods a raw LIST counts, or
//!   "did not load within D s";
//! - resident memory when loaded, 20 s later, and at peak (VmHWM);
//! - CPU ticks over 10 s idle, and bytes written to the terminal meanwhile
//!   (tmux pipe-pane);
//! - keystroke (Down/Up) to changed frame, polled with capture-pane;
//! - for tenantry, the same keystrokes and its CPU while `tenantry sandbox
//!   churn` updates pods at TENANTRY_BENCH_CHURN updates/s (default 200);
//! - in the same run, a raw paginated LIST of every kind tenantry reads,
//!   all kinds at once, so "synced ≤ 1.2× a LIST" is a measured ratio;
//! - the headless `tenantry tenants -o json`: wall time and peak RSS.
//!
//! `cargo bench --bench side_by_side`. Environment:
//! `TENANTRY_BENCH_TIER=s|m|l` (default m); `TENANTRY_BENCH_SANDBOX=DIR` to
//! use a seeded sandbox (`tenantry sandbox up --dir DIR --seed tier-m`),
//! otherwise one is started and seeded here and stopped at the end;
//! `TENANTRY_BENCH_TOOLS=tenantry,k9s,kdash`; `TENANTRY_BENCH_DEADLINE`
//! (seconds to load, default 300); `TENANTRY_BENCH_CHURN` (0: no churn).
//! k9s and kdash come from `scripts/bench-tools` (built once per version);
//! a tool that cannot be built or started is reported as such and the
//! others still run. The table goes to stdout and to
//! `target/side-by-side/tier-<t>.md`.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tenantry::sandbox::tier::{Tier, seed_tier};
use tenantry::sandbox::{Lifetime, Sandbox, Seed};

const SIZE: (u16, u16) = (200, 50);
const SOCKET: &str = "tenantry-side-by-side";
const KEYSTROKES: usize = 30;

/// Whether a screen shows everything loaded.
type Loaded = Box<dyn Fn(&str) -> bool>;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("building a tokio runtime");
    runtime.block_on(run());
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number"))
        })
        .unwrap_or(default)
}

async fn run() {
    let tier = common::tier_from_env();
    let deadline = Duration::from_secs(env_u64("TENANTRY_BENCH_DEADLINE", 300));
    let churn_rate = env_u64("TENANTRY_BENCH_CHURN", 200);
    let wanted: Vec<String> = std::env::var("TENANTRY_BENCH_TOOLS")
        .unwrap_or_else(|_| "tenantry,k9s,kdash".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let mut say = |line: &str| eprintln!("{line}");

    // The sandbox: given, or started and seeded here.
    let mut _temp = None;
    let mut started_here = None;
    let dir: PathBuf = match std::env::var_os("TENANTRY_BENCH_SANDBOX") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let binaries = tenantry::sandbox::binaries::locate_or_build(&mut say)
                .expect("locating or building the control-plane binaries");
            let temp = tempfile::Builder::new()
                .prefix("tenantry-side-by-side-")
                .tempdir()
                .expect("a temp dir");
            let seed = if tier == Tier::L {
                Seed::Large
            } else {
                Seed::None
            };
            let sandbox = Sandbox::start(
                temp.path(),
                &binaries,
                seed,
                Lifetime::TiedToThisProcess,
                &mut say,
            )
            .await
            .expect("starting a sandbox");
            let dir = temp.path().to_path_buf();
            _temp = Some(temp);
            started_here = Some(sandbox);
            dir
        }
    };
    let kubeconfig = dir.join("admin.kubeconfig");
    let client = tenantry::sandbox::client_from_kubeconfig(&kubeconfig)
        .await
        .expect("an admin client for the sandbox");
    let seeded = seed_tier(&client, tier, &mut say).await.expect("seeding");
    say(&format!(
        "sandbox {} holds {tier}: {} objects",
        dir.display(),
        seeded.objects()
    ));

    let mut out = String::new();
    let machine = machine();
    let _ = writeln!(
        out,
        "Side by side at {tier} ({} namespaces, {} pods), {}, {}; pane {}×{}.\n",
        seeded.namespaces,
        seeded.pods,
        today(),
        machine,
        SIZE.0,
        SIZE.1
    );

    // The baseline: a raw paginated LIST of every kind, all at once.
    let (objects, pods, list_time) = common::list_everything(&client).await;
    let _ = writeln!(
        out,
        "Raw LIST (all kinds at once, pages of 500): {objects} objects in {:.2} s.\n",
        list_time.as_secs_f64()
    );
    say(&format!(
        "raw LIST: {objects} objects ({pods} pods) in {list_time:?}"
    ));

    let tenantry_bin = PathBuf::from(env!("CARGO_BIN_EXE_tenantry"));
    let tools = bench_tools(&mut say);
    let _ = writeln!(
        out,
        "| tool | loaded | × LIST | RSS loaded | RSS +20 s | peak RSS | idle CPU ticks (10 s) | idle bytes to terminal (10 s) | key→frame p50 / p99 |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    for name in &wanted {
        let kc = kubeconfig.display().to_string();
        let (command, loaded): (Result<String, String>, Loaded) = match name.as_str() {
            "tenantry" => (
                Ok(format!(
                    "exec {} --kubeconfig {kc} --color never",
                    tenantry_bin.display()
                )),
                Box::new(|screen: &str| {
                    screen.lines().last().is_some_and(|l| l.contains("synced"))
                        && !screen.contains("syncing")
                }),
            ),
            "k9s" => (
                tools.k9s.clone().map(|bin| {
                    format!(
                        "exec env KUBECONFIG={kc} {} -A -c pods --readonly --logoless",
                        bin.display()
                    )
                }),
                {
                    let want = format!("pods(all)[{}]", thousands(pods));
                    Box::new(move |screen: &str| screen.contains(&want))
                },
            ),
            "kdash" => (
                tools
                    .kdash
                    .clone()
                    .map(|bin| format!("exec env KUBECONFIG={kc} {}", bin.display())),
                {
                    let want = format!("Pods (ns: all) [{pods}]");
                    Box::new(move |screen: &str| screen.contains(&want))
                },
            ),
            other => (
                Err(format!("unknown tool {other}")),
                Box::new(|_: &str| false),
            ),
        };
        let command = match command {
            Ok(c) => c,
            Err(why) => {
                let _ = writeln!(out, "| {name} | not run: {why} | | | | | | | |");
                continue;
            }
        };
        say(&format!("{name}: {command}"));
        let churn = (name == "tenantry" && churn_rate > 0).then_some((&dir, churn_rate));
        match measure(name, &command, &*loaded, deadline, list_time, churn) {
            Ok(m) => {
                let _ = writeln!(out, "{}", m.row(name, list_time));
                if let Some(settled) = m.settled {
                    notes.push(format!(
                        "{name}: the admission probes of every tenant were done {:.0} s after start; the idle figures were measured after that.",
                        settled.as_secs_f64()
                    ));
                }
                if let Some(note) = m.churn_note {
                    notes.push(format!("{name}: {note}"));
                }
            }
            Err(why) => {
                let _ = writeln!(out, "| {name} | not run: {why} | | | | | | | |");
            }
        }
    }
    for note in notes {
        let _ = writeln!(out, "\n{note}");
    }
    let headless = headless(&tenantry_bin, &kubeconfig);
    let _ = writeln!(out, "\n{headless}");

    println!("{out}");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/side-by-side");
    if std::fs::create_dir_all(&target).is_ok() {
        let file = target.join(format!("tier-{}.md", tier.name()));
        match std::fs::write(&file, &out) {
            Ok(()) => eprintln!("written to {}", file.display()),
            Err(err) => eprintln!("could not write {}: {err}", file.display()),
        }
    }
    tmux(&["kill-server"]).ok();
    drop(started_here);
}

struct Tools {
    k9s: Result<PathBuf, String>,
    kdash: Result<PathBuf, String>,
}

/// k9s and kdash from `scripts/bench-tools` (which builds what is missing).
fn bench_tools(say: &mut dyn FnMut(&str)) -> Tools {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench-tools");
    say("locating k9s and kdash (scripts/bench-tools builds them once)");
    let output = Command::new(&script).stderr(Stdio::piped()).output();
    let missing = |why: String| Tools {
        k9s: Err(why.clone()),
        kdash: Err(why),
    };
    let output = match output {
        Ok(o) => o,
        Err(err) => return missing(format!("{} did not run: {err}", script.display())),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let find = |tool: &str| -> Result<PathBuf, String> {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(tool).map(|p| PathBuf::from(p.trim())))
            .filter(|p| p.is_file())
            .ok_or_else(|| {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr.lines().last().unwrap_or("no output").to_string();
                format!("not built ({last})")
            })
    };
    Tools {
        k9s: find("k9s "),
        kdash: find("kdash "),
    }
}

#[derive(Default)]
struct Measured {
    loaded: Option<Duration>,
    rss_loaded: u64,
    rss_later: u64,
    hwm: u64,
    idle_ticks: Option<u64>,
    idle_bytes: Option<u64>,
    keys: Vec<Duration>,
    churn_note: Option<String>,
    deadline: Duration,
    /// When background work after loading (tenantry's probes) was done.
    settled: Option<Duration>,
}

impl Measured {
    fn row(&self, name: &str, list: Duration) -> String {
        let Some(loaded) = self.loaded else {
            return format!(
                "| {name} | did not load within {} s | | | | {} | | | |",
                self.deadline.as_secs(),
                mib(self.hwm)
            );
        };
        let (p50, p99) = percentiles(&self.keys);
        format!(
            "| {name} | {:.2} s | {:.2}× | {} | {} | {} | {} | {} | {p50} / {p99} ({} keys) |",
            loaded.as_secs_f64(),
            loaded.as_secs_f64() / list.as_secs_f64().max(0.001),
            mib(self.rss_loaded),
            mib(self.rss_later),
            mib(self.hwm),
            self.idle_ticks.map_or("?".into(), |t| t.to_string()),
            self.idle_bytes.map_or("?".into(), |b| b.to_string()),
            self.keys.len(),
        )
    }
}

fn percentiles(samples: &[Duration]) -> (String, String) {
    if samples.is_empty() {
        return ("?".into(), "?".into());
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = |q: f64| {
        let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        format!("{:.0} ms", sorted[i].as_secs_f64() * 1e3)
    };
    (at(0.5), at(0.99))
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// Runs one tool in a fresh tmux session and measures it.
fn measure(
    name: &str,
    command: &str,
    loaded: &dyn Fn(&str) -> bool,
    deadline: Duration,
    list: Duration,
    churn: Option<(&PathBuf, u64)>,
) -> Result<Measured, String> {
    let session = format!("bench-{name}");
    tmux(&["kill-session", "-t", &session]).ok();
    let started = Instant::now();
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        &SIZE.0.to_string(),
        "-y",
        &SIZE.1.to_string(),
        command,
    ])?;
    let pid: u32 = tmux(&["display-message", "-p", "-t", &session, "#{pane_pid}"])?
        .trim()
        .parse()
        .map_err(|_| "no pane pid".to_string())?;
    let mut m = Measured {
        deadline,
        ..Measured::default()
    };
    // Until loaded: poll the screen every 50 ms.
    loop {
        let screen = capture(&session, false).unwrap_or_default();
        if loaded(&screen) {
            m.loaded = Some(started.elapsed());
            break;
        }
        if started.elapsed() > deadline || !Path::new(&format!("/proc/{pid}")).exists() {
            m.hwm = status_kib(pid, "VmHWM").unwrap_or(0);
            tmux(&["kill-session", "-t", &session]).ok();
            let _ = list;
            return Ok(m);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    m.rss_loaded = status_kib(pid, "VmRSS").unwrap_or(0);
    std::thread::sleep(Duration::from_secs(20));
    m.rss_later = status_kib(pid, "VmRSS").unwrap_or(0);
    // tenantry probes every tenant's admission after its lists (a few at
    // a time, minutes at tier L): idle means once that is done.
    let settling = Instant::now();
    while capture(&session, false).is_some_and(|s| s.contains("probed "))
        && settling.elapsed() < deadline
    {
        std::thread::sleep(Duration::from_millis(500));
    }
    if settling.elapsed() > Duration::from_secs(1) {
        m.settled =
            Some(m.loaded.unwrap_or_default() + Duration::from_secs(20) + settling.elapsed());
    }

    // Idle: CPU ticks and bytes to the terminal over 10 s.
    let pipe = std::env::temp_dir().join(format!("tenantry-bench-{name}.out"));
    let _ = std::fs::remove_file(&pipe);
    tmux(&[
        "pipe-pane",
        "-o",
        "-t",
        &session,
        &format!("cat >> {}", pipe.display()),
    ])?;
    std::thread::sleep(Duration::from_millis(500));
    let size0 = std::fs::metadata(&pipe).map(|m| m.len()).unwrap_or(0);
    let ticks0 = ticks(pid);
    std::thread::sleep(Duration::from_secs(10));
    m.idle_ticks = ticks(pid).zip(ticks0).map(|(b, a)| b.saturating_sub(a));
    m.idle_bytes = std::fs::metadata(&pipe)
        .ok()
        .map(|md| md.len().saturating_sub(size0));
    tmux(&["pipe-pane", "-t", &session]).ok();

    m.keys = keystrokes(&session, KEYSTROKES);

    if let Some((dir, rate)) = churn {
        let mut churner = start_churn(dir, rate)?;
        std::thread::sleep(Duration::from_secs(5));
        let t0 = ticks(pid);
        let wall = Instant::now();
        std::thread::sleep(Duration::from_secs(10));
        let cpu = ticks(pid).zip(t0).map(|(b, a)| b.saturating_sub(a));
        let clk = clock_ticks();
        let keys = keystrokes(&session, KEYSTROKES * 2);
        let (p50, p99) = percentiles(&keys);
        churner.kill().ok();
        let churn_out = churner
            .wait_with_output()
            .map(|o| {
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default();
        m.churn_note = Some(format!(
            "under churn at {rate} updates/s ({}): CPU {} over {:.0} s, key→frame p50 {p50}, p99 {p99} ({} keys)",
            churn_out.trim(),
            cpu.map_or("?".into(), |t| format!(
                "{t} ticks = {:.0} % of a core",
                t as f64 / clk as f64 / wall.elapsed().as_secs_f64() * 100.0
            )),
            wall.elapsed().as_secs_f64(),
            keys.len()
        ));
    }
    m.hwm = status_kib(pid, "VmHWM").unwrap_or(0);
    tmux(&["kill-session", "-t", &session]).ok();
    Ok(m)
}

fn start_churn(dir: &Path, rate: u64) -> Result<Child, String> {
    Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .args(["sandbox", "churn", "--dir"])
        .arg(dir)
        .args(["--rate", &rate.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting the churn generator: {e}"))
}

/// Presses Down and Up in turn; for each, the time until the screen (with
/// its attributes, so a moved highlight counts) differs from before.
fn keystrokes(session: &str, n: usize) -> Vec<Duration> {
    let mut out = Vec::new();
    for i in 0..n {
        let key = if i % 2 == 0 { "Down" } else { "Up" };
        let Some(before) = capture(session, true) else {
            break;
        };
        let sent = Instant::now();
        if tmux(&["send-keys", "-t", session, key]).is_err() {
            break;
        }
        loop {
            let now = capture(session, true).unwrap_or_default();
            if now != before {
                out.push(sent.elapsed());
                break;
            }
            if sent.elapsed() > Duration::from_secs(2) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    out
}

fn capture(session: &str, escapes: bool) -> Option<String> {
    let mut args = vec!["capture-pane", "-p", "-t", session];
    if escapes {
        args.push("-e");
    }
    tmux(&args).ok()
}

fn tmux(args: &[&str]) -> Result<String, String> {
    let out = Command::new("tmux")
        .args(["-L", SOCKET, "-f", "/dev/null"])
        .args(args)
        .env("TERM", "xterm-256color")
        .output()
        .map_err(|e| format!("tmux: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "tmux {}: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A field of /proc/PID/status in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// utime + stime of a process, in clock ticks.
fn ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks() -> u64 {
    // SAFETY: sysconf reads a constant of the system.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(t).unwrap_or(100).max(1)
}

/// `tenantry tenants -o json`: wall time and peak RSS (VmHWM polled until
/// it exits).
fn headless(bin: &Path, kubeconfig: &Path) -> String {
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["tenants", "-o", "json", "--kubeconfig"])
        .arg(kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(err) => return format!("headless `tenants -o json`: did not start: {err}"),
    };
    let pid = child.id();
    let mut hwm = 0;
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut out) = stdout {
            use std::io::Read;
            let _ = out.read_to_string(&mut s);
        }
        s
    });
    loop {
        if let Some(h) = status_kib(pid, "VmHWM") {
            hwm = hwm.max(h);
        }
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    let wall = started.elapsed();
    let json = reader.join().unwrap_or_default();
    let tenants = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v["tenants"].as_array().map(Vec::len));
    format!(
        "Headless `tenantry tenants -o json`: {:.2} s wall, peak RSS {} (at least: sampled every 10 ms), {} tenants.",
        wall.as_secs_f64(),
        mib(hwm),
        tenants.map_or("?".into(), |n| n.to_string())
    )
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or("?".into(), |kib| {
            format!("{:.0} GiB", kib as f64 / 1048576.0)
        });
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().next().unwrap_or("?").to_string())
        .unwrap_or_default();
    format!("{cores} cores, {mem}, load average {load} at start")
}
