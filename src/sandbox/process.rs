//! Starting, watching and stopping the control-plane processes.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long the started processes live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// They outlive tenantry (`sandbox up`) and are stopped by PID later.
    Detached,
    /// They die with this process, even when it is killed (tests, `demo`).
    TiedToThisProcess,
}

/// A free loopback port. Another process can take it before ours binds it;
/// the caller notices "address already in use" and retries with new ports.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}

type SpawnRequest = (Command, mpsc::Sender<std::io::Result<Child>>);

/// `PR_SET_PDEATHSIG` fires when the *thread* that forked the child ends,
/// not the process; test harness threads end after each test, so tied
/// children are forked from one thread that lives as long as the process.
fn spawner() -> &'static Mutex<mpsc::Sender<SpawnRequest>> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("tenantry-sandbox-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
            })
            .ok();
        Mutex::new(tx)
    })
}

/// Starts one component with its output going to `log`.
pub fn spawn(program: &Path, args: &[String], log: &Path, lifetime: Lifetime) -> Result<Child> {
    let log_file =
        std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        // Its own process group: a Ctrl-C meant for tenantry's console does
        // not reach the control plane, which is stopped in order instead.
        .process_group(0);
    match lifetime {
        Lifetime::Detached => command
            .spawn()
            .with_context(|| format!("starting {}", program.display())),
        Lifetime::TiedToThisProcess => {
            // SAFETY: prctl is async-signal-safe and touches no memory of ours.
            unsafe {
                command.pre_exec(|| {
                    if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let (reply_tx, reply_rx) = mpsc::channel();
            spawner()
                .lock()
                .map_err(|_| anyhow::anyhow!("the sandbox spawner thread panicked"))?
                .send((command, reply_tx))
                .map_err(|_| anyhow::anyhow!("the sandbox spawner thread is gone"))?;
            reply_rx
                .recv()
                .context("the sandbox spawner thread is gone")?
                .with_context(|| format!("starting {}", program.display()))
        }
    }
}

/// Whether `pid` is a live (not zombie) process whose command is `name`.
/// Checking the name guards against a reused PID after a reboot.
pub fn is_running(pid: u32, name: &str) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state letter follows the parenthesised command name.
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    if matches!(state, Some("Z") | Some("X") | None) {
        return false;
    }
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let program = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    Path::new(std::ffi::OsStr::new(
        std::str::from_utf8(program).unwrap_or_default(),
    ))
    .file_name()
    .is_some_and(|f| f.to_string_lossy() == name)
}

/// Stops a process: SIGTERM, then SIGKILL after `grace`. Returns whether it
/// was running.
pub fn stop(pid: u32, name: &str, grace: Duration) -> bool {
    if !is_running(pid, name) {
        return false;
    }
    let Ok(pid_t) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: sending a signal to a PID we started and just checked.
    unsafe { libc::kill(pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        reap(pid_t);
        if !is_running(pid, name) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::kill(pid_t, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && is_running(pid, name) {
        reap(pid_t);
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// Collects the exit status of our own child so it does not linger as a
/// zombie; a no-op for processes that are not our children.
fn reap(pid: libc::pid_t) {
    let mut status = 0;
    // SAFETY: WNOHANG never blocks; status is a local.
    unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
}

/// The last `n` lines of a log file, for error messages.
pub fn log_tail(path: &Path, n: usize) -> String {
    let Ok(file) = std::fs::File::open(path) else {
        return format!("(no log at {})", path.display());
    };
    let mut tail = VecDeque::with_capacity(n);
    for line in BufReader::new(file).lines().map_while(Result::ok) {
        if tail.len() == n {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    tail.into_iter()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A component that has been started and may since have died.
#[derive(Debug)]
pub struct Running {
    pub name: &'static str,
    pub child: Child,
    pub log: PathBuf,
}

impl Running {
    /// Fails, naming the component and quoting its log, if it has exited.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Ok(Some(status)) = self.child.try_wait() {
            bail!(
                "{} exited while starting ({status}); last lines of {}:\n{}",
                self.name,
                self.log.display(),
                log_tail(&self.log, 15)
            );
        }
        Ok(())
    }

    /// Whether its log says a port it wanted was taken.
    pub fn lost_a_port_race(&self) -> bool {
        std::fs::read_to_string(&self.log)
            .map(|log| log.contains("address already in use"))
            .unwrap_or(false)
    }
}
