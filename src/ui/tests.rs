//! Widget tests: rendered into a `TestBackend`, checked cell by cell where
//! style carries meaning.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::*;
use crate::app::{Action, OwnRules, ProbeStatus, Tab, update};
use crate::config::{KeyAction, KeyContext};
use crate::model::WatchUpdate;
use crate::model::inventory::tests::{ns, pod};
use crate::model::{
    Change, CheckResult, FindingCounts, Kind, Object, Outcome, QosClass, Quantity, QuotaInfo,
    ResolverKind, RuleInfo, Scope, Severity, TenantId, parse_quantity,
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
        template: None,
    }
}

/// `tenants` tenants `t000`…, one namespace each, all kinds synced.
pub(super) fn state_with(tenants: usize, objects: Vec<Object>) -> State {
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
    assert!(find(&buf, "\\u{1b}[2Jx").is_some());
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
    assert!(find(&buf, "\\u{1b}]52;c;aGVsbG8=\\u{7}").is_some());
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
        "? help  / filter  : jump  n new  q quit"
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

fn lost(kind: Kind, since: &str) -> Action {
    Action::Watch(WatchUpdate::Reconnecting {
        kind,
        scope: Scope::Cluster,
        reconnecting: crate::model::Reconnecting {
            since: since.into(),
            reason: "connection refused".into(),
        },
    })
}

#[test]
fn lost_watches_are_named_with_their_time_until_they_list_again() {
    let mut state = state_with(
        2,
        vec![Object::Pod(pod("t000-ns", "p", QosClass::Burstable))],
    );
    assert_eq!(sync_summary(&state), "synced");
    update(&mut state, lost(Kind::Pod, "12:03:09"));
    update(&mut state, lost(Kind::Namespace, "12:03:04"));
    update(&mut state, lost(Kind::Pod, "12:03:30"));
    state.refresh();
    assert_eq!(
        sync_summary(&state),
        "reconnecting since 12:03:04: namespaces, pods"
    );
    // What was listed stays on screen meanwhile, and the time fits the
    // status line at 80 columns.
    assert!(!state.loading());
    assert_eq!(state.rows.len(), 2);
    let buf = draw(&state, &theme("default"), 80, 24);
    let status = row_text(&buf, 23);
    assert!(
        status.contains("reconnecting since 12:03:04: namespaces, pods"),
        "{status}"
    );

    // The namespaces list again, without t001-ns: it vanishes.
    update(
        &mut state,
        Action::Watch(WatchUpdate::Change(Change::Replaced {
            kind: Kind::Namespace,
            scope: Scope::Cluster,
            objects: vec![Object::Namespace(ns(
                "t000-ns",
                &[("tenantry.dev/tenant", "t000")],
            ))],
        })),
    );
    state.refresh();
    assert_eq!(sync_summary(&state), "reconnecting since 12:03:09: pods");
    assert_eq!(state.rows.len(), 1);
    update(
        &mut state,
        Action::Watch(WatchUpdate::Change(Change::Replaced {
            kind: Kind::Pod,
            scope: Scope::Cluster,
            objects: Vec::new(),
        })),
    );
    state.refresh();
    assert_eq!(sync_summary(&state), "synced");
    let status = row_text(&draw(&state, &theme("default"), 80, 24), 23);
    assert!(status.contains("? help"), "the key hint is back: {status}");
}

#[test]
fn a_first_list_that_lost_the_server_is_still_loading_and_says_so() {
    let mut state = State::new(ResolverKind::default_order(), Vec::new());
    update(&mut state, Action::Planned);
    for kind in Kind::ALL {
        let sync = if kind == Kind::Pod {
            crate::model::SyncState::Loading { seen: 0 }
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
    update(&mut state, lost(Kind::Pod, "09:00:00"));
    state.refresh();
    assert!(state.loading(), "the headless commands keep waiting");
    assert_eq!(sync_summary(&state), "reconnecting since 09:00:00: pods");
    let buf = draw(&state, &theme("default"), 80, 24);
    let (_, y) = find(&buf, "pods ").expect("the pods line of the loading screen");
    let line = row_text(&buf, y);
    assert!(
        line.contains("reconnecting since 09:00:00: connection refused"),
        "{line}"
    );
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

fn check(id: &'static str, severity: Severity, outcome: Outcome) -> CheckResult {
    CheckResult {
        id,
        severity,
        outcome,
        reason: format!("{id} reason"),
        note: None,
        anchor: "",
        fix: None,
        locations: Vec::new(),
    }
}

#[test]
fn policy_lists_failures_by_severity_then_unknown_then_passes() {
    use Outcome::{Fail, Pass, Unknown};
    use Severity::{Critical, High, Info, Low, Medium};
    // Catalogue order, mixed.
    let checks = vec![
        check("a.pass-crit", Critical, Pass),
        check("b.fail-med", Medium, Fail),
        check("c.unknown-info", Info, Unknown),
        check("d.fail-crit", Critical, Fail),
        check("e.unknown-crit", Critical, Unknown),
        check("f.fail-med-later", Medium, Fail),
        check("g.pass-low", Low, Pass),
        check("h.fail-high", High, Fail),
    ];
    let ids: Vec<&str> = policy::ordered(&checks).iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        vec![
            "d.fail-crit",
            "h.fail-high",
            "b.fail-med",
            "f.fail-med-later",
            "e.unknown-crit",
            "c.unknown-info",
            "a.pass-crit",
            "g.pass-low",
        ]
    );
    let theme = theme("mono");
    let summary: String = policy::summary_spans(&checks, &theme)
        .iter()
        .map(|s| s.content.to_string())
        .collect();
    assert_eq!(
        summary,
        "1 critical · 1 high · 2 medium findings; 2 unknown · 2 passed"
    );
    let none = vec![check("a", High, Pass)];
    let summary: String = policy::summary_spans(&none, &theme)
        .iter()
        .map(|s| s.content.to_string())
        .collect();
    assert_eq!(summary, "no findings; 1 passed");
}

/// A tenant with no NetworkPolicy: `netpol.default-deny-ingress` fails,
/// critical, in the Policy tab.
fn policy_tab_state() -> State {
    let mut state = state_with(1, Vec::new());
    update(&mut state, Action::Key(KeyAction::Open));
    update(&mut state, Action::Key(KeyAction::Tab(4)));
    assert_eq!(
        state.view,
        View::Detail {
            tenant: TenantId::new("t000"),
            tab: Tab::Policy
        }
    );
    state
}

#[test]
fn failed_critical_check_uses_the_result_and_severity_styles_and_reads_without_colour() {
    let state = policy_tab_state();
    for name in ["default", "mono"] {
        let theme = theme(name);
        let buf = draw(&state, &theme, 80, 24);
        let (x, y) = find(&buf, "FAIL CRIT  netpol.default-deny-ingress")
            .unwrap_or_else(|| panic!("{name}: failing row written out"));
        let row = row_text(&buf, y);
        assert!(row.contains("fix: apply netpol-default-deny"), "{row}");
        for (dx, key) in [(0, "result.fail"), (5, "severity.critical")] {
            let style = theme.style(key);
            for i in 0..4 {
                let cell = &buf[(x + dx + i, y)];
                assert_eq!(cell.fg, style.fg.unwrap_or(Color::Reset), "{name} {key}");
                assert_eq!(cell.bg, style.bg.unwrap_or(Color::Reset), "{name} {key}");
                assert!(
                    cell.modifier.contains(style.add_modifier),
                    "{name} {key}: {:?}",
                    cell.modifier
                );
            }
        }
        // The padding after the label is not part of the marker.
        assert_eq!(buf[(x + 9, y)].bg, Color::Reset, "{name}");
        if name == "mono" {
            // No colour at all: the words and modifiers carry the meaning.
            assert!(
                buf.content()
                    .iter()
                    .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
            );
            assert_ne!(
                theme.style("result.fail").add_modifier,
                theme.style("result.pass").add_modifier
            );
            assert_ne!(
                theme.style("severity.critical").add_modifier,
                theme.style("severity.medium").add_modifier
            );
        }
        // The reason follows under the id.
        let reason = row_text(&buf, y + 1);
        assert!(
            reason
                .trim_start()
                .starts_with("t000-ns has no NetworkPolicy"),
            "{reason}"
        );
        assert_eq!(reason.find("t000"), Some(usize::from(x) + 11));
    }
}

#[test]
fn admission_checks_say_whether_the_probes_ran() {
    let theme = theme("mono");
    let c = check("admission.privileged", Severity::Critical, Outcome::Unknown);
    let text = |probes: Option<&ProbeStatus>| -> String {
        policy::check_lines(&c, probes, &theme, 80)
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(text(None).contains("admission probes not run"));
    assert!(text(Some(&ProbeStatus::Running)).contains("admission probes running…"));
    let done = text(Some(&ProbeStatus::Done(Default::default())));
    assert!(!done.contains("admission probes"), "{done}");
    // Other checks never mention the probes.
    let other = check("quota.compute", Severity::High, Outcome::Unknown);
    let lines = policy::check_lines(&other, None, &theme, 80);
    assert!(lines.iter().all(|l| !l.to_string().contains("probes")));
    // Reasons of cluster strings are sanitized.
    let mut evil = check("quota.compute", Severity::High, Outcome::Fail);
    evil.reason = "quota \u{1b}[2J in ns".into();
    let lines = policy::check_lines(&evil, None, &theme, 80);
    assert!(lines[1].to_string().contains("quota \\u{1b}[2J in ns"));
}

#[test]
fn findings_column_is_compact_and_marks_what_does_not_fit() {
    let theme = theme("mono");
    let text = |counts: &FindingCounts, width: usize| -> String {
        tenants::findings_spans(counts, width, &theme)
            .iter()
            .map(|s| s.content.to_string())
            .collect()
    };
    let counts = FindingCounts {
        critical: 2,
        high: 1,
        medium: 3,
        low: 0,
        info: 0,
    };
    assert_eq!(text(&counts, 8), "2C 1H 3M");
    assert_eq!(text(&counts, 16), "2C 1H 3M");
    let many = FindingCounts { low: 1, ..counts };
    assert_eq!(text(&many, 16), "2C 1H 3M 1L");
    assert_eq!(text(&many, 8), "2C 1H +");
    assert_eq!(text(&FindingCounts::default(), 8), "");

    // In the list: "—" for none, and the row reads the counts.
    let mut state = state_with(1, Vec::new());
    state.refresh_findings();
    let buf = draw(&state, &theme, 80, 24);
    let (_, y) = find(&buf, "t000 ").expect("row");
    assert!(row_text(&buf, y).contains("1C"), "{}", row_text(&buf, y));
    assert!(find(&buf, "FINDINGS").is_some());
}

#[test]
fn access_matrix_says_loading_failed_and_incomplete() {
    let mut state = state_with(3, Vec::new());
    update(&mut state, Action::Key(KeyAction::Open));
    update(&mut state, Action::Key(KeyAction::Tab(5)));
    let theme = theme("mono");
    // Opening the tenant asked for its rules.
    assert_eq!(state.own_rules.get("t000-ns"), Some(&OwnRules::Loading));
    state.detail_selected = 10_000;
    let buf = draw(&state, &theme, 80, 24);
    assert!(find(&buf, "t000-ns  loading…").is_some());

    update(
        &mut state,
        Action::OwnRules {
            namespace: "t000-ns".into(),
            rules: OwnRules::Failed("connection reset".into()),
        },
    );
    let buf = draw(&state, &theme, 80, 24);
    assert!(find(&buf, "t000-ns  failed: connection reset").is_some());

    let get_pods = RuleInfo {
        verbs: vec!["get".into(), "list".into()],
        api_groups: vec!["".into()],
        resources: vec!["pods".into()],
        ..Default::default()
    };
    update(
        &mut state,
        Action::OwnRules {
            namespace: "t000-ns".into(),
            rules: OwnRules::Loaded {
                rules: vec![get_pods.clone()],
                incomplete: true,
            },
        },
    );
    let buf = draw(&state, &theme, 80, 24);
    assert!(find(&buf, "t000-ns  (incomplete").is_some());
    let (_, y) = find(&buf, "     pods  ").expect("pods row");
    assert!(
        row_text(&buf, y).contains("· ✓ ✓ · · · · ·"),
        "{}",
        row_text(&buf, y)
    );
    let (_, y) = find(&buf, "     secrets  ").expect("secrets row");
    assert!(row_text(&buf, y).contains("· · · · · · · ·"));

    let line = rbac::matrix_line(&[get_pods], rbac::MATRIX_ROWS[0], true, &theme);
    let text = line.to_string();
    // Wide: each mark under the first letter of its verb.
    let header = "create get list watch update patch delete deletecollection";
    let start = text.find('·').expect("mark");
    for (i, word) in header.split(' ').enumerate() {
        let col = header.find(word).expect("verb") + start;
        let mark = text[..].chars().nth(col).expect("cell");
        assert_eq!(mark == '✓', i == 1 || i == 2, "{word}: {text}");
    }
}

#[test]
fn system_namespaces_are_counted_apart_from_orphans_in_the_footer() {
    let mut state = state_with(
        1,
        vec![
            Object::Namespace(ns("kube-system", &[])),
            Object::Namespace(ns("default", &[])),
            Object::Namespace(ns("openshift-dns", &[])),
            Object::Namespace(ns("shared-tools", &[])),
        ],
    );
    let theme = theme("default");
    let buf = draw(&state, &theme, 80, 24);
    let footer = row_text(&buf, 22);
    assert!(
        footer.contains("2 namespaces in no tenant (openshift-dns, shared-tools) · system: 2"),
        "{footer}"
    );

    state.tenancy.system_namespaces =
        crate::model::SystemNamespaces::parse(&["kube-*", "default", "openshift-*"])
            .expect("globs");
    state.invalidate();
    state.refresh();
    let buf = draw(&state, &theme, 80, 24);
    let footer = row_text(&buf, 22);
    assert!(
        footer.contains("1 namespace in no tenant (shared-tools) · system: 3"),
        "{footer}"
    );
}

#[test]
fn overview_counts_pods_past_nine_whole() {
    let pods = (0..12)
        .map(|i| Object::Pod(pod("t000-ns", &format!("p{i}"), QosClass::Guaranteed)))
        .collect();
    let mut state = state_with(1, pods);
    update(&mut state, Action::Key(KeyAction::Open));
    let buf = draw(&state, &theme("default"), 80, 24);
    assert!(
        find(&buf, "Guaranteed 12 · Burstable 0").is_some(),
        "{}",
        (0..24)
            .map(|y| row_text(&buf, y))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
