//! `c`: what is selected, to the clipboard through OSC 52 (the event loop
//! writes it: `Effect::Copy`). The text is sanitized here; the terminal
//! gets it base64-encoded, never as raw bytes.

use super::state::{State, Tab, View};
use super::update::Effect;
use crate::model::Outcome;
use crate::model::text::sanitize;

/// Longest text copied: OSC 52 payloads beyond ~100 kB are cut by many
/// terminals.
const MAX_COPY: usize = 8 * 1024;

/// What `c` copies in the current view, with a short name for the status
/// line: the selected tenant's name in the list; in a tenant, the Policy
/// tab's fix of its most severe failing check as a command line, the RBAC
/// tab's who-can answers, elsewhere the tenant's name.
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
            let detail = state.detail.as_ref();
            match (tab, detail) {
                (Tab::Policy, Some(detail)) => {
                    let fix = detail
                        .checks
                        .iter()
                        .filter(|c| c.outcome == Outcome::Fail)
                        .filter_map(|c| c.fix.map(|fix| (c, fix)))
                        .fold(
                            None,
                            |best: Option<(&crate::model::CheckResult, &str)>, (c, fix)| match best
                            {
                                Some((b, _)) if b.severity.rank() >= c.severity.rank() => best,
                                _ => Some((c, fix)),
                            },
                        );
                    match fix {
                        Some((check, fix)) => Some((
                            format!("tenantry apply {fix} --tenant {name}"),
                            format!("the fix of {}", check.id),
                        )),
                        None => Some((
                            name,
                            "the tenant's name (no failing check has a fix)".into(),
                        )),
                    }
                }
                (Tab::Rbac, Some(detail)) if !detail.who_can.is_empty() => {
                    let lines: Vec<String> = detail
                        .who_can
                        .iter()
                        .map(|(action, who)| {
                            let subjects: Vec<String> = who
                                .subjects
                                .iter()
                                .map(crate::model::rbac::subject_label)
                                .collect();
                            let answer = match (subjects.is_empty(), who.is_complete()) {
                                (true, true) => "nobody".to_string(),
                                (true, false) => "unknown".to_string(),
                                (false, true) => subjects.join(", "),
                                (false, false) => {
                                    format!("{}; others unknown", subjects.join(", "))
                                }
                            };
                            format!("{}: {answer}", action.label)
                        })
                        .collect();
                    Some((lines.join("\n"), "the who-can answers".into()))
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
}
