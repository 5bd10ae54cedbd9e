//! Seeing a tenant as one of its owners sees it (`v`): the console's live
//! session restarts with a client that impersonates the owner, read-only,
//! under a banner; `v` again or Esc in the list comes back. The event loop
//! checks the right to impersonate first (`Effect::CheckViewAs`) and swaps
//! the client (`Effect::SwitchIdentity`); the generation advances at each
//! switch so that answers computed as the previous identity are dropped
//! (ARCHITECTURE.md §2).

use super::keys::current_tenant;
use super::state::State;
use super::update::Effect;
use crate::config::KeyAction;
use crate::model::Tenant;

/// A stand-in user for a Group owner: it carries the group, as the
/// admission probes do (`kube/probe.rs`).
pub const GROUP_STAND_IN: &str = "tenantry:view-as";

/// Whom the console shows the cluster as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewingAs {
    /// The user name sent as `Impersonate-User`.
    pub user: String,
    /// Sent as `Impersonate-Group`.
    pub groups: Vec<String>,
    /// What the banner says: "alice", "group acme-admins".
    pub label: String,
    /// The tenant it was opened from.
    pub tenant: String,
    /// Its namespaces: the owner can name them even when they cannot list
    /// namespaces, so they are watched by name too.
    pub namespaces: Vec<String>,
}

/// The subject a console started with `--as USER` (and `--as-group G`)
/// acts as: every request is that subject's, writes included (the server
/// decides, as with kubectl), under a banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedAs {
    pub user: String,
    pub groups: Vec<String>,
}

impl StartedAs {
    /// "AS alice (--as): what alice sees and may do", the groups named
    /// after the user.
    pub fn banner(&self) -> String {
        let groups = if self.groups.is_empty() {
            String::new()
        } else {
            format!(", groups {}", self.groups.join(", "))
        };
        format!(
            "AS {}{groups} (--as): what {} sees and may do",
            self.user, self.user
        )
    }

    /// "AS alice +1 group (--as)", for a narrow title line, where the
    /// whole banner would push out where you are.
    pub fn short_banner(&self) -> String {
        let groups = match self.groups.len() {
            0 => String::new(),
            1 => " +1 group".into(),
            n => format!(" +{n} groups"),
        };
        format!("AS {}{groups} (--as)", self.user)
    }
}

/// Everyone `v` can show a tenant as: its owners in the order they are
/// listed (users, service accounts, groups through a stand-in user).
pub fn owner_identities(tenant: &Tenant) -> Vec<ViewingAs> {
    tenant
        .owners
        .iter()
        .filter_map(|owner| {
            let (user, groups, label) = match owner.kind.as_str() {
                "User" => (owner.name.clone(), Vec::new(), owner.name.clone()),
                "ServiceAccount" => {
                    let ns = owner.namespace.as_ref()?;
                    let user = format!("system:serviceaccount:{ns}:{}", owner.name);
                    (user.clone(), Vec::new(), user)
                }
                "Group" => (
                    GROUP_STAND_IN.to_string(),
                    vec![owner.name.clone(), "system:authenticated".to_string()],
                    format!("group {}", owner.name),
                ),
                _ => return None,
            };
            Some(ViewingAs {
                user,
                groups,
                label,
                tenant: tenant.id.as_str().to_string(),
                namespaces: tenant.namespaces.clone(),
            })
        })
        .collect()
}

/// The owners of a tenant to choose from (`v` on a tenant with several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerPicker {
    /// The tenant's name, for the list's title.
    pub tenant: String,
    pub owners: Vec<ViewingAs>,
    pub selected: usize,
}

impl ViewingAs {
    /// "User", "ServiceAccount" or "Group", for the picker.
    pub fn kind(&self) -> &'static str {
        if self.user == GROUP_STAND_IN {
            "Group"
        } else if self.user.starts_with("system:serviceaccount:") {
            "ServiceAccount"
        } else {
            "User"
        }
    }
}

/// `v`: leaves the owner's view when in one; otherwise opens the current
/// tenant as its owner, or with several owners a list to choose from.
pub(super) fn view_as_key(state: &mut State, effects: &mut Vec<Effect>) {
    if state.viewing_as.is_some() {
        leave(state, effects);
        return;
    }
    let Some(tenant) = current_tenant(state) else {
        state.message = Some("no tenant selected to view as its owner".into());
        return;
    };
    let mut owners = owner_identities(&tenant);
    match owners.len() {
        0 => {
            state.message = Some(format!(
                "{} has no owner tenantry can act as (users, service accounts or groups)",
                tenant.id
            ))
        }
        1 => {
            let chosen = owners.remove(0);
            open_as(state, chosen, effects);
        }
        n => {
            state.message = Some(format!("{n} owners: choose whom to view {} as", tenant.id));
            state.owner_picker = Some(OwnerPicker {
                tenant: tenant.id.as_str().to_string(),
                owners,
                selected: 0,
            });
        }
    }
}

