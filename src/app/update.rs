//! The reducer: every state change happens here.

use kube::core::DynamicObject;

use super::form::{FlowKind, Preview, Stage, WriteFlow};
use super::state::{InputKind, InputState, Overlay, OwnRules, ProbeStatus, State, Tab, View};
use crate::config::KeyAction;
use crate::kube::watch::WatchUpdate;
use crate::model::TenantId;
use crate::model::write_plan::{ApplyReport, ObjectRef, PlanSummary, Refusal, WriteError};

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
    Identity {
        user: String,
    },
    /// The watchers could not start at all (no connection).
    Fatal(String),
    /// The API server answers after it could not be reached at start.
    Reached,
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
    /// Dry-run again and, when the plan is still `expected`, apply
    /// (answers: `WriteProgress`, then `WriteDone`; or `WritePlanned` with
    /// the new plan when the cluster moved since the preview).
    Apply {
        action: String,
        objects: Vec<DynamicObject>,
        force: bool,
        expected: Vec<PlanSummary>,
    },
}

/// Applies one action. Derived data is refreshed here too, except after
/// watch updates: those come in bursts, and the event loop refreshes once
/// per batch (`State::refresh`) before it draws.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut effects = Vec::new();
    let from_watch = matches!(action, Action::Watch(_));
    match action {
        Action::Key(key) => on_key(state, key, &mut effects),
        Action::InputChar(c) => {
            if let Some(Overlay::Input(input)) = &mut state.overlay {
                input.text.push(c);
            }
        }
        Action::InputBackspace => {
            if let Some(Overlay::Input(input)) = &mut state.overlay {
                input.text.pop();
            }
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
        Action::Planned => state.planned = true,
        Action::Identity { user } => state.identity.user = user,
        Action::Fatal(message) => {
            state.planned = true;
            state.fatal = Some(message);
        }
        Action::Reached => {
            state.planned = false;
            state.fatal = None;
        }
        Action::Resize(width, height) => state.size = (width, height),
        Action::Probed { tenant, results } => {
            state.probes.insert(tenant, ProbeStatus::Done(results));
            state.invalidate();
        }
        Action::OwnRules { namespace, rules } => {
            state.own_rules.insert(namespace, rules);
            note_denied_quota_edit(state);
        }
        Action::Synced => {
            if let View::Detail { tenant, tab } = state.view.clone()
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
    if !from_watch {
        state.refresh();
    }
    effects
}

/// Rows a page moves: the table body at the current height.
fn page(state: &State) -> usize {
    usize::from(state.size.1.saturating_sub(6)).max(1)
}

fn on_key(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    if state.flow.is_some() {
        flow_key(state, key, effects);
        return;
    }
    if let Some(overlay) = state.overlay.clone() {
        match overlay {
            Overlay::Help => {
                if matches!(key, KeyAction::Help | KeyAction::Back | KeyAction::Cancel) {
                    state.overlay = None;
                } else if key == KeyAction::Quit {
                    state.quit = true;
                }
                return;
            }
            Overlay::Input(input) => {
                match key {
                    KeyAction::Submit | KeyAction::Open => submit_input(state, input, effects),
                    KeyAction::Cancel | KeyAction::Back => state.overlay = None,
                    _ => {}
                }
                return;
            }
        }
    }
    match key {
        KeyAction::Quit => state.quit = true,
        KeyAction::Help => state.overlay = Some(Overlay::Help),
        KeyAction::Refresh => {
            // Forget everything and list again: nothing stale survives.
            state.inventory = crate::model::Inventory::new();
            state.planned = false;
            state.fatal = None;
            state.probes.clear();
            state.own_rules.clear();
            effects.push(Effect::Resync);
            state.message = Some("listing everything again".into());
        }
        KeyAction::CreateTenant | KeyAction::EditQuota | KeyAction::ApplyTemplate => {
            open_flow(state, key, effects)
        }
        _ => match state.view.clone() {
            View::Tenants => on_list_key(state, key, effects),
            View::Detail { tenant, tab } => on_detail_key(state, key, tenant, tab),
        },
    }
}

fn on_list_key(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    // Until every kind has answered the rows are not drawn (the loading
    // screen shows instead): a key must not move to, or open, a tenant the
    // user has not seen.
    if state.loading() && acts_on_rows(key) {
        state.message = Some(LIST_NOT_SHOWN.into());
        return;
    }
    let last = state.visible.len().saturating_sub(1);
    let page = page(state);
    let selected = &mut state.list.selected;
    match key {
        KeyAction::MoveDown => *selected = (*selected + 1).min(last),
        KeyAction::MoveUp => *selected = selected.saturating_sub(1),
        KeyAction::PageDown => *selected = (*selected + page).min(last),
        KeyAction::PageUp => *selected = selected.saturating_sub(page),
        KeyAction::HalfPageDown => *selected = (*selected + page / 2).min(last),
        KeyAction::HalfPageUp => *selected = selected.saturating_sub(page / 2),
        KeyAction::Top => *selected = 0,
        KeyAction::Bottom => *selected = last,
        KeyAction::Open => {
            if let Some(row) = state.selected_row() {
                open_tenant(state, row.id.clone(), Tab::Overview, effects);
            }
        }
        KeyAction::Filter => {
            state.overlay = Some(Overlay::Input(InputState {
                kind: InputKind::Filter,
                text: state.list.filter.clone(),
            }))
        }
        KeyAction::Jump => {
            state.overlay = Some(Overlay::Input(InputState {
                kind: InputKind::Jump,
                text: String::new(),
            }))
        }
        KeyAction::Back if !state.list.filter.is_empty() => state.list.filter.clear(),
        KeyAction::CycleSort => {
            state.list.sort = state.list.sort.next();
            state.message = Some(format!("sorted by {}", state.list.sort.label()));
        }
        KeyAction::ReverseSort => state.list.reverse = !state.list.reverse,
        _ => {}
    }
}

fn on_detail_key(state: &mut State, key: KeyAction, tenant: TenantId, tab: Tab) {
    let set_tab = |state: &mut State, tab: Tab| {
        state.view = View::Detail {
            tenant: tenant.clone(),
            tab,
        };
        state.detail_selected = 0;
    };
    let index = tab.index();
    let count = Tab::ALL.len();
    match key {
        KeyAction::Back => {
            state.view = View::Tenants;
            state.detail_selected = 0;
        }
        KeyAction::NextTab => set_tab(state, Tab::ALL[(index + 1) % count]),
        KeyAction::PrevTab => set_tab(state, Tab::ALL[(index + count - 1) % count]),
        KeyAction::Tab(n) => {
            if let Some(tab) = Tab::ALL.get(usize::from(n).saturating_sub(1)) {
                set_tab(state, *tab);
            }
        }
        KeyAction::MoveDown => state.detail_selected = state.detail_selected.saturating_add(1),
        KeyAction::MoveUp => state.detail_selected = state.detail_selected.saturating_sub(1),
        KeyAction::PageDown => {
            state.detail_selected = state.detail_selected.saturating_add(page(state))
        }
        KeyAction::PageUp => {
            state.detail_selected = state.detail_selected.saturating_sub(page(state))
        }
        KeyAction::HalfPageDown => {
            state.detail_selected = state.detail_selected.saturating_add(page(state) / 2)
        }
        KeyAction::HalfPageUp => {
            state.detail_selected = state.detail_selected.saturating_sub(page(state) / 2)
        }
        KeyAction::Top => state.detail_selected = 0,
        // The renderer clamps the scroll to the tab's length.
        KeyAction::Bottom => {
            state.detail_selected = state.detail_max_scroll.unwrap_or(usize::MAX / 2)
        }
        KeyAction::CycleSort if tab == Tab::Policy => {
            use crate::model::checks::Severity;
            state.policy_filter = match state.policy_filter {
                None => Some(Severity::Critical),
                Some(Severity::Critical) => Some(Severity::High),
                Some(Severity::High) => Some(Severity::Medium),
                Some(Severity::Medium) => Some(Severity::Low),
                Some(_) => None,
            };
            state.detail_selected = 0;
            state.message = Some(match state.policy_filter {
                Some(s) => format!("showing checks of severity {} and above", s.as_str()),
                None => "showing every check".into(),
            });
        }
        KeyAction::Jump => {
            state.overlay = Some(Overlay::Input(InputState {
                kind: InputKind::Jump,
                text: String::new(),
            }))
        }
        _ => {}
    }
}

/// Asks for the user's own rules in the namespaces not asked about yet.
fn load_own_rules(state: &mut State, namespaces: &[String], effects: &mut Vec<Effect>) {
    let missing: Vec<String> = namespaces
        .iter()
        .filter(|ns| !state.own_rules.contains_key(*ns))
        .cloned()
        .collect();
    if !missing.is_empty() {
        for ns in &missing {
            state.own_rules.insert(ns.clone(), OwnRules::Loading);
        }
        effects.push(Effect::LoadOwnRules(missing));
    }
}

fn open_tenant(state: &mut State, id: TenantId, tab: Tab, effects: &mut Vec<Effect>) {
    if !state.probes.contains_key(&id) {
        state.probes.insert(id.clone(), ProbeStatus::Running);
        effects.push(Effect::Probe(id.clone()));
    }
    if let Some(tenant) = state.resolution.tenant(&id).cloned() {
        load_own_rules(state, &tenant.namespaces, effects);
    }
    state.view = View::Detail { tenant: id, tab };
    state.detail_selected = 0;
    state.detail = None;
}

fn submit_input(state: &mut State, input: InputState, effects: &mut Vec<Effect>) {
    state.overlay = None;
    match input.kind {
        InputKind::Filter => {
            state.list.filter = input.text;
            state.list.selected = 0;
        }
        InputKind::Jump => {
            let wanted = input.text.trim();
            if wanted.is_empty() {
                return;
            }
            let target = state
                .resolution
                .tenant(&TenantId::new(wanted))
                .or_else(|| state.resolution.tenant_of(wanted))
                .map(|t| t.id.clone());
            match target {
                Some(id) => {
                    if let Some(i) = state.visible.iter().position(|i| state.rows[*i].id == id) {
                        state.list.selected = i;
                    }
                    open_tenant(state, id, Tab::Overview, effects);
                }
                None if state.resolution.unassigned.iter().any(|n| n == wanted) => {
                    state.message = Some(format!(
                        "namespace {wanted} belongs to no tenant{}",
                        if crate::model::tenant::SYSTEM_NAMESPACES.contains(&wanted) {
                            " (a system namespace: the cluster's own)"
                        } else {
                            ": label it tenantry.dev/tenant=NAME, or create a tenant with it (n)"
                        }
                    ))
                }
                None => {
                    state.message = Some(format!("no tenant or tenant namespace named {wanted:?}"))
                }
            }
        }
    }
}

/// What the list's row keys say while the rows are not drawn yet.
const LIST_NOT_SHOWN: &str = "still loading: the list appears when every kind has answered";

/// Keys that move in the tenants list or act on its selected row.
fn acts_on_rows(key: KeyAction) -> bool {
    matches!(
        key,
        KeyAction::MoveDown
            | KeyAction::MoveUp
            | KeyAction::PageDown
            | KeyAction::PageUp
            | KeyAction::HalfPageDown
            | KeyAction::HalfPageUp
            | KeyAction::Top
            | KeyAction::Bottom
            | KeyAction::Open
    )
}

/// The tenant a write key applies to: the open one, else the selected row
/// (none while the list is not drawn yet).
fn current_tenant(state: &State) -> Option<crate::model::Tenant> {
    let id = match &state.view {
        View::Detail { tenant, .. } => tenant.clone(),
        View::Tenants if state.loading() => return None,
        View::Tenants => state.selected_row()?.id.clone(),
    };
    state.resolution.tenant(&id).cloned()
}

fn open_flow(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    if state.readonly {
        state.message = Some(
            "read-only mode: writes are disabled (--readonly, or readonly: true in config.yaml)"
                .into(),
        );
        return;
    }
    let tenant = current_tenant(state);
    let flow = match (key, tenant) {
        (KeyAction::CreateTenant, _) => WriteFlow::create(&state.form_context()),
        (KeyAction::EditQuota, Some(t)) => {
            let denied =
                super::form::denied_namespaces(&state.own_rules, "ResourceQuota", &t.namespaces);
            if !t.namespaces.is_empty() && denied.len() == t.namespaces.len() {
                state.message = Some(quota_edit_denied(&t.id, &denied));
                return;
            }
            // From the list the user's own rules may not be loaded yet:
            // ask, and the form says so when they forbid the edit.
            load_own_rules(state, &t.namespaces, effects);
            WriteFlow::edit_quota(&state.form_context(), &t)
        }
        (KeyAction::ApplyTemplate, Some(t)) => {
            // Suggest the fix of the most severe failing check.
            let checks = state.checks_for(&t);
            let worst = checks
                .iter()
                .filter(|c| c.outcome == crate::model::Outcome::Fail && c.fix.is_some())
                .fold(
                    None,
                    |best: Option<&crate::model::CheckResult>, c| match best {
                        Some(b) if b.severity.rank() >= c.severity.rank() => Some(b),
                        _ => Some(c),
                    },
                );
            let mut flow =
                WriteFlow::apply_template(&state.form_context(), &t, worst.and_then(|c| c.fix));
            flow.notes.push(match worst {
                Some(c) => format!(
                    "suggested because {} ({}) fails: {}",
                    c.id,
                    c.severity.as_str(),
                    c.reason
                ),
                None => "no failing check has a template that fixes it: choose one".into(),
            });
            flow
        }
        _ => {
            state.message = Some("select a tenant first".into());
            return;
        }
    };
    state.overlay = None;
    state.flow = Some(Box::new(flow));
}

/// An open quota editor learns that the user's own rules forbid the edit
/// in every namespace of the tenant (rules that arrived after it opened).
fn note_denied_quota_edit(state: &mut State) {
    let Some(flow) = state.flow.as_deref() else {
        return;
    };
    let FlowKind::EditQuota { tenant } = &flow.kind else {
        return;
    };
    let Some(t) = state.resolution.tenant(tenant) else {
        return;
    };
    let denied = super::form::denied_namespaces(&state.own_rules, "ResourceQuota", &t.namespaces);
    if t.namespaces.is_empty() || denied.len() != t.namespaces.len() {
        return;
    }
    let message = quota_edit_denied(&t.id, &denied);
    // Nothing was sent yet: the edit is withdrawn, as if the rules had been
    // known when `e` was pressed (it is not offered). Later, the preview
    // keeps it and says why the server will refuse.
    if flow.stage == super::form::Stage::Editing {
        state.flow = None;
        state.message = Some(message);
    } else if let Some(flow) = state.flow.as_deref_mut()
        && !flow.notes.contains(&message)
    {
        flow.notes.push(message);
    }
}

/// Why the quota editor is not offered, short enough for one line at 80
/// columns: the namespaces by name when they fit, else their count.
fn quota_edit_denied(tenant: &TenantId, denied: &[String]) -> String {
    let names = denied.join(", ");
    let where_ = if names.chars().count() <= 24 {
        names
    } else {
        format!("all {} namespaces of {tenant}", denied.len())
    };
    format!("not allowed: your rules forbid patching resourcequotas in {where_}")
}

fn flow_key(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    // Out of the state while it changes, so the form can read the rest.
    let Some(mut flow) = state.flow.take() else {
        return;
    };
    let keep = flow_step(state, &mut flow, key, effects);
    if keep {
        state.flow = Some(flow);
    }
}

/// One key in a write flow; false closes it.
fn flow_step(
    state: &mut State,
    flow: &mut WriteFlow,
    key: KeyAction,
    effects: &mut Vec<Effect>,
) -> bool {
    let page = page(state);
    match (&flow.stage, key) {
        (Stage::Applying { .. }, _) => {
            state.message = Some("applying: wait for the report".into());
        }
        (Stage::Editing, KeyAction::Cancel | KeyAction::Back) => {
            state.message = Some("nothing was written".into());
            return false;
        }
        (_, KeyAction::Quit) if !matches!(flow.stage, Stage::Editing) => {
            state.quit = true;
        }
        (Stage::Editing, KeyAction::NextField | KeyAction::MoveDown) => flow.next_field(),
        (Stage::Editing, KeyAction::PrevField | KeyAction::MoveUp) => flow.prev_field(),
        (Stage::Editing, KeyAction::Submit | KeyAction::Open) => {
            match flow.build(&state.form_context()) {
                Ok(objects) => {
                    flow.objects = objects.clone();
                    flow.warn_denied(&state.form_context());
                    flow.stage = Stage::Checking;
                    flow.scroll = 0;
                    state.message = None;
                    effects.push(Effect::Preflight {
                        action: flow.action_name(),
                        objects,
                        force: flow.force,
                    });
                }
                Err(message) => state.message = Some(message),
            }
        }
        (Stage::Checking, KeyAction::Cancel | KeyAction::Back) => flow.stage = Stage::Editing,
        (Stage::Preview(preview), KeyAction::Confirm) => {
            if preview.plan.iter().all(|p| p.verb() == "unchanged") {
                state.message = Some("nothing would change: nothing to apply".into());
                return true;
            }
            let expected = preview.plan.clone();
            flow.stage = Stage::Applying {
                done: Vec::new(),
                total: expected.len(),
            };
            effects.push(Effect::Apply {
                action: flow.action_name(),
                objects: flow.objects.clone(),
                force: flow.force,
                expected,
            });
        }
        (
            Stage::Refused {
                error: WriteError::Conflict { .. },
                ..
            },
            KeyAction::Force,
        ) => {
            flow.force = true;
            flow.stage = Stage::Checking;
            effects.push(Effect::Preflight {
                action: flow.action_name(),
                objects: flow.objects.clone(),
                force: true,
            });
        }
        (Stage::Preview(_) | Stage::Refused { .. }, KeyAction::Cancel | KeyAction::Back) => {
            flow.stage = Stage::Editing;
            flow.scroll = 0;
        }
        (Stage::Finished(_), KeyAction::Submit | KeyAction::Cancel | KeyAction::Back) => {
            return false;
        }
        (
            Stage::Preview(_) | Stage::Refused { .. } | Stage::Finished(_),
            KeyAction::MoveDown | KeyAction::PageDown | KeyAction::MoveUp | KeyAction::PageUp,
        ) => {
            let step = if matches!(key, KeyAction::PageDown | KeyAction::PageUp) {
                page
            } else {
                1
            };
            flow.scroll = if matches!(key, KeyAction::MoveDown | KeyAction::PageDown) {
                flow.scroll + step
            } else {
                flow.scroll.saturating_sub(step)
            };
        }
        _ => {}
    }
    true
}

/// A key typed into the focused field; the form is checked again when the
/// text changed. Fields hold one line.
fn form_key(state: &mut State, input: ratatui_textarea::Input) {
    let Some(mut flow) = state.flow.take() else {
        return;
    };
    if matches!(flow.stage, Stage::Editing)
        && let Some(field) = flow.focused()
        && field.area.input(input)
    {
        field.touched = true;
        if field.area.lines().len() > 1 {
            let joined = field.area.lines().join("");
            field.area = ratatui_textarea::TextArea::new(vec![joined]);
            field.area.move_cursor(ratatui_textarea::CursorMove::End);
        }
        flow.changed(&state.form_context());
        state.message = None;
    }
    state.flow = Some(flow);
}

fn write_planned(state: &mut State, result: Result<Vec<PlanSummary>, Refusal>) {
    let Some(flow) = state.flow.as_deref_mut() else {
        return;
    };
    let changed_since_confirm = match flow.stage {
        Stage::Checking => false,
        // The apply found the cluster moved since the preview.
        Stage::Applying { .. } => true,
        _ => return,
    };
    flow.scroll = 0;
    flow.stage = match result {
        Ok(plan) => {
            if changed_since_confirm {
                state.message =
                    Some("the cluster changed since the preview: check it again".into());
            }
            Stage::Preview(Preview {
                plan,
                changed_since_confirm,
            })
        }
        Err(Refusal { object, error }) => Stage::Refused {
            object: object.map(|o| o.to_string()).unwrap_or_default(),
            error,
        },
    };
}

/// "1 object", "14 objects".
pub fn objects_count(n: usize) -> String {
    if n == 1 {
        "1 object".into()
    } else {
        format!("{n} objects")
    }
}

/// "applied 14 objects" or what failed and what was not applied.
pub fn outcome_message(report: &ApplyReport) -> String {
    match &report.failed {
        None => format!("applied {}", objects_count(report.applied.len())),
        Some((object, err)) => format!(
            "failed at {object}: {err}; {} applied, {} not applied",
            report.applied.len(),
            report.not_applied.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::SortKey;
    use crate::kube::watch::WatchUpdate;
    use crate::model::{
        Change, Kind, NamespaceInfo, Object, PodInfo, ResolverKind, Scope, SyncState,
    };
    use k8s_openapi::api::core::v1::{Namespace, Pod};

    fn namespace(name: &str, tenant: &str) -> Object {
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"tenantry.dev/tenant": tenant}}
        }))
        .unwrap();
        Object::Namespace(NamespaceInfo::from_namespace(&ns))
    }

    fn pod(ns: &str, name: &str) -> Object {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": [{"name": "c", "image": "x"}]},
            "status": {"qosClass": "BestEffort"}
        }))
        .unwrap();
        Object::Pod(PodInfo::from_pod(&pod))
    }

    fn replaced(kind: Kind, objects: Vec<Object>) -> Action {
        Action::Watch(WatchUpdate::Change(Change::Replaced {
            kind,
            scope: Scope::Cluster,
            objects,
        }))
    }

    /// Three tenants, every kind synced.
    fn loaded() -> State {
        let mut state = State::new(ResolverKind::default_order(), vec![]);
        for kind in Kind::ALL {
            update(
                &mut state,
                Action::Watch(WatchUpdate::Sync {
                    kind,
                    scope: Scope::Cluster,
                    state: SyncState::Synced,
                }),
            );
        }
        update(
            &mut state,
            replaced(
                Kind::Namespace,
                vec![
                    namespace("acme-dev", "acme"),
                    namespace("globex-web", "globex"),
                    namespace("initech-app", "initech"),
                ],
            ),
        );
        update(
            &mut state,
            replaced(
                Kind::Pod,
                vec![
                    pod("initech-app", "a"),
                    pod("initech-app", "b"),
                    pod("acme-dev", "c"),
                ],
            ),
        );
        update(&mut state, Action::Planned);
        state
    }

    fn key(state: &mut State, key: KeyAction) -> Vec<Effect> {
        update(state, Action::Key(key))
    }

    fn visible_names(state: &State) -> Vec<&str> {
        state.visible_rows().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn the_selection_follows_its_tenant_while_rows_arrive_and_resort() {
        let mut state = loaded();
        key(&mut state, KeyAction::MoveDown);
        assert_eq!(state.selected_row().map(|r| r.id.as_str()), Some("globex"));
        // A tenant that sorts first arrives: the rows shift under the cursor.
        update(
            &mut state,
            Action::Watch(WatchUpdate::Change(Change::Applied(namespace(
                "aardvark-ns",
                "aardvark",
            )))),
        );
        state.refresh();
        assert_eq!(
            visible_names(&state),
            vec!["aardvark", "acme", "globex", "initech"]
        );
        assert_eq!(state.selected_row().map(|r| r.id.as_str()), Some("globex"));
        // Enter opens the tenant the user saw selected, not the new row.
        key(&mut state, KeyAction::Open);
        assert!(
            matches!(&state.view, View::Detail { tenant, .. } if tenant.as_str() == "globex"),
            "{:?}",
            state.view
        );
    }

    #[test]
    fn keys_do_not_move_in_or_open_a_list_that_is_still_loading() {
        // The loading screen is up (pods still listing) while the tenants
        // are known already: the rows are not drawn, so `j Enter` must not
        // move to or open a tenant the user never saw.
        let mut state = loaded();
        update(
            &mut state,
            Action::Watch(WatchUpdate::Sync {
                kind: Kind::Pod,
                scope: Scope::Cluster,
                state: SyncState::Loading { seen: 0 },
            }),
        );
        state.refresh();
        assert!(state.loading());
        assert_eq!(state.rows.len(), 3);
        key(&mut state, KeyAction::MoveDown);
        assert_eq!(state.list.selected, 0);
        key(&mut state, KeyAction::Open);
        assert_eq!(state.view, View::Tenants);
        key(&mut state, KeyAction::EditQuota);
        assert!(state.flow.is_none());
        assert!(
            state
                .message
                .as_deref()
                .unwrap()
                .contains("select a tenant")
        );
        key(&mut state, KeyAction::MoveDown);
        assert_eq!(state.message.as_deref(), Some(LIST_NOT_SHOWN));
        // Once every kind has answered the list is drawn and keys act on it.
        update(
            &mut state,
            Action::Watch(WatchUpdate::Sync {
                kind: Kind::Pod,
                scope: Scope::Cluster,
                state: SyncState::Synced,
            }),
        );
        state.refresh();
        key(&mut state, KeyAction::MoveDown);
        key(&mut state, KeyAction::Open);
        assert!(
            matches!(&state.view, View::Detail { tenant, .. } if tenant.as_str() == "globex"),
            "{:?}",
            state.view
        );
    }

    #[test]
    fn jumping_to_a_namespace_in_no_tenant_says_so() {
        let mut state = loaded();
        update(
            &mut state,
            Action::Watch(WatchUpdate::Change(Change::Applied(Object::Namespace(
                NamespaceInfo::from_namespace(
                    &serde_json::from_value(
                        serde_json::json!({"metadata": {"name": "shared-tools"}}),
                    )
                    .unwrap(),
                ),
            )))),
        );
        state.refresh();
        key(&mut state, KeyAction::Jump);
        for c in "shared-tools".chars() {
            update(&mut state, Action::InputChar(c));
        }
        key(&mut state, KeyAction::Submit);
        assert_eq!(
            state.message.as_deref(),
            Some(
                "namespace shared-tools belongs to no tenant: label it tenantry.dev/tenant=NAME, \
                 or create a tenant with it (n)"
            )
        );
        assert_eq!(state.view, View::Tenants);
    }

    #[test]
    fn the_list_sorts_by_findings_most_severe_first() {
        let mut state = loaded();
        state.refresh_findings();
        while state.list.sort != SortKey::Findings {
            key(&mut state, KeyAction::CycleSort);
        }
        let rank = |state: &State, name: &str| {
            state
                .findings
                .get(&crate::model::TenantId::new(name))
                .map(|f| (f.critical, f.high, f.medium, f.low, f.info))
        };
        let names: Vec<String> = visible_names(&state)
            .iter()
            .map(|s| s.to_string())
            .collect();
        for pair in names.windows(2) {
            assert!(
                rank(&state, &pair[0]) >= rank(&state, &pair[1]),
                "{names:?} is not ranked by findings"
            );
        }
        let (first, last) = (&names[0], &names[names.len() - 1]);
        assert!(
            rank(&state, first) > rank(&state, last),
            "the demo's tenants differ in findings: {names:?}"
        );
    }

    #[test]
    fn watch_updates_fill_the_rows_after_a_refresh() {
        let state = loaded();
        assert!(!state.loading());
        assert_eq!(visible_names(&state), vec!["acme", "globex", "initech"]);
        let initech = state
            .rows
            .iter()
            .find(|r| r.id.as_str() == "initech")
            .unwrap();
        assert_eq!(initech.qos.best_effort, 2);
    }

    #[test]
    fn watch_updates_alone_do_not_recompute_until_refresh() {
        let mut state = loaded();
        update(
            &mut state,
            Action::Watch(WatchUpdate::Change(Change::Applied(pod("acme-dev", "d")))),
        );
        let acme = |s: &State| {
            s.rows
                .iter()
                .find(|r| r.id.as_str() == "acme")
                .unwrap()
                .pod_count
        };
        assert_eq!(acme(&state), 1);
        state.refresh();
        assert_eq!(acme(&state), 2);
    }

    #[test]
    fn moving_stays_inside_the_list() {
        let mut state = loaded();
        key(&mut state, KeyAction::MoveUp);
        assert_eq!(state.list.selected, 0);
        for _ in 0..10 {
            key(&mut state, KeyAction::MoveDown);
        }
        assert_eq!(state.list.selected, 2);
        key(&mut state, KeyAction::Top);
        assert_eq!(state.list.selected, 0);
        key(&mut state, KeyAction::Bottom);
        assert_eq!(state.selected_row().unwrap().id.as_str(), "initech");
    }

    #[test]
    fn typing_a_filter_narrows_the_list_and_escape_restores_it() {
        let mut state = loaded();
        key(&mut state, KeyAction::Filter);
        for c in "glo".chars() {
            update(&mut state, Action::InputChar(c));
        }
        assert_eq!(visible_names(&state), vec!["globex"]);
        key(&mut state, KeyAction::Cancel);
        assert_eq!(visible_names(&state).len(), 3);
        // Accepted filters match namespace names too.
        key(&mut state, KeyAction::Filter);
        for c in "app".chars() {
            update(&mut state, Action::InputChar(c));
        }
        key(&mut state, KeyAction::Submit);
        assert_eq!(visible_names(&state), vec!["initech"]);
        key(&mut state, KeyAction::Back);
        assert_eq!(visible_names(&state).len(), 3);
    }

    #[test]
    fn sorting_keeps_the_selected_tenant_selected() {
        let mut state = loaded();
        key(&mut state, KeyAction::Bottom);
        assert_eq!(state.selected_row().unwrap().id.as_str(), "initech");
        while state.list.sort != SortKey::BestEffort {
            key(&mut state, KeyAction::CycleSort);
        }
        assert_eq!(visible_names(&state)[0], "initech");
        assert_eq!(state.selected_row().unwrap().id.as_str(), "initech");
    }

    #[test]
    fn jump_opens_a_tenant_by_its_name_or_a_namespace() {
        let mut state = loaded();
        key(&mut state, KeyAction::Jump);
        for c in "globex-web".chars() {
            update(&mut state, Action::InputChar(c));
        }
        key(&mut state, KeyAction::Submit);
        assert!(
            matches!(&state.view, View::Detail { tenant, tab: Tab::Overview } if tenant.as_str() == "globex")
        );
        assert_eq!(
            state.detail.as_ref().unwrap().tenant.namespaces,
            vec!["globex-web"]
        );

        key(&mut state, KeyAction::Back);
        key(&mut state, KeyAction::Jump);
        update(&mut state, Action::InputChar('z'));
        key(&mut state, KeyAction::Submit);
        assert_eq!(state.view, View::Tenants);
        assert!(state.message.as_deref().unwrap().contains("no tenant"));
    }

    #[test]
    fn tabs_cycle_and_escape_goes_back() {
        let mut state = loaded();
        key(&mut state, KeyAction::Open);
        key(&mut state, KeyAction::NextTab);
        assert!(matches!(
            state.view,
            View::Detail {
                tab: Tab::Quota,
                ..
            }
        ));
        key(&mut state, KeyAction::PrevTab);
        key(&mut state, KeyAction::PrevTab);
        assert!(matches!(
            state.view,
            View::Detail {
                tab: Tab::Network,
                ..
            }
        ));
        key(&mut state, KeyAction::Tab(3));
        assert!(matches!(state.view, View::Detail { tab: Tab::Qos, .. }));
        key(&mut state, KeyAction::Back);
        assert_eq!(state.view, View::Tenants);
    }

    #[test]
    fn the_policy_tab_filters_by_severity() {
        use crate::model::checks::Severity;
        let mut state = loaded();
        key(&mut state, KeyAction::Open);
        key(&mut state, KeyAction::CycleSort);
        assert_eq!(state.policy_filter, None, "only on the Policy tab");
        key(&mut state, KeyAction::Tab(4));
        key(&mut state, KeyAction::CycleSort);
        assert_eq!(state.policy_filter, Some(Severity::Critical));
        key(&mut state, KeyAction::CycleSort);
        assert_eq!(state.policy_filter, Some(Severity::High));
        for _ in 0..3 {
            key(&mut state, KeyAction::CycleSort);
        }
        assert_eq!(state.policy_filter, None);
    }

    #[test]
    fn help_opens_and_closes_and_q_quits() {
        let mut state = loaded();
        key(&mut state, KeyAction::Help);
        assert_eq!(state.overlay, Some(Overlay::Help));
        key(&mut state, KeyAction::MoveDown);
        assert_eq!(state.list.selected, 0, "keys do not leak through help");
        key(&mut state, KeyAction::Back);
        assert_eq!(state.overlay, None);
        key(&mut state, KeyAction::Quit);
        assert!(state.quit);
    }

    #[test]
    fn refresh_forgets_the_inventory_and_asks_for_a_resync() {
        let mut state = loaded();
        state.fatal = Some("cannot reach the API server".into());
        let effects = key(&mut state, KeyAction::Refresh);
        assert_eq!(effects, vec![Effect::Resync]);
        assert_eq!(state.fatal, None, "a retry starts from scratch");
        assert!(state.loading());
        assert!(state.rows.is_empty());
    }

    #[test]
    fn writes_explain_themselves_instead_of_doing_nothing() {
        let mut state = loaded();
        state.readonly = true;
        key(&mut state, KeyAction::EditQuota);
        assert!(state.message.as_deref().unwrap().contains("read-only"));
    }

    #[test]
    fn a_detail_opened_at_start_probes_once_the_lists_are_in() {
        let mut state = loaded();
        state.view = View::Detail {
            tenant: TenantId::new("globex"),
            tab: Tab::Policy,
        };
        let effects = update(&mut state, Action::Synced);
        assert_eq!(
            effects,
            vec![
                Effect::Probe(TenantId::new("globex")),
                Effect::LoadOwnRules(vec!["globex-web".into()]),
                // Then every other tenant, for the list's findings.
                Effect::Probe(TenantId::new("acme")),
                Effect::Probe(TenantId::new("initech")),
            ]
        );
        assert_eq!(
            state.view,
            View::Detail {
                tenant: TenantId::new("globex"),
                tab: Tab::Policy
            }
        );
        // Not twice.
        assert!(update(&mut state, Action::Synced).is_empty());
        // A tenant that does not exist starts nothing.
        state.view = View::Detail {
            tenant: TenantId::new("nope"),
            tab: Tab::Overview,
        };
        assert!(update(&mut state, Action::Synced).is_empty());
        // A tenant's count is pending until its probes answer.
        assert!(matches!(
            state.probes.get(&TenantId::new("acme")),
            Some(ProbeStatus::Running)
        ));
    }
}
