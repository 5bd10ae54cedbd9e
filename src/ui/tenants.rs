//! The tenants list: one row per visible tenant, or the loading progress,
//! or a plain sentence saying why nothing can be shown.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::gauge;
use super::status::{kind_plural, sort_arrow};
use super::text::{cell, pad, pad_left, plural, sanitize, thousands};
use super::{Ctx, Theme};
#[cfg(test)]
use crate::app::State;
use crate::app::{ListEntry, ProbeStatus, SortKey};
use crate::model::{FindingCounts, Kind, Severity, SyncState, TenantRow};

pub struct TenantsView<'a> {
    pub ctx: Ctx<'a>,
}

/// First visible row so that `selected` is on screen in a table body of
/// `height` rows: stays at the top until the selection passes the bottom
/// edge, then keeps the selection on the last row.
pub fn list_offset(selected: usize, len: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let selected = selected.min(len - 1);
    (selected + 1).saturating_sub(height).min(len - height)
}

impl Widget for TenantsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = self.ctx.state;
        if area.height < 2 {
            return;
        }
        // The footer (unassigned namespaces, conflicts) takes the last row.
        let footer = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        let body = Rect::new(area.x, area.y, area.width, area.height - 1);
        // A fatal error means the lists will never finish: say so instead.
        if state.is_fleet() && state.row_count() == 0 && !state.loading() {
            fleet_nothing(self.ctx, body, buf);
        } else if !state.is_fleet() && state.fatal.is_some() && state.rows.is_empty() {
            nothing_visible(self.ctx, body, buf);
        } else if state.loading() {
            loading(self.ctx, body, buf);
        } else if state.row_count() == 0 {
            nothing_visible(self.ctx, body, buf);
        } else {
            table(self.ctx, body, buf);
        }
        footer_line(self.ctx, footer, buf);
    }
}

/// Column positions for the current width.
struct Columns {
    tenant: u16,
    /// The kube context of the row (a fleet only; 0: not drawn).
    cluster: u16,
    source: u16,
    namespaces: u16,
    pods: u16,
    pressure: u16,
    bar: usize,
    qos: u16,
    findings: u16,
    notes: u16,
}

impl Columns {
    const GAPS: u16 = 8;

    fn new(width: u16, longest_name: usize, longest_cluster: Option<usize>) -> Self {
        let wide = width >= 120;
        let (source, namespaces, pods) = (if wide { 8 } else { 7 }, 3, 5);
        let (qos, findings) = if wide { (14, 16) } else { (10, 9) };
        // Narrow, the list drops the pressure bar (the percent and its
        // `!`/`!!` marker say it) to make room for the findings.
        let (pressure, bar) = if wide { (36, 10) } else { (18, 0) };
        // A fleet's CLUSTER column: the longest context name (or "CLUSTER"
        // and the group marks, "▸ 12 clusters"), within a quarter of the
        // width; it takes its room from the notes, then the names.
        let cluster = longest_cluster.map_or(0, |longest| {
            let mark = if wide {
                "▸ 9 clusters".chars().count()
            } else {
                10
            };
            let wanted = u16::try_from(longest.max(mark)).unwrap_or(u16::MAX);
            wanted.min(if wide { 24 } else { 10 })
        });
        // Narrow, a fleet's list gives the room of SOURCE and QOS to
        // CLUSTER and the names (a tenant's detail has both).
        let narrow_fleet = cluster > 0 && !wide;
        let source = if narrow_fleet { 0 } else { source };
        let qos = if narrow_fleet { 0 } else { qos };
        let gaps = Self::GAPS + u16::from(cluster > 0) - 2 * u16::from(narrow_fleet);
        let fixed = source + namespaces + pods + pressure + qos + findings + cluster + gaps;
        let rest = width.saturating_sub(fixed);
        let tenant = if wide {
            rest * 2 / 5
        } else {
            rest.saturating_sub(11).max(rest / 2)
        };
        // "TENANT" plus the sort arrow, or the longest name and a gap.
        let needed = u16::try_from(longest_name.max(7) + 1).unwrap_or(u16::MAX);
        let tenant = tenant.min(needed);
        Columns {
            tenant,
            cluster,
            source,
            namespaces,
            pods,
            pressure,
            bar,
            qos,
            findings,
            notes: rest - tenant,
        }
    }
}

