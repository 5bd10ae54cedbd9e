//! The reducer driven as the console drives it: keys, watch updates and
//! background results in, state and effects out.

use super::*;
use crate::app::keys::LIST_NOT_SHOWN;
use crate::app::state::SortKey;
use crate::app::state::{ProbeStatus, Tab};
use crate::model::WatchUpdate;
use crate::model::{Change, Kind, NamespaceInfo, Object, PodInfo, ResolverKind, Scope, SyncState};
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

/// Every kind synced, and the namespaces of acme, globex and initech.
fn list_three_tenants(state: &mut State) {
    for kind in Kind::ALL {
        update(
            state,
            Action::Watch(WatchUpdate::Sync {
                kind,
                scope: Scope::Cluster,
                state: SyncState::Synced,
            }),
        );
    }
    update(
        state,
        replaced(
            Kind::Namespace,
            vec![
                namespace("acme-dev", "acme"),
                namespace("globex-web", "globex"),
                namespace("initech-app", "initech"),
            ],
        ),
    );
}

/// Three tenants, every kind synced.
pub(super) fn loaded() -> State {
    let mut state = State::new(ResolverKind::default_order(), vec![]);
    list_three_tenants(&mut state);
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
                &serde_json::from_value(serde_json::json!({"metadata": {"name": "shared-tools"}}))
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

fn answer(ticket: &crate::app::Ticket, action: Action) -> Action {
    Action::Answer {
        ticket: ticket.clone(),
        action: Box::new(action),
    }
}

#[test]
fn a_probe_started_before_a_refresh_is_dropped_when_it_answers_after() {
    let mut state = loaded();
    update(&mut state, Action::Synced);
    let before = state.ticket();
    let acme = TenantId::new("acme");
    key(&mut state, KeyAction::Refresh);
    assert_ne!(state.ticket(), before, "a refresh starts a new generation");
    // The lists come back and the probes start again.
    state = {
        let mut fresh = loaded();
        fresh.generation = state.generation;
        fresh
    };
    update(&mut state, Action::Synced);
    // The probe of the old lists answers late: dropped.
    update(
        &mut state,
        answer(
            &before,
            Action::Probed {
                tenant: acme.clone(),
                results: Default::default(),
            },
        ),
    );
    assert!(matches!(
        state.probes.get(&acme),
        Some(ProbeStatus::Running)
    ));
    // The probe of the current lists lands.
    let now = state.ticket();
    update(
        &mut state,
        answer(
            &now,
            Action::Probed {
                tenant: acme.clone(),
                results: Default::default(),
            },
        ),
    );
    assert!(matches!(
        state.probes.get(&acme),
        Some(ProbeStatus::Done(_))
    ));
}

#[test]
fn a_reconnect_drops_the_access_reviews_started_before_it() {
    let mut state = loaded();
    let before = state.ticket();
    update(&mut state, Action::Reached);
    update(
        &mut state,
        answer(
            &before,
            Action::OwnRules {
                namespace: "acme-dev".into(),
                rules: OwnRules::Failed("old".into()),
            },
        ),
    );
    assert!(!state.own_rules.contains_key("acme-dev"));
    // Another context's answer is not this one's either.
    let mut other = state.ticket();
    other.context = "elsewhere".into();
    update(
        &mut state,
        answer(
            &other,
            Action::OwnRules {
                namespace: "acme-dev".into(),
                rules: OwnRules::Failed("other".into()),
            },
        ),
    );
    assert!(!state.own_rules.contains_key("acme-dev"));
}

#[test]
fn a_preview_sent_again_drops_the_answer_to_the_first_request() {
    use crate::app::form::Stage;
    let mut state = loaded();
    key(&mut state, KeyAction::CreateTenant);
    let checking = |state: &mut State| {
        if let Some(flow) = state.flow.as_deref_mut() {
            flow.stage = Stage::Checking;
        }
    };
    // The form was sent, the user went back and sent it again before the
    // first dry-run answered (as `flow_step` counts its requests).
    state.write_requests += 1;
    let first = state.write_ticket();
    checking(&mut state);
    state.write_requests += 1;
    update(&mut state, answer(&first, Action::WritePlanned(Ok(vec![]))));
    assert!(
        state
            .flow
            .as_deref()
            .is_some_and(|f| f.stage == Stage::Checking),
        "the first request's answer is dropped"
    );
    let second = state.write_ticket();
    update(
        &mut state,
        answer(&second, Action::WritePlanned(Ok(vec![]))),
    );
    assert!(
        state
            .flow
            .as_deref()
            .is_some_and(|f| matches!(f.stage, Stage::Preview(_)))
    );
}

#[test]
fn frame_measures_and_the_findings_timer_arrive_as_actions() {
    let mut state = loaded();
    key(&mut state, KeyAction::Open);
    update(&mut state, Action::ScrollLimit(Some(3)));
    for _ in 0..10 {
        key(&mut state, KeyAction::MoveDown);
    }
    assert_eq!(state.detail_selected, 3, "clamped to the measured limit");
    assert!(state.findings_stale());
    // Each FindingsDue spends at most FINDINGS_SLICE, at least one tenant's
    // checks: on a slow machine a round takes several, never more than
    // one a tenant.
    let tenants = state.resolution.tenants.len();
    for _ in 0..tenants {
        update(&mut state, Action::FindingsDue);
        if !state.findings_stale() {
            break;
        }
    }
    assert!(!state.findings_stale());
    // New probe results make the findings lag again.
    update(
        &mut state,
        Action::Probed {
            tenant: TenantId::new("acme"),
            results: Default::default(),
        },
    );
    assert!(state.findings_stale());
}

#[test]
fn slash_in_a_tab_filters_its_lines_and_escape_clears_it_before_going_back() {
    let mut state = loaded();
    key(&mut state, KeyAction::Open);
    key(&mut state, KeyAction::Filter);
    assert!(matches!(state.overlay, Some(Overlay::Input(_))));
    for c in "dev".chars() {
        update(&mut state, Action::InputChar(c));
    }
    assert_eq!(
        state.active_detail_filter(),
        "dev",
        "filters as it is typed"
    );
    assert_eq!(state.active_filter(), "", "not the list's filter");
    key(&mut state, KeyAction::Submit);
    assert_eq!(state.detail_filter, "dev");
    key(&mut state, KeyAction::Back);
    assert_eq!(state.detail_filter, "");
    assert!(
        matches!(state.view, View::Detail { .. }),
        "esc cleared it first"
    );
    key(&mut state, KeyAction::Back);
    assert_eq!(state.view, View::Tenants);
}

#[test]
fn up_and_down_in_the_filter_prompt_pick_among_the_rows_it_leaves() {
    let mut state = loaded();
    key(&mut state, KeyAction::Filter);
    update(&mut state, Action::InputChar('i'));
    // "i" leaves initech (and the tenants whose namespaces contain it).
    let shown = visible_names(&state).len();
    key(&mut state, KeyAction::MoveDown);
    assert_eq!(state.list.selected, 1.min(shown - 1));
    key(&mut state, KeyAction::Submit);
    let picked = state.selected_row().map(|r| r.id.clone());
    key(&mut state, KeyAction::Open);
    assert!(
        matches!(&state.view, View::Detail { tenant, .. } if Some(tenant) == picked.as_ref()),
        "Enter opens the row picked while typing"
    );
}

#[test]
fn the_help_scrolls_within_what_it_lists() {
    let mut state = loaded();
    key(&mut state, KeyAction::Help);
    update(&mut state, Action::ScrollLimit(Some(4)));
    key(&mut state, KeyAction::MoveDown);
    assert_eq!(state.help_scroll, 1);
    key(&mut state, KeyAction::Bottom);
    assert_eq!(state.help_scroll, 4);
    key(&mut state, KeyAction::Top);
    assert_eq!(state.help_scroll, 0);
    assert_eq!(state.list.selected, 0, "the list under it does not move");
}

/// Derived data kept up change by change equals derived data computed
/// from nothing (ARCHITECTURE.md §9): rows and findings of every tenant.
#[test]
fn incremental_refresh_equals_a_full_one() {
    let mut state = loaded();
    state.refresh_findings();
    let label_pod = |ns: &str, name: &str, app: &str| {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "x",
                "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1"}}}]},
            "status": {"qosClass": "Burstable"}
        }))
        .unwrap();
        Object::Pod(PodInfo::from_pod(&pod))
    };
    let steps: Vec<Change> = vec![
        Change::Applied(label_pod("initech-app", "a", "x")),
        Change::Applied(label_pod("globex-web", "new", "y")),
        Change::Deleted(Kind::Pod, crate::model::ObjectKey::new("acme-dev", "c")),
        Change::Applied(namespace("globex-extra", "globex")),
        Change::Applied(label_pod("globex-extra", "p", "z")),
        Change::Applied(namespace("acme-dev", "initech")),
        Change::Applied(label_pod("nobody", "p", "z")),
    ];
    for change in steps {
        update(&mut state, Action::Watch(WatchUpdate::Change(change)));
        state.refresh();
        state.refresh_findings();
        let mut full = state.clone();
        full.invalidate();
        full.refresh_findings();
        assert_eq!(state.rows, full.rows);
        assert_eq!(state.findings, full.findings);
        assert_eq!(state.resolution.tenants, full.resolution.tenants);
    }
}

