//! The Quota tab: per resource used / hard with a gauge, for the tenant
//! total and per namespace, highest pressure first.

use std::cmp::Ordering;

use ratatui::text::{Line, Span};

use super::detail::Body;
use super::gauge;
use super::text::{cell, pad, pad_left, sanitize};
use super::{Ctx, Theme};
use crate::app::DetailData;
use crate::model::quota_objects::TenantQuotaObjects;
use crate::model::refusal::{Refusal, RefusalDetail, ago};
use crate::model::{Access, NamespaceQuota, ResourceUsage, storage_class_of};

/// Widths of the resource rows.
struct Layout {
    resource: usize,
    quantity: usize,
    bar: usize,
}

impl Layout {
    fn new(width: u16) -> Self {
        let width = usize::from(width);
        let (resource, quantity) = if width >= 120 { (30, 12) } else { (24, 9) };
        // "  " resource " " used " / " hard " " marker " " pct " " bar
        let fixed = 2 + resource + 1 + quantity + 3 + quantity + 1 + 2 + 1 + 4 + 1;
        let bar = width.saturating_sub(fixed + 1).clamp(4, 40);
        Layout {
            resource,
            quantity,
            bar,
        }
    }
}

/// Highest top ratio first, unknown last, then by name.
fn by_pressure(a: &NamespaceQuota, b: &NamespaceQuota) -> Ordering {
    let top = |n: &NamespaceQuota| n.resources.first().and_then(|r| r.ratio);
    match (top(a), top(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.namespace.cmp(&b.namespace))
}

pub(crate) fn body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, width: u16) -> Body<'a> {
    let theme = ctx.theme;
    let layout = Layout::new(width);
    let quota = &detail.quota;
    let mut body = Body::new();
    let header = theme.style("ui.header");
    let dim = theme.style("ui.dim");

    // A tenant refused within the hour reads why first: which quota
    // refused which pods and by how much fits one 80×24 screen above the
    // figures (issue 11's "done when").
    let now = ctx.state.now();
    let blocked = detail.refusals.iter().any(|r| r.is_recent(now));
    if blocked {
        refusals_section(&mut body, ctx, detail, width, true);
        body.line(Line::raw(""));
    }
    let mut title = vec![
        Span::styled(" Tenant total", header),
        Span::styled(" (namespaces with a quota)", dim),
    ];
    if let Some(worst) = &quota.worst_namespace {
        title.push(Span::styled(
            format!(" · tightest: {}", sanitize(worst)),
            dim,
        ));
    }
    body.line(super::fit_line(title, usize::from(width)));
    if quota.total.is_empty() {
        body.line(Line::from(Span::styled(
            "   no quota in any readable namespace",
            dim,
        )));
    } else {
        body.line(column_header(&layout, theme));
        resource_lines(&mut body, &quota.total, &layout, theme);
    }

    let mut namespaces: Vec<&NamespaceQuota> = quota.per_namespace.iter().collect();
    namespaces.sort_by(|a, b| by_pressure(a, b));
    for nq in namespaces {
        body.line(Line::raw(""));
        let name = Span::styled(format!(" {}", cell(&nq.namespace, 60)), header);
        let status = match nq.access {
            Access::NoAccess => Some(Span::styled("  no access", theme.style("access.none"))),
            Access::Loading => Some(Span::styled("  loading…", dim)),
            Access::Readable if nq.no_quota => Some(Span::styled("  no quota", dim)),
            Access::Readable => None,
        };
        body.line(Line::from(match status {
            Some(status) => vec![name, status],
            None => vec![name],
        }));
        if nq.access == Access::Readable && !nq.no_quota {
            body.line(column_header(&layout, theme));
            resource_lines(&mut body, &nq.resources, &layout, theme);
        }
        for (quota_name, invalid) in &nq.invalid {
            body.line(Line::from(Span::styled(
                format!(
                    "   ! quota {}: {} {:?} is not a quantity ({})",
                    sanitize(quota_name),
                    sanitize(&invalid.resource),
                    sanitize(&invalid.raw),
                    invalid.error
                ),
                theme.style("ui.warning"),
            )));
        }
    }
    quota_objects_section(&mut body, &detail.quota_objects, &layout, theme, width);
    if !blocked {
        refusals_section(&mut body, ctx, detail, width, false);
    }
    body
}