/// Cells of one line, left to right, one space apart (plus one leading);
/// a column of width 0 is not drawn.
fn draw_cells(buf: &mut Buffer, area: Rect, y: u16, cells: Vec<(u16, Vec<Span<'_>>)>) {
    let mut x = area.x + 1;
    for (w, spans) in cells.into_iter().filter(|(w, _)| *w > 0) {
        if x >= area.right() {
            break;
        }
        let w = w.min(area.right() - x);
        buf.set_line(x, y, &Line::from(spans), w);
        x += w + 1;
    }
}

fn table(ctx: Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let Ctx { state, theme, .. } = ctx;
    // The TENANT column is as wide as the longest name needs (over every
    // row, so it does not move while scrolling), never wider.
    let longest = state
        .clusters
        .iter()
        .flat_map(|c| &c.rows)
        .map(|r| sanitize(r.id.as_str()).chars().count())
        .max()
        .unwrap_or(0);
    let longest_cluster = state.is_fleet().then(|| {
        state
            .clusters
            .iter()
            .map(|c| sanitize(&c.identity.context).chars().count())
            .max()
            .unwrap_or(0)
    });
    let cols = Columns::new(area.width, longest, longest_cluster);
    let header_style = theme.style("ui.header");
    let arrow = sort_arrow(state.list.sort, state.list.reverse);
    let title = |name: &str, key: Option<SortKey>, w: u16, right: bool| {
        let mut t = name.to_string();
        if key == Some(state.list.sort) {
            t.push_str(arrow);
        }
        let text = if right {
            pad_left(&t, usize::from(w))
        } else {
            pad(&t, usize::from(w))
        };
        (w, vec![Span::styled(text, header_style)])
    };
    buf.set_style(Rect::new(area.x, area.y, area.width, 1), header_style);
    draw_cells(
        buf,
        area,
        area.y,
        [
            title("TENANT", Some(SortKey::Name), cols.tenant, false),
            title("CLUSTER", None, cols.cluster, false),
            title("SOURCE", None, cols.source, false),
            title("NS", Some(SortKey::Namespaces), cols.namespaces, true),
            title("PODS", Some(SortKey::Pods), cols.pods, true),
            title(
                "QUOTA PRESSURE",
                Some(SortKey::Pressure),
                cols.pressure,
                false,
            ),
            title("QOS G/B/BE", Some(SortKey::BestEffort), cols.qos, false),
            title("FINDINGS", Some(SortKey::Findings), cols.findings, false),
            title("NOTES", None, cols.notes, false),
        ]
        .into_iter()
        .filter(|(w, _)| *w > 0)
        .collect(),
    );

    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    if state.visible.is_empty() {
        let message = format!(
            "No tenant matches the filter \"{}\"; {} clears it.",
            sanitize(state.active_filter()),
            first_key(ctx, crate::config::KeyAction::Back)
        );
        Paragraph::new(Line::from(Span::styled(message, theme.style("ui.dim"))))
            .wrap(Wrap { trim: true })
            .render(inset(body, 1), buf);
        return;
    }
    let height = usize::from(body.height);
    let offset = list_offset(state.list.selected, state.visible.len(), height);
    for (i, entry) in state.visible.iter().skip(offset).take(height).enumerate() {
        let y = body.y + i as u16;
        let Some(line) = list_line(state, entry) else {
            continue;
        };
        let findings = findings_cell(
            theme,
            &line.row,
            line.findings.as_ref(),
            line.probing,
            cols.findings,
        );
        let mut cells = row_cells(&line.row, &cols, theme, findings, line.unreachable);
        if cols.cluster > 0 {
            // Narrow, a group says "▸ ×3" rather than "▸ 3 clusters".
            let label = match line.cluster.strip_suffix(" clusters") {
                Some(short)
                    if entry_is_group(entry)
                        && line.cluster.chars().count() > usize::from(cols.cluster) =>
                {
                    short.replacen(' ', " ×", 1)
                }
                _ => line.cluster.clone(),
            };
            let style = if line.unreachable {
                theme.style("ui.warning")
            } else {
                theme.style("ui.dim")
            };
            cells.insert(
                1,
                (
                    cols.cluster,
                    vec![Span::styled(cell(&label, usize::from(cols.cluster)), style)],
                ),
            );
        }
        if line.member {
            // Under its group: the name steps in.
            let name = format!("  {}", line.row.id.as_str());
            cells[0] = (
                cols.tenant,
                vec![Span::styled(
                    cell(&name, usize::from(cols.tenant)),
                    theme.style("ui.dim"),
                )],
            );
        }
        draw_cells(buf, body, y, cells);
        if offset + i == state.list.selected {
            buf.set_style(
                Rect::new(body.x, y, body.width, 1),
                theme.style("ui.selection"),
            );
        }
    }
}

fn entry_is_group(entry: &ListEntry) -> bool {
    matches!(entry, ListEntry::Group { .. })
}

/// What one line of the list shows: a tenant of one cluster, or a tenant
/// of several merged (a group).
struct ListLine {
    row: TenantRow,
    cluster: String,
    findings: Option<FindingCounts>,
    probing: bool,
    member: bool,
    /// The line's cluster (one of the group's) does not answer now.
    unreachable: bool,
}

fn list_line(state: &crate::app::State, entry: &ListEntry) -> Option<ListLine> {
    match entry {
        ListEntry::Tenant {
            cluster,
            row,
            member,
        } => {
            let c = state.clusters.get(*cluster)?;
            let row = c.rows.get(*row)?;
            Some(ListLine {
                findings: c.findings.get(&row.id).copied(),
                probing: matches!(c.probes.get(&row.id), Some(ProbeStatus::Running)),
                row: row.clone(),
                cluster: sanitize(&c.identity.context).into_owned(),
                member: *member,
                unreachable: c.unreachable().is_some(),
            })
        }
        ListEntry::Group {
            members, expanded, ..
        } => {
            let rows: Vec<(&crate::app::Cluster, &TenantRow)> = members
                .iter()
                .filter_map(|&(c, r)| {
                    let cluster = state.clusters.get(c)?;
                    Some((cluster, cluster.rows.get(r)?))
                })
                .collect();
            let merged =
                crate::model::merge_rows(&rows.iter().map(|(_, row)| *row).collect::<Vec<_>>())?;
            let known: Vec<FindingCounts> = rows
                .iter()
                .filter_map(|(c, row)| c.findings.get(&row.id).copied())
                .collect();
            // The sum only once every cluster's count is in.
            let findings = (known.len() == rows.len()).then(|| {
                known
                    .iter()
                    .fold(FindingCounts::default(), |sum, f| sum.plus(f))
            });
            Some(ListLine {
                findings,
                probing: rows
                    .iter()
                    .any(|(c, row)| matches!(c.probes.get(&row.id), Some(ProbeStatus::Running))),
                row: merged,
                cluster: format!(
                    "{} {} clusters",
                    if *expanded { "▾" } else { "▸" },
                    rows.len()
                ),
                member: false,
                unreachable: rows.iter().any(|(c, _)| c.unreachable().is_some()),
            })
        }
    }
}

fn row_cells<'a>(
    row: &'a TenantRow,
    cols: &Columns,
    theme: &Theme,
    findings: Vec<Span<'a>>,
    unreachable: bool,
) -> Vec<(u16, Vec<Span<'a>>)> {
    let dim = theme.style("ui.dim");
    let none = theme.style("access.none");
    let w = |c: u16| usize::from(c);
    let text = |s: String| vec![Span::raw(s)];
    let pods = if row.accessible {
        pad_left(&thousands(row.pod_count), w(cols.pods))
    } else {
        pad_left("?", w(cols.pods))
    };
    let pressure = if !row.accessible {
        vec![Span::styled("no access", none)]
    } else if let Some(p) = &row.worst_pressure {
        let mut spans = gauge::compact(p.ratio, cols.bar, theme);
        let room = if cols.bar == 0 {
            // Marker and percent only: the text carries the pressure.
            spans.truncate(3);
            w(cols.pressure).saturating_sub(2 + 1 + 4 + 1)
        } else {
            w(cols.pressure).saturating_sub(2 + 1 + 4 + 1 + cols.bar + 1)
        };
        spans.push(Span::raw(" "));
        spans.push(Span::raw(cell(&short_resource(&p.resource), room)));
        spans
    } else {
        vec![Span::styled("—", dim)]
    };
    let qos = if row.accessible {
        let be_style = if row.qos.best_effort > 0 {
            theme.style("qos.besteffort")
        } else {
            Style::default()
        };
        vec![
            Span::raw(format!(
                "{}/{}/",
                thousands(row.qos.guaranteed),
                thousands(row.qos.burstable)
            )),
            Span::styled(thousands(row.qos.best_effort), be_style),
        ]
    } else {
        vec![Span::styled("?", none)]
    };
    let mut notes: Vec<Span> = Vec::new();
    if unreachable {
        // What is shown was true when the cluster last answered.
        notes.push(Span::styled("!unreachable", theme.style("ui.warning")));
    }
    if row.blocked > 0 {
        if !notes.is_empty() {
            notes.push(Span::raw(", "));
        }
        // A quota or LimitRange refused pods within the hour: first, as
        // it answers "why won't my pods start?".
        notes.push(Span::styled("!blocked", theme.style("ui.warning")));
    }
    if row.conflicts > 0 {
        if !notes.is_empty() {
            notes.push(Span::raw(", "));
        }
        notes.push(Span::styled(
            format!("!{}", plural(row.conflicts, "conflict", "conflicts")),
            theme.style("ui.warning"),
        ));
    }
    if row.accessible && row.no_access_namespaces > 0 {
        if !notes.is_empty() {
            notes.push(Span::raw(", "));
        }
        notes.push(Span::styled(
            format!("{} no access", thousands(row.no_access_namespaces)),
            none,
        ));
    }
    vec![
        (cols.tenant, text(cell(row.id.as_str(), w(cols.tenant)))),
        (
            cols.source,
            vec![Span::styled(cell(&row.source, w(cols.source)), dim)],
        ),
        (
            cols.namespaces,
            text(pad_left(
                &thousands(row.namespace_count),
                w(cols.namespaces),
            )),
        ),
        (cols.pods, text(pods)),
        (cols.pressure, pressure),
        (cols.qos, qos),
        (cols.findings, findings),
        (cols.notes, super::fit_line(notes, w(cols.notes)).spans),
    ]
}

