//! Benchmark tiers (ARCHITECTURE.md §9): many tenants, seeded fast.
//!
//! Tier M is 1,000 namespaces over 300 tenants, each namespace with one
//! ResourceQuota, one LimitRange, two NetworkPolicies, three RoleBindings and
//! fifteen pods; tier S is a tenth of it for quick runs. The objects are
//! built here as typed k8s-openapi values, so benchmarks without a cluster
//! project exactly what a seeded sandbox holds ([`TierObjects::simulate_server`]
//! fills in what the API server and the controller-manager would).
//!
//! Seeding uses plain creates (not server-side apply), many in flight at
//! once, skips what a previous run already created (so a re-run completes
//! a partial seed) and treats `409 AlreadyExists` as done.
//!
//! Half the namespaces (even index) have a LimitRange with container
//! defaults and an unscoped quota, so their pods without resources are
//! defaulted to Burstable. The other half have a LimitRange without
//! container defaults (a PersistentVolumeClaim limit: `min`/`max` on
//! containers would refuse BestEffort pods) and a quota scoped to
//! `NotBestEffort` (an unscoped `requests.cpu` quota would refuse them too),
//! so their pods without resources stay BestEffort.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Debug;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::{
    LimitRange, Namespace, Pod, PodStatus, ResourceQuota, ResourceQuotaStatus, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::RoleBinding;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::model::projection::compute_qos;

/// The label every tier object carries, with the tier's name as value.
pub const TIER_LABEL: &str = "tenantry.dev/tier";
/// The tenant label of the default `label` resolver.
pub const TENANT_LABEL: &str = "tenantry.dev/tenant";

/// Creates in flight at once: enough to keep the API server busy, few
/// enough that it never throttles (max-mutating-requests-inflight is 200).
const IN_FLIGHT: usize = 48;
const PODS_PER_NAMESPACE: usize = 15;
/// Namespaces of tier L's tenant `t0000`.
pub const BIG_TENANT_NAMESPACES: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// 100 namespaces, 1,500 pods, 30 tenants: quick runs.
    S,
    /// 1,000 namespaces, 15,000 pods, 300 tenants: ARCHITECTURE.md §9.
    M,
    /// 10,000 namespaces, 150,000 pods, 3,300 tenants: Kubernetes'
    /// scalability thresholds (SIG Scalability). Tenants are found by four
    /// resolvers in turn (label, Capsule, Rancher, kiosk), and tenant
    /// `t0000` has 50 namespaces, for a namespace admin at scale.
    L,
}

impl Tier {
    pub fn parse(s: &str) -> Option<Tier> {
        match s.to_ascii_lowercase().as_str() {
            "s" => Some(Tier::S),
            "m" => Some(Tier::M),
            "l" => Some(Tier::L),
            _ => None,
        }
    }

