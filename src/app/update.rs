//! The reducer: every state change happens here.

use kube::core::DynamicObject;

use super::form::Stage;
use super::keys::{on_key, open_tenant};
use super::state::{Overlay, OwnRules, ProbeStatus, State, Ticket, View};
use super::writes::{form_key, note_denied_quota_edit, write_planned};
use crate::config::KeyAction;
use crate::model::TenantId;
use crate::model::WatchUpdate;
use crate::model::write_plan::{ApplyReport, ObjectRef, PlanSummary, Refusal};

pub use super::writes::{objects_count, outcome_message};

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A key the active keymap bound to an action.
    Key(KeyAction),
    /// A printable character typed into the filter or jump line.
    InputChar(char),
    InputBackspace,
    Watch(WatchUpdate),
    /// Access planning finished: watches run (or could not start).
    Planned,
    /// The server's name for the user (whoami); the console's live
    /// session sends it as an `Answer` (see `live::start`).
    Identity {
        user: String,
    },
    /// The watchers could not start at all (no connection).
    Fatal(String),
    /// The API server answers after it could not be reached at start.
    Reached,
    /// The API server cannot be reached yet (the console keeps asking):
    /// why, and since when (local `HH:MM:SS`).
    NotReached {
        message: String,
        since: String,
    },
    Resize(u16, u16),
    /// Admission probes and access reviews of a tenant finished.
    Probed {
        tenant: TenantId,
        results: crate::model::checks::ProbeResults,
    },
    /// The user's own rules in a namespace arrived.
    OwnRules {
        namespace: String,
        rules: OwnRules,
    },
    /// The first lists are in: a detail opened at start (`--tenant`) can
    /// now start its probes and access reviews.
    Synced,
    /// A key typed into the focused form field.
    FormKey(ratatui_textarea::Input),
    /// The server's dry-run of the form's objects: the plan, or the object
    /// it refused and why.
    WritePlanned(Result<Vec<PlanSummary>, Refusal>),
    /// One object of the confirmed write was applied.
    WriteProgress(ObjectRef),
    /// The confirmed write ended.
    WriteDone(ApplyReport),
    /// A background job's result (`Probed`, `OwnRules`, `WritePlanned`,
    /// `WriteProgress`, `WriteDone`, and the live session's `Identity`)
    /// with the ticket it was started with:
    /// dropped when what it was computed from has been replaced since
    /// (see [`Ticket`]). The console sends every result this way; tests
    /// and headless commands may send the bare result.
    Answer {
        ticket: Ticket,
        action: Box<Action>,
    },
    /// A batch of actions was applied and a frame is due: the derived data
    /// catches up with the watch updates of the batch.
    Settle,
    /// How far what scrolls (the help when open, else the detail's tab)
    /// can scroll at the current size, as measured for the frame about to
    /// be drawn (None: nothing scrolls, or not known).
    ScrollLimit(Option<usize>),
    /// What the lines of the open tab copy, as measured for the frame
    /// about to be drawn (see `State::detail_targets`).
    DetailTargets(Vec<super::copy::LineTarget>),
    /// The findings timer: recompute the list's findings if they lag.
    FindingsDue,
    /// Whether the user may impersonate the owner `v` chose: Ok, or why
    /// not (the missing rule).
    ViewAsChecked {
        subject: super::view_as::ViewingAs,
        result: Result<(), String>,
    },
    /// Namespaces the access planner found in the cluster (a Capsule
    /// Tenant's status, the user's RoleBindings), each with where from.
    NamespacesDiscovered(std::collections::BTreeMap<String, Vec<String>>),
    /// An action of one cluster's live session (its watches, its access
    /// planning, its reach), in a console that shows several: applied to
    /// that cluster's data, whichever the user looks at.
    Cluster(usize, Box<Action>),
    /// An action of the live session numbered `session` (see
    /// `Cluster::session`): dropped when that session has been replaced.
    Session {
        session: u64,
        action: Box<Action>,
    },
}

impl Action {
    /// Whether this is a watch update, whichever cluster's and session's.
    pub fn is_watch(&self) -> bool {
        match self {
            Action::Watch(_) => true,
            Action::Cluster(_, action) | Action::Session { action, .. } => action.is_watch(),
            _ => false,
        }
    }
}

