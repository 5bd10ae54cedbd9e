//! Live data: one kube-runtime watcher (list, then watch, with backoff) per
//! kind and scope, each feeding compact projections to the event loop.
//! Whole objects never outlive the event that carried them (ARCHITECTURE.md §9).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, LimitRange, Namespace, Pod, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, ListParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::watcher;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch as signal;
use tokio::task::JoinHandle;

use super::access::{can_or_unreachable, can_watch, resource_of};
use crate::model::projection::RefusalEvent;
use crate::model::projection::{
    CAPSULE_GROUP, CAPSULE_VERSION, CapsulePoolInfo, GLOBAL_QUOTA_KIND, GLOBAL_QUOTA_PLURAL,
    POOL_CLAIM_KIND, POOL_CLAIM_PLURAL, PoolClaimInfo, PoolKind, RESOURCE_POOL_KIND,
    RESOURCE_POOL_PLURAL,
};
use crate::model::projection::{
    CLUSTER_QUEUE_KIND, CLUSTER_QUEUE_PLURAL, CRQ_GROUP, CRQ_KIND, CRQ_PLURAL, CRQ_VERSION,
    HRQ_GROUP, HRQ_KIND, HRQ_PLURAL, HRQ_VERSION, KUEUE_GROUP, KUEUE_VERSION, LOCAL_QUEUE_KIND,
    LOCAL_QUEUE_PLURAL, WORKLOAD_KIND, WORKLOAD_PLURAL, WorkloadInfo,
};
use crate::model::{
    BindingInfo, CapsuleTenantInfo, Change, ClusterQueueInfo, CrqInfo, HrqInfo, Kind,
    LimitRangeInfo, LocalQueueInfo, NamespaceInfo, NetworkPolicyInfo, Object, PodInfo, QuotaInfo,
    Reconnecting, RoleInfo, Scope, SyncState,
};

pub use crate::model::WatchUpdate;

/// Which watches to run, decided by access reviews before any list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchPlan {
    pub watches: Vec<(Kind, Scope)>,
    /// Kinds and scopes the user may not read, with the reason.
    pub no_access: Vec<(Kind, Scope, String)>,
    /// Namespaces the user cannot list but may get one by one.
    pub namespace_gets: Vec<String>,
    /// Per-namespace lists beyond [`MAX_NAMESPACE_WATCHES`]: listed again
    /// every [`POLL_INTERVAL`] instead of watched, and said so.
    pub polls: Vec<(Kind, Scope)>,
    /// Whether the Capsule Tenant API is served.
    pub capsule_api: bool,
    /// Quota kinds whose CRD is not installed (not served): nothing to
    /// show, which is not "no access".
    pub absent_quota_kinds: Vec<Kind>,
    /// The version each installed quota kind is read in (Kueue serves
    /// v1beta2 and v1beta1; the newest served one is read).
    pub quota_versions: Vec<(Kind, String)>,
    /// Namespaces found in the cluster for a user who cannot list them
    /// (see [`discover`]), each with where it came from; they are planned
    /// like the ones the user named.
    pub discovered: BTreeMap<String, Vec<String>>,
}

/// The API resource of a quota kind from a CRD ([`Kind::QUOTA_OBJECTS`]),
/// in `version` (else the version tenantry was written for).
pub fn quota_resource(kind: Kind, version: Option<&str>) -> Option<ApiResource> {
    let (group, default_version, kind_name, plural) = match kind {
        Kind::KueueClusterQueue => (
            KUEUE_GROUP,
            KUEUE_VERSION,
            CLUSTER_QUEUE_KIND,
            CLUSTER_QUEUE_PLURAL,
        ),
        Kind::KueueLocalQueue => (
            KUEUE_GROUP,
            KUEUE_VERSION,
            LOCAL_QUEUE_KIND,
            LOCAL_QUEUE_PLURAL,
        ),
        Kind::KueueWorkload => (KUEUE_GROUP, KUEUE_VERSION, WORKLOAD_KIND, WORKLOAD_PLURAL),
        Kind::HierarchicalResourceQuota => (HRQ_GROUP, HRQ_VERSION, HRQ_KIND, HRQ_PLURAL),
        Kind::ClusterResourceQuota => (CRQ_GROUP, CRQ_VERSION, CRQ_KIND, CRQ_PLURAL),
        Kind::CapsuleResourcePool => (
            CAPSULE_GROUP,
            CAPSULE_VERSION,
            RESOURCE_POOL_KIND,
            RESOURCE_POOL_PLURAL,
        ),
        Kind::CapsulePoolClaim => (
            CAPSULE_GROUP,
            CAPSULE_VERSION,
            POOL_CLAIM_KIND,
            POOL_CLAIM_PLURAL,
        ),
        Kind::CapsuleGlobalQuota => (
            CAPSULE_GROUP,
            CAPSULE_VERSION,
            GLOBAL_QUOTA_KIND,
            GLOBAL_QUOTA_PLURAL,
        ),
        _ => return None,
    };
    Some(ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(group, version.unwrap_or(default_version), kind_name),
        plural,
    ))
}

