//! The Network tab: per namespace, its default-deny status both ways and
//! its NetworkPolicies; then the cross-tenant exposure (pods no policy
//! selects, which Kubernetes opens to every namespace, and every rule that
//! admits traffic across the tenant's boundary), and what could not be
//! judged. Derived while
//! drawing (the view borrows the inventory), for the open tenant only.
//!
//! Status is written out (`✓ isolated`, `✗ open`, `? unknown`), so it
//! reads the same without colour.

use ratatui::text::{Line, Span};

use super::detail::Body;
use super::text::{cell, pad, plural, sanitize, wrap};
use super::{Ctx, Theme, fit_line};
use crate::app::DetailData;
use crate::model::NetworkPolicyInfo;
use crate::model::network::{DenyStatus, Direction, NamespaceNetwork, network_view};

pub(crate) fn body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, width: u16) -> Body<'a> {
    let Ctx { state, theme, .. } = ctx;
    let view = network_view(&state.inventory, &state.resolution, &detail.tenant);
    let w = usize::from(width);
    let header = theme.style("ui.header");
    let dim = theme.style("ui.dim");
    let mut body = Body::new();

    // Summary: what an admin scans for first.
    let total = view.namespaces.len();
    let isolated = |dir: Direction| {
        view.namespaces
            .iter()
            .filter(|n| matches!(status(n, dir), DenyStatus::Isolated { .. }))
            .count()
    };
    let (ing, eg) = (isolated(Direction::Ingress), isolated(Direction::Egress));
    let ratio_style = |n: usize| {
        if n == total {
            theme.style("result.pass")
        } else {
            theme.style("result.fail")
        }
    };
    let cross = view.exposure_count();
    let not_evaluated = view.unevaluated.len() + view.undetermined.len();
    body.line(fit_line(
        vec![
            Span::raw(" Default deny: ingress "),
            Span::styled(format!("{ing}/{total}"), ratio_style(ing)),
            Span::raw(" · egress "),
            Span::styled(format!("{eg}/{total}"), ratio_style(eg)),
            Span::raw(" namespaces · "),
            Span::styled(
                plural(cross, "cross-tenant exposure", "cross-tenant exposures"),
                if cross == 0 {
                    theme.style("result.pass")
                } else {
                    theme.style("result.fail")
                },
            ),
            Span::raw(if not_evaluated == 0 {
                String::new()
            } else {
                format!(" · {not_evaluated} not evaluated")
            }),
        ],
        w,
    ));

    // Per namespace.
    let name_width = if width >= 120 { 40 } else { 24 };
    for ns in &view.namespaces {
        body.line(Line::raw(""));
        body.line(Line::from(Span::styled(
            format!(" {}", cell(&ns.namespace, 60)),
            header,
        )));
        for dir in [Direction::Ingress, Direction::Egress] {
            body.line(deny_line(dir, status(ns, dir), theme, w));
        }
        if ns.policies.is_empty() {
            let readable = !matches!(ns.ingress, DenyStatus::Unknown { .. });
            body.line(Line::from(Span::styled(
                if readable {
                    "   no NetworkPolicy"
                } else {
                    "   NetworkPolicies cannot be read"
                },
                dim,
            )));
            continue;
        }
        body.line(Line::from(Span::styled(
            format!(
                "   {} {} {} RULES",
                pad(&format!("POLICIES ({})", ns.policies.len()), name_width),
                pad("PODS", 9),
                pad("TYPES", 15),
            ),
            dim,
        )));
        let policies = ns.policies.clone();
        body.lazy(policies.len(), move |range| {
            policies[range]
                .iter()
                .map(|p| policy_line(p, name_width, w))
                .collect()
        });
    }

    // Cross-tenant exposure: the whole sentence, wrapped rather than cut.
    // Pods no policy selects come first: they have no rule to show, and
    // an open namespace must never read as "none".
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(" Cross-tenant exposure ({cross})"),
        header,
    )));
    if cross == 0 {
        body.line(Line::from(Span::styled(
            "   none: every pod is selected by a policy; no rule reaches outside the tenant",
            dim,
        )));
    }
    let exposure = |body: &mut Body<'a>, text: &str| {
        let text = sanitize(text).into_owned();
        for (i, part) in wrap(&text, w.saturating_sub(6)).into_iter().enumerate() {
            body.line(if i == 0 {
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled("✗ ", theme.style("result.fail")),
                    Span::raw(part),
                ])
            } else {
                Line::raw(format!("     {part}"))
            });
        }
    };
    for open in &view.unselected {
        exposure(&mut body, &open.describe());
    }
    for allow in &view.cross_tenant {
        exposure(&mut body, &allow.describe());
        body.line(fit_line(
            vec![
                Span::styled(format!("     {} peer: ", allow.direction.as_str()), dim),
                Span::raw(sanitize(&allow.peer).into_owned()),
            ],
            w,
        ));
    }

    // Peers and pods that could not be judged.
    if not_evaluated > 0 {
        body.line(Line::raw(""));
        body.line(Line::from(Span::styled(
            format!(" Not evaluated ({not_evaluated})"),
            header,
        )));
        for gap in &view.undetermined {
            body.line(fit_line(
                vec![
                    Span::raw("   "),
                    Span::styled("? ", theme.style("result.unknown")),
                    Span::styled(sanitize(gap).into_owned(), theme.style("result.unknown")),
                ],
                w,
            ));
        }
        for p in &view.unevaluated {
            body.line(fit_line(
                vec![
                    Span::raw("   "),
                    Span::styled("? ", theme.style("result.unknown")),
                    Span::raw(format!(
                        "{}/{} {} {}",
                        sanitize(&p.namespace),
                        sanitize(&p.policy),
                        p.direction.as_str(),
                        sanitize(&p.peer)
                    )),
                ],
                w,
            ));
            body.line(fit_line(
                vec![Span::styled(
                    format!("     {}", sanitize(&p.reason)),
                    theme.style("result.unknown"),
                )],
                w,
            ));
        }
    }
    body
}