/// A pod that changes in one tenant's namespace redoes that tenant's row
/// and findings only.
#[test]
fn a_pod_change_touches_one_tenant() {
    let mut state = loaded();
    state.refresh_findings();
    // Poison the other rows: a full recompute would repair them.
    for row in &mut state.rows {
        row.pod_count = 999;
    }
    update(
        &mut state,
        Action::Watch(WatchUpdate::Change(Change::Applied(pod("acme-dev", "new")))),
    );
    state.refresh();
    let counts: Vec<(String, usize)> = state
        .rows
        .iter()
        .map(|r| (r.id.as_str().to_string(), r.pod_count))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("acme".to_string(), 2),
            ("globex".to_string(), 999),
            ("initech".to_string(), 999)
        ]
    );
    assert!(state.findings_stale());
    assert!(!state.refresh_findings_for(Some(std::time::Duration::ZERO)));
}

/// `loaded()` as context `prod`, and a second cluster `staging` whose
/// session sends its own updates (`Action::Cluster(1, …)`): acme in both,
/// wayne in staging only.
fn fleet() -> State {
    let mut state = loaded();
    state.identity.context = "prod".into();
    state
        .clusters
        .push(crate::app::Cluster::new(crate::app::Identity {
            context: "staging".into(),
            user: "admin".into(),
            server: String::new(),
        }));
    let on_staging =
        |state: &mut State, action: Action| update(state, Action::Cluster(1, Box::new(action)));
    for kind in Kind::ALL {
        on_staging(
            &mut state,
            Action::Watch(WatchUpdate::Sync {
                kind,
                scope: Scope::Cluster,
                state: SyncState::Synced,
            }),
        );
    }
    on_staging(
        &mut state,
        replaced(
            Kind::Namespace,
            vec![
                namespace("acme-dev", "acme"),
                namespace("wayne-app", "wayne"),
            ],
        ),
    );
    on_staging(&mut state, Action::Planned);
    state.refresh();
    state
}

