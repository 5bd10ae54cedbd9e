//! The model at tier M without a cluster: projections of the seeded
//! objects, the inventory's heap, tenant resolution, the tenants rows and
//! `State::refresh` after one pod changed (it redoes that pod's tenant
//! only), and the findings of one tenant and of all. Run with
//! `cargo bench --bench model` (`TENANTRY_BENCH_TIER=s|l` for tier S or L).

mod common;

use std::time::Instant;

use common::{Samples, fmt, heap_bytes, mib, rss_bytes, signed_mib, tier_from_env};
use tenantry::app::{Tab, View};
use tenantry::model::{self, Change, Object, PodInfo};
use tenantry::sandbox::tier::TierObjects;

fn main() {
    let tier = tier_from_env();
    let started = Instant::now();
    let mut objects = TierObjects::build(tier).expect("building the tier's objects");
    objects.simulate_server();
    println!(
        "{tier}: built {} pods, {} namespaces as k8s-openapi objects in {}",
        objects.pods.len(),
        objects.namespaces.len(),
        fmt(started.elapsed())
    );

    let (heap0, rss0) = (heap_bytes(), rss_bytes());
    let started = Instant::now();
    let inventory = tenantry::fixtures::tier_inventory(&objects);
    let projected = started.elapsed();
    let (heap1, rss1) = (heap_bytes(), rss_bytes());
    println!("projecting into the inventory: {}", fmt(projected));
    println!(
        "inventory heap: {:.2} MiB ({} bytes per pod overall); RSS growth {:.2} MiB",
        mib(heap1 - heap0),
        (heap1 - heap0) / objects.pods.len().max(1),
        signed_mib(rss1, rss0)
    );

    let pod = objects
        .pods
        .iter()
        .find(|p| {
            p.metadata
                .namespace
                .as_deref()
                .is_some_and(|ns| ns.contains("t000"))
        })
        .map(PodInfo::from_pod)
        .expect("the tier has pods in tenant t000");
    drop(objects);
    println!(
        "process RSS holding only the inventory: {:.1} MiB",
        mib(rss_bytes())
    );

    let n = 30;
    let resolvers = model::ResolverKind::default_order();
    let resolution = model::resolve_inventory(&inventory, &resolvers, &[]);
    println!(
        "resolved {} tenants over {} namespaces",
        resolution.tenants.len(),
        resolution
            .tenants
            .iter()
            .map(|t| t.namespaces.len())
            .sum::<usize>()
    );
    let mut results = vec![
        Samples::run("resolve_inventory", n, || {
            model::resolve_inventory(&inventory, &resolvers, &[])
        }),
        Samples::run("tenant_rows", n, || {
            model::tenant_rows(&inventory, &resolution)
        }),
    ];
    let first = resolution.tenants.first().expect("the tier has tenants");
    results.push(Samples::run(
        "tenant_quota + qos_breakdown (1 tenant)",
        n,
        || {
            (
                model::tenant_quota(&inventory, first),
                model::qos_breakdown(&inventory, first),
            )
        },
    ));

    let mut state = common::tier_state(inventory);
    // Each update changes the pod's phase, so the projection moves.
    let changed = |i: usize| {
        let mut p = pod.clone();
        p.phase = if i.is_multiple_of(2) {
            "Running"
        } else {
            "Pending"
        }
        .into();
        Object::Pod(p)
    };
    let mut refresh = Samples::new("State::refresh after a pod update (list)");
    for i in 0..n {
        state.inventory.apply(Change::Applied(changed(i)));
        let started = Instant::now();
        state.refresh();
        refresh.times.push(started.elapsed());
    }
    results.push(refresh);

    state.view = View::Detail {
        tenant: first.id.clone(),
        tab: Tab::Quota,
    };
    let mut refresh = Samples::new("State::refresh after a pod update (detail)");
    for i in 0..n {
        state.inventory.apply(Change::Applied(changed(i)));
        let started = Instant::now();
        state.refresh();
        refresh.times.push(started.elapsed());
    }
    results.push(refresh);

    let mut one = Samples::new("findings of the changed tenant");
    for i in 0..n {
        state.inventory.apply(Change::Applied(changed(i)));
        state.refresh();
        let started = Instant::now();
        state.refresh_findings();
        one.times.push(started.elapsed());
    }
    results.push(one);
    let mut all = Samples::new("findings of every tenant");
    for _ in 0..5 {
        state.invalidate();
        state.refresh();
        let started = Instant::now();
        state.refresh_findings();
        all.times.push(started.elapsed());
    }
    results.push(all);
    for r in &results {
        r.print();
    }
}