    /// Lower-case name, also the value of [`TIER_LABEL`].
    pub fn name(self) -> &'static str {
        match self {
            Tier::S => "s",
            Tier::M => "m",
            Tier::L => "l",
        }
    }

    pub fn namespace_count(self) -> usize {
        match self {
            Tier::S => 100,
            Tier::M => 1_000,
            Tier::L => 10_000,
        }
    }

    pub fn tenant_count(self) -> usize {
        match self {
            Tier::S => 30,
            Tier::M => 300,
            Tier::L => 3_300,
        }
    }

    /// Prefix of the namespace names: `tm-t007-2` in tier M, `ts-…` in S,
    /// `tl-t0042-1` in L.
    fn prefix(self) -> &'static str {
        match self {
            Tier::S => "ts",
            Tier::M => "tm",
            Tier::L => "tl",
        }
    }

    /// The tenant of namespace `k` and the namespace's number within it.
    /// In tier L the first [`BIG_TENANT_NAMESPACES`] namespaces are tenant
    /// 0's; the others go round the remaining tenants.
    fn place(self, k: usize) -> (usize, usize) {
        match self {
            Tier::L if k < BIG_TENANT_NAMESPACES => (0, k),
            Tier::L => {
                let rest = self.tenant_count() - 1;
                let i = k - BIG_TENANT_NAMESPACES;
                (1 + i % rest, i / rest)
            }
            _ => (k % self.tenant_count(), k / self.tenant_count()),
        }
    }

    /// The tenant's name: `t007` (S, M) or `t0042` (L).
    fn tenant_name(self, t: usize) -> String {
        match self {
            Tier::L => format!("t{t:04}"),
            _ => format!("t{t:03}"),
        }
    }

    /// The namespace label that makes a namespace its tenant's: tier L
    /// turns through four resolvers (label, Capsule, Rancher, kiosk), so
    /// tenant resolution at scale is measured across them.
    fn tenant_label(self, t: usize, tenant: &str) -> (&'static str, String) {
        use crate::model::tenant::{
            CAPSULE_TENANT_LABEL, KIOSK_ACCOUNT_LABEL, RANCHER_PROJECT_LABEL,
        };
        match (self, t % 4) {
            (Tier::L, 1) => (CAPSULE_TENANT_LABEL, tenant.to_string()),
            // Rancher's label holds the project id alone (the annotation
            // of the same name adds the cluster: `c-xxxxx:p-yyyyy`, which
            // is no valid label value).
            (Tier::L, 2) => (RANCHER_PROJECT_LABEL, tenant.to_string()),
            (Tier::L, 3) => (KIOSK_ACCOUNT_LABEL, tenant.to_string()),
            _ => (TENANT_LABEL, tenant.to_string()),
        }
    }

    /// Memory the sandbox needs to hold the tier (etcd, kube-apiserver with
    /// its watch cache, kube-controller-manager's informers), with room for
    /// one console. Measured on this project's machine once seeded (README
    /// "Measured"): tier L's kube-apiserver 6.9 GiB, kube-controller-manager
    /// 2.6 GiB, etcd 0.65 GiB; rounded up.
    pub fn memory_estimate_mib(self) -> u64 {
        match self {
            Tier::S => 1_024,
            Tier::M => 2_048,
            Tier::L => 12_288,
        }
    }

    /// What the tier holds once seeded.
    pub fn expected(self) -> TierCounts {
        let ns = self.namespace_count();
        TierCounts {
            namespaces: ns,
            pods: ns * PODS_PER_NAMESPACE,
            quotas: ns,
            limit_ranges: ns,
            network_policies: 2 * ns,
            role_bindings: 3 * ns,
            tenants: self.tenant_count(),
            created: 0,
            already_present: 0,
        }
    }

    /// The selector of every object of the tier.
    pub fn selector(self) -> String {
        format!("{TIER_LABEL}={}", self.name())
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tier {}", self.name().to_ascii_uppercase())
    }
}

/// Objects of a tier, and (after a seed) how many this run created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TierCounts {
    pub namespaces: usize,
    pub pods: usize,
    pub quotas: usize,
    pub limit_ranges: usize,
    pub network_policies: usize,
    pub role_bindings: usize,
    pub tenants: usize,
    /// Objects this run created.
    pub created: usize,
    /// Objects a previous run had created already.
    pub already_present: usize,
}

impl TierCounts {
    pub fn objects(&self) -> usize {
        self.namespaces
            + self.pods
            + self.quotas
            + self.limit_ranges
            + self.network_policies
            + self.role_bindings
    }
}

/// Requests and limits of one container, in millicores and MiB.
#[derive(Debug, Clone, Copy)]
struct Shape {
    requests: Option<(u64, u64)>,
    limits: Option<(u64, u64)>,
}

const GUARANTEED: Shape = Shape {
    requests: Some((100, 128)),
    limits: Some((100, 128)),
};
const BURSTABLE: Shape = Shape {
    requests: Some((50, 64)),
    limits: Some((200, 256)),
};
const NO_RESOURCES: Shape = Shape {
    requests: None,
    limits: None,
};
/// The LimitRange defaults of even namespaces.
const DEFAULT_REQUEST: (u64, u64) = (100, 128);
const DEFAULT_LIMIT: (u64, u64) = (500, 512);

fn has_defaults(ns_index: usize) -> bool {
    ns_index.is_multiple_of(2)
}

/// Pod `j` of namespace `ns_index`: mostly explicit requests, the last
/// three without resources (defaulted or BestEffort).
fn shape(ns_index: usize, j: usize) -> Shape {
    let guaranteed = if has_defaults(ns_index) { 5 } else { 4 };
    match j {
        _ if j >= PODS_PER_NAMESPACE - 3 => NO_RESOURCES,
        _ if j < guaranteed => GUARANTEED,
        _ => BURSTABLE,
    }
}