fn lines(state: &State) -> Vec<String> {
    state
        .visible
        .iter()
        .map(|entry| match entry {
            crate::app::ListEntry::Tenant {
                cluster,
                row,
                member,
            } => format!(
                "{}{}@{}",
                if *member { "  " } else { "" },
                state.clusters[*cluster].rows[*row].id,
                state.clusters[*cluster].identity.context
            ),
            crate::app::ListEntry::Group {
                id,
                members,
                expanded,
            } => format!(
                "{id} x{}{}",
                members.len(),
                if *expanded { " open" } else { "" }
            ),
        })
        .collect()
}

#[test]
fn a_fleet_lists_each_tenant_once_and_opens_a_group_into_its_clusters() {
    let mut state = fleet();
    assert_eq!(
        lines(&state),
        ["acme x2", "globex@prod", "initech@prod", "wayne@staging"]
    );
    // The watch updates of staging never touched prod's inventory.
    assert!(
        state.clusters[0]
            .resolution
            .tenant(&TenantId::new("wayne"))
            .is_none()
    );
    key(&mut state, KeyAction::Open);
    assert_eq!(
        lines(&state),
        [
            "acme x2 open",
            "  acme@prod",
            "  acme@staging",
            "globex@prod",
            "initech@prod",
            "wayne@staging"
        ]
    );
    // The selection stays on the member line picked, through a refresh.
    key(&mut state, KeyAction::MoveDown);
    key(&mut state, KeyAction::MoveDown);
    state.refresh();
    assert_eq!(state.list.selected, 2);
    // Enter opens acme in staging: probes are staging's.
    let effects = key(&mut state, KeyAction::Open);
    assert_eq!(state.focus(), 1);
    assert_eq!(state.identity.context, "staging");
    assert!(
        effects.contains(&Effect::Probe(TenantId::new("acme"))),
        "{effects:?}"
    );
    // `]`: the same tenant in the next cluster that has it, and back.
    key(&mut state, KeyAction::NextCluster);
    assert_eq!(state.identity.context, "prod");
    assert!(matches!(&state.view, View::Detail { tenant, .. } if tenant.as_str() == "acme"));
    key(&mut state, KeyAction::NextCluster);
    assert_eq!(state.identity.context, "staging");
    // wayne is in staging alone: `]` says so and stays.
    key(&mut state, KeyAction::Back);
    key(&mut state, KeyAction::Bottom);
    key(&mut state, KeyAction::Open);
    key(&mut state, KeyAction::NextCluster);
    assert_eq!(state.identity.context, "staging");
    assert_eq!(
        state.message.as_deref(),
        Some("wayne is in no other cluster")
    );
}

