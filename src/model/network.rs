//! Network isolation of one tenant (ARCHITECTURE.md §5 Network tab, §6
//! `netpol.*` checks): policies per namespace, default-deny status, and
//! every rule that admits traffic across the tenant's boundary. Pure.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::Serialize;

use super::checks::{cluster_gap, list, namespace_gaps};
use super::inventory::{Inventory, Kind};
use super::projection::{NamespaceInfo, NetworkPolicyInfo, PeerInfo, PodInfo, SelectorSummary};
use super::tenant::{
    CAPSULE_TENANT_LABEL, DEFAULT_TENANT_LABEL, HNC_DEPTH_SUFFIX, KIOSK_ACCOUNT_LABEL, Resolution,
    Tenant,
};

/// The label the API server sets on every namespace to its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Namespaces of the platform: when they cannot be read, a selector naming
/// them is still known not to reach another tenant.
const PLATFORM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// Whether a policy puts every pod of its namespace in isolated mode for a
/// direction: empty podSelector, the direction in policyTypes, and no rule
/// that admits everything. Further allow rules are fine here; the
/// cross-tenant analysis judges them.
pub fn isolates(np: &NetworkPolicyInfo, dir: Direction) -> bool {
    np.selects_all_pods
        && match dir {
            Direction::Ingress => np.policy_types.ingress && !np.ingress_allows_all,
            Direction::Egress => np.policy_types.egress && !np.egress_allows_all,
        }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum DenyStatus {
    /// Isolated by these policies.
    Isolated { policies: Vec<String> },
    /// No policy isolates every pod: traffic is allowed by default.
    Open,
    /// Policies cannot be read.
    Unknown { reason: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct NamespaceNetwork<'a> {
    pub namespace: String,
    pub policies: Vec<&'a NetworkPolicyInfo>,
    pub ingress: DenyStatus,
    pub egress: DenyStatus,
}

fn deny_status(
    inv: &Inventory,
    ns: &str,
    policies: &[&NetworkPolicyInfo],
    dir: Direction,
) -> DenyStatus {
    let isolating: Vec<String> = policies
        .iter()
        .filter(|p| isolates(p, dir))
        .map(|p| p.name.clone())
        .collect();
    if !isolating.is_empty() {
        // Objects present prove isolation even while the list is loading.
        return DenyStatus::Isolated {
            policies: isolating,
        };
    }
    match namespace_gaps(inv, Kind::NetworkPolicy, &[ns.to_string()]) {
        Some(reason) => DenyStatus::Unknown { reason },
        None => DenyStatus::Open,
    }
}

pub fn namespace_networks<'a>(inv: &'a Inventory, tenant: &Tenant) -> Vec<NamespaceNetwork<'a>> {
    tenant
        .namespaces
        .iter()
        .map(|ns| {
            let policies: Vec<&NetworkPolicyInfo> = inv.network_policies_in(ns).collect();
            NamespaceNetwork {
                namespace: ns.clone(),
                ingress: deny_status(inv, ns, &policies, Direction::Ingress),
                egress: deny_status(inv, ns, &policies, Direction::Egress),
                policies,
            }
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "detail")]
pub enum CrossTenantWhy {
    /// `namespaceSelector: {}`: every namespace in the cluster.
    EmptyNamespaceSelector,
    /// The selector matches namespaces of these tenants.
    OtherTenant(Vec<String>),
    /// 0.0.0.0/0, ::/0 or a prefix shorter than /8.
    BroadIpBlock(String),
    /// A rule with no `from` (or `to`): every peer.
    AllowsAll,
}

impl CrossTenantWhy {
    pub fn describe(&self) -> String {
        match self {
            CrossTenantWhy::EmptyNamespaceSelector => {
                "every namespace (namespaceSelector: {})".to_string()
            }
            CrossTenantWhy::OtherTenant(t) => format!("namespaces of tenant {}", t.join(", ")),
            CrossTenantWhy::BroadIpBlock(cidr) => format!("ipBlock {cidr}"),
            CrossTenantWhy::AllowsAll => "every peer (a rule without peers)".to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CrossTenantAllow {
    pub namespace: String,
    pub policy: String,
    pub direction: Direction,
    /// The peer as written ("namespaceSelector: {}", "ipBlock 0.0.0.0/0").
    pub peer: String,
    pub why: CrossTenantWhy,
}

impl CrossTenantAllow {
    /// One line: "globex-web/allow-from-anywhere admits ingress from every
    /// namespace (namespaceSelector: {})".
    pub fn describe(&self) -> String {
        let (verb, prep) = match self.direction {
            Direction::Ingress => ("admits ingress", "from"),
            Direction::Egress => ("allows egress", "to"),
        };
        format!(
            "{}/{} {verb} {prep} {}",
            self.namespace,
            self.policy,
            self.why.describe()
        )
    }
}

/// A namespaceSelector that could not be evaluated: the namespaces' labels
/// are not visible to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnevaluatedPeer {
    pub namespace: String,
    pub policy: String,
    pub direction: Direction,
    pub peer: String,
    pub reason: String,
}

/// Pods of one namespace that no NetworkPolicy selects for a direction.
/// Kubernetes lets such a pod take ingress from (or send egress to) every
/// namespace in the cluster: a cross-tenant exposure with no rule to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnselectedPods {
    pub namespace: String,
    pub direction: Direction,
    /// The namespace has no NetworkPolicy for the direction at all, so any
    /// pod it runs, now or later, is open.
    pub no_policy: bool,
    /// The pods no policy selects (names); `None` when the pods cannot be
    /// listed.
    pub pods: Option<Vec<String>>,
}

impl UnselectedPods {
    /// One line: "initech-app has no ingress NetworkPolicy: its 4 pods
    /// (batch-0, …) admit ingress from every namespace".
    pub fn describe(&self) -> String {
        let reach = match self.direction {
            Direction::Ingress => "admit ingress from every namespace",
            Direction::Egress => "may send egress to every namespace",
        };
        let dir = self.direction.as_str();
        let ns = &self.namespace;
        match (&self.pods, self.no_policy) {
            (Some(pods), true) if pods.is_empty() => {
                format!("{ns} has no {dir} NetworkPolicy: any pod it runs would {reach}")
            }
            (Some(pods), true) => format!(
                "{ns} has no {dir} NetworkPolicy: its {} ({}) {reach}",
                pod_count(pods.len()),
                list(pods)
            ),
            (None, true) => format!(
                "{ns} has no {dir} NetworkPolicy: its pods (which cannot be listed) {reach}"
            ),
            (Some(pods), false) => format!(
                "no {dir} NetworkPolicy in {ns} selects {} ({}): {} {reach}",
                pod_count(pods.len()),
                list(pods),
                if pods.len() == 1 { "it would" } else { "they" }
            ),
            // Not built: with policies present, unreadable pods are a gap.
            (None, false) => format!("{ns}: pods no {dir} NetworkPolicy selects {reach}"),
        }
    }
}

fn pod_count(n: usize) -> String {
    if n == 1 {
        "1 pod".to_string()
    } else {
        format!("{n} pods")
    }
}

/// Whether a policy applies to a pod of its namespace.
pub fn selects(np: &NetworkPolicyInfo, pod: &PodInfo) -> bool {
    np.selects_all_pods || np.pod_selector.matches_with(|k| pod.label(k))
}

/// Per namespace and direction left open (no policy isolates every pod),
/// the pods no policy of that direction selects. A namespace with no
/// policy for the direction is open whatever pods it runs; one whose
/// policies select some pods is open through the pods they miss, which
/// needs the pods: where they cannot be listed that is a gap (second
/// value), not a pass.
pub fn unselected_pods(
    inv: &Inventory,
    namespaces: &[NamespaceNetwork<'_>],
) -> (Vec<UnselectedPods>, Vec<String>) {
    let mut out = Vec::new();
    let mut gaps = Vec::new();
    for n in namespaces {
        if n.ingress != DenyStatus::Open && n.egress != DenyStatus::Open {
            continue;
        }
        let pods_readable = inv.is_readable(Kind::Pod, &n.namespace);
        let pods: Vec<&PodInfo> = inv
            .pods_in(&n.namespace)
            .filter(|p| !matches!(p.phase.as_str(), "Succeeded" | "Failed"))
            .collect();
        for dir in [Direction::Ingress, Direction::Egress] {
            let status = match dir {
                Direction::Ingress => &n.ingress,
                Direction::Egress => &n.egress,
            };
            if *status != DenyStatus::Open {
                continue;
            }
            let of_dir: Vec<&NetworkPolicyInfo> = n
                .policies
                .iter()
                .copied()
                .filter(|p| match dir {
                    Direction::Ingress => p.policy_types.ingress,
                    Direction::Egress => p.policy_types.egress,
                })
                .collect();
            let no_policy = of_dir.is_empty();
            if !pods_readable && !no_policy {
                if let Some(g) = namespace_gaps(inv, Kind::Pod, std::slice::from_ref(&n.namespace))
                {
                    gaps.push(format!(
                        "{g}: cannot tell which pods no {} NetworkPolicy selects",
                        dir.as_str()
                    ));
                }
                continue;
            }
            let unselected = pods_readable.then(|| {
                pods.iter()
                    .filter(|pod| !of_dir.iter().any(|p| selects(p, pod)))
                    .map(|pod| pod.name.clone())
                    .collect::<Vec<_>>()
            });
            if no_policy || unselected.as_ref().is_some_and(|u| !u.is_empty()) {
                out.push(UnselectedPods {
                    namespace: n.namespace.clone(),
                    direction: dir,
                    no_policy,
                    pods: unselected,
                });
            }
        }
    }
    (out, gaps)
}

#[derive(Clone, Debug, PartialEq)]
pub struct NetworkView<'a> {
    pub namespaces: Vec<NamespaceNetwork<'a>>,
    /// Pods no policy selects: exposed to (or reaching) every namespace.
    pub unselected: Vec<UnselectedPods>,
    pub cross_tenant: Vec<CrossTenantAllow>,
    pub unevaluated: Vec<UnevaluatedPeer>,
    /// Open namespaces whose unselected pods cannot be told.
    pub undetermined: Vec<String>,
}

impl NetworkView<'_> {
    /// Cross-tenant exposures: unselected pods and crossing rules.
    pub fn exposure_count(&self) -> usize {
        self.unselected.len() + self.cross_tenant.len()
    }
}

pub fn network_view<'a>(
    inv: &'a Inventory,
    resolution: &Resolution,
    tenant: &Tenant,
) -> NetworkView<'a> {
    let (cross_tenant, unevaluated) = analyse(inv, resolution, tenant);
    let namespaces = namespace_networks(inv, tenant);
    let (unselected, undetermined) = unselected_pods(inv, &namespaces);
    NetworkView {
        namespaces,
        unselected,
        cross_tenant,
        unevaluated,
        undetermined,
    }
}

