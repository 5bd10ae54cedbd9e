//! The integration tests, in one binary: one module per area, sharing one
//! sandbox (see `common`). Tests that stop, pause or restart control-plane
//! components, or that count every request the API server logs, run on a
//! sandbox of their own (`common::private`).

mod common;

mod actions;
mod apply_interrupted;
mod capsule_quota;
mod check;
mod check_mutations;
mod cli_sandbox;
mod console_live;
mod discovery;
mod fleet;
mod impersonation;
mod properties;
mod quota_kinds;
mod readonly;
mod refusals;
mod reports;
mod sandbox;
mod scale;
mod security;
mod templates;
mod terminal;
mod ui_snapshots;
mod watch_recovery;
