//! Fixtures shared by the checks' unit tests (and by rbac.rs, network.rs):
//! the demo tenants of `assets/demo/`, and the tests across families.

use super::*;
use crate::model::inventory::{Change, Kind, Object, Scope, SyncState};
use crate::model::projection::{
    BindingInfo, LimitRangeInfo, NamespaceInfo, NetworkPolicyInfo, PodInfo, QuotaInfo, RoleInfo,
    RuleInfo,
};
use crate::model::tenant::{ResolverKind, TenantId, resolve_inventory};
use serde_json::{Value, json};

pub(crate) fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> RuleInfo {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
    RuleInfo {
        verbs: v(verbs),
        api_groups: v(groups),
        resources: v(resources),
        resource_names: Vec::new(),
        non_resource_urls: Vec::new(),
    }
}

/// Built-in roles as the sandbox's controller manager aggregates them
/// (abridged to the rules the checks read, shaped like the real ones),
/// and the bootstrap cluster-admin binding.
const BUILTIN_RBAC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
- {nonResourceURLs: ["*"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:masters"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}
rules:
- apiGroups: [""]
  resources: [pods/attach, pods/exec, pods/portforward, pods/proxy, secrets, services/proxy]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [impersonate]
- apiGroups: [""]
  resources: [pods, pods/attach, pods/exec, pods/portforward, pods/proxy]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [""]
  resources: [configmaps, persistentvolumeclaims, replicationcontrollers, secrets, serviceaccounts, services, services/proxy]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [""]
  resources: [configmaps, endpoints, persistentvolumeclaims, pods, replicationcontrollers, serviceaccounts, services, resourcequotas, limitranges, namespaces, pods/log, pods/status]
  verbs: [get, list, watch]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings, roles]
  verbs: [create, delete, deletecollection, get, list, patch, update, watch]
- apiGroups: [authorization.k8s.io]
  resources: [localsubjectaccessreviews]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view}
rules:
- apiGroups: [""]
  resources: [configmaps, pods, services, resourcequotas, namespaces]
  verbs: [get, list, watch]
"#;

/// `status` as the quota controller fills it for the demo's pods.
fn quota_used(ns: &str) -> &'static [(&'static str, &'static str)] {
    match ns {
        "acme-dev" => &[
            ("requests.cpu", "150m"),
            ("requests.memory", "96Mi"),
            ("limits.cpu", "300m"),
            ("limits.memory", "192Mi"),
            ("pods", "2"),
            ("configmaps", "1"),
        ],
        "acme-prod" => &[
            ("requests.cpu", "200m"),
            ("requests.memory", "128Mi"),
            ("limits.cpu", "200m"),
            ("limits.memory", "128Mi"),
            ("pods", "2"),
            ("configmaps", "1"),
        ],
        "globex-web" => &[
            ("requests.cpu", "1500m"),
            ("requests.memory", "768Mi"),
            ("limits.cpu", "3"),
            ("limits.memory", "1536Mi"),
            ("pods", "3"),
        ],
        "umbrella-lab" => &[("pods", "2"), ("configmaps", "1")],
        "umbrella-ops" => &[("pods", "1"), ("configmaps", "1")],
        "hooli" => &[("requests.cpu", "100m"), ("requests.memory", "128Mi")],
        _ => &[],
    }
}