/// Work for the event loop to do outside the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Drop the watches and list everything again.
    Resync,
    /// Run the admission probes and access reviews of a tenant.
    Probe(TenantId),
    /// Fetch the user's own rules in these namespaces.
    LoadOwnRules(Vec<String>),
    /// Dry-run these objects on the server (answer: `WritePlanned`); the
    /// audit log records the preview or the refusal.
    Preflight {
        action: String,
        objects: Vec<DynamicObject>,
        force: bool,
    },
    /// Record in the audit log a write refused before anything was sent
    /// (its objects would land outside the tenant), as the CLI does.
    RecordRefusal {
        action: String,
        objects: Vec<DynamicObject>,
        message: String,
    },
    /// Dry-run again and, when the plan is still `expected`, apply
    /// (answers: `WriteProgress`, then `WriteDone`; or `WritePlanned` with
    /// the new plan when the cluster moved since the preview).
    Apply {
        action: String,
        objects: Vec<DynamicObject>,
        force: bool,
        expected: Vec<PlanSummary>,
    },
    /// Ask whether the user may impersonate this owner (answer:
    /// `ViewAsChecked`).
    CheckViewAs(super::view_as::ViewingAs),
    /// Restart the live session as this owner (read-only), or as the user
    /// themself (None): new client, new watches.
    SwitchIdentity(Option<super::view_as::ViewingAs>),
    /// Put this (sanitized) text on the clipboard with OSC 52.
    Copy(String),
    /// An effect for one cluster's session (its connection, its ticket);
    /// an effect not wrapped so is for the focused cluster.
    Cluster(usize, Box<Effect>),
}

/// The most one `FindingsDue` spends on checks; the rest waits for the
/// next, after a frame and whatever keys arrived (ARCHITECTURE.md §9).
pub const FINDINGS_SLICE: std::time::Duration = std::time::Duration::from_millis(4);

/// Applies one action. Derived data is refreshed here too, except after
/// watch updates: those come in bursts, and the event loop refreshes once
/// per batch (`State::refresh`) before it draws.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Cluster(cluster, action) => for_cluster(
            state.focus(),
            cluster,
            state
                .within(cluster, |state| update_one(state, *action))
                .unwrap_or_default(),
        ),
        // A read's answer goes to the cluster it was asked of (its ticket
        // names the context), a write's to the focused one.
        Action::Answer { ticket, action } if !answers_a_write(&action) => {
            let Some(cluster) = state.cluster_of_context(&ticket.context) else {
                return Vec::new();
            };
            for_cluster(
                state.focus(),
                cluster,
                state
                    .within(cluster, |state| {
                        update_one(state, Action::Answer { ticket, action })
                    })
                    .unwrap_or_default(),
            )
        }
        other => update_one(state, other),
    }
}

/// Effects for one cluster's session, said so (`Effect::Cluster`) unless
/// it is the focused one, which an effect not wrapped is for.
fn for_cluster(focus: usize, cluster: usize, effects: Vec<Effect>) -> Vec<Effect> {
    if cluster == focus {
        return effects;
    }
    effects
        .into_iter()
        .map(|effect| match effect {
            Effect::Cluster(..) => effect,
            other => Effect::Cluster(cluster, Box::new(other)),
        })
        .collect()
}

