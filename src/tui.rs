//! The terminal and the event loop (ARCHITECTURE.md §2, §8): one channel fed by
//! the terminal, the watchers and signals; drain it, update, and draw at
//! most once per frame interval, only when something changed.

use std::io::{BufWriter, Stdout, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event, EventStream, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{execute, terminal};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use crate::app::{Action, Effect, Overlay, State, Ticket, update};
use crate::config::{KeyContext, Keymap, Theme};
use crate::kube::client::Connection;
use crate::kube::write_path::{Preview, WritePath};
use crate::model::write_plan::{Committed, PreparedWrite, WriteRequest};

/// One cluster the console shows: how to reach it and which namespaces
/// to read one by one.
pub struct ClusterStart {
    pub connection: Connection,
    pub known_namespaces: Vec<String>,
}

/// What the console needs to start: one cluster, or a fleet's (in the
/// order of `state.clusters`).
pub struct Console {
    pub clusters: Vec<ClusterStart>,
    pub state: State,
    pub theme: Theme,
    pub keymap: Keymap,
    pub mouse: bool,
    pub redraw_per_second: u32,
}

/// One cluster's live session (ARCHITECTURE.md §2): its own connection,
/// watches, access planning and probes. Its actions reach the reducer as
/// `Action::Cluster(index, …)`, so a cluster that is slow or gone never
/// holds up another.
struct Session {
    index: usize,
    /// The user's own connection: `v` views go from it and back to it.
    own: Connection,
    own_known: Vec<String>,
    /// The connection in use (the user's, or an owner's in a `v` view).
    connection: Connection,
    known_namespaces: Vec<String>,
    live: JoinHandle<()>,
    forward: JoinHandle<()>,
    /// Whether `Action::Synced` was sent for the current lists.
    synced: bool,
}

impl Session {
    fn start(
        index: usize,
        start: ClusterStart,
        tx: &UnboundedSender<Action>,
        ticket: (Ticket, u64),
    ) -> Session {
        let (live, forward) = Self::spawn(
            index,
            &start.connection,
            &start.known_namespaces,
            tx,
            ticket,
        );
        Session {
            index,
            own: start.connection.clone(),
            own_known: start.known_namespaces.clone(),
            connection: start.connection,
            known_namespaces: start.known_namespaces,
            live,
            forward,
            synced: false,
        }
    }

    fn spawn(
        index: usize,
        connection: &Connection,
        known: &[String],
        tx: &UnboundedSender<Action>,
        (ticket, session): (Ticket, u64),
    ) -> (JoinHandle<()>, JoinHandle<()>) {
        let (session_tx, mut session_rx) = unbounded_channel::<Action>();
        // The ticket the session starts under: its whoami answer carries it.
        let live = crate::live::start(connection, known.to_vec(), session_tx, ticket);
        let tx = tx.clone();
        // What this session sent and the loop has not applied yet when it
        // is replaced is dropped by the reducer (`Action::Session`).
        let forward = tokio::spawn(async move {
            while let Some(action) = session_rx.recv().await {
                let action = Action::Session {
                    session,
                    action: Box::new(action),
                };
                if tx.send(Action::Cluster(index, Box::new(action))).is_err() {
                    return;
                }
            }
        });
        (live, forward)
    }

    /// Lists everything again on the current connection; nothing the
    /// previous session still had in flight is delivered.
    /// `ticket`: the cluster's ticket and session number now.
    fn restart(&mut self, tx: &UnboundedSender<Action>, ticket: (Ticket, u64)) {
        self.stop();
        let (live, forward) = Self::spawn(
            self.index,
            &self.connection,
            &self.known_namespaces,
            tx,
            ticket,
        );
        self.live = live;
        self.forward = forward;
        self.synced = false;
    }

    fn stop(&self) {
        self.live.abort();
        self.forward.abort();
    }
}

type Backend = CrosstermBackend<BufWriter<Stdout>>;

/// How often the tenants list's findings may be recomputed while the
/// cluster changes.
const FINDINGS_INTERVAL: Duration = Duration::from_secs(2);

/// Puts the terminal back however the console ends: return, error, panic.
struct TerminalGuard {
    mouse: bool,
}

impl TerminalGuard {
    fn enter(mouse: bool) -> Result<Self> {
        terminal::enable_raw_mode().context("switching the terminal to raw mode")?;
        let guard = TerminalGuard { mouse };
        let mut out = std::io::stdout();
        execute!(out, terminal::EnterAlternateScreen, crossterm::cursor::Hide)
            .context("entering the alternate screen")?;
        if mouse {
            execute!(out, crossterm::event::EnableMouseCapture)?;
        }
        Ok(guard)
    }
}

fn restore_terminal(mouse: bool) {
    let mut out = std::io::stdout();
    if mouse {
        let _ = execute!(out, crossterm::event::DisableMouseCapture);
    }
    let _ = execute!(
        out,
        terminal::EndSynchronizedUpdate,
        terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal(self.mouse);
    }
}

/// A panic restores the terminal before the message is printed, so the
/// message is readable and the shell usable.
fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal(mouse);
        previous(info);
    }));
}

