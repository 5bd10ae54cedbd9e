//! `v` (an owner's view), `c` (copy) and the typed confirmation of a
//! guarded context, through the reducer.

use serde_json::json;

use super::form::{Preview, Stage, WriteFlow};
use super::*;
use crate::config::KeyAction;
use crate::fixtures;
use crate::model::write_plan::{ObjectRef, PlanSummary};
use crate::model::{Kind, ResolverKind, Scope, SyncState, TenantId, WatchUpdate};

/// acme (one namespace) owned by the user alice and the group acme-admins.
fn with_owners() -> State {
    let mut state = State::new(ResolverKind::default_order(), vec![]);
    state.identity.context = "ctx".into();
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
    let labels = json!({"tenantry.dev/tenant": "acme"});
    for change in [
        fixtures::replaced(
            Kind::Namespace,
            Scope::Cluster,
            vec![fixtures::namespace("acme-dev", labels)],
        ),
        fixtures::replaced(
            Kind::RoleBinding,
            Scope::Cluster,
            vec![
                fixtures::admin_binding("acme-dev", "a", "User", "alice", json!({})),
                fixtures::admin_binding("acme-dev", "b", "Group", "acme-admins", json!({})),
            ],
        ),
    ] {
        update(&mut state, Action::Watch(WatchUpdate::Change(change)));
    }
    update(&mut state, Action::Planned);
    update(&mut state, Action::Settle);
    assert_eq!(state.rows.len(), 1, "{:?}", state.rows);
    state
}

fn key(state: &mut State, key: KeyAction) -> Vec<Effect> {
    update(state, Action::Key(key))
}

/// `v`, and with several owners Enter on the first the picker lists.
fn view_as_first(state: &mut State) -> Vec<Effect> {
    let effects = key(state, KeyAction::ViewAs);
    if state.owner_picker.is_some() {
        assert!(effects.is_empty(), "{effects:?}");
        return key(state, KeyAction::Open);
    }
    effects
}

fn checked(subject: &ViewingAs) -> impl Fn(&State) -> Action {
    let subject = subject.clone();
    move |state: &State| Action::Answer {
        ticket: state.ticket(),
        action: Box::new(Action::ViewAsChecked {
            subject: subject.clone(),
            result: Ok(()),
        }),
    }
}

