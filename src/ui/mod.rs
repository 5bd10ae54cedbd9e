//! Rendering: `&State` → a ratatui frame (ARCHITECTURE.md §2, §5, §8).
//!
//! Pure: no I/O, no blocking, no clock. Everything shown is read from
//! `State` (the derived rows and detail are precomputed by `State::refresh`);
//! only the rows that fit on screen are built, so a frame stays within the
//! 2 ms budget of §9 whatever the size of the cluster. Every string that
//! comes from the cluster goes through [`text::sanitize`].
//!
//! Screen: a title line, the body of the view, an optional message or input
//! line, and the status line.

mod detail;
mod form;
pub mod gauge;
mod help;
mod network;
mod overview;
mod picker;
mod policy;
mod qos;
mod quota;
mod rbac;
mod status;
mod tenants;
pub mod text;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::{Overlay, State, View};
use crate::config::{Keymap, Theme};

pub use detail::{DetailView, tab_line_count};
pub use help::{HelpPopup, InputLine};
pub use status::{StatusLine, TitleLine, sync_summary};
pub use tenants::{TenantsView, list_offset};

/// The smallest terminal the layout is designed for (ARCHITECTURE.md §8).
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// What every part of the screen reads.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub state: &'a State,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
}

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &State, theme: &Theme, keymap: &Keymap) {
    let area = frame.area();
    let ctx = Ctx {
        state,
        theme,
        keymap,
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        frame.render_widget(TooSmall { theme, area }, area);
        return;
    }
    let screen = ScreenLayout::new(area, state);
    let buf = frame.buffer_mut();
    buf.set_style(area, theme.style("ui.text"));

    TitleLine { ctx }.render(screen.title, buf);
    match &state.view {
        View::Tenants => TenantsView { ctx }.render(screen.body, buf),
        View::Detail { tenant, tab } => DetailView {
            ctx,
            tenant,
            tab: *tab,
        }
        .render(screen.body, buf),
    }
    if let Some(line) = screen.message {
        match &state.overlay {
            Some(Overlay::Input(input)) => {
                let cursor = InputLine { ctx, input }.draw(line, buf);
                frame.set_cursor_position(cursor);
            }
            _ => status::MessageLine { ctx }.render(line, frame.buffer_mut()),
        }
    }
    StatusLine { ctx }.render(screen.status, frame.buffer_mut());
    if let Some(flow) = &state.flow {
        form::FormPopup { ctx, flow }.render(area, frame.buffer_mut());
    }
    if let Some(picker) = &state.owner_picker {
        picker::OwnerPickerPopup { ctx, picker }.render(area, frame.buffer_mut());
    }
    if matches!(state.overlay, Some(Overlay::Help)) {
        HelpPopup { ctx }.render(area, frame.buffer_mut());
    }
}

/// How far what scrolls can scroll on a screen of `size`: the help when it
/// is open, else the detail's tab (`Action::ScrollLimit`).
pub fn scroll_limit(
    state: &State,
    theme: &Theme,
    keymap: &Keymap,
    size: (u16, u16),
) -> Option<usize> {
    if matches!(state.overlay, Some(Overlay::Help)) {
        let ctx = Ctx {
            state,
            theme,
            keymap,
        };
        return help::help_scroll_limit(ctx, size);
    }
    detail_max_scroll(state, theme, keymap, size)
}

/// How far the open tab can scroll on a screen of `size`: its length less
/// the rows it is shown in. None outside a tenant detail.
pub fn detail_max_scroll(
    state: &State,
    theme: &Theme,
    keymap: &Keymap,
    size: (u16, u16),
) -> Option<usize> {
    let area = Rect::new(0, 0, size.0, size.1);
    if size.0 < MIN_WIDTH || size.1 < MIN_HEIGHT {
        return None;
    }
    let ctx = Ctx {
        state,
        theme,
        keymap,
    };
    let screen = ScreenLayout::new(area, state);
    let total = tab_line_count(ctx, screen.body.width)?;
    // A cursor line goes down to the last line.
    if let View::Detail { tab, .. } = &state.view
        && crate::app::copy::has_cursor(*tab)
    {
        return Some(total.saturating_sub(1));
    }
    // The tab line takes one row of the body.
    Some(total.saturating_sub(usize::from(screen.body.height.saturating_sub(1))))
}