/// Every rule in the tenant's policies that admits traffic across the
/// tenant's boundary, both directions.
pub fn cross_tenant_allows(
    inv: &Inventory,
    resolution: &Resolution,
    tenant: &Tenant,
) -> Vec<CrossTenantAllow> {
    analyse(inv, resolution, tenant).0
}

pub(crate) fn analyse(
    inv: &Inventory,
    resolution: &Resolution,
    tenant: &Tenant,
) -> (Vec<CrossTenantAllow>, Vec<UnevaluatedPeer>) {
    let mut allows = Vec::new();
    let mut unevaluated = Vec::new();
    for ns in &tenant.namespaces {
        for np in inv.network_policies_in(ns) {
            let dirs = [
                (
                    Direction::Ingress,
                    np.policy_types.ingress,
                    np.ingress_allows_all,
                    &np.ingress_peers,
                ),
                (
                    Direction::Egress,
                    np.policy_types.egress,
                    np.egress_allows_all,
                    &np.egress_peers,
                ),
            ];
            for (direction, enabled, allows_all, peers) in dirs {
                if !enabled {
                    continue;
                }
                let mut push = |peer: String, why: CrossTenantWhy| {
                    allows.push(CrossTenantAllow {
                        namespace: ns.clone(),
                        policy: np.name.clone(),
                        direction,
                        peer,
                        why,
                    })
                };
                if allows_all {
                    let peer = match direction {
                        Direction::Ingress => "any source",
                        Direction::Egress => "any destination",
                    };
                    push(peer.to_string(), CrossTenantWhy::AllowsAll);
                }
                for p in peers {
                    match judge_peer(inv, resolution, tenant, p) {
                        PeerVerdict::Inside => {}
                        PeerVerdict::Crosses(why) => push(peer_summary(p), why),
                        PeerVerdict::Unknown(reason) => unevaluated.push(UnevaluatedPeer {
                            namespace: ns.clone(),
                            policy: np.name.clone(),
                            direction,
                            peer: peer_summary(p),
                            reason,
                        }),
                    }
                }
            }
        }
    }
    (allows, unevaluated)
}