/// Findings by severity, most severe first: `2C 1H 3M`; `—` when none,
/// `…` before the checks have run, `?` when the tenant cannot be read.
/// Less severe counts that do not fit become ` +`.
fn findings_cell<'a>(
    theme: &Theme,
    row: &TenantRow,
    counts: Option<&FindingCounts>,
    pending: bool,
    width: u16,
) -> Vec<Span<'a>> {
    if !row.accessible {
        return vec![Span::styled("?", theme.style("access.none"))];
    }
    let Some(counts) = counts else {
        return vec![Span::styled("…", theme.style("ui.dim"))];
    };
    // Admission probes still running (`pending`): the counts may grow; a
    // trailing `…` says so (the help and README explain it).
    if counts.total() == 0 {
        return vec![Span::styled(
            if pending { "…" } else { "—" },
            theme.style("ui.dim"),
        )];
    }
    if !pending {
        return findings_spans(counts, usize::from(width), theme);
    }
    let mut spans = findings_spans(counts, usize::from(width).saturating_sub(2), theme);
    spans.push(Span::styled(" …", theme.style("ui.dim")));
    spans
}

pub(crate) fn findings_spans<'a>(
    counts: &FindingCounts,
    width: usize,
    theme: &Theme,
) -> Vec<Span<'a>> {
    let parts: Vec<(Severity, String)> = Severity::ALL
        .into_iter()
        .filter(|s| counts.get(*s) > 0)
        .map(|s| {
            (
                s,
                format!("{}{}", counts.get(s), s.as_str()[..1].to_uppercase()),
            )
        })
        .collect();
    let total: usize =
        parts.iter().map(|(_, t)| t.len()).sum::<usize>() + parts.len().saturating_sub(1);
    let mut spans = Vec::new();
    let mut used = 0;
    for (s, text) in parts {
        let gap = usize::from(used > 0);
        // Room for the part, and for ` +` when something is left out.
        if total > width && used + gap + text.len() + 2 > width {
            spans.push(Span::raw(if used == 0 { "+" } else { " +" }));
            break;
        }
        if gap == 1 {
            spans.push(Span::raw(" "));
        }
        used += gap + text.len();
        spans.push(Span::styled(text, super::policy::severity_style(s, theme)));
    }
    spans
}

