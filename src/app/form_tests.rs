//! The write forms: checks as you type, what they build, and the flow
//! through preview, confirmation and report, driven by actions as the
//! console drives them.

use super::*;
use crate::app::{Action, Effect, State, update};
use crate::config::KeyAction;
use crate::fixtures;
use crate::model::WatchUpdate;
use crate::model::write_plan::{
    ApplyReport, FieldChange, ObjectRef, PlanSummary, Refusal, WriteError,
};
use crate::model::{Change, Kind, NamespaceInfo, Object, ResolverKind, Scope, SyncState};
use ratatui_textarea::{Input, Key};

fn namespace(name: &str, tenant: &str) -> Object {
    fixtures::namespace(name, serde_json::json!({"tenantry.dev/tenant": tenant}))
}

fn quota(ns: &str, hard: serde_json::Value, used: serde_json::Value) -> Object {
    fixtures::quota(ns, "compute", hard, Some(used))
}

/// Tenants acme (acme-dev, acme-prod, with quotas) and globex; synced.
fn state() -> State {
    let mut state = State::new(ResolverKind::default_order(), vec![]);
    state.templates = crate::model::template::Catalogue::builtin();
    for kind in Kind::ALL {
        let objects = match kind {
            Kind::Namespace => vec![
                namespace("acme-dev", "acme"),
                namespace("acme-prod", "acme"),
                namespace("globex-web", "globex"),
            ],
            Kind::ResourceQuota => vec![
                quota(
                    "acme-dev",
                    serde_json::json!({"pods": "10", "requests.cpu": "2"}),
                    serde_json::json!({"pods": "8", "requests.cpu": "1"}),
                ),
                quota(
                    "acme-prod",
                    serde_json::json!({"pods": "10", "requests.cpu": "4"}),
                    serde_json::json!({"pods": "2", "requests.cpu": "1"}),
                ),
            ],
            _ => vec![],
        };
        update(
            &mut state,
            Action::Watch(WatchUpdate::Change(Change::Replaced {
                kind,
                scope: Scope::Cluster,
                objects,
            })),
        );
        update(
            &mut state,
            Action::Watch(WatchUpdate::Sync {
                kind,
                scope: Scope::Cluster,
                state: SyncState::Synced,
            }),
        );
    }
    update(&mut state, Action::Planned);
    state
}

fn key(state: &mut State, key: KeyAction) -> Vec<Effect> {
    update(state, Action::Key(key))
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        update(
            state,
            Action::FormKey(Input {
                key: Key::Char(c),
                ..Default::default()
            }),
        );
    }
}

fn clear_field(state: &mut State) {
    for _ in 0..40 {
        update(
            state,
            Action::FormKey(Input {
                key: Key::Backspace,
                ..Default::default()
            }),
        );
    }
}

fn flow(state: &State) -> &WriteFlow {
    state.flow.as_deref().expect("a write flow is open")
}

fn focused_problem(state: &State) -> Option<Problem> {
    let f = flow(state);
    f.fields[f.focus].problem.clone()
}

fn summary(kind: &str, name: &str, exists: bool, changes: usize) -> PlanSummary {
    PlanSummary {
        reference: ObjectRef {
            kind: kind.into(),
            namespace: None,
            name: name.into(),
        },
        exists,
        changes: (0..changes)
            .map(|i| FieldChange {
                path: format!(".spec.x{i}"),
                before: None,
                after: Some(serde_json::json!(i)),
            })
            .collect(),
        checked: true,
        warnings: vec![],
    }
}