/// Quota objects that span the tenant's namespaces (HNC, OpenShift, Kueue):
/// for each, what it covers, whom else it covers, and its figures.
fn quota_objects_section<'a>(
    body: &mut Body<'a>,
    section: &'a TenantQuotaObjects,
    layout: &Layout,
    theme: &Theme,
    width: u16,
) {
    if section.objects.is_empty()
        && section.no_access.is_empty()
        && section.loading.is_empty()
        && section.stray_local_queues.is_empty()
    {
        return;
    }
    let header = theme.style("ui.header");
    let dim = theme.style("ui.dim");
    let width = usize::from(width);
    body.line(Line::raw(""));
    body.line(Line::from(vec![
        Span::styled(" Quota objects spanning namespaces", header),
        Span::styled(" (HNC, OpenShift, Kueue)", dim),
    ]));
    for object in &section.objects {
        body.line(Line::raw(""));
        let mut title = vec![Span::styled(
            format!(" {}", cell(&object.label(), 60)),
            header,
        )];
        if !object.shared_with.is_empty() {
            title.push(Span::styled(
                format!(
                    "  shared with tenant {}",
                    sanitize(&object.shared_with.join(", "))
                ),
                theme.style("ui.warning"),
            ));
        }
        if object.pending {
            title.push(Span::styled("  pending", dim));
        }
        body.line(super::fit_line(title, width));
        let mut covers = format!("   covers {}", sanitize(&object.covers.join(", ")));
        if object.unassigned > 0 {
            covers.push_str(&format!(" + {} in no tenant", object.unassigned));
        }
        body.line(super::fit_line(vec![Span::styled(covers, dim)], width));
        if let Some(queue) = &object.queue {
            let count = |c: Option<u64>| c.map_or("?".to_string(), |c| c.to_string());
            let line = format!(
                "   cohort {} · via {} · workloads {} pending, {} admitted",
                sanitize(queue.cohort.as_deref().unwrap_or("none")),
                if queue.local_queues.is_empty() {
                    "no LocalQueue".to_string()
                } else {
                    sanitize(&queue.local_queues.join(", ")).into_owned()
                },
                count(queue.pending_workloads),
                count(queue.admitted_workloads),
            );
            body.line(super::fit_line(vec![Span::styled(line, dim)], width));
        }
        for note in &object.notes {
            body.line(super::fit_line(
                vec![Span::styled(format!("   {}", sanitize(note)), dim)],
                width,
            ));
        }
        if !object.resources.is_empty() {
            body.line(column_header(layout, theme));
            for usage in &object.resources {
                body.line(resource_line(&usage.resource, usage, layout, theme));
            }
        }
        if let Some(queue) = &object.queue {
            for row in &queue.rows {
                if row.borrowing_limit.is_none() && row.lending_limit.is_none() {
                    continue;
                }
                let limit = |q: &Option<crate::model::Quantity>| {
                    q.as_ref()
                        .map_or("none".to_string(), |q| q.format_for(&row.resource))
                };
                body.line(super::fit_line(
                    vec![Span::styled(
                        format!(
                            "   {} [{}]: borrowing limit {}, lending limit {}",
                            sanitize(&row.resource),
                            sanitize(&row.flavor),
                            limit(&row.borrowing_limit),
                            limit(&row.lending_limit)
                        ),
                        dim,
                    )],
                    width,
                ));
            }
        }
        for invalid in &object.invalid {
            body.line(super::fit_line(
                vec![Span::styled(
                    format!(
                        "   ! {} {:?} is not a quantity ({})",
                        sanitize(&invalid.resource),
                        sanitize(&invalid.raw),
                        invalid.error
                    ),
                    theme.style("ui.warning"),
                )],
                width,
            ));
        }
    }
    for (kind, reason) in &section.no_access {
        body.line(super::fit_line(
            vec![
                Span::styled(format!(" {}", kind.plural()), header),
                Span::styled("  no access", theme.style("access.none")),
                Span::styled(format!(" ({})", sanitize(reason)), dim),
            ],
            width,
        ));
    }
    for kind in &section.loading {
        body.line(Line::from(vec![
            Span::styled(format!(" {}", kind.plural()), header),
            Span::styled("  loading…", dim),
        ]));
    }
    for stray in &section.stray_local_queues {
        body.line(super::fit_line(
            vec![Span::styled(
                format!(" ! {}", sanitize(stray)),
                theme.style("ui.warning"),
            )],
            width,
        ));
    }
}

