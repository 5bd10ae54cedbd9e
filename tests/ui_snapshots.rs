//! Screen snapshots of every view, at 80×24 and 160×48, with the `default`
//! and the `mono` theme. The fixture is shaped like `assets/demo/`: acme
//! (well kept: passes), globex (over quota, a cross-tenant NetworkPolicy, a
//! cluster binding), initech (BestEffort, no quota, no NetworkPolicy, no
//! Pod Security label), umbrella (Capsule label, one quota not yet
//! counted), hooli (HNC tree) and shared-tools (in no tenant), with the
//! built-in ClusterRoles and the bootstrap cluster-admin binding.
//!
//! Text snapshots show the screen; mono snapshots also list the styled cell
//! runs, which is how mono marks selection and severity without colour.

use std::fmt::Write as _;

use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleBinding};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use serde_json::{Value, json};

use tenantry::app::{Action, InputKind, InputState, Overlay, OwnRules, State, Tab, View, update};
use tenantry::config::{KeyAction, Keymap, Theme};
use tenantry::kube::watch::WatchUpdate;
use tenantry::model::{
    BindingInfo, Change, Kind, LimitRangeInfo, NamespaceInfo, NetworkPolicyInfo, Object, PodInfo,
    ProbeOutcome, ProbeResults, QuotaInfo, ResolverKind, RoleInfo, RuleInfo, Scope, SyncState,
    TenantId,
};

// ---------------------------------------------------------------- objects

fn namespace(name: &str, labels: Value) -> Object {
    let ns: Namespace =
        serde_json::from_value(json!({"metadata": {"name": name, "labels": labels}}))
            .expect("namespace");
    Object::Namespace(NamespaceInfo::from(&ns))
}

/// A pod whose containers set `requests` (or nothing), with the QoS class
/// the API server would have written.
fn pod(ns: &str, name: &str, qos: &str, containers: &[(&str, Value)]) -> Object {
    let containers: Vec<Value> = containers
        .iter()
        .map(|(n, resources)| json!({"name": n, "image": "registry.k8s.io/pause:3.10", "resources": resources}))
        .collect();
    let p: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": containers},
        "status": {"qosClass": qos, "phase": "Pending"}
    }))
    .expect("pod");
    Object::Pod(PodInfo::from(&p))
}

fn guaranteed() -> Value {
    json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}})
}

fn burstable() -> Value {
    json!({"requests": {"cpu": "50m", "memory": "64Mi"}})
}

fn quota(ns: &str, name: &str, hard: Value, used: Option<Value>) -> Object {
    let mut rq = json!({
        "metadata": {"name": name, "namespace": ns},
        "spec": {"hard": hard.clone()},
    });
    if let Some(used) = used {
        rq["status"] = json!({"hard": hard, "used": used});
    }
    let rq: ResourceQuota = serde_json::from_value(rq).expect("quota");
    Object::ResourceQuota(QuotaInfo::from(&rq))
}

fn owner_binding(ns: &str, kind: &str, subject: &str) -> Object {
    labelled_binding(ns, "tenant-owner", kind, subject, json!({}))
}

fn labelled_binding(ns: &str, name: &str, kind: &str, subject: &str, labels: Value) -> Object {
    let rb: RoleBinding = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [{"kind": kind, "name": subject, "apiGroup": "rbac.authorization.k8s.io"}]
    }))
    .expect("rolebinding");
    Object::RoleBinding(BindingInfo::from(&rb))
}

fn tenantry_managed(tenant: &str) -> Value {
    json!({"tenantry.dev/tenant": tenant, "app.kubernetes.io/managed-by": "tenantry"})
}

fn cluster_role(name: &str, rules: Value, aggregated: bool) -> Object {
    let mut cr = json!({"metadata": {"name": name}, "rules": rules});
    if aggregated {
        cr["aggregationRule"] = json!({"clusterRoleSelectors": [
            {"matchLabels": {format!("rbac.authorization.k8s.io/aggregate-to-{name}"): "true"}}
        ]});
    }
    let cr: ClusterRole = serde_json::from_value(cr).expect("clusterrole");
    Object::ClusterRole(RoleInfo::from(&cr))
}

