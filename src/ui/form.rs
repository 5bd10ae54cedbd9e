//! The write flows drawn over the view: the form with its inline checks,
//! the server's dry-run as a field-by-field diff, a refusal, the progress
//! of the apply and its report.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::text::sanitize;
use super::{Ctx, clamp_scroll, fit_line};
use crate::app::form::{Field, Stage, WriteFlow};
use crate::config::{KeyAction, KeyContext};
use crate::model::write_plan::{PlanSummary, WriteError};

pub struct FormPopup<'a> {
    pub ctx: Ctx<'a>,
    pub flow: &'a WriteFlow,
}

/// The popup's place: the screen less a margin, between the title line and
/// the message line (kept visible: it says why Enter did nothing) and the
/// status line.
pub fn popup_area(area: Rect) -> Rect {
    let margin_x = if area.width >= 100 { 4 } else { 0 };
    Rect::new(
        area.x + margin_x,
        area.y + 1,
        area.width.saturating_sub(2 * margin_x),
        area.height.saturating_sub(3),
    )
}

impl Widget for FormPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.ctx.theme;
        let popup = popup_area(area);
        let inner = super::framed(
            popup,
            format!(" {} ", sanitize(&self.flow.kind.title())),
            theme,
            buf,
        );
        buf.set_style(inner, theme.style("ui.text"));
        if inner.height < 3 || inner.width < 20 {
            return;
        }
        let body = Rect::new(inner.x, inner.y, inner.width, inner.height - 1);
        let footer = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
        match &self.flow.stage {
            Stage::Editing => self.render_fields(body, buf),
            other => {
                let lines = self.stage_lines(other, body.width as usize);
                let top = clamp_scroll(self.flow.scroll, lines.len(), body.height as usize);
                Paragraph::new(lines.into_iter().skip(top).collect::<Vec<_>>()).render(body, buf);
            }
        }
        Paragraph::new(self.footer(footer.width as usize)).render(footer, buf);
    }
}

