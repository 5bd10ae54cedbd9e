//! The console's data path against the real sandbox: the same watchers,
//! reducer and derived views the console draws, and the headless commands
//! that print them.

use crate::common;

use std::time::Duration;

use assert_cmd::Command;
use common::{cluster, create_namespace, object, tenantry_cmd, unique_name};
use k8s_openapi::api::core::v1::{Pod, ResourceQuota};
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use tenantry::app::{State, update};
use tenantry::kube::client::{ConnectOptions, connect};
use tenantry::model::{ResolverKind, TenantId};
use tenantry::sandbox::Persona;

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("running tenantry");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn tenant<'a>(tenants: &'a Value, name: &str) -> &'a Value {
    tenants["tenants"]
        .as_array()
        .expect("tenants array")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("tenant {name} missing from {tenants:#}"))
}

/// The console's watchers as admin, started and synced: the state, the
/// channel the watchers feed and their task.
async fn synced_console() -> (
    State,
    tokio::sync::mpsc::UnboundedReceiver<tenantry::app::Action>,
    tokio::task::JoinHandle<()>,
) {
    let connection = connect(&ConnectOptions {
        kubeconfig: Some(cluster().kubeconfig(Persona::Admin)),
        ..Default::default()
    })
    .await
    .expect("connecting");
    let mut state = State::new(ResolverKind::default_order(), vec![]);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let live = tenantry::live::start(&connection, vec![], tx, state.ticket());
    tenantry::live::sync(&mut state, &mut rx, Duration::from_secs(60))
        .await
        .expect("initial sync");
    (state, rx, live)
}

#[test]
fn admin_sees_every_demo_tenant_with_its_numbers() {
    let out = json_of(tenantry_cmd(Persona::Admin).args(["tenants", "-o", "json"]));
    for name in ["acme", "globex", "initech", "umbrella", "hooli"] {
        tenant(&out, name);
    }
    let acme = tenant(&out, "acme");
    assert_eq!(acme["namespaces"], 2);
    assert_eq!(acme["source"], "label");
    assert_eq!(
        acme["qos"],
        json!({"guaranteed": 3, "burstable": 1, "best_effort": 0})
    );
    let initech = tenant(&out, "initech");
    assert_eq!(
        initech["qos"],
        json!({"guaranteed": 0, "burstable": 1, "best_effort": 3})
    );
    assert_eq!(initech["worst_quota"], Value::Null);
    let globex = tenant(&out, "globex");
    assert_eq!(globex["worst_quota"]["resource"], "requests.memory");
    assert_eq!(globex["worst_quota"]["percent"], 150);
    assert_eq!(tenant(&out, "umbrella")["source"], "capsule");
    let hooli = tenant(&out, "hooli");
    assert_eq!(hooli["source"], "hnc");
    assert_eq!(hooli["namespaces"], 3);
    let unassigned = out["unassigned"].as_array().expect("unassigned");
    assert!(
        unassigned.iter().any(|n| n == "shared-tools"),
        "{unassigned:?}"
    );
    assert!(
        out["no_access"].as_array().expect("no_access").is_empty(),
        "{out:#}"
    );
}