/// `requests.memory` → `req.memory`: the list column is narrow; the detail
/// shows full names.
fn short_resource(resource: &str) -> String {
    if let Some((class, limited)) = crate::model::storage_class_of(resource) {
        return format!("{class}: {}", short_resource(limited));
    }
    if let Some(rest) = resource.strip_prefix("requests.") {
        format!("req.{rest}")
    } else if let Some(rest) = resource.strip_prefix("limits.") {
        format!("lim.{rest}")
    } else {
        resource.to_string()
    }
}

fn first_key(ctx: Ctx<'_>, action: crate::config::KeyAction) -> String {
    ctx.keymap
        .keys_for(super::key_context(ctx.state), action)
        .first()
        .map(ToString::to_string)
        .unwrap_or_else(|| action.name())
}

fn inset(area: Rect, x: u16) -> Rect {
    Rect::new(
        area.x + x.min(area.width),
        area.y,
        area.width.saturating_sub(2 * x),
        area.height,
    )
}

/// Per-kind progress, so that a list still loading never looks empty.
fn loading(ctx: Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let Ctx { state, theme, .. } = ctx;
    let mut lines = vec![
        Line::from(Span::styled(
            if state.planned {
                "Loading what you may see…"
            } else {
                "Checking what you may read…"
            },
            theme.style("ui.title"),
        )),
        Line::raw(""),
    ];
    if state.planned {
        let room = usize::from(area.width).saturating_sub(2);
        for kind in Kind::ALL {
            let line = match state.inventory.kind_reconnecting(kind) {
                Some(lost) => Line::from(vec![
                    Span::styled(" … ", theme.style("ui.warning")),
                    Span::raw(pad(kind_plural(kind), 22)),
                    Span::styled(
                        format!(
                            "reconnecting since {}: {}",
                            sanitize(&lost.since),
                            sanitize(&lost.reason)
                        ),
                        theme.style("ui.warning"),
                    ),
                ]),
                None => kind_line(kind, &state.inventory.kind_state(kind), theme),
            };
            lines.push(super::fit_line(line.spans, room));
        }
    }
    lines.push(Line::raw(""));
    if !state.rows.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "{} found so far; the list appears when every kind has answered.",
                plural(state.rows.len(), "tenant", "tenants")
            ),
            theme.style("ui.dim"),
        )));
    }
    Paragraph::new(lines).render(inset(area, 1), buf);
}

