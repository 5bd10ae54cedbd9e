//! The QoS tab: counts per namespace, the pods list and the containers
//! that set no requests.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::detail::Body;
use super::text::{cell, pad, pad_left, plural, thousands};
use super::{Ctx, Theme};
use crate::app::DetailData;
use crate::model::{PodInfo, QosClass, QosCounts};

const COUNT: usize = 11;

pub(crate) fn body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, width: u16) -> Body<'a> {
    let Ctx { state, theme, .. } = ctx;
    let qos = &detail.qos;
    let header = theme.style("ui.header");
    let dim = theme.style("ui.dim");
    let name_width = if width >= 120 { 40 } else { 24 };
    let mut body = Body::new();

    body.line(Line::from(Span::styled(
        " QoS classes per namespace",
        header,
    )));
    body.line(Line::from(Span::styled(
        format!(
            "   {} {} {} {} {}",
            pad("NAMESPACE", name_width),
            pad_left("GUARANTEED", COUNT),
            pad_left("BURSTABLE", COUNT),
            pad_left("BESTEFFORT", COUNT),
            pad_left("TOTAL", 7)
        ),
        dim,
    )));
    body.lazy(qos.per_namespace.len(), move |range| {
        qos.per_namespace[range]
            .iter()
            .map(|(ns, counts)| {
                let name = format!("   {}", pad(&cell(ns, name_width), name_width));
                if qos.unreadable.contains(ns) {
                    Line::from(vec![
                        Span::raw(name),
                        Span::styled(
                            format!(" {}", pad_left("no access", COUNT)),
                            theme.style("access.none"),
                        ),
                    ])
                } else {
                    counts_line(name, *counts, theme)
                }
            })
            .collect()
    });
    body.line(counts_line(
        format!("   {}", pad("TOTAL", name_width)),
        qos.total,
        theme,
    ));
    if !qos.unreadable.is_empty() {
        body.line(Line::from(Span::styled(
            format!(
                "   pods of {} cannot be read: the total leaves them out",
                plural(qos.unreadable.len(), "namespace", "namespaces")
            ),
            theme.style("access.none"),
        )));
    }

    // Pods, straight from the inventory for this tenant's namespaces only,
    // and only the ones on screen.
    let pod_total = qos.total.total();
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(" Pods ({})", thousands(pod_total)),
        header,
    )));
    if pod_total == 0 {
        body.line(Line::from(Span::styled("   none", dim)));
    } else {
        body.line(Line::from(Span::styled(
            format!(
                "   {} {} QOS",
                pad("NAME", name_width + 8),
                pad("NAMESPACE", name_width)
            ),
            dim,
        )));
    }
    let namespaces = &detail.tenant.namespaces;
    body.lazy(pod_total, move |range| {
        namespaces
            .iter()
            .flat_map(|ns| state.inventory.pods_in(ns))
            .skip(range.start)
            .take(range.len())
            .map(|pod| pod_line(pod, name_width, theme))
            .collect()
    });

    let missing = &qos.containers_without_requests;
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(
            " Containers without requests ({})",
            thousands(missing.len())
        ),
        header,
    )));
    if missing.is_empty() {
        body.line(Line::from(Span::styled(
            "   none: every container sets cpu and memory requests",
            dim,
        )));
    } else {
        body.line(Line::from(Span::styled(
            format!(
                "   {} {} CONTAINER",
                pad("POD", name_width + 8),
                pad("NAMESPACE", name_width)
            ),
            dim,
        )));
    }
    body.lazy(missing.len(), move |range| {
        missing[range]
            .iter()
            .map(|c| {
                Line::raw(format!(
                    "   {} {} {}",
                    pad(&cell(&c.pod, name_width + 8), name_width + 8),
                    pad(&cell(&c.namespace, name_width), name_width),
                    cell(&c.container, 60)
                ))
            })
            .collect()
    });
    body
}

fn counts_line(name: String, c: QosCounts, theme: &Theme) -> Line<'static> {
    let be = if c.best_effort > 0 {
        theme.style("qos.besteffort")
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::raw(name),
        Span::raw(format!(
            " {} {} ",
            pad_left(&thousands(c.guaranteed), COUNT),
            pad_left(&thousands(c.burstable), COUNT)
        )),
        Span::styled(pad_left(&thousands(c.best_effort), COUNT), be),
        Span::raw(format!(" {}", pad_left(&thousands(c.total()), 7))),
    ])
}

/// The class in words plus its short form (`BE`), styled by class.
fn pod_line(pod: &PodInfo, name_width: usize, theme: &Theme) -> Line<'static> {
    let (short, key) = match pod.qos {
        QosClass::Guaranteed => ("G ", "qos.guaranteed"),
        QosClass::Burstable => ("B ", "qos.burstable"),
        QosClass::BestEffort => ("BE", "qos.besteffort"),
    };
    Line::from(vec![
        Span::raw(format!(
            "   {} {} ",
            pad(&cell(&pod.name, name_width + 8), name_width + 8),
            pad(&cell(&pod.namespace, name_width), name_width)
        )),
        Span::styled(format!("{short} {}", pod.qos.as_str()), theme.style(key)),
    ])
}
