//! Application state and the one place it changes: `update(&mut State,
//! Action) -> Vec<Effect>` (ARCHITECTURE.md §2). Key handlers only turn keys into
//! actions; the watchers' updates arrive as actions too.

pub mod copy;
pub mod form;
mod keys;
mod state;
mod update;
pub mod view_as;
mod writes;

pub use state::{
    Cluster, DetailData, Identity, InputKind, InputState, ListEntry, ListState, Overlay, OwnRules,
    ProbeStatus, SortKey, State, Tab, Tenancy, Ticket, View, key_context,
};
pub use update::{Action, Effect, objects_count, outcome_message, update};
pub use view_as::{StartedAs, ViewingAs};
pub use writes::{confirm_accepts, confirm_name_pending, flow_tenant_name, typing_confirmation};

#[cfg(test)]
mod guard_tests;
