//! Keys do what help says: every binding of every shipped keymap, pressed
//! in every context it can be pressed in, changes the state (or asks the
//! event loop for work), unless it is listed below as a documented no-op.

use super::tests::loaded;
use super::*;
use crate::app::form::{Preview, Stage};
use crate::app::state::{InputKind, InputState, Tab};
use crate::config::{KeyContext, Keymap, load_keymap};
use crate::model::write_plan::{ApplyOutcome, FieldChange, PlanSummary, WriteError};

/// (context, action, why pressing it changes nothing): none today.
const DOCUMENTED_NO_OPS: &[(KeyContext, KeyAction, &str)] = &[];

fn plan() -> Vec<PlanSummary> {
    vec![PlanSummary {
        reference: ObjectRef {
            kind: "ResourceQuota".into(),
            namespace: Some("acme-dev".into()),
            name: "compute".into(),
        },
        exists: true,
        changes: vec![FieldChange {
            path: ".spec.hard.pods".into(),
            before: None,
            after: Some(serde_json::json!("20")),
        }],
        checked: true,
        warnings: vec![],
    }]
}

/// States in which the keys of `context` are looked up: a key "works" in a
/// context when it changes at least one of them.
fn states_for(context: KeyContext) -> Vec<State> {
    let list = || {
        let mut state = loaded();
        update(&mut state, Action::Key(KeyAction::MoveDown));
        state
    };
    let detail = |tab: Tab| {
        let mut state = list();
        update(&mut state, Action::Key(KeyAction::Open));
        update(
            &mut state,
            Action::Key(KeyAction::Tab(tab.index() as u8 + 1)),
        );
        update(&mut state, Action::ScrollLimit(Some(5)));
        state.detail_selected = 2;
        state
    };
    let with_flow = |stage: Stage| {
        let mut state = list();
        update(&mut state, Action::Key(KeyAction::CreateTenant));
        if let Some(flow) = state.flow.as_deref_mut() {
            flow.stage = stage;
            flow.scroll = 1;
        }
        state
    };
    match context {
        KeyContext::Global => Vec::new(),
        KeyContext::List => {
            let mut filtered = list();
            filtered.list.filter = "c".into();
            filtered.refresh();
            vec![list(), filtered]
        }
        KeyContext::Detail => Tab::ALL.iter().map(|tab| detail(*tab)).collect(),
        KeyContext::Filter => [list(), detail(Tab::Policy)]
            .into_iter()
            .map(|mut state| {
                state.overlay = Some(Overlay::Input(InputState {
                    kind: InputKind::Filter,
                    text: "e".into(),
                }));
                state
            })
            .collect(),
        KeyContext::Input => {
            let mut state = with_flow(Stage::Editing);
            if let Some(flow) = state.flow.as_deref_mut() {
                flow.next_field();
            }
            vec![state]
        }
        KeyContext::Help => {
            let mut state = list();
            update(&mut state, Action::Key(KeyAction::Help));
            update(&mut state, Action::ScrollLimit(Some(5)));
            state.help_scroll = 2;
            vec![state]
        }
        KeyContext::Confirm => vec![
            with_flow(Stage::Preview(Preview {
                plan: plan(),
                changed_since_confirm: false,
            })),
            with_flow(Stage::Refused {
                object: "ResourceQuota acme-dev/compute".into(),
                error: WriteError::Conflict {
                    fields: vec![(".spec.hard.pods".into(), "kubectl".into())],
                    message: "conflict".into(),
                },
            }),
            with_flow(Stage::Finished(ApplyOutcome::default())),
        ],
        KeyContext::Picker => {
            let mut state = list();
            let owner = |name: &str| crate::app::ViewingAs {
                user: name.into(),
                groups: Vec::new(),
                label: name.into(),
                tenant: "acme".into(),
                namespaces: vec!["acme-dev".into()],
            };
            state.owner_picker = Some(crate::app::view_as::OwnerPicker {
                tenant: "acme".into(),
                owners: vec![owner("alice"), owner("carol"), owner("dave")],
                selected: 1,
            });
            vec![state]
        }
    }
}

/// Whether pressing `action` changes any of `states`.
fn works(states: &[State], action: KeyAction) -> bool {
    states.iter().any(|state| {
        let mut pressed = state.clone();
        let effects = update(&mut pressed, Action::Key(action));
        !effects.is_empty() || format!("{pressed:?}") != format!("{state:?}")
    })
}

fn documented(context: KeyContext, action: KeyAction) -> bool {
    DOCUMENTED_NO_OPS
        .iter()
        .any(|(c, a, _)| *c == context && *a == action)
}

#[test]
fn every_binding_of_every_shipped_keymap_works_where_it_can_be_pressed() {
    let mut checked = 0;
    for (name, _) in crate::config::keymap::BUILTIN_KEYMAPS {
        let (keymap, warnings) = load_keymap(None, Some(name));
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(Some(&keymap), Keymap::builtin(name).as_ref());
        for context in KeyContext::ALL {
            if context == KeyContext::Global {
                continue;
            }
            let states = states_for(context);
            assert!(
                states.iter().all(|s| crate::app::key_context(s) == context),
                "{name}: the states for {context} are not in {context}"
            );
            // The context's own bindings, then the global ones a key press
            // here falls back to (and that it handles: help lists only
            // those here).
            let reachable_global = keymap.bindings(KeyContext::Global).iter().filter(|b| {
                b.action.handled_in(context)
                    && b.keys
                        .iter()
                        .any(|k| keymap.falls_back_to_global(context, *k))
            });
            for binding in keymap.bindings(context).iter().chain(reachable_global) {
                assert!(
                    binding.action.handled_in(context),
                    "{name}: {} is bound in {context}, which does not handle it",
                    binding.action
                );
                assert!(
                    works(&states, binding.action) || documented(context, binding.action),
                    "{name}: {:?} ({}) does nothing in {context}",
                    binding
                        .keys
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>(),
                    binding.action
                );
                checked += 1;
            }
        }
        // A global binding must work somewhere.
        for binding in keymap.bindings(KeyContext::Global) {
            assert!(
                binding.action.handled_in(KeyContext::Global),
                "{name}: global {} works nowhere",
                binding.action
            );
        }
    }
    assert!(checked > 100, "only {checked} bindings walked");
}

#[test]
fn the_walk_notices_a_key_that_does_nothing() {
    // `confirm` in the list: nothing to confirm.
    assert!(!works(&states_for(KeyContext::List), KeyAction::Confirm));
    assert!(!KeyAction::Confirm.handled_in(KeyContext::List));
    // `open` in a tab: no row is selected there.
    assert!(!works(&states_for(KeyContext::Detail), KeyAction::Open));
}

/// The declaration and the reducer agree: an action is declared handled in
/// a context exactly when pressing it there changes the state, so the
/// loader's warnings and the help's lists follow what the keys do.
#[test]
fn every_action_is_declared_handled_exactly_where_it_works() {
    let actions = crate::config::action::KeyAction::names()
        .filter_map(|name| name.parse::<KeyAction>().ok())
        .chain((1..=Tab::ALL.len() as u8).map(KeyAction::Tab));
    let actions: Vec<KeyAction> = actions.collect();
    assert!(actions.len() > 25);
    let mut wrong = Vec::new();
    for context in KeyContext::ALL {
        if context == KeyContext::Global {
            continue;
        }
        let states = states_for(context);
        for action in &actions {
            let declared = action.handled_in(context);
            if declared != (works(&states, *action) || documented(context, *action)) {
                wrong.push(format!("{action} in {context}: declared {declared}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
