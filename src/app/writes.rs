//! Keys and results of the write flows (create tenant, edit quota, apply
//! template), as the reducer applies them; the forms themselves are in
//! `form.rs`.

use super::form::{FlowKind, Preview, Stage, WriteFlow};
use super::keys::{current_tenant, load_own_rules, page};
use super::state::State;
use super::update::Effect;
use crate::config::KeyAction;
use crate::model::TenantId;
use crate::model::write_plan::{ApplyReport, PlanSummary, Refusal, WriteError};

pub(super) fn open_flow(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    if let Some(why) = super::view_as::refuse_write(state) {
        state.message = Some(why);
        return;
    }
    if state.guard.readonly {
        state.message = Some(format!(
            "read-only: {}",
            state.guard.readonly_reason(&state.identity.context)
        ));
        return;
    }
    if state.readonly {
        state.message = Some(
            "read-only mode: writes are disabled (--readonly, or readonly: true in config.yaml)"
                .into(),
        );
        return;
    }
    let tenant = current_tenant(state);
    let flow = match (key, tenant) {
        (KeyAction::CreateTenant, _) => WriteFlow::create(&state.form_context()),
        (KeyAction::EditQuota, Some(t)) => {
            let denied =
                super::form::denied_namespaces(&state.own_rules, "ResourceQuota", &t.namespaces);
            if !t.namespaces.is_empty() && denied.len() == t.namespaces.len() {
                state.message = Some(quota_edit_denied(&t.id, &denied));
                return;
            }
            // From the list the user's own rules may not be loaded yet:
            // ask, and the form says so when they forbid the edit.
            load_own_rules(state, &t.namespaces, effects);
            WriteFlow::edit_quota(&state.form_context(), &t)
        }
        (KeyAction::ApplyTemplate, Some(t)) => {
            // Suggest the fix of the most severe failing check.
            let checks = state.checks_for(&t);
            let worst = checks
                .iter()
                .filter(|c| c.outcome == crate::model::Outcome::Fail && c.fix.is_some())
                .fold(
                    None,
                    |best: Option<&crate::model::CheckResult>, c| match best {
                        Some(b) if b.severity.rank() >= c.severity.rank() => Some(b),
                        _ => Some(c),
                    },
                );
            let mut flow =
                WriteFlow::apply_template(&state.form_context(), &t, worst.and_then(|c| c.fix));
            flow.notes.push(match worst {
                Some(c) => format!(
                    "suggested because {} ({}) fails: {}",
                    c.id,
                    c.severity.as_str(),
                    c.reason
                ),
                None => "no failing check has a template that fixes it: choose one".into(),
            });
            flow
        }
        _ => {
            state.message = Some("select a tenant first".into());
            return;
        }
    };
    state.overlay = None;
    state.flow = Some(Box::new(flow));
}

/// An open quota editor learns that the user's own rules forbid the edit
/// in every namespace of the tenant (rules that arrived after it opened).
pub(super) fn note_denied_quota_edit(state: &mut State) {
    let Some(flow) = state.flow.as_deref() else {
        return;
    };
    let FlowKind::EditQuota { tenant } = &flow.kind else {
        return;
    };
    let Some(t) = state.resolution.tenant(tenant) else {
        return;
    };
    let denied = super::form::denied_namespaces(&state.own_rules, "ResourceQuota", &t.namespaces);
    if t.namespaces.is_empty() || denied.len() != t.namespaces.len() {
        return;
    }
    let message = quota_edit_denied(&t.id, &denied);
    // Nothing was sent yet: the edit is withdrawn, as if the rules had been
    // known when `e` was pressed (it is not offered). Later, the preview
    // keeps it and says why the server will refuse.
    if flow.stage == super::form::Stage::Editing {
        state.flow = None;
        state.message = Some(message);
    } else if let Some(flow) = state.flow.as_deref_mut()
        && !flow.notes.contains(&message)
    {
        flow.notes.push(message);
    }
}

/// Why the quota editor is not offered, short enough for one line at 80
/// columns: the namespaces by name when they fit, else their count.
fn quota_edit_denied(tenant: &TenantId, denied: &[String]) -> String {
    let names = denied.join(", ");
    let where_ = if names.chars().count() <= 24 {
        names
    } else {
        format!("all {} namespaces of {tenant}", denied.len())
    };
    format!("not allowed: your rules forbid patching resourcequotas in {where_}")
}