fn kind_line(kind: Kind, sync: &SyncState, theme: &Theme) -> Line<'static> {
    let (marker, text, style) = match sync {
        // "listed", not "synced": the status line says "synced" only once
        // every kind is (and the list is drawn), so the word on screen
        // means the console is ready.
        SyncState::Synced => ("✓", "listed".to_string(), theme.style("result.pass")),
        SyncState::Loading { seen: 0 } => ("…", "loading…".to_string(), theme.style("ui.dim")),
        SyncState::Loading { seen } => (
            "…",
            format!("{} seen", thousands(*seen)),
            theme.style("ui.text"),
        ),
        SyncState::NoAccess { reason } => (
            "✗",
            format!("no access: {}", sanitize(reason)),
            theme.style("access.none"),
        ),
        SyncState::Failed { reason } => (
            "!",
            format!("failed: {}", sanitize(reason)),
            theme.style("result.fail"),
        ),
    };
    Line::from(vec![
        Span::styled(format!(" {marker} "), style),
        Span::raw(pad(kind_plural(kind), 22)),
        Span::styled(text, style),
    ])
}

/// Nothing to list: say why, and what to do about it.
fn nothing_visible(ctx: Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let Ctx { state, theme, .. } = ctx;
    let denied: Vec<(Kind, String)> = Kind::ALL
        .into_iter()
        .filter_map(|kind| match state.inventory.kind_state(kind) {
            SyncState::NoAccess { reason } | SyncState::Failed { reason } => Some((kind, reason)),
            _ => None,
        })
        .collect();
    let namespaces_denied = denied.iter().any(|(k, _)| *k == Kind::Namespace);
    let mut lines = Vec::new();
    if let Some(fatal) = &state.fatal {
        lines.push(Line::from(Span::styled(
            format!(
                "Not connected: {}. Check the kubeconfig context and that the API server \
                 answers; {} tries again.",
                sanitize(fatal),
                first_key(ctx, crate::config::KeyAction::Refresh)
            ),
            theme.style("ui.warning"),
        )));
    } else if namespaces_denied {
        let why: Vec<String> = denied
            .iter()
            .filter(|(k, _)| matches!(k, Kind::Namespace | Kind::Pod | Kind::ResourceQuota))
            .map(|(k, _)| format!("cannot list {} cluster-wide", kind_plural(*k)))
            .collect();
        lines.push(Line::from(Span::styled(
            format!(
                "You can see no tenant: {}; {}.",
                why.join(", "),
                sanitize(&state.inventory.no_tenant_advice())
            ),
            theme.style("ui.warning"),
        )));
    } else {
        let visible = state.inventory.namespaces().count();
        lines.push(Line::from(Span::styled(
            format!(
                "No tenant found: none of the {} you can see is claimed by a resolver ({}).",
                plural(visible, "namespace", "namespaces"),
                state
                    .tenancy
                    .resolvers
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            theme.style("ui.warning"),
        )));
        lines.push(Line::from(Span::styled(
            "Label a namespace tenantry.dev/tenant=NAME, or name tenants in config.yaml.",
            theme.style("ui.dim"),
        )));
    }
    if !denied.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            "What the cluster refused:",
            theme.style("ui.header"),
        )));
        for (kind, sync) in Kind::ALL
            .into_iter()
            .map(|k| (k, state.inventory.kind_state(k)))
            .filter(|(_, s)| !s.is_synced())
        {
            let line = kind_line(kind, &sync, theme);
            lines.push(super::fit_line(line.spans, usize::from(area.width) - 2));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inset(area, 1), buf);
}

