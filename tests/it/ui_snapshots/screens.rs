//! Every view, read-only: lists, the detail tabs, overlays and messages.

use super::*;

// ---------------------------------------------------------------- screens

#[test]
fn tenants_list_loaded() {
    let mut state = admin();
    key(&mut state, KeyAction::MoveDown);
    assert_screens("tenants_loaded", &state);
}

#[test]
fn tenants_list_sorted_by_findings_then_by_pressure() {
    let mut state = admin();
    key(&mut state, KeyAction::CycleSort);
    assert_screens("tenants_by_findings", &state);
    key(&mut state, KeyAction::CycleSort);
    assert_screens("tenants_by_pressure", &state);
}

#[test]
fn tenants_list_loading() {
    let state = loading();
    assert!(state.loading());
    assert_screens("tenants_loading", &state);
}

#[test]
fn bob_sees_nothing_and_is_told_why() {
    let state = bob();
    assert!(!state.loading() && state.rows.is_empty());
    assert_screens("bob_nothing_visible", &state);
}

#[test]
fn alice_restricted_list() {
    let state = alice();
    assert!(!state.loading());
    assert_screens("alice_restricted", &state);
}

#[test]
fn alice_restricted_overview() {
    let state = open(alice(), "acme", Tab::Overview);
    assert_screens("alice_overview", &state);
}

#[test]
fn detail_overview() {
    let state = open(admin(), "acme", Tab::Overview);
    assert_screens("detail_overview", &state);
}

#[test]
fn detail_quota_over_limit() {
    let state = open(admin(), "globex", Tab::Quota);
    assert_screens("detail_quota_globex", &state);
}

#[test]
fn detail_quota_pending_and_totals() {
    let state = open(admin(), "umbrella", Tab::Quota);
    assert_screens("detail_quota_umbrella", &state);
}

#[test]
fn detail_quota_scrolled() {
    let mut state = open(admin(), "acme", Tab::Quota);
    for _ in 0..5 {
        key(&mut state, KeyAction::MoveDown);
    }
    assert_screens("detail_quota_acme_scrolled", &state);
}

/// globex's checkout Deployment, refused by its full quota as on the demo
/// (`assets/demo/30-pressure.yaml`), a Job refused by a LimitRange, and a
/// message tenantry cannot read, shown whole and inert.
fn globex_refused() -> State {
    use tenantry::model::projection::{RefusalEvent, parse_refusal};
    let mut state = admin();
    state.frozen_now = Some(1_800_000_000);
    let event = |name: &str, kind: &str, workload: &str, count: u32, ago: i64, message: &str| {
        Object::Event(RefusalEvent {
            namespace: "globex-web".into(),
            name: name.into(),
            workload_kind: kind.into(),
            workload: workload.into(),
            count,
            last: Some(1_800_000_000 - ago),
            cause: parse_refusal(message),
        })
    };
    apply(
        &mut state,
        replaced(
            Kind::Event,
            Scope::Cluster,
            vec![
                event(
                    "checkout-7d9.1",
                    "ReplicaSet",
                    "checkout-7d9c6b8f4",
                    14,
                    120,
                    "Error creating: pods \"checkout-7d9c6b8f4-x2k8z\" is forbidden: exceeded quota: \
                     compute, requested: limits.cpu=500m,pods=1,requests.cpu=250m,requests.memory=128Mi, \
                     used: limits.cpu=3,pods=3,requests.cpu=1500m,requests.memory=768Mi, limited: \
                     limits.cpu=3,pods=3,requests.cpu=1500m,requests.memory=512Mi",
                ),
                event(
                    "report.1",
                    "Job",
                    "nightly-report",
                    2,
                    7200,
                    "Error creating: pods \"nightly-report-abc\" is forbidden: maximum cpu usage per \
                     Container is 1, but limit is 2",
                ),
                event(
                    "odd.1",
                    "ReplicaSet",
                    "odd-\u{1b}[31mred",
                    1,
                    30,
                    "exceeded quota: \u{1b}]0;pwned\u{7}compute, but in words of a newer server",
                ),
            ],
        ),
    );
    state
}

