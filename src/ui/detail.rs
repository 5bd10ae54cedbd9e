//! The tenant detail: a tab bar over one scrollable tab body.

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::text::{sanitize, thousands};
use super::{Ctx, clamp_scroll, network, overview, policy, qos, quota, rbac};
use crate::app::copy::{LineTarget, Target, has_cursor};
use crate::app::{DetailData, State, Tab};
use crate::config::{KeyAction, KeyContext};
use crate::model::TenantId;

pub struct DetailView<'a> {
    pub ctx: Ctx<'a>,
    pub tenant: &'a TenantId,
    pub tab: Tab,
}

/// A tab body as parts whose lines are built only when on screen, with
/// what some of its lines copy (`c`) when the cursor is on them.
pub(crate) struct Body<'a> {
    parts: Vec<Part<'a>>,
    targets: Vec<LineTarget>,
}

type LinesFn<'a> = Box<dyn Fn(Range<usize>) -> Vec<Line<'a>> + 'a>;

enum Part<'a> {
    Lines(Vec<Line<'a>>),
    Lazy { len: usize, lines: LinesFn<'a> },
}

impl<'a> Body<'a> {
    pub(crate) fn new() -> Self {
        Body {
            parts: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// Lines that stand for one thing `c` copies (a check, a who-can
    /// answer).
    pub(crate) fn tagged(&mut self, target: Target, lines: impl IntoIterator<Item = Line<'a>>) {
        for line in lines {
            self.line_for(line, Some(target));
        }
    }

    /// A line, tagged or not; consecutive lines of one target make one
    /// range.
    fn line_for(&mut self, line: Line<'a>, target: Option<Target>) {
        let at = self.len();
        self.line(line);
        let Some(target) = target else { return };
        match self.targets.last_mut() {
            Some(last) if last.target == target && last.lines.end == at => last.lines.end = at + 1,
            _ => self.targets.push(LineTarget {
                lines: at..at + 1,
                target,
            }),
        }
    }

    /// What line `i` copies.
    fn target_of(&self, i: usize) -> Option<Target> {
        self.targets
            .iter()
            .find(|t| t.lines.contains(&i))
            .map(|t| t.target)
    }

    pub(crate) fn line(&mut self, line: impl Into<Line<'a>>) {
        match self.parts.last_mut() {
            Some(Part::Lines(lines)) => lines.push(line.into()),
            _ => self.parts.push(Part::Lines(vec![line.into()])),
        }
    }

    /// `len` lines, of which `lines(range)` builds the ones asked for.
    pub(crate) fn lazy(&mut self, len: usize, lines: impl Fn(Range<usize>) -> Vec<Line<'a>> + 'a) {
        if len > 0 {
            self.parts.push(Part::Lazy {
                len,
                lines: Box::new(lines),
            });
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lines(lines) => lines.len(),
                Part::Lazy { len, .. } => *len,
            })
            .sum()
    }

    /// Draws lines `offset..offset + area.height`.
    fn render(self, area: Rect, buf: &mut Buffer, offset: usize) {
        let end = offset + usize::from(area.height);
        let mut start = 0;
        let mut y = area.y;
        for part in self.parts {
            let len = match &part {
                Part::Lines(lines) => lines.len(),
                Part::Lazy { len, .. } => *len,
            };
            let (lo, hi) = (offset.max(start), end.min(start + len));
            if lo < hi {
                let range = lo - start..hi - start;
                let lines = match part {
                    Part::Lines(mut lines) => lines.drain(range).collect(),
                    Part::Lazy { lines, .. } => lines(range),
                };
                for line in lines {
                    buf.set_line(area.x, y, &line, area.width);
                    y += 1;
                }
            }
            start += len;
            if start >= end {
                break;
            }
        }
    }
}

/// The tab's body; with a filter (`/`), only its lines that contain the
/// text (case-insensitively), under a line that says so.
fn body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, tab: Tab, width: u16) -> Body<'a> {
    let whole = tab_body(ctx, detail, tab, width);
    let filter = ctx.state.active_detail_filter().to_lowercase();
    if filter.is_empty() {
        return whole;
    }
    // Every line is built to be searched: a filter is typed on a tab a
    // person reads, not on the largest lists.
    let total = whole.len();
    let targets: Vec<Option<Target>> = (0..total).map(|i| whole.target_of(i)).collect();
    let kept: Vec<(Line<'a>, Option<Target>)> = whole
        .parts
        .into_iter()
        .flat_map(|part| match part {
            Part::Lines(lines) => lines,
            Part::Lazy { len, lines } => lines(0..len),
        })
        .zip(targets)
        .filter(|(line, _)| {
            line.spans
                .iter()
                .map(|span| span.content.as_ref())
                .collect::<String>()
                .to_lowercase()
                .contains(&filter)
        })
        .collect();
    let clear = ctx
        .keymap
        .keys_for(KeyContext::Detail, KeyAction::Back)
        .first()
        .map(ToString::to_string)
        .unwrap_or_else(|| KeyAction::Back.name());
    let mut body = Body::new();
    body.line(Line::from(Span::styled(
        format!(
            " filter {:?}: {} of {} lines ({clear} clears it)",
            sanitize(&filter),
            thousands(kept.len()),
            thousands(total)
        ),
        ctx.theme.style("ui.filter"),
    )));
    for (line, target) in kept {
        body.line_for(line, target);
    }
    body
}

fn tab_body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, tab: Tab, width: u16) -> Body<'a> {
    match tab {
        Tab::Overview => overview::body(ctx, detail, width),
        Tab::Quota => quota::body(ctx, detail, width),
        Tab::Qos => qos::body(ctx, detail, width),
        Tab::Policy => policy::body(ctx, detail, width),
        Tab::Rbac => rbac::body(ctx, detail, width),
        Tab::Network => network::body(ctx, detail, width),
    }
}