/// The versions of a quota kind tenantry reads, newest first: Kueue's
/// v1beta2 (its storage version since v0.15; `cohortName` for `cohort`)
/// and v1beta1 have the same fields tenantry reads and writes otherwise.
fn quota_versions(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::KueueClusterQueue | Kind::KueueLocalQueue | Kind::KueueWorkload => {
            &["v1beta2", KUEUE_VERSION]
        }
        Kind::HierarchicalResourceQuota => &[HRQ_VERSION],
        Kind::ClusterResourceQuota => &[CRQ_VERSION],
        Kind::CapsuleResourcePool | Kind::CapsulePoolClaim | Kind::CapsuleGlobalQuota => {
            &[CAPSULE_VERSION]
        }
        _ => &[],
    }
}

/// Which resources a group/version serves; empty when it is not served
/// (404) or not for this user. `Err` when the server did not answer.
async fn served(client: &Client, group_version: &str) -> Result<Vec<String>, String> {
    match client.list_api_group_resources(group_version).await {
        Ok(list) => Ok(list.resources.into_iter().map(|r| r.name).collect()),
        Err(kube::Error::Api(status)) if status.code < 500 && status.code != 429 => Ok(Vec::new()),
        Err(err) => Err(format!("the API server did not answer: {err}")),
    }
}

const CAPSULE_GROUP_VERSION: &str = "capsule.clastix.io/v1beta2";

/// Per-namespace watches a user without cluster-wide lists gets at most.
/// kube-rs speaks HTTP/1.1, so each watch is a connection of its own: 50
/// namespaces × 7 kinds would be 350 connections and as many lists at
/// start. The kinds come in `Kind::ALL` order, so pods and quotas (what
/// changes most and what the list shows) are watched first; the rest are
/// polled (ARCHITECTURE.md §4).
pub const MAX_NAMESPACE_WATCHES: usize = 100;
/// How often a polled list is read again.
pub const POLL_INTERVAL: Duration = Duration::from_secs(15);
/// Polled lists in flight at once.
const POLLS_IN_FLIGHT: usize = 8;

fn capsule_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("capsule.clastix.io", "v1beta2", "Tenant"),
        "tenants",
    )
}

/// Decides, per kind, between one cluster-wide watch and per-namespace
/// watches over `known_namespaces` (from `-n`, the context and config).
/// Fails when an access review got no answer (the API server is
/// unreachable): a plan made then would call everything "no access".
pub async fn plan(client: &Client, known_namespaces: &[String]) -> Result<WatchPlan, String> {
    let capsule_api = match client.list_api_group_resources(CAPSULE_GROUP_VERSION).await {
        Ok(list) => list.resources.iter().any(|r| r.name == "tenants"),
        // Not served (404), or not for this user.
        Err(kube::Error::Api(status)) if status.code < 500 && status.code != 429 => false,
        Err(err) => return Err(format!("the API server did not answer: {err}")),
    };
    let mut plan = WatchPlan {
        capsule_api,
        ..WatchPlan::default()
    };
    let mut named: Vec<String> = known_namespaces.to_vec();
    if !can_watch(client, Kind::Namespace, None).await? {
        plan.discovered = discover(client, capsule_api).await;
        named.extend(plan.discovered.keys().cloned());
        named.sort();
        named.dedup();
    }
    let known_namespaces = named.as_slice();
    let mut kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| *k != Kind::CapsuleTenant || plan.capsule_api)
        .collect();
    let mut served_by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for kind in Kind::QUOTA_OBJECTS {
        let mut found = None;
        for version in quota_versions(kind) {
            let Some(resource) = quota_resource(kind, Some(version)) else {
                continue;
            };
            let group_version = format!("{}/{}", resource.group, resource.version);
            if !served_by.contains_key(&group_version) {
                let names = served(client, &group_version).await?;
                served_by.insert(group_version.clone(), names);
            }
            if served_by[&group_version].contains(&resource.plural) {
                found = Some(version.to_string());
                break;
            }
        }
        match found {
            Some(version) => {
                kinds.push(kind);
                plan.quota_versions.push((kind, version));
            }
            None => plan.absent_quota_kinds.push(kind),
        }
    }
    let cluster_access =
        futures::future::join_all(kinds.iter().map(|kind| can_watch(client, *kind, None))).await;
    for (kind, allowed) in kinds.into_iter().zip(cluster_access) {
        if allowed? {
            plan.watches.push((kind, Scope::Cluster));
            continue;
        }
        let (_, resource) = resource_of(kind);
        plan.no_access.push((
            kind,
            Scope::Cluster,
            format!("cannot list {resource} cluster-wide"),
        ));
        if !kind.is_namespaced() {
            continue;
        }
        let per_namespace = futures::future::join_all(
            known_namespaces
                .iter()
                .map(|ns| can_watch(client, kind, Some(ns.as_str()))),
        )
        .await;
        for (ns, allowed) in known_namespaces.iter().zip(per_namespace) {
            let scope = Scope::Namespace(ns.clone());
            if allowed? {
                let watched = plan
                    .watches
                    .iter()
                    .filter(|(_, s)| *s != Scope::Cluster)
                    .count();
                if watched < MAX_NAMESPACE_WATCHES || !pollable(kind) {
                    plan.watches.push((kind, scope));
                } else {
                    plan.polls.push((kind, scope));
                }
            } else {
                plan.no_access
                    .push((kind, scope, format!("cannot list {resource} in {ns}")));
            }
        }
    }
    if !plan.watches.iter().any(|(k, _)| *k == Kind::Namespace) {
        for ns in known_namespaces {
            // A namespace's own object is asked for in that namespace (the
            // API server authorizes `GET /api/v1/namespaces/NS` with
            // namespace NS), so a RoleBinding there that grants it counts.
            match can_or_unreachable(client, "get", "", "namespaces", Some(ns), Some(ns)).await? {
                true => plan.namespace_gets.push(ns.clone()),
                false => plan.no_access.push((
                    Kind::Namespace,
                    Scope::Namespace(ns.clone()),
                    format!("cannot get namespace {ns}"),
                )),
            }
        }
    }
    Ok(plan)
}

