//! Live data: one kube-runtime watcher (list, then watch, with backoff) per
//! kind and scope, each feeding compact projections to the event loop.
//! Whole objects never outlive the event that carried them (DESIGN.md §9).

use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::Api;
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::access::{can, can_watch, resource_of};
use crate::model::{
    BindingInfo, CapsuleTenantInfo, Change, Kind, LimitRangeInfo, NamespaceInfo, NetworkPolicyInfo,
    Object, PodInfo, QuotaInfo, RoleInfo, Scope, SyncState,
};

/// What the watchers tell the event loop.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchUpdate {
    Change(Change),
    Sync {
        kind: Kind,
        scope: Scope,
        state: SyncState,
    },
}

/// Which watches to run, decided by access reviews before any list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchPlan {
    pub watches: Vec<(Kind, Scope)>,
    /// Kinds and scopes the user may not read, with the reason.
    pub no_access: Vec<(Kind, Scope, String)>,
    /// Namespaces the user cannot list but may get one by one.
    pub namespace_gets: Vec<String>,
    /// Whether the Capsule Tenant API is served.
    pub capsule_api: bool,
}

const CAPSULE_GROUP_VERSION: &str = "capsule.clastix.io/v1beta2";

fn capsule_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("capsule.clastix.io", "v1beta2", "Tenant"),
        "tenants",
    )
}

