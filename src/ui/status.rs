//! The title line (top), the message line and the status line (bottom).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::text::{sanitize, thousands, truncate, width};
use super::{Ctx, key_context};
use crate::app::{SortKey, State, View};
use crate::config::{KeyAction, KeyContext, Keymap};
use crate::model::{Kind, SyncState};

/// Lower-case plural used in sentences: "syncing pods", "no access to
/// role bindings".
pub fn kind_plural(kind: Kind) -> &'static str {
    kind.plural()
}

/// One phrase for the status line: "checking access…", "reconnecting
/// since 12:03:04: namespaces, pods", "syncing pods 1,500…", "synced",
/// "synced, partial access", "sync failed: pods".
pub fn sync_summary(state: &State) -> String {
    if state.is_fleet() && matches!(state.view, View::Tenants) {
        return fleet_summary(state);
    }
    if state.fatal.is_some() {
        return "not connected".into();
    }
    if !state.planned {
        return "checking access…".into();
    }
    // Lost watches come first: until they list again, what is shown may be
    // stale, whatever else is true.
    let reconnecting: Vec<(Kind, &str)> = Kind::ALL
        .into_iter()
        .filter_map(|kind| {
            state
                .inventory
                .kind_reconnecting(kind)
                .map(|r| (kind, r.since.as_str()))
        })
        .collect();
    if let Some(since) = reconnecting.iter().map(|(_, since)| *since).min() {
        let kinds: Vec<&str> = reconnecting
            .iter()
            .map(|(kind, _)| kind_plural(*kind))
            .collect();
        return format!(
            "reconnecting since {}: {}",
            sanitize(since),
            crate::model::checks::list(&kinds)
        );
    }
    let mut loading: Vec<(Kind, usize)> = Vec::new();
    let mut failed: Option<Kind> = None;
    let mut no_access = 0;
    for kind in Kind::ALL {
        match state.inventory.kind_state(kind) {
            SyncState::Loading { seen } => loading.push((kind, seen)),
            SyncState::Failed { .. } => failed = failed.or(Some(kind)),
            SyncState::NoAccess { .. } => no_access += 1,
            SyncState::Synced => {}
        }
    }
    if let Some((kind, seen)) = loading.iter().max_by_key(|(_, seen)| *seen).copied() {
        let more = if loading.len() > 1 {
            format!(" (+{})", loading.len() - 1)
        } else {
            String::new()
        };
        return if seen > 0 {
            format!("syncing {} {}…{more}", kind_plural(kind), thousands(seen))
        } else {
            format!("syncing {}…{more}", kind_plural(kind))
        };
    }
    if let Some(kind) = failed {
        return format!("sync failed: {}", kind_plural(kind));
    }
    let synced = if no_access == Kind::ALL.len() {
        "no access"
    } else if no_access > 0 {
        "synced, partial access"
    } else {
        "synced"
    };
    let mut out = match state.inventory.polled() {
        // Polled lists are current only to within their interval: say so.
        Some((lists, every)) if no_access < Kind::ALL.len() => {
            format!("{synced}; {lists} lists polled every {every} s")
        }
        _ => synced.to_string(),
    };
    // Admission probes run after the lists, a few at a time: at tier L
    // that takes minutes, and until then findings may still grow.
    let probing = state
        .probes
        .values()
        .filter(|p| matches!(p, crate::app::ProbeStatus::Running))
        .count();
    // Said in the list, whose findings column the probes fill; a tenant's
    // own view says it in its Policy tab.
    // Progress: tenants probed out of those to probe.
    if probing > 0 && matches!(state.view, View::Tenants) {
        out.push_str(&format!(
            ", probed {}/{}",
            thousands(state.probes.len() - probing),
            thousands(state.probes.len())
        ));
    }
    out
}

/// The fleet list's phrase: "synced", "syncing 1 of 3 clusters…", with
/// ", 1 unreachable" (the footer names them, and since when) and the
/// probes still running.
fn fleet_summary(state: &State) -> String {
    let total = state.clusters.len();
    let unreachable = state
        .clusters
        .iter()
        .filter(|c| c.unreachable().is_some())
        .count();
    let loading = state
        .clusters
        .iter()
        .filter(|c| c.unreachable().is_none() && c.loading())
        .count();
    let mut out = if unreachable == total {
        "not connected".to_string()
    } else if loading > 0 {
        format!("syncing {loading} of {total} clusters…")
    } else {
        "synced".to_string()
    };
    if unreachable > 0 && unreachable < total {
        out.push_str(&format!(", {unreachable} unreachable"));
    }
    let (probing, probes) = state.clusters.iter().fold((0, 0), |(running, all), c| {
        (
            running
                + c.probes
                    .values()
                    .filter(|p| matches!(p, crate::app::ProbeStatus::Running))
                    .count(),
            all + c.probes.len(),
        )
    });
    if probing > 0 {
        out.push_str(&format!(
            ", probed {}/{}",
            thousands(probes - probing),
            thousands(probes)
        ));
    }
    out
}

