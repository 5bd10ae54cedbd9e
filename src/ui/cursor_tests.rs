//! The cursor line of the Policy and RBAC tabs and what `c` copies from
//! it, measured as the event loop measures it (`Action::ScrollLimit`,
//! `Action::DetailTargets`) and drawn.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::json;

use super::*;
use crate::app::{Action, Effect, update};
use crate::config::KeyAction;
use crate::fixtures::{admin_binding, cluster_role};
use crate::model::Object;

const SIZE: (u16, u16) = (80, 24);

/// One tenant `t000` (namespace `t000-ns`) with `objects`, all kinds
/// synced, its detail open at the test's size.
fn state_with(objects: Vec<Object>) -> State {
    let mut state = super::tests::state_with(1, objects);
    update(&mut state, Action::Resize(SIZE.0, SIZE.1));
    update(&mut state, Action::Key(KeyAction::Open));
    state
}

/// What the event loop does before each frame.
fn measure(state: &mut State) {
    let theme = Theme::builtin("default").expect("theme");
    let keymap = Keymap::builtin("default").expect("keymap");
    let limit = scroll_limit(state, &theme, &keymap, SIZE);
    update(state, Action::ScrollLimit(limit));
    let targets = detail_targets(state, &theme, &keymap, SIZE);
    update(state, Action::DetailTargets(targets));
}

/// A key, then the frame's measures.
fn key(state: &mut State, key: KeyAction) -> Vec<Effect> {
    let effects = update(state, Action::Key(key));
    measure(state);
    effects
}

fn draw(state: &State) -> Buffer {
    let theme = Theme::builtin("mono").expect("theme");
    let keymap = Keymap::builtin("default").expect("keymap");
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");
    terminal
        .draw(|frame| render(frame, state, &theme, &keymap))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

/// The body's row drawn in the selection's style (mono: reversed; the
/// status line at the bottom is reversed too).
fn highlighted_row(buf: &Buffer) -> Option<String> {
    let reversed = Theme::builtin("mono")
        .expect("theme")
        .style("ui.selection")
        .add_modifier;
    (2..buf.area.height - 1)
        .find(|&y| (0..buf.area.width).all(|x| buf[(x, y)].modifier.contains(reversed)))
        .map(|y| row_text(buf, y))
}

/// Moves the cursor down until its line contains `needle`.
fn cursor_to(state: &mut State, needle: &str) {
    for _ in 0..200 {
        let buf = draw(state);
        if highlighted_row(&buf).is_some_and(|row| row.contains(needle)) {
            return;
        }
        key(state, KeyAction::MoveDown);
    }
    panic!("no line with {needle:?} under the cursor");
}

fn copied(effects: &[Effect]) -> Option<&str> {
    effects.iter().find_map(|e| match e {
        Effect::Copy(text) => Some(text.as_str()),
        _ => None,
    })
}

#[test]
fn c_on_a_failed_check_copies_its_fixing_command_line() {
    let mut state = state_with(Vec::new());
    key(&mut state, KeyAction::Tab(4));
    // The cursor starts on the summary: the tenant's name.
    let buf = draw(&state);
    assert!(
        highlighted_row(&buf).is_some_and(|row| row.contains("finding")),
        "the first line is highlighted"
    );
    assert_eq!(copied(&key(&mut state, KeyAction::Copy)), Some("t000"));

    cursor_to(&mut state, "netpol.default-deny-ingress");
    let effects = key(&mut state, KeyAction::Copy);
    assert_eq!(
        copied(&effects),
        Some("tenantry apply netpol-default-deny --tenant t000")
    );
    assert_eq!(
        state.message.as_deref(),
        Some(
            "copied the fix of netpol.default-deny-ingress: \
             tenantry apply netpol-default-deny --tenant t000"
        )
    );
    // The reason's line under the id belongs to the same check.
    key(&mut state, KeyAction::MoveDown);
    let buf = draw(&state);
    assert!(highlighted_row(&buf).is_some_and(|row| row.contains("t000-ns has no NetworkPolicy")));
    assert_eq!(
        copied(&key(&mut state, KeyAction::Copy)),
        Some("tenantry apply netpol-default-deny --tenant t000")
    );
}

#[test]
fn c_on_a_passed_check_copies_its_id_and_the_cursor_reaches_the_last_line() {
    let mut state = state_with(Vec::new());
    key(&mut state, KeyAction::Tab(4));
    key(&mut state, KeyAction::Bottom);
    let buf = draw(&state);
    let last = row_text(&buf, SIZE.1 - 2);
    assert_eq!(
        highlighted_row(&buf),
        Some(last),
        "the last line is highlighted"
    );
    let copied = copied(&key(&mut state, KeyAction::Copy)).map(str::to_string);
    let id = copied.expect("an id");
    // The last check on screen is a pass; its lines copy its id.
    let rows: Vec<String> = (2..SIZE.1 - 1).map(|y| row_text(&buf, y)).collect();
    let head = rows
        .iter()
        .rev()
        .find(|row| row.contains("PASS"))
        .expect("a pass on screen");
    assert!(head.contains(&id), "{id} copied for {head}");
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("the check's id"))
    );
}

#[test]
fn a_filter_keeps_what_each_line_copies() {
    let mut state = state_with(Vec::new());
    key(&mut state, KeyAction::Tab(4));
    key(&mut state, KeyAction::Filter);
    for c in "default-deny-ingress".chars() {
        update(&mut state, Action::InputChar(c));
    }
    key(&mut state, KeyAction::Submit);
    // Line 0 says what the filter is; line 1 is the check.
    key(&mut state, KeyAction::MoveDown);
    let buf = draw(&state);
    assert!(highlighted_row(&buf).is_some_and(|row| row.contains("FAIL")));
    assert_eq!(
        copied(&key(&mut state, KeyAction::Copy)),
        Some("tenantry apply netpol-default-deny --tenant t000")
    );
}

#[test]
fn c_on_a_who_can_line_copies_the_answer() {
    let mut state = state_with(vec![
        cluster_role(
            "admin",
            json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
            false,
        ),
        admin_binding("t000-ns", "owners", "User", "alice", json!({})),
    ]);
    key(&mut state, KeyAction::Tab(5));
    cursor_to(&mut state, "get secrets");
    assert_eq!(
        copied(&key(&mut state, KeyAction::Copy)),
        Some("get secrets in t000-ns: User alice")
    );
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("copied the who-can answer")),
        "{:?}",
        state.message
    );
    // A line that is no answer (the personas) copies the tenant's name.
    key(&mut state, KeyAction::Top);
    assert_eq!(copied(&key(&mut state, KeyAction::Copy)), Some("t000"));
}

#[test]
fn other_tabs_scroll_without_a_cursor() {
    let mut state = state_with(Vec::new());
    key(&mut state, KeyAction::Tab(1));
    let buf = draw(&state);
    assert_eq!(highlighted_row(&buf), None);
    assert!(state.detail_targets.is_empty());
    assert_eq!(copied(&key(&mut state, KeyAction::Copy)), Some("t000"));
}
