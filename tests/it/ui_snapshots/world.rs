//! The fixture: the demo tenants as the console holds them, and the states
//! the screens are drawn from.

use k8s_openapi::api::rbac::v1::ClusterRole;
use serde_json::{Value, json};

use tenantry::app::{Action, State, Tab, View, update};
use tenantry::config::KeyAction;
use tenantry::fixtures::{
    admin_binding, cluster_binding, cluster_role, limit_range, namespace, network_policy, pod,
    quota, replaced,
};
use tenantry::model::WatchUpdate;
use tenantry::model::{
    Change, Kind, Object, ResolverKind, RoleInfo, RuleInfo, Scope, SyncState, TenantId,
};

// ---------------------------------------------------------------- objects

pub(super) fn guaranteed() -> Value {
    json!({"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}})
}

pub(super) fn burstable() -> Value {
    json!({"requests": {"cpu": "50m", "memory": "64Mi"}})
}

pub(super) fn owner_binding(ns: &str, kind: &str, subject: &str) -> Object {
    admin_binding(ns, "tenant-owner", kind, subject, json!({}))
}

pub(super) fn tenantry_managed(tenant: &str) -> Value {
    json!({"tenantry.dev/tenant": tenant, "app.kubernetes.io/managed-by": "tenantry"})
}

/// The rules of the built-in `admin` role as the aggregation controller
/// fills them (abridged to what the tabs read), impersonation of
/// ServiceAccounts included.
pub(super) fn admin_rules() -> Value {
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

pub(super) fn cluster_admin_rules() -> Value {
    json!([
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]}
    ])
}

/// Rules as a SelfSubjectRulesReview returns them.
pub(super) fn rules_of(rules: Value) -> Vec<RuleInfo> {
    let cr: ClusterRole =
        serde_json::from_value(json!({"metadata": {"name": "x"}, "rules": rules})).expect("rules");
    RoleInfo::from(&cr).rules
}

pub(super) fn cluster_roles() -> Vec<Object> {
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

pub(super) fn cluster_bindings() -> Vec<Object> {
    vec![
        cluster_binding("cluster-admin", "cluster-admin", "Group", "system:masters"),
        // carol was given read access everywhere: rbac.cluster-bindings.
        cluster_binding("globex-carol-view", "view", "User", "carol"),
    ]
}

/// As `assets/demo/10-policy.yaml`.
pub(super) fn network_policies() -> Vec<Object> {
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

pub(super) fn limit_ranges() -> Vec<Object> {
    ["acme-dev", "acme-prod", "hooli-search"]
        .into_iter()
        .map(|ns| {
            limit_range(
                ns,
                "container-defaults",
                json!({"limits": [{"type": "Container",
                    "default": {"cpu": "200m", "memory": "128Mi"},
                    "defaultRequest": {"cpu": "50m", "memory": "64Mi"}}]}),
            )
        })
        .collect()
}

pub(super) fn acme_quota(ns: &str, pods: &str) -> Object {
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

pub(super) fn namespaces() -> Vec<Object> {
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

pub(super) fn pods() -> Vec<Object> {
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

pub(super) fn quotas() -> Vec<Object> {
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

pub(super) fn bindings() -> Vec<Object> {
    let capsule = || json!({"capsule.clastix.io/tenant": "umbrella"});
    let hnc = || json!({"hnc.x-k8s.io/inherited-from": "hooli"});
    vec![
        admin_binding(
            "acme-dev",
            "tenant-owner",
            "User",
            "alice",
            tenantry_managed("acme"),
        ),
        admin_binding(
            "acme-prod",
            "tenant-owner",
            "User",
            "alice",
            tenantry_managed("acme"),
        ),
        admin_binding(
            "globex-web",
            "tenant-owner",
            "User",
            "carol",
            tenantry_managed("globex"),
        ),
        admin_binding(
            "initech-app",
            "tenant-owner",
            "User",
            "dave",
            tenantry_managed("initech"),
        ),
        admin_binding(
            "umbrella-lab",
            "capsule-umbrella-0-admin",
            "User",
            "erin",
            capsule(),
        ),
        admin_binding(
            "umbrella-ops",
            "capsule-umbrella-0-admin",
            "User",
            "erin",
            capsule(),
        ),
        owner_binding("hooli", "Group", "hooli-admins"),
        admin_binding(
            "hooli-search",
            "tenant-owner",
            "Group",
            "hooli-admins",
            hnc(),
        ),
        admin_binding("hooli-mail", "tenant-owner", "Group", "hooli-admins", hnc()),
    ]
}

// ---------------------------------------------------------------- states

/// A watch update, then the refreshes the event loop does after each batch
/// (findings included: the loop catches up on them while idle).
pub(super) fn apply(state: &mut State, change: Change) {
    update(state, Action::Watch(WatchUpdate::Change(change)));
    state.refresh_findings();
}

pub(super) fn sync(state: &mut State, kind: Kind, scope: Scope, sync: SyncState) {
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

pub(super) fn new_state(user: &str, extra: Vec<(TenantId, Vec<String>)>) -> State {
    let mut state = State::new(ResolverKind::default_order(), extra);
    state.templates = tenantry::model::template::Catalogue::builtin();
    state.identity.context = "tenantry-sandbox".into();
    update(&mut state, Action::Identity { user: user.into() });
    state
}

/// Everything listed cluster-wide, as the sandbox admin sees it.
pub(super) fn admin() -> State {
    let mut state = new_state("admin", Vec::new());
    update(&mut state, Action::Planned);
    for kind in Kind::ALL {
        apply(
            &mut state,
            replaced(kind, Scope::Cluster, admin_objects(kind)),
        );
    }
    state
}

/// What the sandbox admin lists of one kind.
pub(super) fn admin_objects(kind: Kind) -> Vec<Object> {
    match kind {
        Kind::Namespace => namespaces(),
        Kind::Pod => pods(),
        Kind::ResourceQuota => quotas(),
        Kind::RoleBinding => bindings(),
        Kind::ClusterRole => cluster_roles(),
        Kind::ClusterRoleBinding => cluster_bindings(),
        Kind::NetworkPolicy => network_policies(),
        Kind::LimitRange => limit_ranges(),
        _ => Vec::new(),
    }
}

/// Halfway through the first lists.
pub(super) fn loading() -> State {
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

pub(super) fn forbidden(user: &str, resource: &str) -> SyncState {
    SyncState::NoAccess {
        reason: format!(
            "{resource} is forbidden: User \"{user}\" cannot list resource \"{resource}\" at the \
             cluster scope"
        ),
    }
}

/// No bindings at all.
pub(super) fn bob() -> State {
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
        (Kind::Event, "events"),
    ] {
        sync(&mut state, kind, Scope::Cluster, forbidden("bob", resource));
    }
    state
}

/// Admin of acme-dev only; acme is named in config.yaml with both of its
/// namespaces, and acme-prod cannot be read.
pub(super) fn alice() -> State {
    let extra = vec![(
        TenantId::new("acme"),
        vec!["acme-dev".to_string(), "acme-prod".to_string()],
    )];
    let mut state = new_state("alice", extra);
    state.namespace_origins = [
        ("acme-dev".to_string(), vec!["context".to_string()]),
        ("acme-prod".to_string(), vec!["config.yaml".to_string()]),
    ]
    .into();
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
        (Kind::Event, "events"),
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

pub(super) fn key(state: &mut State, action: KeyAction) {
    update(state, Action::Key(action));
}

pub(super) fn open(mut state: State, tenant: &str, tab: Tab) -> State {
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