/// Requests a pod ends up with after LimitRange defaulting.
fn effective_requests(ns_index: usize, shape: Shape) -> Option<(u64, u64)> {
    shape
        .requests
        .or_else(|| has_defaults(ns_index).then_some(DEFAULT_REQUEST))
}

fn cpu(millis: u64) -> String {
    format!("{millis}m")
}

fn mem(mib: u64) -> String {
    format!("{mib}Mi")
}

/// Every object of a tier, as the seed creates it.
#[derive(Debug, Clone, Default)]
pub struct TierObjects {
    pub namespaces: Vec<Namespace>,
    pub quotas: Vec<ResourceQuota>,
    pub limit_ranges: Vec<LimitRange>,
    pub network_policies: Vec<NetworkPolicy>,
    pub role_bindings: Vec<RoleBinding>,
    /// Ordered pod index first, namespace second, so that creates in flight
    /// together hit different namespaces' quotas.
    pub pods: Vec<Pod>,
}

impl TierObjects {
    pub fn build(tier: Tier) -> Result<TierObjects> {
        let mut out = TierObjects::default();
        let tier_name = tier.name();
        let names: Vec<(String, String, usize)> = (0..tier.namespace_count())
            .map(|k| {
                let (t, n) = tier.place(k);
                let tenant = tier.tenant_name(t);
                let name = format!("{}-{tenant}-{n}", tier.prefix());
                (name, tenant, t)
            })
            .collect();
        for (k, (ns, tenant, t)) in names.iter().enumerate() {
            let labels = json!({ TIER_LABEL: tier_name, TENANT_LABEL: tenant });
            let meta = |name: &str| json!({ "name": name, "namespace": ns, "labels": labels });
            let (key, value) = tier.tenant_label(*t, tenant);
            out.namespaces.push(from_json(json!({
                "metadata": { "name": ns, "labels": { TIER_LABEL: tier_name, key: value } },
            }))?);

            // Quota: pods and requests, sized so that pressure spreads
            // from about half to 95 % over the namespaces.
            let defaults = has_defaults(k);
            let counted: Vec<(u64, u64)> = (0..PODS_PER_NAMESPACE)
                .filter_map(|j| effective_requests(k, shape(k, j)))
                .collect();
            let used_cpu: u64 = counted.iter().map(|r| r.0).sum();
            let used_mem: u64 = counted.iter().map(|r| r.1).sum();
            let percent = [50, 65, 80, 95][k % 4] as u64;
            let hard_pods = (counted.len() as u64 * 100).div_ceil([60, 75, 90, 94][(k / 4) % 4]);
            let mut spec = json!({
                "hard": {
                    "pods": hard_pods.to_string(),
                    "requests.cpu": cpu((used_cpu * 100).div_ceil(percent)),
                    "requests.memory": mem((used_mem * 100).div_ceil(percent)),
                },
            });
            if !defaults {
                spec["scopes"] = json!(["NotBestEffort"]);
            }
            out.quotas.push(from_json(
                json!({ "metadata": meta("compute"), "spec": spec }),
            )?);

            let limits = if defaults {
                json!([{
                    "type": "Container",
                    "default": { "cpu": cpu(DEFAULT_LIMIT.0), "memory": mem(DEFAULT_LIMIT.1) },
                    "defaultRequest": {
                        "cpu": cpu(DEFAULT_REQUEST.0),
                        "memory": mem(DEFAULT_REQUEST.1),
                    },
                }])
            } else {
                json!([{ "type": "PersistentVolumeClaim", "max": { "storage": "50Gi" } }])
            };
            out.limit_ranges.push(from_json(json!({
                "metadata": meta("limits"),
                "spec": { "limits": limits },
            }))?);

            out.network_policies.push(from_json(json!({
                "metadata": meta("default-deny"),
                "spec": { "podSelector": {}, "policyTypes": ["Ingress", "Egress"] },
            }))?);
            out.network_policies.push(from_json(json!({
                "metadata": meta("allow-same-namespace"),
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Ingress", "Egress"],
                    "ingress": [{ "from": [{ "podSelector": {} }] }],
                    "egress": [
                        { "to": [{ "podSelector": {} }] },
                        {
                            "to": [{ "namespaceSelector": {
                                "matchLabels": { "kubernetes.io/metadata.name": "kube-system" },
                            } }],
                            "ports": [{ "protocol": "UDP", "port": 53 }],
                        },
                    ],
                },
            }))?);

            for (name, role, kind, subject) in [
                ("owners", "admin", "User", format!("owner-{tenant}")),
                ("developers", "edit", "User", format!("dev-{tenant}")),
                ("viewers", "view", "Group", format!("viewers-{tenant}")),
            ] {
                out.role_bindings.push(from_json(json!({
                    "metadata": meta(name),
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": role,
                    },
                    "subjects": [{
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": kind,
                        "name": subject,
                    }],
                }))?);
            }
        }
        for j in 0..PODS_PER_NAMESPACE {
            for (k, (ns, tenant, _)) in names.iter().enumerate() {
                let s = shape(k, j);
                let mut resources = json!({});
                if let Some((c, m)) = s.requests {
                    resources["requests"] = json!({ "cpu": cpu(c), "memory": mem(m) });
                }
                if let Some((c, m)) = s.limits {
                    resources["limits"] = json!({ "cpu": cpu(c), "memory": mem(m) });
                }
                out.pods.push(from_json(json!({
                    "metadata": {
                        "name": format!("app-{j:02}"),
                        "namespace": ns,
                        "labels": {
                            TIER_LABEL: tier_name,
                            TENANT_LABEL: tenant,
                            "app": format!("app-{}", j % 5),
                        },
                    },
                    "spec": {
                        "containers": [{
                            "name": "app",
                            "image": "registry.k8s.io/pause:3.10",
                            "resources": resources,
                        }],
                    },
                }))?);
            }
        }
        Ok(out)
    }

    /// Fills in what the API server and the controller-manager would, for
    /// benchmarks without a cluster: the `kubernetes.io/metadata.name`
    /// label, LimitRange defaults, pod QoS class and phase, and quota status.
    pub fn simulate_server(&mut self) {
        for ns in &mut self.namespaces {
            let name = ns.name_any();
            ns.labels_mut()
                .insert("kubernetes.io/metadata.name".into(), name);
        }
        let defaults: HashSet<String> = self
            .limit_ranges
            .iter()
            .filter(|lr| {
                lr.spec
                    .as_ref()
                    .is_some_and(|s| s.limits.iter().any(|l| l.default.is_some()))
            })
            .filter_map(|lr| lr.namespace())
            .collect();
        // Requests of counted pods per namespace: (pods, cpu m, memory Mi)
        // for all pods, and for pods that are not BestEffort.
        let mut used: BTreeMap<String, [(u64, u64, u64); 2]> = BTreeMap::new();
        for pod in &mut self.pods {
            let ns = pod.namespace().unwrap_or_default();
            let Some(spec) = pod.spec.as_mut() else {
                continue;
            };
            for c in &mut spec.containers {
                let r = c.resources.get_or_insert_with(Default::default);
                if r.requests.is_none() && r.limits.is_none() && defaults.contains(&ns) {
                    let q = |(c, m): (u64, u64)| {
                        BTreeMap::from([
                            ("cpu".to_string(), Quantity(cpu(c))),
                            ("memory".to_string(), Quantity(mem(m))),
                        ])
                    };
                    r.requests = Some(q(DEFAULT_REQUEST));
                    r.limits = Some(q(DEFAULT_LIMIT));
                }
            }
            let qos = compute_qos(&spec.containers, &[], None);
            let (c, m) = spec
                .containers
                .iter()
                .filter_map(|c| c.resources.as_ref()?.requests.as_ref())
                .fold((0, 0), |(c, m), r| {
                    (
                        c + r.get("cpu").map_or(0, |q| parse_suffixed(&q.0, "m")),
                        m + r.get("memory").map_or(0, |q| parse_suffixed(&q.0, "Mi")),
                    )
                });
            let entry = used.entry(ns).or_default();
            let best_effort = qos == crate::model::QosClass::BestEffort;
            for (i, slot) in entry.iter_mut().enumerate() {
                if i == 0 || !best_effort {
                    *slot = (slot.0 + 1, slot.1 + c, slot.2 + m);
                }
            }
            pod.status = Some(PodStatus {
                phase: Some("Pending".into()),
                qos_class: Some(qos.as_str().into()),
                ..PodStatus::default()
            });
        }
        for quota in &mut self.quotas {
            let ns = quota.namespace().unwrap_or_default();
            let Some(spec) = quota.spec.as_ref() else {
                continue;
            };
            let scoped = spec.scopes.as_ref().is_some_and(|s| !s.is_empty());
            let (pods, c, m) = used.get(&ns).map_or((0, 0, 0), |u| u[usize::from(scoped)]);
            quota.status = Some(ResourceQuotaStatus {
                hard: spec.hard.clone(),
                used: Some(BTreeMap::from([
                    ("pods".to_string(), Quantity(pods.to_string())),
                    ("requests.cpu".to_string(), Quantity(cpu(c))),
                    ("requests.memory".to_string(), Quantity(mem(m))),
                ])),
            });
        }
    }
}

