//! Widget tests: rendered into a `TestBackend`, checked cell by cell where
//! style carries meaning.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::*;
use crate::app::{Action, Tab, update};
use crate::config::KeyAction;
use crate::kube::watch::WatchUpdate;
use crate::model::inventory::tests::{ns, pod};
use crate::model::{
    Change, Kind, Object, QosClass, Quantity, QuotaInfo, ResolverKind, Scope, TenantId,
    parse_quantity,
};

fn q(s: &str) -> Quantity {
    parse_quantity(s).expect("quantity")
}

fn quota(namespace: &str, hard: &[(&str, &str)], used: &[(&str, &str)]) -> QuotaInfo {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, Quantity> {
        pairs.iter().map(|(k, v)| (k.to_string(), q(v))).collect()
    };
    QuotaInfo {
        namespace: namespace.into(),
        name: "quota".into(),
        hard: map(hard),
        used: map(used),
        status_filled: true,
        spec_hard: map(hard),
        scoped: false,
        invalid: Vec::new(),
    }
}

/// `tenants` tenants `t000`…, one namespace each, all kinds synced.
fn state_with(tenants: usize, objects: Vec<Object>) -> State {
    let mut state = State::new(ResolverKind::default_order(), Vec::new());
    update(&mut state, Action::Planned);
    let mut by_kind: BTreeMap<Kind, Vec<Object>> = BTreeMap::new();
    for n in 0..tenants {
        let name = format!("t{n:03}");
        by_kind
            .entry(Kind::Namespace)
            .or_default()
            .push(Object::Namespace(ns(
                &format!("{name}-ns"),
                &[("tenantry.dev/tenant", &name)],
            )));
    }
    for o in objects {
        by_kind.entry(o.kind()).or_default().push(o);
    }
    for kind in Kind::ALL {
        let objects = by_kind.remove(&kind).unwrap_or_default();
        update(
            &mut state,
            Action::Watch(WatchUpdate::Change(Change::Replaced {
                kind,
                scope: Scope::Cluster,
                objects,
            })),
        );
    }
    // Watch updates come in batches; the event loop refreshes once after.
    state.refresh();
    state
}

fn draw(state: &State, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let keymap = Keymap::builtin("default").expect("keymap");
    terminal
        .draw(|frame| render(frame, state, theme, &keymap))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    (0..buf.area.height).find_map(|y| {
        let row = row_text(buf, y);
        row.find(needle).map(|byte| {
            let x = row[..byte].chars().count() as u16;
            (x, y)
        })
    })
}

fn theme(name: &str) -> Theme {
    Theme::builtin(name).expect("theme")
}

#[test]
fn too_small_terminal_says_how_much_room_it_needs() {
    let state = state_with(3, Vec::new());
    let buf = draw(&state, &theme("default"), 79, 24);
    let message = too_small_message(79, 24);
    assert_eq!(
        message,
        "tenantry needs at least 80×24; this terminal is 79×24"
    );
    let (_, y) = find(&buf, &message).expect("message drawn");
    assert_eq!(y, 11, "vertically centred");
    assert!(find(&buf, "TENANT").is_none(), "nothing else is drawn");

    let buf = draw(&state, &theme("default"), 80, 23);
    assert!(find(&buf, "this terminal is 80×23").is_some());
    let buf = draw(&state, &theme("default"), 30, 6);
    let all: String = (0..6).map(|y| row_text(&buf, y)).collect();
    assert!(all.contains("30×6"), "wraps when narrower than the message");

    let buf = draw(&state, &theme("default"), 80, 24);
    assert!(find(&buf, "needs at least").is_none());
    assert!(find(&buf, "TENANT").is_some());
}

#[test]
fn escape_sequences_from_the_cluster_are_inert() {
    let evil = "\u{1b}]52;c;aGVsbG8=\u{7}";
    let state = state_with(
        0,
        vec![
            Object::Namespace(ns("ns", &[("tenantry.dev/tenant", "\u{1b}[2Jx")])),
            Object::Pod(pod("ns", evil, QosClass::BestEffort)),
        ],
    );
    let buf = draw(&state, &theme("default"), 80, 24);
    assert!(find(&buf, "^[[2Jx").is_some());
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character in {:?}",
            cell.symbol()
        );
    }
    let mut state = state;
    update(&mut state, Action::Key(KeyAction::Open));
    update(&mut state, Action::Key(KeyAction::Tab(3)));
    let buf = draw(&state, &theme("default"), 160, 48);
    assert!(find(&buf, "^[]52;c;aGVsbG8=^G").is_some());
    assert!(buf.content().iter().all(|c| !c.symbol().contains('\u{1b}')));
}