/// For a user who cannot list namespaces: the namespaces of the Capsule
/// Tenants they own (`status.namespaces`, when they may list Tenants) and
/// of the RoleBindings that name them (when they may list RoleBindings
/// across namespaces). What cannot be read is skipped: this only adds to
/// what the user named.
pub async fn discover(client: &Client, capsule_api: bool) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |ns: &str, origin: String| {
        if ns.is_empty() {
            return;
        }
        let list = found.entry(ns.to_string()).or_default();
        if !list.contains(&origin) {
            list.push(origin);
        }
    };
    let user = super::client::whoami(client).await;
    let is_me = |kind: &str, name: &str, namespace: Option<&str>| {
        user.as_deref().is_some_and(|me| match kind {
            "User" => name == me,
            // Capsule names a ServiceAccount owner in full.
            "ServiceAccount" => {
                name == me
                    || namespace
                        .is_some_and(|ns| me == format!("system:serviceaccount:{ns}:{name}"))
            }
            _ => false,
        })
    };
    if capsule_api {
        let tenants = Api::<DynamicObject>::all_with(client.clone(), &capsule_resource());
        match tenants.list(&ListParams::default()).await {
            Ok(list) => {
                for tenant in list.items.iter().map(CapsuleTenantInfo::from_dynamic) {
                    // Without a known name, every readable Tenant counts:
                    // the per-namespace reviews still decide what is read.
                    let owned = user.is_none()
                        || tenant
                            .owners
                            .iter()
                            .any(|o| is_me(&o.kind, &o.name, o.namespace.as_deref()));
                    if owned {
                        for ns in &tenant.namespaces {
                            add(ns, format!("Capsule tenant {}", tenant.name));
                        }
                    }
                }
            }
            Err(err) => tracing::debug!("Capsule tenants not readable: {err}"),
        }
    }
    if user.is_some() {
        match Api::<RoleBinding>::all(client.clone())
            .list(&ListParams::default())
            .await
        {
            Ok(list) => {
                for binding in &list.items {
                    let mine = binding.subjects.iter().flatten().any(|s| {
                        is_me(
                            &s.kind,
                            &s.name,
                            s.namespace
                                .as_deref()
                                .or(binding.metadata.namespace.as_deref()),
                        )
                    });
                    if let (true, Some(ns)) = (mine, binding.metadata.namespace.as_deref()) {
                        let name = binding.metadata.name.as_deref().unwrap_or_default();
                        add(ns, format!("role binding {ns}/{name}"));
                    }
                }
            }
            Err(err) => tracing::debug!("role bindings not readable cluster-wide: {err}"),
        }
    }
    found
}

