//! Compact projections of cluster objects.
//!
//! Tier M (DESIGN.md §9) must fit in 64 MiB with 15,000 pods, so the
//! inventory never holds whole objects: each projection keeps only what the
//! views and the policy checks (§6) read.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, LimitRange, Namespace, Pod, ResourceQuota, ResourceRequirements,
};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kube::core::DynamicObject;
use serde_json::Value;

use super::quantity::{Quantity, QuantityError};

fn name_of(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn namespace_of(meta: &ObjectMeta) -> String {
    meta.namespace.clone().unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceInfo {
    pub name: String,
    /// All labels: tenant resolvers, Pod Security and selectors all read them.
    pub labels: BTreeMap<String, String>,
    pub phase_terminating: bool,
}

impl NamespaceInfo {
    pub fn from_namespace(ns: &Namespace) -> Self {
        NamespaceInfo {
            name: name_of(&ns.metadata),
            labels: ns.metadata.labels.clone().unwrap_or_default(),
            phase_terminating: ns.status.as_ref().and_then(|s| s.phase.as_deref())
                == Some("Terminating")
                || ns.metadata.deletion_timestamp.is_some(),
        }
    }
}

impl From<&Namespace> for NamespaceInfo {
    fn from(ns: &Namespace) -> Self {
        Self::from_namespace(ns)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QosClass {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl QosClass {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Guaranteed" => Some(QosClass::Guaranteed),
            "Burstable" => Some(QosClass::Burstable),
            "BestEffort" => Some(QosClass::BestEffort),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodInfo {
    pub namespace: String,
    pub name: String,
    pub qos: QosClass,
    /// Containers (init containers included) with no effective cpu or memory
    /// request. Empty when pod-level requests cover both.
    pub containers_without_requests: Vec<String>,
    pub priority_class: Option<String>,
    pub node_selector: BTreeMap<String, String>,
    pub node_name: Option<String>,
    pub phase: String,
    pub host_network: bool,
    pub host_pid: bool,
    pub host_ipc: bool,
    /// Any container, init or ephemeral, asks for privileged mode.
    pub privileged: bool,
    pub uses_host_path: bool,
    /// For NetworkPolicy podSelectors.
    pub labels: PackedLabels,
}

impl PodInfo {
    /// The value of one label, if the pod carries it.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key)
    }
}

/// Labels in one allocation, `key\0value\0key\0value…`: a pod keeps its
/// labels only for selectors, and a map of Strings costs a few hundred
/// bytes a pod at tier M (a small BTreeMap allocates a whole node). The API
/// server's label syntax has no NUL; should one arrive anyway, lookups
/// answer wrongly for that pod, nothing worse.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackedLabels(Box<str>);

impl PackedLabels {
    pub fn from_map(labels: &BTreeMap<String, String>) -> Self {
        let mut packed = String::new();
        for (k, v) in labels {
            if !packed.is_empty() {
                packed.push('\0');
            }
            packed.push_str(k);
            packed.push('\0');
            packed.push_str(v);
        }
        PackedLabels(packed.into_boxed_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// (key, value) pairs, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut parts = self.0.split('\0').filter(|_| !self.0.is_empty());
        std::iter::from_fn(move || Some((parts.next()?, parts.next()?)))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl PodInfo {
    pub fn from_pod(pod: &Pod) -> Self {
        let spec = pod.spec.clone().unwrap_or_default();
        let status = pod.status.as_ref();
        let init = spec.init_containers.as_deref().unwrap_or_default();
        let all = || spec.containers.iter().chain(init.iter());

        let qos = status
            .and_then(|s| s.qos_class.as_deref())
            .and_then(QosClass::parse)
            .unwrap_or_else(|| compute_qos(&spec.containers, init, spec.resources.as_ref()));

        let pod_level = spec
            .resources
            .as_ref()
            .map(effective_requests)
            .unwrap_or_default();
        let pod_level_covers = pod_level.cpu && pod_level.memory;
        let containers_without_requests = if pod_level_covers {
            Vec::new()
        } else {
            all()
                .filter(|c| {
                    let r = c
                        .resources
                        .as_ref()
                        .map(effective_requests)
                        .unwrap_or_default();
                    !(r.cpu && r.memory)
                })
                .map(|c| c.name.clone())
                .collect()
        };

        let privileged = all().any(|c| is_privileged(c.security_context.as_ref()))
            || spec
                .ephemeral_containers
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|c| is_privileged(c.security_context.as_ref()));

        PodInfo {
            namespace: namespace_of(&pod.metadata),
            name: name_of(&pod.metadata),
            qos,
            containers_without_requests,
            priority_class: spec.priority_class_name.clone(),
            node_selector: spec.node_selector.clone().unwrap_or_default(),
            node_name: spec.node_name.clone(),
            phase: status
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Unknown".to_string()),
            host_network: spec.host_network.unwrap_or(false),
            host_pid: spec.host_pid.unwrap_or(false),
            host_ipc: spec.host_ipc.unwrap_or(false),
            privileged,
            uses_host_path: spec
                .volumes
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|v| v.host_path.is_some()),
            labels: pod
                .metadata
                .labels
                .as_ref()
                .map(PackedLabels::from_map)
                .unwrap_or_default(),
        }
    }
}

impl From<&Pod> for PodInfo {
    fn from(pod: &Pod) -> Self {
        Self::from_pod(pod)
    }
}

fn is_privileged(sc: Option<&k8s_openapi::api::core::v1::SecurityContext>) -> bool {
    sc.and_then(|s| s.privileged).unwrap_or(false)
}

#[derive(Default)]
struct HasRequests {
    cpu: bool,
    memory: bool,
}

/// Requests as the API server would default them: a missing request takes
/// the limit's value.
fn effective_requests(r: &ResourceRequirements) -> HasRequests {
    let has = |name: &str| {
        r.requests.as_ref().is_some_and(|m| m.contains_key(name))
            || r.limits.as_ref().is_some_and(|m| m.contains_key(name))
    };
    HasRequests {
        cpu: has("cpu"),
        memory: has("memory"),
    }
}

/// Positive cpu/memory values of one requirements map; zero and unparsable
/// values are ignored, as `ComputePodQOS` ignores non-positive ones.
fn qos_values(map: Option<&BTreeMap<String, K8sQuantity>>) -> BTreeMap<&'static str, Quantity> {
    let mut out = BTreeMap::new();
    for name in ["cpu", "memory"] {
        if let Some(q) = map
            .and_then(|m| m.get(name))
            .and_then(|q| Quantity::try_from(q).ok())
            .filter(|q| q.nanos() > 0)
        {
            out.insert(name, q);
        }
    }
    out
}

fn add_into(total: &mut BTreeMap<&'static str, Quantity>, part: BTreeMap<&'static str, Quantity>) {
    for (k, v) in part {
        let sum = match total.get(k) {
            Some(prev) => prev.saturating_add(&v),
            None => v,
        };
        total.insert(k, sum);
    }
}

/// Kubernetes' `ComputePodQOS` (pkg/apis/core/helper/qos), applied to the
/// spec after request defaulting. With pod-level resources set, those decide
/// (the PodLevelResources rule); otherwise requests and limits are summed per
/// resource over containers and init containers (ephemeral containers cannot
/// set resources). Guaranteed needs cpu and memory limits on every container
/// and summed requests equal to summed limits; BestEffort means no positive
/// cpu/memory request or limit anywhere.
pub fn compute_qos(
    containers: &[Container],
    init_containers: &[Container],
    pod_resources: Option<&ResourceRequirements>,
) -> QosClass {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    let mut guaranteed = true;
    let mut account = |r: Option<&ResourceRequirements>, require_limits: bool| {
        let lim = qos_values(r.and_then(|r| r.limits.as_ref()));
        let mut req = qos_values(r.and_then(|r| r.requests.as_ref()));
        for (k, v) in &lim {
            req.entry(k).or_insert_with(|| v.clone());
        }
        if require_limits && !(lim.contains_key("cpu") && lim.contains_key("memory")) {
            guaranteed = false;
        }
        add_into(&mut requests, req);
        add_into(&mut limits, lim);
    };
    match pod_resources {
        Some(r) => {
            let has_limits = r.limits.as_ref().is_some_and(|m| !m.is_empty());
            account(Some(r), has_limits);
        }
        None => {
            for c in containers.iter().chain(init_containers) {
                account(c.resources.as_ref(), true);
            }
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return QosClass::BestEffort;
    }
    if guaranteed
        && requests.len() == limits.len()
        && requests.iter().all(|(k, v)| limits.get(k) == Some(v))
    {
        QosClass::Guaranteed
    } else {
        QosClass::Burstable
    }
}

/// A quantity the cluster sent that did not parse; kept so the views can
/// show the resource as broken instead of silently missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidQuantity {
    pub field: QuotaField,
    pub resource: String,
    pub raw: String,
    pub error: QuantityError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaField {
    SpecHard,
    StatusHard,
    StatusUsed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaInfo {
    pub namespace: String,
    pub name: String,
    /// `status.hard` once the quota controller has processed the current
    /// spec, otherwise `spec.hard`, so a fresh or just-edited quota shows
    /// the limits it is about to enforce.
    pub hard: BTreeMap<String, Quantity>,
    /// `status.used`; meaningful only when `status_filled`.
    pub used: BTreeMap<String, Quantity>,
    /// The quota controller has processed the current spec: `status.hard` is
    /// filled and equals `spec.hard`. Otherwise the usage is "pending": a
    /// status from before a spec change, or one the controller wrote from a
    /// cache that had not seen every object yet, is not shown as a figure.
    /// (ResourceQuotaStatus has no observedGeneration; `status.hard` is the
    /// controller's copy of the spec it counted against.)
    pub status_filled: bool,
    pub spec_hard: BTreeMap<String, Quantity>,
    pub scoped: bool,
    pub invalid: Vec<InvalidQuantity>,
}

impl QuotaInfo {
    pub fn from_quota(rq: &ResourceQuota) -> Self {
        let mut invalid = Vec::new();
        let mut read = |map: Option<&BTreeMap<String, K8sQuantity>>, field: QuotaField| {
            let mut out = BTreeMap::new();
            for (resource, raw) in map.into_iter().flatten() {
                match Quantity::try_from(raw) {
                    Ok(q) => {
                        out.insert(resource.clone(), q);
                    }
                    Err(error) => invalid.push(InvalidQuantity {
                        field,
                        resource: resource.clone(),
                        raw: raw.0.clone(),
                        error,
                    }),
                }
            }
            out
        };
        let spec = rq.spec.as_ref();
        let status = rq.status.as_ref();
        let spec_hard = read(spec.and_then(|s| s.hard.as_ref()), QuotaField::SpecHard);
        let status_hard = status
            .and_then(|s| s.hard.as_ref())
            .filter(|h| !h.is_empty())
            .map(|h| read(Some(h), QuotaField::StatusHard));
        let (hard, status_filled) = match status_hard {
            Some(h) if h == spec_hard => (h, true),
            // Not processed yet, or processed before the spec last changed.
            _ => (spec_hard.clone(), false),
        };
        let used = read(status.and_then(|s| s.used.as_ref()), QuotaField::StatusUsed);
        QuotaInfo {
            namespace: namespace_of(&rq.metadata),
            name: name_of(&rq.metadata),
            hard,
            used,
            status_filled,
            spec_hard,
            scoped: spec.is_some_and(|s| {
                s.scopes.as_ref().is_some_and(|v| !v.is_empty()) || s.scope_selector.is_some()
            }),
            invalid,
        }
    }
}

impl From<&ResourceQuota> for QuotaInfo {
    fn from(rq: &ResourceQuota) -> Self {
        Self::from_quota(rq)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitRangeInfo {
    pub namespace: String,
    pub name: String,
    pub has_container_default: bool,
    pub has_container_default_request: bool,
}

impl LimitRangeInfo {
    pub fn from_limit_range(lr: &LimitRange) -> Self {
        let items = lr
            .spec
            .as_ref()
            .map(|s| s.limits.as_slice())
            .unwrap_or_default();
        let containers = || items.iter().filter(|i| i.type_ == "Container");
        LimitRangeInfo {
            namespace: namespace_of(&lr.metadata),
            name: name_of(&lr.metadata),
            has_container_default: containers()
                .any(|i| i.default.as_ref().is_some_and(|m| !m.is_empty())),
            has_container_default_request: containers()
                .any(|i| i.default_request.as_ref().is_some_and(|m| !m.is_empty())),
        }
    }
}

impl From<&LimitRange> for LimitRangeInfo {
    fn from(lr: &LimitRange) -> Self {
        Self::from_limit_range(lr)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorExpression {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// A label selector, kept whole because the cross-tenant check evaluates
/// namespace selectors against namespace labels.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SelectorSummary {
    pub match_labels: BTreeMap<String, String>,
    pub expressions: Vec<SelectorExpression>,
}

impl SelectorSummary {
    pub fn from_selector(sel: &LabelSelector) -> Self {
        SelectorSummary {
            match_labels: sel.match_labels.clone().unwrap_or_default(),
            expressions: sel
                .match_expressions
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|e| SelectorExpression {
                    key: e.key.clone(),
                    operator: e.operator.clone(),
                    values: e.values.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// An empty selector matches everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    /// Label selector semantics of apimachinery; an unknown operator matches
    /// nothing, as the API server would have rejected it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_with(|k| labels.get(k).map(String::as_str))
    }

    /// [`Self::matches`] over any label lookup (pods keep theirs in a Vec).
    pub fn matches_with<'l>(&self, label: impl Fn(&str) -> Option<&'l str>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| label(k) == Some(v.as_str()))
            && self.expressions.iter().all(|e| {
                let value = label(&e.key);
                match e.operator.as_str() {
                    "In" => value.is_some_and(|v| e.values.iter().any(|x| x == v)),
                    "NotIn" => value.is_none_or(|v| !e.values.iter().any(|x| x == v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }

    /// One-line form for tables, e.g. `team=a,env in (dev,prod),!legacy`.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "{} (all)".to_string();
        }
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for e in &self.expressions {
            parts.push(match e.operator.as_str() {
                "Exists" => e.key.clone(),
                "DoesNotExist" => format!("!{}", e.key),
                "In" => format!("{} in ({})", e.key, e.values.join(",")),
                "NotIn" => format!("{} notin ({})", e.key, e.values.join(",")),
                other => format!("{} {other} ({})", e.key, e.values.join(",")),
            });
        }
        parts.join(",")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpBlockInfo {
    pub cidr: String,
    pub except: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PeerInfo {
    /// `None`: the peer stays in the policy's own namespace (unless it is an
    /// ipBlock). `Some(empty)`: every namespace.
    pub namespace_selector: Option<SelectorSummary>,
    pub pod_selector: Option<SelectorSummary>,
    pub ip_block: Option<IpBlockInfo>,
}

impl PeerInfo {
    pub fn from_peer(p: &NetworkPolicyPeer) -> Self {
        PeerInfo {
            namespace_selector: p
                .namespace_selector
                .as_ref()
                .map(SelectorSummary::from_selector),
            pod_selector: p.pod_selector.as_ref().map(SelectorSummary::from_selector),
            ip_block: p.ip_block.as_ref().map(|b| IpBlockInfo {
                cidr: b.cidr.clone(),
                except: b.except.clone().unwrap_or_default(),
            }),
        }
    }

    pub fn has_pod_selector(&self) -> bool {
        self.pod_selector.is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PolicyTypes {
    pub ingress: bool,
    pub egress: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPolicyInfo {
    pub namespace: String,
    pub name: String,
    /// Which pods of its namespace the policy applies to.
    pub pod_selector: SelectorSummary,
    pub selects_all_pods: bool,
    /// After the API server's defaulting when `policyTypes` is empty.
    pub policy_types: PolicyTypes,
    pub ingress_rules: usize,
    pub egress_rules: usize,
    /// Some ingress rule has no `from`, which admits every source.
    pub ingress_allows_all: bool,
    /// Some egress rule has no `to`, which admits every destination.
    pub egress_allows_all: bool,
    pub ingress_peers: Vec<PeerInfo>,
    pub egress_peers: Vec<PeerInfo>,
}

impl NetworkPolicyInfo {
    pub fn from_network_policy(np: &NetworkPolicy) -> Self {
        let spec = np.spec.clone().unwrap_or_default();
        let ingress = spec.ingress.unwrap_or_default();
        let egress = spec.egress.unwrap_or_default();
        let declared = spec.policy_types.unwrap_or_default();
        let policy_types = if declared.is_empty() {
            PolicyTypes {
                ingress: true,
                egress: !egress.is_empty(),
            }
        } else {
            PolicyTypes {
                ingress: declared.iter().any(|t| t == "Ingress"),
                egress: declared.iter().any(|t| t == "Egress"),
            }
        };
        let peers = |lists: Vec<Option<Vec<NetworkPolicyPeer>>>| -> (bool, Vec<PeerInfo>) {
            let mut all = false;
            let mut out = Vec::new();
            for peers in lists {
                match peers {
                    Some(p) if !p.is_empty() => out.extend(p.iter().map(PeerInfo::from_peer)),
                    _ => all = true,
                }
            }
            (all, out)
        };
        let ingress_rules = ingress.len();
        let egress_rules = egress.len();
        let (ingress_allows_all, ingress_peers) =
            peers(ingress.into_iter().map(|r| r.from).collect());
        let (egress_allows_all, egress_peers) = peers(egress.into_iter().map(|r| r.to).collect());
        let pod_selector = spec
            .pod_selector
            .as_ref()
            .map(SelectorSummary::from_selector)
            .unwrap_or_default();
        NetworkPolicyInfo {
            namespace: namespace_of(&np.metadata),
            name: name_of(&np.metadata),
            selects_all_pods: pod_selector.is_empty(),
            pod_selector,
            policy_types,
            ingress_rules,
            egress_rules,
            ingress_allows_all,
            egress_allows_all,
            ingress_peers,
            egress_peers,
        }
    }

    /// Empty podSelector, Ingress type, no ingress rule: denies all ingress.
    pub fn is_default_deny_ingress(&self) -> bool {
        self.selects_all_pods && self.policy_types.ingress && self.ingress_rules == 0
    }

    pub fn is_default_deny_egress(&self) -> bool {
        self.selects_all_pods && self.policy_types.egress && self.egress_rules == 0
    }
}

impl From<&NetworkPolicy> for NetworkPolicyInfo {
    fn from(np: &NetworkPolicy) -> Self {
        Self::from_network_policy(np)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleRef {
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl Subject {
    pub fn from_rbac(s: &k8s_openapi::api::rbac::v1::Subject) -> Self {
        Subject {
            kind: s.kind.clone(),
            name: s.name.clone(),
            namespace: s.namespace.clone().filter(|n| !n.is_empty()),
        }
    }
}

/// Whether a label or annotation key is worth keeping on an RBAC object: the
/// ones that tell where a binding came from.
pub fn is_origin_key(key: &str) -> bool {
    ["hnc", "capsule", "tenantry", "managed-by"]
        .iter()
        .any(|k| key.contains(k))
}

fn origin_map(m: Option<&BTreeMap<String, String>>) -> BTreeMap<String, String> {
    m.into_iter()
        .flatten()
        .filter(|(k, _)| is_origin_key(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingInfo {
    /// `None` for ClusterRoleBindings.
    pub namespace: Option<String>,
    pub name: String,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
    /// Only origin keys (see [`is_origin_key`]).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl BindingInfo {
    fn build(
        meta: &ObjectMeta,
        namespace: Option<String>,
        role_ref: &k8s_openapi::api::rbac::v1::RoleRef,
        subjects: Option<&Vec<k8s_openapi::api::rbac::v1::Subject>>,
    ) -> Self {
        BindingInfo {
            namespace,
            name: name_of(meta),
            role_ref: RoleRef {
                kind: role_ref.kind.clone(),
                name: role_ref.name.clone(),
            },
            subjects: subjects
                .into_iter()
                .flatten()
                .map(Subject::from_rbac)
                .collect(),
            labels: origin_map(meta.labels.as_ref()),
            annotations: origin_map(meta.annotations.as_ref()),
        }
    }

    pub fn from_role_binding(rb: &RoleBinding) -> Self {
        Self::build(
            &rb.metadata,
            Some(namespace_of(&rb.metadata)),
            &rb.role_ref,
            rb.subjects.as_ref(),
        )
    }

    pub fn from_cluster_role_binding(crb: &ClusterRoleBinding) -> Self {
        Self::build(&crb.metadata, None, &crb.role_ref, crb.subjects.as_ref())
    }

    pub fn is_cluster_scoped(&self) -> bool {
        self.namespace.is_none()
    }
}

impl From<&RoleBinding> for BindingInfo {
    fn from(rb: &RoleBinding) -> Self {
        Self::from_role_binding(rb)
    }
}

impl From<&ClusterRoleBinding> for BindingInfo {
    fn from(crb: &ClusterRoleBinding) -> Self {
        Self::from_cluster_role_binding(crb)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RuleInfo {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

impl RuleInfo {
    pub fn from_rule(r: &PolicyRule) -> Self {
        RuleInfo {
            verbs: r.verbs.clone(),
            api_groups: r.api_groups.clone().unwrap_or_default(),
            resources: r.resources.clone().unwrap_or_default(),
            resource_names: r.resource_names.clone().unwrap_or_default(),
            non_resource_urls: r.non_resource_urls.clone().unwrap_or_default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleInfo {
    /// `None` for ClusterRoles.
    pub namespace: Option<String>,
    pub name: String,
    pub rules: Vec<RuleInfo>,
    /// Rules are filled in by the aggregation controller.
    pub aggregated: bool,
}

impl RoleInfo {
    pub fn from_role(r: &Role) -> Self {
        RoleInfo {
            namespace: Some(namespace_of(&r.metadata)),
            name: name_of(&r.metadata),
            rules: r
                .rules
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(RuleInfo::from_rule)
                .collect(),
            aggregated: false,
        }
    }

    pub fn from_cluster_role(r: &ClusterRole) -> Self {
        RoleInfo {
            namespace: None,
            name: name_of(&r.metadata),
            rules: r
                .rules
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(RuleInfo::from_rule)
                .collect(),
            aggregated: r.aggregation_rule.is_some(),
        }
    }
}

impl From<&Role> for RoleInfo {
    fn from(r: &Role) -> Self {
        Self::from_role(r)
    }
}

impl From<&ClusterRole> for RoleInfo {
    fn from(r: &ClusterRole) -> Self {
        Self::from_cluster_role(r)
    }
}

/// A Capsule `Tenant` (capsule.clastix.io/v1beta2), read as a dynamic object
/// so that no CRD types are compiled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapsuleTenantInfo {
    pub name: String,
    pub owners: Vec<Subject>,
    pub namespaces: Vec<String>,
    /// `spec.resourceQuotas`: where Capsule tenants keep their quotas.
    pub resource_quotas: CapsuleResourceQuotas,
}

/// A Capsule Tenant's `spec.resourceQuotas`. Capsule creates one
/// ResourceQuota `capsule-<tenant>-<i>` per item in each of the tenant's
/// namespaces and keeps them in step with the Tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapsuleResourceQuotas {
    /// `Tenant` (the hard limits hold for all namespaces together, Capsule's
    /// default) or `Namespace` (for each one); `None` when not written.
    pub scope: Option<String>,
    pub items: Vec<CapsuleQuotaItem>,
    /// Set when `spec.resourceQuotas` is there but not in the v1beta2 shape
    /// (an object with an `items` list of objects): what is wrong with it.
    pub unreadable: Option<String>,
}

/// One item of `spec.resourceQuotas.items` (a ResourceQuota spec).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapsuleQuotaItem {
    pub hard: BTreeMap<String, Quantity>,
    /// Values of `hard` that are not quantities, kept visible (and kept on
    /// writes) rather than dropped.
    pub invalid: Vec<InvalidQuantity>,
    /// The item's other fields (`scopes`, `scopeSelector`), verbatim:
    /// Capsule's `items` list is atomic, so a write sends every item back
    /// whole. Empty for the usual item.
    pub other: serde_json::Map<String, Value>,
}

impl CapsuleQuotaItem {
    /// Whether `hard` names `resource`, with a valid value or not.
    pub fn names(&self, resource: &str) -> bool {
        self.hard.contains_key(resource) || self.invalid.iter().any(|i| i.resource == resource)
    }

    fn from_value(value: &Value) -> Result<Self, String> {
        let Some(fields) = value.as_object() else {
            return Err(format!("an item is {}, not an object", json_kind(value)));
        };
        let mut item = CapsuleQuotaItem::default();
        for (key, field) in fields {
            if key != "hard" {
                item.other.insert(key.clone(), field.clone());
                continue;
            }
            let Some(hard) = field.as_object() else {
                if field.is_null() {
                    continue;
                }
                return Err(format!("an item's hard is {}, not a map", json_kind(field)));
            };
            for (resource, raw) in hard {
                // int-or-string in Capsule's schema: 10 and "10" both count.
                let text = match raw {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    other => other.to_string(),
                };
                match super::quantity::parse_quantity(&text) {
                    Ok(q) => {
                        item.hard.insert(resource.clone(), q);
                    }
                    Err(error) => item.invalid.push(InvalidQuantity {
                        field: QuotaField::SpecHard,
                        resource: resource.clone(),
                        raw: text,
                        error,
                    }),
                }
            }
        }
        Ok(item)
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl CapsuleResourceQuotas {
    /// Whether each namespace gets the whole limit (scope `Namespace`);
    /// otherwise the limit holds for the tenant's namespaces together.
    pub fn per_namespace(&self) -> bool {
        self.scope.as_deref() == Some("Namespace")
    }

    fn from_value(value: Option<&Value>) -> Self {
        let mut out = CapsuleResourceQuotas::default();
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return out;
        };
        let Some(fields) = value.as_object() else {
            out.unreadable = Some(format!(
                "spec.resourceQuotas is {}, not an object with scope and items",
                json_kind(value)
            ));
            return out;
        };
        match fields.get("scope") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.scope = Some(s.clone()),
            Some(other) => {
                out.unreadable = Some(format!(
                    "spec.resourceQuotas.scope is {}, not Tenant or Namespace",
                    json_kind(other)
                ));
                return out;
            }
        }
        match fields.get("items") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match CapsuleQuotaItem::from_value(item) {
                        Ok(item) => out.items.push(item),
                        Err(why) => {
                            out.items.clear();
                            out.unreadable = Some(format!("spec.resourceQuotas.items[{i}]: {why}"));
                            return out;
                        }
                    }
                }
            }
            Some(other) => {
                out.unreadable = Some(format!(
                    "spec.resourceQuotas.items is {}, not a list",
                    json_kind(other)
                ));
            }
        }
        out
    }
}

impl CapsuleTenantInfo {
    pub fn from_dynamic(obj: &DynamicObject) -> Self {
        let str_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let owners = obj
            .data
            .pointer("/spec/owners")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| {
                Some(Subject {
                    kind: str_of(o, "kind")?,
                    name: str_of(o, "name")?,
                    namespace: None,
                })
            })
            .collect();
        let mut namespaces: Vec<String> = obj
            .data
            .pointer("/status/namespaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect();
        namespaces.sort();
        namespaces.dedup();
        CapsuleTenantInfo {
            name: name_of(&obj.metadata),
            owners,
            namespaces,
            resource_quotas: CapsuleResourceQuotas::from_value(
                obj.data.pointer("/spec/resourceQuotas"),
            ),
        }
    }
}

impl From<&DynamicObject> for CapsuleTenantInfo {
    fn from(obj: &DynamicObject) -> Self {
        Self::from_dynamic(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        serde_json::from_value(v).unwrap()
    }

    fn container(name: &str, resources: serde_json::Value) -> serde_json::Value {
        json!({"name": name, "image": "nginx", "resources": resources})
    }

    fn qos_of(containers: Vec<serde_json::Value>) -> QosClass {
        PodInfo::from_pod(&pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": containers}
        })))
        .qos
    }

    #[test]
    fn namespace_projection() {
        let ns: Namespace = serde_json::from_value(json!({
            "metadata": {"name": "acme-dev", "labels": {"tenantry.dev/tenant": "acme", "kubernetes.io/metadata.name": "acme-dev"},
                          "annotations": {"big": "x"}},
            "status": {"phase": "Terminating"}
        }))
        .unwrap();
        let info = NamespaceInfo::from(&ns);
        assert_eq!(info.name, "acme-dev");
        assert_eq!(info.labels.len(), 2);
        assert!(info.phase_terminating);
        let active: Namespace = serde_json::from_value(
            json!({"metadata": {"name": "a"}, "status": {"phase": "Active"}}),
        )
        .unwrap();
        assert!(!NamespaceInfo::from(&active).phase_terminating);
    }

    #[test]
    fn qos_from_status_wins() {
        let p = pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [container("c", json!({}))]},
            "status": {"qosClass": "Guaranteed", "phase": "Running"}
        }));
        let info = PodInfo::from(&p);
        assert_eq!(info.qos, QosClass::Guaranteed);
        assert_eq!(info.phase, "Running");
    }

    #[test]
    fn qos_best_effort_when_nothing_set() {
        assert_eq!(
            qos_of(vec![container("a", json!({})), container("b", json!({}))]),
            QosClass::BestEffort
        );
        // Extended resources and zero values do not count.
        assert_eq!(
            qos_of(vec![container(
                "a",
                json!({"limits": {"nvidia.com/gpu": "1"}, "requests": {"cpu": "0"}})
            )]),
            QosClass::BestEffort
        );
    }

    #[test]
    fn qos_guaranteed_with_limits_only_because_requests_default_to_limits() {
        assert_eq!(
            qos_of(vec![container(
                "a",
                json!({"limits": {"cpu": "1", "memory": "1Gi"}})
            )]),
            QosClass::Guaranteed
        );
        assert_eq!(
            qos_of(vec![container(
                "a",
                json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1073741824"}})
            )]),
            QosClass::Guaranteed
        );
    }

    #[test]
    fn qos_burstable_cases() {
        // Requests below limits.
        assert_eq!(
            qos_of(vec![container(
                "a",
                json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}})
            )]),
            QosClass::Burstable
        );
        // Missing memory limit.
        assert_eq!(
            qos_of(vec![container("a", json!({"limits": {"cpu": "1"}}))]),
            QosClass::Burstable
        );
        // One container guaranteed, the other empty.
        assert_eq!(
            qos_of(vec![
                container("a", json!({"limits": {"cpu": "1", "memory": "1Gi"}})),
                container("b", json!({}))
            ]),
            QosClass::Burstable
        );
        // Requests only.
        assert_eq!(
            qos_of(vec![container(
                "a",
                json!({"requests": {"memory": "64Mi"}})
            )]),
            QosClass::Burstable
        );
    }

    #[test]
    fn qos_counts_init_containers() {
        let p = pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "containers": [container("app", json!({"limits": {"cpu": "1", "memory": "1Gi"}}))],
                "initContainers": [container("init", json!({}))]
            }
        }));
        let info = PodInfo::from(&p);
        assert_eq!(info.qos, QosClass::Burstable);
        assert_eq!(info.containers_without_requests, vec!["init".to_string()]);
    }

    #[test]
    fn qos_with_pod_level_resources() {
        let p = pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "resources": {"limits": {"cpu": "2", "memory": "2Gi"}},
                "containers": [container("a", json!({})), container("b", json!({}))]
            }
        }));
        let info = PodInfo::from(&p);
        assert_eq!(info.qos, QosClass::Guaranteed);
        assert!(info.containers_without_requests.is_empty());

        let burst = pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"resources": {"requests": {"cpu": "1"}}, "containers": [container("a", json!({}))]}
        }));
        let info = PodInfo::from(&burst);
        assert_eq!(info.qos, QosClass::Burstable);
        assert_eq!(info.containers_without_requests, vec!["a".to_string()]);
    }

    #[test]
    fn missing_requests_uses_defaulting() {
        let p = pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [
                container("limits-only", json!({"limits": {"cpu": "1", "memory": "1Gi"}})),
                container("cpu-only", json!({"requests": {"cpu": "1"}})),
                container("none", json!({})),
                container("both", json!({"requests": {"cpu": "1", "memory": "1Mi"}}))
            ]}
        }));
        assert_eq!(
            PodInfo::from(&p).containers_without_requests,
            vec!["cpu-only", "none"]
        );
    }

    #[test]
    fn pod_security_flags() {
        let p = pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "hostNetwork": true, "hostPID": true, "hostIPC": false,
                "priorityClassName": "system-node-critical",
                "nodeSelector": {"tenant": "acme"},
                "nodeName": "node-1",
                "containers": [{"name": "c", "securityContext": {"privileged": true}}],
                "volumes": [{"name": "h", "hostPath": {"path": "/var"}}]
            }
        }));
        let info = PodInfo::from(&p);
        assert!(info.host_network && info.host_pid && !info.host_ipc);
        assert!(info.privileged && info.uses_host_path);
        assert_eq!(info.priority_class.as_deref(), Some("system-node-critical"));
        assert_eq!(
            info.node_selector.get("tenant").map(String::as_str),
            Some("acme")
        );
        assert_eq!(info.node_name.as_deref(), Some("node-1"));
        assert_eq!(info.phase, "Unknown");
    }

    #[test]
    fn pod_labels_are_kept_sorted_for_pod_selectors() {
        let p = pod(json!({
            "metadata": {"name": "p", "namespace": "ns",
                         "labels": {"tier": "web", "app": "shop", "z": ""}},
            "spec": {"containers": [{"name": "c"}]}
        }));
        let info = PodInfo::from(&p);
        assert_eq!(info.label("app"), Some("shop"));
        assert_eq!(info.label("tier"), Some("web"));
        assert_eq!(info.label("z"), Some(""));
        assert_eq!(info.label("missing"), None);
        assert_eq!(
            info.labels.iter().collect::<Vec<_>>(),
            vec![("app", "shop"), ("tier", "web"), ("z", "")]
        );
        let np = netpol(json!({"podSelector": {
            "matchLabels": {"app": "shop"},
            "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]},
                                 {"key": "canary", "operator": "DoesNotExist"}]
        }}));
        assert!(!np.selects_all_pods);
        assert!(np.pod_selector.matches_with(|k| info.label(k)));
        let np = netpol(json!({"podSelector": {"matchLabels": {"app": "other"}}}));
        assert!(!np.pod_selector.matches_with(|k| info.label(k)));
        let unlabelled = PodInfo::from(&pod(json!({
            "metadata": {"name": "q", "namespace": "ns"},
            "spec": {"containers": [{"name": "c"}]}
        })));
        assert!(unlabelled.labels.is_empty());
    }

    #[test]
    fn privileged_ephemeral_container_counts() {
        let p = pod(json!({
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {
                "containers": [{"name": "c"}],
                "ephemeralContainers": [{"name": "debug", "securityContext": {"privileged": true}}]
            }
        }));
        assert!(PodInfo::from(&p).privileged);
    }

    #[test]
    fn quota_projection_prefers_status() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "compute", "namespace": "acme"},
            "spec": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"}},
            "status": {"hard": {"requests.cpu": "4", "requests.memory": "8Gi"},
                       "used": {"requests.cpu": "1500m", "requests.memory": "1Gi"}}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(info.status_filled);
        assert_eq!(info.hard["requests.cpu"], Quantity::from_units(4));
        assert_eq!(info.used["requests.cpu"], Quantity::from_millis(1500));
        assert_eq!(info.spec_hard.len(), 2);
        assert!(!info.scoped);
        assert!(info.invalid.is_empty());
    }

    #[test]
    fn quota_without_status_uses_spec() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "q", "namespace": "acme"},
            "spec": {"hard": {"pods": "10"}, "scopes": ["BestEffort"]}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(!info.status_filled);
        assert_eq!(info.hard["pods"], Quantity::from_units(10));
        assert!(info.used.is_empty());
        assert!(info.scoped);
    }

    #[test]
    fn a_status_older_than_the_spec_is_pending_not_a_figure() {
        // The limit was raised from 4 to 8 CPUs; the controller has not
        // counted against the new spec yet.
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "compute", "namespace": "acme"},
            "spec": {"hard": {"requests.cpu": "8"}},
            "status": {"hard": {"requests.cpu": "4"}, "used": {"requests.cpu": "1"}}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(!info.status_filled);
        assert_eq!(info.hard["requests.cpu"], Quantity::from_units(8));

        // Same values written differently are the same spec.
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "compute", "namespace": "acme"},
            "spec": {"hard": {"requests.cpu": "1000m"}},
            "status": {"hard": {"requests.cpu": "1"}, "used": {"requests.cpu": "0"}}
        }))
        .unwrap();
        assert!(QuotaInfo::from(&rq).status_filled);
    }

    #[test]
    fn an_empty_status_hard_is_pending() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "q", "namespace": "acme"},
            "spec": {"hard": {"pods": "10"}},
            "status": {"hard": {}, "used": {"pods": "0"}}
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert!(!info.status_filled);
        assert_eq!(info.hard["pods"], Quantity::from_units(10));
    }

    #[test]
    fn quota_keeps_unparsable_values_as_invalid() {
        let rq: ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": "q", "namespace": "acme"},
            "spec": {"hard": {"pods": "ten", "cpu": "1"}},
        }))
        .unwrap();
        let info = QuotaInfo::from(&rq);
        assert_eq!(info.hard.len(), 1);
        assert_eq!(info.invalid.len(), 1);
        assert_eq!(info.invalid[0].resource, "pods");
        assert_eq!(info.invalid[0].raw, "ten");
        assert_eq!(info.invalid[0].field, QuotaField::SpecHard);
    }

    #[test]
    fn limit_range_projection() {
        let lr: LimitRange = serde_json::from_value(json!({
            "metadata": {"name": "defaults", "namespace": "acme"},
            "spec": {"limits": [
                {"type": "Pod", "max": {"cpu": "4"}},
                {"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}
            ]}
        }))
        .unwrap();
        let info = LimitRangeInfo::from(&lr);
        assert!(info.has_container_default && info.has_container_default_request);
        let pod_only: LimitRange = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "acme"},
            "spec": {"limits": [{"type": "Pod", "default": {"cpu": "1"}}]}
        }))
        .unwrap();
        let info = LimitRangeInfo::from(&pod_only);
        assert!(!info.has_container_default && !info.has_container_default_request);
    }

    fn netpol(spec: serde_json::Value) -> NetworkPolicyInfo {
        let np: NetworkPolicy = serde_json::from_value(json!({
            "metadata": {"name": "np", "namespace": "acme"},
            "spec": spec
        }))
        .unwrap();
        NetworkPolicyInfo::from(&np)
    }

    #[test]
    fn default_deny_ingress_with_defaulted_types() {
        let np = netpol(json!({"podSelector": {}}));
        assert!(np.selects_all_pods);
        assert_eq!(
            np.policy_types,
            PolicyTypes {
                ingress: true,
                egress: false
            }
        );
        assert!(np.is_default_deny_ingress());
        assert!(!np.is_default_deny_egress());
    }

    #[test]
    fn egress_defaulted_when_egress_rules_exist() {
        let np = netpol(
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}]}),
        );
        assert!(!np.selects_all_pods);
        assert_eq!(
            np.policy_types,
            PolicyTypes {
                ingress: true,
                egress: true
            }
        );
        assert_eq!(
            np.egress_peers[0].ip_block,
            Some(IpBlockInfo {
                cidr: "10.0.0.0/8".into(),
                except: vec!["10.1.0.0/16".into()]
            })
        );
        assert!(!np.egress_allows_all);
    }

    #[test]
    fn explicit_policy_types_and_deny_all_egress() {
        let np = netpol(json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}));
        assert!(np.is_default_deny_ingress() && np.is_default_deny_egress());
        let np = netpol(json!({"podSelector": {}, "policyTypes": ["Egress"]}));
        assert_eq!(
            np.policy_types,
            PolicyTypes {
                ingress: false,
                egress: true
            }
        );
    }

    #[test]
    fn ingress_peers_and_allow_all() {
        let np = netpol(json!({
            "podSelector": {},
            "ingress": [
                {"from": [{"namespaceSelector": {}}, {"podSelector": {"matchLabels": {"a": "b"}}}]},
                {"from": [{"namespaceSelector": {"matchLabels": {"tenant": "acme"}}, "podSelector": {}}]},
                {"ports": [{"port": 80}]}
            ]
        }));
        assert_eq!(np.ingress_rules, 3);
        assert!(np.ingress_allows_all);
        assert!(!np.is_default_deny_ingress());
        assert_eq!(np.ingress_peers.len(), 3);
        assert!(
            np.ingress_peers[0]
                .namespace_selector
                .as_ref()
                .unwrap()
                .is_empty()
        );
        assert!(!np.ingress_peers[0].has_pod_selector());
        assert!(np.ingress_peers[1].namespace_selector.is_none());
        assert!(np.ingress_peers[1].has_pod_selector());
        let sel = np.ingress_peers[2].namespace_selector.as_ref().unwrap();
        assert_eq!(sel.summary(), "tenant=acme");
    }

    #[test]
    fn selector_matching() {
        let sel: LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"team": "a"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["dev", "prod"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "owner", "operator": "Exists"}
            ]
        }))
        .unwrap();
        let s = SelectorSummary::from_selector(&sel);
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(s.matches(&labels(&[("team", "a"), ("env", "dev"), ("owner", "x")])));
        assert!(!s.matches(&labels(&[
            ("team", "a"),
            ("env", "dev"),
            ("owner", "x"),
            ("legacy", "1")
        ])));
        assert!(!s.matches(&labels(&[("team", "a"), ("env", "qa"), ("owner", "x")])));
        assert!(!s.matches(&labels(&[
            ("team", "a"),
            ("env", "dev"),
            ("owner", "x"),
            ("tier", "db")
        ])));
        assert!(!s.matches(&labels(&[("team", "a"), ("env", "dev")])));
        assert_eq!(
            s.summary(),
            "team=a,env in (dev,prod),!legacy,tier notin (db),owner"
        );
        assert!(SelectorSummary::default().matches(&BTreeMap::new()));
    }

    #[test]
    fn bindings_keep_only_origin_metadata() {
        let rb: RoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "acme-admin", "namespace": "acme",
                "labels": {"app.kubernetes.io/managed-by": "tenantry", "team": "x", "hnc.x-k8s.io/inherited-from": "root"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "capsule.clastix.io/x": "y"}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
            "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
                         {"kind": "ServiceAccount", "name": "ci", "namespace": "acme"}]
        }))
        .unwrap();
        let b = BindingInfo::from(&rb);
        assert_eq!(b.namespace.as_deref(), Some("acme"));
        assert_eq!(
            b.role_ref,
            RoleRef {
                kind: "ClusterRole".into(),
                name: "admin".into()
            }
        );
        assert_eq!(b.subjects.len(), 2);
        assert_eq!(b.subjects[1].namespace.as_deref(), Some("acme"));
        assert_eq!(b.labels.len(), 2);
        assert!(!b.labels.contains_key("team"));
        assert_eq!(
            b.annotations.keys().collect::<Vec<_>>(),
            vec!["capsule.clastix.io/x"]
        );

        let crb: ClusterRoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "ops"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}
        }))
        .unwrap();
        let b = BindingInfo::from(&crb);
        assert!(b.is_cluster_scoped());
        assert!(b.subjects.is_empty());
    }

    #[test]
    fn roles_and_cluster_roles() {
        let r: Role = serde_json::from_value(json!({
            "metadata": {"name": "r", "namespace": "acme"},
            "rules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["x"]}]
        }))
        .unwrap();
        let info = RoleInfo::from(&r);
        assert_eq!(info.namespace.as_deref(), Some("acme"));
        assert_eq!(info.rules[0].verbs, vec!["get", "list"]);
        assert_eq!(info.rules[0].resource_names, vec!["x"]);
        assert!(!info.aggregated);

        let cr: ClusterRole = serde_json::from_value(json!({
            "metadata": {"name": "admin"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}]},
            "rules": [{"verbs": ["impersonate"], "apiGroups": [""], "resources": ["serviceaccounts"]},
                      {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]
        }))
        .unwrap();
        let info = RoleInfo::from(&cr);
        assert!(info.namespace.is_none() && info.aggregated);
        assert_eq!(info.rules.len(), 2);
        assert_eq!(info.rules[1].non_resource_urls, vec!["/healthz"]);
    }

    #[test]
    fn capsule_tenant_from_dynamic_object() {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "capsule.clastix.io/v1beta2",
            "kind": "Tenant",
            "metadata": {"name": "oil"},
            "spec": {"owners": [
                {"kind": "User", "name": "alice", "clusterRoles": ["admin", "capsule-namespace-deleter"]},
                {"kind": "Group", "name": "oil-admins"},
                {"kind": "ServiceAccount", "name": "system:serviceaccount:tenant-system:robot"},
                {"kind": "User"}
            ]},
            "status": {"size": 2, "state": "Active", "namespaces": ["oil-production", "oil-development"]}
        }))
        .unwrap();
        let t = CapsuleTenantInfo::from(&obj);
        assert_eq!(t.name, "oil");
        assert_eq!(t.owners.len(), 3);
        assert_eq!(
            t.owners[1],
            Subject {
                kind: "Group".into(),
                name: "oil-admins".into(),
                namespace: None
            }
        );
        assert_eq!(t.namespaces, vec!["oil-development", "oil-production"]);

        let bare: DynamicObject =
            serde_json::from_value(json!({"apiVersion": "capsule.clastix.io/v1beta2", "kind": "Tenant", "metadata": {"name": "x"}}))
                .unwrap();
        let t = CapsuleTenantInfo::from(&bare);
        assert!(t.owners.is_empty() && t.namespaces.is_empty());
        assert_eq!(t.resource_quotas, CapsuleResourceQuotas::default());
    }

    /// A Tenant as a Capsule v1beta2 API server returns it.
    fn capsule_tenant(resource_quotas: serde_json::Value) -> CapsuleTenantInfo {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "capsule.clastix.io/v1beta2",
            "kind": "Tenant",
            "metadata": {
                "name": "oil",
                "uid": "0b6f7ad5-8d7c-4f43-9d3e-5d1a4c0f1e11",
                "resourceVersion": "4711",
                "generation": 3,
                "creationTimestamp": "2024-05-02T09:12:44Z",
                "managedFields": [{"manager": "kubectl-client-side-apply", "operation": "Update",
                                   "apiVersion": "capsule.clastix.io/v1beta2", "fieldsType": "FieldsV1",
                                   "fieldsV1": {"f:spec": {".": {}, "f:owners": {}}}}]
            },
            "spec": {
                "cordoned": false,
                "preventDeletion": false,
                "owners": [{"kind": "User", "name": "alice",
                            "clusterRoles": ["admin", "capsule-namespace-deleter"]}],
                "namespaceOptions": {"quota": 3},
                "limitRanges": {"items": [{"limits": [{"type": "Container",
                    "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}]}]},
                "resourceQuotas": resource_quotas
            },
            "status": {"size": 2, "state": "Active",
                       "namespaces": ["oil-development", "oil-production"]}
        }))
        .unwrap();
        CapsuleTenantInfo::from(&obj)
    }

    #[test]
    fn capsule_tenant_resource_quotas() {
        let t = capsule_tenant(json!({
            "scope": "Tenant",
            "items": [
                {"hard": {"limits.cpu": "8", "requests.memory": "16Gi", "pods": 10},
                 "scopes": ["NotTerminating"]},
                {"hard": {"services": "50", "services.loadbalancers": "lots"}}
            ]
        }));
        let rq = &t.resource_quotas;
        assert_eq!(rq.scope.as_deref(), Some("Tenant"));
        assert!(!rq.per_namespace());
        assert_eq!(rq.unreadable, None);
        assert_eq!(rq.items.len(), 2);
        assert_eq!(rq.items[0].hard["limits.cpu"], Quantity::from_units(8));
        assert_eq!(
            rq.items[0].hard["requests.memory"],
            Quantity::from_bytes_binary(16 << 30)
        );
        assert_eq!(rq.items[0].hard["pods"], Quantity::from_units(10));
        assert_eq!(rq.items[0].other["scopes"], json!(["NotTerminating"]));
        assert!(rq.items[0].invalid.is_empty());
        // The bad value is kept, with why, not dropped.
        assert_eq!(rq.items[1].hard.len(), 1);
        assert_eq!(rq.items[1].invalid.len(), 1);
        let bad = &rq.items[1].invalid[0];
        assert_eq!(bad.resource, "services.loadbalancers");
        assert_eq!(bad.raw, "lots");
        assert_eq!(bad.field, QuotaField::SpecHard);
        assert!(rq.items[1].names("services.loadbalancers"));
        assert!(!rq.items[1].names("pods"));
        assert!(rq.items[1].other.is_empty());
        // Nothing else of the spec is kept.
        assert_eq!(t.owners.len(), 1);
        assert_eq!(t.namespaces, vec!["oil-development", "oil-production"]);

        let per_namespace = capsule_tenant(json!({"scope": "Namespace", "items": []}));
        assert!(per_namespace.resource_quotas.per_namespace());
        assert!(per_namespace.resource_quotas.items.is_empty());
        let no_scope = capsule_tenant(json!({"items": [{"hard": {"pods": "1"}}]}));
        assert_eq!(no_scope.resource_quotas.scope, None);
        assert!(!no_scope.resource_quotas.per_namespace());
        assert_eq!(no_scope.resource_quotas.items.len(), 1);
    }

    #[test]
    fn capsule_resource_quotas_of_the_wrong_shape_say_what_is_wrong() {
        // v1alpha1 kept a bare list here.
        let t = capsule_tenant(json!([{"hard": {"pods": "1"}}]));
        assert_eq!(
            t.resource_quotas.unreadable.as_deref(),
            Some("spec.resourceQuotas is a list, not an object with scope and items")
        );
        let t = capsule_tenant(json!({"items": [{"hard": {"pods": "1"}}, "pods=1"]}));
        assert_eq!(
            t.resource_quotas.unreadable.as_deref(),
            Some("spec.resourceQuotas.items[1]: an item is a string, not an object")
        );
        assert!(t.resource_quotas.items.is_empty());
        let t = capsule_tenant(json!({"items": [{"hard": ["pods"]}]}));
        assert_eq!(
            t.resource_quotas.unreadable.as_deref(),
            Some("spec.resourceQuotas.items[0]: an item's hard is a list, not a map")
        );
        let t = capsule_tenant(json!({"scope": 1}));
        assert!(
            t.resource_quotas
                .unreadable
                .as_deref()
                .is_some_and(|u| u.contains("scope is a number")),
            "{:?}",
            t.resource_quotas
        );
    }
}