fn object(mut v: Value) -> Option<Object> {
    let kind = v.get("kind")?.as_str()?.to_string();
    let parse = |v: Value| -> Option<Object> {
        Some(match kind.as_str() {
            "Namespace" => Object::Namespace(NamespaceInfo::from(
                &serde_json::from_value(v).expect("Namespace"),
            )),
            "Pod" => Object::Pod(PodInfo::from(&serde_json::from_value(v).expect("Pod"))),
            "ResourceQuota" => Object::ResourceQuota(QuotaInfo::from(
                &serde_json::from_value(v).expect("ResourceQuota"),
            )),
            "LimitRange" => Object::LimitRange(LimitRangeInfo::from(
                &serde_json::from_value(v).expect("LimitRange"),
            )),
            "NetworkPolicy" => Object::NetworkPolicy(NetworkPolicyInfo::from(
                &serde_json::from_value(v).expect("NetworkPolicy"),
            )),
            "RoleBinding" => Object::RoleBinding(BindingInfo::from_role_binding(
                &serde_json::from_value(v).expect("RoleBinding"),
            )),
            "ClusterRoleBinding" => {
                Object::ClusterRoleBinding(BindingInfo::from_cluster_role_binding(
                    &serde_json::from_value(v).expect("ClusterRoleBinding"),
                ))
            }
            "Role" => Object::Role(RoleInfo::from_role(
                &serde_json::from_value(v).expect("Role"),
            )),
            "ClusterRole" => Object::ClusterRole(RoleInfo::from_cluster_role(
                &serde_json::from_value(v).expect("ClusterRole"),
            )),
            // No controller runs on fixtures: the Deployment makes no pods
            // (on the sandbox, its quota refuses them).
            "Deployment" => return None,
            other => panic!("no fixture support for {other}"),
        })
    };
    if kind == "ResourceQuota" {
        let ns = v["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let hard = v["spec"]["hard"].clone();
        let mut used = serde_json::Map::new();
        if let Some(h) = hard.as_object() {
            for k in h.keys() {
                let u = quota_used(&ns)
                    .iter()
                    .find(|(r, _)| r == k)
                    .map_or("0", |(_, u)| *u);
                used.insert(k.clone(), json!(u));
            }
        }
        v["status"] = json!({"hard": hard, "used": used});
    }
    parse(v)
}

pub(super) fn parse_yaml(text: &str) -> Vec<Object> {
    serde_saphyr::from_multiple::<Value>(text)
        .expect("fixture YAML")
        .into_iter()
        .filter(|v| !v.is_null())
        .filter_map(object)
        .collect()
}

/// The demo tenants of `assets/demo/`, as a cluster admin sees them
/// once synced.
pub(crate) struct Demo {
    pub inv: Inventory,
    pub resolution: Resolution,
    objects: Vec<Object>,
}

impl Demo {
    pub fn tenant(&self, id: &str) -> &Tenant {
        self.resolution
            .tenant(&TenantId::new(id))
            .unwrap_or_else(|| panic!("tenant {id}"))
    }

    fn resolve(&mut self) {
        self.resolution = resolve_inventory(&self.inv, &ResolverKind::default_order(), &[]);
    }

    pub fn add_yaml(&mut self, text: &str) {
        for o in parse_yaml(text) {
            self.objects.push(o.clone());
            self.inv.apply(Change::Applied(o));
        }
        self.resolve();
    }

    pub fn remove(&mut self, kind: Kind, ns: &str, name: &str) {
        let key = crate::model::inventory::ObjectKey::new(ns, name);
        self.objects
            .retain(|o| !(o.kind() == kind && o.key() == key));
        self.inv.apply(Change::Deleted(kind, key));
        self.resolve();
    }

    /// What a namespace admin of `namespaces` sees: namespaced kinds in
    /// those namespaces only, no cluster-scoped kind, no Namespace
    /// objects.
    pub fn seen_by_namespace_admin(self, namespaces: &[&str]) -> Demo {
        let mut inv = Inventory::new();
        for kind in Kind::ALL {
            if kind.is_namespaced() {
                for ns in namespaces {
                    let objects = self
                        .objects
                        .iter()
                        .filter(|o| o.kind() == kind && o.key().namespace == *ns)
                        .cloned()
                        .collect();
                    inv.apply(Change::Replaced {
                        kind,
                        scope: Scope::Namespace(ns.to_string()),
                        objects,
                    });
                }
            } else {
                inv.set_sync(
                    kind,
                    Scope::Cluster,
                    SyncState::NoAccess {
                        reason: "forbidden".into(),
                    },
                );
            }
        }
        let mut d = Demo {
            inv,
            resolution: Resolution::default(),
            objects: self.objects,
        };
        d.resolve();
        d
    }
}

pub(crate) fn demo() -> Demo {
    let mut objects = Vec::new();
    for text in [
        include_str!("../../../assets/demo/00-namespaces.yaml"),
        include_str!("../../../assets/demo/10-policy.yaml"),
        include_str!("../../../assets/demo/20-pods.yaml"),
        include_str!("../../../assets/demo/30-pressure.yaml"),
        BUILTIN_RBAC,
    ] {
        objects.extend(parse_yaml(text));
    }
    let mut inv = Inventory::new();
    for kind in Kind::ALL {
        inv.apply(Change::Replaced {
            kind,
            scope: Scope::Cluster,
            objects: Vec::new(),
        });
    }
    // Later phases replace earlier objects (30-pressure lowers a quota).
    for o in &objects {
        inv.apply(Change::Applied(o.clone()));
    }
    let mut d = Demo {
        inv,
        resolution: Resolution::default(),
        objects,
    };
    d.resolve();
    d
}

pub(super) fn policy_refusal() -> ProbeOutcome {
    ProbeOutcome::refused(
        403,
        r#"pods "tenantry-probe-privileged" is forbidden: violates PodSecurity "restricted:v1.37": privileged (container "probe" must not set securityContext.privileged=true)"#,
    )
}

pub(super) fn good_probes() -> ProbeResults {
    ProbeResults {
        privileged: Some(policy_refusal()),
        host_namespaces: Some(policy_refusal()),
        quota_update_by_owner: Some(Ok(false)),
    }
}

pub(super) fn run_with(d: &Demo, tenant: &str, probes: &ProbeResults) -> Vec<CheckResult> {
    run_checks(&CheckContext {
        inventory: &d.inv,
        resolution: &d.resolution,
        tenant: d.tenant(tenant),
        probes,
    })
}

pub(super) fn run(d: &Demo, tenant: &str) -> Vec<CheckResult> {
    run_with(d, tenant, &good_probes())
}

/// The probes as they answer for each demo tenant in the sandbox
/// (tests/it/check.rs): initech-app has no Pod Security label, so the
/// cluster default (privileged) admits every probe and its owner may
/// edit quotas; hooli's owners have no binding in hooli-mail, so RBAC
/// refuses the probes there; elsewhere Pod Security refuses them.
pub(crate) fn demo_probes(tenant: &str) -> ProbeResults {
    match tenant {
        "initech" => ProbeResults {
            privileged: combine_probes([("privileged in initech-app", ProbeOutcome::admitted())]),
            host_namespaces: combine_probes(
                [
                    "hostNetwork in initech-app",
                    "hostPID in initech-app",
                    "hostIPC in initech-app",
                    "hostPath in initech-app",
                ]
                .map(|p| (p, ProbeOutcome::admitted())),
            ),
            quota_update_by_owner: Some(Ok(true)),
        },
        "hooli" => {
            let rbac = ProbeOutcome::refused(
                403,
                r#"pods "tenantry-probe-privileged" is forbidden: User "tenantry:admission-probe" cannot create resource "pods" in API group "" in the namespace "hooli-mail""#,
            );
            let probes = combine_probes([
                ("privileged in hooli", policy_refusal()),
                ("privileged in hooli-mail", rbac),
                ("privileged in hooli-search", policy_refusal()),
            ]);
            ProbeResults {
                privileged: probes.clone(),
                host_namespaces: probes,
                quota_update_by_owner: Some(Ok(false)),
            }
        }
        _ => good_probes(),
    }
}

pub(super) fn run_demo(d: &Demo, tenant: &str) -> Vec<CheckResult> {
    run_with(d, tenant, &demo_probes(tenant))
}

/// The demo as an admin sees it, except that `kind` cannot be listed.
pub(super) fn demo_without(kind: Kind) -> Demo {
    let mut d = demo();
    d.inv.apply(Change::Replaced {
        kind,
        scope: Scope::Cluster,
        objects: Vec::new(),
    });
    d.inv.set_sync(
        kind,
        Scope::Cluster,
        SyncState::NoAccess {
            reason: "forbidden".into(),
        },
    );
    d.resolve();
    d
}

pub(super) fn result<'a>(results: &'a [CheckResult], id: &str) -> &'a CheckResult {
    results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

