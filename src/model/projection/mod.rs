//! Compact projections of cluster objects.
//!
//! Tier M (ARCHITECTURE.md §9) must fit in 64 MiB with 15,000 pods, so the
//! inventory never holds whole objects: each projection keeps only what the
//! views and the policy checks (§6) read.

mod binding;
mod capsule;
mod event;
mod limitrange;
mod namespace;
mod netpol;
mod pod;
mod quota;
mod role;
mod selector;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub use binding::{BindingInfo, RoleRef, Subject, is_origin_key};
pub use capsule::{CapsuleQuotaItem, CapsuleResourceQuotas, CapsuleTenantInfo};
pub use event::{
    LimitViolation, MAX_MESSAGE, RefusalCause, RefusalEvent, Shortfall, parse_refusal,
};
pub use limitrange::LimitRangeInfo;
pub use namespace::NamespaceInfo;
pub use netpol::{IpBlockInfo, NetworkPolicyInfo, PeerInfo, PolicyTypes};
pub use pod::{PackedLabels, PodInfo, QosClass, compute_qos};
pub use quota::{InvalidQuantity, QuotaField, QuotaInfo};
pub use role::{RoleInfo, RuleInfo};
pub use selector::{SelectorExpression, SelectorSummary};

fn name_of(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn namespace_of(meta: &ObjectMeta) -> String {
    meta.namespace.clone().unwrap_or_default()
}