#[test]
fn detail_quota_refused_workloads() {
    let state = open(globex_refused(), "globex", Tab::Quota);
    assert!(
        state
            .rows
            .iter()
            .any(|r| r.id.as_str() == "globex" && r.blocked > 0)
    );
    assert_screens("detail_quota_refused", &state);
    // A blocked tenant reads its refusals first; scrolled to the quotas.
    let mut state = state;
    for _ in 0..16 {
        key(&mut state, KeyAction::MoveDown);
    }
    assert_screens("detail_quota_refused_scrolled", &state);
}

#[test]
fn tenants_list_marks_blocked_tenants() {
    let state = globex_refused();
    assert_screens("tenants_blocked", &state);
}

#[test]
fn detail_qos() {
    let state = open(admin(), "initech", Tab::Qos);
    assert_screens("detail_qos", &state);
}

/// A refusal worded the way Pod Security words it.
fn pod_security_refusal(probe: &str) -> ProbeOutcome {
    ProbeOutcome::refused(
        403,
        &format!(
            "pods \"tenantry-probe-{probe}\" is forbidden: violates PodSecurity \
             \"restricted:v1.37\": privileged (container \"probe\" must not set \
             securityContext.privileged=true)"
        ),
    )
}

/// The probes' answers as the kube layer reports them.
fn probed(state: &mut State, tenant: &str, results: ProbeResults) {
    update(
        state,
        Action::Probed {
            tenant: TenantId::new(tenant),
            results,
        },
    );
}

/// acme: refused by Pod Security; the owner may not touch its quota.
fn acme_probed(state: &mut State) {
    probed(
        state,
        "acme",
        ProbeResults {
            privileged: Some(pod_security_refusal("privileged")),
            host_namespaces: Some(pod_security_refusal("host-network")),
            quota_update_by_owner: Some(Ok(false)),
        },
    );
}

fn own_rules(state: &mut State, namespace: &str, rules: OwnRules) {
    update(
        state,
        Action::OwnRules {
            namespace: namespace.into(),
            rules,
        },
    );
}

#[test]
fn detail_policy_passes() {
    let mut state = open(admin(), "acme", Tab::Policy);
    acme_probed(&mut state);
    assert_screens("detail_policy_acme", &state);
}

#[test]
fn detail_policy_probes_running() {
    let state = open(admin(), "globex", Tab::Policy);
    assert_eq!(
        state.detail.as_ref().and_then(|d| d.probes.clone()),
        Some(tenantry::app::ProbeStatus::Running)
    );
    assert_screens("detail_policy_globex", &state);
}

#[test]
fn detail_policy_admitted() {
    let mut state = open(admin(), "initech", Tab::Policy);
    probed(
        &mut state,
        "initech",
        ProbeResults {
            privileged: Some(ProbeOutcome::Admitted {
                probes: vec!["privileged in initech-app".into()],
            }),
            host_namespaces: Some(ProbeOutcome::Admitted {
                probes: vec![
                    "hostNetwork in initech-app".into(),
                    "hostPath in initech-app".into(),
                ],
            }),
            quota_update_by_owner: Some(Ok(false)),
        },
    );
    assert_screens("detail_policy_initech", &state);
}

#[test]
fn detail_policy_scrolled() {
    let mut state = open(admin(), "initech", Tab::Policy);
    // The Policy tab has a cursor line: the view follows it down.
    for _ in 0..30 {
        key(&mut state, KeyAction::MoveDown);
    }
    assert_screens("detail_policy_initech_scrolled", &state);
}

#[test]
fn detail_rbac() {
    let mut state = open(admin(), "globex", Tab::Rbac);
    own_rules(
        &mut state,
        "globex-web",
        OwnRules::Loaded {
            rules: rules_of(cluster_admin_rules()),
            incomplete: false,
        },
    );
    assert_screens("detail_rbac_globex", &state);
}

#[test]
fn detail_rbac_scrolled_to_the_matrix() {
    let mut state = open(admin(), "acme", Tab::Rbac);
    own_rules(
        &mut state,
        "acme-dev",
        OwnRules::Loaded {
            rules: rules_of(cluster_admin_rules()),
            incomplete: false,
        },
    );
    own_rules(
        &mut state,
        "acme-prod",
        OwnRules::Failed("selfsubjectrulesreviews: connection reset by peer".into()),
    );
    // The cursor to the last line: the view follows it to the matrix.
    key(&mut state, KeyAction::Bottom);
    assert_screens("detail_rbac_acme_scrolled", &state);
}

