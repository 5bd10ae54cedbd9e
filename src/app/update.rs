//! The reducer: every state change happens here.

use super::state::{InputKind, InputState, Overlay, State, Tab, View};
use crate::config::KeyAction;
use crate::kube::watch::WatchUpdate;
use crate::model::TenantId;

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
    Identity { user: String },
    /// The watchers could not start at all (no connection).
    Fatal(String),
    Resize(u16, u16),
}

/// Work for the event loop to do outside the reducer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Drop the watches and list everything again.
    Resync,
}

/// Applies one action. Derived data is refreshed here too, so the state is
/// always consistent after `update` returns.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut effects = Vec::new();
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
        Action::Watch(WatchUpdate::Sync { kind, scope, state: sync }) => {
            state.inventory.set_sync(kind, scope, sync)
        }
        Action::Planned => state.planned = true,
        Action::Identity { user } => state.identity.user = user,
        Action::Fatal(message) => {
            state.planned = true;
            state.fatal = Some(message);
        }
        Action::Resize(width, height) => state.size = (width, height),
    }
    state.refresh();
    effects
}

/// Rows a page moves: the table body at the current height.
fn page(state: &State) -> usize {
    usize::from(state.size.1.saturating_sub(6)).max(1)
}

fn on_key(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
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
                    KeyAction::Submit | KeyAction::Open => submit_input(state, input),
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
            effects.push(Effect::Resync);
            state.message = Some("listing everything again".into());
        }
        KeyAction::CreateTenant | KeyAction::EditQuota | KeyAction::ApplyTemplate => {
            state.message = Some(if state.readonly {
                "read-only mode: writes are disabled (--readonly)".into()
            } else {
                "creating tenants, editing quotas and applying templates arrive in the next \
                 release"
                    .into()
            });
        }
        _ => match state.view.clone() {
            View::Tenants => on_list_key(state, key),
            View::Detail { tenant, tab } => on_detail_key(state, key, tenant, tab),
        },
    }
}

fn on_list_key(state: &mut State, key: KeyAction) {
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
                open_tenant(state, row.id.clone(), Tab::Overview);
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
        KeyAction::MoveDown => state.detail_selected += 1,
        KeyAction::MoveUp => state.detail_selected = state.detail_selected.saturating_sub(1),
        KeyAction::PageDown => state.detail_selected += page(state),
        KeyAction::PageUp => state.detail_selected = state.detail_selected.saturating_sub(page(state)),
        KeyAction::HalfPageDown => state.detail_selected += page(state) / 2,
        KeyAction::HalfPageUp => {
            state.detail_selected = state.detail_selected.saturating_sub(page(state) / 2)
        }
        KeyAction::Top => state.detail_selected = 0,
        KeyAction::Jump => {
            state.overlay = Some(Overlay::Input(InputState {
                kind: InputKind::Jump,
                text: String::new(),
            }))
        }
        _ => {}
    }
}

fn open_tenant(state: &mut State, id: TenantId, tab: Tab) {
    state.view = View::Detail { tenant: id, tab };
    state.detail_selected = 0;
    state.detail = None;
}

fn submit_input(state: &mut State, input: InputState) {
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
                    open_tenant(state, id, Tab::Overview);
                }
                None => {
                    state.message = Some(format!("no tenant or tenant namespace named {wanted:?}"))
                }
            }
        }
    }
}
