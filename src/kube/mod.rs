//! The only module that talks to the API server (DESIGN.md §2).

pub mod apply;
