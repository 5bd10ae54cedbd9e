//! Keys in the views (tenants list, tenant detail) and their overlays
//! (help, the filter and jump prompt), as the reducer applies them.

use super::state::{
    InputKind, InputState, ListEntry, Overlay, OwnRules, ProbeStatus, State, Tab, View,
};
use super::update::Effect;
use super::writes::{flow_key, open_flow};
use crate::config::KeyAction;
use crate::model::TenantId;

/// Rows a page moves: the table body at the current height.
pub(super) fn page(state: &State) -> usize {
    usize::from(state.size.1.saturating_sub(6)).max(1)
}

pub(super) fn on_key(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    if state.flow.is_some() {
        flow_key(state, key, effects);
        return;
    }
    if state.owner_picker.is_some() {
        super::view_as::picker_key(state, key, effects);
        return;
    }
    if let Some(overlay) = state.overlay.clone() {
        match overlay {
            Overlay::Help => {
                match key {
                    KeyAction::Help | KeyAction::Back | KeyAction::Cancel => {
                        state.overlay = None;
                        state.help_scroll = 0;
                    }
                    KeyAction::Quit => state.quit = true,
                    _ => {
                        let page = page(state);
                        state.help_scroll = scrolled(state.help_scroll, key, page)
                            .min(state.help_max_scroll.unwrap_or(usize::MAX / 2));
                    }
                }
                return;
            }
            Overlay::Input(input) => {
                match key {
                    KeyAction::Submit | KeyAction::Open => submit_input(state, input, effects),
                    KeyAction::Cancel | KeyAction::Back => state.overlay = None,
                    KeyAction::Quit => state.quit = true,
                    // The prompt keeps the view under it moving: pick a
                    // row among those the filter leaves, or scroll a tab.
                    _ => match state.view.clone() {
                        View::Tenants if is_move(key) => on_list_key(state, key, effects),
                        View::Detail { tenant, tab } if is_move(key) => {
                            on_detail_key(state, key, tenant, tab)
                        }
                        _ => {}
                    },
                }
                return;
            }
        }
    }
    match key {
        KeyAction::Quit => state.quit = true,
        KeyAction::Help => state.overlay = Some(Overlay::Help),
        KeyAction::Refresh => {
            // Forget everything and list again: nothing stale survives;
            // probes and reviews still running answer for the old lists.
            // (In a fleet: the cluster looked at.)
            if state.is_fleet() && state.view == View::Tenants {
                for (i, cluster) in state.clusters.iter_mut().enumerate() {
                    cluster.forget_everything();
                    effects.push(Effect::Cluster(i, Box::new(Effect::Resync)));
                }
            } else {
                let focus = state.focus();
                state.clusters[focus].forget_everything();
                effects.push(Effect::Resync);
            }
            state.message = Some("listing everything again".into());
        }
        KeyAction::CreateTenant | KeyAction::EditQuota | KeyAction::ApplyTemplate => {
            if focus_selected_cluster(state) {
                open_flow(state, key, effects)
            }
        }
        KeyAction::ViewAs => {
            if focus_selected_cluster(state) {
                super::view_as::view_as_key(state, effects)
            }
        }
        KeyAction::Copy => super::copy::copy_key(state, effects),
        KeyAction::NextCluster => next_cluster(state, effects),
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
        key if is_move(key) => *selected = moved(*selected, key, page, last),
        KeyAction::Open => match state.visible.get(state.list.selected).cloned() {
            // A tenant of several clusters: its line opens into one line
            // per cluster, and closes again.
            Some(ListEntry::Group { id, expanded, .. }) => {
                if expanded {
                    state.expanded.remove(&id);
                } else {
                    state.expanded.insert(id);
                }
                state.refresh_visible();
            }
            Some(ListEntry::Tenant { cluster, row, .. }) => {
                if let Some(id) = state.clusters[cluster].rows.get(row).map(|r| r.id.clone()) {
                    state.set_focus(cluster);
                    let elsewhere: Vec<String> = (0..state.clusters.len())
                        .filter(|&c| c != cluster)
                        .filter(|&c| state.clusters[c].resolution.tenant(&id).is_some())
                        .map(|c| {
                            crate::model::text::sanitize(&state.clusters[c].identity.context)
                                .into_owned()
                        })
                        .collect();
                    open_tenant(state, id, Tab::Overview, effects);
                    if !elsewhere.is_empty() {
                        state.message = Some(format!(
                            "also in {}: ] shows it there",
                            elsewhere.join(", ")
                        ));
                    }
                }
            }
            None => {}
        },
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
        KeyAction::Back if state.viewing_as.is_some() => super::view_as::leave(state, effects),
        KeyAction::CycleSort => {
            state.list.sort = state.list.sort.next();
            state.message = Some(format!("sorted by {}", state.list.sort.label()));
        }
        KeyAction::ReverseSort => {
            state.list.reverse = !state.list.reverse;
            state.message = Some(format!(
                "sorted by {}{}",
                state.list.sort.label(),
                if state.list.reverse { ", reversed" } else { "" }
            ));
        }
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
        state.detail_targets.clear();
        // The filter was for the tab left.
        state.detail_filter.clear();
    };
    let index = tab.index();
    let count = Tab::ALL.len();
    match key {
        // Esc clears a filter first, as in the list.
        KeyAction::Back if !state.detail_filter.is_empty() => {
            state.detail_filter.clear();
            state.detail_selected = 0;
        }
        KeyAction::Back => {
            state.view = View::Tenants;
            state.detail_selected = 0;
        }
        KeyAction::Filter => {
            state.overlay = Some(Overlay::Input(InputState {
                kind: InputKind::Filter,
                text: state.detail_filter.clone(),
            }))
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
        KeyAction::CycleSort | KeyAction::ReverseSort if tab == Tab::Policy => {
            use crate::model::checks::Severity;
            // s steps down the severities, S back up.
            let steps = [
                None,
                Some(Severity::Critical),
                Some(Severity::High),
                Some(Severity::Medium),
                Some(Severity::Low),
            ];
            let at = steps
                .iter()
                .position(|s| *s == state.policy_filter)
                .unwrap_or(0);
            let next = if key == KeyAction::CycleSort {
                (at + 1) % steps.len()
            } else {
                (at + steps.len() - 1) % steps.len()
            };
            state.policy_filter = steps[next];
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
pub(super) fn load_own_rules(state: &mut State, namespaces: &[String], effects: &mut Vec<Effect>) {
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

pub(super) fn open_tenant(state: &mut State, id: TenantId, tab: Tab, effects: &mut Vec<Effect>) {
    if !state.probes.contains_key(&id) {
        state.probes.insert(id.clone(), ProbeStatus::Running);
        effects.push(Effect::Probe(id.clone()));
    }
    if let Some(tenant) = state.resolution.tenant(&id).cloned() {
        load_own_rules(state, &tenant.namespaces, effects);
    }
    state.view = View::Detail { tenant: id, tab };
    state.detail_selected = 0;
    state.detail_targets.clear();
    state.detail = None;
}

fn submit_input(state: &mut State, input: InputState, effects: &mut Vec<Effect>) {
    state.overlay = None;
    match input.kind {
        InputKind::Filter if matches!(state.view, View::Detail { .. }) => {
            state.detail_filter = input.text;
            state.detail_selected = 0;
        }
        // The selection stays on the tenant picked while typing (or the
        // first row when it was filtered out).
        InputKind::Filter => state.list.filter = input.text,
        InputKind::Jump => {
            let wanted = input.text.trim();
            if wanted.is_empty() {
                return;
            }
            // The focused cluster first, then the others in order.
            let order = std::iter::once(state.focus()).chain(0..state.clusters.len());
            let target = order
                .filter_map(|c| {
                    let resolution = &state.clusters.get(c)?.resolution;
                    resolution
                        .tenant(&TenantId::new(wanted))
                        .or_else(|| resolution.tenant_of(wanted))
                        .map(|t| (c, t.id.clone()))
                })
                .next();
            match target {
                Some((cluster, id)) => {
                    if let Some(i) = line_of(state, cluster, &id) {
                        state.list.selected = i;
                    }
                    state.set_focus(cluster);
                    open_tenant(state, id, Tab::Overview, effects);
                }
                None if state.resolution.system.iter().any(|n| n == wanted) => {
                    state.message = Some(format!(
                        "namespace {wanted} is a system namespace (the cluster's own), in no tenant"
                    ))
                }
                None if state.resolution.unassigned.iter().any(|n| n == wanted) => {
                    state.message = Some(format!(
                        "namespace {wanted} belongs to no tenant: label it tenantry.dev/tenant=NAME, \
                         or create a tenant with it (n)"
                    ))
                }
                None => {
                    state.message = Some(format!("no tenant or tenant namespace named {wanted:?}"))
                }
            }
        }
    }
}

/// The list line that shows this tenant of this cluster: its own, or its
/// group's.
fn line_of(state: &State, cluster: usize, id: &TenantId) -> Option<usize> {
    state.visible.iter().position(|entry| match entry {
        ListEntry::Tenant {
            cluster: c, row, ..
        } => {
            *c == cluster
                && state.clusters[*c]
                    .rows
                    .get(*row)
                    .is_some_and(|r| &r.id == id)
        }
        ListEntry::Group { id: group, .. } => group == id,
    })
}

/// In a fleet's list, a key that writes or views as someone acts in the
/// cluster of the selected line, which becomes the focused one (writes go
/// only where the user pointed, ARCHITECTURE.md §10). A tenant's line that
/// stands for several clusters names none: said, and false.
fn focus_selected_cluster(state: &mut State) -> bool {
    if !state.is_fleet() || state.view != View::Tenants {
        return true;
    }
    match state.visible.get(state.list.selected).cloned() {
        Some(ListEntry::Tenant { cluster, .. }) => {
            state.set_focus(cluster);
            true
        }
        Some(ListEntry::Group { id, members, .. }) => {
            state.message = Some(format!(
                "{} is in {} clusters: Enter, then the line of the one to act in",
                crate::model::text::sanitize(id.as_str()),
                members.len()
            ));
            false
        }
        None => true,
    }
}

/// `]` in a tenant: the same tenant in the next cluster that has it.
fn next_cluster(state: &mut State, effects: &mut Vec<Effect>) {
    // The list shows every cluster at once: nothing to switch.
    let View::Detail { tenant, tab } = state.view.clone() else {
        return;
    };
    if !state.is_fleet() {
        state.message = Some(
            "one cluster: start with --context given more than once, or --all-contexts, \
             to see a tenant in each"
                .into(),
        );
        return;
    }
    // An owner's view is of the cluster it was opened in.
    if let Some(reason) = super::view_as::refuse_write(state) {
        state.message = Some(reason);
        return;
    }
    let count = state.clusters.len();
    let focus = state.focus();
    let next = (1..count)
        .map(|step| (focus + step) % count)
        .find(|&c| state.clusters[c].resolution.tenant(&tenant).is_some());
    match next {
        Some(cluster) => {
            state.set_focus(cluster);
            let context = crate::model::text::sanitize(&state.identity.context).into_owned();
            open_tenant(state, tenant, tab, effects);
            state.message = Some(format!("now in cluster {context}"));
        }
        None => {
            state.message = Some(format!(
                "{} is in no other cluster",
                crate::model::text::sanitize(tenant.as_str())
            ))
        }
    }
}

/// A selection among `last + 1` rows after a move key.
pub(super) fn moved(selected: usize, key: KeyAction, page: usize, last: usize) -> usize {
    scrolled(selected, key, page).min(last)
}

/// Keys that move a selection or a scroll.
pub(super) fn is_move(key: KeyAction) -> bool {
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
    )
}

/// A scroll offset after a move key (`Bottom`: as far as it goes; the
/// caller clamps to the limit).
fn scrolled(offset: usize, key: KeyAction, page: usize) -> usize {
    match key {
        KeyAction::MoveDown => offset.saturating_add(1),
        KeyAction::MoveUp => offset.saturating_sub(1),
        KeyAction::PageDown => offset.saturating_add(page),
        KeyAction::PageUp => offset.saturating_sub(page),
        KeyAction::HalfPageDown => offset.saturating_add(page / 2),
        KeyAction::HalfPageUp => offset.saturating_sub(page / 2),
        KeyAction::Top => 0,
        KeyAction::Bottom => usize::MAX / 2,
        _ => offset,
    }
}

/// What the list's row keys say while the rows are not drawn yet.
pub(super) const LIST_NOT_SHOWN: &str =
    "still loading: the list appears when every kind has answered";

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
pub(super) fn current_tenant(state: &State) -> Option<crate::model::Tenant> {
    let id = match &state.view {
        View::Detail { tenant, .. } => tenant.clone(),
        View::Tenants if state.loading() => return None,
        View::Tenants => state.selected_row()?.id.clone(),
    };
    state.resolution.tenant(&id).cloned()
}