/// A namespace admin: cluster bindings and roles cannot be read, her own
/// access differs per namespace.
#[test]
fn alice_rbac() {
    let mut state = open(alice(), "acme", Tab::Rbac);
    own_rules(
        &mut state,
        "acme-dev",
        OwnRules::Loaded {
            rules: rules_of(admin_rules()),
            incomplete: false,
        },
    );
    own_rules(
        &mut state,
        "acme-prod",
        OwnRules::Loaded {
            rules: Vec::new(),
            incomplete: true,
        },
    );
    assert_screens("alice_rbac", &state);
    // The cursor to the last line: the view follows it to the matrices.
    key(&mut state, KeyAction::Bottom);
    assert_screens("alice_rbac_matrix", &state);
}

#[test]
fn detail_network_isolated() {
    let state = open(admin(), "acme", Tab::Network);
    assert_screens("detail_network_acme", &state);
}

#[test]
fn detail_network_cross_tenant() {
    let state = open(admin(), "globex", Tab::Network);
    assert_screens("detail_network_globex", &state);
}

#[test]
fn detail_network_open() {
    let state = open(admin(), "initech", Tab::Network);
    assert_screens("detail_network_initech", &state);
}

#[test]
fn detail_overview_top_findings() {
    let state = open(admin(), "initech", Tab::Overview);
    assert_screens("detail_overview_initech", &state);
}

#[test]
fn detail_of_a_vanished_tenant() {
    let mut state = open(admin(), "initech", Tab::Overview);
    let namespaces: Vec<Object> = namespaces()
        .into_iter()
        .filter(|o| o.key().name != "initech-app")
        .collect();
    apply(
        &mut state,
        replaced(Kind::Namespace, Scope::Cluster, namespaces),
    );
    // Deleting a namespace deletes what is in it, its labelled owner
    // binding included (which would otherwise still name the tenant).
    let bindings: Vec<Object> = bindings()
        .into_iter()
        .filter(|o| o.key().namespace != "initech-app")
        .collect();
    apply(
        &mut state,
        replaced(Kind::RoleBinding, Scope::Cluster, bindings),
    );
    assert!(state.detail.is_none());
    assert_screens("detail_vanished", &state);
}

#[test]
fn help_overlay() {
    let mut state = admin();
    key(&mut state, KeyAction::Help);
    assert_screens("help", &state);
}

#[test]
fn help_overlay_in_detail() {
    let mut state = open(admin(), "acme", Tab::Overview);
    key(&mut state, KeyAction::Help);
    assert_screens("help_detail", &state);
}

#[test]
fn filter_input() {
    let mut state = admin();
    key(&mut state, KeyAction::Filter);
    for c in "um".chars() {
        update(&mut state, Action::InputChar(c));
    }
    assert_eq!(
        state.overlay,
        Some(Overlay::Input(InputState {
            kind: InputKind::Filter,
            text: "um".into()
        }))
    );
    assert_screens("filter_input", &state);
}

#[test]
fn message_and_readonly() {
    let mut state = admin();
    state.readonly = true;
    key(&mut state, KeyAction::EditQuota);
    assert_screens("readonly_message", &state);
}

#[test]
fn too_small_terminal() {
    let state = admin();
    for (width, height, theme_name) in [(79, 24, "default"), (60, 20, "mono")] {
        let theme = Theme::builtin(theme_name).expect("theme");
        let text = text_of(&draw(&state, &theme, width, height));
        assert!(text.contains(&format!("this terminal is {width}×{height}")));
        assert_text_snapshot(&format!("too_small_{width}x{height}_{theme_name}"), text);
    }
}