#[track_caller]
pub(super) fn expect(results: &[CheckResult], id: &str, outcome: Outcome) -> CheckResult {
    let r = result(results, id);
    assert_eq!(r.outcome, outcome, "{id}: {r:?}");
    r.clone()
}

fn outcomes(results: &[CheckResult]) -> Vec<(&'static str, Outcome)> {
    results.iter().map(|r| (r.id, r.outcome)).collect()
}

#[test]
fn severity_order_parse_and_threshold() {
    assert!(Critical > High && High > Medium && Medium > Low && Low > Info);
    assert_eq!("HIGH".parse::<Severity>(), Ok(High));
    assert_eq!("critical".parse::<Severity>(), Ok(Critical));
    assert!("severe".parse::<Severity>().is_err());
    let mk = |severity, outcome| CheckResult {
        id: "x",
        severity,
        outcome,
        reason: String::new(),
        note: None,
        anchor: "",
        fix: None,
        locations: Vec::new(),
    };
    let results = vec![
        mk(Medium, Outcome::Fail),
        mk(Critical, Outcome::Unknown),
        mk(Low, Outcome::Fail),
        mk(High, Outcome::Pass),
    ];
    assert_eq!(
        summarize(&results),
        FindingCounts {
            critical: 0,
            high: 0,
            medium: 1,
            low: 1,
            info: 0
        }
    );
    assert!(!fails_at(&results, High));
    assert!(fails_at(&results, Medium));
    assert!(fails_at(&results, Low));
    assert_eq!(summarize(&results).total(), 2);
}