/// "Refused workloads": which quota or LimitRange refused which workload's
/// pods, on which resource, by how much, how often and when last. Two
/// lines per refusal so it reads at 80 columns.
fn refusals_section<'a>(
    body: &mut Body<'a>,
    ctx: Ctx<'a>,
    detail: &'a DetailData,
    width: u16,
    first: bool,
) {
    let theme = ctx.theme;
    let (header, dim) = (theme.style("ui.header"), theme.style("ui.dim"));
    let width = usize::from(width);
    let now = ctx.state.now();
    if !first {
        body.line(Line::raw(""));
    }
    body.line(super::fit_line(
        vec![
            Span::styled(" Refused workloads", header),
            Span::styled(" (quota and LimitRange refusals: events, Kueue)", dim),
        ],
        width,
    ));
    if !detail.refusals_unreadable.is_empty() {
        body.line(super::fit_line(
            vec![Span::styled(
                format!(
                    "   no access to events in {}",
                    detail
                        .refusals_unreadable
                        .iter()
                        .map(|ns| sanitize(ns).into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                theme.style("access.none"),
            )],
            width,
        ));
    }
    if detail.refusals.is_empty() {
        if detail.refusals_unreadable.len() < detail.tenant.namespaces.len() {
            body.line(Line::from(Span::styled(
                "   none: no pod was refused in the readable namespaces",
                dim,
            )));
        }
        return;
    }
    let rows = &detail.refusals;
    let occurrence = |r: &Refusal| (r.namespace.clone(), r.workload.clone(), r.count, r.last);
    // Rows of one occurrence refused by one object share that object's
    // name on a line of its own, so each resource's figures fit 80 columns.
    let shares_by = |a: &Refusal, b: &Refusal| {
        occurrence(a) == occurrence(b) && !a.refused_by.is_empty() && a.refused_by == b.refused_by
    };
    for (i, refusal) in rows.iter().enumerate() {
        let previous = i.checked_sub(1).and_then(|p| rows.get(p));
        let next = rows.get(i + 1);
        // One heading per workload and occurrence; a refusal on several
        // resources lists them under it.
        let same = previous.is_some_and(|p| occurrence(p) == occurrence(refusal));
        if !same {
            let mark = if refusal.is_recent(now) {
                Span::styled(" ! ", theme.style("ui.warning"))
            } else {
                Span::raw("   ")
            };
            body.line(super::fit_line(
                vec![
                    mark,
                    Span::raw(sanitize(&refusal.workload).into_owned()),
                    Span::styled(" in ", dim),
                    Span::raw(sanitize(&refusal.namespace).into_owned()),
                    Span::styled(
                        format!(" · {}× · {}", refusal.count, ago(now, refusal.last)),
                        dim,
                    ),
                ],
                width,
            ));
        }
        let after_shared = previous.is_some_and(|p| shares_by(p, refusal));
        // A single row whose figures would be cut names its refuser on a
        // line of its own too.
        let too_long = !matches!(refusal.detail, RefusalDetail::Unparsed(_))
            && !refusal.refused_by.is_empty()
            && refusal_lines(refusal, usize::from(u16::MAX), true)
                .first()
                .is_some_and(|l| l.chars().count() > width.saturating_sub(5));
        let before_shared = too_long || next.is_some_and(|n| shares_by(refusal, n));
        if !after_shared && before_shared {
            body.line(super::fit_line(
                vec![Span::raw(format!(
                    "     {}:",
                    sanitize(&refusal.refused_by)
                ))],
                width,
            ));
        }
        let (indent, with_by) = if after_shared || before_shared {
            ("       ", false)
        } else {
            ("     ", true)
        };
        for text in refusal_lines(refusal, width.saturating_sub(indent.len()), with_by) {
            body.line(Line::raw(format!("{indent}{text}")));
        }
    }
}

/// What refused it and by how much: one line (an unparsed message wraps,
/// whole, over as many as it needs). Sanitized here.
fn refusal_lines(refusal: &Refusal, width: usize, with_by: bool) -> Vec<String> {
    let by = if with_by && !refusal.refused_by.is_empty() {
        format!("{}: ", sanitize(&refusal.refused_by))
    } else {
        String::new()
    };
    let resource = sanitize(&refusal.resource);
    let text = match &refusal.detail {
        RefusalDetail::Quota {
            requested,
            remaining,
            used,
            limited,
            raw,
        } => {
            let show = |q: &Option<crate::model::Quantity>, raw: &str| match q {
                Some(q) => q.format_for(&refusal.resource),
                None => sanitize(raw).into_owned(),
            };
            format!(
                "{by}{resource} requested {}, remaining {} (used {} of {})",
                show(requested, &raw[0]),
                remaining
                    .as_ref()
                    .map_or_else(|| "?".to_string(), |q| q.format_for(&refusal.resource)),
                show(used, &raw[1]),
                show(limited, &raw[2]),
            )
        }
        RefusalDetail::MissingRequest => {
            format!("{by}the pod does not set {resource}, which the quota counts")
        }
        RefusalDetail::Limit {
            bound,
            per,
            allowed,
            actual,
        } => format!(
            "{by}{} {resource} per {} is {}, the pod asks {}",
            sanitize(bound),
            sanitize(per),
            sanitize(allowed),
            sanitize(actual)
        ),
        RefusalDetail::Queue {
            pod_set,
            flavor,
            needed,
            requested,
            capacity,
        } => {
            let amount = |q: &crate::model::Quantity| q.format_for(&refusal.resource);
            let asks = requested
                .as_ref()
                .map(|q| format!(" (asks {})", amount(q)))
                .unwrap_or_default();
            let set = if pod_set.is_empty() {
                String::new()
            } else {
                format!(", pod set {}", sanitize(pod_set))
            };
            match (needed, capacity) {
                (Some(n), _) => format!(
                    "{by}{resource} [{}]{set}: {} more needed{asks}",
                    sanitize(flavor),
                    amount(n)
                ),
                (None, Some(c)) => format!(
                    "{by}{resource} [{}]{set}: over its maximum {}{asks}",
                    sanitize(flavor),
                    amount(c)
                ),
                (None, None) => format!("{by}{resource} [{}]{set}", sanitize(flavor)),
            }
        }
        RefusalDetail::Unparsed(message) => {
            return super::text::wrap(&format!("message: {}", sanitize(message)), width.max(20));
        }
    };
    vec![super::text::truncate(&text, width.max(20)).into_owned()]
}

/// The rows in their order (highest pressure first), except that the
/// per-StorageClass keys come after the others, under a line naming their
/// class, with the class cut from the key (`requests.storage`).
fn resource_lines<'a>(
    body: &mut Body<'a>,
    usages: &[ResourceUsage],
    layout: &Layout,
    theme: &Theme,
) {
    let mut classes: Vec<(&str, Vec<(&str, &ResourceUsage)>)> = Vec::new();
    for usage in usages {
        match storage_class_of(&usage.resource) {
            Some((class, limited)) => match classes.iter_mut().find(|(c, _)| *c == class) {
                Some((_, rows)) => rows.push((limited, usage)),
                None => classes.push((class, vec![(limited, usage)])),
            },
            None => body.line(resource_line(&usage.resource, usage, layout, theme)),
        }
    }
    for (class, rows) in classes {
        body.line(Line::from(Span::styled(
            format!("  storage class {}", cell(class, 60)),
            theme.style("ui.dim"),
        )));
        for (limited, usage) in rows {
            body.line(resource_line(&format!("  {limited}"), usage, layout, theme));
        }
    }
}

fn column_header(layout: &Layout, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(
        format!(
            "  {} {} / {} {}",
            pad("RESOURCE", layout.resource),
            pad_left("USED", layout.quantity),
            pad("HARD", layout.quantity),
            "PRESSURE"
        ),
        theme.style("ui.dim"),
    ))
}

fn resource_line<'a>(
    label: &str,
    usage: &ResourceUsage,
    layout: &Layout,
    theme: &Theme,
) -> Line<'a> {
    let resource = cell(label, layout.resource);
    let hard = usage.hard.format_for(&usage.resource);
    let used = usage
        .used
        .as_ref()
        .map(|u| u.format_for(&usage.resource))
        .unwrap_or_else(|| "?".into());
    let mut spans = vec![Span::raw(format!(
        "  {} {} / {} ",
        pad(&resource, layout.resource),
        pad_left(&used, layout.quantity),
        pad(&hard, layout.quantity)
    ))];
    match (usage.ratio, &usage.used) {
        (Some(ratio), _) => spans.extend(gauge::compact(ratio, layout.bar, theme)),
        (None, None) => spans.push(Span::styled(
            "pending (not counted yet)",
            theme.style("ui.dim"),
        )),
        (None, Some(_)) => spans.push(Span::styled("none allowed", theme.style("ui.dim"))),
    }
    Line::from(spans)
}
