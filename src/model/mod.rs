//! Pure model: projections, tenant resolution, aggregation, policy checks,
//! RBAC and network analysis. No I/O.

pub mod aggregate;
pub mod checks;
pub mod inventory;
pub mod network;
pub mod projection;
pub mod quantity;
pub mod quota_edit;
pub mod quota_objects;
pub mod rbac;
pub mod reach;
pub mod refusal;
pub mod system;
pub mod template;
pub mod tenant;
pub mod text;
pub mod write_plan;

pub use aggregate::{
    Access, ContainerRef, NamespaceQuota, Pressure, QosBreakdown, QosCounts, ResourceUsage,
    TenantQuota, TenantRow, merge_rows, qos_breakdown, storage_class_of, tenant_quota, tenant_row,
    tenant_rows,
};
pub use checks::{
    CheckContext, CheckResult, CheckSpec, FindingCounts, Outcome, ProbeOutcome, ProbeResults,
    Refuser, Severity, catalogue, classify_refusal, fails_at, run_checks, summarize,
};
pub use inventory::{
    Change, Inventory, Kind, Object, ObjectKey, Reconnecting, Scope, SyncState, WatchUpdate,
};
pub use projection::{
    BindingInfo, CapsuleQuotaItem, CapsuleResourceQuotas, CapsuleTenantInfo, LimitRangeInfo,
    NamespaceInfo, NetworkPolicyInfo, PeerInfo, PodInfo, QosClass, QuotaInfo, RoleInfo, RoleRef,
    RuleInfo, SelectorSummary, Subject,
};
pub use projection::{
    CapsulePoolInfo, ClusterQueueInfo, CrqInfo, HrqInfo, LocalQueueInfo, PoolClaimInfo, PoolKind,
};
pub use quantity::{Quantity, QuantityError, QuantityFormat, ResourceUnit, parse_quantity, ratio};
pub use system::SystemNamespaces;
pub use tenant::{
    Claim, Conflict, Resolution, ResolverKind, Tenant, TenantId, resolve, resolve_inventory,
    resolve_inventory_with_system, resolve_with_system,
};
