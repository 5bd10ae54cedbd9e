//! The in-memory store fed by watch events.
//!
//! Every kind lives in a `BTreeMap` keyed by (namespace, name), so "all pods
//! of namespace X" is a range scan: the per-namespace index comes for free and
//! derived views stay O(objects) rather than O(tenants × objects).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use super::projection::{
    BindingInfo, CapsulePoolInfo, CapsuleTenantInfo, ClusterQueueInfo, CrqInfo, HrqInfo,
    LimitRangeInfo, LocalQueueInfo, NamespaceInfo, NetworkPolicyInfo, PodInfo, PoolClaimInfo,
    QuotaInfo, RefusalCause, RefusalEvent, RoleInfo, WorkloadInfo,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Namespace,
    Pod,
    ResourceQuota,
    LimitRange,
    NetworkPolicy,
    RoleBinding,
    ClusterRoleBinding,
    Role,
    ClusterRole,
    CapsuleTenant,
    KueueClusterQueue,
    KueueLocalQueue,
    /// Only Kueue workloads that wait for quota.
    KueueWorkload,
    HierarchicalResourceQuota,
    ClusterResourceQuota,
    CapsuleResourcePool,
    CapsulePoolClaim,
    CapsuleGlobalQuota,
    /// Only the events that say a quota or LimitRange refused a pod.
    Event,
}

impl Kind {
    /// Quota objects that span a tenant's namespaces, from CRDs that may
    /// not be installed. Apart from [`Kind::ALL`]: they are shown (with
    /// their access) in the Quota tab, not in the status line.
    pub const QUOTA_OBJECTS: [Kind; 8] = [
        Kind::KueueClusterQueue,
        Kind::KueueLocalQueue,
        Kind::KueueWorkload,
        Kind::HierarchicalResourceQuota,
        Kind::ClusterResourceQuota,
        Kind::CapsuleResourcePool,
        Kind::CapsulePoolClaim,
        Kind::CapsuleGlobalQuota,
    ];

    pub const ALL: [Kind; 11] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::ResourceQuota,
        Kind::LimitRange,
        Kind::NetworkPolicy,
        Kind::RoleBinding,
        Kind::ClusterRoleBinding,
        Kind::Role,
        Kind::ClusterRole,
        Kind::CapsuleTenant,
        Kind::Event,
    ];

    pub fn is_namespaced(self) -> bool {
        !matches!(
            self,
            Kind::Namespace
                | Kind::ClusterRoleBinding
                | Kind::ClusterRole
                | Kind::CapsuleTenant
                | Kind::KueueClusterQueue
                | Kind::ClusterResourceQuota
                | Kind::CapsuleResourcePool
                | Kind::CapsuleGlobalQuota
        )
    }

    /// The kind in running text: "resource quotas".
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Pod => "pods",
            Kind::ResourceQuota => "resource quotas",
            Kind::LimitRange => "limit ranges",
            Kind::NetworkPolicy => "network policies",
            Kind::RoleBinding => "role bindings",
            Kind::ClusterRoleBinding => "cluster role bindings",
            Kind::Role => "roles",
            Kind::ClusterRole => "cluster roles",
            Kind::CapsuleTenant => "Capsule tenants",
            Kind::KueueClusterQueue => "Kueue cluster queues",
            Kind::KueueLocalQueue => "Kueue local queues",
            Kind::KueueWorkload => "Kueue workloads",
            Kind::HierarchicalResourceQuota => "hierarchical resource quotas",
            Kind::ClusterResourceQuota => "cluster resource quotas",
            Kind::CapsuleResourcePool => "Capsule resource pools",
            Kind::CapsulePoolClaim => "Capsule resource pool claims",
            Kind::CapsuleGlobalQuota => "Capsule global resource quotas",
            Kind::Event => "refusal events",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::ResourceQuota => "ResourceQuota",
            Kind::LimitRange => "LimitRange",
            Kind::NetworkPolicy => "NetworkPolicy",
            Kind::RoleBinding => "RoleBinding",
            Kind::ClusterRoleBinding => "ClusterRoleBinding",
            Kind::Role => "Role",
            Kind::ClusterRole => "ClusterRole",
            Kind::CapsuleTenant => "Tenant.capsule.clastix.io",
            Kind::KueueClusterQueue => "ClusterQueue.kueue.x-k8s.io",
            Kind::KueueLocalQueue => "LocalQueue.kueue.x-k8s.io",
            Kind::KueueWorkload => "Workload.kueue.x-k8s.io",
            Kind::HierarchicalResourceQuota => "HierarchicalResourceQuota.hnc.x-k8s.io",
            Kind::ClusterResourceQuota => "ClusterResourceQuota.quota.openshift.io",
            Kind::CapsuleResourcePool => "ResourcePool.capsule.clastix.io",
            Kind::CapsulePoolClaim => "ResourcePoolClaim.capsule.clastix.io",
            Kind::CapsuleGlobalQuota => "GlobalResourceQuota.capsule.clastix.io",
            Kind::Event => "Event",
        }
    }
}

/// Namespace is empty for cluster-scoped objects.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    pub fn cluster(name: impl Into<String>) -> Self {
        Self::new(String::new(), name)
    }
}

/// What one watch covers: restricted users cannot watch cluster-wide and
/// watch each namespace they can name instead (ARCHITECTURE.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Cluster,
    Namespace(String),
}

