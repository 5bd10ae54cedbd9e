//! The Policy tab: every check of DESIGN.md §6 with its outcome, why, and
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
use super::text::{pad, sanitize, truncate};
use super::{Ctx, Theme, fit_line};
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

/// `FAIL`, `PASS`, `??? `: four cells, and the theme's result style.
pub(crate) fn outcome_span(o: Outcome, theme: &Theme) -> Span<'static> {
    let (text, key) = match o {
        Outcome::Fail => ("FAIL", "result.fail"),
        Outcome::Pass => ("PASS", "result.pass"),
        Outcome::Unknown => ("??? ", "result.unknown"),
    };
    Span::styled(text, theme.style(key))
}

/// `CRIT`, `HIGH`, `MED `, `LOW `, `INFO`.
pub(crate) fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED ",
        Severity::Low => "LOW ",
        Severity::Info => "INFO",
    }
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
    if spans.is_empty() {
        spans.push(Span::styled("no findings", theme.style("result.pass")));
    } else {
        spans.push(Span::raw(if counts.total() == 1 {
            " finding"
        } else {
            " findings"
        }));
    }
    let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    let unknown = count(Outcome::Unknown);
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

    let ordered = ordered(&detail.checks);
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
            for line in check_lines(c, detail.probes.as_ref(), theme, w) {
                body.line(line);
            }
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
    vec![
        Span::raw(" "),
        outcome_span(c.outcome, theme),
        Span::raw(" "),
        Span::styled(severity_label(c.severity), severity),
        Span::raw("  "),
        Span::raw(pad(c.id, ID_WIDTH)),
    ]
}

/// The lines of one check: a pass on one line (its reason after the id);
/// a failure or unknown with the fix hint on the first line and the reason
/// under it; the probe status and the note when there is one.
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
    if c.outcome == Outcome::Pass {
        first.push(Span::raw(" "));
        first.push(Span::raw(sanitize(&c.reason).into_owned()));
        lines.push(fit_line(first, width));
    } else {
        if let Some(fix) = c.fix {
            first.push(Span::styled("  fix: ", dim));
            first.push(Span::raw(format!("apply {fix}")));
        }
        lines.push(fit_line(first, width));
        lines.push(Line::raw(format!(
            "{indent}{}",
            truncate(&sanitize(&c.reason), room)
        )));
    }
    if needs_probes(c.id) {
        let status = match probes {
            Some(ProbeStatus::Done(_)) => None,
            Some(ProbeStatus::Running) => {
                Some(("admission probes running…", theme.style("result.unknown")))
            }
            None => Some(("admission probes not run", dim)),
        };
        if let Some((text, style)) = status {
            lines.push(Line::from(vec![
                Span::raw(indent.clone()),
                Span::styled(text, style),
            ]));
        }
    }
    if let Some(note) = &c.note {
        let note = format!("note: {}", sanitize(note));
        lines.push(Line::from(vec![
            Span::raw(indent),
            Span::styled(truncate(&note, room).into_owned(), dim),
        ]));
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
    let spans = vec![
        Span::raw(" ".repeat(indent)),
        Span::styled(
            severity_label(c.severity),
            severity_style(c.severity, theme),
        ),
        Span::raw(" "),
        Span::raw(c.id),
        Span::raw("  "),
        Span::styled(sanitize(&c.reason).into_owned(), theme.style("ui.dim")),
    ];
    fit_line(spans, width)
}