enum PeerVerdict {
    Inside,
    Crosses(CrossTenantWhy),
    Unknown(String),
}

fn judge_peer(
    inv: &Inventory,
    resolution: &Resolution,
    tenant: &Tenant,
    p: &PeerInfo,
) -> PeerVerdict {
    if let Some(block) = &p.ip_block {
        return if is_broad_cidr(&block.cidr) {
            PeerVerdict::Crosses(CrossTenantWhy::BroadIpBlock(block.cidr.clone()))
        } else {
            PeerVerdict::Inside
        };
    }
    let Some(sel) = &p.namespace_selector else {
        // podSelector alone: the policy's own namespace.
        return PeerVerdict::Inside;
    };
    if sel.is_empty() {
        return PeerVerdict::Crosses(CrossTenantWhy::EmptyNamespaceSelector);
    }
    match admitted_tenants(inv, resolution, tenant, sel) {
        Ok(others) if others.is_empty() => PeerVerdict::Inside,
        Ok(others) => PeerVerdict::Crosses(CrossTenantWhy::OtherTenant(others)),
        Err(reason) => PeerVerdict::Unknown(reason),
    }
}

/// Other tenants whose namespaces `sel` matches. With every namespace
/// visible, the selector is evaluated against their labels. Otherwise
/// (a namespace admin) it is judged from its own terms: a selector pinned
/// to this tenant's own tenant label, or to namespace names whose tenant is
/// known; anything else is unknown.
pub fn admitted_tenants(
    inv: &Inventory,
    resolution: &Resolution,
    tenant: &Tenant,
    sel: &SelectorSummary,
) -> Result<Vec<String>, String> {
    let mut others = BTreeSet::new();
    let mut note_other = |ns: &str| {
        if let Some(t) = resolution.tenant_of(ns)
            && t.id != tenant.id
        {
            others.insert(t.id.to_string());
        }
    };
    let Some(gap) = cluster_gap(inv, Kind::Namespace) else {
        // A selector pinned to names (`kubernetes.io/metadata.name`, as
        // every DNS egress rule is) needs only those namespaces: at tier L
        // a scan of all 10,000 for each such rule made findings O(n²)
        // (ARCHITECTURE.md §9).
        let pinned: Vec<&NamespaceInfo>;
        let candidates: Box<dyn Iterator<Item = &NamespaceInfo>> = match pinned_names(sel) {
            Some(names) => {
                pinned = names.iter().filter_map(|n| inv.namespace(n)).collect();
                Box::new(pinned.iter().copied())
            }
            None => Box::new(inv.namespaces()),
        };
        for ns in candidates {
            if tenant.namespaces.contains(&ns.name) {
                continue;
            }
            // The API server sets the name label on every namespace; add it
            // where a projection lacks it (fixtures, very old objects).
            let matches = if ns.labels.contains_key(NAMESPACE_NAME_LABEL) {
                sel.matches(&ns.labels)
            } else {
                let mut labels = ns.labels.clone();
                labels.insert(NAMESPACE_NAME_LABEL.to_string(), ns.name.clone());
                sel.matches(&labels)
            };
            if matches {
                note_other(&ns.name);
            }
        }
        return Ok(others.into_iter().collect());
    };
    if pins_own_tenant(sel, tenant) {
        return Ok(Vec::new());
    }
    let Some(names) = pinned_names(sel) else {
        return Err(format!(
            "{gap}: cannot evaluate namespaceSelector {}",
            sel.summary()
        ));
    };
    let mut unseen = Vec::new();
    for name in names {
        if tenant.namespaces.contains(&name) || PLATFORM_NAMESPACES.contains(&name.as_str()) {
            continue;
        }
        if resolution.tenant_of(&name).is_some() {
            note_other(&name);
        } else {
            unseen.push(name);
        }
    }
    if others.is_empty() && !unseen.is_empty() {
        return Err(format!(
            "{gap}: cannot tell the tenant of {}",
            list(&unseen)
        ));
    }
    Ok(others.into_iter().collect())
}

