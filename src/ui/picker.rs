//! The list of owners `v` opens on a tenant with several: each owner's
//! name and kind, the chosen one highlighted, the keys to choose or cancel
//! at the bottom (from the keymap).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::Ctx;
use super::tenants::list_offset;
use super::text::{pad, sanitize, truncate, width};
use crate::app::view_as::OwnerPicker;
use crate::config::{KeyAction, KeyContext};

pub struct OwnerPickerPopup<'a> {
    pub ctx: Ctx<'a>,
    pub picker: &'a OwnerPicker,
}

/// Cells of the kind column ("ServiceAccount").
const KIND_WIDTH: usize = 14;

impl Widget for OwnerPickerPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Ctx { theme, keymap, .. } = self.ctx;
        let picker = self.picker;
        let labels: Vec<String> = picker
            .owners
            .iter()
            .map(|o| sanitize(&o.label).into_owned())
            .collect();
        let title = format!(" View {} as… ", sanitize(&picker.tenant));
        let longest = labels.iter().map(|l| width(l)).max().unwrap_or(0);
        // Name, two cells, kind; the borders and a margin either side.
        let wanted = (longest + 2 + KIND_WIDTH + 4)
            .max(width(&title) + 4)
            .max(36);
        let popup_width = (wanted as u16).min(area.width.saturating_sub(4));
        // The owners, a blank line and the keys; at most the screen less
        // the title and status lines.
        let rows = picker.owners.len() as u16;
        let popup_height = (rows + 4).min(area.height.saturating_sub(4));
        if popup_width < 20 || popup_height < 5 {
            return;
        }
        let popup = super::centered(area, popup_width, popup_height);
        let inner = super::framed(popup, title, theme, buf);
        buf.set_style(inner, theme.style("ui.text"));
        let list_height = usize::from(inner.height.saturating_sub(2));
        let inner_width = usize::from(inner.width);
        let name_width = inner_width.saturating_sub(KIND_WIDTH + 3);
        let offset = list_offset(picker.selected, picker.owners.len(), list_height);
        for (i, (owner, label)) in picker
            .owners
            .iter()
            .zip(&labels)
            .enumerate()
            .skip(offset)
            .take(list_height)
        {
            let y = inner.y + (i - offset) as u16;
            let line = Line::from(vec![
                Span::raw(format!(
                    " {} ",
                    pad(&truncate(label, name_width), name_width)
                )),
                Span::styled(owner.kind(), theme.style("ui.dim")),
            ]);
            buf.set_line(inner.x, y, &line, inner.width);
            if i == picker.selected {
                buf.set_style(
                    Rect::new(inner.x, y, inner.width, 1),
                    theme.style("ui.selection"),
                );
            }
        }
        let key = |action: KeyAction| {
            keymap
                .keys_for(KeyContext::Picker, action)
                .first()
                .map(ToString::to_string)
                .unwrap_or_else(|| action.name())
        };
        let hint = format!(
            " {} choose · {} cancel",
            key(KeyAction::Open),
            key(KeyAction::Cancel)
        );
        buf.set_line(
            inner.x,
            inner.bottom() - 1,
            &Line::from(Span::styled(
                truncate(&hint, inner_width).into_owned(),
                theme.style("ui.dim"),
            )),
            inner.width,
        );
    }
}