pub use crate::ui::key_context;

/// Turns a key press into an action: the keymap first, then text entry.
pub fn key_action(state: &State, keymap: &Keymap, key: &KeyEvent) -> Option<Action> {
    if !matches!(key.kind, KeyEventKind::Press | KeyEventKind::Repeat) {
        return None;
    }
    let context = key_context(state);
    // A write on a `confirm: type-name` context: keys that continue the
    // tenant's name type it; once it is whole, `y` applies.
    if crate::app::typing_confirmation(state) {
        use crossterm::event::KeyCode;
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if plain && crate::app::confirm_accepts(state, c) => {
                return Some(Action::InputChar(c));
            }
            KeyCode::Backspace => return Some(Action::InputBackspace),
            _ => {}
        }
    }
    if let Some(action) = keymap.lookup(context, key) {
        return Some(Action::Key(action));
    }
    if context == KeyContext::Input {
        return Some(Action::FormKey((*key).into()));
    }
    if matches!(state.overlay, Some(Overlay::Input(_))) {
        use crossterm::event::KeyCode;
        match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                return Some(Action::InputChar(c));
            }
            KeyCode::Backspace => return Some(Action::InputBackspace),
            _ => {}
        }
    }
    None
}

impl Console {
    /// Runs until the user quits or a signal arrives. Call from inside a
    /// tokio runtime, after anything that may prompt (exec credential
    /// plugins) has run.
    pub async fn run(mut self) -> Result<()> {
        let guard = TerminalGuard::enter(self.mouse)?;
        install_panic_hook(self.mouse);
        let backend = CrosstermBackend::new(BufWriter::with_capacity(64 * 1024, std::io::stdout()));
        let mut terminal = Terminal::new(backend).context("starting the terminal")?;
        let result = self.event_loop(&mut terminal).await;
        drop(terminal);
        drop(guard);
        result
    }

    async fn event_loop(&mut self, terminal: &mut Terminal<Backend>) -> Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigterm = signal(SignalKind::terminate())?;
        let mut sighup = signal(SignalKind::hangup())?;
        let (tx, mut rx) = unbounded_channel::<Action>();
        let mut sessions: Vec<Session> = std::mem::take(&mut self.clusters)
            .into_iter()
            .enumerate()
            .map(|(i, start)| {
                let cluster = &self.state.clusters[i];
                Session::start(i, start, &tx, (cluster.ticket(), cluster.session))
            })
            .collect();
        let mut events = EventStream::new();
        let interval = Duration::from_secs(1) / self.redraw_per_second.clamp(1, 120);
        let size = terminal.size()?;
        update(&mut self.state, Action::Resize(size.width, size.height));

