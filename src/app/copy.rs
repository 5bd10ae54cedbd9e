//! `c`: what is selected, to the clipboard through OSC 52 (the event loop
//! writes it: `Effect::Copy`). The text is sanitized here; the terminal
//! gets it base64-encoded, never as raw bytes.

use super::state::{DetailData, OwnRules, State, Tab, View};
use super::update::Effect;
use crate::model::Outcome;
use crate::model::rbac::{SensitiveAction, WhoCan, subject_label};
use crate::model::text::sanitize;

/// Longest text copied: OSC 52 payloads beyond ~100 kB are cut by many
/// terminals.
const MAX_COPY: usize = 8 * 1024;

/// Something on a line of a detail tab that `c` copies when the tab's
/// cursor is on it (the Policy and RBAC tabs have a cursor line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A check of the Policy tab, by id: its fixing command line when it
    /// fails (or is unknown) and has a fix, else its id.
    Check(&'static str),
    /// A who-can line of the RBAC tab, by the action's label: the answer.
    WhoCan(&'static str),
}

/// The lines of the open tab (indexes into its body as drawn, filter
/// included) that stand for one [`Target`]; measured by the renderer for
/// each frame (`Action::DetailTargets`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTarget {
    pub lines: std::ops::Range<usize>,
    pub target: Target,
}

/// Whether the tab has a cursor line that `j`/`k` move (and `c` copies
/// what it is on), rather than a scroll.
pub fn has_cursor(tab: Tab) -> bool {
    matches!(tab, Tab::Policy | Tab::Rbac)
}

/// What the cursor of the open tab is on, if anything.
pub fn cursor_target(state: &State) -> Option<Target> {
    state
        .detail_targets
        .iter()
        .find(|t| t.lines.contains(&state.detail_selected))
        .map(|t| t.target)
}

/// `tenantry apply FIX --tenant NAME`: the command line that applies a
/// check's fixing template, the tenant's name quoted for a shell when it
/// needs it (it is pasted into one).
pub fn fix_command(fix: &str, tenant: &str) -> String {
    format!("tenantry apply {fix} --tenant {}", shell_word(tenant))
}

/// `command` with the flags that make it act where the console looks:
/// the kubeconfig it was given, the cluster's context (a fleet has
/// several; a pasted command would otherwise go to the current one) and
/// `--as` when the console was started with it.
pub fn where_it_runs(state: &State, command: String) -> String {
    let mut out = command;
    if let Some(kubeconfig) = &state.kubeconfig {
        out.push_str(&format!(" --kubeconfig {}", shell_word(kubeconfig)));
    }
    if !state.identity.context.is_empty() {
        out.push_str(&format!(
            " --context {}",
            shell_word(&state.identity.context)
        ));
    }
    if let Some(subject) = &state.started_as {
        out.push_str(&format!(" --as {}", shell_word(&subject.user)));
        for group in &subject.groups {
            out.push_str(&format!(" --as-group {}", shell_word(group)));
        }
    }
    out
}

/// `s` as one shell word: as is when it holds only characters no shell
/// reads specially, else in single quotes.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Whether the user's own rules (SelfSubjectRulesReview) allow `action` in
/// any of the tenant's namespaces: the one answer known for sure when the
/// bindings cannot all be read.
pub fn own_rules_allow(state: &State, detail: &DetailData, action: &SensitiveAction) -> bool {
    detail.tenant.namespaces.iter().any(|ns| {
        matches!(state.own_rules.get(ns), Some(OwnRules::Loaded { rules, .. })
            if rules.iter().any(|r| crate::model::rbac::rule_allows_any_name(
                r, action.verb, action.group, action.resource, action.subresource)))
    })
}

/// "create pods/exec in acme-dev, acme-prod: User alice, Group acme-admins",
/// as the RBAC tab's who-can line says it.
pub fn who_can_answer(
    state: &State,
    detail: &DetailData,
    action: &SensitiveAction,
    who: &WhoCan,
) -> String {
    let subjects: Vec<String> = who.subjects.iter().map(subject_label).collect();
    let you = !who.is_complete() && own_rules_allow(state, detail, action);
    let answer = match (subjects.is_empty(), who.is_complete()) {
        (true, true) => "nobody".to_string(),
        (true, false) if you => "you (your access review); others unknown".to_string(),
        (true, false) => "unknown".to_string(),
        (false, true) => subjects.join(", "),
        (false, false) => format!(
            "{}{}; others unknown",
            subjects.join(", "),
            if you { ", you" } else { "" }
        ),
    };
    format!(
        "{} in {}: {answer}",
        action.label,
        detail.tenant.namespaces.join(", ")
    )
}