#[tokio::test]
async fn reported_quota_numbers_equal_the_servers_quota_status() {
    let out = json_of(tenantry_cmd(Persona::Admin).args(["report", "globex", "-o", "json"]));
    let admin = cluster().client(Persona::Admin).await;
    let quota = Api::<ResourceQuota>::namespaced(admin, "globex-web")
        .get("compute")
        .await
        .expect("globex quota");
    let status = quota.status.expect("status");
    let hard = status.hard.expect("hard");
    let used = status.used.expect("used");
    let namespace = out["quota"]["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .find(|n| n["namespace"] == "globex-web")
        .expect("globex-web in the report");
    let resources = namespace["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), hard.len(), "{resources:#?}");
    for (resource, hard_value) in &hard {
        let shown = resources
            .iter()
            .find(|r| r["resource"] == resource.as_str())
            .unwrap_or_else(|| panic!("{resource} not shown"));
        let shown_hard: tenantry::model::Quantity = shown["hard"]
            .as_str()
            .expect("hard")
            .parse()
            .expect("quantity");
        let server_hard: tenantry::model::Quantity = hard_value.0.parse().expect("quantity");
        assert_eq!(shown_hard, server_hard, "{resource} hard");
        let shown_used: tenantry::model::Quantity = shown["used"]
            .as_str()
            .expect("used")
            .parse()
            .expect("quantity");
        let server_used: tenantry::model::Quantity = used[resource].0.parse().expect("quantity");
        assert_eq!(shown_used, server_used, "{resource} used");
    }
    // Sorted by pressure: memory is over its limit, so it comes first.
    assert_eq!(resources[0]["resource"], "requests.memory");
    assert_eq!(resources[0]["percent"], 150);
}

#[test]
fn alice_sees_acme_and_no_access_for_the_rest() {
    let out =
        json_of(tenantry_cmd(Persona::Alice).args(["tenants", "-o", "json", "-n", "acme-prod"]));
    let names: Vec<&str> = out["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, vec!["acme"], "{out:#}");
    let acme = tenant(&out, "acme");
    assert_eq!(acme["namespaces"], 2);
    assert_eq!(acme["pods"], 4);
    let no_access = out["no_access"].as_array().expect("no_access");
    assert!(
        no_access
            .iter()
            .any(|n| n["kind"] == "Namespace" && n["scope"] == "cluster"),
        "{no_access:#?}"
    );
    assert!(
        no_access
            .iter()
            .any(|n| n["kind"] == "ClusterRoleBinding" && n["scope"] == "cluster"),
        "{no_access:#?}"
    );
    // Her RoleBinding lets her get the namespace object itself: no "no
    // access" for it (the access review is asked in that namespace).
    assert!(
        !no_access
            .iter()
            .any(|n| n["kind"] == "Namespace" && n["scope"] == "acme-prod"),
        "{no_access:#?}"
    );
}

#[test]
fn bob_is_told_every_namespace_he_names_is_unreadable_before_the_command_ends() {
    // The plan's "no access" marks reach the output however fast the
    // first lists end (they used to race the end of a headless run).
    for _ in 0..3 {
        let out =
            json_of(tenantry_cmd(Persona::Bob).args(["tenants", "-o", "json", "-n", "acme-prod"]));
        let no_access = out["no_access"].as_array().expect("no_access");
        for kind in ["Namespace", "Pod", "ResourceQuota", "RoleBinding"] {
            assert!(
                no_access
                    .iter()
                    .any(|n| n["kind"] == kind && n["scope"] == "acme-prod"),
                "{kind} in acme-prod: {no_access:#?}"
            );
        }
    }
}

#[test]
fn bob_is_told_he_sees_no_tenant_and_why() {
    let out = tenantry_cmd(Persona::Bob)
        .args(["tenants"])
        .output()
        .expect("running tenantry");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(no tenant visible)"), "{text}");
    // Diagnostics go to stderr: stdout stays the table.
    assert!(!text.contains("no access"), "{text}");
    let diagnostics = String::from_utf8_lossy(&out.stderr);
    assert!(
        diagnostics.contains("tenantry: no access: Namespace in cluster"),
        "{diagnostics}"
    );
    assert!(
        diagnostics.contains("tenantry: no access: Pod in cluster"),
        "{diagnostics}"
    );
}

#[tokio::test]
async fn a_new_pod_reaches_the_tenants_qos_counts_through_the_watch() {
    let admin = cluster().client(Persona::Admin).await;
    let tenant_name = unique_name("live");
    let ns = format!("{tenant_name}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant_name)]).await;

    let (mut state, mut rx, live) = synced_console().await;
    let id = TenantId::new(tenant_name.clone());
    let best_effort = |state: &State| {
        state
            .rows
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.qos.best_effort)
    };
    assert_eq!(best_effort(&state), Some(0));

    let pod: Pod = object(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "newcomer"},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
    }));
    Api::<Pod>::namespaced(admin, &ns)
        .create(&PostParams::default(), &pod)
        .await
        .expect("creating a pod");
    // The pod must arrive as a watch event (an `Applied` change), not with
    // a relist. How fast it arrives is measured in benches, not here: the
    // bound only turns a lost event into a message instead of a hang.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut by_watch_event = false;
    while best_effort(&state) != Some(1) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(action)) => {
                by_watch_event = matches!(
                    &action,
                    tenantry::app::Action::Watch(tenantry::model::WatchUpdate::Change(
                        tenantry::model::Change::Applied(_)
                    ))
                );
                update(&mut state, action);
                state.refresh();
            }
            _ => panic!("the new pod did not reach the tenant's QoS counts within 30 s"),
        }
    }
    assert!(
        by_watch_event,
        "the pod reached the counts through a relist, not a watch event"
    );
    live.abort();
}

#[tokio::test]
async fn escape_sequences_from_the_cluster_are_drawn_as_inert_text() {
    use k8s_openapi::api::rbac::v1::RoleBinding;
    use ratatui::{Terminal, backend::TestBackend};

    let admin = cluster().client(Persona::Admin).await;
    let tenant_name = unique_name("escape");
    let ns = format!("{tenant_name}-ns");
    create_namespace(&admin, &ns, &[("tenantry.dev/tenant", &tenant_name)]).await;
    // OSC 52 would set the admin's clipboard; CSI 2J would clear the screen.
    let hostile = "mallory\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J";
    let binding: RoleBinding = object(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "owner", "annotations": {"note": hostile}},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": hostile}],
    }));
    Api::<RoleBinding>::namespaced(admin, &ns)
        .create(&PostParams::default(), &binding)
        .await
        .expect("the API server accepts any user name");

    let (mut state, _rx, live) = synced_console().await;
    live.abort();
    let id = TenantId::new(tenant_name.clone());
    let tenant = state.resolution.tenant(&id).expect("the tenant");
    assert!(
        tenant.owners.iter().any(|o| o.name == hostile),
        "the owner arrives unaltered in the model: {:?}",
        tenant.owners
    );
    update(
        &mut state,
        tenantry::app::Action::Key(tenantry::config::KeyAction::Jump),
    );
    for c in tenant_name.chars() {
        update(&mut state, tenantry::app::Action::InputChar(c));
    }
    update(
        &mut state,
        tenantry::app::Action::Key(tenantry::config::KeyAction::Submit),
    );

    let theme = tenantry::config::Theme::builtin("default").expect("theme");
    let keymap = tenantry::config::Keymap::builtin("default").expect("keymap");
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    terminal
        .draw(|frame| tenantry::ui::render(frame, &state, &theme, &keymap))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let text: String = buffer.content().iter().map(|cell| cell.symbol()).collect();
    assert!(text.contains("mallory"), "the owner is shown:\n{text}");
    assert!(
        !text.contains('\u{1b}'),
        "an escape byte reached the screen"
    );
    assert!(!text.contains('\u{7}'), "a BEL byte reached the screen");

    let out = tenantry_cmd(Persona::Admin)
        .args(["report", &tenant_name])
        .output()
        .expect("report");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("mallory"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}'),
        "the table printed an escape byte"
    );
}