/// Watch tasks; dropping this stops them.
#[derive(Debug, Default)]
pub struct Watchers {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts every watch in the plan; updates go to `tx`.
pub fn spawn(client: &Client, plan: &WatchPlan, tx: &UnboundedSender<WatchUpdate>) -> Watchers {
    let (health_tx, health_rx) = signal::channel(Health::Answering);
    let mut tasks = vec![tokio::spawn(probe_health(client.clone(), health_tx))];
    if !plan.capsule_api {
        // Not installed: there is nothing to load, which is not "no access".
        let _ = tx.send(WatchUpdate::Sync {
            kind: Kind::CapsuleTenant,
            scope: Scope::Cluster,
            state: SyncState::Synced,
        });
    }
    for kind in &plan.absent_quota_kinds {
        let _ = tx.send(WatchUpdate::Sync {
            kind: *kind,
            scope: Scope::Cluster,
            state: SyncState::Synced,
        });
    }
    // Every planned watch is "loading" before anything else is said, so a
    // reader never mistakes a kind whose watches have not started (only its
    // cluster-wide "no access" known yet) for a finished one.
    for (kind, scope) in plan.watches.iter().chain(&plan.polls) {
        let _ = tx.send(WatchUpdate::Sync {
            kind: *kind,
            scope: scope.clone(),
            state: SyncState::Loading { seen: 0 },
        });
    }
    for (kind, scope) in &plan.polls {
        let _ = tx.send(WatchUpdate::Polled {
            kind: *kind,
            scope: scope.clone(),
            every_secs: POLL_INTERVAL.as_secs(),
        });
    }
    if !plan.namespace_gets.is_empty() {
        for name in &plan.namespace_gets {
            let _ = tx.send(WatchUpdate::Sync {
                kind: Kind::Namespace,
                scope: Scope::Namespace(name.clone()),
                state: SyncState::Loading { seen: 0 },
            });
        }
    }
    for (kind, scope, reason) in &plan.no_access {
        let _ = tx.send(WatchUpdate::Sync {
            kind: *kind,
            scope: scope.clone(),
            state: SyncState::NoAccess {
                reason: reason.clone(),
            },
        });
    }
    for (kind, scope) in &plan.watches {
        let client = client.clone();
        let tx = tx.clone();
        let (kind, scope) = (*kind, scope.clone());
        let health = health_rx.clone();
        let version = plan
            .quota_versions
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.clone());
        tasks.push(tokio::spawn(async move {
            match kind {
                Kind::Namespace => {
                    run::<Namespace>(Api::all(client.clone()), kind, scope, tx, health, |o| {
                        Object::Namespace(NamespaceInfo::from_namespace(o))
                    })
                    .await
                }
                Kind::Pod => {
                    run::<Pod>(api(&client, &scope), kind, scope, tx, health, |o| {
                        Object::Pod(PodInfo::from_pod(o))
                    })
                    .await
                }
                Kind::ResourceQuota => {
                    run::<ResourceQuota>(api(&client, &scope), kind, scope, tx, health, |o| {
                        Object::ResourceQuota(QuotaInfo::from_quota(o))
                    })
                    .await
                }
                Kind::LimitRange => {
                    run::<LimitRange>(api(&client, &scope), kind, scope, tx, health, |o| {
                        Object::LimitRange(LimitRangeInfo::from_limit_range(o))
                    })
                    .await
                }
                Kind::NetworkPolicy => {
                    run::<NetworkPolicy>(api(&client, &scope), kind, scope, tx, health, |o| {
                        Object::NetworkPolicy(NetworkPolicyInfo::from_network_policy(o))
                    })
                    .await
                }
                Kind::RoleBinding => {
                    run::<RoleBinding>(api(&client, &scope), kind, scope, tx, health, |o| {
                        Object::RoleBinding(BindingInfo::from_role_binding(o))
                    })
                    .await
                }
                Kind::ClusterRoleBinding => {
                    run::<ClusterRoleBinding>(
                        Api::all(client.clone()),
                        kind,
                        scope,
                        tx,
                        health,
                        |o| Object::ClusterRoleBinding(BindingInfo::from_cluster_role_binding(o)),
                    )
                    .await
                }
                Kind::Role => {
                    run::<Role>(api(&client, &scope), kind, scope, tx, health, |o| {
                        Object::Role(RoleInfo::from_role(o))
                    })
                    .await
                }
                Kind::ClusterRole => {
                    run::<ClusterRole>(Api::all(client.clone()), kind, scope, tx, health, |o| {
                        Object::ClusterRole(RoleInfo::from_cluster_role(o))
                    })
                    .await
                }
                Kind::CapsuleTenant => {
                    let api = Api::<DynamicObject>::all_with(client.clone(), &capsule_resource());
                    run::<DynamicObject>(api, kind, scope, tx, health, |o| {
                        Object::CapsuleTenant(CapsuleTenantInfo::from_dynamic(o))
                    })
                    .await
                }
                Kind::KueueClusterQueue
                | Kind::KueueLocalQueue
                | Kind::KueueWorkload
                | Kind::HierarchicalResourceQuota
                | Kind::ClusterResourceQuota
                | Kind::CapsuleResourcePool
                | Kind::CapsulePoolClaim
                | Kind::CapsuleGlobalQuota => {
                    let Some(resource) = quota_resource(kind, version.as_deref()) else {
                        return;
                    };
                    let api = match &scope {
                        Scope::Namespace(ns) if kind.is_namespaced() => {
                            Api::<DynamicObject>::namespaced_with(client.clone(), ns, &resource)
                        }
                        _ => Api::<DynamicObject>::all_with(client.clone(), &resource),
                    };
                    run::<DynamicObject>(api, kind, scope, tx, health, move |o| match kind {
                        Kind::KueueClusterQueue => {
                            Object::KueueClusterQueue(Box::new(ClusterQueueInfo::from_dynamic(o)))
                        }
                        Kind::KueueLocalQueue => {
                            Object::KueueLocalQueue(LocalQueueInfo::from_dynamic(o))
                        }
                        Kind::KueueWorkload => {
                            Object::KueueWorkload(Box::new(WorkloadInfo::from_dynamic(o)))
                        }
                        Kind::HierarchicalResourceQuota => {
                            Object::HierarchicalResourceQuota(Box::new(HrqInfo::from_dynamic(o)))
                        }
                        Kind::CapsuleResourcePool => Object::CapsuleResourcePool(Box::new(
                            CapsulePoolInfo::from_dynamic(o, PoolKind::ResourcePool),
                        )),
                        Kind::CapsulePoolClaim => {
                            Object::CapsulePoolClaim(Box::new(PoolClaimInfo::from_dynamic(o)))
                        }
                        Kind::CapsuleGlobalQuota => Object::CapsuleGlobalQuota(Box::new(
                            CapsulePoolInfo::from_dynamic(o, PoolKind::GlobalResourceQuota),
                        )),
                        _ => Object::ClusterResourceQuota(Box::new(CrqInfo::from_dynamic(o))),
                    })
                    .await
                }
                Kind::Event => {
                    // Only refusals matter, and a busy cluster has many
                    // events: the server selects them (ARCHITECTURE.md §9).
                    let config = watch_config().fields(REFUSAL_EVENTS);
                    run_configured::<Event>(
                        api(&client, &scope),
                        kind,
                        scope,
                        tx,
                        health,
                        config,
                        |o| Object::Event(RefusalEvent::from_event(o)),
                    )
                    .await
                }
            }
        }));
    }
    if !plan.namespace_gets.is_empty() {
        let client = client.clone();
        let tx = tx.clone();
        let names = plan.namespace_gets.clone();
        tasks.push(tokio::spawn(poll_namespaces(client, names, tx)));
    }
    if !plan.polls.is_empty() {
        tasks.push(tokio::spawn(poll_lists(
            client.clone(),
            plan.polls.clone(),
            tx.clone(),
        )));
    }
    Watchers { tasks }
}