#[test]
fn acme_passes_everything_at_high_and_above() {
    let d = demo();
    let results = run(&d, "acme");
    assert_eq!(results.len(), 22);
    for r in &results {
        if r.severity >= High {
            assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
        }
    }
    assert!(!fails_at(&results, Low), "{results:#?}");
    let esc = expect(&results, "rbac.escalation", Outcome::Pass);
    assert_eq!(
        esc.note.as_deref(),
        Some(
            "ClusterRole admin may impersonate ServiceAccounts of their namespace (as the built-in admin/edit roles do)"
        )
    );
    // No node selector: nothing proves dedicated nodes, so not a pass.
    let nodes = expect(&results, "sched.node-isolation", Outcome::Unknown);
    assert_eq!(
        nodes.reason,
        "none of 4 pods in acme-dev, acme-prod sets a node selector: no dedicated nodes to check"
    );
    assert_eq!(
        nodes.note.as_deref(),
        Some("nodes are shared with other tenants")
    );
    expect(&results, "secrets.encryption-at-rest", Outcome::Unknown);
    assert!(
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Pass)
            .all(|r| r.fix.is_none())
    );
}

#[test]
fn demo_tenants_expected_findings() {
    let d = demo();
    use Outcome::{Fail, Pass, Unknown};
    let initech = run_demo(&d, "initech");
    let r = expect(&initech, "netpol.default-deny-ingress", Fail);
    assert_eq!(
        r.reason,
        "initech-app has no NetworkPolicy selecting all pods for Ingress"
    );
    assert_eq!(r.fix, Some("netpol-default-deny"));
    let r = expect(&initech, "qos.best-effort", Fail);
    assert_eq!(
        r.reason,
        "3 BestEffort pods: initech-app/batch-0, initech-app/batch-1, initech-app/batch-2"
    );
    // No policy selects initech's pods: every namespace reaches them.
    let r = expect(&initech, "netpol.cross-tenant", Fail);
    assert_eq!(
        r.reason,
        "initech-app has no ingress NetworkPolicy: its 4 pods (batch-0, batch-1, batch-2, legacy) admit ingress from every namespace"
    );
    assert_eq!(r.note, None);
    // The probe proved the hole the missing label leaves.
    let r = expect(&initech, "psa.enforce", Fail);
    assert_eq!(
        r.reason,
        "a privileged pod was admitted (server-side dry-run as the owner: privileged in initech-app); a hostNetwork/hostPID/hostIPC/hostPath pod was admitted (server-side dry-run as the owner: hostNetwork in initech-app, hostPID in initech-app, hostIPC in initech-app, hostPath in initech-app); initech-app has no enforce label"
    );
    let r = expect(&initech, "psa.version-pinned", Unknown);
    assert_eq!(
        r.reason,
        "initech-app has no Pod Security label: the cluster default's version applies and cannot be read through the API"
    );
    let r = expect(&initech, "quota.pressure", Unknown);
    assert_eq!(
        r.reason,
        "initech-app has no ResourceQuota: no pressure to measure (see quota.compute)"
    );

    let globex = run_demo(&d, "globex");
    let r = expect(&globex, "netpol.cross-tenant", Fail);
    assert_eq!(
        r.reason,
        "globex-web/allow-from-anywhere admits ingress from every namespace (namespaceSelector: {})"
    );
    let r = expect(&globex, "quota.pressure", Fail);
    assert!(r.reason.starts_with("at or over quota: "), "{}", r.reason);
    assert!(
        r.reason
            .contains("globex-web requests.memory 768Mi/512Mi (150%)"),
        "{}",
        r.reason
    );
    assert!(
        r.reason.contains("globex-web pods 3/3 (100%)"),
        "{}",
        r.reason
    );
    let r = expect(&globex, "psa.version-pinned", Fail);
    assert_eq!(r.reason, "globex-web: enforce-version latest");

    // The expected table for the demo tenants, written down: with the
    // probes answering as in the sandbox (`demo_probes`), every check
    // not listed passes. tests/it/check.rs holds the same table and
    // reproduces it against the real control plane.
    let table: [(&str, &[&str], &[&str]); 5] = [
        (
            "acme",
            &[],
            &["sched.node-isolation", "secrets.encryption-at-rest"],
        ),
        (
            "globex",
            &[
                "netpol.default-deny-egress",
                "netpol.cross-tenant",
                "quota.objects",
                "quota.pressure",
                "limitrange.defaults",
                "psa.version-pinned",
            ],
            &["sched.node-isolation", "secrets.encryption-at-rest"],
        ),
        (
            "initech",
            &[
                "netpol.default-deny-ingress",
                "netpol.default-deny-egress",
                "netpol.cross-tenant",
                "quota.compute",
                "quota.objects",
                "limitrange.defaults",
                "psa.enforce",
                "qos.best-effort",
                "qos.missing-requests",
                "rbac.cluster-bindings",
                "rbac.escalation",
                "rbac.quota-immutable",
                "admission.privileged",
                "admission.host-namespaces",
            ],
            &[
                "quota.pressure",
                "psa.version-pinned",
                "sched.node-isolation",
                "secrets.encryption-at-rest",
            ],
        ),
        (
            "umbrella",
            &[
                "netpol.default-deny-egress",
                "quota.compute",
                "quota.objects",
                "limitrange.defaults",
                "qos.best-effort",
                "qos.missing-requests",
                "rbac.foreign-subjects",
            ],
            &["sched.node-isolation", "secrets.encryption-at-rest"],
        ),
        (
            "hooli",
            &[
                "netpol.default-deny-egress",
                "quota.compute",
                "quota.objects",
                "limitrange.defaults",
                "psa.enforce",
                "qos.best-effort",
                "qos.missing-requests",
                "rbac.owner-present",
                "sched.priority-class",
                "sched.node-isolation",
            ],
            &[
                "quota.pressure",
                "admission.privileged",
                "admission.host-namespaces",
                "secrets.encryption-at-rest",
            ],
        ),
    ];
    for (tenant, fails, unknowns) in table {
        let expected: Vec<(&str, Outcome)> = catalogue()
            .map(|s| {
                let o = if fails.contains(&s.id) {
                    Fail
                } else if unknowns.contains(&s.id) {
                    Unknown
                } else {
                    Pass
                };
                (s.id, o)
            })
            .collect();
        assert_eq!(outcomes(&run_demo(&d, tenant)), expected, "{tenant}");
    }
    let counts = summarize(&globex);
    assert_eq!(
        (counts.critical, counts.high, counts.medium, counts.low),
        (0, 1, 4, 1)
    );
}

