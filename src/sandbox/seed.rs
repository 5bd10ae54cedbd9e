//! The demo tenants in `assets/demo/`, applied in phases: namespaces, then
//! policy objects, then pods, then the changes that need pods to exist.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use k8s_openapi::api::core::v1::{ResourceQuota, ServiceAccount};
use kube::core::DynamicObject;
use kube::{Api, Client};

use crate::kube::apply::{Applier, SEED_FIELD_MANAGER, parse_manifests};

/// The namespace in alice's kubeconfig context: one of acme's.
pub const ALICE_NAMESPACE: &str = "acme-dev";

/// Phases in order, embedded so the binary seeds from anywhere.
pub const DEMO_PHASES: [(&str, &str); 4] = [
    (
        "assets/demo/00-namespaces.yaml",
        include_str!("../../assets/demo/00-namespaces.yaml"),
    ),
    (
        "assets/demo/10-policy.yaml",
        include_str!("../../assets/demo/10-policy.yaml"),
    ),
    (
        "assets/demo/20-pods.yaml",
        include_str!("../../assets/demo/20-pods.yaml"),
    ),
    (
        "assets/demo/30-pressure.yaml",
        include_str!("../../assets/demo/30-pressure.yaml"),
    ),
];

/// Applies the demo and waits until every ResourceQuota's status is filled
/// with its current hard limits.
pub async fn seed_demo(client: &Client) -> Result<()> {
    let mut applier = Applier::new(client.clone(), SEED_FIELD_MANAGER, false, true);
    for (origin, text) in DEMO_PHASES {
        let objects = parse_manifests(text, origin)?;
        for object in &objects {
            applier.apply(object).await?;
        }
        let namespaces: BTreeSet<String> = objects
            .iter()
            .filter(|o| kind_of(o) == "Namespace")
            .filter_map(|o| o.metadata.name.clone())
            .collect();
        // Pods are refused until the controller-manager has made the
        // namespace's default ServiceAccount.
        for namespace in &namespaces {
            wait_for_default_service_account(client, namespace).await?;
        }
        let quotas: Vec<(String, String)> = objects
            .iter()
            .filter(|o| kind_of(o) == "ResourceQuota")
            .filter_map(|o| Some((o.metadata.namespace.clone()?, o.metadata.name.clone()?)))
            .collect();
        // Quota admission refuses pods while a quota's status is empty.
        for (namespace, name) in &quotas {
            wait_for_quota_status(client, namespace, name).await?;
        }
    }
    Ok(())
}

fn kind_of(object: &DynamicObject) -> &str {
    object.types.as_ref().map(|t| t.kind.as_str()).unwrap_or("")
}

async fn poll<F, Fut>(what: &str, timeout: Duration, probe: F) -> Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let started = Instant::now();
    loop {
        if probe().await? {
            return Ok(());
        }
        if started.elapsed() > timeout {
            bail!("timed out after {}s waiting for {what}", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn wait_for_default_service_account(client: &Client, namespace: &str) -> Result<()> {
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    poll(
        &format!("ServiceAccount {namespace}/default"),
        Duration::from_secs(60),
        || {
            let accounts = accounts.clone();
            async move { Ok(accounts.get_opt("default").await?.is_some()) }
        },
    )
    .await
}

/// Waits until the quota controller has copied the quota's spec.hard into
/// status.hard and computed status.used.
pub async fn wait_for_quota_status(client: &Client, namespace: &str, name: &str) -> Result<()> {
    let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), namespace);
    poll(
        &format!("the status of ResourceQuota {namespace}/{name}"),
        Duration::from_secs(60),
        || {
            let quotas = quotas.clone();
            async move {
                let quota = quotas
                    .get(name)
                    .await
                    .with_context(|| format!("reading ResourceQuota {namespace}/{name}"))?;
                let spec_hard = quota.spec.and_then(|s| s.hard).unwrap_or_default();
                let status = quota.status.unwrap_or_default();
                Ok(status.hard.as_ref() == Some(&spec_hard) && status.used.is_some())
            }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_phase_parses() {
        let mut kinds = BTreeSet::new();
        for (origin, text) in DEMO_PHASES {
            for object in parse_manifests(text, origin).unwrap() {
                kinds.insert(kind_of(&object).to_string());
            }
        }
        for kind in [
            "Namespace",
            "ResourceQuota",
            "LimitRange",
            "NetworkPolicy",
            "RoleBinding",
            "Pod",
        ] {
            assert!(kinds.contains(kind), "the demo has no {kind}");
        }
    }
}
