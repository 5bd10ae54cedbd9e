//! The console in a real terminal: tmux runs the binary at 80×24 against
//! the sandbox, keys are typed, the screen is read back as text.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::cluster;
use tenantry::sandbox::Persona;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(command: &str, size: (u16, u16)) -> Tmux {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let socket = format!(
            "tenantry-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let tmux = Tmux { socket };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "console",
            "-x",
            &size.0.to_string(),
            "-y",
            &size.1.to_string(),
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux is needed for the terminal tests: apt-get install -y tmux")
    }

    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "console"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "console"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "console", "-l", text]);
    }

    fn wait_for(&self, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{needle:?} never appeared; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn console_command(kubeconfig: &Path) -> String {
    format!(
        "env TERM=xterm-256color NO_COLOR=1 TENANTRY_CONFIG_DIR=/nonexistent {} --kubeconfig {}; \
         echo EXITED:$?; sleep 60",
        env!("CARGO_BIN_EXE_tenantry"),
        kubeconfig.display()
    )
}

#[test]
fn the_console_starts_shows_the_demo_tenants_opens_one_and_quits_cleanly() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Admin)),
        (80, 24),
    );
    let screen = tmux.wait_for("initech");
    for tenant in ["acme", "globex", "hooli", "umbrella"] {
        assert!(screen.contains(tenant), "{tenant} missing:\n{screen}");
    }
    assert!(!screen.contains("EXITED"), "{screen}");

    tmux.text(":");
    tmux.text("globex");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("Overview");
    assert!(screen.contains("globex-web"), "{screen}");

    tmux.keys(&["2"]);
    let screen = tmux.wait_for("requests.memory");
    assert!(
        screen.contains("150%"),
        "globex is over its memory quota:\n{screen}"
    );

    tmux.keys(&["Escape"]);
    tmux.wait_for("initech");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("EXITED:");
    assert!(screen.contains("EXITED:0"), "{screen}");
    // The terminal is restored: the shell's output is on the normal screen,
    // not left behind the console's alternate screen.
    assert!(!screen.contains("initech"), "{screen}");
}

#[test]
fn bob_gets_a_plain_explanation_instead_of_an_empty_table() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Bob)),
        (80, 24),
    );
    let screen = tmux.wait_for("no tenant");
    assert!(screen.contains("cannot list namespaces"), "{screen}");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("EXITED:");
    assert!(screen.contains("EXITED:0"), "{screen}");
}

#[test]
fn a_small_terminal_is_told_how_much_room_is_needed() {
    let tmux = Tmux::start(
        &console_command(&cluster().kubeconfig(Persona::Admin)),
        (60, 20),
    );
    let screen = tmux.wait_for("80");
    assert!(
        screen.contains("80×24") || screen.contains("80x24"),
        "{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED:0");
}
