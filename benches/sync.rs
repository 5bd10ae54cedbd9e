//! Sync against a real control plane seeded with tier M (ARCHITECTURE.md §9):
//! the time of a plain paginated LIST of every watched kind (the baseline),
//! then tenantry's `watch::plan` + `watch::spawn` until every kind is
//! synced into an `Inventory` (budget: ≤ 1.2 × the LIST), and the memory
//! the synced inventory holds (budget: ≤ 64 MiB).
//!
//! Starts a sandbox in a temp dir and seeds it (timing the seed), or
//! attaches to the one in `TENANTRY_BENCH_SANDBOX` (seeding what is
//! missing). `TENANTRY_BENCH_KEEP=1` leaves a started sandbox running and
//! prints its dir, for the next run to attach to. `TENANTRY_BENCH_ROUNDS`
//! sets how many LIST/sync pairs are timed (default 5).
//! Run with `cargo bench --bench sync`.

mod common;

use std::fmt::Debug;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Samples, cpu_time, fmt, heap_bytes, mib, rss_bytes, signed_mib, tier_from_env};
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::ListParams;
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tenantry::kube::watch::{self, WatchUpdate};
use tenantry::model::{Change, Inventory, Kind};
use tenantry::sandbox::tier::seed_tier;
use tenantry::sandbox::{Lifetime, Persona, Sandbox, Seed};

const PAGE: u32 = 500;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("building a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let tier = tier_from_env();
    let rounds: usize = std::env::var("TENANTRY_BENCH_ROUNDS")
        .ok()
        .map(|s| s.parse().expect("TENANTRY_BENCH_ROUNDS must be a number"))
        .unwrap_or(5);
    let mut report = |line: &str| println!("{line}");

    let keep = std::env::var_os("TENANTRY_BENCH_KEEP").is_some_and(|v| v == "1");
    let mut temp = None;
    let mut sandbox = match std::env::var_os("TENANTRY_BENCH_SANDBOX") {
        Some(dir) => Sandbox::attach(&PathBuf::from(dir)).expect("attaching to the sandbox"),
        None => {
            let binaries = tenantry::sandbox::binaries::locate_or_build(&mut report)
                .expect("locating or building the control-plane binaries");
            let dir = tempfile::Builder::new()
                .prefix("tenantry-bench-")
                .tempdir()
                .expect("making a temp dir");
            let lifetime = if keep {
                Lifetime::Detached
            } else {
                Lifetime::TiedToThisProcess
            };
            let sandbox = Sandbox::start(dir.path(), &binaries, Seed::None, lifetime, &mut report)
                .await
                .expect("starting a sandbox");
            temp = Some(dir);
            sandbox
        }
    };
    let client = sandbox
        .client(Persona::Admin)
        .await
        .expect("an admin client");

    let started = Instant::now();
    let counts = seed_tier(&client, tier, &mut report)
        .await
        .expect("seeding the tier");
    println!(
        "seed {tier}: {} (created {}, already there {})",
        fmt(started.elapsed()),
        counts.created,
        counts.already_present
    );

    // The first LIST warms the API server's caches for both sides.
    let warm = common::list_everything(&client).await;
    println!("warm-up LIST: {} objects in {}", warm.0, fmt(warm.2));

    let mut list = Samples::new("LIST every watched kind (concurrent)");
    let mut list_seq = Samples::new("LIST every watched kind (one by one)");
    let mut sync = Samples::new("plan + spawn until synced");
    let mut plan_only = Samples::new("  of which plan (access reviews)");
    let mut list_cpu = Samples::new("  bench process CPU during the LIST");
    let mut sync_cpu = Samples::new("  bench process CPU during the sync");
    let mut objects = 0;
    for round in 0..rounds {
        // Alternate which goes first, so neither always meets the other's
        // leftovers (garbage collection in the API server, page cache).
        for first in [round % 2 == 0, round % 2 == 1] {
            if first {
                let cpu = cpu_time();
                let (n, _, t) = common::list_everything(&client).await;
                list_cpu.times.push(cpu_time() - cpu);
                objects = n;
                list.times.push(t);
            } else {
                let cpu = cpu_time();
                let (inv, planned, t) = sync_inventory(&client).await;
                sync_cpu.times.push(cpu_time() - cpu);
                drop(inv);
                sync.times.push(t);
                plan_only.times.push(planned);
            }
        }
        list_seq.times.push(list_one_by_one(&client).await);
    }
    println!("{objects} objects per LIST");
    for s in [&list, &list_cpu, &list_seq, &sync, &plan_only, &sync_cpu] {
        s.print();
    }
    let ratio = sync.median().as_secs_f64() / list.median().as_secs_f64();
    let ratio_seq = sync.median().as_secs_f64() / list_seq.median().as_secs_f64();
    println!(
        "sync / LIST (medians): {ratio:.2} × the concurrent LIST, {ratio_seq:.2} × one by one \
         (budget ≤ 1.2 ×)"
    );

    // Memory: with the LIST results and earlier inventories dropped.
    let (heap0, rss0) = (heap_bytes(), rss_bytes());
    let (inventory, _, t) = sync_inventory(&client).await;
    let (heap1, rss1) = (heap_bytes(), rss_bytes());
    println!("memory sync took {}", fmt(t));
    println!(
        "holding the synced inventory: heap +{:.2} MiB, VmRSS +{:.2} MiB \
         (VmRSS {:.1} → {:.1} MiB; budget ≤ 64 MiB)",
        mib(heap1.saturating_sub(heap0)),
        signed_mib(rss1, rss0),
        mib(rss0),
        mib(rss1)
    );
    println!(
        "inventory: {} namespaces, {} pods",
        inventory.namespaces().count(),
        inventory.pods().count()
    );
    drop(inventory);

    if keep && temp.is_some() {
        let dir = temp.take().map(|d| d.keep()).expect("the temp dir");
        println!(
            "sandbox left running: TENANTRY_BENCH_SANDBOX={}",
            dir.display()
        );
    } else if temp.is_some() {
        sandbox.stop();
    }
}

