//! The Policy tab: every check of ARCHITECTURE.md §6 with its outcome, why, and
//! the template that would fix it. Failures first (most severe first),
//! then unknown, then passes, so an admin scanning for problems sees them
//! at the top; a summary line counts the findings by severity.
//!
//! Outcome and severity are written out (`FAIL`, `CRIT`), so the tab reads
//! the same in the mono theme.

use std::cmp::Reverse;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::detail::Body;
use super::text::{pad, sanitize, truncate, wrap};
use super::{Ctx, Theme, fit_line};
use crate::app::copy::Target;
use crate::app::{DetailData, ProbeStatus};
use crate::model::{CheckResult, Outcome, Severity};

/// Cells of the check id column (the longest id is 27).
const ID_WIDTH: usize = 27;
/// Where the reason of a failing check starts: under the id.
const INDENT: usize = 1 + 4 + 1 + 4 + 2;

/// Failures first, then unknown, then passes; inside each, most severe
/// first, then catalogue order.
pub(crate) fn ordered(checks: &[CheckResult]) -> Vec<&CheckResult> {
    let mut out: Vec<&CheckResult> = checks.iter().collect();
    out.sort_by_key(|c| (outcome_rank(c.outcome), Reverse(c.severity)));
    out
}

fn outcome_rank(o: Outcome) -> u8 {
    match o {
        Outcome::Fail => 0,
        Outcome::Unknown => 1,
        Outcome::Pass => 2,
    }
}

/// `FAIL`, `PASS`, `???`, in the theme's result style.
pub(crate) fn outcome_span(o: Outcome, theme: &Theme) -> Span<'static> {
    let (text, key) = match o {
        Outcome::Fail => ("FAIL", "result.fail"),
        Outcome::Pass => ("PASS", "result.pass"),
        Outcome::Unknown => ("???", "result.unknown"),
    };
    Span::styled(text, theme.style(key))
}

/// `CRIT`, `HIGH`, `MED`, `LOW`, `INFO`.
pub(crate) fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED",
        Severity::Low => "LOW",
        Severity::Info => "INFO",
    }
}

/// The severity label, then padding to four cells outside its style.
fn severity_spans(s: Severity, style: Style) -> [Span<'static>; 2] {
    let label = severity_label(s);
    [
        Span::styled(label, style),
        Span::raw(" ".repeat(5 - label.len())),
    ]
}

pub(crate) fn severity_style(s: Severity, theme: &Theme) -> Style {
    theme.style(match s {
        Severity::Critical => "severity.critical",
        Severity::High => "severity.high",
        Severity::Medium => "severity.medium",
        Severity::Low => "severity.low",
        Severity::Info => "severity.info",
    })
}

/// "2 critical · 1 high · 3 medium findings; 3 unknown · 15 passed".
pub(crate) fn summary_spans(checks: &[CheckResult], theme: &Theme) -> Vec<Span<'static>> {
    let counts = crate::model::summarize(checks);
    let mut spans = Vec::new();
    for s in Severity::ALL {
        let n = counts.get(s);
        if n == 0 {
            continue;
        }
        if !spans.is_empty() {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled(
            format!("{n} {}", s.as_str()),
            severity_style(s, theme),
        ));
    }
    let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    let unknown = count(Outcome::Unknown);
    if spans.is_empty() {
        // Green only when nothing is left unknown.
        let style = if unknown == 0 {
            theme.style("result.pass")
        } else {
            Style::default()
        };
        spans.push(Span::styled("no findings", style));
    } else {
        spans.push(Span::raw(if counts.total() == 1 {
            " finding"
        } else {
            " findings"
        }));
    }
    if unknown > 0 {
        spans.push(Span::raw("; "));
        spans.push(Span::styled(
            format!("{unknown} unknown"),
            theme.style("result.unknown"),
        ));
    }
    spans.push(Span::raw(format!(
        "{}{} passed",
        if unknown > 0 { " · " } else { "; " },
        count(Outcome::Pass)
    )));
    spans
}

/// Checks whose result comes from the probes the kube layer runs when the
/// detail opens.
fn needs_probes(id: &str) -> bool {
    id.starts_with("admission.") || id == "rbac.quota-immutable"
}

pub(crate) fn body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, width: u16) -> Body<'a> {
    let theme = ctx.theme;
    let w = usize::from(width);
    let header = theme.style("ui.header");
    let mut body = Body::new();
    let mut summary = vec![Span::raw(" ")];
    summary.extend(summary_spans(&detail.checks, theme));
    body.line(fit_line(summary, w));

    let mut ordered = ordered(&detail.checks);
    if let Some(threshold) = ctx.state.policy_filter {
        ordered.retain(|c| c.severity >= threshold);
        body.line(fit_line(
            vec![Span::styled(
                format!(
                    " showing {} and above ({} of {} checks) · s cycles the filter",
                    threshold.as_str(),
                    ordered.len(),
                    detail.checks.len()
                ),
                theme.style("ui.filter"),
            )],
            w,
        ));
    }
    for (outcome, title) in [
        (Outcome::Fail, "Failed"),
        (Outcome::Unknown, "Unknown"),
        (Outcome::Pass, "Passed"),
    ] {
        let group: Vec<&CheckResult> = ordered
            .iter()
            .copied()
            .filter(|c| c.outcome == outcome)
            .collect();
        if group.is_empty() {
            continue;
        }
        body.line(Line::raw(""));
        body.line(Line::from(Span::styled(
            format!(" {title} ({})", group.len()),
            header,
        )));
        for c in group {
            body.tagged(
                Target::Check(c.id),
                check_lines(c, detail.probes.as_ref(), theme, w),
            );
        }
    }
    body
}

