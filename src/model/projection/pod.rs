//! `Pod` → [`PodInfo`], with its QoS class computed as Kubernetes does.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::{name_of, namespace_of};
use crate::model::quantity::Quantity;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::projection::netpol::tests::netpol;
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
}