/// The selector requires this tenant's own tenant label (tenantry, Capsule
/// or kiosk key) or its HNC tree label: whatever it matches, the resolvers
/// assign to this tenant.
fn pins_own_tenant(sel: &SelectorSummary, tenant: &Tenant) -> bool {
    let id = tenant.id.as_str();
    let keys = [
        DEFAULT_TENANT_LABEL,
        CAPSULE_TENANT_LABEL,
        KIOSK_ACCOUNT_LABEL,
    ];
    let hnc = format!("{id}{HNC_DEPTH_SUFFIX}");
    keys.iter()
        .any(|k| sel.match_labels.get(*k).map(String::as_str) == Some(id))
        || sel.match_labels.contains_key(&hnc)
        || sel.expressions.iter().any(|e| {
            (keys.contains(&e.key.as_str()) && e.operator == "In" && e.values == [id])
                || (e.key == hnc && e.operator == "Exists")
        })
}

/// Namespace names the selector is restricted to through
/// `kubernetes.io/metadata.name`, if it is.
fn pinned_names(sel: &SelectorSummary) -> Option<Vec<String>> {
    if let Some(name) = sel.match_labels.get(NAMESPACE_NAME_LABEL) {
        return Some(vec![name.clone()]);
    }
    sel.expressions
        .iter()
        .find(|e| e.key == NAMESPACE_NAME_LABEL && e.operator == "In")
        .map(|e| e.values.clone())
}

