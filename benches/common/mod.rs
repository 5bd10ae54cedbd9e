//! Shared by the benchmarks: a counting allocator (exact live heap bytes),
//! resident memory from /proc, timing statistics and the tier-M state.
//!
//! Benchmarks are plain programs (`harness = false`): ARCHITECTURE.md §9 budgets
//! are checked by reading the figures they print, never in timed tests.

#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::ListParams;
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;

use tenantry::app::State;
use tenantry::model::{Inventory, ResolverKind};
use tenantry::sandbox::tier::Tier;

/// The system allocator, counting the bytes currently allocated.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes currently allocated on the heap by this process.
pub fn heap_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// VmRSS of this process, in bytes, after handing freed memory back to the
/// system (so that what was dropped does not count).
pub fn rss_bytes() -> usize {
    // SAFETY: malloc_trim only releases free memory at the top of glibc's
    // heaps; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

pub fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub fn signed_mib(after: usize, before: usize) -> f64 {
    (after as f64 - before as f64) / (1024.0 * 1024.0)
}

/// Timings of one measured operation.
pub struct Samples {
    pub name: String,
    pub times: Vec<Duration>,
}

impl Samples {
    pub fn new(name: impl Into<String>) -> Self {
        Samples {
            name: name.into(),
            times: Vec::new(),
        }
    }

    /// Runs `f` `n` times, timing each run.
    pub fn run<T>(name: impl Into<String>, n: usize, mut f: impl FnMut() -> T) -> Samples {
        let mut s = Samples::new(name);
        for _ in 0..n {
            let started = Instant::now();
            std::hint::black_box(f());
            s.times.push(started.elapsed());
        }
        s
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut t = self.times.clone();
        t.sort();
        t
    }

    pub fn median(&self) -> Duration {
        let t = self.sorted();
        t.get(t.len() / 2).copied().unwrap_or_default()
    }

    pub fn p95(&self) -> Duration {
        let t = self.sorted();
        let i = ((t.len() as f64 * 0.95).ceil() as usize).saturating_sub(1);
        t.get(i).copied().unwrap_or_default()
    }

    pub fn print(&self) {
        let t = self.sorted();
        println!(
            "{:<44} median {:>10}  p95 {:>10}  min {:>10}  max {:>10}  (n={})",
            self.name,
            fmt(self.median()),
            fmt(self.p95()),
            fmt(t.first().copied().unwrap_or_default()),
            fmt(t.last().copied().unwrap_or_default()),
            t.len()
        );
    }
}

pub fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.3} s", us / 1e6)
    }
}

/// The tier from `TENANTRY_BENCH_TIER` (`s`, `m` or `l`), tier M by default.
pub fn tier_from_env() -> Tier {
    std::env::var("TENANTRY_BENCH_TIER")
        .ok()
        .map(|s| Tier::parse(&s).expect("TENANTRY_BENCH_TIER must be s, m or l"))
        .unwrap_or(Tier::M)
}

/// A console state over the tier, derived data computed, as after sync.
pub fn tier_state(inventory: Inventory) -> State {
    let mut state = State::new(ResolverKind::default_order(), Vec::new());
    state.inventory = inventory;
    state.planned = true;
    state.size = (200, 50);
    state.refresh();
    state
}

/// User + system CPU time this process has used so far.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Every kind tenantry watches as an admin (no Capsule API in the
/// sandbox), listed at once, page by page: the raw LIST the sync and
/// side-by-side benchmarks compare with. Returns (objects, pods, time);
/// objects are counted, not kept.
pub async fn list_everything(client: &Client) -> (usize, usize, Duration) {
    let started = Instant::now();
    let (ns, pods, quotas, ranges, policies, rbs, crbs, roles, crs) = tokio::join!(
        count::<Namespace>(client),
        count::<Pod>(client),
        count::<ResourceQuota>(client),
        count::<LimitRange>(client),
        count::<NetworkPolicy>(client),
        count::<RoleBinding>(client),
        count::<ClusterRoleBinding>(client),
        count::<Role>(client),
        count::<ClusterRole>(client),
    );
    let elapsed = started.elapsed();
    (
        ns + pods + quotas + ranges + policies + rbs + crbs + roles + crs,
        pods,
        elapsed,
    )
}

pub async fn count<K>(client: &Client) -> usize
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
{
    let api: Api<K> = Api::all(client.clone());
    let mut params = ListParams::default().limit(500);
    let mut n = 0;
    loop {
        let page = api.list(&params).await.expect("listing");
        n += page.items.len();
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params.continue_token = Some(token),
            None => return n,
        }
    }
}