/// Reads the integer quantities this module writes (`150m`, `64Mi`).
fn parse_suffixed(s: &str, suffix: &str) -> u64 {
    s.strip_suffix(suffix)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn from_json<K: DeserializeOwned>(value: serde_json::Value) -> Result<K> {
    serde_json::from_value(value).context("building a tier object")
}

/// Seeds `tier` into the cluster behind `client` (an admin's): namespaces,
/// then their policy objects, then (once every namespace has its default
/// ServiceAccount and every quota its status) the pods.
pub async fn seed_tier(
    client: &Client,
    tier: Tier,
    report: &mut (dyn FnMut(&str) + Send),
) -> Result<TierCounts> {
    let started = Instant::now();
    let objects = TierObjects::build(tier)?;
    let selector = tier.selector();
    let mut counts = tier.expected();
    report(&format!(
        "seeding {tier}: {} objects in {} namespaces of {} tenants",
        counts.objects(),
        counts.namespaces,
        counts.tenants
    ));

    let mut phase = Phase::new(report);
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let present = existing(&namespaces, &selector).await?;
    phase.add_all(objects.namespaces, &present, |_| namespaces.clone());
    phase.run("namespaces", &mut counts).await?;

    let present_quotas = existing(&Api::<ResourceQuota>::all(client.clone()), &selector).await?;
    let present_ranges = existing(&Api::<LimitRange>::all(client.clone()), &selector).await?;
    let present_policies = existing(&Api::<NetworkPolicy>::all(client.clone()), &selector).await?;
    let present_bindings = existing(&Api::<RoleBinding>::all(client.clone()), &selector).await?;
    phase.add_all(objects.quotas, &present_quotas, in_namespace(client));
    phase.add_all(objects.limit_ranges, &present_ranges, in_namespace(client));
    phase.add_all(
        objects.network_policies,
        &present_policies,
        in_namespace(client),
    );
    phase.add_all(
        objects.role_bindings,
        &present_bindings,
        in_namespace(client),
    );
    phase
        .run("quotas, limit ranges, policies and bindings", &mut counts)
        .await?;

    // The controller-manager would make these, but its client is limited
    // to 20 requests a second (a minute for tier M): make them here, and
    // fill each new quota's status with what the quota controller would
    // write for a namespace without pods. Both then agree with it.
    let names: BTreeSet<String> = objects.pods.iter().filter_map(|p| p.namespace()).collect();
    let present_accounts = existing_default_accounts(client).await?;
    let accounts: Vec<ServiceAccount> = names
        .iter()
        .map(|ns| {
            let mut account = ServiceAccount::default();
            account.metadata.name = Some("default".into());
            account.metadata.namespace = Some(ns.clone());
            account
        })
        .collect();
    phase.add_all(accounts, &present_accounts, in_namespace(client));
    phase
        .run("default ServiceAccounts", &mut TierCounts::default())
        .await?;
    prime_quota_statuses(client, &selector, phase.report).await?;
    wait_for_service_accounts(client, &names, phase.report).await?;
    wait_for_quota_statuses(client, &selector, names.len(), phase.report).await?;

    let present_pods = existing(&Api::<Pod>::all(client.clone()), &selector).await?;
    phase.add_all(objects.pods, &present_pods, in_namespace(client));
    phase.run("pods", &mut counts).await?;

    report(&format!(
        "seeded {tier} in {:.1}s: {} created, {} already there",
        started.elapsed().as_secs_f64(),
        counts.created,
        counts.already_present
    ));
    Ok(counts)
}

/// The API of a namespaced object's own namespace.
fn in_namespace<K>(client: &Client) -> impl Fn(&K) -> Api<K>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>,
{
    let client = client.clone();
    move |object| Api::namespaced(client.clone(), &object.namespace().unwrap_or_default())
}

enum Outcome {
    Created,
    AlreadyPresent,
}

type Create = BoxFuture<'static, Result<Outcome>>;

/// One batch of creates, run with bounded concurrency.
struct Phase<'r> {
    report: &'r mut (dyn FnMut(&str) + Send),
    creates: Vec<Create>,
    skipped: usize,
}

