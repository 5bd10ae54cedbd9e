//! tenantry: a terminal console for multi-tenant Kubernetes.
//!
//! Data flows one way (ARCHITECTURE.md §2): `kube/` watchers feed projections into
//! the `model::Inventory`, derived views are computed in `model/`, and `ui/`
//! renders them. Key presses become `app::Action`s handled by a pure `update`.

pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod credentials;
#[cfg(any(test, feature = "fixtures"))]
#[doc(hidden)]
pub mod fixtures;
pub mod kube;
pub mod live;
pub mod logging;
pub mod model;
pub mod sandbox;
pub mod tui;
pub mod ui;

#[cfg(test)]
mod layering_tests;