#[test]
fn the_create_form_checks_as_you_type_and_points_at_the_bad_character() {
    let mut s = state();
    key(&mut s, KeyAction::CreateTenant);
    type_text(&mut s, "Zeta");
    let problem = focused_problem(&s).expect("an upper-case name is refused");
    assert!(problem.blocking);
    assert_eq!(problem.position, Some(0));
    clear_field(&mut s);
    type_text(&mut s, "acme");
    let problem = focused_problem(&s).expect("an existing tenant is a warning");
    assert!(!problem.blocking, "{problem:?}");
    clear_field(&mut s);
    type_text(&mut s, "zeta");
    assert_eq!(focused_problem(&s), None);

    key(&mut s, KeyAction::NextField);
    type_text(&mut s, "user:zoe, robot:x");
    let problem = focused_problem(&s).expect("a bad owner");
    assert_eq!(problem.position, Some(10), "{problem:?}");
    assert!(problem.message.contains("unknown owner kind"));
    clear_field(&mut s);
    type_text(&mut s, "user:zoe");

    key(&mut s, KeyAction::NextField);
    type_text(&mut s, "zeta-dev, kube-system");
    let problem = focused_problem(&s).expect("a system namespace");
    assert!(problem.blocking, "{problem:?}");
    assert!(
        problem
            .message
            .contains("kube-system is a system namespace"),
        "{problem:?}"
    );
    assert_eq!(problem.position, Some(10));
    clear_field(&mut s);
    type_text(&mut s, "zeta-dev,globex-web");
    let problem = focused_problem(&s).expect("another tenant's namespace");
    assert!(
        problem.message.contains("belongs to tenant globex"),
        "{problem:?}"
    );
    assert_eq!(problem.position, Some(9));
    // Submitting goes to the first bad field and says why; nothing is sent.
    let effects = key(&mut s, KeyAction::Submit);
    assert!(effects.is_empty());
    assert!(
        s.message
            .as_deref()
            .unwrap_or_default()
            .contains("Namespaces")
    );
    clear_field(&mut s);
    type_text(&mut s, "zeta-dev,zeta-prod");

    let effects = key(&mut s, KeyAction::Submit);
    let [
        Effect::Preflight {
            objects,
            force,
            action,
        },
    ] = effects.as_slice()
    else {
        panic!("expected a preflight, got {effects:?}");
    };
    assert!(!force);
    assert_eq!(action, "create tenant zeta from tenant-baseline");
    assert_eq!(objects.len(), 14);
    assert!(matches!(flow(&s).stage, Stage::Checking));
}

#[test]
fn changing_the_template_changes_its_parameter_fields() {
    let mut s = state();
    key(&mut s, KeyAction::CreateTenant);
    let params = |s: &State| -> Vec<String> {
        flow(s)
            .fields
            .iter()
            .filter_map(|f| match &f.role {
                FieldRole::Param(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        params(&s),
        ["REQUESTS_CPU", "REQUESTS_MEMORY", "PODS", "PSA_VERSION"]
    );
    for _ in 0..3 {
        key(&mut s, KeyAction::NextField);
    }
    clear_field(&mut s);
    type_text(&mut s, "quota-smal");
    assert!(focused_problem(&s).expect("unknown template").blocking);
    type_text(&mut s, "l");
    assert_eq!(focused_problem(&s), None);
    assert!(params(&s).is_empty());
    clear_field(&mut s);
    type_text(&mut s, "psa-restricted");
    assert_eq!(params(&s), ["PSA_VERSION"]);
    key(&mut s, KeyAction::NextField);
    clear_field(&mut s);
    type_text(&mut s, "latest");
    let problem = focused_problem(&s).expect("regex");
    assert!(problem.message.contains("does not match"), "{problem:?}");
}

#[test]
fn the_quota_editor_shows_limits_and_use_validates_inline_and_warns_below_use() {
    let mut s = state();
    // The selected row is acme (sorted by name).
    key(&mut s, KeyAction::EditQuota);
    let f = flow(&s);
    assert_eq!(
        f.kind,
        FlowKind::EditQuota {
            tenant: TenantId::new("acme")
        }
    );
    let labels: Vec<&str> = f.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["Namespace", "pods", "requests.cpu", "Add"]);
    assert_eq!(f.fields[1].value(), "10");
    assert!(f.fields[1].hint.contains("used 8"), "{}", f.fields[1].hint);
    // requests.cpu differs per namespace: empty, and the hint says so.
    assert_eq!(f.fields[2].value(), "");
    assert!(f.fields[2].hint.contains("differs"), "{}", f.fields[2].hint);

    // Nothing typed: nothing to do.
    let effects = key(&mut s, KeyAction::Submit);
    assert!(effects.is_empty());
    assert!(
        s.message
            .as_deref()
            .unwrap_or_default()
            .contains("nothing changed")
    );

    key(&mut s, KeyAction::NextField);
    clear_field(&mut s);
    type_text(&mut s, "4 cpus");
    let problem = focused_problem(&s).expect("a bad quantity");
    assert!(problem.blocking);
    assert_eq!(problem.position, Some(1));
    clear_field(&mut s);
    type_text(&mut s, "5");
    let problem = focused_problem(&s).expect("below use");
    assert!(!problem.blocking);
    assert!(
        problem.message.contains("below what is used (8)"),
        "{problem:?}"
    );

    // The scope narrows to one namespace: its own values.
    key(&mut s, KeyAction::PrevField);
    clear_field(&mut s);
    type_text(&mut s, "acme-prod");
    let f = flow(&s);
    assert_eq!(f.fields[2].label, "requests.cpu");
    assert_eq!(f.fields[2].value(), "4");

    for _ in 0..2 {
        key(&mut s, KeyAction::NextField);
    }
    clear_field(&mut s);
    type_text(&mut s, "8");
    key(&mut s, KeyAction::NextField);
    type_text(&mut s, "services=1.5.2");
    let problem = focused_problem(&s).expect("a bad added quantity");
    assert_eq!(problem.position, Some(12), "{problem:?}");
    clear_field(&mut s);
    type_text(&mut s, "services=3");
    let effects = key(&mut s, KeyAction::Submit);
    let [Effect::Preflight { objects, .. }] = effects.as_slice() else {
        panic!("expected a preflight, got {effects:?}");
    };
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].metadata.namespace.as_deref(), Some("acme-prod"));
    let hard = &objects[0].data["spec"]["hard"];
    assert_eq!(hard["requests.cpu"], "8");
    assert_eq!(hard["services"], "3");
    assert_eq!(hard["pods"], "10", "other keys stay");
}