/// What the lines of the open tab copy on a screen of `size`
/// (`Action::DetailTargets`); empty outside a tab with a cursor line.
pub fn detail_targets(
    state: &State,
    theme: &Theme,
    keymap: &Keymap,
    size: (u16, u16),
) -> Vec<crate::app::copy::LineTarget> {
    if size.0 < MIN_WIDTH || size.1 < MIN_HEIGHT {
        return Vec::new();
    }
    let ctx = Ctx {
        state,
        theme,
        keymap,
    };
    let screen = ScreenLayout::new(Rect::new(0, 0, size.0, size.1), state);
    detail::tab_targets(ctx, screen.body.width)
}

/// Where each part of the screen goes; computed by hand (four stacked
/// rows) rather than with the constraint solver, which is the slowest part
/// of a frame.
struct ScreenLayout {
    title: Rect,
    body: Rect,
    message: Option<Rect>,
    status: Rect,
}

impl ScreenLayout {
    fn new(area: Rect, state: &State) -> Self {
        let has_message = matches!(state.overlay, Some(Overlay::Input(_)))
            || state.flow.is_some()
            || state.fatal.is_some()
            || state.message.is_some();
        let row = |y: u16| Rect::new(area.x, y, area.width, 1);
        let status = row(area.bottom() - 1);
        let message = has_message.then(|| row(area.bottom() - 2));
        let body_bottom = area.bottom() - 1 - u16::from(has_message);
        ScreenLayout {
            title: row(area.y),
            body: Rect::new(
                area.x,
                area.y + 1,
                area.width,
                body_bottom.saturating_sub(area.y + 1),
            ),
            message,
            status,
        }
    }
}

/// Which keymap context the state is in (decided by the app layer).
pub use crate::app::key_context;

/// The message shown instead of the screen below 80×24.
pub fn too_small_message(width: u16, height: u16) -> String {
    format!("tenantry needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {width}×{height}")
}

struct TooSmall<'a> {
    theme: &'a Theme,
    area: Rect,
}

impl Widget for TooSmall<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let message = too_small_message(self.area.width, self.area.height);
        let lines = if area.width == 0 {
            1
        } else {
            (text::width(&message) as u16).div_ceil(area.width)
        };
        let y = area.y + area.height.saturating_sub(lines) / 2;
        let rect = Rect::new(area.x, y, area.width, lines.min(area.height));
        Paragraph::new(Line::from(message))
            .style(self.theme.style("ui.warning"))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(rect, buf);
    }
}

/// A `width`×`height` rectangle in the middle of `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width.min(area.width),
        height.min(area.height),
    )
}

/// A popup's frame: `popup` cleared, bordered in the focus style with
/// `title`; returns the inside.
pub(crate) fn framed(popup: Rect, title: String, theme: &Theme, buf: &mut Buffer) -> Rect {
    use ratatui::widgets::{Block, Borders, Clear};
    Clear.render(popup, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style("ui.border.focus"))
        .title(Span::styled(title, theme.style("ui.title")));
    let inner = block.inner(popup);
    block.render(popup, buf);
    inner
}

/// Cuts a line of spans to `max` cells, keeping each span's style and
/// ending with `…` where something was cut (instead of mid-word at the
/// edge).
pub(crate) fn fit_line(spans: Vec<Span<'_>>, max: usize) -> Line<'_> {
    let mut used = 0;
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let w = span.width();
        if used + w <= max {
            used += w;
            out.push(span);
            continue;
        }
        let room = max - used;
        if room > 0 {
            let cut = text::truncate(&span.content, room).into_owned();
            out.push(Span::styled(cut, span.style));
        }
        break;
    }
    Line::from(out)
}

/// The first line to show so that a body of `total` lines scrolled to
/// `wanted` never shows blank space below its end.
pub(crate) fn clamp_scroll(wanted: usize, total: usize, height: usize) -> usize {
    wanted.min(total.saturating_sub(height))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod cursor_tests;