#[test]
fn cluster_strings_cannot_write_escape_sequences() {
    let mut state = admin();
    apply(
        &mut state,
        Change::Applied(namespace("evil", json!({"tenantry.dev/tenant": "acme"}))),
    );
    apply(
        &mut state,
        Change::Applied(pod(
            "evil",
            "x\u{1b}]52;c;aGVsbG8=\u{7}",
            "BestEffort",
            &[("\u{1b}[2J", json!({}))],
        )),
    );
    state.message = Some("pod \u{1b}[2J\u{9b}31m".into());
    let state = open(state, "acme", Tab::Qos);
    let theme = Theme::builtin("default").expect("theme");
    let buf = draw(&state, &theme, 160, 48);
    let text = text_of(&buf);
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
    assert!(text.contains("x\\u{1b}]52;c;aGVsbG8=\\u{7}"), "{text}");
    assert!(text.contains("\\u{1b}[2J"), "{text}");
}

#[test]
fn not_connected() {
    let mut state = new_state("", Vec::new());
    update(
        &mut state,
        Action::Fatal("cannot reach https://127.0.0.1:6443: connection refused".into()),
    );
    assert_screens("not_connected", &state);
}

/// `v` on acme as admin: alice's view, under the banner naming her.
fn viewing_as_alice(state: &mut State) {
    state.viewing_as = Some(tenantry::app::ViewingAs {
        user: "alice".into(),
        groups: Vec::new(),
        label: "alice".into(),
        tenant: "acme".into(),
        namespaces: vec!["acme-dev".into()],
    });
}

#[test]
fn view_as_banner_in_the_list() {
    let mut state = alice();
    viewing_as_alice(&mut state);
    assert_screens("view_as_alice_list", &state);
}

#[test]
fn view_as_banner_in_a_tenant_with_a_guarded_context() {
    let mut state = open(alice(), "acme", Tab::Overview);
    viewing_as_alice(&mut state);
    state.guard.readonly = true;
    state.guard.patterns = vec!["prod-*".into()];
    assert_screens("view_as_alice_overview_guarded", &state);
}

/// `v` on a tenant with several owners: the list to choose from, over
/// the tenants list, the second owner chosen.
#[test]
fn owner_picker() {
    use tenantry::app::view_as::{OwnerPicker, ViewingAs};
    let mut state = admin();
    let owner = |label: &str, user: &str, groups: &[&str]| ViewingAs {
        user: user.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        label: label.into(),
        tenant: "acme".into(),
        namespaces: vec!["acme-dev".into(), "acme-prod".into()],
    };
    state.owner_picker = Some(OwnerPicker {
        tenant: "acme".into(),
        owners: vec![
            owner("alice", "alice", &[]),
            owner(
                "system:serviceaccount:acme-dev:deployer",
                "system:serviceaccount:acme-dev:deployer",
                &[],
            ),
            owner(
                "group acme-admins",
                tenantry::app::view_as::GROUP_STAND_IN,
                &["acme-admins", "system:authenticated"],
            ),
        ],
        selected: 0,
    });
    state.message = Some("3 owners: choose whom to view acme as".into());
    key(&mut state, KeyAction::MoveDown);
    assert_eq!(state.owner_picker.as_ref().map(|p| p.selected), Some(1));
    assert_screens("owner_picker", &state);
}

/// A console started as admin with `--as alice`: what alice sees (her
/// lists), under the banner naming her, in the list and in a tenant.
#[test]
fn as_flag_banner_in_the_list_and_a_tenant() {
    let started_as = Some(tenantry::app::StartedAs {
        user: "alice".into(),
        groups: vec!["acme-admins".into()],
    });
    let mut state = alice();
    state.started_as = started_as.clone();
    assert_screens("as_alice_list", &state);
    let mut state = open(alice(), "acme", Tab::Policy);
    state.started_as = started_as;
    assert_screens("as_alice_policy", &state);
}