#[test]
fn apply_suggests_the_fix_of_the_worst_failing_check_and_keeps_to_the_tenant() {
    let mut s = state();
    key(&mut s, KeyAction::ApplyTemplate);
    let f = flow(&s);
    // acme has no NetworkPolicy: default-deny ingress (critical) fails.
    assert_eq!(f.fields[0].value(), "netpol-default-deny");
    assert_eq!(f.fields[1].value(), "acme-dev,acme-prod");
    key(&mut s, KeyAction::NextField);
    type_text(&mut s, ",globex-web");
    let problem = focused_problem(&s).expect("a namespace of another tenant");
    assert!(
        problem.message.contains("not a namespace of acme"),
        "{problem:?}"
    );
    clear_field(&mut s);
    type_text(&mut s, "acme-dev");
    let effects = key(&mut s, KeyAction::Submit);
    let [
        Effect::Preflight {
            objects, action, ..
        },
    ] = effects.as_slice()
    else {
        panic!("expected a preflight, got {effects:?}");
    };
    assert_eq!(action, "apply template netpol-default-deny to acme");
    assert_eq!(objects.len(), 3);
    assert!(
        objects
            .iter()
            .all(|o| o.metadata.namespace.as_deref() == Some("acme-dev"))
    );
}

#[test]
fn preview_confirm_apply_and_report() {
    let mut s = state();
    key(&mut s, KeyAction::ApplyTemplate);
    key(&mut s, KeyAction::Submit);
    // Cancelled while checking: a late answer is ignored.
    key(&mut s, KeyAction::Cancel);
    assert!(matches!(flow(&s).stage, Stage::Editing));
    update(&mut s, Action::WritePlanned(Ok(vec![])));
    assert!(matches!(flow(&s).stage, Stage::Editing));

    key(&mut s, KeyAction::Submit);
    let plan = vec![summary("NetworkPolicy", "default-deny", false, 3)];
    update(&mut s, Action::WritePlanned(Ok(plan.clone())));
    assert!(matches!(&flow(&s).stage, Stage::Preview(p) if p.plan == plan));
    // Keys that would type in the form do nothing here; confirm applies.
    let effects = key(&mut s, KeyAction::Confirm);
    let [Effect::Apply { expected, .. }] = effects.as_slice() else {
        panic!("expected an apply, got {effects:?}");
    };
    assert_eq!(expected, &plan);
    // Nothing closes the flow while applying.
    key(&mut s, KeyAction::Cancel);
    assert!(matches!(flow(&s).stage, Stage::Applying { .. }));
    update(&mut s, Action::WriteProgress(plan[0].reference.clone()));
    update(
        &mut s,
        Action::WriteDone(ApplyReport {
            applied: vec![plan[0].reference.clone()],
            failed: None,
            not_applied: vec![],
        }),
    );
    assert!(matches!(flow(&s).stage, Stage::Finished(_)));
    assert_eq!(s.message.as_deref(), Some("applied 1 object"));
    key(&mut s, KeyAction::Submit);
    assert!(s.flow.is_none());
}