impl FormPopup<'_> {
    fn keys(&self, context: KeyContext, wanted: &[(KeyAction, &str)]) -> Vec<Span<'static>> {
        let theme = self.ctx.theme;
        let mut spans = Vec::new();
        for (action, label) in wanted {
            if let Some(key) = self.ctx.keymap.keys_for(context, *action).first() {
                if !spans.is_empty() {
                    spans.push(Span::raw("  "));
                }
                spans.push(Span::styled(key.to_string(), theme.style("ui.help.key")));
                spans.push(Span::raw(format!(" {label}")));
            }
        }
        spans
    }

    fn footer(&self, width: usize) -> Line<'static> {
        let spans = match &self.flow.stage {
            Stage::Editing => self.keys(
                KeyContext::Input,
                &[
                    (KeyAction::Submit, "preview (dry run)"),
                    (KeyAction::NextField, "next field"),
                    (KeyAction::PrevField, "previous"),
                    (KeyAction::Cancel, "cancel"),
                ],
            ),
            Stage::Checking => self.keys(KeyContext::Confirm, &[(KeyAction::Cancel, "back")]),
            Stage::Preview(_) => self.keys(
                KeyContext::Confirm,
                &[
                    (KeyAction::Confirm, "apply"),
                    (KeyAction::Cancel, "back to the form"),
                    (KeyAction::MoveDown, "scroll"),
                ],
            ),
            Stage::Refused { error, .. } => {
                let mut wanted = Vec::new();
                if matches!(error, WriteError::Conflict { .. }) {
                    wanted.push((KeyAction::Force, "take the fields over (force)"));
                }
                wanted.push((KeyAction::Cancel, "back to the form"));
                self.keys(KeyContext::Confirm, &wanted)
            }
            Stage::Applying { .. } => vec![Span::raw("applying…")],
            Stage::Finished(_) => self.keys(
                KeyContext::Confirm,
                &[
                    (KeyAction::Submit, "close"),
                    (KeyAction::MoveDown, "scroll"),
                ],
            ),
        };
        fit_line(spans, width)
    }

    fn render_fields(&self, area: Rect, buf: &mut Buffer) {
        let theme = self.ctx.theme;
        let flow = self.flow;
        let label_width = flow
            .fields
            .iter()
            .map(|f| super::text::width(&f.label))
            .max()
            .unwrap_or(8)
            .clamp(8, 22);
        let input_x = area.x + label_width as u16 + 3;
        let input_width = (area.width * 2 / 5)
            .clamp(16, 40)
            .min(area.width.saturating_sub(label_width as u16 + 4));
        let hint_x = input_x + input_width + 2;
        // Rows: one per field, plus its problem's lines.
        let problems: Vec<Vec<(u16, String)>> = flow
            .fields
            .iter()
            .map(|f| problem_lines(f, flow.submitted, input_x, area))
            .collect();
        let heights: Vec<u16> = problems.iter().map(|p| 1 + p.len() as u16).collect();
        let extra: Vec<(String, Style)> = flow
            .notes
            .iter()
            .map(|n| (sanitize(n).into_owned(), theme.style("ui.dim")))
            .chain(
                flow.warnings
                    .iter()
                    .map(|w| (format!("! {}", sanitize(w)), theme.style("ui.warning"))),
            )
            .take(2)
            .collect();
        let available = area.height.saturating_sub(extra.len() as u16);
        // Scroll so the focused field is visible.
        let mut first = 0;
        while first < flow.focus && heights[first..=flow.focus].iter().sum::<u16>() > available {
            first += 1;
        }
        let mut y = area.y;
        for (i, field) in flow.fields.iter().enumerate().skip(first) {
            if y + heights[i] > area.y + available {
                break;
            }
            let focused = i == flow.focus;
            let marker = if focused { "▶ " } else { "  " };
            let label_style = if focused {
                theme.style("ui.border.focus").add_modifier(Modifier::BOLD)
            } else {
                theme.style("ui.text")
            };
            buf.set_line(
                area.x,
                y,
                &Line::from(vec![
                    Span::styled(marker, label_style),
                    Span::styled(
                        super::text::truncate(&field.label, label_width).into_owned(),
                        label_style,
                    ),
                ]),
                label_width as u16 + 2,
            );
            render_input(
                self.ctx,
                field,
                focused,
                Rect::new(input_x, y, input_width, 1),
                buf,
            );
            if hint_x + 4 < area.right() {
                let hint_width = (area.right() - hint_x) as usize;
                buf.set_line(
                    hint_x,
                    y,
                    &fit_line(
                        vec![Span::styled(
                            sanitize(&field.hint).into_owned(),
                            theme.style("ui.dim"),
                        )],
                        hint_width,
                    ),
                    hint_width as u16,
                );
            }
            y += 1;
            if let Some(problem) = field.visible_problem(flow.submitted) {
                let style = if problem.blocking {
                    theme.style("result.fail")
                } else {
                    theme.style("ui.warning")
                };
                for (x, text) in &problems[i] {
                    let width = (area.right() - x) as usize;
                    buf.set_line(
                        *x,
                        y,
                        &fit_line(vec![Span::styled(text.clone(), style)], width),
                        width as u16,
                    );
                    y += 1;
                }
            }
        }
        for (wy, (line, style)) in (area.y + available..).zip(extra) {
            buf.set_line(
                area.x,
                wy,
                &fit_line(vec![Span::styled(line, style)], area.width as usize),
                area.width,
            );
        }
    }

    fn stage_lines(&self, stage: &Stage, width: usize) -> Vec<Line<'static>> {
        let theme = self.ctx.theme;
        let dim = theme.style("ui.dim");
        let mut lines: Vec<Line<'static>> = Vec::new();
        let text = |s: String, style: Style| Line::from(Span::styled(s, style));
        match stage {
            Stage::Editing => {}
            Stage::Checking => {
                lines.push(text(
                    format!(
                        "Asking the server for a dry run of {} objects (dryRun=All)…",
                        self.flow.objects.len()
                    ),
                    theme.style("ui.text"),
                ));
            }
            Stage::Preview(preview) => {
                if preview.changed_since_confirm {
                    lines.push(text(
                        "The cluster changed since the preview; this is what applying does now:"
                            .into(),
                        theme.style("ui.warning"),
                    ));
                }
                let (create, change, same) = count_verbs(&preview.plan);
                lines.push(text(
                    format!(
                        "The server's dry run: {create} to create, {change} to change, {same} unchanged."
                    ),
                    theme.style("ui.header"),
                ));
                lines.push(text("Nothing is written until you confirm.".into(), dim));
                for warning in &self.flow.warnings {
                    lines.push(text(
                        format!("! {}", sanitize(warning)),
                        theme.style("ui.warning"),
                    ));
                }
                if !self.flow.marks.is_empty() {
                    lines.push(text(
                        format!(
                            "▲ {} marked: outside the tenant (as the template declares) or granting privileges.",
                            crate::app::objects_count(self.flow.marks.len())
                        ),
                        theme.style("ui.warning"),
                    ));
                }
                for plan in &preview.plan {
                    // The marks go right under the object's own line.
                    let mut object = plan_lines(self.ctx, plan, width);
                    let at = object.len().min(1);
                    object.splice(at..at, mark_lines(self.ctx, &self.flow.marks, plan, width));
                    lines.extend(object);
                }
            }
            Stage::Refused { object, error } => {
                let headline = if error.refused_locally() {
                    "tenantry refused the write: nothing was sent."
                } else {
                    "The server refused the dry run: nothing was written."
                };
                lines.push(text(headline.into(), theme.style("result.fail")));
                lines.push(text(
                    sanitize(object).into_owned(),
                    theme.style("ui.header"),
                ));
                match error {
                    WriteError::Conflict { fields, .. } => {
                        lines.push(text(
                            "These fields are owned by another field manager:".into(),
                            theme.style("ui.text"),
                        ));
                        for (field, manager) in fields {
                            lines.push(text(
                                format!("  {}  (owned by {})", sanitize(field), sanitize(manager)),
                                theme.style("ui.warning"),
                            ));
                        }
                        lines.push(text(
                            "Applying anyway takes them over from that manager.".into(),
                            dim,
                        ));
                    }
                    other => lines.extend(wrap(&other.to_string(), width, theme.style("ui.text"))),
                }
            }
            Stage::Applying { done, total } => {
                lines.push(text(
                    format!("Applying {} of {total}…", done.len() + 1),
                    theme.style("ui.header"),
                ));
                for object in done {
                    lines.push(text(
                        format!("applied  {}", sanitize(object)),
                        theme.style("result.pass"),
                    ));
                }
            }
            Stage::Finished(report) => {
                match &report.failed {
                    None => lines.push(text(
                        format!(
                            "Applied {}.",
                            crate::app::objects_count(report.applied.len())
                        ),
                        theme.style("result.pass"),
                    )),
                    Some((object, error)) => {
                        lines.push(text(
                            format!("Failed at {}:", sanitize(&object.to_string())),
                            theme.style("result.fail"),
                        ));
                        lines.extend(wrap(&error.to_string(), width, theme.style("ui.text")));
                        lines.push(text(
                            "Running the same write again completes it; what was applied stays as it is."
                                .into(),
                            theme.style("ui.warning"),
                        ));
                    }
                }
                for object in &report.applied {
                    lines.push(text(
                        format!("applied      {}", sanitize(&object.to_string())),
                        theme.style("result.pass"),
                    ));
                }
                for object in &report.not_applied {
                    lines.push(text(
                        format!("not applied  {}", sanitize(&object.to_string())),
                        theme.style("result.fail"),
                    ));
                }
            }
        }
        lines
            .into_iter()
            .map(|l| fit_line(l.spans, width))
            .collect()
    }
}

