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

/// Which process a PID stood for when it was recorded: its program and
/// its start time. A PID is reused once its process is gone; the pair is
/// not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// `/proc/PID/exe`.
    pub exe: PathBuf,
    /// `/proc/PID/stat` field 22: clock ticks after boot.
    pub start_time: u64,
}

/// The state letter and start time from `/proc/PID/stat`. The command name
/// in parentheses may hold spaces and parentheses, so fields are counted
/// from the last `)`.
fn stat_of(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); starttime is field 22.
    let state = fields.first()?.to_string();
    let start_time = fields.get(22 - 3)?.parse().ok()?;
    Some((state, start_time))
}

fn exe_of(pid: u32) -> std::io::Result<PathBuf> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))?;
    // A program replaced on disk since it started still is that program.
    let text = exe.to_string_lossy();
    Ok(match text.strip_suffix(" (deleted)") {
        Some(path) => PathBuf::from(path),
        None => exe,
    })
}

/// Whether `pid` is a live (not zombie) process, whoever's it is.
pub fn is_alive(pid: u32) -> bool {
    stat_of(pid).is_some_and(|(state, _)| !matches!(state.as_str(), "Z" | "X"))
}

impl Identity {
    /// What runs as `pid` now.
    pub fn of(pid: u32) -> Result<Identity> {
        let (_, start_time) = stat_of(pid).with_context(|| format!("reading /proc/{pid}/stat"))?;
        let exe = exe_of(pid).with_context(|| format!("reading /proc/{pid}/exe"))?;
        Ok(Identity { exe, start_time })
    }

    /// Ok when `pid` is alive and still this process; else why not.
    pub fn matches(&self, pid: u32) -> std::result::Result<(), Mismatch> {
        if !is_alive(pid) {
            return Err(Mismatch::Gone);
        }
        let now = match Identity::of(pid) {
            Ok(now) => now,
            Err(err) => {
                return Err(Mismatch::Other(format!(
                    "cannot tell which program it runs ({err:#})"
                )));
            }
        };
        if now.start_time != self.start_time {
            return Err(Mismatch::Other(format!(
                "it started at tick {} after boot, not at tick {} as recorded: another process \
                 has the PID now",
                now.start_time, self.start_time
            )));
        }
        if now.exe != self.exe {
            return Err(Mismatch::Other(format!(
                "it runs {}, not {} as recorded",
                now.exe.display(),
                self.exe.display()
            )));
        }
        Ok(())
    }
}

/// Why a PID is not the recorded process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// Nothing (or a zombie) has the PID.
    Gone,
    Other(String),
}

/// What [`stop`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    Yes,
    NotRunning,
    /// Left alone: the PID is another process's now (the reason says how
    /// it differs).
    NotOurs(String),
}

/// Stops the process recorded as `identity` at `pid`: SIGTERM, then
/// SIGKILL after `grace`; only while its program and start time match.
pub fn stop(pid: u32, identity: &Identity, grace: Duration) -> Stopped {
    match identity.matches(pid) {
        Ok(()) => {}
        Err(Mismatch::Gone) => return Stopped::NotRunning,
        Err(Mismatch::Other(why)) => return Stopped::NotOurs(why),
    }
    let Ok(pid_t) = libc::pid_t::try_from(pid) else {
        return Stopped::NotOurs(format!("{pid} is not a valid PID"));
    };
    // Still the process checked above, and not dead yet: the same start
    // time at the same PID. (Its exe cannot be read while it exits, before
    // it is a zombie: `matches` would call it another program's, and
    // `down` would report it stopped while it still runs.)
    let ours = || {
        stat_of(pid).is_some_and(|(state, start_time)| {
            start_time == identity.start_time && !matches!(state.as_str(), "Z" | "X")
        })
    };
    // SAFETY: sending a signal to the process we started, checked just now.
    unsafe { libc::kill(pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        reap(pid_t);
        if !ours() {
            return Stopped::Yes;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if ours() {
        // SAFETY: as above, checked again.
        unsafe { libc::kill(pid_t, libc::SIGKILL) };
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && ours() {
        reap(pid_t);
        std::thread::sleep(Duration::from_millis(20));
    }
    Stopped::Yes
}

/// Sends `signal` to a component this process started and still holds.
pub fn signal(child: &Child, signal: libc::c_int) -> Result<()> {
    let pid = libc::pid_t::try_from(child.id()).context("a PID out of range")?;
    // SAFETY: `child` is our own unreaped child: its PID cannot be reused.
    if unsafe { libc::kill(pid, signal) } != 0 {
        return Err(std::io::Error::last_os_error()).context("sending a signal");
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_leaves_a_process_whose_start_time_differs_alone() {
        let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
        let pid = sleeper.id();
        let identity = Identity::of(pid).unwrap();
        assert!(identity.exe.ends_with("sleep"), "{identity:?}");
        assert_eq!(identity.matches(pid), Ok(()));

        let reused = Identity {
            start_time: identity.start_time + 1,
            ..identity.clone()
        };
        match stop(pid, &reused, Duration::from_secs(1)) {
            Stopped::NotOurs(why) => assert!(why.contains("another process"), "{why}"),
            other => panic!("{other:?}"),
        }
        let other_program = Identity {
            exe: PathBuf::from("/usr/local/bin/etcd"),
            ..identity.clone()
        };
        assert!(matches!(
            stop(pid, &other_program, Duration::from_secs(1)),
            Stopped::NotOurs(_)
        ));
        assert!(is_alive(pid));
        assert_eq!(sleeper.try_wait().unwrap(), None);

        assert_eq!(stop(pid, &identity, Duration::from_secs(5)), Stopped::Yes);
        let _ = sleeper.wait();
        assert!(!is_alive(pid));
        assert_eq!(
            stop(pid, &identity, Duration::from_secs(1)),
            Stopped::NotRunning
        );
    }
}