#[test]
fn a_cluster_that_moved_since_the_preview_is_shown_again_before_anything_is_written() {
    let mut s = state();
    key(&mut s, KeyAction::ApplyTemplate);
    key(&mut s, KeyAction::Submit);
    update(
        &mut s,
        Action::WritePlanned(Ok(vec![summary("NetworkPolicy", "a", false, 1)])),
    );
    key(&mut s, KeyAction::Confirm);
    let moved = vec![summary("NetworkPolicy", "a", true, 2)];
    update(&mut s, Action::WritePlanned(Ok(moved.clone())));
    match &flow(&s).stage {
        Stage::Preview(p) => {
            assert!(p.changed_since_confirm);
            assert_eq!(p.plan, moved);
        }
        other => panic!("expected the new preview, got {other:?}"),
    }
}

#[test]
fn a_conflict_is_shown_and_force_is_asked_for_explicitly() {
    let mut s = state();
    key(&mut s, KeyAction::ApplyTemplate);
    key(&mut s, KeyAction::Submit);
    update(
        &mut s,
        Action::WritePlanned(Err(Refusal::at(
            ObjectRef {
                kind: "NetworkPolicy".into(),
                namespace: Some("acme-dev".into()),
                name: "default-deny".into(),
            },
            WriteError::Conflict {
                fields: vec![(".spec.policyTypes".into(), "platform-team".into())],
                message: "conflict".into(),
            },
        ))),
    );
    assert!(matches!(flow(&s).stage, Stage::Refused { .. }));
    // Confirm does not apply a refused write.
    assert!(key(&mut s, KeyAction::Confirm).is_empty());
    let effects = key(&mut s, KeyAction::Force);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Preflight { force: true, .. }]
    ));
}

#[test]
fn nothing_opens_in_read_only_mode_and_a_tenant_is_needed() {
    let mut s = state();
    s.readonly = true;
    for k in [
        KeyAction::CreateTenant,
        KeyAction::EditQuota,
        KeyAction::ApplyTemplate,
    ] {
        key(&mut s, k);
        assert!(s.flow.is_none());
        assert!(
            s.message
                .as_deref()
                .unwrap_or_default()
                .contains("read-only")
        );
    }
    let mut empty = State::new(ResolverKind::default_order(), vec![]);
    key(&mut empty, KeyAction::EditQuota);
    assert!(empty.flow.is_none());
    assert_eq!(empty.message.as_deref(), Some("select a tenant first"));
    key(&mut empty, KeyAction::CreateTenant);
    assert!(empty.flow.is_some(), "creating needs no tenant");
}

#[test]
fn escape_leaves_the_form_without_writing() {
    let mut s = state();
    key(&mut s, KeyAction::CreateTenant);
    type_text(&mut s, "zeta");
    let effects = key(&mut s, KeyAction::Cancel);
    assert!(effects.is_empty());
    assert!(s.flow.is_none());
    assert_eq!(s.message.as_deref(), Some("nothing was written"));
}

fn rules(resources: &[&str], group: &str) -> crate::app::OwnRules {
    crate::app::OwnRules::Loaded {
        rules: vec![crate::model::RuleInfo {
            api_groups: vec![group.into()],
            resources: resources.iter().map(|r| r.to_string()).collect(),
            verbs: vec!["get".into(), "list".into(), "patch".into()],
            resource_names: vec![],
            non_resource_urls: vec![],
        }],
        incomplete: false,
    }
}