/// Where a field's problem goes: a caret under the bad character with the
/// message after it when it fits, else the caret alone and the message
/// wrapped below, from the input's column.
fn problem_lines(field: &Field, submitted: bool, input_x: u16, area: Rect) -> Vec<(u16, String)> {
    let Some(problem) = field.visible_problem(submitted) else {
        return Vec::new();
    };
    let message = sanitize(&problem.message).into_owned();
    let room = usize::from(area.right().saturating_sub(input_x)).max(10);
    let wrapped = |text: &str| -> Vec<(u16, String)> {
        wrap(text, room, Style::default())
            .into_iter()
            .take(2)
            .map(|l| {
                (
                    input_x,
                    l.spans.iter().map(|s| s.content.as_ref()).collect(),
                )
            })
            .collect()
    };
    match problem.position {
        Some(p) => {
            let offset = field.area.lines().first().map_or(0, |l| {
                super::text::width(&l.chars().take(p).collect::<String>())
            });
            let x = (input_x + offset as u16).min(area.right().saturating_sub(2));
            let line = format!("^ {message}");
            if super::text::width(&line) <= usize::from(area.right() - x) {
                vec![(x, line)]
            } else {
                let mut lines = vec![(x, "^".to_string())];
                lines.extend(wrapped(&message));
                lines
            }
        }
        None => wrapped(&format!(
            "{} {message}",
            if problem.blocking { "✗" } else { "!" }
        )),
    }
}