impl Scope {
    fn contains(&self, namespace: &str) -> bool {
        match self {
            Scope::Cluster => true,
            Scope::Namespace(ns) => ns == namespace,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncState {
    Loading { seen: usize },
    Synced,
    NoAccess { reason: String },
    Failed { reason: String },
}

impl SyncState {
    pub fn is_synced(&self) -> bool {
        matches!(self, SyncState::Synced)
    }
}

/// A watch that lost the API server and is retrying. Its sync state stays
/// what it was (what was listed before is still shown, or the first list
/// is still loading) until a full list replaces the scope or the server
/// gives a definite answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconnecting {
    /// Local wall-clock time of the first failure, `HH:MM:SS`.
    pub since: String,
    /// The last error.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Namespace(NamespaceInfo),
    Pod(PodInfo),
    ResourceQuota(QuotaInfo),
    LimitRange(LimitRangeInfo),
    NetworkPolicy(NetworkPolicyInfo),
    RoleBinding(BindingInfo),
    ClusterRoleBinding(BindingInfo),
    Role(RoleInfo),
    ClusterRole(RoleInfo),
    CapsuleTenant(CapsuleTenantInfo),
    // Boxed: the largest projections, kept out of every other variant's size.
    KueueClusterQueue(Box<ClusterQueueInfo>),
    KueueLocalQueue(LocalQueueInfo),
    KueueWorkload(Box<WorkloadInfo>),
    HierarchicalResourceQuota(Box<HrqInfo>),
    ClusterResourceQuota(Box<CrqInfo>),
    CapsuleResourcePool(Box<CapsulePoolInfo>),
    CapsulePoolClaim(Box<PoolClaimInfo>),
    CapsuleGlobalQuota(Box<CapsulePoolInfo>),
    Event(RefusalEvent),
}

impl Object {
    pub fn kind(&self) -> Kind {
        match self {
            Object::Namespace(_) => Kind::Namespace,
            Object::Pod(_) => Kind::Pod,
            Object::ResourceQuota(_) => Kind::ResourceQuota,
            Object::LimitRange(_) => Kind::LimitRange,
            Object::NetworkPolicy(_) => Kind::NetworkPolicy,
            Object::RoleBinding(_) => Kind::RoleBinding,
            Object::ClusterRoleBinding(_) => Kind::ClusterRoleBinding,
            Object::Role(_) => Kind::Role,
            Object::ClusterRole(_) => Kind::ClusterRole,
            Object::CapsuleTenant(_) => Kind::CapsuleTenant,
            Object::KueueClusterQueue(_) => Kind::KueueClusterQueue,
            Object::KueueLocalQueue(_) => Kind::KueueLocalQueue,
            Object::KueueWorkload(_) => Kind::KueueWorkload,
            Object::HierarchicalResourceQuota(_) => Kind::HierarchicalResourceQuota,
            Object::ClusterResourceQuota(_) => Kind::ClusterResourceQuota,
            Object::CapsuleResourcePool(_) => Kind::CapsuleResourcePool,
            Object::CapsulePoolClaim(_) => Kind::CapsulePoolClaim,
            Object::CapsuleGlobalQuota(_) => Kind::CapsuleGlobalQuota,
            Object::Event(_) => Kind::Event,
        }
    }

    pub fn key(&self) -> ObjectKey {
        match self {
            Object::Namespace(o) => ObjectKey::cluster(&o.name),
            Object::Pod(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::ResourceQuota(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::LimitRange(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::NetworkPolicy(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::RoleBinding(o) | Object::ClusterRoleBinding(o) => {
                ObjectKey::new(o.namespace.clone().unwrap_or_default(), &o.name)
            }
            Object::Role(o) | Object::ClusterRole(o) => {
                ObjectKey::new(o.namespace.clone().unwrap_or_default(), &o.name)
            }
            Object::CapsuleTenant(o) => ObjectKey::cluster(&o.name),
            Object::KueueClusterQueue(o) => ObjectKey::cluster(&o.name),
            Object::KueueLocalQueue(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::KueueWorkload(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::HierarchicalResourceQuota(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::ClusterResourceQuota(o) => ObjectKey::cluster(&o.name),
            Object::CapsuleResourcePool(o) | Object::CapsuleGlobalQuota(o) => {
                ObjectKey::cluster(&o.name)
            }
            Object::CapsulePoolClaim(o) => ObjectKey::new(&o.namespace, &o.name),
            Object::Event(o) => ObjectKey::new(&o.namespace, &o.name),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Applied(Object),
    Deleted(Kind, ObjectKey),
    /// A (re)list of one kind in one scope: everything of that kind in the
    /// scope is replaced, and the scope is marked synced.
    Replaced {
        kind: Kind,
        scope: Scope,
        objects: Vec<Object>,
    },
}

/// What the watchers (kube/watch.rs) tell the event loop: pure data, so
/// the app and the UI can take it without depending on the I/O layer.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchUpdate {
    Change(Change),
    Sync {
        kind: Kind,
        scope: Scope,
        state: SyncState,
    },
    /// The watch lost the API server and is retrying; what it listed
    /// before stays until its next full list.
    Reconnecting {
        kind: Kind,
        scope: Scope,
        reconnecting: Reconnecting,
    },
    /// This scope is listed every `every_secs` instead of watched: the
    /// user has more namespaces than tenantry opens watches for.
    Polled {
        kind: Kind,
        scope: Scope,
        every_secs: u64,
    },
}

type Map<T> = BTreeMap<(String, String), T>;

/// The keys of one kind's map within a scope, whatever the value type.
trait ScopedKeys {
    /// Whether any key is in scope.
    fn any(&self) -> bool;
    /// Keeps in-scope keys that `listed` has; true when any was removed.
    fn retain(&mut self, listed: &BTreeSet<(String, String)>) -> bool;
}

struct Scoped<'a, T> {
    map: &'a mut Map<T>,
    scope: &'a Scope,
}

impl<T> ScopedKeys for Scoped<'_, T> {
    fn any(&self) -> bool {
        match self.scope {
            Scope::Cluster => !self.map.is_empty(),
            Scope::Namespace(ns) => self
                .map
                .range((ns.clone(), String::new())..)
                .next()
                .is_some_and(|((n, _), _)| n == ns),
        }
    }

    fn retain(&mut self, listed: &BTreeSet<(String, String)>) -> bool {
        let before = self.map.len();
        let scope = self.scope;
        self.map
            .retain(|key, _| !scope.contains(&key.0) || listed.contains(key));
        self.map.len() != before
    }
}

/// Refusal events kept per namespace (the oldest go first).
pub const MAX_REFUSAL_EVENTS: usize = 64;
/// Pending Kueue workloads kept per namespace.
pub const MAX_PENDING_WORKLOADS: usize = 64;

fn in_namespace<'a, T>(map: &'a Map<T>, ns: &str) -> impl Iterator<Item = &'a T> + 'a {
    let ns_owned = ns.to_string();
    map.range((
        Bound::Included((ns_owned.clone(), String::new())),
        Bound::Unbounded,
    ))
    .take_while(move |((n, _), _)| *n == ns_owned)
    .map(|(_, v)| v)
}

#[derive(Clone, Debug, Default)]
pub struct Inventory {
    namespaces: Map<NamespaceInfo>,
    pods: Map<PodInfo>,
    quotas: Map<QuotaInfo>,
    limit_ranges: Map<LimitRangeInfo>,
    network_policies: Map<NetworkPolicyInfo>,
    role_bindings: Map<BindingInfo>,
    cluster_role_bindings: Map<BindingInfo>,
    roles: Map<RoleInfo>,
    cluster_roles: Map<RoleInfo>,
    capsule_tenants: Map<CapsuleTenantInfo>,
    cluster_queues: Map<ClusterQueueInfo>,
    local_queues: Map<LocalQueueInfo>,
    pending_workloads: Map<WorkloadInfo>,
    hrqs: Map<HrqInfo>,
    crqs: Map<CrqInfo>,
    resource_pools: Map<CapsulePoolInfo>,
    pool_claims: Map<PoolClaimInfo>,
    global_quotas: Map<CapsulePoolInfo>,
    refusal_events: Map<RefusalEvent>,
    sync: BTreeMap<(Kind, Scope), SyncState>,
    reconnecting: BTreeMap<(Kind, Scope), Reconnecting>,
    generation: u64,
    dirty: Dirty,
    /// Scopes listed every so many seconds instead of watched.
    polled: BTreeMap<(Kind, Scope), u64>,
}

/// What moved since the last [`Inventory::take_dirty`], so that derived
/// data is recomputed in proportion to the change (ARCHITECTURE.md §9): a
/// pod's status touches one tenant, a namespace's labels may move every
/// tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dirty {
    /// What tenants are made of may have moved: namespaces, Capsule
    /// `Tenant`s, RoleBindings (they name a tenant's owners), cluster-scoped
    /// kinds other than RBAC, whole relists, and watch states (access
    /// marks). Everything is recomputed.
    pub structure: bool,
    /// ClusterRoles or ClusterRoleBindings moved: every tenant's checks and
    /// RBAC tab, but no tenant's namespaces or rows.
    pub cluster_rbac: bool,
    /// Namespaces whose own objects moved.
    pub namespaces: BTreeSet<String>,
}

impl Dirty {
    pub fn is_empty(&self) -> bool {
        !self.structure && !self.cluster_rbac && self.namespaces.is_empty()
    }

    fn mark(&mut self, kind: Kind, namespace: &str) {
        match kind {
            Kind::ClusterRole | Kind::ClusterRoleBinding => self.cluster_rbac = true,
            // What names owners, and quota objects that may span the
            // namespaces of several tenants, move more than their own.
            Kind::RoleBinding => self.structure = true,
            // A workload moves only its own namespace's refusals.
            Kind::KueueWorkload => {
                if !self.structure && !self.namespaces.contains(namespace) {
                    self.namespaces.insert(namespace.to_string());
                }
            }
            k if Kind::QUOTA_OBJECTS.contains(&k) => self.structure = true,
            k if k.is_namespaced() => {
                if !self.structure && !self.namespaces.contains(namespace) {
                    self.namespaces.insert(namespace.to_string());
                }
            }
            _ => self.structure = true,
        }
    }
}

impl Inventory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bumped on every change, so the UI redraws only when this moved. An
    /// event that changes nothing tenantry keeps (a pod's status field
    /// that no projection reads, a resync) does not move it.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// What moved since the last call (see [`Dirty`]); the caller that
    /// keeps derived data takes it each time it catches up.
    pub fn take_dirty(&mut self) -> Dirty {
        std::mem::take(&mut self.dirty)
    }

    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Applied(obj) => {
                let (kind, key) = (obj.kind(), obj.key());
                if !self.insert(obj) {
                    return;
                }
                self.dirty.mark(kind, &key.namespace);
            }
            Change::Deleted(kind, key) => {
                if !self.remove(kind, &key) {
                    return;
                }
                self.dirty.mark(kind, &key.namespace);
            }
            Change::Replaced {
                kind,
                scope,
                objects,
            } => {
                // A relist that finds what is held already (a polled scope
                // every 15 s, a watch that reconnects) moves nothing: each
                // object is stored only when it differs, and only what the
                // list no longer has is removed (ARCHITECTURE.md §9).
                let held = self.scope_has_objects(kind, &scope);
                let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
                let mut changed = false;
                for obj in objects {
                    // An object of another kind or outside the scope is a
                    // caller bug; keeping it would corrupt the next relist.
                    let key = obj.key();
                    if obj.kind() == kind
                        && (!kind.is_namespaced() || scope.contains(&key.namespace))
                    {
                        if held {
                            seen.insert((key.namespace, key.name));
                        }
                        changed |= self.insert(obj);
                    }
                }
                if held {
                    changed |= self.remove_unlisted(kind, &scope, &seen);
                }
                if changed {
                    match &scope {
                        Scope::Namespace(ns) if kind.is_namespaced() => self.dirty.mark(kind, ns),
                        _ => self.dirty.structure = true,
                    }
                }
                let mut moved = changed;
                moved |= self.reconnecting.remove(&(kind, scope.clone())).is_some();
                let key = (kind, scope);
                if self.sync.get(&key) != Some(&SyncState::Synced) {
                    self.dirty.structure = true;
                    self.sync.insert(key, SyncState::Synced);
                    moved = true;
                }
                if !moved {
                    return;
                }
            }
        }
        self.generation += 1;
    }

    /// Stores `obj`; false when an equal object was there already.
    fn insert(&mut self, obj: Object) -> bool {
        /// Inserts unless equal; true when the map changed.
        fn put<T: PartialEq>(map: &mut Map<T>, key: (String, String), value: T) -> bool {
            match map.get_mut(&key) {
                Some(old) if *old == value => false,
                Some(old) => {
                    *old = value;
                    true
                }
                None => {
                    map.insert(key, value);
                    true
                }
            }
        }
        let k = obj.key();
        let key = (k.namespace, k.name);
        match obj {
            Object::Namespace(o) => put(&mut self.namespaces, key, o),
            Object::Pod(o) => put(&mut self.pods, key, o),
            Object::ResourceQuota(o) => put(&mut self.quotas, key, o),
            Object::LimitRange(o) => put(&mut self.limit_ranges, key, o),
            Object::NetworkPolicy(o) => put(&mut self.network_policies, key, o),
            Object::RoleBinding(o) => put(&mut self.role_bindings, key, o),
            Object::ClusterRoleBinding(o) => put(&mut self.cluster_role_bindings, key, o),
            Object::Role(o) => put(&mut self.roles, key, o),
            Object::ClusterRole(o) => put(&mut self.cluster_roles, key, o),
            Object::CapsuleTenant(o) => put(&mut self.capsule_tenants, key, o),
            Object::KueueClusterQueue(o) => put(&mut self.cluster_queues, key, *o),
            Object::KueueLocalQueue(o) => put(&mut self.local_queues, key, o),
            Object::KueueWorkload(o) => self.insert_workload(key, *o),
            Object::HierarchicalResourceQuota(o) => put(&mut self.hrqs, key, *o),
            Object::ClusterResourceQuota(o) => put(&mut self.crqs, key, *o),
            Object::CapsuleResourcePool(o) => put(&mut self.resource_pools, key, *o),
            Object::CapsulePoolClaim(o) => put(&mut self.pool_claims, key, *o),
            Object::CapsuleGlobalQuota(o) => put(&mut self.global_quotas, key, *o),
            Object::Event(o) => self.insert_refusal(key, o),
        }
    }

    /// Keeps refusal events only, at most [`MAX_REFUSAL_EVENTS`] per
    /// namespace: a tenant that floods events costs a bounded amount of
    /// memory, and the newest say what blocks it now. True when the
    /// inventory changed.
    fn insert_refusal(&mut self, key: (String, String), event: RefusalEvent) -> bool {
        if event.cause == RefusalCause::Other {
            return self.refusal_events.remove(&key).is_some();
        }
        if self.refusal_events.get(&key) == Some(&event) {
            return false;
        }
        let namespace = key.0.clone();
        self.refusal_events.insert(key, event);
        let kept: Vec<(&(String, String), Option<i64>)> = self
            .refusal_events
            .range((namespace.clone(), String::new())..)
            .take_while(|((n, _), _)| *n == namespace)
            .map(|(k, e)| (k, e.last))
            .collect();
        if kept.len() > MAX_REFUSAL_EVENTS {
            let oldest = kept
                .iter()
                .min_by_key(|(k, last)| (*last, (*k).clone()))
                .map(|(k, _)| (*k).clone());
            if let Some(oldest) = oldest {
                self.refusal_events.remove(&oldest);
            }
        }
        true
    }

    /// Keeps only workloads that wait for quota, at most
    /// [`MAX_PENDING_WORKLOADS`] per namespace (those waiting longest go
    /// first), as refusal events are kept. True when the inventory changed.
    fn insert_workload(&mut self, key: (String, String), workload: WorkloadInfo) -> bool {
        if workload.pending.is_none() {
            return self.pending_workloads.remove(&key).is_some();
        }
        if self.pending_workloads.get(&key) == Some(&workload) {
            return false;
        }
        let namespace = key.0.clone();
        self.pending_workloads.insert(key, workload);
        let kept: Vec<(&(String, String), Option<i64>)> = self
            .pending_workloads
            .range((namespace.clone(), String::new())..)
            .take_while(|((n, _), _)| *n == namespace)
            .map(|(k, w)| (k, w.pending.as_ref().and_then(|p| p.since)))
            .collect();
        if kept.len() > MAX_PENDING_WORKLOADS {
            let oldest = kept
                .iter()
                .min_by_key(|(k, since)| (*since, (*k).clone()))
                .map(|(k, _)| (*k).clone());
            if let Some(oldest) = oldest {
                self.pending_workloads.remove(&oldest);
            }
        }
        true
    }

    /// Removes an object; false when it was not there.
    fn remove(&mut self, kind: Kind, key: &ObjectKey) -> bool {
        let k = (key.namespace.clone(), key.name.clone());
        match kind {
            Kind::Namespace => self.namespaces.remove(&k).is_some(),
            Kind::Pod => self.pods.remove(&k).is_some(),
            Kind::ResourceQuota => self.quotas.remove(&k).is_some(),
            Kind::LimitRange => self.limit_ranges.remove(&k).is_some(),
            Kind::NetworkPolicy => self.network_policies.remove(&k).is_some(),
            Kind::RoleBinding => self.role_bindings.remove(&k).is_some(),
            Kind::ClusterRoleBinding => self.cluster_role_bindings.remove(&k).is_some(),
            Kind::Role => self.roles.remove(&k).is_some(),
            Kind::ClusterRole => self.cluster_roles.remove(&k).is_some(),
            Kind::CapsuleTenant => self.capsule_tenants.remove(&k).is_some(),
            Kind::KueueClusterQueue => self.cluster_queues.remove(&k).is_some(),
            Kind::KueueLocalQueue => self.local_queues.remove(&k).is_some(),
            Kind::KueueWorkload => self.pending_workloads.remove(&k).is_some(),
            Kind::HierarchicalResourceQuota => self.hrqs.remove(&k).is_some(),
            Kind::ClusterResourceQuota => self.crqs.remove(&k).is_some(),
            Kind::CapsuleResourcePool => self.resource_pools.remove(&k).is_some(),
            Kind::CapsulePoolClaim => self.pool_claims.remove(&k).is_some(),
            Kind::CapsuleGlobalQuota => self.global_quotas.remove(&k).is_some(),
            Kind::Event => self.refusal_events.remove(&k).is_some(),
        }
    }

    /// Removes the objects of `kind` in `scope` that `listed` does not
    /// name; true when any was removed.
    fn remove_unlisted(
        &mut self,
        kind: Kind,
        scope: &Scope,
        listed: &BTreeSet<(String, String)>,
    ) -> bool {
        self.each_scoped_map(kind, scope, &mut |keys| keys.retain(listed))
    }

    /// Whether anything of `kind` is held in `scope`.
    fn scope_has_objects(&mut self, kind: Kind, scope: &Scope) -> bool {
        let mut any = false;
        self.each_scoped_map(kind, scope, &mut |keys| {
            any = keys.any();
            false
        });
        any
    }

    /// Runs `f` on the map that holds `kind`, seen through `scope` (a
    /// cluster-scoped kind is always seen whole); returns what `f` does.
    fn each_scoped_map(
        &mut self,
        kind: Kind,
        scope: &Scope,
        f: &mut dyn FnMut(&mut dyn ScopedKeys) -> bool,
    ) -> bool {
        fn view<'a, T>(map: &'a mut Map<T>, scope: &'a Scope) -> Scoped<'a, T> {
            Scoped { map, scope }
        }
        let cluster = &Scope::Cluster;
        match kind {
            Kind::Namespace => f(&mut view(&mut self.namespaces, cluster)),
            Kind::Pod => f(&mut view(&mut self.pods, scope)),
            Kind::ResourceQuota => f(&mut view(&mut self.quotas, scope)),
            Kind::LimitRange => f(&mut view(&mut self.limit_ranges, scope)),
            Kind::NetworkPolicy => f(&mut view(&mut self.network_policies, scope)),
            Kind::RoleBinding => f(&mut view(&mut self.role_bindings, scope)),
            Kind::ClusterRoleBinding => f(&mut view(&mut self.cluster_role_bindings, cluster)),
            Kind::Role => f(&mut view(&mut self.roles, scope)),
            Kind::ClusterRole => f(&mut view(&mut self.cluster_roles, cluster)),
            Kind::CapsuleTenant => f(&mut view(&mut self.capsule_tenants, cluster)),
            Kind::KueueClusterQueue => f(&mut view(&mut self.cluster_queues, cluster)),
            Kind::KueueLocalQueue => f(&mut view(&mut self.local_queues, scope)),
            Kind::KueueWorkload => f(&mut view(&mut self.pending_workloads, scope)),
            Kind::HierarchicalResourceQuota => f(&mut view(&mut self.hrqs, scope)),
            Kind::ClusterResourceQuota => f(&mut view(&mut self.crqs, cluster)),
            Kind::CapsuleResourcePool => f(&mut view(&mut self.resource_pools, cluster)),
            Kind::CapsulePoolClaim => f(&mut view(&mut self.pool_claims, scope)),
            Kind::CapsuleGlobalQuota => f(&mut view(&mut self.global_quotas, cluster)),
            Kind::Event => f(&mut view(&mut self.refusal_events, scope)),
        }
    }

    /// Records a watch's state; bumps the generation only when it changed.
    /// Any state ends a reconnect: the server answered.
    pub fn set_sync(&mut self, kind: Kind, scope: Scope, state: SyncState) {
        let key = (kind, scope);
        if self.reconnecting.remove(&key).is_some() {
            self.generation += 1;
        }
        let old = self.sync.get(&key);
        if old != Some(&state) {
            // A count of objects seen while loading moves no tenant.
            let counting = matches!(
                (old, &state),
                (Some(SyncState::Loading { .. }), SyncState::Loading { .. })
            );
            if !counting {
                self.dirty.structure = true;
            }
            self.sync.insert(key, state);
            self.generation += 1;
        }
    }

    /// Records that a scope is polled rather than watched.
    pub fn set_polled(&mut self, kind: Kind, scope: Scope, every_secs: u64) {
        if self.polled.insert((kind, scope), every_secs) != Some(every_secs) {
            self.generation += 1;
        }
    }

    /// How many scopes are polled rather than watched, and the longest
    /// interval between their lists.
    pub fn polled(&self) -> Option<(usize, u64)> {
        let every = self.polled.values().max()?;
        Some((self.polled.len(), *every))
    }

    /// Records that a watch lost the server; the first failure's time is
    /// kept until the watch is back (a full list, or [`Self::set_sync`]).
    pub fn set_reconnecting(&mut self, kind: Kind, scope: Scope, reconnecting: Reconnecting) {
        let key = (kind, scope);
        let since = self
            .reconnecting
            .get(&key)
            .map_or(reconnecting.since.clone(), |r| r.since.clone());
        let next = Reconnecting {
            since,
            reason: reconnecting.reason,
        };
        if self.reconnecting.get(&key) != Some(&next) {
            self.reconnecting.insert(key, next);
            self.generation += 1;
        }
    }

    /// Whether a watch of `kind` (in any scope) is reconnecting, and since
    /// when (the earliest of its scopes).
    pub fn kind_reconnecting(&self, kind: Kind) -> Option<&Reconnecting> {
        self.reconnecting
            .range((kind, Scope::Cluster)..)
            .take_while(|((k, _), _)| *k == kind)
            .map(|(_, r)| r)
            .min_by(|a, b| a.since.cmp(&b.since))
    }

    pub fn sync_state(&self, kind: Kind, scope: &Scope) -> Option<&SyncState> {
        self.sync.get(&(kind, scope.clone()))
    }

    pub fn scopes(&self, kind: Kind) -> impl Iterator<Item = (&Scope, &SyncState)> {
        self.sync
            .range((kind, Scope::Cluster)..)
            .take_while(move |((k, _), _)| *k == kind)
            .map(|((_, s), st)| (s, st))
    }

    /// One state for a kind across its scopes. A synced cluster-wide watch
    /// decides; otherwise: any scope loading → Loading (seen summed), any
    /// failed → Failed, all without access → NoAccess, else Synced (some
    /// namespaces may still be unreadable: see [`Self::namespace_state`]).
    /// `Loading { seen: 0 }` when nothing is watched yet.
    pub fn kind_state(&self, kind: Kind) -> SyncState {
        if let Some(s @ (SyncState::Synced | SyncState::Loading { .. })) =
            self.sync_state(kind, &Scope::Cluster)
        {
            return s.clone();
        }
        let states: Vec<&SyncState> = self
            .scopes(kind)
            .filter(|(scope, _)| **scope != Scope::Cluster)
            .map(|(_, s)| s)
            .collect();
        if states.is_empty() {
            return self
                .sync_state(kind, &Scope::Cluster)
                .cloned()
                .unwrap_or(SyncState::Loading { seen: 0 });
        }
        let loading: Option<usize> = states
            .iter()
            .filter_map(|s| match s {
                SyncState::Loading { seen } => Some(*seen),
                _ => None,
            })
            .reduce(|a, b| a + b);
        if let Some(seen) = loading {
            return SyncState::Loading { seen };
        }
        if let Some(f) = states
            .iter()
            .find(|s| matches!(s, SyncState::Failed { .. }))
        {
            return (*f).clone();
        }
        if states
            .iter()
            .all(|s| matches!(s, SyncState::NoAccess { .. }))
        {
            return (*states[0]).clone();
        }
        SyncState::Synced
    }

    /// Whether objects of `kind` in `ns` are known: the cluster-wide watch
    /// when it works, else the namespace's own watch. `None`: not watched.
    pub fn namespace_state(&self, kind: Kind, ns: &str) -> Option<&SyncState> {
        let cluster = self.sync_state(kind, &Scope::Cluster);
        match cluster {
            Some(s @ (SyncState::Synced | SyncState::Loading { .. })) => Some(s),
            _ => self
                .sync_state(kind, &Scope::Namespace(ns.to_string()))
                .or(cluster),
        }
    }

    /// Namespaces watched one by one: those the user named (`-n`, the
    /// context's namespace, config.yaml) because they cannot list them all.
    pub fn named_namespaces(&self) -> BTreeSet<&str> {
        self.sync
            .keys()
            .filter_map(|(_, scope)| match scope {
                Scope::Namespace(ns) => Some(ns.as_str()),
                Scope::Cluster => None,
            })
            .collect()
    }

    /// The namespaced kinds that cannot be read in `ns` (no access or failed).
    pub fn unreadable_in(&self, ns: &str) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| k.is_namespaced())
            .filter(|k| {
                matches!(
                    self.namespace_state(*k, ns),
                    Some(SyncState::NoAccess { .. } | SyncState::Failed { .. })
                )
            })
            .collect()
    }

    /// Advice for a user who sees no tenant: what to do next, given what
    /// the namespaces they named (if any) turned out to hold. Names come
    /// from the user and the cluster: the caller sanitizes before drawing.
    pub fn no_tenant_advice(&self) -> String {
        let named = self.named_namespaces();
        if named.is_empty() {
            return "ask a cluster admin for access, or name your namespaces with -n".into();
        }
        let found: Vec<String> = named
            .iter()
            .map(|ns| {
                let unreadable = self.unreadable_in(ns);
                if unreadable.is_empty() {
                    format!("{ns} is readable but in no tenant")
                } else {
                    let kinds: Vec<&str> = unreadable.iter().map(|k| k.plural()).collect();
                    format!("{ns}: cannot read {}", kinds.join(", "))
                }
            })
            .collect();
        format!(
            "in the namespaces you named, {}; ask their admin for access",
            found.join("; ")
        )
    }

    pub fn is_readable(&self, kind: Kind, ns: &str) -> bool {
        self.namespace_state(kind, ns)
            .is_some_and(SyncState::is_synced)
    }

    pub fn namespaces(&self) -> impl Iterator<Item = &NamespaceInfo> {
        self.namespaces.values()
    }

    pub fn namespace(&self, name: &str) -> Option<&NamespaceInfo> {
        self.namespaces.get(&(String::new(), name.to_string()))
    }

    pub fn pods(&self) -> impl Iterator<Item = &PodInfo> {
        self.pods.values()
    }

    pub fn pods_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a PodInfo> + 'a {
        in_namespace(&self.pods, ns)
    }

