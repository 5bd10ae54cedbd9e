//! Bad input, generated (issue 9, item 10): property tests that feed the
//! quantity parser, the sanitizer, the template loader and renderer and the
//! config loaders with generated input, and check that nothing panics, that
//! no value changes a rendered object's structure, and that what is refused
//! is refused with a clear error naming the place.
//!
//! Every property sets its number of cases explicitly; README's "Tests"
//! section states the total per run (keep the two in step).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use serde_json::Value;

use tenantry::config::{ColorSupport, Settings, load_keymap, load_theme};
use tenantry::model::projection::Subject;
use tenantry::model::quantity::{Quantity, parse_quantity, unit_advice};
use tenantry::model::template::{BUILTIN_TEMPLATES, Source, TENANT_LABEL, Target, Template};
use tenantry::model::text::{sanitize, sanitize_text};

mod config;
mod quantity;
mod refusal;
mod sanitize;
mod template_load;
mod template_render;

/// Cases per property, by kind (the README's total is their sum over the
/// properties below).
const QUANTITY_CASES: u32 = 1000;
const SANITIZE_CASES: u32 = 1000;
const TEMPLATE_PARSE_CASES: u32 = 300;
const RENDER_CASES: u32 = 300;
const CONFIG_CASES: u32 = 150;
const REFUSAL_CASES: u32 = 500;

/// The seed every run uses unless `PROPTEST_RNG_SEED` names another (a
/// number, or `random` for a fresh one per run): the suite must not fail
/// by chance (issue 15), so CI explores the same cases every time, and a
/// search for new ones is asked for by name (README, "Tests").
const FIXED_SEED: u64 = 0x7e4a_4715;

fn cases(n: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    let rng_seed = match std::env::var("PROPTEST_RNG_SEED") {
        // proptest read the variable itself: a number is that seed, and
        // anything else (`random`) leaves its default, a fresh seed.
        Ok(_) => default.rng_seed,
        Err(_) => RngSeed::Fixed(FIXED_SEED),
    };
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        rng_seed,
        ..default
    }
}

// ---------------------------------------------------------------------------
// Generators shared by several properties.

/// Characters a terminal or a reader could be misled by.
const UNSAFE: &[char] = &[
    '\u{0}', '\u{7}', '\u{8}', '\t', '\n', '\r', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}', '\u{85}',
    '\u{9b}', '\u{9f}', '\u{61c}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}', '\u{202a}',
    '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Characters that mean something to YAML, shells or templates.
const SYNTAX: &[char] = &[
    ':', ' ', '-', '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
    '$', '\\', '.', '?', '=', '/', '~', '\u{feff}', 'é', '日', '🦀',
];

/// Whether the sanitizer must escape `c`: the list in ARCHITECTURE.md §10, spelled
/// out independently of the implementation.
fn must_escape(c: char) -> bool {
    let n = c as u32;
    n < 0x20
        || (0x7f..=0x9f).contains(&n)
        || (0x202a..=0x202e).contains(&n)
        || (0x2066..=0x2069).contains(&n)
        || matches!(n, 0x200e | 0x200f | 0x61c | 0x2028 | 0x2029)
}

/// Strings weighted towards what breaks parsers and terminals: controls,
/// bidi marks, YAML syntax, placeholder fragments, as well as anything.
fn hostile_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        3 => proptest::sample::select(UNSAFE).prop_map(String::from),
        4 => proptest::sample::select(SYNTAX).prop_map(String::from),
        4 => "[a-zA-Z0-9_-]{1,6}",
        1 => proptest::sample::select(&[
            "${A}", "${TENANT}", "${", "}", "\n---\n", "--- ", ": ", "- ", "{a: b}", "[x",
            "&a", "*a", "<<: *a", "!!str", "null", "true", "3", "-1", "0x1f", "1e3", "~",
            "'q'", "\"q\"", " # c", "\\x24{", "system:authenticated",
        ][..])
        .prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}