/// Lists every polled (kind, namespace) now and every [`POLL_INTERVAL`]:
/// each answer replaces what that scope held, so deletions show too; a
/// scope that stops answering keeps its objects, marked as reconnecting.
async fn poll_lists(client: Client, polls: Vec<(Kind, Scope)>, tx: UnboundedSender<WatchUpdate>) {
    loop {
        let mut answers = futures::stream::iter(polls.iter().cloned())
            .map(|(kind, scope)| {
                let client = client.clone();
                async move {
                    let result = match &scope {
                        Scope::Namespace(ns) => list_in(&client, kind, ns).await,
                        Scope::Cluster => Ok(Vec::new()),
                    };
                    (kind, scope, result)
                }
            })
            .buffer_unordered(POLLS_IN_FLIGHT);
        while let Some((kind, scope, result)) = answers.next().await {
            let update = match result {
                Ok(objects) => WatchUpdate::Change(Change::Replaced {
                    kind,
                    scope,
                    objects,
                }),
                Err(err) => match trouble_of_list(&err) {
                    Trouble::Forbidden(reason) => WatchUpdate::Sync {
                        kind,
                        scope,
                        state: SyncState::NoAccess { reason },
                    },
                    // A list has no resourceVersion to expire.
                    Trouble::Expired => continue,
                    Trouble::Lost(reason) => WatchUpdate::Reconnecting {
                        kind,
                        scope,
                        reconnecting: Reconnecting {
                            since: clock_now(),
                            reason,
                        },
                    },
                    Trouble::Broken(reason) => WatchUpdate::Sync {
                        kind,
                        scope,
                        state: SyncState::Failed { reason },
                    },
                },
            };
            if tx.send(update).is_err() {
                return;
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

fn trouble_of_list(err: &kube::Error) -> Trouble {
    match err {
        kube::Error::Api(status) if status.code == 403 => {
            Trouble::Forbidden(crate::credentials::inert(&status.message))
        }
        kube::Error::Api(status) => {
            trouble_of_status(status.code, crate::credentials::error_text(err))
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_) => {
            Trouble::Lost(crate::credentials::error_text(err))
        }
        _ => Trouble::Broken(crate::credentials::error_text(err)),
    }
}

/// The kinds [`list_in`] can read; the others (quota objects from CRDs,
/// rare) are always watched.
fn pollable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Pod
            | Kind::ResourceQuota
            | Kind::LimitRange
            | Kind::NetworkPolicy
            | Kind::RoleBinding
            | Kind::Role
            | Kind::Event
    )
}

/// One namespace's objects of a namespaced kind, projected, page by page.
async fn list_in(client: &Client, kind: Kind, ns: &str) -> Result<Vec<Object>, kube::Error> {
    match kind {
        Kind::Pod => {
            list_all::<Pod>(Api::namespaced(client.clone(), ns), |o| {
                Object::Pod(PodInfo::from_pod(o))
            })
            .await
        }
        Kind::ResourceQuota => {
            list_all::<ResourceQuota>(Api::namespaced(client.clone(), ns), |o| {
                Object::ResourceQuota(QuotaInfo::from_quota(o))
            })
            .await
        }
        Kind::LimitRange => {
            list_all::<LimitRange>(Api::namespaced(client.clone(), ns), |o| {
                Object::LimitRange(LimitRangeInfo::from_limit_range(o))
            })
            .await
        }
        Kind::NetworkPolicy => {
            list_all::<NetworkPolicy>(Api::namespaced(client.clone(), ns), |o| {
                Object::NetworkPolicy(NetworkPolicyInfo::from_network_policy(o))
            })
            .await
        }
        Kind::RoleBinding => {
            list_all::<RoleBinding>(Api::namespaced(client.clone(), ns), |o| {
                Object::RoleBinding(BindingInfo::from_role_binding(o))
            })
            .await
        }
        Kind::Role => {
            list_all::<Role>(Api::namespaced(client.clone(), ns), |o| {
                Object::Role(RoleInfo::from_role(o))
            })
            .await
        }
        Kind::Event => {
            list_selected::<Event>(
                Api::namespaced(client.clone(), ns),
                ListParams::default().fields(REFUSAL_EVENTS),
                |o| Object::Event(RefusalEvent::from_event(o)),
            )
            .await
        }
        // Cluster-scoped kinds are never planned per namespace.
        _ => Ok(Vec::new()),
    }
}

async fn list_all<K>(
    api: Api<K>,
    project: impl Fn(&K) -> Object,
) -> Result<Vec<Object>, kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    list_selected(api, ListParams::default(), project).await
}

async fn list_selected<K>(
    api: Api<K>,
    params: ListParams,
    project: impl Fn(&K) -> Object,
) -> Result<Vec<Object>, kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let mut params = params.limit(500);
    let mut out = Vec::new();
    loop {
        let page = api.list(&params).await?;
        out.extend(page.items.iter().map(&project));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params.continue_token = Some(token),
            None => return Ok(out),
        }
    }
}