impl<'r> Phase<'r> {
    fn new(report: &'r mut (dyn FnMut(&str) + Send)) -> Self {
        Phase {
            report,
            creates: Vec::new(),
            skipped: 0,
        }
    }

    /// Queues a create of every object not in `present`.
    fn add_all<K>(
        &mut self,
        objects: Vec<K>,
        present: &HashSet<(String, String)>,
        api_for: impl Fn(&K) -> Api<K>,
    ) where
        K: Resource<DynamicType = ()> + Clone + Serialize + DeserializeOwned + Debug,
        K: Send + Sync + 'static,
    {
        for object in objects {
            let key = (object.namespace().unwrap_or_default(), object.name_any());
            if present.contains(&key) {
                self.skipped += 1;
                continue;
            }
            self.creates.push(create(api_for(&object), object).boxed());
        }
    }

    async fn run(&mut self, what: &str, counts: &mut TierCounts) -> Result<()> {
        let started = Instant::now();
        let total = self.creates.len();
        counts.already_present += std::mem::take(&mut self.skipped);
        let mut done = 0;
        let mut last_report = Instant::now();
        let mut results =
            futures::stream::iter(std::mem::take(&mut self.creates)).buffer_unordered(IN_FLIGHT);
        while let Some(result) = results.next().await {
            match result? {
                Outcome::Created => counts.created += 1,
                Outcome::AlreadyPresent => counts.already_present += 1,
            }
            done += 1;
            if last_report.elapsed() >= Duration::from_secs(5) {
                last_report = Instant::now();
                (self.report)(&format!(
                    "  {what}: {done}/{total} ({:.0}/s)",
                    done as f64 / started.elapsed().as_secs_f64()
                ));
            }
        }
        let secs = started.elapsed().as_secs_f64();
        (self.report)(&format!(
            "  {what}: {total} created in {secs:.1}s ({:.0}/s)",
            total as f64 / secs.max(0.001)
        ));
        Ok(())
    }
}