#[test]
fn v_opens_the_owners_view_read_only_and_drops_what_the_user_had_started() {
    let mut state = with_owners();
    let effects = view_as_first(&mut state);
    let [Effect::CheckViewAs(subject)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(subject.tenant, "acme");
    assert_eq!(subject.namespaces, vec!["acme-dev".to_string()]);
    // Nothing switches before the check answers.
    assert!(state.viewing_as.is_none());
    let before = state.ticket();
    let answer = checked(subject)(&state);
    let effects = update(&mut state, answer);
    assert_eq!(effects, vec![Effect::SwitchIdentity(Some(subject.clone()))]);
    assert_eq!(state.viewing_as.as_ref(), Some(subject));
    assert!(!state.planned, "everything is listed again as the owner");
    assert_ne!(state.ticket(), before);
    // A probe started as the user answers late: dropped.
    update(
        &mut state,
        Action::Answer {
            ticket: before,
            action: Box::new(Action::Probed {
                tenant: TenantId::new("acme"),
                results: Default::default(),
            }),
        },
    );
    assert!(state.probes.is_empty(), "{:?}", state.probes);
    // Writes say why they do nothing.
    for write in [
        KeyAction::CreateTenant,
        KeyAction::EditQuota,
        KeyAction::ApplyTemplate,
    ] {
        assert!(key(&mut state, write).is_empty());
        assert!(state.flow.is_none());
        let message = state.message.clone().unwrap_or_default();
        assert!(message.contains("read-only"), "{message}");
        assert!(message.contains(&subject.label), "{message}");
    }
    // v again: back as the user, with a new generation again.
    let generation = state.generation;
    assert_eq!(
        key(&mut state, KeyAction::ViewAs),
        vec![Effect::SwitchIdentity(None)]
    );
    assert!(state.viewing_as.is_none());
    assert!(state.generation > generation);
}

#[test]
fn several_owners_open_a_picker_and_a_group_goes_through_a_stand_in() {
    let mut state = with_owners();
    assert!(key(&mut state, KeyAction::ViewAs).is_empty());
    let picker = state.owner_picker.clone().expect("a picker");
    assert_eq!(
        crate::app::key_context(&state),
        crate::config::KeyContext::Picker
    );
    let listed: Vec<(&str, &str)> = picker
        .owners
        .iter()
        .map(|o| (o.label.as_str(), o.kind()))
        .collect();
    // In the order the tenant lists its owners.
    assert_eq!(listed, [("group acme-admins", "Group"), ("alice", "User")]);
    assert_eq!(picker.selected, 0);
    // Moves stay inside the list; keys of the view under it do nothing.
    key(&mut state, KeyAction::MoveUp);
    assert_eq!(state.owner_picker.as_ref().map(|p| p.selected), Some(0));
    key(&mut state, KeyAction::Bottom);
    key(&mut state, KeyAction::MoveDown);
    assert_eq!(state.owner_picker.as_ref().map(|p| p.selected), Some(1));
    let before = state.clone();
    assert!(key(&mut state, KeyAction::CreateTenant).is_empty());
    assert!(key(&mut state, KeyAction::Copy).is_empty());
    assert_eq!(format!("{state:?}"), format!("{before:?}"));
    key(&mut state, KeyAction::MoveUp);
    // Enter chooses: the group, through the stand-in user.
    let effects = key(&mut state, KeyAction::Open);
    let [Effect::CheckViewAs(group)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(state.owner_picker.is_none());
    assert_eq!(group.label, "group acme-admins");
    assert_eq!(group.user, view_as::GROUP_STAND_IN);
    assert_eq!(group.groups[0], "acme-admins");
    // Esc closes the picker and switches nothing.
    key(&mut state, KeyAction::ViewAs);
    assert!(state.owner_picker.is_some());
    assert!(key(&mut state, KeyAction::Cancel).is_empty());
    assert!(state.owner_picker.is_none());
    assert!(state.viewing_as.is_none());
}

#[test]
fn one_owner_opens_directly() {
    let mut state = with_owners();
    update(
        &mut state,
        Action::Watch(WatchUpdate::Change(fixtures::replaced(
            Kind::RoleBinding,
            Scope::Cluster,
            vec![fixtures::admin_binding(
                "acme-dev",
                "a",
                "User",
                "alice",
                json!({}),
            )],
        ))),
    );
    update(&mut state, Action::Settle);
    let effects = key(&mut state, KeyAction::ViewAs);
    let [Effect::CheckViewAs(alice)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(alice.label, "alice");
    assert!(state.owner_picker.is_none());
}

#[test]
fn a_refused_impersonation_is_said_and_nothing_switches() {
    let mut state = with_owners();
    let effects = view_as_first(&mut state);
    let [Effect::CheckViewAs(subject)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let answer = Action::Answer {
        ticket: state.ticket(),
        action: Box::new(Action::ViewAsChecked {
            subject: subject.clone(),
            result: Err("you may not act as alice: impersonation needs …".into()),
        }),
    };
    let effects = update(&mut state, answer);
    assert!(effects.is_empty());
    assert!(state.viewing_as.is_none());
    assert!(state.planned);
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("may not act as alice"))
    );
}

#[test]
fn esc_in_the_list_leaves_the_owners_view() {
    let mut state = with_owners();
    let effects = view_as_first(&mut state);
    let [Effect::CheckViewAs(subject)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let answer = checked(subject)(&state);
    update(&mut state, answer);
    assert_eq!(
        key(&mut state, KeyAction::Back),
        vec![Effect::SwitchIdentity(None)]
    );
}

#[test]
fn c_copies_the_selected_tenant_and_the_policy_fix_as_a_command_line() {
    let mut state = with_owners();
    assert_eq!(
        key(&mut state, KeyAction::Copy),
        vec![Effect::Copy("acme".into())]
    );
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("copied") && m.ends_with("acme")),
        "{:?}",
        state.message
    );
    key(&mut state, KeyAction::Open);
    key(&mut state, KeyAction::Tab(4));
    update(&mut state, Action::Settle);
    // The cursor on no check (the summary line): the tenant's name.
    assert_eq!(
        key(&mut state, KeyAction::Copy),
        vec![Effect::Copy("acme".into())]
    );
    // On a failed check's lines (as the renderer measured them): its fix.
    let failed = state
        .detail
        .as_ref()
        .and_then(|d| {
            d.checks
                .iter()
                .find(|c| c.outcome == crate::model::Outcome::Fail && c.fix.is_some())
        })
        .map(|c| (c.id, c.fix))
        .expect("a failed check with a fix");
    update(
        &mut state,
        Action::DetailTargets(vec![crate::app::copy::LineTarget {
            lines: 3..5,
            target: crate::app::copy::Target::Check(failed.0),
        }]),
    );
    state.detail_selected = 4;
    let effects = key(&mut state, KeyAction::Copy);
    let [Effect::Copy(text)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    // With where it runs: the context, and the kubeconfig and `--as`
    // when the console had them.
    assert_eq!(
        *text,
        format!(
            "tenantry apply {} --tenant acme --context ctx",
            failed.1.unwrap_or_default()
        )
    );
    assert_eq!(
        state.message,
        Some(format!("copied the fix of {}: {text}", failed.0))
    );
    // A tab change forgets the lines measured for the previous tab.
    key(&mut state, KeyAction::Tab(5));
    assert!(state.detail_targets.is_empty());
    state.clipboard = false;
    assert!(key(&mut state, KeyAction::Copy).is_empty());
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("clipboard: off"))
    );
}