/// 0.0.0.0/0, ::/0, or any prefix shorter than /8. Malformed CIDRs are not
/// broad (the API server rejects them).
pub fn is_broad_cidr(cidr: &str) -> bool {
    let Some((addr, prefix)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(_), Ok(prefix)) = (addr.parse::<IpAddr>(), prefix.parse::<u8>()) else {
        return false;
    };
    prefix < 8
}

/// "namespaceSelector: {}", "namespaceSelector: tenant=acme, podSelector:
/// app=web", "podSelector: app=web", "ipBlock 10.0.0.0/8 except 10.1.0.0/16".
pub fn peer_summary(p: &PeerInfo) -> String {
    let sel = |s: &SelectorSummary| {
        if s.is_empty() {
            "{}".to_string()
        } else {
            s.summary()
        }
    };
    if let Some(b) = &p.ip_block {
        return if b.except.is_empty() {
            format!("ipBlock {}", b.cidr)
        } else {
            format!("ipBlock {} except {}", b.cidr, b.except.join(","))
        };
    }
    let mut parts = Vec::new();
    if let Some(ns) = &p.namespace_selector {
        parts.push(format!("namespaceSelector: {}", sel(ns)));
    }
    if let Some(pods) = &p.pod_selector {
        parts.push(format!("podSelector: {}", sel(pods)));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::tests::demo;

    #[test]
    fn broad_cidrs() {
        assert!(is_broad_cidr("0.0.0.0/0"));
        assert!(is_broad_cidr("::/0"));
        assert!(is_broad_cidr("128.0.0.0/1"));
        assert!(!is_broad_cidr("10.0.0.0/8"));
        assert!(!is_broad_cidr("192.168.1.0/24"));
        assert!(!is_broad_cidr("fd00::/8"));
        assert!(!is_broad_cidr("nonsense"));
    }

    #[test]
    fn demo_default_deny_status() {
        let d = demo();
        let acme = namespace_networks(&d.inv, d.tenant("acme"));
        assert_eq!(acme.len(), 2);
        assert_eq!(
            acme[0].ingress,
            DenyStatus::Isolated {
                policies: vec!["allow-same-tenant".into(), "default-deny".into()]
            }
        );
        assert_eq!(
            acme[0].egress,
            DenyStatus::Isolated {
                policies: vec!["allow-dns-egress".into(), "default-deny".into()]
            }
        );
        let globex = namespace_networks(&d.inv, d.tenant("globex"));
        assert_eq!(globex[0].egress, DenyStatus::Open);
        assert_eq!(globex[0].policies.len(), 2);
        let initech = namespace_networks(&d.inv, d.tenant("initech"));
        assert_eq!(initech[0].ingress, DenyStatus::Open);
    }

    #[test]
    fn demo_cross_tenant() {
        let d = demo();
        assert!(cross_tenant_allows(&d.inv, &d.resolution, d.tenant("acme")).is_empty());
        let globex = cross_tenant_allows(&d.inv, &d.resolution, d.tenant("globex"));
        assert_eq!(globex.len(), 1);
        assert_eq!(globex[0].why, CrossTenantWhy::EmptyNamespaceSelector);
        assert_eq!(globex[0].peer, "namespaceSelector: {}");
        assert_eq!(
            globex[0].describe(),
            "globex-web/allow-from-anywhere admits ingress from every namespace (namespaceSelector: {})"
        );
    }

    #[test]
    fn pods_no_policy_selects_are_open_to_every_namespace() {
        let d = demo();
        let view = network_view(&d.inv, &d.resolution, d.tenant("initech"));
        // No NetworkPolicy at all: both directions, every pod.
        assert_eq!(
            view.unselected,
            vec![
                UnselectedPods {
                    namespace: "initech-app".into(),
                    direction: Direction::Ingress,
                    no_policy: true,
                    pods: Some(vec![
                        "batch-0".into(),
                        "batch-1".into(),
                        "batch-2".into(),
                        "legacy".into()
                    ]),
                },
                UnselectedPods {
                    namespace: "initech-app".into(),
                    direction: Direction::Egress,
                    no_policy: true,
                    pods: Some(vec![
                        "batch-0".into(),
                        "batch-1".into(),
                        "batch-2".into(),
                        "legacy".into()
                    ]),
                },
            ]
        );
        assert_eq!(
            view.unselected[0].describe(),
            "initech-app has no ingress NetworkPolicy: its 4 pods (batch-0, batch-1, batch-2, legacy) admit ingress from every namespace"
        );
        assert_eq!(view.exposure_count(), 2);
        assert!(view.cross_tenant.is_empty(), "no rule to blame");
        // acme selects every pod both ways; globex only for ingress.
        let acme = network_view(&d.inv, &d.resolution, d.tenant("acme"));
        assert!(acme.unselected.is_empty() && acme.undetermined.is_empty());
        let globex = network_view(&d.inv, &d.resolution, d.tenant("globex"));
        let dirs: Vec<Direction> = globex.unselected.iter().map(|u| u.direction).collect();
        assert_eq!(dirs, vec![Direction::Egress]);
        assert_eq!(
            globex.unselected[0].describe(),
            "globex-web has no egress NetworkPolicy: its 3 pods (web-0, web-1, web-2) may send egress to every namespace"
        );
    }

    #[test]
    fn pods_a_partial_policy_misses_are_open() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: batch-only, namespace: initech-app}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [batch]}]
  policyTypes: [Ingress]