fn api<K>(client: &Client, scope: &Scope) -> Api<K>
where
    K: Resource<DynamicType = ()>,
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
{
    match scope {
        Scope::Cluster => Api::all(client.clone()),
        Scope::Namespace(ns) => Api::namespaced(client.clone(), ns),
    }
}

/// How often the API server is asked whether it answers at all, and how
/// long an answer may take. A paused or partitioned server leaves watch
/// connections open and silent, which a quiet watch cannot tell from a
/// healthy one; this probe can.
const PROBE_INTERVAL: Duration = Duration::from_secs(3);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// Probes in a row that must fail before every watch is called lost, so
/// one slow answer does not make every kind list again.
const PROBE_FAILURES: u32 = 2;
/// The server ends each watch after this long, and the watcher resumes it
/// from its last resourceVersion; with the client's read timeout
/// (`client::READ_TIMEOUT`, longer than this) no request waits forever.
const WATCH_TIMEOUT_SECS: u32 = 60;
/// Retries after a failure wait 1 s, 2 s, 4 s… up to this, or less when the
/// probe sees the server answer again.
const MAX_BACKOFF: Duration = Duration::from_secs(16);

/// Whether the API server answers at all (any HTTP answer counts).
#[derive(Debug, Clone, PartialEq)]
enum Health {
    Answering,
    Lost(String),
}

