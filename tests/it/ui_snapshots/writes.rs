//! The write forms: create, quota editor, template diff, refusals and
//! reports.

use super::*;

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