/// ` FAIL CRIT  id`: marker, severity and id, padded.
fn head(c: &CheckResult, theme: &Theme) -> Vec<Span<'static>> {
    let severity = if c.outcome == Outcome::Pass {
        theme.style("ui.dim")
    } else {
        severity_style(c.severity, theme)
    };
    let [label, gap] = severity_spans(c.severity, severity);
    vec![
        Span::raw(" "),
        outcome_span(c.outcome, theme),
        Span::raw(if c.outcome == Outcome::Unknown {
            "  "
        } else {
            " "
        }),
        label,
        gap,
        Span::raw(" "),
        Span::raw(pad(c.id, ID_WIDTH)),
    ]
}

/// The lines of one check: a pass on one line (its reason after the id)
/// when it fits, else its reason under it; a failure or unknown with the
/// fix hint on the first line and the reason under it, wrapped whole (the
/// tab scrolls: nothing that proves or explains a result is cut); the probe status where the result waits for the
/// probes; the note when there is one.
pub(crate) fn check_lines(
    c: &CheckResult,
    probes: Option<&ProbeStatus>,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let dim = theme.style("ui.dim");
    let indent = " ".repeat(INDENT);
    let room = width.saturating_sub(INDENT + 1);
    let mut lines = Vec::new();
    let mut first = head(c, theme);
    let reason = sanitize(&c.reason).into_owned();
    let probe_status = needs_probes(c.id)
        .then(|| match probes {
            Some(ProbeStatus::Done(_)) => None,
            Some(ProbeStatus::Running) => {
                Some(("admission probes running…", theme.style("result.unknown")))
            }
            None => Some(("admission probes not run", dim)),
        })
        .flatten();
    if c.outcome == Outcome::Pass {
        // On the id's line when it fits; else under it, whole (the tab
        // scrolls: what proved a pass is never cut away).
        let head_width: usize = first.iter().map(|s| s.content.chars().count()).sum();
        if head_width + 1 + reason.chars().count() <= width {
            first.push(Span::raw(" "));
            first.push(Span::raw(reason));
            lines.push(Line::from(first));
        } else {
            lines.push(fit_line(first, width));
            for part in wrap(&reason, room.max(1)) {
                lines.push(Line::from(vec![
                    Span::raw(indent.clone()),
                    Span::styled(part, dim),
                ]));
            }
        }
    } else {
        if let Some(fix) = c.fix {
            first.push(Span::styled("  fix: ", dim));
            first.push(Span::raw(format!("apply {fix}")));
        }
        lines.push(fit_line(first, width));
        if let Some((status, style)) = probe_status {
            // Waiting for the probes says more than "not probed".
            lines.push(fit_line(
                vec![
                    Span::raw(indent.clone()),
                    Span::styled(status, style),
                    Span::styled(format!(" · {reason}"), dim),
                ],
                width,
            ));
        } else {
            for part in wrap(&reason, room.max(1)) {
                lines.push(Line::raw(format!("{indent}{part}")));
            }
        }
    }
    if let Some(note) = &c.note {
        for part in wrap(&format!("note: {}", sanitize(note)), room.max(1)) {
            lines.push(Line::from(vec![
                Span::raw(indent.clone()),
                Span::styled(part, dim),
            ]));
        }
    }
    lines
}

/// Word-wraps to at most `max_lines`, the last one cut with `…` when
/// more was left.
pub(crate) fn wrap_limited(s: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(s, width.max(1));
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let cut = truncate(last, width.saturating_sub(1)).into_owned();
            *last = if cut.ends_with('…') {
                cut
            } else {
                format!("{cut}…")
            };
        }
    }
    lines
}

/// One compact line for the Overview's top findings:
/// `CRIT netpol.default-deny-ingress  reason…`.
pub(crate) fn finding_line(
    c: &CheckResult,
    indent: usize,
    theme: &Theme,
    width: usize,
) -> Line<'static> {
    let [label, gap] = severity_spans(c.severity, severity_style(c.severity, theme));
    let spans = vec![
        Span::raw(" ".repeat(indent)),
        label,
        gap,
        Span::raw(pad(c.id, ID_WIDTH)),
        Span::raw(" "),
        Span::styled(sanitize(&c.reason).into_owned(), theme.style("ui.dim")),
    ];
    fit_line(spans, width)
}