async fn probe_health(client: Client, health: signal::Sender<Health>) {
    let mut failures = 0;
    loop {
        let answer = match http::Request::get("/livez").body(Vec::new()) {
            Ok(request) => tokio::time::timeout(PROBE_TIMEOUT, client.request_text(request)).await,
            // A constant request always builds; nothing to probe otherwise.
            Err(_) => return,
        };
        let failure = match answer {
            Ok(Ok(_) | Err(kube::Error::Api(_))) => None,
            Ok(Err(err)) => Some(format!("the API server does not answer: {err}")),
            Err(_) => Some(format!(
                "the API server did not answer within {}s",
                PROBE_TIMEOUT.as_secs()
            )),
        };
        match failure {
            None => {
                failures = 0;
                health.send_if_modified(|h| {
                    let lost = *h != Health::Answering;
                    *h = Health::Answering;
                    lost
                });
            }
            Some(reason) => {
                failures += 1;
                if failures >= PROBE_FAILURES {
                    health.send_if_modified(|h| {
                        let answering = *h == Health::Answering;
                        if answering {
                            *h = Health::Lost(reason);
                        }
                        answering
                    });
                }
            }
        }
        if health.is_closed() {
            return;
        }
        tokio::time::sleep(PROBE_INTERVAL).await;
    }
}

/// Resolves with the reason when the server stops answering; a watch
/// started during an outage runs on its own merits.
/// Call `borrow_and_update` when the watch starts; a change seen since
/// then is not missed.
async fn lost(health: &mut signal::Receiver<Health>) -> String {
    loop {
        if health.changed().await.is_err() {
            return std::future::pending().await;
        }
        if let Health::Lost(reason) = &*health.borrow_and_update() {
            return reason.clone();
        }
    }
}

/// Waits `backoff`, or less when the server comes back meanwhile.
async fn pause(backoff: Duration, health: &mut signal::Receiver<Health>) {
    let lost_now = matches!(*health.borrow_and_update(), Health::Lost(_));
    let back = async {
        if !lost_now || health.wait_for(|h| *h == Health::Answering).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = tokio::time::sleep(backoff) => {}
        () = back => {}
    }
}

/// What went wrong with a watch, and so what the console says.
#[derive(Debug, Clone, PartialEq)]
enum Trouble {
    /// 403: the user may not read it.
    Forbidden(String),
    /// The server answered, but not with what a watch needs (a bad
    /// request, a missing resource, an undecodable object).
    Broken(String),
    /// No answer, a timeout, or a server-side fault: reconnect.
    Lost(String),
    /// 410 Gone: the resourceVersion is too old; list again at once.
    Expired,
}

fn trouble_of_status(code: u16, message: String) -> Trouble {
    match code {
        403 => Trouble::Forbidden(message),
        410 => Trouble::Expired,
        400 | 401 | 404 | 405 | 406 | 415 | 422 => Trouble::Broken(message),
        _ => Trouble::Lost(message),
    }
}

fn trouble(err: &watcher::Error) -> Trouble {
    let client_err = match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => e,
        watcher::Error::WatchError(status) => {
            return trouble_of_status(status.code, crate::credentials::error_text(err));
        }
        watcher::Error::NoResourceVersion => {
            return Trouble::Broken(crate::credentials::error_text(err));
        }
    };
    match client_err {
        kube::Error::Api(status) if status.code == 403 => {
            Trouble::Forbidden(crate::credentials::inert(&status.message))
        }
        kube::Error::Api(status) => {
            trouble_of_status(status.code, crate::credentials::error_text(err))
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_) => {
            Trouble::Lost(crate::credentials::error_text(err))
        }
        _ => Trouble::Broken(crate::credentials::error_text(err)),
    }
}

/// Local wall-clock time, `HH:MM:SS`, for "reconnecting since".
pub fn clock_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let time = libc::time_t::try_from(secs).unwrap_or_default();
    // SAFETY: an all-zero `tm` is a valid value of this plain C struct.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r reads `time` and writes only into `tm`, both ours.
    let local = unsafe { !libc::localtime_r(&time, &mut tm).is_null() };
    if local {
        format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
    } else {
        let day = secs % 86_400;
        format!("{:02}:{:02}:{:02} UTC", day / 3600, day / 60 % 60, day % 60)
    }
}

/// The events a controller writes when admission refused a pod it
/// creates (ReplicaSet, Job, StatefulSet, DaemonSet controllers).
const REFUSAL_EVENTS: &str = "reason=FailedCreate,type=Warning";

fn watch_config() -> watcher::Config {
    watcher::Config::default()
        .page_size(500)
        .timeout(WATCH_TIMEOUT_SECS)
}

async fn run<K>(
    api: Api<K>,
    kind: Kind,
    scope: Scope,
    tx: UnboundedSender<WatchUpdate>,
    health: signal::Receiver<Health>,
    project: impl Fn(&K) -> Object,
) where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    run_configured(api, kind, scope, tx, health, watch_config(), project).await;
}