#[test]
fn tenant_without_namespaces_is_unknown() {
    let d = demo();
    let empty = Tenant {
        id: TenantId::new("ghost"),
        source: "config".into(),
        namespaces: Vec::new(),
        owners: Vec::new(),
    };
    let probes = ProbeResults::default();
    let results = run_checks(&CheckContext {
        inventory: &d.inv,
        resolution: &d.resolution,
        tenant: &empty,
        probes: &probes,
    });
    let r = expect(&results, "netpol.default-deny-ingress", Outcome::Unknown);
    assert_eq!(r.reason, "tenant ghost has no visible namespaces");
    assert_eq!(summarize(&results).total(), 0);
}

#[test]
fn results_serialize_for_json_output() {
    let d = demo();
    let results = run(&d, "initech");
    let v = serde_json::to_value(&results[0]).expect("serializes");
    assert_eq!(
        v,
        json!({
            "id": "netpol.default-deny-ingress",
            "severity": "critical",
            "outcome": "fail",
            "reason": "initech-app has no NetworkPolicy selecting all pods for Ingress",
            "note": null,
            "anchor": "tenancy notes; MTB network isolation",
            "fix": "netpol-default-deny",
            "locations": [{"tenant": "initech", "namespace": "initech-app"}]
        })
    );
}