/// What `c` copies in the current view, with a short name for the status
/// line: the selected tenant's name in the list; in a tenant, what the
/// cursor of the Policy or RBAC tab is on (a check's fixing command line,
/// a who-can answer), else the tenant's name.
pub fn copy_text(state: &State) -> Option<(String, String)> {
    match &state.view {
        View::Tenants => {
            if state.loading() {
                return None;
            }
            let row = state.selected_row()?;
            Some((row.id.as_str().to_string(), "the tenant's name".into()))
        }
        View::Detail { tenant, tab } => {
            let name = tenant.as_str().to_string();
            let detail = state.detail.as_ref().filter(|d| &d.tenant.id == tenant);
            let target = has_cursor(*tab).then(|| cursor_target(state)).flatten();
            match (target, detail) {
                (Some(Target::Check(id)), Some(detail)) => {
                    let check = detail.checks.iter().find(|c| c.id == id)?;
                    match check.fix {
                        Some(fix) if check.outcome != Outcome::Pass => Some((
                            where_it_runs(state, fix_command(fix, &name)),
                            format!("the fix of {id}"),
                        )),
                        _ => Some((id.to_string(), "the check's id".into())),
                    }
                }
                (Some(Target::WhoCan(label)), Some(detail)) => {
                    let (action, who) = detail.who_can.iter().find(|(a, _)| a.label == label)?;
                    Some((
                        who_can_answer(state, detail, action, who),
                        "the who-can answer".into(),
                    ))
                }
                _ => Some((name, "the tenant's name".into())),
            }
        }
    }
}

/// `c`.
pub(super) fn copy_key(state: &mut State, effects: &mut Vec<Effect>) {
    if !state.clipboard {
        state.message = Some("copying is off (clipboard: off in config.yaml)".into());
        return;
    }
    let Some((text, what)) = copy_text(state) else {
        state.message = Some("nothing selected to copy".into());
        return;
    };
    // Cluster text may hold anything: only sanitized text is copied.
    let clean: String = text
        .lines()
        .map(|line| sanitize(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let clean: String = clean.chars().take(MAX_COPY).collect();
    let first = clean.lines().next().unwrap_or_default().to_string();
    state.message = Some(if clean.lines().count() > 1 {
        format!("copied {what} ({} lines)", clean.lines().count())
    } else {
        format!("copied {what}: {first}")
    });
    effects.push(Effect::Copy(clean));
}

/// The OSC 52 sequence that puts `text` on the clipboard ("c"): BEL
/// terminated, which tmux (`set-clipboard on`), xterm, kitty, WezTerm,
/// iTerm2 and foot accept.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_only_base64() {
        let seq = osc52("acme\x1b]0;pwned\x07");
        assert!(seq.starts_with("\x1b]52;c;"));
        assert!(seq.ends_with('\x07'));
        let body = &seq["\x1b]52;c;".len()..seq.len() - 1];
        assert!(
            body.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c)),
            "{body}"
        );
        assert_eq!(osc52("acme"), "\x1b]52;c;YWNtZQ==\x07");
    }

    #[test]
    fn a_fixing_command_quotes_a_tenant_name_a_shell_would_read() {
        assert_eq!(
            fix_command("netpol-default-deny", "initech"),
            "tenantry apply netpol-default-deny --tenant initech"
        );
        assert_eq!(
            fix_command("psa-restricted", "a b;rm -rf ~"),
            "tenantry apply psa-restricted --tenant 'a b;rm -rf ~'"
        );
        assert_eq!(
            fix_command("x", "it's"),
            "tenantry apply x --tenant 'it'\\''s'"
        );
        assert_eq!(fix_command("x", ""), "tenantry apply x --tenant ''");
    }
}
