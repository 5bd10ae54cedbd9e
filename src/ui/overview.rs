//! The Overview tab: headline numbers with the top findings, owners,
//! namespaces with what can be read in each, and the tenant's resolver
//! conflicts.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::detail::Body;
use super::gauge;
use super::policy;
use super::text::{cell, pad, plural, sanitize, thousands};
use super::{Ctx, Theme};
use crate::app::DetailData;
use crate::model::aggregate::access;
use crate::model::{Access, Kind, QosCounts};

/// Failures the Overview lists, most severe first.
const TOP_FINDINGS: usize = 3;

pub(crate) fn body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, width: u16) -> Body<'a> {
    let Ctx { state, theme, .. } = ctx;
    let tenant = &detail.tenant;
    let header = theme.style("ui.header");
    let dim = theme.style("ui.dim");
    let mut body = Body::new();

    // Headline numbers.
    let total = detail.qos.total;
    body.line(Line::from(vec![
        Span::styled(" Pods        ", header),
        Span::raw(thousands(total.total())),
    ]));
    body.line(qos_line(" QoS         ", total, theme));
    let worst = match (&detail.quota.worst, &detail.quota.worst_namespace) {
        (Some(w), Some(ns)) => {
            let mut spans = vec![Span::styled(" Worst quota ", header)];
            if let Some(ratio) = w.ratio {
                spans.extend(gauge::compact(ratio, 10, theme));
            }
            spans.push(Span::raw(format!(
                " {} in {}",
                sanitize(&w.resource),
                sanitize(ns)
            )));
            Line::from(spans)
        }
        _ => Line::from(vec![
            Span::styled(" Worst quota ", header),
            Span::styled("— (no quota with known usage)", dim),
        ]),
    };
    body.line(worst);
    let missing = detail.qos.containers_without_requests.len();
    body.line(Line::from(vec![
        Span::styled(" No requests ", header),
        Span::raw(plural(missing, "container", "containers")),
        Span::styled(" (see the QoS tab)", dim),
    ]));
    if !detail.qos.unreadable.is_empty() {
        body.line(Line::from(Span::styled(
            format!(
                "             pods of {} cannot be read: the counts leave them out",
                plural(detail.qos.unreadable.len(), "namespace", "namespaces")
            ),
            theme.style("access.none"),
        )));
    }

    // Findings, and the most severe failures (the Policy tab has them all).
    let mut findings = vec![Span::styled(" Findings    ", header)];
    findings.extend(policy::summary_spans(&detail.checks, theme));
    body.line(super::fit_line(findings, usize::from(width)));
    let failures: Vec<_> = policy::ordered(&detail.checks)
        .into_iter()
        .filter(|c| c.is_finding())
        .collect();
    for c in failures.iter().take(TOP_FINDINGS) {
        body.line(policy::finding_line(c, 13, theme, usize::from(width)));
    }
    if failures.len() > TOP_FINDINGS {
        body.line(Line::from(Span::styled(
            format!(
                "             and {} more in the Policy tab",
                failures.len() - TOP_FINDINGS
            ),
            dim,
        )));
    }

    // Owners.
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(" Owners ({})", tenant.owners.len()),
        header,
    )));
    if tenant.owners.is_empty() {
        let bindings_readable = tenant
            .namespaces
            .iter()
            .any(|ns| state.inventory.is_readable(Kind::RoleBinding, ns));
        body.line(Line::from(Span::styled(
            if bindings_readable || tenant.namespaces.is_empty() {
                "   none found (no admin binding in its namespaces)"
            } else {
                "   unknown: its role bindings cannot be read (no access)"
            },
            if bindings_readable {
                theme.style("ui.warning")
            } else {
                theme.style("access.none")
            },
        )));
    }
    for owner in &tenant.owners {
        let ns = owner
            .namespace
            .as_deref()
            .map(|n| format!(" ({})", sanitize(n)))
            .unwrap_or_default();
        body.line(Line::from(vec![
            Span::styled(format!("   {} ", pad(&sanitize(&owner.kind), 14)), dim),
            Span::raw(format!("{}{ns}", sanitize(&owner.name))),
        ]));
    }

    // Namespaces, built only when on screen.
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(" Namespaces ({})", tenant.namespaces.len()),
        header,
    )));
    let name_width = if width >= 120 { 40 } else { 24 };
    if !tenant.namespaces.is_empty() {
        body.line(Line::from(Span::styled(
            format!(
                "   {} {} {} {}",
                pad("NAME", name_width),
                pad("PODS", 12),
                pad("QUOTAS", 12),
                "QOS G/B/BE"
            ),
            dim,
        )));
    }
    body.lazy(tenant.namespaces.len(), move |range| {
        range
            .map(|i| {
                let ns = &tenant.namespaces[i];
                let pods = access(&state.inventory, Kind::Pod, ns);
                let quotas = access(&state.inventory, Kind::ResourceQuota, ns);
                let counts = detail
                    .qos
                    .per_namespace
                    .get(i)
                    .filter(|(name, _)| name == ns)
                    .map(|(_, c)| *c);
                let mut spans = vec![
                    Span::raw(format!("   {} ", pad(&cell(ns, name_width), name_width))),
                    access_span(pods, theme),
                    Span::raw(" "),
                    access_span(quotas, theme),
                    Span::raw(" "),
                ];
                match counts {
                    Some(c) if pods == Access::Readable => spans.push(Span::raw(format!(
                        "{}/{}/{}",
                        thousands(c.guaranteed),
                        thousands(c.burstable),
                        thousands(c.best_effort)
                    ))),
                    _ => spans.push(Span::styled("?", theme.style("access.none"))),
                }
                if state.resolution.conflict_for(ns).is_some() {
                    spans.push(Span::styled("  ! conflict", theme.style("ui.warning")));
                }
                Line::from(spans)
            })
            .collect()
    });

    // Conflicts that touch this tenant.
    let conflicts: Vec<_> = state
        .resolution
        .conflicts
        .iter()
        .filter(|c| c.claims.iter().any(|claim| claim.tenant == tenant.id))
        .collect();
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(" Conflicts ({})", conflicts.len()),
        header,
    )));
    if conflicts.is_empty() {
        body.line(Line::from(Span::styled(
            "   none: no namespace of this tenant is claimed twice",
            dim,
        )));
    }
    for c in conflicts {
        body.line(Line::from(Span::styled(
            format!("   ! {}", sanitize(&c.message())),
            theme.style("ui.warning"),
        )));
    }
    body
}

/// `readable`, `loading…`, `no access`: 12 cells, words not only colour.
fn access_span(access: Access, theme: &Theme) -> Span<'static> {
    let (text, style) = match access {
        Access::Readable => ("✓ readable", theme.style("access.allowed")),
        Access::Loading => ("… loading", theme.style("ui.dim")),
        Access::NoAccess => ("✗ no access", theme.style("access.none")),
    };
    Span::styled(pad(text, 12), style)
}

fn qos_line(label: &'static str, c: QosCounts, theme: &Theme) -> Line<'static> {
    let part = |name: &str, n: usize, style: Style| {
        // Whole: a width-1 pad cut every count past 9 to `…`.
        Span::styled(format!("{name} {}", thousands(n)), style)
    };
    Line::from(vec![
        Span::styled(label, theme.style("ui.header")),
        part("Guaranteed", c.guaranteed, theme.style("qos.guaranteed")),
        Span::raw(" · "),
        part("Burstable", c.burstable, theme.style("qos.burstable")),
        Span::raw(" · "),
        part(
            "BestEffort",
            c.best_effort,
            if c.best_effort > 0 {
                theme.style("qos.besteffort")
            } else {
                Style::default()
            },
        ),
    ])
}