pub(super) fn flow_key(state: &mut State, key: KeyAction, effects: &mut Vec<Effect>) {
    // Out of the state while it changes, so the form can read the rest.
    let Some(mut flow) = state.flow.take() else {
        return;
    };
    let keep = flow_step(state, &mut flow, key, effects);
    if keep {
        state.flow = Some(flow);
    }
}

/// One key in a write flow; false closes it.
fn flow_step(
    state: &mut State,
    flow: &mut WriteFlow,
    key: KeyAction,
    effects: &mut Vec<Effect>,
) -> bool {
    let page = page(state);
    match (&flow.stage, key) {
        (Stage::Applying { .. }, _) => {
            state.message = Some("applying: wait for the report".into());
        }
        (Stage::Editing, KeyAction::Cancel | KeyAction::Back) => {
            state.message = Some("nothing was written".into());
            return false;
        }
        (_, KeyAction::Quit) if !matches!(flow.stage, Stage::Editing) => {
            state.quit = true;
        }
        (Stage::Editing, KeyAction::NextField | KeyAction::MoveDown) => flow.next_field(),
        (Stage::Editing, KeyAction::PrevField | KeyAction::MoveUp) => flow.prev_field(),
        (Stage::Editing, KeyAction::Submit | KeyAction::Open) => {
            match flow.build(&state.form_context()) {
                Ok(objects) => {
                    flow.objects = objects.clone();
                    flow.warn_denied(&state.form_context());
                    flow.stage = Stage::Checking;
                    flow.scroll = 0;
                    state.message = None;
                    state.confirm_typed.clear();
                    state.write_requests += 1;
                    effects.push(Effect::Preflight {
                        action: flow.action_name(),
                        objects,
                        force: flow.force,
                    });
                }
                Err(message) => {
                    if let Some(objects) = flow.refused_outside.take() {
                        effects.push(Effect::RecordRefusal {
                            action: flow.action_name(),
                            objects,
                            message: message.clone(),
                        });
                    }
                    state.message = Some(message);
                }
            }
        }
        (Stage::Checking, KeyAction::Cancel | KeyAction::Back) => flow.stage = Stage::Editing,
        (Stage::Preview(preview), KeyAction::Confirm) => {
            if preview.plan.iter().all(|p| p.verb() == "unchanged") {
                state.message = Some("nothing would change: nothing to apply".into());
                return true;
            }
            if state.guard.confirm_name {
                let expected = flow_tenant_name(flow).unwrap_or_default();
                if expected.is_empty() || state.confirm_typed != expected {
                    state.message = Some(confirm_prompt(&expected, &state.confirm_typed));
                    return true;
                }
                state.confirm_typed.clear();
            }
            let expected = preview.plan.clone();
            flow.stage = Stage::Applying {
                done: Vec::new(),
                total: expected.len(),
            };
            state.write_requests += 1;
            effects.push(Effect::Apply {
                action: flow.action_name(),
                objects: flow.objects.clone(),
                force: flow.force,
                expected,
            });
        }
        (
            Stage::Refused {
                error: WriteError::Conflict { .. },
                ..
            },
            KeyAction::Force,
        ) => {
            flow.force = true;
            flow.stage = Stage::Checking;
            state.write_requests += 1;
            effects.push(Effect::Preflight {
                action: flow.action_name(),
                objects: flow.objects.clone(),
                force: true,
            });
        }
        (Stage::Preview(_) | Stage::Refused { .. }, KeyAction::Cancel | KeyAction::Back) => {
            flow.stage = Stage::Editing;
            flow.scroll = 0;
        }
        (Stage::Finished(_), KeyAction::Submit | KeyAction::Cancel | KeyAction::Back) => {
            return false;
        }
        (
            Stage::Preview(_) | Stage::Refused { .. } | Stage::Finished(_),
            KeyAction::MoveDown | KeyAction::PageDown | KeyAction::MoveUp | KeyAction::PageUp,
        ) => {
            let step = if matches!(key, KeyAction::PageDown | KeyAction::PageUp) {
                page
            } else {
                1
            };
            flow.scroll = if matches!(key, KeyAction::MoveDown | KeyAction::PageDown) {
                flow.scroll + step
            } else {
                flow.scroll.saturating_sub(step)
            };
        }
        _ => {}
    }
    true
}

