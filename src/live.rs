//! Glue between the watchers and the reducer, shared by the console and
//! the headless commands so both show the same numbers.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, bail};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use crate::app::{Action, State, Ticket, update};
use crate::config::{ResolverSetting, Settings};
use crate::kube::client::Connection;
use crate::kube::watch;
use crate::model::{ResolverKind, TenantId};

/// Namespaces a user who cannot list namespaces can still name: `-n`, the
/// kubeconfig context's namespace (and those of the other contexts of the
/// same cluster and user), and config.yaml's namespaces and tenants.
pub fn known_namespaces(
    flags: &[String],
    connection: &Connection,
    settings: &Settings,
) -> Vec<String> {
    namespace_origins(flags, connection, settings)
        .into_keys()
        .collect()
}

/// [`known_namespaces`], each with where it came from (`-n`, `context`,
/// `context NAME` for another context, `config.yaml`). The watch plan adds
/// what it discovers in the cluster (`kube/watch.rs` `discover`).
pub fn namespace_origins(
    flags: &[String],
    connection: &Connection,
    settings: &Settings,
) -> BTreeMap<String, Vec<String>> {
    let mut origins: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |ns: &String, origin: &str| {
        let list = origins.entry(ns.clone()).or_default();
        if !list.iter().any(|o| o == origin) {
            list.push(origin.to_string());
        }
    };
    for ns in flags {
        add(ns, "-n");
    }
    if let Some(ns) = &connection.context_namespace {
        add(ns, "context");
    }
    for ns in &connection.sibling_namespaces {
        add(ns, "other context");
    }
    for ns in settings
        .namespaces
        .iter()
        .chain(settings.tenants.values().flatten())
    {
        add(ns, "config.yaml");
    }
    origins
}

pub fn resolvers(settings: &Settings) -> Vec<ResolverKind> {
    settings
        .resolvers
        .iter()
        .map(|r| match r {
            ResolverSetting::Label { key } => ResolverKind::Label { key: key.clone() },
            ResolverSetting::Capsule => ResolverKind::Capsule,
            ResolverSetting::Hnc => ResolverKind::Hnc,
            ResolverSetting::Rancher => ResolverKind::Rancher,
            ResolverSetting::Kiosk => ResolverKind::Kiosk,
            ResolverSetting::Namespace => ResolverKind::Namespace,
        })
        .collect()
}

pub fn extra_tenants(settings: &Settings) -> Vec<(TenantId, Vec<String>)> {
    settings
        .tenants
        .iter()
        .map(|(name, namespaces)| (TenantId::new(name.clone()), namespaces.clone()))
        .collect()
}

/// Plans access, starts the watchers and forwards their updates as actions
/// to `tx`. Aborting the returned task stops every watch. The console
/// passes the ticket the session is started under: the user name the
/// server answers with (whoami) comes back as an `Action::Answer` with it,
/// so that a late answer of a session since replaced (`v`, a refresh) is
/// dropped instead of naming the wrong user.
pub fn start(
    connection: &Connection,
    known_namespaces: Vec<String>,
    tx: UnboundedSender<Action>,
    ticket: Ticket,
) -> JoinHandle<()> {
    start_within(connection, known_namespaces, tx, None, Some(ticket))
}