/// One phrase per cluster of a fleet: how it answers, and how many
/// tenants it has ("prod 120 tenants", "staging unreachable since
/// 10:02:03", "dev loading…").
fn cluster_phrases(state: &crate::app::State) -> Vec<(String, bool)> {
    state
        .clusters
        .iter()
        .map(|c| {
            let name = sanitize(&c.identity.context).into_owned();
            match c.unreachable() {
                Some(why) => (format!("{name} {}", sanitize(&why)), true),
                None if c.loading() => (format!("{name} loading…"), false),
                None => (
                    format!("{name} {}", plural(c.rows.len(), "tenant", "tenants")),
                    false,
                ),
            }
        })
        .collect()
}

/// A fleet with no tenant to list: each cluster, and why.
fn fleet_nothing(ctx: Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let Ctx { theme, .. } = ctx;
    let mut lines = vec![
        Line::from(Span::styled(
            "No tenant in any cluster:",
            theme.style("ui.warning"),
        )),
        Line::raw(""),
    ];
    for (phrase, bad) in cluster_phrases(ctx.state) {
        let style = if bad {
            theme.style("ui.warning")
        } else {
            theme.style("ui.text")
        };
        lines.push(Line::from(Span::styled(format!(" {phrase}"), style)));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inset(area, 1), buf);
}

