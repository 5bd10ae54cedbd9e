//! The resolvers of ARCHITECTURE.md §3, one file each: what each reads on a
//! namespace to name its tenant, and the ClusterRoles whose bindings name
//! the tenant's owners. The resolution they feed is in `tenant/mod.rs`.

pub(super) mod capsule;
pub(super) mod hnc;
pub(super) mod kiosk;
pub(super) mod label;
pub(super) mod namespace;
pub(super) mod rancher;

use crate::model::projection::NamespaceInfo;

/// The value of label `key` on `ns`, if set and not empty.
fn label_value(ns: &NamespaceInfo, key: &str) -> Option<String> {
    ns.labels.get(key).filter(|v| !v.is_empty()).cloned()
}