/// Creates one object, retrying what a busy API server may answer.
async fn create<K>(api: Api<K>, object: K) -> Result<Outcome>
where
    K: Resource<DynamicType = ()> + Clone + Serialize + DeserializeOwned + Debug,
{
    let params = PostParams::default();
    let mut delay = Duration::from_millis(100);
    for attempt in 1.. {
        match api.create(&params, &object).await {
            Ok(_) => return Ok(Outcome::Created),
            Err(kube::Error::Api(status))
                if status.code == 409 && status.reason == "AlreadyExists" =>
            {
                return Ok(Outcome::AlreadyPresent);
            }
            Err(err) if attempt < 10 && retryable(&err) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
            Err(err) => {
                let kind = K::kind(&()).into_owned();
                let (ns, name) = (object.namespace(), object.name_any());
                return Err(err).with_context(|| match ns {
                    Some(ns) => format!("creating {kind} {ns}/{name}"),
                    None => format!("creating {kind} {name}"),
                });
            }
        }
    }
    unreachable!("the retry loop returns")
}

/// Answers that a later attempt may not get: write conflicts on a quota,
/// throttling, a quota or ServiceAccount the server's caches do not show
/// yet, and broken connections.
fn retryable(err: &kube::Error) -> bool {
    match err {
        kube::Error::Api(status) => match status.code {
            409 => status.reason == "Conflict",
            429 | 500 | 502 | 503 | 504 => true,
            403 => {
                status.message.contains("status unknown for quota")
                    || status.message.contains("service account")
                    || status.message.contains("serviceaccount")
            }
            _ => false,
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// Every (namespace, name) of kind `K` matching `selector`, listed page by
/// page with metadata only.
async fn existing<K>(api: &Api<K>, selector: &str) -> Result<HashSet<(String, String)>>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug,
{
    let mut names = HashSet::new();
    let mut params = ListParams::default().labels(selector).limit(500);
    loop {
        let page = api
            .list_metadata(&params)
            .await
            .with_context(|| format!("listing {}s", K::kind(&())))?;
        for item in &page.items {
            names.insert((item.namespace().unwrap_or_default(), item.name_any()));
        }
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params.continue_token = Some(token),
            None => return Ok(names),
        }
    }
}

/// (namespace, "default") of every default ServiceAccount.
async fn existing_default_accounts(client: &Client) -> Result<HashSet<(String, String)>> {
    let api: Api<ServiceAccount> = Api::all(client.clone());
    let mut names = HashSet::new();
    let mut params = ListParams::default()
        .fields("metadata.name=default")
        .limit(500);
    loop {
        let page = api
            .list_metadata(&params)
            .await
            .context("listing default ServiceAccounts")?;
        for item in &page.items {
            names.insert((item.namespace().unwrap_or_default(), item.name_any()));
        }
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params.continue_token = Some(token),
            None => return Ok(names),
        }
    }
}

/// Writes the status of every quota of the tier that has none yet: its
/// hard limits, and nothing used. A quota without status has admitted no
/// pod (quota admission refuses pods until the status is filled), so this
/// is exactly what the quota controller computes, only sooner.
async fn prime_quota_statuses(
    client: &Client,
    selector: &str,
    report: &mut (dyn FnMut(&str) + Send),
) -> Result<()> {
    let api: Api<ResourceQuota> = Api::all(client.clone());
    let quotas = api
        .list(&ListParams::default().labels(selector))
        .await
        .context("listing ResourceQuotas")?;
    let patches: Vec<_> = quotas
        .items
        .into_iter()
        .filter(|q| q.status.as_ref().is_none_or(|s| s.hard.is_none()))
        .filter_map(|q| {
            let hard = q.spec.as_ref()?.hard.clone()?;
            let used: BTreeMap<&String, &str> = hard.keys().map(|k| (k, "0")).collect();
            let patch = json!({ "status": { "hard": hard, "used": used } });
            let api: Api<ResourceQuota> =
                Api::namespaced(client.clone(), &q.namespace().unwrap_or_default());
            let name = q.name_any();
            Some(async move {
                api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                    .with_context(|| format!("writing the status of ResourceQuota {name}"))
                    .map(|_| ())
            })
        })
        .collect();
    let total = patches.len();
    let mut results = futures::stream::iter(patches).buffer_unordered(IN_FLIGHT);
    while let Some(result) = results.next().await {
        result?;
    }
    if total > 0 {
        report(&format!("  quota status: filled {total}"));
    }
    Ok(())
}

const WAIT_TIMEOUT: Duration = Duration::from_secs(300);

/// Waits until the controller-manager has made the default ServiceAccount
/// of every namespace in `namespaces` (pods are refused before that).
async fn wait_for_service_accounts(
    client: &Client,
    namespaces: &BTreeSet<String>,
    report: &mut (dyn FnMut(&str) + Send),
) -> Result<()> {
    let api: Api<ServiceAccount> = Api::all(client.clone());
    let started = Instant::now();
    loop {
        let mut params = ListParams::default()
            .fields("metadata.name=default")
            .limit(500);
        let mut found = 0;
        loop {
            let page = api
                .list_metadata(&params)
                .await
                .context("listing default ServiceAccounts")?;
            found += page
                .items
                .iter()
                .filter(|sa| sa.namespace().is_some_and(|ns| namespaces.contains(&ns)))
                .count();
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params.continue_token = Some(token),
                None => break,
            }
        }
        if found >= namespaces.len() {
            report(&format!(
                "  default ServiceAccounts: all {found} after {:.1}s",
                started.elapsed().as_secs_f64()
            ));
            return Ok(());
        }
        if started.elapsed() > WAIT_TIMEOUT {
            bail!(
                "timed out after {}s waiting for default ServiceAccounts: {found} of {}",
                WAIT_TIMEOUT.as_secs(),
                namespaces.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until the quota controller has filled the status of `expected`
/// quotas matching `selector` (quota admission refuses pods before that).
async fn wait_for_quota_statuses(
    client: &Client,
    selector: &str,
    expected: usize,
    report: &mut (dyn FnMut(&str) + Send),
) -> Result<()> {
    let api: Api<ResourceQuota> = Api::all(client.clone());
    let started = Instant::now();
    loop {
        let mut params = ListParams::default().labels(selector).limit(500);
        let mut filled = 0;
        loop {
            let page = api.list(&params).await.context("listing ResourceQuotas")?;
            filled += page
                .items
                .iter()
                .filter(|q| {
                    let spec_hard = q.spec.as_ref().and_then(|s| s.hard.as_ref());
                    q.status
                        .as_ref()
                        .is_some_and(|s| s.hard.as_ref() == spec_hard && s.used.is_some())
                })
                .count();
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params.continue_token = Some(token),
                None => break,
            }
        }
        if filled >= expected {
            report(&format!(
                "  quota status: all {filled} filled after {:.1}s",
                started.elapsed().as_secs_f64()
            ));
            return Ok(());
        }
        if started.elapsed() > WAIT_TIMEOUT {
            bail!(
                "timed out after {}s waiting for quota status: {filled} of {expected} filled",
                WAIT_TIMEOUT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LimitRangeInfo, PodInfo, QosClass, QuotaInfo};

    #[test]
    fn tier_m_has_the_design_counts() {
        let objects = TierObjects::build(Tier::M).unwrap();
        let expected = Tier::M.expected();
        assert_eq!(objects.namespaces.len(), 1_000);
        assert_eq!(objects.pods.len(), 15_000);
        assert_eq!(objects.quotas.len(), expected.quotas);
        assert_eq!(objects.limit_ranges.len(), 1_000);
        assert_eq!(objects.network_policies.len(), 2_000);
        assert_eq!(objects.role_bindings.len(), 3_000);
        let tenants: BTreeSet<String> = objects
            .namespaces
            .iter()
            .filter_map(|n| n.labels().get(TENANT_LABEL).cloned())
            .collect();
        assert_eq!(tenants.len(), 300);
        assert_eq!(objects.namespaces[7].name_any(), "tm-t007-0");
        assert_eq!(objects.namespaces[307].name_any(), "tm-t007-1");
    }

    /// Tier L as the resolvers see it: 3,300 tenants over four resolvers,
    /// every namespace claimed once, and `t0000` with its 50 namespaces.
    #[test]
    fn tier_l_resolves_into_its_tenants() {
        use crate::model::NamespaceInfo;
        use crate::model::tenant::{ResolverKind, resolve};
        let tier = Tier::L;
        let infos: Vec<NamespaceInfo> = (0..tier.namespace_count())
            .map(|k| {
                let (t, n) = tier.place(k);
                let tenant = tier.tenant_name(t);
                let (key, value) = tier.tenant_label(t, &tenant);
                let ns: Namespace = serde_json::from_value(json!({
                    "metadata": {
                        "name": format!("tl-{tenant}-{n}"),
                        "labels": { key: value },
                    }
                }))
                .unwrap();
                NamespaceInfo::from_namespace(&ns)
            })
            .collect();
        let names: BTreeSet<&str> = infos.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names.len(), 10_000, "names are unique");
        let refs: Vec<&NamespaceInfo> = infos.iter().collect();
        let r = resolve(&refs, &[], &[], &ResolverKind::default_order(), &[]);
        assert_eq!(r.tenants.len(), 3_300);
        assert!(r.unassigned.is_empty() && r.conflicts.is_empty());
        let big = r.tenant_of("tl-t0000-49").unwrap();
        assert_eq!(big.id.as_str(), "t0000");
        assert_eq!(big.namespaces.len(), BIG_TENANT_NAMESPACES);
        let sources: BTreeSet<&str> = r.tenants.iter().map(|t| t.source.as_str()).collect();
        assert_eq!(sources.len(), 4, "four resolvers: {sources:?}");
        assert_eq!(tier.expected().objects(), 230_000);
    }

    #[test]
    fn qos_mix_and_quota_fit() {
        let mut objects = TierObjects::build(Tier::S).unwrap();
        objects.simulate_server();
        let mut mix: BTreeMap<&str, usize> = BTreeMap::new();
        for pod in &objects.pods {
            *mix.entry(PodInfo::from_pod(pod).qos.as_str()).or_default() += 1;
        }
        assert_eq!(mix[QosClass::BestEffort.as_str()], 150);
        assert_eq!(mix[QosClass::Guaranteed.as_str()], 450);
        assert_eq!(mix[QosClass::Burstable.as_str()], 900);
        for quota in &objects.quotas {
            let info = QuotaInfo::from_quota(quota);
            assert!(info.status_filled);
            for (resource, hard) in &info.hard {
                let used = &info.used[resource];
                assert!(
                    used <= hard,
                    "{}: {resource} {used:?} > {hard:?}",
                    info.namespace
                );
            }
        }
        let with_defaults = objects
            .limit_ranges
            .iter()
            .filter(|lr| LimitRangeInfo::from_limit_range(lr).has_container_default)
            .count();
        assert_eq!(with_defaults, 50);
    }
}