/// Unassigned namespaces and resolver conflicts, always in view; in a
/// fleet, each cluster and whether it answers.
fn footer_line(ctx: Ctx<'_>, area: Rect, buf: &mut Buffer) {
    let Ctx { state, theme, .. } = ctx;
    if state.is_fleet() {
        let dim = theme.style("ui.dim");
        let mut spans = vec![Span::styled(" clusters: ", dim)];
        for (i, (phrase, bad)) in cluster_phrases(state).into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" · ", dim));
            }
            spans.push(Span::styled(
                phrase,
                if bad { theme.style("ui.warning") } else { dim },
            ));
        }
        buf.set_line(
            area.x,
            area.y,
            &super::fit_line(spans, usize::from(area.width)),
            area.width,
        );
        return;
    }
    let res = &state.resolution;
    let dim = theme.style("ui.dim");
    let mut spans = vec![Span::raw(" ")];
    let orphans = &res.unassigned;
    if orphans.is_empty() && res.system.is_empty() && res.tenants.is_empty() {
        spans.push(Span::styled("no namespace visible", dim));
    } else if orphans.is_empty() {
        spans.push(Span::styled("every visible namespace is in a tenant", dim));
    } else {
        // Real orphans first; the cluster's own namespaces (config.yaml
        // `system_namespaces:`) are a group of their own, so they never
        // hide one.
        let names: Vec<String> = orphans
            .iter()
            .take(4)
            .map(|n| sanitize(n).into_owned())
            .collect();
        let more = if orphans.len() > names.len() {
            format!(", +{}", orphans.len() - names.len())
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!(
                "{} in no tenant ({}{more})",
                plural(orphans.len(), "namespace", "namespaces"),
                names.join(", ")
            ),
            theme.style("ui.warning"),
        ));
    }
    if !res.system.is_empty() {
        spans.push(Span::styled(
            format!(" · system: {}", res.system.len()),
            dim,
        ));
    }
    spans.push(Span::styled(" · ", dim));
    if res.conflicts.is_empty() {
        spans.push(Span::styled("no conflicts", dim));
    } else {
        spans.push(Span::styled(
            format!(
                "!{}: {}",
                plural(res.conflicts.len(), "conflict", "conflicts"),
                sanitize(&res.conflicts[0].message())
            ),
            theme.style("ui.warning"),
        ));
    }
    if let Some(origins) = origins_summary(state) {
        spans.push(Span::styled(format!(" · namespaces from {origins}"), dim));
    }
    buf.set_line(
        area.x,
        area.y,
        &super::fit_line(spans, usize::from(area.width)),
        area.width,
    );
}

/// Where the namespaces watched one by one came from, counted per kind of
/// origin (`context 1, Capsule tenant 2`), when namespaces cannot be
/// listed; `tenants -o json` has them per namespace.
fn origins_summary(state: &crate::app::State) -> Option<String> {
    if state.namespace_origins.is_empty()
        || state
            .inventory
            .sync_state(Kind::Namespace, &crate::model::Scope::Cluster)
            .is_some_and(SyncState::is_synced)
    {
        return None;
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for origins in state.namespace_origins.values() {
        for origin in origins {
            let kind = ["Capsule tenant", "role binding"]
                .into_iter()
                .find(|k| origin.starts_with(k))
                .map_or(origin.as_str(), |k| k);
            match counts.iter_mut().find(|(k, _)| k == kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((kind.to_string(), 1)),
            }
        }
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, n)| format!("{} {n}", sanitize(kind)))
        .collect();
    Some(parts.join(", "))
}

#[cfg(test)]
pub(crate) fn visible_window(state: &State, height: usize) -> (usize, usize) {
    let offset = list_offset(state.list.selected, state.visible.len(), height);
    (offset, (offset + height).min(state.visible.len()))
}