/// Lines in the current tab's body, so a caller can clamp
/// `detail_selected`; `None` outside the detail or when the tenant is gone.
pub fn tab_line_count(ctx: Ctx<'_>, width: u16) -> Option<usize> {
    let crate::app::View::Detail { tab, .. } = &ctx.state.view else {
        return None;
    };
    let detail = ctx.state.detail.as_ref()?;
    Some(body(ctx, detail, *tab, width).len())
}

/// What the lines of the current tab copy (`c`), in a tab with a cursor
/// line; empty elsewhere.
pub fn tab_targets(ctx: Ctx<'_>, width: u16) -> Vec<LineTarget> {
    let crate::app::View::Detail { tab, .. } = &ctx.state.view else {
        return Vec::new();
    };
    let Some(detail) = ctx.state.detail.as_ref() else {
        return Vec::new();
    };
    if !has_cursor(*tab) {
        return Vec::new();
    }
    body(ctx, detail, *tab, width).targets
}

impl Widget for DetailView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Ctx { state, theme, .. } = self.ctx;
        if area.height < 2 {
            return;
        }
        let tabs = Rect::new(area.x, area.y, area.width, 1);
        let main = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
        let Some(detail) = state
            .detail
            .as_ref()
            .filter(|d| &d.tenant.id == self.tenant)
        else {
            tab_bar(self.ctx, self.tab, None, tabs, buf);
            let back = first_key(state, self.ctx.keymap, KeyAction::Back);
            // Lists being read again (`r`, a reconnect, a `v` switch): the
            // tenant is not gone, its cluster is not listed yet.
            let (text, style) = if state.clusters[state.focus()].loading() {
                (
                    format!(
                        " listing the cluster again; tenant {} shows once it is in",
                        sanitize(self.tenant.as_str())
                    ),
                    theme.style("ui.dim"),
                )
            } else {
                (
                    format!(
                        " tenant {} is no longer visible; {back} goes back",
                        sanitize(self.tenant.as_str())
                    ),
                    theme.style("ui.warning"),
                )
            };
            Paragraph::new(Line::from(Span::styled(text, style)))
                .wrap(Wrap { trim: false })
                .render(
                    Rect::new(
                        main.x,
                        main.y + 1,
                        main.width,
                        main.height.saturating_sub(1),
                    ),
                    buf,
                );
            return;
        };
        let body = body(self.ctx, detail, self.tab, main.width);
        let total = body.len();
        let height = usize::from(main.height);
        // A tab with a cursor line scrolls to keep it on screen, as the
        // tenants list does; the others scroll by `detail_selected`.
        let cursor =
            has_cursor(self.tab).then(|| state.detail_selected.min(total.saturating_sub(1)));
        let offset = match cursor {
            Some(cursor) => super::tenants::list_offset(cursor, total, height),
            None => clamp_scroll(state.detail_selected, total, height),
        };
        let window = (total > height).then(|| (offset, (offset + height).min(total), total));
        tab_bar(self.ctx, self.tab, window, tabs, buf);
        body.render(main, buf, offset);
        if let Some(cursor) = cursor.filter(|c| (offset..offset + height).contains(c)) {
            buf.set_style(
                Rect::new(main.x, main.y + (cursor - offset) as u16, main.width, 1),
                theme.style("ui.selection"),
            );
        }
    }
}

fn first_key(state: &State, keymap: &crate::config::Keymap, action: KeyAction) -> String {
    keymap
        .keys_for(super::key_context(state), action)
        .first()
        .map(ToString::to_string)
        .unwrap_or_else(|| action.name())
}

/// ` 1 Overview [2 Quota] 3 QoS …`: the active tab is bracketed as well as
/// styled, so it reads without colour. On the right, which lines are shown
/// when the body scrolls.
fn tab_bar(
    ctx: Ctx<'_>,
    active: Tab,
    window: Option<(usize, usize, usize)>,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    let mut spans = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let number = ctx
            .keymap
            .keys_for(KeyContext::Detail, KeyAction::Tab(i as u8 + 1))
            .first()
            .map(ToString::to_string)
            .unwrap_or_else(|| (i + 1).to_string());
        if *tab == active {
            spans.push(Span::styled(
                format!("[{number} {}]", tab.title()),
                theme.style("ui.tab.active"),
            ));
        } else {
            spans.push(Span::styled(
                format!(" {number} {} ", tab.title()),
                theme.style("ui.tab"),
            ));
        }
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    if let Some((from, to, total)) = window {
        let text = format!(
            "lines {}–{} of {} ",
            thousands(from + 1),
            thousands(to),
            thousands(total)
        );
        let w = super::text::width(&text) as u16;
        let used = Line::from(
            Tab::ALL
                .iter()
                .map(|t| Span::raw(format!(" 1 {} ", t.title())))
                .collect::<Vec<_>>(),
        )
        .width() as u16;
        if area.width > used + w {
            buf.set_line(
                area.right() - w,
                area.y,
                &Line::from(Span::styled(text, theme.style("ui.dim"))),
                w,
            );
        }
    }
}