/// Asks to open the tenant as `chosen` (the right to impersonate is
/// checked first).
fn open_as(state: &mut State, chosen: ViewingAs, effects: &mut Vec<Effect>) {
    // Impersonation travels in HTTP headers, which carry visible ASCII
    // only: a subject named otherwise (a tenant may write any name into
    // its RoleBindings) is refused here, before the live session is torn
    // down for a client that cannot be built.
    let carried = |s: &str| s.chars().all(|c| c == '\t' || (' '..='~').contains(&c));
    if !carried(&chosen.user) || !chosen.groups.iter().all(|g| carried(g)) {
        state.message = Some(format!(
            "cannot view as {}: its name has characters an HTTP header cannot carry \
             (impersonation is sent as Impersonate-User/Group)",
            chosen.label
        ));
        return;
    }
    state.message = Some(format!(
        "opening {} as {} sees it…",
        chosen.tenant, chosen.label
    ));
    effects.push(Effect::CheckViewAs(chosen));
}

/// Keys while the owner picker is open: moves pick, open chooses, back
/// closes it; every other key does nothing (the keymap's `picker` context).
pub(super) fn picker_key(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    let Some(count) = state.owner_picker.as_ref().map(|p| p.owners.len()) else {
        return;
    };
    let last = count.saturating_sub(1);
    let page = super::keys::page(state);
    let Some(picker) = state.owner_picker.as_mut() else {
        return;
    };
    let selected = &mut picker.selected;
    match key {
        key if super::keys::is_move(key) => {
            *selected = super::keys::moved(*selected, key, page, last)
        }
        KeyAction::Open | KeyAction::Submit => {
            let chosen = picker.owners.get(picker.selected).cloned();
            state.owner_picker = None;
            if let Some(chosen) = chosen {
                open_as(state, chosen, effects);
            }
        }
        KeyAction::Cancel | KeyAction::Back => {
            state.owner_picker = None;
            state.message = Some("stayed in your own view".into());
        }
        KeyAction::Quit => state.quit = true,
        _ => {}
    }
}

/// The answer to `Effect::CheckViewAs`: switch, or say why not.
pub(super) fn view_as_checked(
    state: &mut State,
    subject: ViewingAs,
    result: Result<(), String>,
    effects: &mut Vec<Effect>,
) {
    match result {
        Err(reason) => state.message = Some(reason),
        Ok(()) => {
            forget_everything(state);
            state.message = Some(format!(
                "viewing as {} (read-only): v or Esc in the list leaves",
                subject.label
            ));
            state.viewing_as = Some(subject.clone());
            effects.push(Effect::SwitchIdentity(Some(subject)));
        }
    }
}

/// Back to the user's own view.
pub(super) fn leave(state: &mut State, effects: &mut Vec<Effect>) {
    forget_everything(state);
    state.viewing_as = None;
    state.message = Some("back to your own view".into());
    effects.push(Effect::SwitchIdentity(None));
}

/// What a refresh forgets; the generation advances so that probes and
/// reviews still running answer for nothing (ARCHITECTURE.md §2).
pub(super) fn forget_everything(state: &mut State) {
    let focus = state.focus();
    state.clusters[focus].forget_everything();
}

/// Why a write key does nothing in an owner's view, or None.
pub(super) fn refuse_write(state: &State) -> Option<String> {
    state.viewing_as.as_ref().map(|subject| {
        format!(
            "read-only: this view shows what {} sees (v or Esc in the list leaves it)",
            subject.label
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_as_banner_names_the_user_and_the_groups() {
        let alice = StartedAs {
            user: "alice".into(),
            groups: Vec::new(),
        };
        assert_eq!(
            alice.banner(),
            "AS alice (--as): what alice sees and may do"
        );
        let with_groups = StartedAs {
            user: "ci".into(),
            groups: vec!["dev".into(), "ops".into()],
        };
        assert_eq!(
            with_groups.banner(),
            "AS ci, groups dev, ops (--as): what ci sees and may do"
        );
        assert_eq!(alice.short_banner(), "AS alice (--as)");
        assert_eq!(with_groups.short_banner(), "AS ci +2 groups (--as)");
    }
}