/// The tenant a write is about, as the confirmation asks it typed: the
/// one edited, or the one the form creates.
pub fn flow_tenant_name(flow: &WriteFlow) -> Option<String> {
    match &flow.kind {
        FlowKind::EditQuota { tenant } | FlowKind::ApplyTemplate { tenant } => {
            Some(tenant.as_str().to_string())
        }
        FlowKind::CreateTenant => flow
            .fields
            .iter()
            .find(|f| f.role == super::form::FieldRole::TenantName)
            .map(|f| f.area.lines().join("").trim().to_string()),
    }
}

/// Whether keys type the tenant's name (a preview on a context whose guard
/// says `confirm: type-name`).
pub fn typing_confirmation(state: &State) -> bool {
    state.guard.confirm_name
        && state
            .flow
            .as_deref()
            .is_some_and(|flow| matches!(flow.stage, Stage::Preview(_)))
}

/// [`typing_confirmation`], and the name is not typed in full yet: printable
/// keys go to the name, not to the keymap.
pub fn confirm_name_pending(state: &State) -> bool {
    typing_confirmation(state)
        && state
            .flow
            .as_deref()
            .and_then(flow_tenant_name)
            .is_none_or(|name| state.confirm_typed != name)
}

/// Whether `c` continues the tenant's name as typed so far: only such keys
/// type; any other key keeps its binding (`y` before the name is typed is
/// refused with the prompt, `j` scrolls).
pub fn confirm_accepts(state: &State, c: char) -> bool {
    confirm_name_pending(state)
        && state
            .flow
            .as_deref()
            .and_then(flow_tenant_name)
            .is_some_and(|name| {
                let mut typed = state.confirm_typed.clone();
                typed.push(c);
                name.starts_with(&typed)
            })
}

fn confirm_prompt(expected: &str, typed: &str) -> String {
    format!("this context's guard: type {expected}, then y (typed: {typed})")
}

/// The status line follows the typing.
pub(super) fn say_confirm_typed(state: &mut State) {
    let expected = state
        .flow
        .as_deref()
        .and_then(flow_tenant_name)
        .unwrap_or_default();
    state.message = Some(if state.confirm_typed == expected {
        format!("{expected} typed: y applies")
    } else {
        confirm_prompt(&expected, &state.confirm_typed)
    });
}

/// A key typed into the focused field; the form is checked again when the
/// text changed. Fields hold one line.
pub(super) fn form_key(state: &mut State, input: ratatui_textarea::Input) {
    let Some(mut flow) = state.flow.take() else {
        return;
    };
    if matches!(flow.stage, Stage::Editing)
        && let Some(field) = flow.focused()
        && field.area.input(input)
    {
        field.touched = true;
        if field.area.lines().len() > 1 {
            let joined = field.area.lines().join("");
            field.area = ratatui_textarea::TextArea::new(vec![joined]);
            field.area.move_cursor(ratatui_textarea::CursorMove::End);
        }
        flow.changed(&state.form_context());
        state.message = None;
    }
    state.flow = Some(flow);
}

pub(super) fn write_planned(state: &mut State, result: Result<Vec<PlanSummary>, Refusal>) {
    let Some(flow) = state.flow.as_deref_mut() else {
        return;
    };
    let changed_since_confirm = match flow.stage {
        Stage::Checking => false,
        // The apply found the cluster moved since the preview.
        Stage::Applying { .. } => true,
        _ => return,
    };
    flow.scroll = 0;
    flow.stage = match result {
        Ok(plan) => {
            if changed_since_confirm {
                state.message =
                    Some("the cluster changed since the preview: check it again".into());
            }
            Stage::Preview(Preview {
                plan,
                changed_since_confirm,
            })
        }
        Err(Refusal { object, error }) => Stage::Refused {
            object: object.map(|o| o.to_string()).unwrap_or_default(),
            error,
        },
    };
    if typing_confirmation(state) && !changed_since_confirm {
        state.confirm_typed.clear();
        say_confirm_typed(state);
    }
}

/// "1 object", "14 objects".
pub fn objects_count(n: usize) -> String {
    if n == 1 {
        "1 object".into()
    } else {
        format!("{n} objects")
    }
}

/// "applied 14 objects" or what failed and what was not applied.
pub fn outcome_message(report: &ApplyReport) -> String {
    match &report.failed {
        None => format!("applied {}", objects_count(report.applied.len())),
        Some((object, err)) => format!(
            "failed at {object}: {err}; {} applied, {} not applied",
            report.applied.len(),
            report.not_applied.len()
        ),
    }
}