"#,
        );
        let nets = namespace_networks(&d.inv, d.tenant("initech"));
        assert_eq!(nets[0].ingress, DenyStatus::Open);
        let (open, gaps) = unselected_pods(&d.inv, &nets);
        assert!(gaps.is_empty());
        assert_eq!(open[0].direction, Direction::Ingress);
        assert!(!open[0].no_policy);
        assert_eq!(open[0].pods, Some(vec!["legacy".to_string()]));
        assert_eq!(
            open[0].describe(),
            "no ingress NetworkPolicy in initech-app selects 1 pod (legacy): it would admit ingress from every namespace"
        );
        // Once legacy is selected too, no pod is open for ingress.
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: legacy, namespace: initech-app}
spec:
  podSelector: {matchLabels: {app: legacy}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
"#,
        );
        let nets = namespace_networks(&d.inv, d.tenant("initech"));
        let (open, _) = unselected_pods(&d.inv, &nets);
        assert!(
            open.iter().all(|u| u.direction == Direction::Egress),
            "{open:?}"
        );
        // Finished pods take no traffic.
        let mut done = d.inv.pod("initech-app", "legacy").cloned().expect("legacy");
        done.name = "finished".into();
        done.phase = "Succeeded".into();
        done.labels = Default::default();
        d.inv.apply(crate::model::inventory::Change::Applied(
            crate::model::inventory::Object::Pod(done),
        ));
        let nets = namespace_networks(&d.inv, d.tenant("initech"));
        let (open, _) = unselected_pods(&d.inv, &nets);
        assert!(open.iter().all(|u| u.direction == Direction::Egress));
    }

    #[test]
    fn unreadable_pods_behind_a_partial_policy_are_a_gap() {
        use crate::model::inventory::{Scope, SyncState};
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: batch-only, namespace: initech-app}
spec:
  podSelector: {matchLabels: {app: batch}}
  policyTypes: [Ingress]
