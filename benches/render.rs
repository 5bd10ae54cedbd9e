//! Frame render time at 200×50 (ARCHITECTURE.md §9: ≤ 2 ms) over the tier-M
//! state: the tenants list, a tenant's Quota and QoS tabs and the quota
//! editor, drawn through
//! `ui::render` into ratatui's `TestBackend` as the console draws them.
//! Each frame moves the selection, so every draw has something to change.
//! Run with `cargo bench --bench render`.

mod common;

use std::time::Instant;

use common::{Samples, tier_from_env};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tenantry::app::{State, Tab, View};
use tenantry::config::{Keymap, Theme};
use tenantry::sandbox::tier::TierObjects;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;
const FRAMES: usize = 500;
const BUDGET_MS: f64 = 2.0;

fn main() {
    let tier = tier_from_env();
    let mut objects = TierObjects::build(tier).expect("building the tier's objects");
    objects.simulate_server();
    let mut state = common::tier_state(tenantry::fixtures::tier_inventory(&objects));
    drop(objects);
    let theme = Theme::builtin("default").expect("the default theme is built in");
    let keymap = Keymap::builtin("default").expect("the default keymap is built in");
    let mut terminal =
        Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal never fails");
    println!(
        "{tier}: {} tenants; frames of {WIDTH}×{HEIGHT}, {FRAMES} per view",
        state.rows.len()
    );

    let mut results = Vec::new();
    let mut draw = |state: &State, samples: &mut Samples| {
        let started = Instant::now();
        terminal
            .draw(|frame| tenantry::ui::render(frame, state, &theme, &keymap))
            .expect("drawing into a TestBackend never fails");
        samples.times.push(started.elapsed());
    };

    // The first frame paints every cell; it is reported on its own.
    let mut first = Samples::new("first frame (tenants list)");
    draw(&state, &mut first);
    results.push(first);

    let mut list = Samples::new("tenants list");
    let rows = state.rows.len().max(1);
    for i in 0..FRAMES {
        // Walk down and back, scrolling through the whole list.
        state.list.selected = (i * 7) % rows;
        draw(&state, &mut list);
    }
    results.push(list);

    let tenant = state.rows.first().expect("the tier has tenants").id.clone();
    for tab in [Tab::Quota, Tab::Qos] {
        state.view = View::Detail {
            tenant: tenant.clone(),
            tab,
        };
        state.detail_selected = 0;
        state.refresh();
        let mut detail = Samples::new(format!("tenant detail, {} tab", tab.title()));
        for i in 0..FRAMES {
            state.detail_selected = i % 8;
            draw(&state, &mut detail);
        }
        results.push(detail);
    }

    // The quota editor over the list: a form with its checks, every frame
    // moving the focus.
    state.view = View::Tenants;
    state.list.selected = 0;
    tenantry::app::update(
        &mut state,
        tenantry::app::Action::Key(tenantry::config::KeyAction::EditQuota),
    );
    assert!(state.flow.is_some(), "the quota editor opens");
    let mut form = Samples::new("quota editor form");
    for _ in 0..FRAMES {
        tenantry::app::update(
            &mut state,
            tenantry::app::Action::Key(tenantry::config::KeyAction::NextField),
        );
        draw(&state, &mut form);
    }
    results.push(form);

    for r in &results {
        r.print();
    }
    for r in results.iter().skip(1) {
        let p95 = r.p95().as_secs_f64() * 1e3;
        let verdict = if p95 <= BUDGET_MS { "within" } else { "OVER" };
        println!(
            "{}: p95 {p95:.3} ms, {verdict} the {BUDGET_MS} ms budget",
            r.name
        );
    }
}