#[test]
fn full_quota_gauge_uses_the_critical_style_and_reads_without_colour() {
    let state = state_with(
        0,
        vec![
            Object::Namespace(ns("full-ns", &[("tenantry.dev/tenant", "full")])),
            Object::Namespace(ns("calm-ns", &[("tenantry.dev/tenant", "calm")])),
            Object::ResourceQuota(quota("full-ns", &[("pods", "4")], &[("pods", "4")])),
            Object::ResourceQuota(quota("calm-ns", &[("pods", "4")], &[("pods", "1")])),
        ],
    );
    let mut state = state;
    // Open "full" on its quota tab.
    update(&mut state, Action::Key(KeyAction::MoveDown));
    update(&mut state, Action::Key(KeyAction::Open));
    update(&mut state, Action::Key(KeyAction::Tab(2)));
    assert_eq!(
        state.view,
        View::Detail {
            tenant: TenantId::new("full"),
            tab: Tab::Quota
        }
    );
    for name in ["default", "mono"] {
        let theme = theme(name);
        let buf = draw(&state, &theme, 80, 24);
        let (x, y) = find(&buf, "!! 100%").expect("marker and percent as text");
        let critical = theme.style("gauge.critical");
        let cell = &buf[(x, y)];
        assert_eq!(cell.fg, critical.fg.unwrap_or(Color::Reset), "{name}");
        assert!(
            cell.modifier.contains(critical.add_modifier),
            "{name}: {:?}",
            cell.modifier
        );
        let bar = &buf[(x + 8, y)];
        assert_eq!(bar.symbol(), "█");
        assert!(bar.modifier.contains(critical.add_modifier));
        if name == "mono" {
            assert_eq!(cell.fg, Color::Reset);
            assert_ne!(critical.add_modifier, theme.style("gauge.ok").add_modifier);
        }
    }
    // The list shows the same pressure, marked as text.
    update(&mut state, Action::Key(KeyAction::Back));
    let buf = draw(&state, &theme("mono"), 80, 24);
    let (_, y) = find(&buf, "full ").expect("row");
    assert!(row_text(&buf, y).contains("!! 100%"));
    let (_, y) = find(&buf, "calm ").expect("row");
    assert!(row_text(&buf, y).contains("25%"));
    assert!(!row_text(&buf, y).contains('!'));
}

#[test]
fn selection_stays_visible_after_scrolling() {
    let mut state = state_with(100, Vec::new());
    for _ in 0..70 {
        update(&mut state, Action::Key(KeyAction::MoveDown));
    }
    assert_eq!(state.list.selected, 70);
    for name in ["default", "mono"] {
        let theme = theme(name);
        let buf = draw(&state, &theme, 80, 24);
        let (_, y) = find(&buf, "t070 ").expect("selected row drawn");
        let selection = theme.style("ui.selection");
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            assert!(
                cell.modifier.contains(selection.add_modifier),
                "{name} x={x}"
            );
            if let Some(bg) = selection.bg {
                assert_eq!(cell.bg, bg);
            }
        }
        assert!(find(&buf, "t000 ").is_none(), "scrolled past the top");
        // Only the selected row is highlighted.
        let (_, other) = find(&buf, "t069 ").expect("previous row");
        assert!(!buf[(2, other)].modifier.contains(Modifier::REVERSED) || name == "default");
        assert_ne!(buf[(2, other)].bg, Color::Cyan);
    }
    let (offset, end) = tenants::visible_window(&state, 20);
    assert!(offset <= 70 && 70 < end);
    assert_eq!(list_offset(0, 100, 20), 0);
    assert_eq!(list_offset(19, 100, 20), 0);
    assert_eq!(list_offset(20, 100, 20), 1);
    assert_eq!(list_offset(99, 100, 20), 80);
    assert_eq!(list_offset(500, 100, 20), 80);
    assert_eq!(list_offset(5, 3, 20), 0);
}

#[test]
fn status_line_hint_comes_from_the_keymap() {
    let state = state_with(1, Vec::new());
    let keymap = Keymap::builtin("default").expect("keymap");
    assert_eq!(
        status::key_hint(&keymap, KeyContext::List),
        "? help  / filter  : jump  q quit"
    );
    let emacs = Keymap::builtin("emacs").expect("emacs keymap");
    let hint = status::key_hint(&emacs, KeyContext::List);
    for action in [KeyAction::Help, KeyAction::Quit] {
        let key = emacs.keys_for(KeyContext::List, action)[0].to_string();
        assert!(hint.contains(&key), "{hint} lacks {key}");
    }
    assert_eq!(sync_summary(&state), "synced");
}

#[test]
fn sync_summary_names_the_slowest_kind() {
    let mut state = State::new(ResolverKind::default_order(), Vec::new());
    assert_eq!(sync_summary(&state), "checking access…");
    update(&mut state, Action::Planned);
    for kind in Kind::ALL {
        let sync = if kind == Kind::Pod {
            crate::model::SyncState::Loading { seen: 1500 }
        } else {
            crate::model::SyncState::Synced
        };
        update(
            &mut state,
            Action::Watch(WatchUpdate::Sync {
                kind,
                scope: Scope::Cluster,
                state: sync,
            }),
        );
    }
    state.refresh();
    assert_eq!(sync_summary(&state), "syncing pods 1,500…");
}

#[test]
fn detail_scroll_is_clamped_to_the_body() {
    let mut objects = vec![Object::Namespace(ns(
        "big-ns",
        &[("tenantry.dev/tenant", "big")],
    ))];
    for p in 0..200 {
        objects.push(Object::Pod(pod(
            "big-ns",
            &format!("p{p:03}"),
            QosClass::Burstable,
        )));
    }
    let mut state = state_with(0, objects);
    update(&mut state, Action::Key(KeyAction::Open));
    update(&mut state, Action::Key(KeyAction::Tab(3)));
    state.detail_selected = 10_000;
    let theme = theme("default");
    let keymap = Keymap::builtin("default").expect("keymap");
    let ctx = Ctx {
        state: &state,
        theme: &theme,
        keymap: &keymap,
    };
    let total = tab_line_count(ctx, 80).expect("detail open");
    assert!(total > 200);
    let buf = draw(&state, &theme, 80, 24);
    assert!(find(&buf, "p199").is_some(), "last pod on screen");
    assert!(find(&buf, &format!("of {total}")).is_some());
}
