//! The only module that talks to the API server (ARCHITECTURE.md §2).

pub mod access;
pub mod apply;
pub mod client;
pub mod probe;
pub mod scope;
pub mod watch;
pub mod write;
pub mod write_path;