/// [`update`] for the cluster `Deref` reaches.
fn update_one(state: &mut State, action: Action) -> Vec<Effect> {
    let mut effects = Vec::new();
    let from_watch = matches!(action, Action::Watch(_));
    match action {
        Action::Cluster(..) => return update(state, action),
        Action::Session { session, action } => {
            if session != state.session {
                tracing::debug!(
                    session,
                    current = state.session,
                    "dropped a replaced session's update"
                );
                return effects;
            }
            return update_one(state, *action);
        }
        Action::Answer { ticket, action } => {
            let current = if answers_a_write(&action) {
                state.write_ticket()
            } else {
                state.ticket()
            };
            if ticket != current {
                tracing::debug!(?ticket, ?current, "dropped a result of an older generation");
                return effects;
            }
            return update_one(state, *action);
        }
        Action::Settle => {}
        Action::ScrollLimit(max) => {
            if state.overlay == Some(Overlay::Help) {
                state.help_max_scroll = max;
            } else {
                state.detail_max_scroll = max;
            }
        }
        // A measure of the frame: nothing derived depends on it.
        Action::DetailTargets(targets) => {
            state.detail_targets = targets;
            return effects;
        }
        Action::FindingsDue => {
            if state.findings_stale() {
                state.refresh_findings_for(Some(FINDINGS_SLICE));
            }
        }
        Action::Key(key) => on_key(state, key, &mut effects),
        Action::InputChar(c) => {
            if super::writes::confirm_name_pending(state) {
                state.confirm_typed.push(c);
                super::writes::say_confirm_typed(state);
            } else if let Some(Overlay::Input(input)) = &mut state.overlay {
                input.text.push(c);
            }
        }
        Action::InputBackspace => {
            if super::writes::typing_confirmation(state) {
                state.confirm_typed.pop();
                super::writes::say_confirm_typed(state);
            } else if let Some(Overlay::Input(input)) = &mut state.overlay {
                input.text.pop();
            }
        }
        Action::ViewAsChecked { subject, result } => {
            super::view_as::view_as_checked(state, subject, result, &mut effects)
        }
        Action::Watch(WatchUpdate::Change(change)) => state.inventory.apply(change),
        Action::Watch(WatchUpdate::Sync {
            kind,
            scope,
            state: sync,
        }) => state.inventory.set_sync(kind, scope, sync),
        Action::Watch(WatchUpdate::Reconnecting {
            kind,
            scope,
            reconnecting,
        }) => state.inventory.set_reconnecting(kind, scope, reconnecting),
        Action::Watch(WatchUpdate::Polled {
            kind,
            scope,
            every_secs,
        }) => state.inventory.set_polled(kind, scope, every_secs),
        Action::Planned => state.planned = true,
        Action::NamespacesDiscovered(found) => {
            for (ns, origins) in found {
                let list = state.namespace_origins.entry(ns).or_default();
                for origin in origins {
                    if !list.contains(&origin) {
                        list.push(origin);
                    }
                }
            }
        }
        Action::Identity { user } => state.identity.user = user,
        Action::Fatal(message) => {
            state.planned = true;
            state.fatal = Some(message);
        }
        Action::NotReached { message, since } => {
            state.planned = true;
            state.fatal = Some(message);
            state.unreachable_since.get_or_insert(since);
        }
        Action::Reached => {
            // A reconnect: whatever was started before it answers for a
            // server that was away.
            state.generation += 1;
            state.planned = false;
            state.fatal = None;
            state.unreachable_since = None;
        }
        Action::Resize(width, height) => state.size = (width, height),
        Action::Probed { tenant, results } => {
            state.invalidate_tenant(&tenant);
            state.probes.insert(tenant, ProbeStatus::Done(results));
        }
        Action::OwnRules { namespace, rules } => {
            state.own_rules.insert(namespace, rules);
            note_denied_quota_edit(state);
        }
        Action::Synced => {
            if let View::Detail { tenant, tab } = state.view.clone()
                && state.current() == state.focus()
                && state.resolution.tenant(&tenant).is_some()
            {
                open_tenant(state, tenant, tab, &mut effects);
            }
            // Every tenant's admission probes, so the list's findings count
            // every check, as `tenantry check` does (the open tenant's
            // first); each row says its count may grow until they are in.
            let unprobed: Vec<TenantId> = state
                .resolution
                .tenants
                .iter()
                .map(|t| t.id.clone())
                .filter(|id| !state.probes.contains_key(id))
                .collect();
            for id in unprobed {
                state.probes.insert(id.clone(), ProbeStatus::Running);
                effects.push(Effect::Probe(id));
            }
        }
        Action::FormKey(input) => form_key(state, input),
        Action::WritePlanned(result) => write_planned(state, result),
        Action::WriteProgress(object) => {
            if let Some(flow) = state.flow.as_deref_mut()
                && let Stage::Applying { done, .. } = &mut flow.stage
            {
                done.push(object.to_string());
            }
        }
        Action::WriteDone(report) => {
            if let Some(flow) = state.flow.as_deref_mut() {
                state.message = Some(outcome_message(&report));
                flow.scroll = 0;
                flow.stage = Stage::Finished(report);
            }
        }
    }
    if let Some(max) = state.detail_max_scroll {
        state.detail_selected = state.detail_selected.min(max);
    }
    if let Some(max) = state.help_max_scroll {
        state.help_scroll = state.help_scroll.min(max);
    }
    if !from_watch {
        state.refresh();
    }
    effects
}

/// Whether an answer belongs to the open write flow (its ticket counts the
/// flow's requests) rather than to what the watches read.
fn answers_a_write(action: &Action) -> bool {
    matches!(
        action,
        Action::WritePlanned(_) | Action::WriteProgress(_) | Action::WriteDone(_)
    )
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "keymap_walk_tests.rs"]
mod keymap_walk;