#[test]
fn results_are_located_where_the_check_found_them() {
    let d = demo();
    let located = |tenant: &str, id: &str| -> Vec<(Option<String>, Option<&str>, Option<String>)> {
        result(&run_demo(&d, tenant), id)
            .locations
            .iter()
            .map(|l| {
                assert_eq!(l.tenant, tenant);
                (l.namespace.clone(), l.kind, l.name.clone())
            })
            .collect()
    };
    let ns = |n: &str| (Some(n.to_string()), None, None);
    // A failure: where it was found.
    assert_eq!(
        located("umbrella", "quota.compute"),
        vec![ns("umbrella-lab"), ns("umbrella-ops")]
    );
    assert_eq!(
        located("initech", "netpol.default-deny-ingress"),
        vec![ns("initech-app")]
    );
    assert_eq!(
        located("initech", "limitrange.defaults"),
        vec![ns("initech-app")]
    );
    // Pods, where the check names them.
    let be = located("initech", "qos.best-effort");
    assert!(
        !be.is_empty()
            && be.iter().all(|l| l.0.as_deref() == Some("initech-app")
                && l.1 == Some("Pod")
                && l.2.is_some()),
        "{be:?}"
    );
    // A pass: every namespace judged.
    assert_eq!(
        located("acme", "quota.compute"),
        vec![ns("acme-dev"), ns("acme-prod")]
    );
    // Cluster-wide: no namespace.
    assert_eq!(
        located("acme", "secrets.encryption-at-rest"),
        vec![(None, None, None)]
    );
    let mut d = demo();
    d.add_yaml(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: alice-view-all}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]\n",
    );
    let r = result(&run_demo(&d, "acme"), "rbac.cluster-bindings").clone();
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.locations
            .iter()
            .map(|l| (l.namespace.clone(), l.kind, l.name.clone()))
            .collect::<Vec<_>>(),
        vec![(
            None,
            Some("ClusterRoleBinding"),
            Some("alice-view-all".to_string())
        )]
    );
}
