//! Overlays: the help popup (generated from the keymap) and the `/` filter
//! and `:` jump input line.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::text::{pad, sanitize, width};
use super::{Ctx, key_context};
use crate::app::{InputKind, InputState, Overlay};
use crate::config::KeyContext;

pub struct HelpPopup<'a> {
    pub ctx: Ctx<'a>,
}

/// How far the help scrolls: its items less the two columns of `rows` it
/// shows at once.
fn help_max_scroll(items: usize, rows: usize) -> usize {
    items.saturating_sub(rows * 2)
}

enum Item {
    Section(String),
    Entry(String, String),
    Blank,
}

/// What the help lists: the keys of the screen under it, the global keys
/// that work there, and the help's own.
fn items(ctx: Ctx<'_>) -> Vec<Item> {
    let Ctx { state, keymap, .. } = ctx;
    // The help is about the screen under it.
    let under = match (&state.overlay, &state.view) {
        (Some(Overlay::Help) | None, crate::app::View::Tenants) => KeyContext::List,
        (Some(Overlay::Help) | None, crate::app::View::Detail { .. }) => KeyContext::Detail,
        _ => key_context(state),
    };
    let mut items = vec![Item::Section(format!(
        "{} keys",
        match under {
            KeyContext::List => "Tenants list",
            KeyContext::Detail => "Tenant detail",
            other => other.name(),
        }
    ))];
    items.extend(
        keymap
            .help_entries(under)
            .into_iter()
            .map(|(k, d)| Item::Entry(k, d)),
    );
    // Only the global keys that work on the screen under the help, and
    // that it does not bind to something else itself.
    let global: Vec<Item> = keymap
        .bindings(KeyContext::Global)
        .iter()
        .filter(|b| b.action.handled_in(under))
        .filter_map(|b| {
            let keys: Vec<String> = b
                .keys
                .iter()
                .filter(|k| keymap.falls_back_to_global(under, **k))
                .map(ToString::to_string)
                .collect();
            (!keys.is_empty()).then(|| Item::Entry(keys.join(", "), b.description.clone()))
        })
        .collect();
    if !global.is_empty() {
        items.push(Item::Blank);
        items.push(Item::Section("Everywhere".into()));
        items.extend(global);
    }
    items.push(Item::Blank);
    items.push(Item::Section("In this help".into()));
    items.extend(
        keymap
            .help_entries(KeyContext::Help)
            .into_iter()
            .map(|(k, d)| Item::Entry(k, d)),
    );
    items
}

/// How far the help can scroll on a screen of `size` (None when it is not
/// open).
pub fn help_scroll_limit(ctx: Ctx<'_>, size: (u16, u16)) -> Option<usize> {
    matches!(ctx.state.overlay, Some(Overlay::Help))
        .then(|| help_max_scroll(items(ctx).len(), popup_rows(size.1)))
}

/// Rows inside the popup on a screen `height` rows high.
fn popup_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(4)).max(1)
}

impl Widget for HelpPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Ctx { state, theme, .. } = self.ctx;
        let mut items = items(self.ctx);
        let scroll = state
            .help_scroll
            .min(help_max_scroll(items.len(), popup_rows(area.height)));
        items.drain(..scroll);

        let popup_width = area.width.min(100);
        let popup_height = area.height.saturating_sub(2);
        let popup = super::centered(area, popup_width, popup_height);
        let inner = super::framed(popup, " Keys ".into(), theme, buf);
        if inner.height == 0 || inner.width < 4 {
            return;
        }

        // One column when it fits, else two, each as wide as its own keys
        // and descriptions need; the wider one gives way when both do not
        // fit.
        let rows = usize::from(inner.height);
        let shown = items.len().min(rows * 2);
        let columns: Vec<&[Item]> = items[..shown].chunks(rows).collect();
        let key_widths: Vec<usize> = columns
            .iter()
            .map(|col| {
                col.iter()
                    .filter_map(|i| match i {
                        Item::Entry(k, _) => Some(width(k)),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut widths: Vec<usize> = columns
            .iter()
            .zip(&key_widths)
            .map(|(col, key_width)| {
                col.iter()
                    .map(|i| match i {
                        Item::Entry(_, d) => key_width + 2 + width(d),
                        Item::Section(t) => 1 + width(t),
                        Item::Blank => 0,
                    })
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let available = usize::from(inner.width).saturating_sub(widths.len() - 1);
        while widths.iter().sum::<usize>() > available {
            let Some(widest) = widths.iter_mut().max() else {
                break;
            };
            *widest -= 1;
        }
        let mut x = inner.x;
        for ((col, key_width), col_width) in columns.iter().zip(&key_widths).zip(&widths) {
            for (row, item) in col.iter().enumerate() {
                let line = match item {
                    Item::Section(title) => {
                        Line::from(Span::styled(format!(" {title}"), theme.style("ui.header")))
                    }
                    Item::Entry(keys, description) => Line::from(vec![
                        Span::styled(
                            format!(" {} ", pad(keys, *key_width)),
                            theme.style("ui.help.key"),
                        ),
                        Span::raw(description.clone()),
                    ]),
                    Item::Blank => Line::raw(""),
                };
                let w = *col_width as u16;
                buf.set_line(
                    x,
                    inner.y + row as u16,
                    &super::fit_line(line.spans, *col_width),
                    w,
                );
            }
            x += *col_width as u16 + 1;
        }
        if shown < items.len() {
            let more = format!(" … {} more ", items.len() - shown);
            let w = width(&more) as u16;
            buf.set_line(
                popup.right().saturating_sub(w + 1),
                popup.bottom() - 1,
                &Line::from(Span::styled(more, theme.style("ui.dim"))),
                w,
            );
        }
    }
}

/// The `/filter` or `:jump` prompt, drawn above the status line.
pub struct InputLine<'a> {
    pub ctx: Ctx<'a>,
    pub input: &'a InputState,
}

impl InputLine<'_> {
    /// Draws the prompt and returns where the terminal cursor goes.
    pub fn draw(self, area: Rect, buf: &mut Buffer) -> Position {
        let theme = self.ctx.theme;
        let style = theme.style("ui.filter");
        let (prompt, label) = match self.input.kind {
            InputKind::Filter => ("/", "filter"),
            InputKind::Jump => (":", "jump to tenant or namespace"),
        };
        let text = sanitize(&self.input.text);
        // Keep the end of a long input (where the cursor is) in view.
        let room = usize::from(area.width).saturating_sub(2 + width(label) + 4);
        let mut shown: &str = &text;
        while width(shown) > room {
            let mut chars = shown.chars();
            chars.next();
            shown = chars.as_str();
        }
        let line = Line::from(vec![
            Span::styled(prompt, style),
            Span::styled(shown.to_string(), style),
        ]);
        buf.set_line(area.x, area.y, &line, area.width);
        let hint = format!(" {label} ");
        let hint_width = width(&hint) as u16;
        if area.width > hint_width {
            buf.set_line(
                area.right() - hint_width,
                area.y,
                &Line::from(Span::styled(hint, theme.style("ui.dim"))),
                hint_width,
            );
        }
        let x = (area.x + (1 + width(shown)) as u16).min(area.right().saturating_sub(1));
        // A visible block where the cursor is, for terminals (and
        // snapshots) that do not show the hardware cursor.
        if let Some(cell) = buf.cell_mut(Position::new(x, area.y)) {
            cell.set_style(style.add_modifier(Modifier::REVERSED));
        }
        Position::new(x, area.y)
    }
}
