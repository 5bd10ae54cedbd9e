//! Screen snapshots of every view, at 80×24 and 160×48, with the `default`
//! and the `mono` theme. The fixture is shaped like `assets/demo/`: acme
//! (well kept: passes), globex (over quota, a cross-tenant NetworkPolicy, a
//! cluster binding), initech (BestEffort, no quota, no NetworkPolicy, no
//! Pod Security label), umbrella (Capsule label, one quota not yet
//! counted), hooli (HNC tree) and shared-tools (in no tenant), with the
//! built-in ClusterRoles and the bootstrap cluster-admin binding.
//!
//! Text snapshots show the screen; mono snapshots also list the styled cell
//! runs, which is how mono marks selection and severity without colour.

mod screens;
mod world;
mod writes;

use std::fmt::Write as _;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use serde_json::{Value, json};

use tenantry::app::{Action, InputKind, InputState, Overlay, OwnRules, State, Tab, update};
use tenantry::config::{KeyAction, Keymap, Theme};
use tenantry::fixtures::{namespace, pod, replaced};
use tenantry::model::{Change, Kind, Object, ProbeOutcome, ProbeResults, Scope, TenantId};

use world::*;

// ---------------------------------------------------------------- drawing

fn draw(state: &State, theme: &Theme, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let keymap = Keymap::builtin("default").expect("keymap");
    terminal
        .draw(|frame| tenantry::ui::render(frame, state, theme, &keymap))
        .expect("draw");
    terminal.backend().buffer().clone()
}

fn text_of(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Runs of cells that carry a modifier or colour, per row: how mono marks
/// what the default theme colours.
fn style_runs(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut runs: Vec<(u16, u16, String)> = Vec::new();
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            let mut parts = Vec::new();
            if cell.fg != Color::Reset {
                parts.push(format!("fg:{:?}", cell.fg));
            }
            if cell.bg != Color::Reset {
                parts.push(format!("bg:{:?}", cell.bg));
            }
            if cell.modifier != Modifier::empty() {
                parts.push(format!("{:?}", cell.modifier));
            }
            if parts.is_empty() {
                continue;
            }
            let desc = parts.join(" ");
            match runs.last_mut() {
                Some((_, end, d)) if *end == x && *d == desc => *end = x + 1,
                _ => runs.push((x, x + 1, desc)),
            }
        }
        if !runs.is_empty() {
            let runs: Vec<String> = runs
                .iter()
                .map(|(a, b, d)| format!("{a}..{b} {d}"))
                .collect();
            let _ = writeln!(out, "{y:>2}: {}", runs.join(", "));
        }
    }
    out
}

fn assert_screens(name: &str, state: &State) {
    for (width, height) in [(80, 24), (160, 48)] {
        for theme_name in ["default", "mono"] {
            let theme = Theme::builtin(theme_name).expect("theme");
            let buf = draw(state, &theme, width, height);
            let text = text_of(&buf);
            assert!(!text.contains('\x1b'), "escape byte on screen");
            let snapshot = if theme_name == "mono" {
                format!("{text}\n--- styles ---\n{}", style_runs(&buf))
            } else {
                text
            };
            insta::assert_snapshot!(format!("{name}_{width}x{height}_{theme_name}"), snapshot);
        }
    }
}

/// A screen's text alone, as a snapshot named `name`.
fn assert_text_snapshot(name: &str, text: String) {
    insta::assert_snapshot!(name.to_string(), text);
}