#[test]
fn writes_the_users_own_rules_forbid_are_disabled_or_flagged_with_the_reason() {
    let mut s = state();
    for ns in ["acme-dev", "acme-prod"] {
        s.own_rules
            .insert(ns.into(), rules(&["pods", "configmaps"], ""));
    }
    key(&mut s, KeyAction::EditQuota);
    assert!(s.flow.is_none());
    let message = s.message.clone().unwrap_or_default();
    assert_eq!(
        message,
        "not allowed: your rules forbid patching resourcequotas in acme-dev, acme-prod"
    );
    assert!(message.chars().count() < 80, "one line at 80 columns");

    // Applying NetworkPolicies: allowed in one namespace, not the other.
    s.own_rules.insert(
        "acme-dev".into(),
        rules(&["networkpolicies"], "networking.k8s.io"),
    );
    key(&mut s, KeyAction::ApplyTemplate);
    key(&mut s, KeyAction::Submit);
    let warnings = &flow(&s).warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("NetworkPolicy in acme-prod"),
        "{warnings:?}"
    );
}

#[test]
fn a_capsule_tenants_quota_is_edited_on_its_tenant_object() {
    let mut s = state();
    let tenant: kube::core::DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "capsule.clastix.io/v1beta2", "kind": "Tenant",
        "metadata": {"name": "oil"},
        "spec": {
            "owners": [{"kind": "User", "name": "ann"}],
            "resourceQuotas": {"scope": "Tenant", "items": [{"hard": {"pods": "10"}}]},
        },
    }))
    .unwrap();
    let ns: k8s_openapi::api::core::v1::Namespace = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "oil-dev", "labels": {"capsule.clastix.io/tenant": "oil"}}
    }))
    .unwrap();
    update(
        &mut s,
        Action::Watch(WatchUpdate::Change(Change::Applied(Object::Namespace(
            NamespaceInfo::from_namespace(&ns),
        )))),
    );
    update(
        &mut s,
        Action::Watch(WatchUpdate::Change(Change::Applied(Object::CapsuleTenant(
            crate::model::CapsuleTenantInfo::from_dynamic(&tenant),
        )))),
    );
    s.refresh();
    let oil = s
        .resolution
        .tenant(&TenantId::new("oil"))
        .cloned()
        .expect("oil");
    assert_eq!(oil.source, "capsule");
    let mut flow = WriteFlow::edit_quota(&s.form_context(), &oil);
    let labels: Vec<&str> = flow.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["Namespace", "pods", "Add"]);
    assert!(flow.fields[1].hint.starts_with("Tenant item 0: now 10"));
    flow.focus = 0;
    flow.fields[0].area = TextArea::new(vec!["oil-dev".into()]);
    flow.changed(&s.form_context());
    assert!(flow.fields[0].problem.as_ref().is_some_and(|p| p.blocking));
    flow.fields[0].area = TextArea::new(vec!["all".into()]);
    flow.fields[1].area = TextArea::new(vec!["12".into()]);
    let objects = flow.build(&s.form_context()).expect("objects");
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].types.as_ref().unwrap().kind, "Tenant");
    assert_eq!(
        objects[0].data["spec"]["resourceQuotas"]["items"][0]["hard"]["pods"],
        "12"
    );
}

#[test]
fn rules_that_arrive_after_the_quota_editor_opened_withdraw_it_with_the_reason() {
    let mut s = state();
    let effects = key(&mut s, KeyAction::EditQuota);
    assert_eq!(
        effects,
        vec![Effect::LoadOwnRules(vec![
            "acme-dev".into(),
            "acme-prod".into()
        ])]
    );
    assert!(flow(&s).notes.is_empty());
    for ns in ["acme-dev", "acme-prod"] {
        update(
            &mut s,
            Action::OwnRules {
                namespace: ns.into(),
                rules: rules(&["pods"], ""),
            },
        );
    }
    // Nothing was sent: the edit is not offered after all, and says why.
    assert!(s.flow.is_none());
    assert_eq!(
        s.message.as_deref(),
        Some("not allowed: your rules forbid patching resourcequotas in acme-dev, acme-prod")
    );
}