    pub fn pod(&self, ns: &str, name: &str) -> Option<&PodInfo> {
        self.pods.get(&(ns.to_string(), name.to_string()))
    }

    pub fn quotas(&self) -> impl Iterator<Item = &QuotaInfo> {
        self.quotas.values()
    }

    pub fn quotas_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a QuotaInfo> + 'a {
        in_namespace(&self.quotas, ns)
    }

    pub fn limit_ranges(&self) -> impl Iterator<Item = &LimitRangeInfo> {
        self.limit_ranges.values()
    }

    pub fn limit_ranges_in<'a>(
        &'a self,
        ns: &str,
    ) -> impl Iterator<Item = &'a LimitRangeInfo> + 'a {
        in_namespace(&self.limit_ranges, ns)
    }

    pub fn network_policies(&self) -> impl Iterator<Item = &NetworkPolicyInfo> {
        self.network_policies.values()
    }

    pub fn network_policies_in<'a>(
        &'a self,
        ns: &str,
    ) -> impl Iterator<Item = &'a NetworkPolicyInfo> + 'a {
        in_namespace(&self.network_policies, ns)
    }

    pub fn role_bindings(&self) -> impl Iterator<Item = &BindingInfo> {
        self.role_bindings.values()
    }

    pub fn role_bindings_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a BindingInfo> + 'a {
        in_namespace(&self.role_bindings, ns)
    }

    pub fn cluster_role_bindings(&self) -> impl Iterator<Item = &BindingInfo> {
        self.cluster_role_bindings.values()
    }

    pub fn roles(&self) -> impl Iterator<Item = &RoleInfo> {
        self.roles.values()
    }

    pub fn role(&self, ns: &str, name: &str) -> Option<&RoleInfo> {
        self.roles.get(&(ns.to_string(), name.to_string()))
    }

    pub fn cluster_roles(&self) -> impl Iterator<Item = &RoleInfo> {
        self.cluster_roles.values()
    }

    pub fn cluster_role(&self, name: &str) -> Option<&RoleInfo> {
        self.cluster_roles.get(&(String::new(), name.to_string()))
    }

    pub fn capsule_tenants(&self) -> impl Iterator<Item = &CapsuleTenantInfo> {
        self.capsule_tenants.values()
    }

    pub fn capsule_tenant(&self, name: &str) -> Option<&CapsuleTenantInfo> {
        self.capsule_tenants.get(&(String::new(), name.to_string()))
    }

    /// Quota and LimitRange refusal events of a namespace.
    pub fn refusal_events_in<'a>(
        &'a self,
        ns: &str,
    ) -> impl Iterator<Item = &'a RefusalEvent> + 'a {
        in_namespace(&self.refusal_events, ns)
    }

    /// Kueue workloads of a namespace that wait for quota.
    pub fn pending_workloads_in<'a>(
        &'a self,
        ns: &str,
    ) -> impl Iterator<Item = &'a WorkloadInfo> + 'a {
        in_namespace(&self.pending_workloads, ns)
    }

    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Namespace => self.namespaces.len(),
            Kind::Pod => self.pods.len(),
            Kind::ResourceQuota => self.quotas.len(),
            Kind::LimitRange => self.limit_ranges.len(),
            Kind::NetworkPolicy => self.network_policies.len(),
            Kind::RoleBinding => self.role_bindings.len(),
            Kind::ClusterRoleBinding => self.cluster_role_bindings.len(),
            Kind::Role => self.roles.len(),
            Kind::ClusterRole => self.cluster_roles.len(),
            Kind::CapsuleTenant => self.capsule_tenants.len(),
            Kind::KueueClusterQueue => self.cluster_queues.len(),
            Kind::KueueLocalQueue => self.local_queues.len(),
            Kind::KueueWorkload => self.pending_workloads.len(),
            Kind::HierarchicalResourceQuota => self.hrqs.len(),
            Kind::ClusterResourceQuota => self.crqs.len(),
            Kind::CapsuleResourcePool => self.resource_pools.len(),
            Kind::CapsulePoolClaim => self.pool_claims.len(),
            Kind::CapsuleGlobalQuota => self.global_quotas.len(),
            Kind::Event => self.refusal_events.len(),
        }
    }

    /// Capsule ResourcePools and GlobalResourceQuotas.
    pub fn capsule_pools(&self) -> impl Iterator<Item = &CapsulePoolInfo> {
        self.resource_pools
            .values()
            .chain(self.global_quotas.values())
    }

    pub fn pool_claims_in<'a>(&'a self, ns: &str) -> impl Iterator<Item = &'a PoolClaimInfo> + 'a {
        in_namespace(&self.pool_claims, ns)
    }

    pub fn cluster_queues(&self) -> impl Iterator<Item = &ClusterQueueInfo> {
        self.cluster_queues.values()
    }

    pub fn cluster_queue(&self, name: &str) -> Option<&ClusterQueueInfo> {
        self.cluster_queues.get(&(String::new(), name.to_string()))
    }

    pub fn local_queues(&self) -> impl Iterator<Item = &LocalQueueInfo> {
        self.local_queues.values()
    }

    pub fn local_queues_in<'a>(
        &'a self,
        ns: &str,
    ) -> impl Iterator<Item = &'a LocalQueueInfo> + 'a {
        in_namespace(&self.local_queues, ns)
    }

    pub fn hierarchical_quotas(&self) -> impl Iterator<Item = &HrqInfo> {
        self.hrqs.values()
    }

    pub fn hierarchical_quotas_in<'a>(
        &'a self,
        ns: &str,
    ) -> impl Iterator<Item = &'a HrqInfo> + 'a {
        in_namespace(&self.hrqs, ns)
    }

    pub fn cluster_resource_quotas(&self) -> impl Iterator<Item = &CrqInfo> {
        self.crqs.values()
    }

    pub fn cluster_resource_quota(&self, name: &str) -> Option<&CrqInfo> {
        self.crqs.get(&(String::new(), name.to_string()))
    }

    /// Whether a watch of `kind` is still on its first list (a kind not
    /// watched at all is not loading: its CRD may not be installed).
    pub fn kind_loading(&self, kind: Kind) -> bool {
        self.scopes(kind)
            .any(|(_, s)| matches!(s, SyncState::Loading { .. }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::projection::{QosClass, RoleRef};
    use std::collections::BTreeMap;

    pub(crate) fn ns(name: &str, labels: &[(&str, &str)]) -> NamespaceInfo {
        NamespaceInfo {
            name: name.to_string(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            phase_terminating: false,
        }
    }

    pub(crate) fn pod(namespace: &str, name: &str, qos: QosClass) -> PodInfo {
        PodInfo {
            namespace: namespace.to_string(),
            name: name.to_string(),
            qos,
            containers_without_requests: Vec::new(),
            priority_class: None,
            node_selector: BTreeMap::new(),
            node_name: None,
            phase: "Running".to_string(),
            host_network: false,
            host_pid: false,
            host_ipc: false,
            privileged: false,
            uses_host_path: false,
            labels: Default::default(),
        }
    }

    fn binding(namespace: Option<&str>, name: &str) -> BindingInfo {
        BindingInfo {
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            role_ref: RoleRef {
                kind: "ClusterRole".into(),
                name: "admin".into(),
            },
            subjects: Vec::new(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }

    #[test]
    fn apply_and_delete_bump_generation() {
        let mut inv = Inventory::new();
        assert_eq!(inv.generation(), 0);
        inv.apply(Change::Applied(Object::Pod(pod(
            "a",
            "p1",
            QosClass::BestEffort,
        ))));
        assert_eq!(inv.generation(), 1);
        assert!(inv.pod("a", "p1").is_some());
        inv.apply(Change::Applied(Object::Pod(pod(
            "a",
            "p1",
            QosClass::Guaranteed,
        ))));
        assert_eq!(inv.count(Kind::Pod), 1);
        assert_eq!(inv.pod("a", "p1").unwrap().qos, QosClass::Guaranteed);
        inv.apply(Change::Deleted(Kind::Pod, ObjectKey::new("a", "p1")));
        assert_eq!(inv.count(Kind::Pod), 0);
        assert_eq!(inv.generation(), 3);
    }

    #[test]
    fn an_unchanged_object_moves_nothing() {
        let mut inv = Inventory::new();
        let p = Object::Pod(pod("a", "p1", QosClass::BestEffort));
        inv.apply(Change::Applied(p.clone()));
        assert_eq!(inv.generation(), 1);
        inv.take_dirty();
        // The same projection again (a status field no view reads moved).
        inv.apply(Change::Applied(p));
        assert_eq!(inv.generation(), 1);
        assert!(inv.take_dirty().is_empty());
        // Deleting what is not there moves nothing either.
        inv.apply(Change::Deleted(Kind::Pod, ObjectKey::new("a", "nope")));
        assert_eq!(inv.generation(), 1);
        assert!(inv.take_dirty().is_empty());
    }

    #[test]
    fn dirty_names_what_moved() {
        let mut inv = Inventory::new();
        inv.apply(Change::Applied(Object::Pod(pod(
            "a",
            "p1",
            QosClass::BestEffort,
        ))));
        inv.apply(Change::Applied(Object::Pod(pod(
            "b",
            "p1",
            QosClass::BestEffort,
        ))));
        inv.apply(Change::Deleted(Kind::Pod, ObjectKey::new("a", "p1")));
        let dirty = inv.take_dirty();
        assert!(!dirty.structure && !dirty.cluster_rbac);
        assert_eq!(
            dirty.namespaces.into_iter().collect::<Vec<_>>(),
            vec!["a".to_string(), "b".to_string()]
        );
        assert!(inv.take_dirty().is_empty(), "taken once");

        inv.apply(Change::Applied(Object::ClusterRoleBinding(binding(
            None, "x",
        ))));
        let dirty = inv.take_dirty();
        assert!(dirty.cluster_rbac && !dirty.structure);

        inv.apply(Change::Applied(Object::Namespace(ns("a", &[]))));
        assert!(inv.take_dirty().structure, "a namespace may move tenants");
        inv.apply(Change::Applied(Object::RoleBinding(binding(
            Some("a"),
            "x",
        ))));
        assert!(inv.take_dirty().structure, "a RoleBinding may name owners");

        // Counting objects while loading moves no tenant; synced does.
        inv.set_sync(Kind::Pod, Scope::Cluster, SyncState::Loading { seen: 1 });
        inv.take_dirty();
        inv.set_sync(Kind::Pod, Scope::Cluster, SyncState::Loading { seen: 500 });
        assert!(inv.take_dirty().is_empty());
        inv.set_sync(Kind::Pod, Scope::Cluster, SyncState::Synced);
        assert!(inv.take_dirty().structure);
    }

    #[test]
    fn per_namespace_range_does_not_leak_into_neighbours() {
        let mut inv = Inventory::new();
        for (n, p) in [("a", "1"), ("a", "2"), ("ab", "1"), ("b", "1"), ("", "x")] {
            inv.apply(Change::Applied(Object::Pod(pod(n, p, QosClass::Burstable))));
        }
        let names: Vec<_> = inv.pods_in("a").map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["1", "2"]);
        assert_eq!(inv.pods_in("ab").count(), 1);
        assert_eq!(inv.pods_in("zzz").count(), 0);
        assert_eq!(inv.pods().count(), 5);
    }

    #[test]
    fn replaced_relists_only_its_scope() {
        let mut inv = Inventory::new();
        inv.apply(Change::Applied(Object::Pod(pod(
            "a",
            "old",
            QosClass::Burstable,
        ))));
        inv.apply(Change::Applied(Object::Pod(pod(
            "b",
            "keep",
            QosClass::Burstable,
        ))));
        inv.apply(Change::Replaced {
            kind: Kind::Pod,
            scope: Scope::Namespace("a".into()),
            objects: vec![
                Object::Pod(pod("a", "new", QosClass::Burstable)),
                // Out of scope and wrong kind: dropped.
                Object::Pod(pod("c", "stray", QosClass::Burstable)),
                Object::Namespace(ns("x", &[])),
            ],
        });
        let all: Vec<_> = inv
            .pods()
            .map(|p| (p.namespace.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(all, vec![("a", "new"), ("b", "keep")]);
        assert_eq!(inv.count(Kind::Namespace), 0);
        assert_eq!(
            inv.sync_state(Kind::Pod, &Scope::Namespace("a".into())),
            Some(&SyncState::Synced)
        );
        assert!(inv.is_readable(Kind::Pod, "a"));
        assert!(!inv.is_readable(Kind::Pod, "b"));
    }

    #[test]
    fn a_relist_that_finds_what_is_held_moves_nothing() {
        let mut inv = Inventory::new();
        let list = |names: &[&str]| Change::Replaced {
            kind: Kind::Pod,
            scope: Scope::Namespace("a".into()),
            objects: names
                .iter()
                .map(|n| Object::Pod(pod("a", n, QosClass::Burstable)))
                .collect(),
        };
        inv.apply(Change::Applied(Object::Pod(pod(
            "b",
            "other",
            QosClass::BestEffort,
        ))));
        inv.apply(list(&["p1", "p2"]));
        inv.take_dirty();
        let generation = inv.generation();
        // The same list again (a polled namespace every 15 s): nothing moves.
        inv.apply(list(&["p2", "p1"]));
        assert_eq!(inv.generation(), generation);
        assert!(inv.take_dirty().namespaces.is_empty());
        // One pod gone, one new: the namespace is marked, the other
        // namespace's pod stays.
        inv.apply(list(&["p2", "p3"]));
        assert!(inv.generation() > generation);
        assert!(inv.take_dirty().namespaces.contains("a"));
        let all: Vec<_> = inv
            .pods()
            .map(|p| (p.namespace.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(all, vec![("a", "p2"), ("a", "p3"), ("b", "other")]);
        // An empty list empties the scope.
        inv.apply(list(&[]));
        assert_eq!(inv.pods().count(), 1);
    }

    #[test]
    fn a_reconnect_keeps_its_first_time_until_a_relist_replaces_the_scope() {
        let mut inv = Inventory::new();
        inv.apply(Change::Replaced {
            kind: Kind::Pod,
            scope: Scope::Cluster,
            objects: vec![
                Object::Pod(pod("a", "kept", QosClass::Burstable)),
                Object::Pod(pod("a", "deleted-meanwhile", QosClass::Burstable)),
            ],
        });
        let lost = |since: &str, reason: &str| Reconnecting {
            since: since.into(),
            reason: reason.into(),
        };
        inv.set_reconnecting(Kind::Pod, Scope::Cluster, lost("10:00:00", "refused"));
        inv.set_reconnecting(Kind::Pod, Scope::Cluster, lost("10:00:07", "timed out"));
        assert_eq!(
            inv.kind_reconnecting(Kind::Pod),
            Some(&lost("10:00:00", "timed out"))
        );
        assert_eq!(inv.kind_reconnecting(Kind::Namespace), None);
        // What was listed stays readable meanwhile.
        assert_eq!(inv.kind_state(Kind::Pod), SyncState::Synced);
        assert_eq!(inv.pods().count(), 2);

        inv.apply(Change::Replaced {
            kind: Kind::Pod,
            scope: Scope::Cluster,
            objects: vec![Object::Pod(pod("a", "kept", QosClass::Burstable))],
        });
        assert_eq!(inv.kind_reconnecting(Kind::Pod), None);
        let names: Vec<_> = inv.pods().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["kept"], "the relist drops what went away");

        // A definite answer (here: forbidden) ends a reconnect too.
        inv.set_reconnecting(Kind::Role, Scope::Cluster, lost("11:00:00", "refused"));
        let before = inv.generation();
        inv.set_sync(
            Kind::Role,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        assert_eq!(inv.kind_reconnecting(Kind::Role), None);
        assert!(inv.generation() > before);
    }

    #[test]
    fn cluster_relist_replaces_everything() {
        let mut inv = Inventory::new();
        inv.apply(Change::Applied(Object::Namespace(ns("gone", &[]))));
        inv.apply(Change::Replaced {
            kind: Kind::Namespace,
            scope: Scope::Cluster,
            objects: vec![
                Object::Namespace(ns("a", &[])),
                Object::Namespace(ns("b", &[])),
            ],
        });
        let names: Vec<_> = inv.namespaces().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b"]);
        assert!(inv.namespace("a").is_some());
        assert_eq!(inv.kind_state(Kind::Namespace), SyncState::Synced);
    }

    #[test]
    fn cluster_scoped_and_namespaced_bindings_are_separate() {
        let mut inv = Inventory::new();
        inv.apply(Change::Applied(Object::RoleBinding(binding(
            Some("a"),
            "rb",
        ))));
        inv.apply(Change::Applied(Object::ClusterRoleBinding(binding(
            None, "rb",
        ))));
        assert_eq!(inv.role_bindings_in("a").count(), 1);
        assert_eq!(inv.cluster_role_bindings().count(), 1);
        inv.apply(Change::Deleted(
            Kind::ClusterRoleBinding,
            ObjectKey::cluster("rb"),
        ));
        assert_eq!(inv.role_bindings().count(), 1);
        assert_eq!(inv.cluster_role_bindings().count(), 0);
    }

    #[test]
    fn set_sync_bumps_only_on_change() {
        let mut inv = Inventory::new();
        inv.set_sync(Kind::Pod, Scope::Cluster, SyncState::Loading { seen: 0 });
        let g = inv.generation();
        inv.set_sync(Kind::Pod, Scope::Cluster, SyncState::Loading { seen: 0 });
        assert_eq!(inv.generation(), g);
        inv.set_sync(Kind::Pod, Scope::Cluster, SyncState::Loading { seen: 10 });
        assert_eq!(inv.generation(), g + 1);
    }

    #[test]
    fn kind_state_aggregates_scopes() {
        let mut inv = Inventory::new();
        assert_eq!(inv.kind_state(Kind::Pod), SyncState::Loading { seen: 0 });
        let denied = SyncState::NoAccess {
            reason: "pods is forbidden".into(),
        };
        inv.set_sync(Kind::Pod, Scope::Cluster, denied.clone());
        assert_eq!(inv.kind_state(Kind::Pod), denied);
        inv.set_sync(
            Kind::Pod,
            Scope::Namespace("a".into()),
            SyncState::Loading { seen: 3 },
        );
        inv.set_sync(
            Kind::Pod,
            Scope::Namespace("b".into()),
            SyncState::Loading { seen: 4 },
        );
        assert_eq!(inv.kind_state(Kind::Pod), SyncState::Loading { seen: 7 });
        inv.set_sync(Kind::Pod, Scope::Namespace("a".into()), SyncState::Synced);
        inv.set_sync(Kind::Pod, Scope::Namespace("b".into()), denied.clone());
        assert_eq!(inv.kind_state(Kind::Pod), SyncState::Synced);
        assert!(inv.is_readable(Kind::Pod, "a"));
        assert_eq!(inv.namespace_state(Kind::Pod, "b"), Some(&denied));
        // Not watched in its own scope: falls back to the cluster watch's state.
        assert_eq!(inv.namespace_state(Kind::Pod, "c"), Some(&denied));
        inv.set_sync(
            Kind::Pod,
            Scope::Namespace("c".into()),
            SyncState::Failed {
                reason: "timeout".into(),
            },
        );
        assert_eq!(
            inv.kind_state(Kind::Pod),
            SyncState::Failed {
                reason: "timeout".into()
            }
        );
        // Other kinds are unaffected.
        assert_eq!(
            inv.kind_state(Kind::ResourceQuota),
            SyncState::Loading { seen: 0 }
        );
        assert_eq!(inv.scopes(Kind::Pod).count(), 4);
    }

    #[test]
    fn synced_cluster_watch_covers_every_namespace() {
        let mut inv = Inventory::new();
        inv.set_sync(Kind::ResourceQuota, Scope::Cluster, SyncState::Synced);
        assert!(inv.is_readable(Kind::ResourceQuota, "anything"));
        assert!(!inv.is_readable(Kind::Pod, "anything"));
        assert_eq!(inv.namespace_state(Kind::Pod, "anything"), None);
    }

    #[test]
    fn kind_metadata() {
        assert!(Kind::Pod.is_namespaced());
        assert!(!Kind::ClusterRole.is_namespaced());
        assert_eq!(Kind::ALL.len(), 11);
        assert_eq!(Kind::CapsuleTenant.as_str(), "Tenant.capsule.clastix.io");
    }
}