/// Decides, per kind, between one cluster-wide watch and per-namespace
/// watches over `known_namespaces` (from `-n`, the context and config).
pub async fn plan(client: &Client, known_namespaces: &[String]) -> WatchPlan {
    let capsule_api = client
        .list_api_group_resources(CAPSULE_GROUP_VERSION)
        .await
        .is_ok_and(|list| list.resources.iter().any(|r| r.name == "tenants"));
    let mut plan = WatchPlan {
        capsule_api,
        ..WatchPlan::default()
    };
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| *k != Kind::CapsuleTenant || plan.capsule_api)
        .collect();
    let cluster_access =
        futures::future::join_all(kinds.iter().map(|kind| can_watch(client, *kind, None))).await;
    for (kind, allowed) in kinds.into_iter().zip(cluster_access) {
        if allowed {
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
            if allowed {
                plan.watches.push((kind, scope));
            } else {
                plan.no_access
                    .push((kind, scope, format!("cannot list {resource} in {ns}")));
            }
        }
    }
    if !plan.watches.iter().any(|(k, _)| *k == Kind::Namespace) {
        for ns in known_namespaces {
            match can(client, "get", "", "namespaces", None, Some(ns)).await {
                Ok(true) => plan.namespace_gets.push(ns.clone()),
                _ => plan.no_access.push((
                    Kind::Namespace,
                    Scope::Namespace(ns.clone()),
                    format!("cannot get namespace {ns}"),
                )),
            }
        }
    }
    plan
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
    let mut tasks = Vec::new();
    if !plan.capsule_api {
        // Not installed: there is nothing to load, which is not "no access".
        let _ = tx.send(WatchUpdate::Sync {
            kind: Kind::CapsuleTenant,
            scope: Scope::Cluster,
            state: SyncState::Synced,
        });
    }
    // Every planned watch is "loading" before anything else is said, so a
    // reader never mistakes a kind whose watches have not started (only its
    // cluster-wide "no access" known yet) for a finished one.
    for (kind, scope) in &plan.watches {
        let _ = tx.send(WatchUpdate::Sync {
            kind: *kind,
            scope: scope.clone(),
            state: SyncState::Loading { seen: 0 },
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
        tasks.push(tokio::spawn(async move {
            match kind {
                Kind::Namespace => {
                    run::<Namespace>(Api::all(client.clone()), kind, scope, tx, |o| {
                        Object::Namespace(NamespaceInfo::from_namespace(o))
                    })
                    .await
                }
                Kind::Pod => {
                    run::<Pod>(api(&client, &scope), kind, scope, tx, |o| {
                        Object::Pod(PodInfo::from_pod(o))
                    })
                    .await
                }
                Kind::ResourceQuota => {
                    run::<ResourceQuota>(api(&client, &scope), kind, scope, tx, |o| {
                        Object::ResourceQuota(QuotaInfo::from_quota(o))
                    })
                    .await
                }
                Kind::LimitRange => {
                    run::<LimitRange>(api(&client, &scope), kind, scope, tx, |o| {
                        Object::LimitRange(LimitRangeInfo::from_limit_range(o))
                    })
                    .await
                }
                Kind::NetworkPolicy => {
                    run::<NetworkPolicy>(api(&client, &scope), kind, scope, tx, |o| {
                        Object::NetworkPolicy(NetworkPolicyInfo::from_network_policy(o))
                    })
                    .await
                }
                Kind::RoleBinding => {
                    run::<RoleBinding>(api(&client, &scope), kind, scope, tx, |o| {
                        Object::RoleBinding(BindingInfo::from_role_binding(o))
                    })
                    .await
                }
                Kind::ClusterRoleBinding => {
                    run::<ClusterRoleBinding>(Api::all(client.clone()), kind, scope, tx, |o| {
                        Object::ClusterRoleBinding(BindingInfo::from_cluster_role_binding(o))
                    })
                    .await
                }
                Kind::Role => {
                    run::<Role>(api(&client, &scope), kind, scope, tx, |o| {
                        Object::Role(RoleInfo::from_role(o))
                    })
                    .await
                }
                Kind::ClusterRole => {
                    run::<ClusterRole>(Api::all(client.clone()), kind, scope, tx, |o| {
                        Object::ClusterRole(RoleInfo::from_cluster_role(o))
                    })
                    .await
                }
                Kind::CapsuleTenant => {
                    let api = Api::<DynamicObject>::all_with(client.clone(), &capsule_resource());
                    run::<DynamicObject>(api, kind, scope, tx, |o| {
                        Object::CapsuleTenant(CapsuleTenantInfo::from_dynamic(o))
                    })
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
    Watchers { tasks }
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

/// Runs one watch until the task is aborted. The initial list is buffered
/// and handed over whole (so a half-listed kind never looks complete);
/// progress is reported while it loads.
async fn run<K>(
    api: Api<K>,
    kind: Kind,
    scope: Scope,
    tx: UnboundedSender<WatchUpdate>,
    project: impl Fn(&K) -> Object,
) where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let config = watcher::Config::default().page_size(500);
    let mut stream = std::pin::pin!(watcher(api, config).default_backoff());
    let mut buffer: Vec<Object> = Vec::new();
    // Only whether the receiver is gone matters, not the unsent update.
    let send_sync = |state: SyncState| {
        tx.send(WatchUpdate::Sync {
            kind,
            scope: scope.clone(),
            state,
        })
        .map_err(|_| ())
    };
    let _ = send_sync(SyncState::Loading { seen: 0 });
    while let Some(event) = stream.next().await {
        let sent = match event {
            Ok(watcher::Event::Init) => {
                buffer.clear();
                Ok(())
            }
            Ok(watcher::Event::InitApply(object)) => {
                buffer.push(project(&object));
                if buffer.len().is_multiple_of(500) {
                    send_sync(SyncState::Loading { seen: buffer.len() })
                } else {
                    Ok(())
                }
            }
            Ok(watcher::Event::InitDone) => tx
                .send(WatchUpdate::Change(Change::Replaced {
                    kind,
                    scope: scope.clone(),
                    objects: std::mem::take(&mut buffer),
                }))
                .map_err(|_| ()),
            Ok(watcher::Event::Apply(object)) => tx
                .send(WatchUpdate::Change(Change::Applied(project(&object))))
                .map_err(|_| ()),
            Ok(watcher::Event::Delete(object)) => tx
                .send(WatchUpdate::Change(Change::Deleted(
                    kind,
                    project(&object).key(),
                )))
                .map_err(|_| ()),
            Err(err) => send_sync(error_state(&err)),
        };
        if sent.is_err() {
            // The event loop is gone: nobody is watching the screen.
            return;
        }
    }
}

fn error_state(err: &watcher::Error) -> SyncState {
    let api_status = match err {
        watcher::Error::InitialListFailed(kube::Error::Api(status))
        | watcher::Error::WatchStartFailed(kube::Error::Api(status)) => Some(status.as_ref()),
        _ => None,
    };
    match api_status {
        Some(status) if status.code == 403 => SyncState::NoAccess {
            reason: status.message.clone(),
        },
        _ => SyncState::Failed {
            reason: crate::credentials::error_text(err),
        },
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
            let update = match api.get_opt(name).await {
                Ok(Some(ns)) => WatchUpdate::Change(Change::Applied(Object::Namespace(
                    NamespaceInfo::from_namespace(&ns),
                ))),
                Ok(None) => WatchUpdate::Sync {
                    kind: Kind::Namespace,
                    scope,
                    state: SyncState::Failed {
                        reason: format!("namespace {name} does not exist"),
                    },
                },
                Err(kube::Error::Api(status)) if status.code == 403 => WatchUpdate::Sync {
                    kind: Kind::Namespace,
                    scope,
                    state: SyncState::NoAccess {
                        reason: status.message.clone(),
                    },
                },
                Err(err) => WatchUpdate::Sync {
                    kind: Kind::Namespace,
                    scope,
                    state: SyncState::Failed {
                        reason: crate::credentials::error_text(&err),
                    },
                },
            };
            if tx.send(update).is_err() {
                return;
            }
            let _ = tx.send(WatchUpdate::Sync {
                kind: Kind::Namespace,
                scope: Scope::Namespace(name.clone()),
                state: SyncState::Synced,
            });
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}