fn cluster_binding(name: &str, role: &str, kind: &str, subject: &str) -> Object {
    let crb: ClusterRoleBinding = serde_json::from_value(json!({
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": kind, "name": subject, "apiGroup": "rbac.authorization.k8s.io"}]
    }))
    .expect("clusterrolebinding");
    Object::ClusterRoleBinding(BindingInfo::from(&crb))
}

/// The rules of the built-in `admin` role as the aggregation controller
/// fills them (abridged to what the tabs read), impersonation of
/// ServiceAccounts included.
fn admin_rules() -> Value {
    json!([
        {"apiGroups": [""], "resources": ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
        {"apiGroups": [""], "resources": ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], "verbs": ["create", "delete", "deletecollection", "patch", "update"]},
        {"apiGroups": [""], "resources": ["configmaps", "persistentvolumeclaims", "replicationcontrollers", "secrets", "serviceaccounts", "services", "services/proxy"], "verbs": ["create", "delete", "deletecollection", "patch", "update"]},
        {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "replicasets"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "networkpolicies"], "verbs": ["create", "delete", "deletecollection", "patch", "update"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses", "networkpolicies"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["configmaps", "endpoints", "persistentvolumeclaims", "pods", "replicationcontrollers", "serviceaccounts", "services", "resourcequotas", "limitranges", "namespaces", "pods/log", "pods/status"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "roles"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]},
        {"apiGroups": ["authorization.k8s.io"], "resources": ["localsubjectaccessreviews"], "verbs": ["create"]}
    ])
}

fn cluster_admin_rules() -> Value {
    json!([
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]}
    ])
}

/// Rules as a SelfSubjectRulesReview returns them.
fn rules_of(rules: Value) -> Vec<RuleInfo> {
    let cr: ClusterRole =
        serde_json::from_value(json!({"metadata": {"name": "x"}, "rules": rules})).expect("rules");
    RoleInfo::from(&cr).rules
}

fn cluster_roles() -> Vec<Object> {
    vec![
        cluster_role("cluster-admin", cluster_admin_rules(), false),
        cluster_role("admin", admin_rules(), true),
        cluster_role(
            "view",
            json!([{"apiGroups": [""], "resources": ["configmaps", "pods", "services", "resourcequotas", "namespaces"], "verbs": ["get", "list", "watch"]}]),
            true,
        ),
    ]
}

fn cluster_bindings() -> Vec<Object> {
    vec![
        cluster_binding("cluster-admin", "cluster-admin", "Group", "system:masters"),
        // carol was given read access everywhere: rbac.cluster-bindings.
        cluster_binding("globex-carol-view", "view", "User", "carol"),
    ]
}

fn network_policy(ns: &str, name: &str, labels: Value, spec: Value) -> Object {
    let np: NetworkPolicy = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": spec
    }))
    .expect("networkpolicy");
    Object::NetworkPolicy(NetworkPolicyInfo::from(&np))
}