#[test]
fn a_type_name_context_applies_only_once_the_tenants_name_is_typed() {
    let mut state = with_owners();
    state.guard.confirm_name = true;
    let tenant = state
        .resolution
        .tenant(&TenantId::new("acme"))
        .cloned()
        .expect("acme");
    let mut flow = WriteFlow::apply_template(&state.form_context(), &tenant, None);
    flow.stage = Stage::Preview(Preview {
        plan: vec![PlanSummary {
            reference: ObjectRef {
                kind: "NetworkPolicy".into(),
                namespace: Some("acme-dev".into()),
                name: "default-deny".into(),
            },
            exists: false,
            changes: Vec::new(),
            checked: true,
            warnings: Vec::new(),
        }],
        changed_since_confirm: false,
    });
    state.flow = Some(Box::new(flow));
    assert!(typing_confirmation(&state) && confirm_name_pending(&state));
    assert!(key(&mut state, KeyAction::Confirm).is_empty());
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("type acme, then y")),
        "{:?}",
        state.message
    );
    assert!(confirm_accepts(&state, 'a') && !confirm_accepts(&state, 'y'));
    for c in "acmx".chars() {
        update(&mut state, Action::InputChar(c));
    }
    assert!(key(&mut state, KeyAction::Confirm).is_empty());
    update(&mut state, Action::InputBackspace);
    update(&mut state, Action::InputChar('e'));
    assert!(!confirm_name_pending(&state));
    let effects = key(&mut state, KeyAction::Confirm);
    assert!(
        matches!(effects.as_slice(), [Effect::Apply { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_readonly_context_is_said_when_a_write_key_is_pressed() {
    let mut state = with_owners();
    state.guard.readonly = true;
    state.guard.patterns = vec!["prod-*".into()];
    assert!(key(&mut state, KeyAction::CreateTenant).is_empty());
    assert!(state.flow.is_none());
    let message = state.message.clone().unwrap_or_default();
    assert!(message.contains("\"prod-*\""), "{message}");
}

#[test]
fn v_refuses_an_owner_whose_name_no_http_header_can_carry() {
    let mut state = with_owners();
    let hostile = "mal\u{1b}[2J\u{202e}ory";
    update(
        &mut state,
        Action::Watch(WatchUpdate::Change(crate::model::Change::Replaced {
            kind: Kind::RoleBinding,
            scope: Scope::Cluster,
            objects: vec![fixtures::admin_binding(
                "acme-dev",
                "a",
                "User",
                hostile,
                json!({}),
            )],
        })),
    );
    state.refresh();
    let effects = view_as_first(&mut state);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(state.viewing_as.is_none());
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("an HTTP header cannot carry")),
        "{:?}",
        state.message
    );
}