/// Runs one watch until the task is aborted. Each full list is buffered
/// and handed over whole (so a half-listed kind never looks complete, and
/// objects deleted meanwhile vanish); progress is reported while the first
/// one loads. After any failure the watch starts over with a full list, so
/// the console says "synced" again only once what it shows is current.
async fn run_configured<K>(
    api: Api<K>,
    kind: Kind,
    scope: Scope,
    tx: UnboundedSender<WatchUpdate>,
    mut health: signal::Receiver<Health>,
    config: watcher::Config,
    project: impl Fn(&K) -> Object,
) where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    // Only whether the receiver is gone matters, not the unsent update.
    let send = |update: WatchUpdate| tx.send(update).map_err(|_| ());
    let send_sync = |state: SyncState| {
        send(WatchUpdate::Sync {
            kind,
            scope: scope.clone(),
            state,
        })
    };
    let send_reconnecting = |reason: String| {
        send(WatchUpdate::Reconnecting {
            kind,
            scope: scope.clone(),
            reconnecting: Reconnecting {
                since: clock_now(),
                reason,
            },
        })
    };
    if send_sync(SyncState::Loading { seen: 0 }).is_err() {
        return;
    }
    let mut listed = false;
    let mut backoff = Duration::from_secs(1);
    loop {
        health.borrow_and_update();
        let mut stream = std::pin::pin!(watcher(api.clone(), config.clone()));
        let mut buffer: Vec<Object> = Vec::new();
        let trouble = loop {
            let event = tokio::select! {
                event = stream.next() => event,
                reason = lost(&mut health) => break Trouble::Lost(reason),
            };
            let Some(event) = event else {
                break Trouble::Lost("the watch ended".into());
            };
            let sent = match event {
                Ok(watcher::Event::Init) => {
                    buffer.clear();
                    Ok(())
                }
                Ok(watcher::Event::InitApply(object)) => {
                    buffer.push(project(&object));
                    // Progress only while nothing was listed yet: a relist
                    // after an outage keeps the old data on screen.
                    if !listed && buffer.len().is_multiple_of(500) {
                        send_sync(SyncState::Loading { seen: buffer.len() })
                    } else {
                        Ok(())
                    }
                }
                Ok(watcher::Event::InitDone) => {
                    listed = true;
                    backoff = Duration::from_secs(1);
                    send(WatchUpdate::Change(Change::Replaced {
                        kind,
                        scope: scope.clone(),
                        objects: std::mem::take(&mut buffer),
                    }))
                }
                Ok(watcher::Event::Apply(object)) => {
                    send(WatchUpdate::Change(Change::Applied(project(&object))))
                }
                Ok(watcher::Event::Delete(object)) => send(WatchUpdate::Change(Change::Deleted(
                    kind,
                    project(&object).key(),
                ))),
                Err(err) => break trouble(&err),
            };
            if sent.is_err() {
                // The event loop is gone: nobody is watching the screen.
                return;
            }
        };
        let sent = match trouble {
            // Routine: what is shown is only a little behind; list again
            // (after the pause, in case the server keeps saying so).
            Trouble::Expired => Ok(()),
            Trouble::Forbidden(reason) => send_sync(SyncState::NoAccess { reason }),
            Trouble::Broken(reason) => send_sync(SyncState::Failed { reason }),
            Trouble::Lost(reason) => send_reconnecting(reason),
        };
        if sent.is_err() {
            return;
        }
        tracing::debug!(?kind, ?scope, ?backoff, "watch restarts");
        pause(backoff, &mut health).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// For users who cannot list namespaces: get each named one, now and then
/// again, so label changes still arrive (slower than a watch; said in the
/// README).
async fn poll_namespaces(client: Client, names: Vec<String>, tx: UnboundedSender<WatchUpdate>) {
    let api: Api<Namespace> = Api::all(client);
    loop {
        for name in &names {
            let scope = Scope::Namespace(name.clone());
            let sync = |state: SyncState| WatchUpdate::Sync {
                kind: Kind::Namespace,
                scope: scope.clone(),
                state,
            };
            let updates = match api.get_opt(name).await {
                Ok(Some(ns)) => vec![
                    WatchUpdate::Change(Change::Applied(Object::Namespace(
                        NamespaceInfo::from_namespace(&ns),
                    ))),
                    sync(SyncState::Synced),
                ],
                Ok(None) => vec![sync(SyncState::Failed {
                    reason: format!("namespace {name} does not exist"),
                })],
                Err(kube::Error::Api(status)) if status.code == 403 => {
                    vec![sync(SyncState::NoAccess {
                        reason: status.message.clone(),
                    })]
                }
                Err(kube::Error::Api(status)) => vec![sync(SyncState::Failed {
                    reason: status.message.clone(),
                })],
                // No answer: what was read before stays, marked as such.
                Err(err) => vec![WatchUpdate::Reconnecting {
                    kind: Kind::Namespace,
                    scope: scope.clone(),
                    reconnecting: Reconnecting {
                        since: clock_now(),
                        reason: crate::credentials::error_text(&err),
                    },
                }],
            };
            for update in updates {
                if tx.send(update).is_err() {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}
