//! A churn generator for the benchmarks (ARCHITECTURE.md §9): updates the
//! pods of a seeded tier at a steady rate, so that the cost of a change can
//! be measured while the console runs.
//!
//! Each update is one of three, in turn: a label change (the projection
//! changes: tenantry must redo that tenant's row), a phase change between
//! `Pending` and `Running` (also projected), and a status condition that no
//! projection reads (tenantry must notice that nothing it keeps changed and
//! do no work). Pods are taken round-robin with a stride, so consecutive
//! updates land in different namespaces and tenants.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use serde_json::json;

use super::tier::TIER_LABEL;

/// Updates in flight at once; the rate, not this, sets the pace.
const IN_FLIGHT: usize = 32;

/// What a churn run did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChurnReport {
    pub sent: u64,
    pub failed: u64,
    pub seconds: f64,
}

/// Updates tier pods at `rate` per second for `duration` (until killed when
/// None), reporting every 5 s.
pub async fn churn(
    client: &Client,
    rate: u32,
    duration: Option<Duration>,
    report: &mut (dyn FnMut(&str) + Send),
) -> Result<ChurnReport> {
    if rate == 0 {
        bail!("--rate must be at least 1 update a second");
    }
    let pods = tier_pods(client).await?;
    if pods.is_empty() {
        bail!(
            "no pods labelled {TIER_LABEL} to churn: seed a tier first \
             (`tenantry sandbox up --seed tier-m`)"
        );
    }
    report(&format!(
        "churning {} pods at {rate} updates/s{}",
        pods.len(),
        duration.map_or(String::new(), |d| format!(" for {} s", d.as_secs()))
    ));
    // A stride prime to the count walks every pod before repeating one.
    let stride = (1..)
        .map(|k| pods.len() / 7 + k)
        .find(|s| gcd(*s, pods.len()) == 1)
        .unwrap_or(1);
    let started = Instant::now();
    let period = Duration::from_secs_f64(1.0 / f64::from(rate));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut in_flight = futures::stream::FuturesUnordered::new();
    let mut out = ChurnReport::default();
    let mut last_report = Instant::now();
    let mut index = 0usize;
    let mut step = 0u64;
    loop {
        if duration.is_some_and(|d| started.elapsed() >= d) {
            break;
        }
        tokio::select! {
            _ = ticks.tick(), if in_flight.len() < IN_FLIGHT => {
                let (ns, name) = &pods[index];
                index = (index + stride) % pods.len();
                step += 1;
                in_flight.push(update(client.clone(), ns.clone(), name.clone(), step));
            }
            Some(result) = in_flight.next(), if !in_flight.is_empty() => {
                match result {
                    Ok(()) => out.sent += 1,
                    Err(err) => {
                        out.failed += 1;
                        if out.failed <= 3 {
                            report(&format!("  an update failed: {err:#}"));
                        }
                    }
                }
            }
        }
        if last_report.elapsed() >= Duration::from_secs(5) {
            last_report = Instant::now();
            report(&format!(
                "  {} updates ({:.0}/s), {} failed",
                out.sent,
                out.sent as f64 / started.elapsed().as_secs_f64(),
                out.failed
            ));
        }
    }
    while let Some(result) = in_flight.next().await {
        match result {
            Ok(()) => out.sent += 1,
            Err(_) => out.failed += 1,
        }
    }
    out.seconds = started.elapsed().as_secs_f64();
    Ok(out)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Every pod of every seeded tier, by (namespace, name), one page at a time.
async fn tier_pods(client: &Client) -> Result<Vec<(String, String)>> {
    let api: Api<Pod> = Api::all(client.clone());
    let mut params = ListParams::default().labels(TIER_LABEL).limit(5_000);
    let mut out = Vec::new();
    loop {
        let page = api
            .list_metadata(&params)
            .await
            .context("listing the tier's pods")?;
        out.extend(
            page.items
                .iter()
                .map(|p| (p.namespace().unwrap_or_default(), p.name_any())),
        );
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params.continue_token = Some(token),
            None => return Ok(out),
        }
    }
}

/// One update of one pod; which kind depends on `step` (see the module).
async fn update(client: Client, ns: String, name: String, step: u64) -> Result<()> {
    let api: Api<Pod> = Api::namespaced(client, &ns);
    let params = PatchParams::default();
    let result = match step % 3 {
        0 => {
            let patch = json!({ "metadata": { "labels": { "tenantry.dev/churn": (step % 10).to_string() } } });
            api.patch(&name, &params, &Patch::Merge(&patch)).await
        }
        1 => {
            let phase = if step.is_multiple_of(2) {
                "Running"
            } else {
                "Pending"
            };
            let patch = json!({ "status": { "phase": phase } });
            api.patch_status(&name, &params, &Patch::Merge(&patch))
                .await
        }
        _ => {
            let now = k8s_openapi::jiff::Timestamp::now().to_string();
            let patch = json!({ "status": { "conditions": [{
                "type": "tenantry.dev/Churn",
                "status": "True",
                "lastProbeTime": now,
                "lastTransitionTime": now,
            }] } });
            api.patch_status(&name, &params, &Patch::Merge(&patch))
                .await
        }
    };
    result
        .map(|_| ())
        .with_context(|| format!("updating pod {ns}/{name}"))
}