#[test]
fn an_answer_goes_to_the_cluster_it_was_asked_of_and_a_stale_one_is_dropped() {
    let mut state = fleet();
    let staging = state.clusters[1].ticket();
    let results = crate::model::checks::ProbeResults::default();
    // The user looks at prod; staging's probe answer lands in staging.
    update(
        &mut state,
        Action::Answer {
            ticket: staging.clone(),
            action: Box::new(Action::Probed {
                tenant: TenantId::new("wayne"),
                results: results.clone(),
            }),
        },
    );
    assert_eq!(state.focus(), 0);
    assert!(
        state.clusters[1]
            .probes
            .contains_key(&TenantId::new("wayne"))
    );
    assert!(
        !state.clusters[0]
            .probes
            .contains_key(&TenantId::new("wayne"))
    );
    // staging reconnects: what was asked before answers for nothing.
    update(&mut state, Action::Cluster(1, Box::new(Action::Reached)));
    update(
        &mut state,
        Action::Answer {
            ticket: staging,
            action: Box::new(Action::Probed {
                tenant: TenantId::new("acme"),
                results: results.clone(),
            }),
        },
    );
    assert!(
        !state.clusters[1]
            .probes
            .contains_key(&TenantId::new("acme"))
    );
    // An answer for a context the console does not show goes nowhere.
    update(
        &mut state,
        Action::Answer {
            ticket: Ticket {
                context: "elsewhere".into(),
                generation: 0,
            },
            action: Box::new(Action::Probed {
                tenant: TenantId::new("acme"),
                results,
            }),
        },
    );
    assert!(
        !state.clusters[0]
            .probes
            .contains_key(&TenantId::new("acme"))
    );
}

#[test]
fn a_cluster_that_stops_answering_is_marked_and_the_others_keep_their_rows() {
    let mut state = fleet();
    assert_eq!(state.clusters[1].unreachable(), None);
    update(
        &mut state,
        Action::Cluster(
            1,
            Box::new(Action::Watch(WatchUpdate::Reconnecting {
                kind: Kind::Pod,
                scope: Scope::Cluster,
                reconnecting: crate::model::Reconnecting {
                    since: "10:02:03".into(),
                    reason: "connection refused".into(),
                },
            })),
        ),
    );
    state.refresh();
    assert_eq!(
        state.clusters[1].unreachable().as_deref(),
        Some("unreachable since 10:02:03")
    );
    assert_eq!(state.clusters[0].unreachable(), None);
    assert!(!state.loading(), "a lost cluster holds up nothing");
    // prod still moves: a new tenant there is listed.
    update(
        &mut state,
        Action::Watch(WatchUpdate::Change(Change::Applied(namespace(
            "umbrella-app",
            "umbrella",
        )))),
    );
    state.refresh();
    assert!(lines(&state).contains(&"umbrella@prod".to_string()));
    // A fleet whose every cluster is still listing is loading; once one
    // has its lists, it is not.
    let mut fresh = fleet();
    fresh.clusters[0].forget_everything();
    fresh.clusters[1].forget_everything();
    assert!(fresh.loading());
}