fn status<'n>(ns: &'n NamespaceNetwork<'_>, dir: Direction) -> &'n DenyStatus {
    match dir {
        Direction::Ingress => &ns.ingress,
        Direction::Egress => &ns.egress,
    }
}

/// `ingress  ✓ isolated  by default-deny`.
fn deny_line(dir: Direction, s: &DenyStatus, theme: &Theme, width: usize) -> Line<'static> {
    let (mark, key, detail) = match s {
        DenyStatus::Isolated { policies } => (
            "✓ isolated",
            "result.pass",
            format!(
                "by {}",
                policies
                    .iter()
                    .map(|p| sanitize(p).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        DenyStatus::Open => (
            "✗ open    ",
            "result.fail",
            "no policy selects every pod: all traffic allowed".to_string(),
        ),
        DenyStatus::Unknown { reason } => (
            "? unknown ",
            "result.unknown",
            sanitize(reason).into_owned(),
        ),
    };
    fit_line(
        vec![
            Span::raw(format!("   {} ", pad(dir.as_str(), 8))),
            Span::styled(mark, theme.style(key)),
            Span::raw("  "),
            Span::styled(detail, theme.style("ui.dim")),
        ],
        width,
    )
}

/// `default-deny   all pods  ingress+egress  0 in · 0 out`.
fn policy_line(p: &NetworkPolicyInfo, name_width: usize, width: usize) -> Line<'static> {
    let types = match (p.policy_types.ingress, p.policy_types.egress) {
        (true, true) => "ingress+egress",
        (true, false) => "ingress",
        (false, true) => "egress",
        (false, false) => "none",
    };
    let pods = if p.selects_all_pods {
        "all"
    } else {
        "selected"
    };
    let rules = format!("{} in · {} out", p.ingress_rules, p.egress_rules);
    fit_line(
        vec![Span::raw(format!(
            "   {} {} {} {rules}",
            pad(&cell(&p.name, name_width), name_width),
            pad(pods, 9),
            pad(types, 15),
        ))],
        width,
    )
}