/// `? help  / filter  : jump  q quit`, from the keymap so it never
/// disagrees with the keys.
pub fn key_hint(keymap: &Keymap, context: KeyContext) -> String {
    let wanted: &[(KeyAction, &str)] = match context {
        KeyContext::List | KeyContext::Global => &[
            (KeyAction::Help, "help"),
            (KeyAction::Filter, "filter"),
            (KeyAction::Jump, "jump"),
            (KeyAction::CreateTenant, "new"),
            (KeyAction::Quit, "quit"),
        ],
        KeyContext::Detail => &[
            (KeyAction::Help, "help"),
            (KeyAction::NextTab, "next"),
            (KeyAction::Back, "back"),
            (KeyAction::Quit, "quit"),
        ],
        KeyContext::Filter => &[(KeyAction::Submit, "accept"), (KeyAction::Cancel, "cancel")],

        KeyContext::Help => &[(KeyAction::Back, "close")],
        KeyContext::Picker => &[(KeyAction::Open, "choose"), (KeyAction::Cancel, "cancel")],
        // The write's popup shows the keys of its stage.
        KeyContext::Input | KeyContext::Confirm => &[],
    };
    wanted
        .iter()
        .filter_map(|(action, label)| {
            keymap
                .keys_for(context, *action)
                .first()
                .map(|key| format!("{key} {label}"))
        })
        .collect::<Vec<_>>()
        .join("  ")
}

/// Top line: the application, where you are, and (in the list) the sort
/// and filter in effect.
pub struct TitleLine<'a> {
    pub ctx: Ctx<'a>,
}

impl Widget for TitleLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Ctx { state, theme, .. } = self.ctx;
        let title = theme.style("ui.title");
        let dim = theme.style("ui.dim");
        let mut spans = vec![Span::styled(" tenantry ", title)];
        // The owner's view says so first: nothing else on the line
        // may push it out.
        let banner = theme
            .style("ui.warning")
            .add_modifier(ratatui::style::Modifier::REVERSED);
        if let Some(subject) = &state.viewing_as {
            // In a fleet the owner's view is of one cluster: named.
            let cluster = if state.is_fleet() {
                format!(" @ {}", sanitize(&state.identity.context))
            } else {
                String::new()
            };
            spans.push(Span::styled(
                format!(
                    " AS {}{cluster} · read-only · v leaves ",
                    sanitize(&subject.label)
                ),
                banner,
            ));
            spans.push(Span::raw(" "));
        } else if let Some(subject) = &state.started_as {
            let text = if area.width >= 120 {
                subject.banner()
            } else {
                subject.short_banner()
            };
            spans.push(Span::styled(format!(" {} ", sanitize(&text)), banner));
            spans.push(Span::raw(" "));
        }
        match &state.view {
            View::Tenants => {
                let shown = state.visible.len();
                // No position while the list is not drawn (loading): the
                // header would name a selection nobody can see.
                let position = if shown == 0 || state.loading() {
                    thousands(shown)
                } else {
                    format!(
                        "{}/{}",
                        thousands(state.list.selected + 1),
                        thousands(shown)
                    )
                };
                spans.push(Span::styled("› tenants ", title));
                spans.push(Span::raw(position));
                if state.is_fleet() {
                    spans.push(Span::styled(
                        format!(
                            " · {} in {} clusters",
                            thousands(state.row_count()),
                            state.clusters.len()
                        ),
                        dim,
                    ));
                } else if shown != state.rows.len() {
                    spans.push(Span::styled(
                        format!(" (of {})", thousands(state.rows.len())),
                        dim,
                    ));
                }
                spans.push(Span::styled(
                    format!(
                        " · sorted by {}{}",
                        state.list.sort.label(),
                        if state.list.reverse { ", reversed" } else { "" }
                    ),
                    dim,
                ));
                let filter = state.active_filter();
                if !filter.is_empty() {
                    spans.push(Span::styled(" · filter: ", dim));
                    spans.push(Span::styled(
                        sanitize(filter).into_owned(),
                        theme.style("ui.filter"),
                    ));
                }
            }
            View::Detail { tenant, .. } => {
                spans.push(Span::styled(
                    format!("› tenant {}", sanitize(tenant.as_str())),
                    title,
                ));
                // A fleet's tenant says which cluster it shows.
                if state.is_fleet() {
                    spans.push(Span::styled(
                        format!(" @ {}", sanitize(&state.identity.context)),
                        theme.style("ui.filter"),
                    ));
                }
                if let Some(detail) = &state.detail {
                    spans.push(Span::styled(
                        format!(
                            " · {} · {}",
                            sanitize(&detail.tenant.source),
                            super::text::plural(
                                detail.tenant.namespaces.len(),
                                "namespace",
                                "namespaces"
                            )
                        ),
                        dim,
                    ));
                }
            }
        }
        // Cut with `…` where it does not fit, never mid-word at the edge.
        buf.set_line(
            area.x,
            area.y,
            &super::fit_line(spans, usize::from(area.width)),
            area.width,
        );
    }
}

