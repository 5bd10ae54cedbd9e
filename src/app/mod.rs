//! Application state and the one place it changes: `update(&mut State,
//! Action) -> Vec<Effect>` (ARCHITECTURE.md §2). Key handlers only turn keys into
//! actions; the watchers' updates arrive as actions too.

pub mod form;
mod keys;
mod state;
mod update;
mod writes;

pub use state::{
    DetailData, Identity, InputKind, InputState, ListState, Overlay, OwnRules, ProbeStatus,
    SortKey, State, Tab, Ticket, View, key_context,
};
pub use update::{Action, Effect, objects_count, outcome_message, update};