#[test]
fn the_suggested_template_says_why_and_nothing_is_suggested_without_a_failing_check() {
    let mut s = state();
    key(&mut s, KeyAction::ApplyTemplate);
    let notes = &flow(&s).notes;
    assert!(
        notes[0].starts_with("suggested because netpol.default-deny-ingress (critical) fails"),
        "{notes:?}"
    );
    let flow = WriteFlow::apply_template(
        &s.form_context(),
        &s.resolution
            .tenant(&TenantId::new("acme"))
            .cloned()
            .unwrap(),
        None,
    );
    assert_eq!(flow.fields[0].value(), "");
    // An empty template field is quiet until the form is submitted.
    assert!(flow.fields[0].problem.is_some());
    assert!(flow.fields[0].visible_problem(false).is_none());
    assert!(flow.fields[0].visible_problem(true).is_some());
}

fn admin_binding(ns: &str, name: &str, subjects: serde_json::Value) -> Object {
    let rb: k8s_openapi::api::rbac::v1::RoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        "subjects": subjects,
    }))
    .unwrap();
    Object::RoleBinding(crate::model::projection::BindingInfo::from_role_binding(
        &rb,
    ))
}

fn choose_template(s: &mut State, name: &str) {
    // The apply form opens on its template field.
    clear_field(s);
    type_text(s, name);
}

#[test]
fn owners_read_from_the_cluster_are_screened_and_named_before_the_confirm() {
    let mut s = state();
    update(
        &mut s,
        Action::Watch(WatchUpdate::Change(Change::Applied(admin_binding(
            "acme-dev",
            "owner",
            serde_json::json!([
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "zoe"},
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                 "name": "mallory\n- kind: Group\n  name: system:authenticated"},
            ]),
        )))),
    );
    update(
        &mut s,
        Action::Watch(WatchUpdate::Change(Change::Applied(admin_binding(
            "acme-prod",
            "everyone",
            serde_json::json!([
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"},
            ]),
        )))),
    );
    key(&mut s, KeyAction::ApplyTemplate);
    choose_template(&mut s, "tenant-baseline");
    let effects = key(&mut s, KeyAction::Submit);
    let [Effect::Preflight { objects, .. }] = effects.as_slice() else {
        panic!("expected a preflight, got {effects:?} ({:?})", s.message);
    };
    let bindings: Vec<&DynamicObject> = objects
        .iter()
        .filter(|o| o.types.as_ref().is_some_and(|t| t.kind == "RoleBinding"))
        .collect();
    assert_eq!(bindings.len(), 2);
    for b in bindings {
        assert_eq!(
            b.data["subjects"],
            serde_json::json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "zoe"}])
        );
    }
    let warnings = &flow(&s).warnings;
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings.iter().any(|w| w.contains(
            "owner left out: User \"mallory\\n- kind: Group\\n  name: system:authenticated\" from RoleBinding acme-dev/owner"
        )),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains(
            "owner left out: Group \"system:authenticated\" from RoleBinding acme-prod/everyone: a public subject"
        )),
        "{warnings:#?}"
    );
    assert!(warnings.iter().all(|w| !w.contains('\n')));
}

fn user_template(text: &str) -> crate::model::template::Template {
    crate::model::template::Template::parse(
        text,
        "user.yaml",
        crate::model::template::Source::User("user.yaml".into()),
    )
    .unwrap()
}

const CLUSTER_READERS: &str = "name: readers\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inside\n  namespace: ${NAMESPACE}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${TENANT}-readers\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: Group\n  name: ${TENANT}-devs\n  apiGroup: rbac.authorization.k8s.io\n";