/// Bottom line: context, user, sync state, read-only marker and key hint.
pub struct StatusLine<'a> {
    pub ctx: Ctx<'a>,
}

impl Widget for StatusLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Ctx {
            state,
            theme,
            keymap,
        } = self.ctx;
        let style = theme.style("ui.status");
        buf.set_style(area, style);
        let hint = key_hint(keymap, key_context(state));
        let hint_width = width(&hint) + 1;
        let identity = &state.identity;
        // A write opened from the fleet's list names its cluster.
        let fleet_list =
            state.is_fleet() && matches!(state.view, View::Tenants) && state.flow.is_none();
        let context = if fleet_list {
            format!("{} clusters", state.clusters.len())
        } else if identity.context.is_empty() {
            "no context".to_string()
        } else {
            sanitize(&identity.context).into_owned()
        };
        let users: std::collections::BTreeSet<&str> = state
            .clusters
            .iter()
            .map(|c| c.identity.user.as_str())
            .collect();
        let user = if fleet_list && users.len() > 1 {
            "several users".to_string()
        } else if identity.user.is_empty() {
            "user unknown".to_string()
        } else {
            sanitize(&identity.user).into_owned()
        };
        // The sync state and read-only marker matter most; the context
        // name gives way first, then the user.
        let mut tail = format!(" · {}", sync_summary(state));
        if state.readonly {
            tail.push_str(" · READ-ONLY");
        }
        if let Some(guard) = state.guard.label() {
            tail.push_str(" · ");
            tail.push_str(guard);
        }
        // The key hint gives way to a sync state that needs the room (it
        // is always one `?` away).
        // (A guard's label is read whole: the names then keep more than
        // their four cells.)
        let names_min = if state.guard.label().is_some() {
            14
        } else {
            10
        };
        let hint_fits =
            usize::from(area.width).saturating_sub(hint_width + 1) >= width(&tail) + names_min;
        let (hint, hint_width) = if hint_fits {
            (hint, hint_width)
        } else {
            (String::new(), 0)
        };
        let room = usize::from(area.width).saturating_sub(hint_width + 1);
        let for_names = room.saturating_sub(width(&tail) + 4);
        let user_room = (for_names / 2).max(for_names.saturating_sub(width(&context)));
        let user = truncate(&user, user_room.max(4)).into_owned();
        let context = truncate(&context, for_names.saturating_sub(width(&user)).max(4));
        let left = format!(" {context} · {user}{tail}");
        let left = truncate(&left, room);
        buf.set_line(
            area.x,
            area.y,
            &Line::from(Span::styled(left.into_owned(), style)),
            area.width,
        );
        if usize::from(area.width) > hint_width {
            let x = area.right() - hint_width as u16;
            buf.set_line(
                x,
                area.y,
                &Line::from(Span::styled(hint, style)),
                hint_width as u16,
            );
        }
    }
}

/// The line above the status line: a fatal error, else the last message.
pub struct MessageLine<'a> {
    pub ctx: Ctx<'a>,
}

impl Widget for MessageLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Ctx { state, theme, .. } = self.ctx;
        let (text, style) = match (&state.fatal, &state.message) {
            // In a fleet, the cluster the error is of is named.
            (Some(fatal), _) if state.is_fleet() => (
                format!(
                    " error in {}: {}",
                    sanitize(&state.identity.context),
                    sanitize(fatal)
                ),
                theme.style("ui.status.error"),
            ),
            (Some(fatal), _) => (
                format!(" error: {}", sanitize(fatal)),
                theme.style("ui.status.error"),
            ),
            (None, Some(message)) => (format!(" {}", sanitize(message)), theme.style("ui.text")),
            // In a form: the focused field's whole hint, which its row cuts
            // at narrow widths.
            (None, None) => match state.flow.as_deref() {
                Some(flow) if matches!(flow.stage, crate::app::form::Stage::Editing) => {
                    match flow.fields.get(flow.focus) {
                        Some(field) => (
                            format!(" {}: {}", sanitize(&field.label), sanitize(&field.hint)),
                            theme.style("ui.dim"),
                        ),
                        None => return,
                    }
                }
                _ => return,
            },
        };
        buf.set_style(area, style);
        let text = truncate(&text, usize::from(area.width));
        buf.set_line(
            area.x,
            area.y,
            &Line::from(Span::styled(text.into_owned(), style)),
            area.width,
        );
    }
}

/// The header arrow for the sort column.
pub fn sort_arrow(sort: SortKey, reverse: bool) -> &'static str {
    let ascending = sort == SortKey::Name;
    if ascending != reverse { "▲" } else { "▼" }
}