/// The marks of one object of the plan, under it: `▲ outside tenant …`.
fn mark_lines(
    ctx: Ctx<'_>,
    marks: &[crate::model::reach::ObjectMark],
    plan: &PlanSummary,
    width: usize,
) -> Vec<Line<'static>> {
    let r = &plan.reference;
    let style = ctx.theme.style("ui.warning");
    marks
        .iter()
        .filter(|m| m.is_for(&r.kind, r.namespace.as_deref(), &r.name))
        .flat_map(|m| m.marks.iter())
        .flat_map(|mark| {
            wrap(
                &format!("▲ {}", sanitize(mark)),
                width.saturating_sub(4).max(10),
                style,
            )
        })
        .map(|line| {
            let mut spans = vec![Span::raw("    ")];
            spans.extend(line.spans);
            Line::from(spans)
        })
        .collect()
}

fn count_verbs(plan: &[PlanSummary]) -> (usize, usize, usize) {
    let count = |verb: &str| plan.iter().filter(|p| p.verb() == verb).count();
    (count("create"), count("change"), count("unchanged"))
}

/// One object of the plan: its verb and name, then for changed objects
/// each field as `before → after`, for new ones how many fields.
fn plan_lines(ctx: Ctx<'_>, plan: &PlanSummary, width: usize) -> Vec<Line<'static>> {
    let theme = ctx.theme;
    let verb = plan.verb();
    let style = match verb {
        "create" => theme.style("result.pass"),
        "change" => theme.style("ui.warning"),
        _ => theme.style("ui.dim"),
    };
    let mut header = vec![
        Span::styled(format!("{verb:<10}"), style),
        Span::raw(sanitize(&plan.reference.to_string()).into_owned()),
    ];
    if !plan.checked {
        header.push(Span::styled(
            "  (dry-run once its namespace exists)".to_string(),
            theme.style("ui.dim"),
        ));
    }
    let mut lines = vec![Line::from(header)];
    for warning in &plan.warnings {
        let text = format!("! the server warns: {warning}");
        for line in wrap(
            &text,
            width.saturating_sub(4).max(10),
            theme.style("ui.warning"),
        ) {
            let mut spans = vec![Span::raw("    ")];
            spans.extend(line.spans);
            lines.push(Line::from(spans));
        }
    }
    let show = |v: &Option<serde_json::Value>| {
        v.as_ref().map_or("(none)".to_string(), |v| {
            sanitize(&v.to_string()).into_owned()
        })
    };
    if plan.exists {
        for change in &plan.changes {
            let line = Line::from(vec![
                Span::raw(format!("    {}: ", sanitize(&change.path))),
                Span::styled(show(&change.before), theme.style("result.fail")),
                Span::raw(" → "),
                Span::styled(show(&change.after), theme.style("result.pass")),
            ]);
            push_whole(&mut lines, line, width);
        }
    } else {
        // The rendered object, field by field (its identity is in the
        // header already).
        for change in plan.changes.iter().filter(|c| {
            !matches!(
                c.path.as_str(),
                ".apiVersion" | ".kind" | ".metadata.name" | ".metadata.namespace"
            )
        }) {
            let line = Line::from(vec![
                Span::raw(format!("    + {}: ", sanitize(&change.path))),
                Span::styled(show(&change.after), theme.style("result.pass")),
            ]);
            push_whole(&mut lines, line, width);
        }
    }
    lines
}

/// A preview line as it is when it fits; else wrapped whole under itself
/// (the preview scrolls: a value is never cut before the confirm).
fn push_whole(lines: &mut Vec<Line<'static>>, line: Line<'static>, width: usize) {
    if line.width() <= width {
        lines.push(line);
        return;
    }
    // Cut by characters, not words: a JSON value is often one long word,
    // and a word-wrapper would shorten it.
    let text: Vec<char> = line.spans.iter().flat_map(|s| s.content.chars()).collect();
    let style = line.spans.last().map(|s| s.style).unwrap_or_default();
    let first = width.max(1);
    let rest = width.saturating_sub(6).max(1);
    lines.push(Line::from(Span::styled(
        text[..first.min(text.len())].iter().collect::<String>(),
        style,
    )));
    for chunk in text.get(first..).unwrap_or_default().chunks(rest) {
        lines.push(Line::from(Span::styled(
            format!("      {}", chunk.iter().collect::<String>()),
            style,
        )));
    }
}

fn wrap(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    let clean = sanitize(text).into_owned();
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in clean.split(' ') {
        if !current.is_empty()
            && super::text::width(&current) + 1 + super::text::width(word) > width
        {
            lines.push(Line::from(Span::styled(
                std::mem::take(&mut current),
                style,
            )));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(Line::from(Span::styled(current, style)));
    }
    lines
}

/// A field's text box: the ratatui-textarea widget, its cursor shown only
/// when focused.
fn render_input(ctx: Ctx<'_>, field: &Field, focused: bool, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let mut text_area = field.area.clone();
    let base = theme.style("ui.filter").add_modifier(Modifier::UNDERLINED);
    text_area.set_style(base);
    text_area.set_cursor_line_style(base);
    text_area.set_cursor_style(if focused {
        base.add_modifier(Modifier::REVERSED)
    } else {
        base
    });
    buf.set_style(area, base);
    text_area.render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_preview_value_is_wrapped_whole_never_cut() {
        let value = format!("\"{}\"", "x".repeat(150));
        let line = Line::from(vec![
            Span::raw("    + .data.note: "),
            Span::raw(value.clone()),
        ]);
        let mut lines = Vec::new();
        push_whole(&mut lines, line, 80);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width() <= 80));
        let text: String = lines
            .iter()
            .flat_map(|l| l.spans.iter().map(|s| s.content.trim_start().to_string()))
            .collect();
        assert!(text.contains(&value), "{text}");
        // A line that fits is left as it is, styles and all.
        let mut lines = Vec::new();
        push_whole(&mut lines, Line::from(Span::raw("    + .spec: 1")), 80);
        assert_eq!(lines, vec![Line::from(Span::raw("    + .spec: 1"))]);
    }
}