/// hooli (an HNC tree) with an HRQ on its root, a ClusterResourceQuota it
/// shares with globex, and a Kueue ClusterQueue it reaches through a
/// LocalQueue; globex has a LocalQueue naming hooli's ClusterQueue, which
/// does not admit it.
fn with_quota_objects() -> State {
    use tenantry::model::{ClusterQueueInfo, CrqInfo, HrqInfo, LocalQueueInfo};
    let mut state = admin();
    let dynamic =
        |v: Value| -> kube::core::DynamicObject { serde_json::from_value(v).expect("object") };
    let hrq = HrqInfo::from_dynamic(&dynamic(json!({
        "apiVersion": "hnc.x-k8s.io/v1alpha2", "kind": "HierarchicalResourceQuota",
        "metadata": {"name": "tree", "namespace": "hooli"},
        "spec": {"hard": {"pods": "20", "requests.cpu": "8"}},
        "status": {"hard": {"pods": "20", "requests.cpu": "8"}, "used": {"pods": "17", "requests.cpu": "2"}}
    })));
    let crq = CrqInfo::from_dynamic(&dynamic(json!({
        "apiVersion": "quota.openshift.io/v1", "kind": "ClusterResourceQuota",
        "metadata": {"name": "web-and-mail"},
        "spec": {"selector": {"labels": {"matchLabels": {"quota": "shared"}}},
                 "quota": {"hard": {"requests.memory": "16Gi"}}},
        "status": {"total": {"hard": {"requests.memory": "16Gi"}, "used": {"requests.memory": "6Gi"}},
                   "namespaces": [{"namespace": "hooli-mail"}, {"namespace": "globex-web"}]}
    })));
    let cq = ClusterQueueInfo::from_dynamic(&dynamic(json!({
        "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue",
        "metadata": {"name": "hooli-batch"},
        "spec": {"cohortName": "research",
                 "namespaceSelector": {"matchLabels": {"hooli-search.tree.hnc.x-k8s.io/depth": "0"}},
                 "resourceGroups": [{"coveredResources": ["cpu"], "flavors": [
                     {"name": "default", "resources": [{"name": "cpu", "nominalQuota": "8", "borrowingLimit": "2"}]},
                     {"name": "spot", "resources": [{"name": "cpu", "nominalQuota": "4"}]}]}]},
        "status": {"pendingWorkloads": 3, "admittedWorkloads": 2,
                   "flavorsReservation": [{"name": "default", "resources": [{"name": "cpu", "total": "7"}]}]}
    })));
    let lq = |ns: &str, name: &str| {
        Object::KueueLocalQueue(LocalQueueInfo::from_dynamic(&dynamic(json!({
            "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"clusterQueue": "hooli-batch"}
        }))))
    };
    for (kind, objects) in [
        (
            Kind::HierarchicalResourceQuota,
            vec![Object::HierarchicalResourceQuota(Box::new(hrq))],
        ),
        (
            Kind::ClusterResourceQuota,
            vec![Object::ClusterResourceQuota(Box::new(crq))],
        ),
        (
            Kind::KueueClusterQueue,
            vec![Object::KueueClusterQueue(Box::new(cq))],
        ),
        (
            Kind::KueueLocalQueue,
            vec![lq("hooli-search", "batch"), lq("globex-web", "borrowed")],
        ),
    ] {
        apply(&mut state, replaced(kind, Scope::Cluster, objects));
    }
    state
}

#[test]
fn detail_quota_objects_spanning_namespaces() {
    let mut state = open(with_quota_objects(), "hooli", Tab::Quota);
    for _ in 0..16 {
        key(&mut state, KeyAction::MoveDown);
    }
    assert_screens("detail_quota_objects_hooli", &state);
    let state = open(with_quota_objects(), "globex", Tab::Quota);
    assert_screens("detail_quota_objects_globex", &state);
}

