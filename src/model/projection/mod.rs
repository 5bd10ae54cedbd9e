//! Compact projections of cluster objects.
//!
//! Tier M (ARCHITECTURE.md §9) must fit in 64 MiB with 15,000 pods, so the
//! inventory never holds whole objects: each projection keeps only what the
//! views and the policy checks (§6) read.

mod binding;
mod capsule;
mod capsule_pool;
mod event;
mod hnc_quota;
mod kueue;
mod kueue_workload;
mod limitrange;
mod namespace;
mod netpol;
mod openshift_quota;
mod pod;
mod quota;
mod quota_map;
mod role;
mod selector;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub use binding::{BindingInfo, RoleRef, Subject, is_origin_key};
pub use capsule::{CapsuleQuotaItem, CapsuleResourceQuotas, CapsuleTenantInfo};
pub use capsule_pool::{
    CAPSULE_GROUP, CAPSULE_VERSION, CapsulePoolInfo, GLOBAL_QUOTA_KIND, GLOBAL_QUOTA_PLURAL,
    POOL_CLAIM_KIND, POOL_CLAIM_PLURAL, PoolClaimInfo, PoolKind, RESOURCE_POOL_KIND,
    RESOURCE_POOL_PLURAL,
};
pub use event::{
    LimitViolation, MAX_MESSAGE, RefusalCause, RefusalEvent, Shortfall, parse_refusal,
};
pub use hnc_quota::{HRQ_GROUP, HRQ_KIND, HRQ_PLURAL, HRQ_VERSION, HrqInfo, in_subtree};
pub use kueue::{
    CLUSTER_QUEUE_KIND, CLUSTER_QUEUE_PLURAL, ClusterQueueInfo, FlavorQuota, FlavorResource,
    KUEUE_GROUP, KUEUE_VERSION, LOCAL_QUEUE_KIND, LOCAL_QUEUE_PLURAL, LocalQueueInfo,
};
pub use kueue_workload::{
    PendingQuota, PodSetRequests, QueueShortfall, WORKLOAD_KIND, WORKLOAD_PLURAL, WorkloadInfo,
    parse_queue_message,
};
pub use limitrange::LimitRangeInfo;
pub use namespace::NamespaceInfo;
pub use netpol::{IpBlockInfo, NetworkPolicyInfo, PeerInfo, PolicyTypes};
pub use openshift_quota::{CRQ_GROUP, CRQ_KIND, CRQ_PLURAL, CRQ_VERSION, CrqInfo};
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