        let mut dirty = true;
        // A key's answer is drawn at once: the redraw cap batches what the
        // cluster sends, never what the user typed (ARCHITECTURE.md §8).
        let mut urgent = false;
        let mut last_draw: Option<Instant> = None;
        let mut synced_logged = false;
        // Every tenant is probed once the lists are in: a few at a time per
        // cluster, so a large cluster's API server sees a trickle, not a
        // burst, and a slow cluster never takes another's turns.
        let probe_slots: Vec<_> = sessions
            .iter()
            .map(|_| std::sync::Arc::new(tokio::sync::Semaphore::new(4)))
            .collect();
        let mut last_findings: Option<Instant> = None;
        let mut findings_round = false;
        // Effects with their cluster and the ticket of the moment they
        // were made.
        let mut effects: Vec<(usize, Ticket, Effect)> = Vec::new();
        loop {
            if dirty {
                let due =
                    last_draw.map_or(Duration::ZERO, |t| interval.saturating_sub(t.elapsed()));
                if due.is_zero() || urgent {
                    urgent = false;
                    // The derived data catches up with the batch, then the
                    // scroll limit of what will be drawn is measured.
                    self.apply(Action::Settle, &mut effects);
                    let max_scroll = crate::ui::scroll_limit(
                        &self.state,
                        &self.theme,
                        &self.keymap,
                        self.state.size,
                    );
                    self.apply(Action::ScrollLimit(max_scroll), &mut effects);
                    let targets = crate::ui::detail_targets(
                        &self.state,
                        &self.theme,
                        &self.keymap,
                        self.state.size,
                    );
                    self.apply(Action::DetailTargets(targets), &mut effects);
                    self.draw(terminal)?;
                    if last_draw.is_none() {
                        tracing::info!(
                            ms = crate::logging::since_start().as_millis() as u64,
                            "first frame"
                        );
                    }
                    // Each cluster's first lists, once in, start its probes.
                    for session in &mut sessions {
                        if !session.synced && !self.state.clusters[session.index].loading() {
                            session.synced = true;
                            let _ =
                                tx.send(Action::Cluster(session.index, Box::new(Action::Synced)));
                        }
                    }
                    if !synced_logged && !self.state.loading() {
                        synced_logged = true;
                        release_free_memory();
                        tracing::info!(
                            ms = crate::logging::since_start().as_millis() as u64,
                            tenants = self.state.row_count(),
                            clusters = self.state.clusters.len(),
                            "fully synced frame"
                        );
                    }
                    dirty = false;
                    last_draw = Some(Instant::now());
                }
            }
            // Findings for the whole list are the expensive part of the
            // derived data: a round at most every FINDINGS_INTERVAL, after a
            // frame, in slices (`FINDINGS_SLICE`) with frames and keys
            // between them, so no keystroke waits for a large cluster's
            // checks.
            if !dirty
                && self.state.findings_stale()
                && (findings_round
                    || last_findings.is_none_or(|t: Instant| t.elapsed() >= FINDINGS_INTERVAL))
            {
                self.apply(Action::FindingsDue, &mut effects);
                findings_round = self.state.findings_stale();
                last_findings = Some(Instant::now());
                dirty = true;
                continue;
            }
            let wait = match (dirty, last_draw) {
                (true, Some(t)) => interval.saturating_sub(t.elapsed()),
                _ => Duration::from_secs(3600),
            };
            tokio::select! {
                action = rx.recv() => {
                    let Some(action) = action else { break };
                    dirty |= self.apply(action, &mut effects);
                    while let Ok(action) = rx.try_recv() {
                        dirty |= self.apply(action, &mut effects);
                    }
                }
                event = events.next() => {
                    match event {
                        Some(Ok(Event::Key(key))) => {
                            if let Some(action) = key_action(&self.state, &self.keymap, &key) {
                                dirty |= self.apply(action, &mut effects);
                                urgent = dirty;
                            }
                        }
                        Some(Ok(Event::Resize(width, height))) => {
                            dirty |= self.apply(Action::Resize(width, height), &mut effects);
                            terminal.autoresize()?;
                        }
                        Some(Ok(_)) => {}
                        Some(Err(err)) => return Err(err).context("reading the terminal"),
                        None => break,
                    }
                }
                _ = tokio::time::sleep(wait), if dirty => {}
                _ = sigterm.recv() => break,
                _ = sighup.recv() => break,
            }
            for (cluster, ticket, effect) in std::mem::take(&mut effects) {
                let Some(session) = sessions.get_mut(cluster) else {
                    continue;
                };
                // Every answer carries the ticket it was started with.
                let answer = {
                    let ticket = ticket.clone();
                    move |action: Action| Action::Answer {
                        ticket: ticket.clone(),
                        action: Box::new(action),
                    }
                };
                match effect {
                    // Unwrapped by `apply`.
                    Effect::Cluster(..) => {}
                    Effect::Probe(id) => {
                        let data = &self.state.clusters[cluster];
                        let Some(tenant) = data.resolution.tenant(&id).cloned() else {
                            continue;
                        };
                        let connection = session.connection.clone();
                        let user = data.identity.user.clone();
                        // An owner's view only reads: its probes are the
                        // access reviews, never dry-run creates.
                        let readonly = self.state.readonly || session.connection.view_only;
                        let tx = tx.clone();
                        let slots = probe_slots[cluster].clone();
                        tokio::spawn(async move {
                            let Ok(_slot) = slots.acquire_owned().await else {
                                return;
                            };
                            let results = crate::kube::probe::run_probes(
                                &connection,
                                &tenant,
                                &user,
                                readonly,
                            )
                            .await;
                            let _ = tx.send(answer(Action::Probed {
                                tenant: tenant.id.clone(),
                                results,
                            }));
                        });
                    }
                    Effect::LoadOwnRules(namespaces) => {
                        let client = session.connection.client.clone();
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for namespace in namespaces {
                                let rules = match crate::kube::probe::own_rules(&client, &namespace)
                                    .await
                                {
                                    Ok((rules, incomplete)) => {
                                        crate::app::OwnRules::Loaded { rules, incomplete }
                                    }
                                    Err(err) => crate::app::OwnRules::Failed(err),
                                };
                                let _ = tx.send(answer(Action::OwnRules { namespace, rules }));
                            }
                        });
                    }
                    Effect::Preflight {
                        action,
                        objects,
                        force,
                    } => {
                        let writes = self.write_path(&session.connection, cluster);
                        let request = WriteRequest {
                            action,
                            objects,
                            force,
                        };
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            let result = writes
                                .prepare(request, Preview::Recorded)
                                .await
                                .map(|prepared| prepared.plan);
                            let _ = tx.send(answer(Action::WritePlanned(result)));
                        });
                    }
                    Effect::RecordRefusal {
                        action,
                        objects,
                        message,
                    } => {
                        let request = WriteRequest {
                            action,
                            objects,
                            force: false,
                        };
                        self.write_path(&session.connection, cluster)
                            .record_refusal(&request, true, &message);
                    }
                    Effect::Apply {
                        action,
                        objects,
                        force,
                        expected,
                    } => {
                        let writes = self.write_path(&session.connection, cluster);
                        // What the user confirmed: the request and the
                        // plan they saw. The commit writes only if the
                        // server still plans exactly that.
                        let prepared = PreparedWrite {
                            request: WriteRequest {
                                action,
                                objects,
                                force,
                            },
                            plan: expected,
                        };
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            let progress = tx.clone();
                            let result = match writes
                                .commit(prepared, |object| {
                                    let _ = progress
                                        .send(answer(Action::WriteProgress(object.clone())));
                                })
                                .await
                            {
                                Committed::Applied(report) => Action::WriteDone(report),
                                Committed::Moved(now) => Action::WritePlanned(Ok(now.plan)),
                                Committed::Refused(refusal) => Action::WritePlanned(Err(refusal)),
                            };
                            let _ = tx.send(answer(result));
                        });
                    }
                    Effect::CheckViewAs(subject) => {
                        let client = session.own.client.clone();
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            let wanted = crate::kube::client::Impersonation {
                                user: subject.user.clone(),
                                groups: subject.groups.clone(),
                            };
                            let result = crate::kube::client::check_impersonation(&client, &wanted)
                                .await
                                .map_err(|err| err.to_string());
                            let _ = tx.send(answer(Action::ViewAsChecked { subject, result }));
                        });
                    }
                    Effect::SwitchIdentity(subject) => {
                        let switched = match &subject {
                            None => Ok(session.own.clone()),
                            Some(subject) => session
                                .own
                                .impersonate(&crate::kube::client::Impersonation {
                                    user: subject.user.clone(),
                                    groups: subject.groups.clone(),
                                })
                                .map(|connection| crate::kube::client::Connection {
                                    view_only: true,
                                    ..connection
                                }),
                        };
                        match switched {
                            Ok(connection) => session.connection = connection,
                            Err(err) => {
                                let _ = tx.send(Action::Cluster(
                                    cluster,
                                    Box::new(Action::Fatal(format!("{err:#}"))),
                                ));
                                continue;
                            }
                        }
                        let mut known = session.own_known.clone();
                        if let Some(subject) = &subject {
                            known.extend(subject.namespaces.iter().cloned());
                            known.sort();
                            known.dedup();
                        }
                        session.known_namespaces = known;
                        synced_logged = false;
                        session
                            .restart(&tx, (ticket.clone(), self.state.clusters[cluster].session));
                    }
                    Effect::Copy(text) => {
                        let sequence = crate::app::copy::osc52(&text);
                        let backend = terminal.backend_mut();
                        if let Err(err) = backend
                            .write_all(sequence.as_bytes())
                            .and_then(|()| backend.flush())
                        {
                            tracing::warn!(%err, "writing the OSC 52 copy");
                        }
                    }
                    Effect::Resync => {
                        // Probes were forgotten with everything else: once
                        // the new lists are in, every tenant is probed again.
                        synced_logged = false;
                        session
                            .restart(&tx, (ticket.clone(), self.state.clusters[cluster].session));
                    }
                }
            }
            if self.state.quit {
                break;
            }
        }
        for session in &sessions {
            session.stop();
        }
        Ok(())
    }

    /// The one write path, on the cluster written to, as the user the
    /// server named (audit log) and in the console's read-only mode.
    fn write_path(&self, connection: &Connection, cluster: usize) -> WritePath {
        WritePath::new(
            connection,
            self.state
                .clusters
                .get(cluster)
                .map(|c| c.identity.user.clone())
                .unwrap_or_default(),
            self.state.readonly,
        )
    }

    /// Applies an action; says whether the screen may have changed. Its
    /// effects carry their cluster and the ticket of the moment they were
    /// made: a read's that cluster's, a write's the flow's request.
    fn apply(&mut self, action: Action, effects: &mut Vec<(usize, Ticket, Effect)>) -> bool {
        let from_watch = action.is_watch();
        let generations = |state: &State| -> u64 {
            state
                .clusters
                .iter()
                .map(|c| c.inventory.generation())
                .sum()
        };
        let before = generations(&self.state);
        for effect in update(&mut self.state, action) {
            let (cluster, effect) = match effect {
                Effect::Cluster(i, effect) => (i, *effect),
                effect => (self.state.focus(), effect),
            };
            let ticket = match effect {
                Effect::Preflight { .. } | Effect::Apply { .. } => self.state.write_ticket(),
                _ => match self.state.clusters.get(cluster) {
                    Some(c) => c.ticket(),
                    None => continue,
                },
            };
            effects.push((cluster, ticket, effect));
        }
        !from_watch || generations(&self.state) != before
    }

    fn draw(&self, terminal: &mut Terminal<Backend>) -> Result<()> {
        // Synchronized updates: the terminal shows the frame whole, never
        // half-drawn (noticeable over slow SSH links).
        execute!(terminal.backend_mut(), terminal::BeginSynchronizedUpdate)?;
        terminal.draw(|frame| crate::ui::render(frame, &self.state, &self.theme, &self.keymap))?;
        execute!(terminal.backend_mut(), terminal::EndSynchronizedUpdate)?;
        terminal.backend_mut().flush()?;
        Ok(())
    }
}

/// The first lists leave large freed buffers behind (the JSON pages); glibc
/// keeps them unless asked, so resident memory would not reflect what is
/// kept. Other C libraries (musl) return memory on their own and have no
/// `malloc_trim`.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
}