/// A Kueue Workload of hooli that waits for quota: the refusal comes first
/// in the Quota tab, refused by the ClusterQueue its LocalQueue leads to,
/// with the shortfall Kueue wrote and the pod set's request.
#[test]
fn detail_quota_kueue_workload_refused() {
    use tenantry::model::projection::WorkloadInfo;
    let mut state = with_quota_objects();
    state.frozen_now = Some(1_800_000_000);
    let workload: kube::core::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
        "metadata": {"name": "job-train-5f2a", "namespace": "hooli-search"},
        "spec": {"queueName": "batch", "podSets": [{"name": "main", "count": 4,
            "template": {"spec": {"containers": [
                {"name": "train", "resources": {"requests": {"cpu": "500m"}}}]}}}]},
        "status": {"conditions": [{"type": "QuotaReserved", "status": "False",
            "reason": "Pending",
            "message": "couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor default, 1 more needed, insufficient unused quota for cpu in flavor spot, 2 more needed",
            "lastTransitionTime": "2027-01-15T07:50:00Z"}]}
    }))
    .expect("object");
    // Over what the queue could ever give: one row, its refuser on a line
    // of its own so the figures are not cut at 80 columns.
    let over: kube::core::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "Workload",
        "metadata": {"name": "job-eval", "namespace": "hooli-search"},
        "spec": {"queueName": "batch", "podSets": [{"name": "main", "count": 1}]},
        "status": {"conditions": [{"type": "QuotaReserved", "status": "False",
            "reason": "Pending",
            "message": "couldn't assign flavors to pod set main: insufficient quota for cpu in flavor default, previously considered podsets requests (0) + current podset request (16) > maximum capacity (12)",
            "lastTransitionTime": "2027-01-15T07:20:00Z"}]}
    }))
    .expect("object");
    apply(
        &mut state,
        replaced(
            Kind::KueueWorkload,
            Scope::Cluster,
            vec![
                Object::KueueWorkload(Box::new(WorkloadInfo::from_dynamic(&workload))),
                Object::KueueWorkload(Box::new(WorkloadInfo::from_dynamic(&over))),
            ],
        ),
    );
    assert!(
        state
            .rows
            .iter()
            .any(|r| r.id.as_str() == "hooli" && r.blocked > 0)
    );
    let state = open(state, "hooli", Tab::Quota);
    assert_screens("detail_quota_kueue_refused", &state);
}

/// A fleet of two clusters: `prod` (the demo world) and `staging-eu` (the
/// same tenants, and wayne, which only it has), whose watches lost the
/// API server at 09:14:02. Every update of staging-eu arrives as its
/// session's (`Action::Cluster(1, …)`).
fn fleet() -> State {
    use tenantry::model::{Reconnecting, WatchUpdate};
    let mut state = admin();
    state.identity.context = "prod".into();
    state
        .clusters
        .push(tenantry::app::Cluster::new(tenantry::app::Identity {
            context: "staging-eu".into(),
            user: "admin".into(),
            server: "https://10.0.2.1:6443".into(),
        }));
    let staging = |state: &mut State, action: Action| {
        update(state, Action::Cluster(1, Box::new(action)));
    };
    staging(&mut state, Action::Planned);
    for kind in Kind::ALL {
        let mut objects = admin_objects(kind);
        if kind == Kind::Namespace {
            objects.push(namespace(
                "wayne-app",
                json!({"tenantry.dev/tenant": "wayne"}),
            ));
        }
        staging(
            &mut state,
            Action::Watch(WatchUpdate::Change(replaced(kind, Scope::Cluster, objects))),
        );
    }
    staging(
        &mut state,
        Action::Watch(WatchUpdate::Reconnecting {
            kind: Kind::Pod,
            scope: Scope::Cluster,
            reconnecting: Reconnecting {
                since: "09:14:02".into(),
                reason: "connection refused".into(),
            },
        }),
    );
    state.refresh_findings();
    state
}

#[test]
fn fleet_list() {
    let state = fleet();
    assert!(state.is_fleet());
    // One line per tenant name: the five of both clusters, and wayne.
    assert_eq!(state.visible.len(), 6, "{:?}", state.visible);
    assert_screens("fleet_list", &state);
}

#[test]
fn fleet_list_expanded() {
    let mut state = fleet();
    // acme is the first line: Enter opens it into a line per cluster.
    key(&mut state, KeyAction::Open);
    assert_eq!(state.visible.len(), 8);
    key(&mut state, KeyAction::MoveDown);
    key(&mut state, KeyAction::MoveDown);
    assert_screens("fleet_list_expanded", &state);
}

#[test]
fn fleet_tenant_in_the_unreachable_cluster() {
    let mut state = fleet();
    key(&mut state, KeyAction::Open);
    key(&mut state, KeyAction::MoveDown);
    key(&mut state, KeyAction::Open);
    assert_eq!(state.identity.context, "prod");
    key(&mut state, KeyAction::NextCluster);
    assert_eq!(state.identity.context, "staging-eu");
    assert_screens("fleet_detail_staging", &state);
}