/// As `assets/demo/10-policy.yaml`.
fn network_policies() -> Vec<Object> {
    let mut out = Vec::new();
    for ns in ["acme-dev", "acme-prod"] {
        let l = || tenantry_managed("acme");
        out.push(network_policy(
            ns,
            "default-deny",
            l(),
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        ));
        out.push(network_policy(
            ns,
            "allow-same-tenant",
            l(),
            json!({"podSelector": {}, "policyTypes": ["Ingress"],
                   "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"tenantry.dev/tenant": "acme"}}}]}]}),
        ));
        out.push(network_policy(
            ns,
            "allow-dns-egress",
            l(),
            json!({"podSelector": {}, "policyTypes": ["Egress"],
                   "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                               "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}),
        ));
    }
    out.push(network_policy(
        "globex-web",
        "default-deny",
        tenantry_managed("globex"),
        json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
    ));
    out.push(network_policy(
        "globex-web",
        "allow-from-anywhere",
        tenantry_managed("globex"),
        json!({"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
               "ingress": [{"from": [{"namespaceSelector": {}}]}]}),
    ));
    for ns in [
        "umbrella-lab",
        "umbrella-ops",
        "hooli",
        "hooli-search",
        "hooli-mail",
    ] {
        out.push(network_policy(
            ns,
            "default-deny",
            json!({}),
            json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
        ));
    }
    out
}

fn limit_ranges() -> Vec<Object> {
    ["acme-dev", "acme-prod", "hooli-search"]
        .into_iter()
        .map(|ns| {
            let lr: LimitRange = serde_json::from_value(json!({
                "metadata": {"name": "container-defaults", "namespace": ns},
                "spec": {"limits": [{"type": "Container",
                    "default": {"cpu": "200m", "memory": "128Mi"},
                    "defaultRequest": {"cpu": "50m", "memory": "64Mi"}}]}
            }))
            .expect("limitrange");
            Object::LimitRange(LimitRangeInfo::from(&lr))
        })
        .collect()
}

fn acme_quota(ns: &str, pods: &str) -> Object {
    quota(
        ns,
        "tenant-quota",
        json!({"requests.cpu": "2", "requests.memory": "2Gi", "limits.cpu": "4",
               "limits.memory": "4Gi", "pods": "20", "services": "10", "secrets": "20",
               "configmaps": "20", "persistentvolumeclaims": "5", "services.nodeports": "0",
               "services.loadbalancers": "0"}),
        Some(
            json!({"requests.cpu": "150m", "requests.memory": "128Mi", "limits.cpu": "300m",
                    "limits.memory": "256Mi", "pods": pods, "services": "1", "secrets": "2",
                    "configmaps": "1", "persistentvolumeclaims": "0", "services.nodeports": "0",
                    "services.loadbalancers": "0"}),
        ),
    )
}

fn namespaces() -> Vec<Object> {
    let restricted = |tenant: &str| {
        json!({"tenantry.dev/tenant": tenant,
               "pod-security.kubernetes.io/enforce": "restricted",
               "pod-security.kubernetes.io/enforce-version": "v1.37"})
    };
    vec![
        namespace("acme-dev", restricted("acme")),
        namespace("acme-prod", restricted("acme")),
        namespace(
            "globex-web",
            json!({"tenantry.dev/tenant": "globex",
                   "pod-security.kubernetes.io/enforce": "baseline",
                   "pod-security.kubernetes.io/enforce-version": "latest"}),
        ),
        namespace("initech-app", json!({"tenantry.dev/tenant": "initech"})),
        namespace(
            "umbrella-lab",
            json!({"capsule.clastix.io/tenant": "umbrella",
                   "pod-security.kubernetes.io/enforce": "baseline",
                   "pod-security.kubernetes.io/enforce-version": "v1.37"}),
        ),
        namespace(
            "umbrella-ops",
            json!({"capsule.clastix.io/tenant": "umbrella",
                   "pod-security.kubernetes.io/enforce": "baseline",
                   "pod-security.kubernetes.io/enforce-version": "v1.37"}),
        ),
        namespace(
            "hooli",
            json!({"hooli.tree.hnc.x-k8s.io/depth": "0",
                   "pod-security.kubernetes.io/enforce": "baseline",
                   "pod-security.kubernetes.io/enforce-version": "v1.37"}),
        ),
        namespace(
            "hooli-search",
            json!({"hooli.tree.hnc.x-k8s.io/depth": "1", "hooli-search.tree.hnc.x-k8s.io/depth": "0",
                   "pod-security.kubernetes.io/enforce": "baseline",
                   "pod-security.kubernetes.io/enforce-version": "v1.37"}),
        ),
        namespace(
            "hooli-mail",
            json!({"hooli.tree.hnc.x-k8s.io/depth": "1", "hooli-mail.tree.hnc.x-k8s.io/depth": "0",
                   "pod-security.kubernetes.io/enforce": "privileged",
                   "pod-security.kubernetes.io/enforce-version": "v1.37"}),
        ),
        namespace("shared-tools", json!({})),
    ]
}

fn pods() -> Vec<Object> {
    vec![
        pod("acme-dev", "api", "Guaranteed", &[("api", guaranteed())]),
        pod(
            "acme-dev",
            "worker",
            "Burstable",
            &[("worker", burstable())],
        ),
        pod("acme-prod", "api", "Guaranteed", &[("api", guaranteed())]),
        pod("globex-web", "web-0", "Burstable", &[("web", burstable())]),
        pod("globex-web", "web-1", "Burstable", &[("web", burstable())]),
        pod("globex-web", "web-2", "Burstable", &[("web", burstable())]),
        pod(
            "initech-app",
            "batch-1",
            "BestEffort",
            &[("batch", json!({}))],
        ),
        pod(
            "initech-app",
            "batch-2",
            "BestEffort",
            &[("batch", json!({})), ("log-shipper", json!({}))],
        ),
        pod(
            "initech-app",
            "report",
            "Burstable",
            &[("report", burstable())],
        ),
        pod(
            "umbrella-lab",
            "notebook",
            "Burstable",
            &[("jupyter", burstable())],
        ),
        pod(
            "hooli-search",
            "indexer",
            "Guaranteed",
            &[("indexer", guaranteed())],
        ),
        pod(
            "hooli-mail",
            "mailer",
            "BestEffort",
            &[("mailer", json!({}))],
        ),
        pod(
            "shared-tools",
            "toolbox",
            "Burstable",
            &[("toolbox", burstable())],
        ),
    ]
}

fn quotas() -> Vec<Object> {
    vec![
        acme_quota("acme-dev", "2"),
        acme_quota("acme-prod", "1"),
        // Demo phase 30: memory lowered below what the pods request.
        quota(
            "globex-web",
            "compute",
            json!({"requests.cpu": "1500m", "requests.memory": "512Mi", "limits.cpu": "3",
                   "limits.memory": "2Gi", "pods": "3"}),
            Some(json!({"requests.cpu": "1200m", "requests.memory": "768Mi",
                        "limits.cpu": "2400m", "limits.memory": "1536Mi", "pods": "3"})),
        ),
        quota(
            "umbrella-lab",
            "capsule-umbrella-0",
            json!({"pods": "10", "services": "5", "configmaps": "10", "secrets": "10"}),
            Some(json!({"pods": "1", "services": "0", "configmaps": "1", "secrets": "1"})),
        ),
        // Not yet counted by the quota controller.
        quota(
            "umbrella-ops",
            "capsule-umbrella-0",
            json!({"pods": "10", "services": "5", "configmaps": "10", "secrets": "10"}),
            None,
        ),
        quota(
            "hooli",
            "compute",
            json!({"requests.cpu": "1", "requests.memory": "1Gi"}),
            Some(json!({"requests.cpu": "850m", "requests.memory": "256Mi"})),
        ),
    ]
}

fn bindings() -> Vec<Object> {
    let capsule = || json!({"capsule.clastix.io/tenant": "umbrella"});
    let hnc = || json!({"hnc.x-k8s.io/inherited-from": "hooli"});
    vec![
        labelled_binding(
            "acme-dev",
            "tenant-owner",
            "User",
            "alice",
            tenantry_managed("acme"),
        ),
        labelled_binding(
            "acme-prod",
            "tenant-owner",
            "User",
            "alice",
            tenantry_managed("acme"),
        ),
        labelled_binding(
            "globex-web",
            "tenant-owner",
            "User",
            "carol",
            tenantry_managed("globex"),
        ),
        labelled_binding(
            "initech-app",
            "tenant-owner",
            "User",
            "dave",
            tenantry_managed("initech"),
        ),
        labelled_binding(
            "umbrella-lab",
            "capsule-umbrella-0-admin",
            "User",
            "erin",
            capsule(),
        ),
        labelled_binding(
            "umbrella-ops",
            "capsule-umbrella-0-admin",
            "User",
            "erin",
            capsule(),
        ),
        owner_binding("hooli", "Group", "hooli-admins"),
        labelled_binding(
            "hooli-search",
            "tenant-owner",
            "Group",
            "hooli-admins",
            hnc(),
        ),
        labelled_binding("hooli-mail", "tenant-owner", "Group", "hooli-admins", hnc()),
    ]
}

// ---------------------------------------------------------------- states

/// A watch update, then the refreshes the event loop does after each batch
/// (findings included: the loop catches up on them while idle).
fn apply(state: &mut State, change: Change) {
    update(state, Action::Watch(WatchUpdate::Change(change)));
    state.refresh_findings();
}

fn sync(state: &mut State, kind: Kind, scope: Scope, sync: SyncState) {
    update(
        state,
        Action::Watch(WatchUpdate::Sync {
            kind,
            scope,
            state: sync,
        }),
    );
    state.refresh_findings();
}

fn replaced(kind: Kind, scope: Scope, objects: Vec<Object>) -> Change {
    Change::Replaced {
        kind,
        scope,
        objects,
    }
}

fn new_state(user: &str, extra: Vec<(TenantId, Vec<String>)>) -> State {
    let mut state = State::new(ResolverKind::default_order(), extra);
    state.templates = tenantry::model::template::Catalogue::builtin();
    state.identity.context = "tenantry-sandbox".into();
    update(&mut state, Action::Identity { user: user.into() });
    state
}

/// Everything listed cluster-wide, as the sandbox admin sees it.
fn admin() -> State {
    let mut state = new_state("admin", Vec::new());
    update(&mut state, Action::Planned);
    for kind in Kind::ALL {
        let objects = match kind {
            Kind::Namespace => namespaces(),
            Kind::Pod => pods(),
            Kind::ResourceQuota => quotas(),
            Kind::RoleBinding => bindings(),
            Kind::ClusterRole => cluster_roles(),
            Kind::ClusterRoleBinding => cluster_bindings(),
            Kind::NetworkPolicy => network_policies(),
            Kind::LimitRange => limit_ranges(),
            _ => Vec::new(),
        };
        apply(&mut state, replaced(kind, Scope::Cluster, objects));
    }
    state
}

/// Halfway through the first lists.
fn loading() -> State {
    let mut state = new_state("admin", Vec::new());
    update(&mut state, Action::Planned);
    apply(
        &mut state,
        replaced(Kind::Namespace, Scope::Cluster, namespaces()),
    );
    apply(
        &mut state,
        replaced(Kind::RoleBinding, Scope::Cluster, bindings()),
    );
    sync(
        &mut state,
        Kind::Pod,
        Scope::Cluster,
        SyncState::Loading { seen: 1500 },
    );
    for kind in [
        Kind::ResourceQuota,
        Kind::LimitRange,
        Kind::NetworkPolicy,
        Kind::ClusterRoleBinding,
        Kind::Role,
        Kind::ClusterRole,
    ] {
        sync(
            &mut state,
            kind,
            Scope::Cluster,
            SyncState::Loading { seen: 0 },
        );
    }
    sync(
        &mut state,
        Kind::CapsuleTenant,
        Scope::Cluster,
        SyncState::NoAccess {
            reason: "the server could not find the requested resource".into(),
        },
    );
    state
}

fn forbidden(user: &str, resource: &str) -> SyncState {
    SyncState::NoAccess {
        reason: format!(
            "{resource} is forbidden: User \"{user}\" cannot list resource \"{resource}\" at the \
             cluster scope"
        ),
    }
}

/// No bindings at all.
fn bob() -> State {
    let mut state = new_state("bob", Vec::new());
    update(&mut state, Action::Planned);
    for (kind, resource) in [
        (Kind::Namespace, "namespaces"),
        (Kind::Pod, "pods"),
        (Kind::ResourceQuota, "resourcequotas"),
        (Kind::LimitRange, "limitranges"),
        (Kind::NetworkPolicy, "networkpolicies"),
        (Kind::RoleBinding, "rolebindings"),
        (Kind::ClusterRoleBinding, "clusterrolebindings"),
        (Kind::Role, "roles"),
        (Kind::ClusterRole, "clusterroles"),
        (Kind::CapsuleTenant, "tenants"),
    ] {
        sync(&mut state, kind, Scope::Cluster, forbidden("bob", resource));
    }
    state
}

/// Admin of acme-dev only; acme is named in config.yaml with both of its
/// namespaces, and acme-prod cannot be read.
fn alice() -> State {
    let extra = vec![(
        TenantId::new("acme"),
        vec!["acme-dev".to_string(), "acme-prod".to_string()],
    )];
    let mut state = new_state("alice", extra);
    update(&mut state, Action::Planned);
    for (kind, resource) in [
        (Kind::Namespace, "namespaces"),
        (Kind::Pod, "pods"),
        (Kind::ResourceQuota, "resourcequotas"),
        (Kind::LimitRange, "limitranges"),
        (Kind::NetworkPolicy, "networkpolicies"),
        (Kind::RoleBinding, "rolebindings"),
        (Kind::ClusterRoleBinding, "clusterrolebindings"),
        (Kind::Role, "roles"),
        (Kind::ClusterRole, "clusterroles"),
        (Kind::CapsuleTenant, "tenants"),
    ] {
        sync(
            &mut state,
            kind,
            Scope::Cluster,
            forbidden("alice", resource),
        );
    }
    let dev = || Scope::Namespace("acme-dev".into());
    let prod = || Scope::Namespace("acme-prod".into());
    let in_dev = |objects: Vec<Object>| -> Vec<Object> {
        objects
            .into_iter()
            .filter(|o| o.key().namespace == "acme-dev")
            .collect()
    };
    apply(&mut state, replaced(Kind::Pod, dev(), in_dev(pods())));
    apply(
        &mut state,
        replaced(Kind::ResourceQuota, dev(), in_dev(quotas())),
    );
    apply(
        &mut state,
        replaced(Kind::RoleBinding, dev(), in_dev(bindings())),
    );
    apply(
        &mut state,
        replaced(Kind::LimitRange, dev(), in_dev(limit_ranges())),
    );
    apply(
        &mut state,
        replaced(Kind::NetworkPolicy, dev(), in_dev(network_policies())),
    );
    for (kind, resource) in [
        (Kind::Pod, "pods"),
        (Kind::ResourceQuota, "resourcequotas"),
        (Kind::RoleBinding, "rolebindings"),
    ] {
        sync(&mut state, kind, prod(), forbidden("alice", resource));
    }
    state
}

fn key(state: &mut State, action: KeyAction) {
    update(state, Action::Key(action));
}

fn open(mut state: State, tenant: &str, tab: Tab) -> State {
    update(&mut state, Action::Key(KeyAction::Jump));
    for c in tenant.chars() {
        update(&mut state, Action::InputChar(c));
    }
    key(&mut state, KeyAction::Submit);
    key(&mut state, KeyAction::Tab(tab.index() as u8 + 1));
    assert_eq!(
        state.view,
        View::Detail {
            tenant: TenantId::new(tenant),
            tab
        }
    );
    state
}

// ---------------------------------------------------------------- drawing

fn draw(state: &State, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let keymap = Keymap::builtin("default").expect("keymap");
    terminal
        .draw(|frame| tenantry::ui::render(frame, state, theme, &keymap))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn text_of(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Runs of cells that carry a modifier or colour, per row: how mono marks
/// what the default theme colours.
fn style_runs(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut runs: Vec<(u16, u16, String)> = Vec::new();
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            let mut parts = Vec::new();
            if cell.fg != Color::Reset {
                parts.push(format!("fg:{:?}", cell.fg));
            }
            if cell.bg != Color::Reset {
                parts.push(format!("bg:{:?}", cell.bg));
            }
            if cell.modifier != Modifier::empty() {
                parts.push(format!("{:?}", cell.modifier));
            }
            if parts.is_empty() {
                continue;
            }
            let desc = parts.join(" ");
            match runs.last_mut() {
                Some((_, end, d)) if *end == x && *d == desc => *end = x + 1,
                _ => runs.push((x, x + 1, desc)),
            }
        }
        if !runs.is_empty() {
            let runs: Vec<String> = runs
                .iter()
                .map(|(a, b, d)| format!("{a}..{b} {d}"))
                .collect();
            let _ = writeln!(out, "{y:>2}: {}", runs.join(", "));
        }
    }
    out
}

fn assert_screens(name: &str, state: &State) {
    for (width, height) in [(80, 24), (160, 48)] {
        for theme_name in ["default", "mono"] {
            let theme = Theme::builtin(theme_name).expect("theme");
            let buf = draw(state, &theme, width, height);
            let text = text_of(&buf);
            assert!(!text.contains('\x1b'), "escape byte on screen");
            let snapshot = if theme_name == "mono" {
                format!("{text}\n--- styles ---\n{}", style_runs(&buf))
            } else {
                text
            };
            insta::assert_snapshot!(format!("{name}_{width}x{height}_{theme_name}"), snapshot);
        }
    }
}

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
    for _ in 0..12 {
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
    for _ in 0..24 {
        key(&mut state, KeyAction::MoveDown);
    }
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
    for _ in 0..40 {
        key(&mut state, KeyAction::MoveDown);
    }
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
        insta::assert_snapshot!(format!("too_small_{width}x{height}_{theme_name}"), text);
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

// ---------------------------------------------------------------- writes

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        update(
            state,
            Action::FormKey(ratatui_textarea::Input {
                key: ratatui_textarea::Key::Char(c),
                ..Default::default()
            }),
        );
    }
}

fn select(state: &mut State, tenant: &str) {
    key(state, KeyAction::Top);
    while state.selected_row().map(|r| r.id.as_str()) != Some(tenant) {
        let before = state.list.selected;
        key(state, KeyAction::MoveDown);
        assert_ne!(before, state.list.selected, "{tenant} is not in the list");
    }
}

#[test]
fn create_tenant_form_with_inline_errors() {
    let mut state = admin();
    key(&mut state, KeyAction::CreateTenant);
    type_text(&mut state, "zeta");
    key(&mut state, KeyAction::NextField);
    type_text(&mut state, "user:zoe, robot:r2");
    key(&mut state, KeyAction::NextField);
    type_text(&mut state, "zeta-dev,Zeta-prod");
    assert_screens("form_create", &state);
}

#[test]
fn quota_editor_with_a_limit_below_use() {
    let mut state = admin();
    select(&mut state, "globex");
    key(&mut state, KeyAction::EditQuota);
    key(&mut state, KeyAction::NextField);
    for _ in 0..8 {
        update(
            &mut state,
            Action::FormKey(ratatui_textarea::Input {
                key: ratatui_textarea::Key::Backspace,
                ..Default::default()
            }),
        );
    }
    type_text(&mut state, "4 cpus");
    key(&mut state, KeyAction::NextField);
    key(&mut state, KeyAction::NextField);
    for _ in 0..8 {
        update(
            &mut state,
            Action::FormKey(ratatui_textarea::Input {
                key: ratatui_textarea::Key::Backspace,
                ..Default::default()
            }),
        );
    }
    type_text(&mut state, "1");
    assert_screens("form_quota", &state);
}

fn change(
    path: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> tenantry::kube::write::FieldChange {
    tenantry::kube::write::FieldChange {
        path: path.into(),
        before,
        after,
    }
}

fn reference(kind: &str, ns: &str, name: &str) -> tenantry::kube::write::ObjectRef {
    tenantry::kube::write::ObjectRef {
        kind: kind.into(),
        namespace: Some(ns.into()),
        name: name.into(),
    }
}

#[test]
fn apply_template_diff_view() {
    use tenantry::kube::write::PlanSummary;
    let mut state = admin();
    select(&mut state, "initech");
    key(&mut state, KeyAction::ApplyTemplate);
    key(&mut state, KeyAction::Submit);
    let plan = vec![
        PlanSummary {
            reference: reference("NetworkPolicy", "initech-app", "default-deny"),
            exists: true,
            changes: vec![
                change(
                    ".metadata.labels.tenantry.dev/template",
                    None,
                    Some(json!("netpol-default-deny")),
                ),
                change(
                    ".spec.policyTypes",
                    Some(json!(["Ingress"])),
                    Some(json!(["Ingress", "Egress"])),
                ),
            ],
            checked: true,
            warnings: vec![
                "existing pods in namespace \"initech-app\" violate the new PodSecurity enforce level \"restricted:v1.33\"".into(),
            ],
        },
        PlanSummary {
            reference: reference("NetworkPolicy", "initech-app", "allow-dns-egress"),
            exists: false,
            changes: vec![
                change(".apiVersion", None, Some(json!("networking.k8s.io/v1"))),
                change(".metadata.name", None, Some(json!("allow-dns-egress"))),
                change(".spec.podSelector", None, Some(json!({}))),
                change(".spec.policyTypes", None, Some(json!(["Egress"]))),
            ],
            checked: true,
            warnings: vec![],
        },
        PlanSummary {
            reference: reference("NetworkPolicy", "initech-app", "allow-same-tenant"),
            exists: true,
            changes: vec![],
            checked: true,
            warnings: vec![],
        },
    ];
    update(&mut state, Action::WritePlanned(Ok(plan)));
    assert_screens("form_diff", &state);
}

#[test]
fn a_refused_dry_run_names_the_fields_and_their_manager() {
    use tenantry::model::write_plan::{Refusal, WriteError};
    let mut state = admin();
    select(&mut state, "initech");
    key(&mut state, KeyAction::ApplyTemplate);
    key(&mut state, KeyAction::Submit);
    update(
        &mut state,
        Action::WritePlanned(Err(Refusal::at(
            reference("NetworkPolicy", "initech-app", "default-deny"),
            WriteError::Conflict {
                fields: vec![(".spec.policyTypes".into(), "platform-team".into())],
                message: "Apply failed with 1 conflict".into(),
            },
        ))),
    );
    assert_screens("form_conflict", &state);
}

#[test]
fn a_write_cut_short_reports_what_was_and_was_not_applied() {
    use tenantry::kube::write::{ApplyReport, PlanSummary, WriteError};
    let mut state = admin();
    select(&mut state, "initech");
    key(&mut state, KeyAction::ApplyTemplate);
    key(&mut state, KeyAction::Submit);
    let objects = [
        reference("NetworkPolicy", "initech-app", "default-deny"),
        reference("NetworkPolicy", "initech-app", "allow-same-tenant"),
        reference("NetworkPolicy", "initech-app", "allow-dns-egress"),
    ];
    let plan: Vec<PlanSummary> = objects
        .iter()
        .map(|r| PlanSummary {
            reference: r.clone(),
            exists: false,
            changes: vec![],
            checked: true,
            warnings: vec![],
        })
        .collect();
    update(&mut state, Action::WritePlanned(Ok(plan)));
    key(&mut state, KeyAction::Confirm);
    update(&mut state, Action::WriteProgress(objects[0].clone()));
    update(
        &mut state,
        Action::WriteDone(ApplyReport {
            applied: vec![objects[0].clone()],
            failed: Some((
                objects[1].clone(),
                WriteError::Unreachable("connection refused (127.0.0.1:6443)".into()),
            )),
            not_applied: vec![objects[2].clone()],
        }),
    );
    assert_screens("form_report", &state);
}

#[test]
fn a_preview_marks_what_reaches_outside_the_tenant_and_what_grants_privileges() {
    use tenantry::kube::write::{ObjectRef, PlanSummary};
    use tenantry::model::template::{Source, Template};
    let mut state = admin();
    // A user template in place of the one the form suggests for initech.
    let text = "name: netpol-default-deny\nreaches: [ClusterRoleBinding]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: ${NAMESPACE}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${TENANT}-admins\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: Group\n  name: ${TENANT}-admins\n  apiGroup: rbac.authorization.k8s.io\n";
    let user =
        Template::parse(text, "mine.yaml", Source::User("mine.yaml".into())).expect("template");
    for t in &mut state.templates.templates {
        if t.name == "netpol-default-deny" {
            *t = user.clone();
        }
    }
    select(&mut state, "initech");
    key(&mut state, KeyAction::ApplyTemplate);
    key(&mut state, KeyAction::Submit);
    let plan = vec![
        PlanSummary {
            reference: reference("NetworkPolicy", "initech-app", "default-deny"),
            exists: true,
            changes: vec![],
            checked: true,
            warnings: vec![],
        },
        PlanSummary {
            reference: ObjectRef {
                kind: "ClusterRoleBinding".into(),
                namespace: None,
                name: "initech-admins".into(),
            },
            exists: false,
            changes: vec![change(".roleRef.name", None, Some(json!("cluster-admin")))],
            checked: true,
            warnings: vec![],
        },
    ];
    update(&mut state, Action::WritePlanned(Ok(plan)));
    assert_screens("form_marks", &state);
}