/// Lists one kind cluster-wide, page by page, as typed objects.
async fn list_all<K>(client: &Client) -> Vec<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug,
{
    let started = Instant::now();
    let items = list_pages::<K>(client).await;
    if verbose() {
        println!(
            "    LIST {} {} in {}",
            K::kind(&()),
            items.len(),
            fmt(started.elapsed())
        );
    }
    items
}

/// `TENANTRY_BENCH_VERBOSE=1`: when each kind finished.
fn verbose() -> bool {
    std::env::var_os("TENANTRY_BENCH_VERBOSE").is_some_and(|v| v == "1")
}

async fn list_pages<K>(client: &Client) -> Vec<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug,
{
    let api: Api<K> = Api::all(client.clone());
    let mut params = ListParams::default().limit(PAGE);
    let mut items = Vec::new();
    loop {
        let page = api.list(&params).await.expect("listing");
        items.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params.continue_token = Some(token),
            None => return items,
        }
    }
}

async fn list_one_by_one(client: &Client) -> Duration {
    let started = Instant::now();
    drop(list_all::<Namespace>(client).await);
    drop(list_all::<Pod>(client).await);
    drop(list_all::<ResourceQuota>(client).await);
    drop(list_all::<LimitRange>(client).await);
    drop(list_all::<NetworkPolicy>(client).await);
    drop(list_all::<RoleBinding>(client).await);
    drop(list_all::<ClusterRoleBinding>(client).await);
    drop(list_all::<Role>(client).await);
    drop(list_all::<ClusterRole>(client).await);
    started.elapsed()
}

/// Plans and spawns the watchers, applies what they send until every kind
/// is synced, and stops them. Returns the inventory, the planning time and
/// the total time.
async fn sync_inventory(client: &Client) -> (Inventory, Duration, Duration) {
    let started = Instant::now();
    let plan = watch::plan(client, &[])
        .await
        .expect("the sandbox answers the access reviews");
    let planned = started.elapsed();
    assert!(
        plan.no_access.is_empty(),
        "the admin may read everything: {:?}",
        plan.no_access
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watchers = watch::spawn(client, &plan, &tx);
    let mut inventory = Inventory::new();
    let mut synced_at = Vec::new();
    while !Kind::ALL
        .iter()
        .all(|k| inventory.kind_state(*k).is_synced())
    {
        match rx.recv().await.expect("the watchers run") {
            WatchUpdate::Change(change) => {
                if let Change::Replaced { kind, objects, .. } = &change {
                    synced_at.push(format!(
                        "{kind:?} {} at {}",
                        objects.len(),
                        fmt(started.elapsed())
                    ));
                }
                inventory.apply(change)
            }
            WatchUpdate::Sync { kind, scope, state } => {
                assert!(
                    !matches!(
                        state,
                        tenantry::model::SyncState::Failed { .. }
                            | tenantry::model::SyncState::NoAccess { .. }
                    ),
                    "{kind:?} {scope:?}: {state:?}"
                );
                inventory.set_sync(kind, scope, state);
            }
            WatchUpdate::Reconnecting {
                kind,
                scope,
                reconnecting,
            } => panic!("{kind:?} {scope:?} lost the sandbox: {reconnecting:?}"),
            WatchUpdate::Polled {
                kind,
                scope,
                every_secs,
            } => inventory.set_polled(kind, scope, every_secs),
        }
    }
    let elapsed = started.elapsed();
    drop(watchers);
    if verbose() {
        println!("    sync: {}", synced_at.join(", "));
    }
    (inventory, planned, elapsed)
}