#[test]
fn a_template_leaving_the_tenant_is_refused_unless_declared_and_then_marked() {
    let mut s = state();
    s.templates.templates.push(user_template(CLUSTER_READERS));
    key(&mut s, KeyAction::ApplyTemplate);
    choose_template(&mut s, "readers");
    let effects = key(&mut s, KeyAction::Submit);
    // Nothing is sent; the refusal goes to the audit log, naming both
    // objects, as the CLI records its refusals.
    let message = s.message.clone().unwrap_or_default();
    match effects.as_slice() {
        [
            Effect::RecordRefusal {
                action,
                objects,
                message: recorded,
            },
        ] => {
            assert_eq!(action, "apply template readers to acme");
            assert_eq!(
                objects.len(),
                3,
                "a ConfigMap per namespace and the binding"
            );
            assert_eq!(recorded, &message);
        }
        other => panic!("expected only the refusal's record, got {other:?}"),
    }
    assert!(
        message.contains("refused, outside the tenant: ClusterRoleBinding acme-readers")
            && message.contains("reaches: [ClusterRoleBinding]")
            && message.contains("nothing was sent"),
        "{message}"
    );
    assert!(matches!(flow(&s).stage, Stage::Editing));

    let mut s = state();
    let declared = CLUSTER_READERS.replace(
        "name: readers\n",
        "name: readers\nreaches: [ClusterRoleBinding]\n",
    );
    s.templates.templates.push(user_template(&declared));
    key(&mut s, KeyAction::ApplyTemplate);
    choose_template(&mut s, "readers");
    let effects = key(&mut s, KeyAction::Submit);
    assert!(
        matches!(effects.as_slice(), [Effect::Preflight { .. }]),
        "{effects:?}"
    );
    let marks = &flow(&s).marks;
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert!(marks[0].is_for("ClusterRoleBinding", None, "acme-readers"));
    assert_eq!(
        marks[0].marks,
        [
            "outside tenant acme: cluster-scoped (declared: reaches ClusterRoleBinding)",
            "binds ClusterRole cluster-admin: every permission on the cluster"
        ]
    );
}

#[test]
fn the_quota_editor_takes_a_quota_object_that_spans_namespaces() {
    let mut s = State::new(ResolverKind::default_order(), vec![]);
    s.inventory = crate::model::quota_objects::tests::world();
    update(&mut s, Action::Planned);
    s.refresh();
    let b = s
        .resolution
        .tenant(&TenantId::new("b"))
        .cloned()
        .expect("b");
    let mut flow = WriteFlow::edit_quota(&s.form_context(), &b);
    assert!(
        flow.fields[0]
            .hint
            .ends_with("or a quota object: crq/both, clusterqueue/b-queue"),
        "{}",
        flow.fields[0].hint
    );
    flow.focus = 0;
    flow.fields[0].area = TextArea::new(vec!["clusterqueue/b-queue".into()]);
    flow.changed(&s.form_context());
    let labels: Vec<&str> = flow.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["Namespace", "cpu@default"]);
    assert_eq!(flow.fields[1].hint, "now 4, used 3");
    assert!(flow.fields[0].problem.is_none());
    flow.fields[1].area = TextArea::new(vec!["6".into()]);
    let objects = flow.build(&s.form_context()).expect("objects");
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].types.as_ref().unwrap().kind, "ClusterQueue");
    assert_eq!(
        objects[0].data["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0]["nominalQuota"],
        "6"
    );

    // The shared ClusterResourceQuota is marked, with the other tenant named.
    flow.fields[0].area = TextArea::new(vec!["crq/both".into()]);
    flow.focus = 0;
    flow.changed(&s.form_context());
    flow.fields[1].area = TextArea::new(vec!["25".into()]);
    flow.build(&s.form_context()).expect("objects");
    assert!(
        flow.warnings[0].contains("SHARED with tenant a"),
        "{:?}",
        flow.warnings
    );

    // a's hostile LocalQueue does not make b's queue a's to edit.
    let a = s
        .resolution
        .tenant(&TenantId::new("a"))
        .cloned()
        .expect("a");
    let mut flow = WriteFlow::edit_quota(&s.form_context(), &a);
    flow.focus = 0;
    flow.fields[0].area = TextArea::new(vec!["clusterqueue/b-queue".into()]);
    flow.changed(&s.form_context());
    assert!(flow.fields[0].problem.as_ref().is_some_and(|p| p.blocking));
}