/// [`start`], giving up on a server that cannot be reached once
/// `reach_within` has passed (None: keep trying, as the console does).
/// Without a ticket, the user name comes as a bare `Action::Identity`.
pub fn start_within(
    connection: &Connection,
    known_namespaces: Vec<String>,
    tx: UnboundedSender<Action>,
    reach_within: Option<Duration>,
    ticket: Option<Ticket>,
) -> JoinHandle<()> {
    let client = connection.client.clone();
    let reachable = connection.clone();
    tokio::spawn(async move {
        // A server that cannot be reached is said as such: left to the
        // access reviews, every refusal would read as missing rights.
        let Some(announced_reach) = wait_until_reached(&reachable, &tx, reach_within).await else {
            return;
        };
        let identity_client = client.clone();
        let identity_tx = tx.clone();
        let ticket = ticket.map(|t| identity_ticket(t, announced_reach));
        tokio::spawn(async move {
            if let Some(user) = crate::kube::client::whoami(&identity_client).await {
                let _ = identity_tx.send(identity_answer(user, ticket));
            }
        });
        // Access reviews that got no answer are asked again: a plan made
        // while the server is away would call every kind "no access".
        let mut backoff = Duration::from_secs(1);
        let plan = loop {
            match watch::plan(&client, &known_namespaces).await {
                Ok(plan) => break plan,
                Err(reason) => {
                    tracing::warn!(%reason, "access planning failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(8));
                }
            }
        };
        tracing::info!(?known_namespaces, ?plan, "watch plan");
        let (watch_tx, mut watch_rx) = unbounded_channel();
        let _watchers = watch::spawn(&client, &plan, &watch_tx);
        drop(watch_tx);
        // `spawn` has queued the plan's first states (loading, no access):
        // they go ahead of `Planned`, or a reader could see a plan with
        // nothing loading and call it done before hearing what is not
        // readable.
        while let Ok(update) = watch_rx.try_recv() {
            if tx.send(Action::Watch(update)).is_err() {
                return;
            }
        }
        if !plan.discovered.is_empty()
            && tx
                .send(Action::NamespacesDiscovered(plan.discovered.clone()))
                .is_err()
        {
            return;
        }
        if tx.send(Action::Planned).is_err() {
            return;
        }
        while let Some(update) = watch_rx.recv().await {
            if tx.send(Action::Watch(update)).is_err() {
                return;
            }
        }
    })
}

/// The ticket the whoami answer carries: the session's, advanced once
/// when the session announced `Action::Reached` (which advances the
/// state's generation, ARCHITECTURE.md §2) before asking.
fn identity_ticket(session: Ticket, announced_reach: bool) -> Ticket {
    Ticket {
        generation: session.generation + u64::from(announced_reach),
        ..session
    }
}

/// The server's name for the user, as an answer to the session's ticket
/// when there is one.
fn identity_answer(user: String, ticket: Option<Ticket>) -> Action {
    let identity = Action::Identity { user };
    match ticket {
        Some(ticket) => Action::Answer {
            ticket,
            action: Box::new(identity),
        },
        None => identity,
    }
}

/// Asks until the API server answers. A server that is restarting or
/// paused is asked again, with the reason shown meanwhile (`Fatal`, cleared
/// by `Reached`); rejected credentials, or no answer by `within`, end it
/// with the reason. Returns None when the server did not answer, else
/// whether it sent `Reached` (the server was away first).
async fn wait_until_reached(
    connection: &Connection,
    tx: &UnboundedSender<Action>,
    within: Option<Duration>,
) -> Option<bool> {
    let deadline = within.map(|w| tokio::time::Instant::now() + w);
    let mut backoff = Duration::from_millis(500);
    let mut told = false;
    loop {
        match crate::kube::client::reach(connection).await {
            Ok(()) => {
                if told {
                    let _ = tx.send(Action::Reached);
                }
                return Some(told);
            }
            Err(unreachable) => {
                let out_of_time =
                    deadline.is_some_and(|d| tokio::time::Instant::now() + backoff > d);
                if !unreachable.transient || out_of_time {
                    let _ = tx.send(Action::Fatal(unreachable.message));
                    return None;
                }
                tracing::warn!(reason = %unreachable.message, "API server not reached; retrying");
                if within.is_none() && !told {
                    // The console shows why it waits, and since when.
                    let _ = tx.send(Action::NotReached {
                        message: format!("{} (trying again)", unreachable.message),
                        since: crate::kube::watch::clock_now(),
                    });
                    told = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(8));
            }
        }
    }
}

/// Applies actions until the first lists are done (synced, forbidden or
/// failed for every kind), for the headless commands.
pub async fn sync(
    state: &mut State,
    rx: &mut UnboundedReceiver<Action>,
    timeout: Duration,
) -> Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    while !state.planned || state.loading() {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(action)) => {
                update(state, action);
            }
            Ok(None) => {
                let pending: Vec<&str> = crate::model::Kind::ALL
                    .iter()
                    .filter(|k| {
                        matches!(
                            state.inventory.kind_state(**k),
                            crate::model::SyncState::Loading { .. }
                        )
                    })
                    .map(|k| k.as_str())
                    .collect();
                bail!(
                    "the watchers stopped before the first lists finished (still loading: {})",
                    pending.join(", ")
                )
            }
            Err(_) => {
                let lost: Vec<String> = crate::model::Kind::ALL
                    .iter()
                    .filter_map(|kind| {
                        state.inventory.kind_reconnecting(*kind).map(|r| {
                            let reason = crate::ui::text::sanitize(&r.reason);
                            format!("{} since {}: {reason}", kind.as_str(), r.since)
                        })
                    })
                    .collect();
                if lost.is_empty() {
                    bail!(
                        "the first lists did not finish within {}s; is the API server reachable?",
                        timeout.as_secs()
                    )
                }
                bail!(
                    "the first lists did not finish within {}s: the API server did not answer \
                     (still reconnecting: {})",
                    timeout.as_secs(),
                    lost.join("; ")
                )
            }
        }
        if let Some(fatal) = &state.fatal {
            bail!("{fatal}");
        }
    }
    state.refresh();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(generation: u64) -> Ticket {
        Ticket {
            context: "ctx".into(),
            generation,
        }
    }

    /// After `v` (or a refresh) the live session is replaced: the old
    /// session's whoami answer, late, names the wrong user and is dropped;
    /// the new session's is taken.
    #[test]
    fn a_stale_identity_is_dropped() {
        let mut state = State::new(ResolverKind::default_order(), Vec::new());
        state.identity.context = "ctx".into();
        state.identity.user = "admin".into();
        let old = state.ticket();
        // `v` as alice: the generation advances, a new session starts.
        state.generation += 1;
        let new = state.ticket();
        update(&mut state, identity_answer("alice".into(), Some(old)));
        assert_eq!(state.identity.user, "admin", "the stale answer is dropped");
        update(&mut state, identity_answer("alice".into(), Some(new)));
        assert_eq!(state.identity.user, "alice");
        // Headless commands have no ticket: the bare answer applies.
        update(&mut state, identity_answer("bob".into(), None));
        assert_eq!(state.identity.user, "bob");
    }

    /// A session that waited for the server announced `Reached`, which
    /// advances the generation: its own whoami answer still lands.
    #[test]
    fn the_identity_of_a_session_that_waited_for_the_server_lands() {
        let mut state = State::new(ResolverKind::default_order(), Vec::new());
        state.identity.context = "ctx".into();
        let session = state.ticket();
        assert_eq!(session, ticket(0));
        update(&mut state, Action::Reached);
        let answer = identity_answer("alice".into(), Some(identity_ticket(session.clone(), true)));
        update(&mut state, answer);
        assert_eq!(state.identity.user, "alice");
        // Without the Reached, the ticket is the session's own.
        assert_eq!(identity_ticket(session, false), ticket(0));
    }
}