#[test]
fn refresh_in_a_fleets_list_lists_every_cluster_again_and_in_a_tenant_its_own() {
    let mut state = fleet();
    let effects = key(&mut state, KeyAction::Refresh);
    assert_eq!(
        effects,
        vec![
            Effect::Cluster(0, Box::new(Effect::Resync)),
            Effect::Cluster(1, Box::new(Effect::Resync))
        ]
    );
    assert!(state.clusters.iter().all(|c| !c.planned));
    let mut state = fleet();
    key(&mut state, KeyAction::Bottom);
    key(&mut state, KeyAction::Open);
    assert_eq!(state.focus(), 1);
    assert_eq!(key(&mut state, KeyAction::Refresh), vec![Effect::Resync]);
    assert!(state.clusters[0].planned && !state.clusters[1].planned);
}

#[test]
fn a_cluster_never_reached_says_since_when_and_keeps_its_first_time() {
    let mut state = fleet();
    let not_reached = |since: &str| {
        Action::Cluster(
            1,
            Box::new(Action::NotReached {
                message: "cannot reach the API server (trying again)".into(),
                since: since.into(),
            }),
        )
    };
    update(&mut state, not_reached("10:00:00"));
    update(&mut state, not_reached("10:00:30"));
    assert_eq!(
        state.clusters[1].unreachable().as_deref(),
        Some("unreachable since 10:00:00")
    );
    assert_eq!(state.clusters[0].unreachable(), None);
    update(&mut state, Action::Cluster(1, Box::new(Action::Reached)));
    assert_eq!(state.clusters[1].unreachable(), None);
    // A fatal error with no retry (rejected credentials) is said as is.
    update(
        &mut state,
        Action::Cluster(1, Box::new(Action::Fatal("credentials rejected".into()))),
    );
    assert_eq!(
        state.clusters[1].unreachable().as_deref(),
        Some("credentials rejected")
    );
}

#[test]
fn updates_a_replaced_session_had_sent_are_dropped() {
    let mut state = loaded();
    let session = state.session;
    let pod_of = |session: u64, name: &str| Action::Session {
        session,
        action: Box::new(Action::Watch(WatchUpdate::Change(Change::Applied(pod(
            "acme-dev", name,
        ))))),
    };
    update(&mut state, pod_of(session, "before"));
    assert!(state.inventory.pod("acme-dev", "before").is_some());
    assert!(pod_of(session, "x").is_watch());
    // `r`: everything is forgotten and listed again by a new session; what
    // the old one had queued must not land in the new lists.
    key(&mut state, KeyAction::Refresh);
    assert_eq!(state.session, session + 1);
    update(&mut state, pod_of(session, "stale"));
    assert!(state.inventory.pod("acme-dev", "stale").is_none());
    update(&mut state, pod_of(session + 1, "fresh"));
    assert!(state.inventory.pod("acme-dev", "fresh").is_some());
    // In a fleet, per cluster: staging's new session is not prod's.
    let mut state = fleet();
    let prod_session = state.clusters[0].session;
    let staging_session = state.clusters[1].session;
    update(
        &mut state,
        Action::Cluster(1, Box::new(pod_of(staging_session, "staging-pod"))),
    );
    assert!(
        state.clusters[1]
            .inventory
            .pod("acme-dev", "staging-pod")
            .is_some()
    );
    assert!(
        state.clusters[0]
            .inventory
            .pod("acme-dev", "staging-pod")
            .is_none()
    );
    assert_eq!(state.clusters[0].session, prod_session);
}