"#,
        );
        d.inv.set_sync(
            Kind::Pod,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        let nets = namespace_networks(&d.inv, d.tenant("initech"));
        let (open, gaps) = unselected_pods(&d.inv, &nets);
        assert_eq!(
            gaps,
            vec![
                "cannot list pods in initech-app: cannot tell which pods no ingress NetworkPolicy selects"
            ]
        );
        // No egress policy at all: open whatever the pods.
        assert_eq!(
            open,
            vec![UnselectedPods {
                namespace: "initech-app".into(),
                direction: Direction::Egress,
                no_policy: true,
                pods: None,
            }]
        );
        assert_eq!(
            open[0].describe(),
            "initech-app has no egress NetworkPolicy: its pods (which cannot be listed) may send egress to every namespace"
        );
    }

    #[test]
    fn selectors_naming_other_tenants_and_broad_blocks() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: partners, namespace: acme-dev}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions:
        - {key: tenantry.dev/tenant, operator: In, values: [acme, globex]}
    - ipBlock: {cidr: 0.0.0.0/0}
    - ipBlock: {cidr: 10.20.0.0/16}
  - ports: [{port: 80}]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: initech-app}}
  policyTypes: [Ingress, Egress]
"#,
        );
        let allows = cross_tenant_allows(&d.inv, &d.resolution, d.tenant("acme"));
        let whys: Vec<(Direction, CrossTenantWhy)> = allows
            .iter()
            .map(|a| (a.direction, a.why.clone()))
            .collect();
        assert_eq!(
            whys,
            vec![
                (Direction::Ingress, CrossTenantWhy::AllowsAll),
                (
                    Direction::Ingress,
                    CrossTenantWhy::OtherTenant(vec!["globex".into()])
                ),
                (
                    Direction::Ingress,
                    CrossTenantWhy::BroadIpBlock("0.0.0.0/0".into())
                ),
                (
                    Direction::Egress,
                    CrossTenantWhy::OtherTenant(vec!["initech".into()])
                ),
            ]
        );
    }

    #[test]
    fn namespace_admin_judges_selectors_from_their_terms() {
        let d = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let acme = d.tenant("acme");
        // tenantry.dev/tenant=acme and kubernetes.io/metadata.name=kube-system
        // are both known to stay out of other tenants.
        let (allows, unevaluated) = analyse(&d.inv, &d.resolution, acme);
        assert!(allows.is_empty() && unevaluated.is_empty());

        let mut d = d;
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: team, namespace: acme-dev}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: blue}}}]
"#,
        );
        let (_, unevaluated) = analyse(&d.inv, &d.resolution, d.tenant("acme"));
        assert_eq!(unevaluated.len(), 1);
        assert_eq!(
            unevaluated[0].reason,
            "cannot list namespaces cluster-wide: cannot evaluate namespaceSelector team=blue"
        );
    }
}
