//! `NetworkPolicy` → [`NetworkPolicyInfo`].

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer};

use super::{SelectorSummary, name_of, namespace_of};

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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use serde_json::json;

    pub(in crate::model::projection) fn netpol(spec: serde_json::Value) -> NetworkPolicyInfo {
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
}