#[test]
fn a_write_key_in_a_fleets_list_acts_in_the_selected_lines_cluster_only() {
    let mut state = fleet();
    // acme's line stands for two clusters: no write opens from it.
    assert_eq!(lines(&state)[0], "acme x2");
    key(&mut state, KeyAction::EditQuota);
    assert!(state.flow.is_none());
    assert!(
        state
            .message
            .as_deref()
            .is_some_and(|m| m.contains("acme is in 2 clusters")),
        "{:?}",
        state.message
    );
    key(&mut state, KeyAction::ViewAs);
    assert!(state.viewing_as.is_none());
    // wayne's line is staging's: the write's cluster is staging.
    key(&mut state, KeyAction::Bottom);
    assert_eq!(state.focus(), 0);
    key(&mut state, KeyAction::EditQuota);
    assert_eq!(state.focus(), 1);
    assert_eq!(state.identity.context, "staging");
}

#[test]
fn an_owners_view_in_a_fleet_shows_its_cluster_alone() {
    let mut state = fleet();
    state.set_focus(1);
    let subject = crate::app::ViewingAs {
        user: "alice".into(),
        groups: Vec::new(),
        label: "alice".into(),
        tenant: "acme".into(),
        namespaces: vec!["acme-dev".into()],
    };
    let effects = update(
        &mut state,
        Action::ViewAsChecked {
            subject: subject.clone(),
            result: Ok(()),
        },
    );
    assert_eq!(effects, vec![Effect::SwitchIdentity(Some(subject))]);
    // Staging is listed again as alice; prod keeps what the user sees, but
    // none of it is on the list under alice's banner.
    assert!(state.clusters[0].planned && !state.clusters[1].planned);
    update(
        &mut state,
        Action::Cluster(
            1,
            Box::new(replaced(
                Kind::Namespace,
                vec![namespace("acme-dev", "acme")],
            )),
        ),
    );
    update(&mut state, Action::Cluster(1, Box::new(Action::Planned)));
    state.refresh();
    assert_eq!(lines(&state), ["acme@staging"]);
    // `]` does not leave the owner's cluster.
    key(&mut state, KeyAction::Open);
    key(&mut state, KeyAction::NextCluster);
    assert_eq!(state.identity.context, "staging");
    // Leaving the owner's view brings every cluster back.
    key(&mut state, KeyAction::Back);
    key(&mut state, KeyAction::ViewAs);
    assert!(state.viewing_as.is_none());
    assert!(lines(&state).iter().any(|l| l.contains("globex@prod")));
}

#[test]
fn the_keymaps_tab_numbers_are_the_details_tabs() {
    assert_eq!(Tab::ALL.len(), usize::from(crate::config::MAX_TAB));
}

#[test]
fn a_fleet_waits_for_no_cluster_it_cannot_reach() {
    let mut state = fleet();
    state.clusters[0].forget_everything();
    state.clusters[1].forget_everything();
    assert!(state.loading());
    // staging cannot be reached: prod alone is waited for.
    update(
        &mut state,
        Action::Cluster(
            1,
            Box::new(Action::NotReached {
                message: "cannot reach (trying again)".into(),
                since: "10:00:00".into(),
            }),
        ),
    );
    assert!(state.loading());
    update(
        &mut state,
        Action::Cluster(
            0,
            Box::new(Action::NotReached {
                message: "cannot reach (trying again)".into(),
                since: "10:00:01".into(),
            }),
        ),
    );
    // Neither can: nothing is loading, the list says why per cluster.
    assert!(!state.loading());
}

#[test]
fn the_selection_comes_back_to_its_tenant_after_a_refresh() {
    let mut state = loaded();
    key(&mut state, KeyAction::Bottom);
    assert_eq!(state.selected_row().map(|r| r.id.as_str()), Some("initech"));
    key(&mut state, KeyAction::Refresh);
    assert!(state.visible.is_empty());
    list_three_tenants(&mut state);
    update(&mut state, Action::Planned);
    assert_eq!(state.selected_row().map(|r| r.id.as_str()), Some("initech"));
}
