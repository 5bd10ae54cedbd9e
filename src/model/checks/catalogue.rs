//! The catalogue of ARCHITECTURE.md §6: every check with its id, severity,
//! title, anchor and fix, in order, and the function that judges it.

use super::admission::admission;
use super::limitrange::limitrange_defaults;
use super::netpol::{netpol_cross_tenant, netpol_default_deny};
use super::psa::{psa_enforce, psa_version_pinned};
use super::public_subjects;
use super::qos::{qos_best_effort, qos_missing_requests};
use super::quota::{quota_compute, quota_objects, quota_pressure};
use super::rbac::{
    rbac_cluster_bindings, rbac_escalation, rbac_foreign_subjects, rbac_owner_present,
    rbac_quota_immutable,
};
use super::sched::{sched_node_isolation, sched_priority_class};
use super::secrets;
use super::{CheckContext, CheckResult, CheckSpec, Location, Outcome, Severity, Verdict, one_line};
use super::{FIX_NETPOL_DEFAULT_DENY, FIX_PSA_RESTRICTED, FIX_QUOTA_MEDIUM, FIX_TENANT_BASELINE};
use crate::model::network::Direction;

type CheckFn = fn(&CheckContext<'_>) -> Verdict;

struct Check {
    spec: CheckSpec,
    run: CheckFn,
}

const fn check(
    id: &'static str,
    severity: Severity,
    title: &'static str,
    anchor: &'static str,
    fix: Option<&'static str>,
    run: CheckFn,
) -> Check {
    Check {
        spec: CheckSpec {
            id,
            severity,
            title,
            anchor,
            fix,
        },
        run,
    }
}

use Severity::{Critical, High, Info, Low, Medium};

static CHECKS: [Check; 22] = [
    check(
        "netpol.default-deny-ingress",
        Critical,
        "a NetworkPolicy with empty podSelector and Ingress in policyTypes in every namespace",
        "tenancy notes; MTB network isolation",
        Some(FIX_NETPOL_DEFAULT_DENY),
        |c| netpol_default_deny(c, Direction::Ingress),
    ),
    check(
        "netpol.default-deny-egress",
        Medium,
        "a NetworkPolicy with empty podSelector and Egress in policyTypes in every namespace",
        "tenancy notes",
        Some(FIX_NETPOL_DEFAULT_DENY),
        |c| netpol_default_deny(c, Direction::Egress),
    ),
    check(
        "netpol.cross-tenant",
        High,
        "no rule admits namespaceSelector: {} or another tenant's namespaces",
        "tenancy notes",
        None,
        netpol_cross_tenant,
    ),
    check(
        "quota.compute",
        High,
        "quota hard covers cpu, memory (requests or limits) in every namespace",
        "MTB-PL1-CC-FNS-1",
        Some(FIX_QUOTA_MEDIUM),
        quota_compute,
    ),
    check(
        "quota.objects",
        Medium,
        "quota hard covers object counts (pods, services, secrets, configmaps, pvcs, services.nodeports, services.loadbalancers)",
        "MTB-PL1-CC-FNS-2",
        Some(FIX_QUOTA_MEDIUM),
        quota_objects,
    ),
    check(
        "quota.pressure",
        Medium,
        "used/hard < 80% (warn) and < 100% (fail) per namespace and tenant",
        "tenancy notes (starvation)",
        None,
        quota_pressure,
    ),
    check(
        "limitrange.defaults",
        Medium,
        "a LimitRange with container default and defaultRequest",
        "tenancy notes",
        Some(FIX_TENANT_BASELINE),
        limitrange_defaults,
    ),
    check(
        "psa.enforce",
        Critical,
        "pod-security.kubernetes.io/enforce >= baseline",
        "tenancy notes (pod security)",
        Some(FIX_PSA_RESTRICTED),
        psa_enforce,
    ),
    check(
        "psa.version-pinned",
        Low,
        "*-version labels pinned, not latest",
        "PSA docs",
        Some(FIX_PSA_RESTRICTED),
        psa_version_pinned,
    ),
    check(
        "qos.best-effort",
        Medium,
        "no BestEffort pods",
        "tenancy notes (QoS)",
        Some(FIX_TENANT_BASELINE),
        qos_best_effort,
    ),
    check(
        "qos.missing-requests",
        Medium,
        "every container sets requests",
        "tenancy notes",
        Some(FIX_TENANT_BASELINE),
        qos_missing_requests,
    ),
    check(
        "rbac.owner-present",
        High,
        "an admin binding for the tenant owner in every namespace",
        "tenancy notes (personas)",
        Some(FIX_TENANT_BASELINE),
        rbac_owner_present,
    ),
    check(
        "rbac.cluster-bindings",
        High,
        "no ClusterRoleBinding names a tenant subject",
        "MTB-PL1-CC-CPI-1",
        None,
        rbac_cluster_bindings,
    ),
    check(
        "rbac.foreign-subjects",
        High,
        "no binding names another tenant's subjects or outside ServiceAccounts",
        "MTB-PL1-CC-TI-2",
        None,
        rbac_foreign_subjects,
    ),
    check(
        "rbac.escalation",
        Critical,
        "no bound role grants impersonate of users or groups, bind, escalate, nodes/proxy or *",
        "rbac-tool analysis",
        None,
        rbac_escalation,
    ),
    check(
        "rbac.public-subjects",
        Critical,
        "no binding names system:authenticated, system:unauthenticated, system:anonymous or system:serviceaccounts[:<ns>]",
        "tenancy notes (personas); MTB-PL1-CC-TI-2",
        None,
        public_subjects::rbac_public_subjects,
    ),
    check(
        "rbac.quota-immutable",
        High,
        "the owner cannot modify ResourceQuotas (SubjectAccessReview)",
        "MTB-PL1-CC-TI-1",
        None,
        rbac_quota_immutable,
    ),
    check(
        "admission.privileged",
        Critical,
        "a privileged pod is refused (server dry-run as the owner)",
        "MTB-PL1-BC-CPI-5",
        Some(FIX_PSA_RESTRICTED),
        |c| admission(c.probes.privileged.as_ref(), "a privileged pod"),
    ),
    check(
        "admission.host-namespaces",
        Critical,
        "hostNetwork / hostPID / hostIPC / hostPath pods refused",
        "MTB-PL1-BC-HI-*",
        Some(FIX_PSA_RESTRICTED),
        |c| {
            admission(
                c.probes.host_namespaces.as_ref(),
                "a hostNetwork/hostPID/hostIPC/hostPath pod",
            )
        },
    ),
    check(
        "sched.priority-class",
        High,
        "pods use no system-* priority class",
        "tenancy notes (preemption)",
        None,
        sched_priority_class,
    ),
    check(
        "sched.node-isolation",
        Medium,
        "tenant pods only on nodes selected for it, where a node selector is set",
        "tenancy notes (dedicated nodes)",
        None,
        sched_node_isolation,
    ),
    check(
        "secrets.encryption-at-rest",
        Info,
        "always unknown: not visible through the API",
        "tenancy notes",
        None,
        secrets::encryption_at_rest,
    ),
];

/// The catalogue, in ARCHITECTURE.md §6 order.
pub fn catalogue() -> impl Iterator<Item = &'static CheckSpec> {
    CHECKS.iter().map(|c| &c.spec)
}

pub fn spec(id: &str) -> Option<&'static CheckSpec> {
    catalogue().find(|s| s.id == id)
}

/// The checks that judge cluster-scoped objects or the cluster itself, not
/// the tenant's namespaces: their results have no namespace (OpenReports
/// puts them in a `ClusterReport`).
pub const CLUSTER_WIDE: [&str; 2] = ["rbac.cluster-bindings", "secrets.encryption-at-rest"];

pub fn is_cluster_wide(id: &str) -> bool {
    CLUSTER_WIDE.contains(&id)
}

/// Every check of the catalogue, in its order.
pub fn run_checks(ctx: &CheckContext<'_>) -> Vec<CheckResult> {
    CHECKS
        .iter()
        .map(|c| {
            let v = (c.run)(ctx);
            let mut locations = v.locations;
            if locations.is_empty() {
                locations = if is_cluster_wide(c.spec.id) {
                    vec![Location {
                        tenant: String::new(),
                        namespace: None,
                        kind: None,
                        name: None,
                    }]
                } else {
                    ctx.tenant
                        .namespaces
                        .iter()
                        .map(Location::namespace)
                        .collect()
                };
            }
            for l in &mut locations {
                l.tenant = ctx.tenant.id.as_str().to_string();
            }
            locations.dedup();
            CheckResult {
                id: c.spec.id,
                severity: c.spec.severity,
                outcome: v.outcome,
                reason: one_line(&v.reason),
                note: v.note.as_deref().map(one_line),
                anchor: c.spec.anchor,
                fix: if v.outcome == Outcome::Pass {
                    None
                } else {
                    c.spec.fix
                },
                locations,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::tests::*;
    use crate::model::checks::*;
    use crate::model::inventory::Kind;
    use std::collections::BTreeMap;

    #[test]
    fn catalogue_is_design_section_6() {
        let rows: Vec<(&str, Severity)> = catalogue().map(|s| (s.id, s.severity)).collect();
        assert_eq!(
            rows,
            vec![
                ("netpol.default-deny-ingress", Critical),
                ("netpol.default-deny-egress", Medium),
                ("netpol.cross-tenant", High),
                ("quota.compute", High),
                ("quota.objects", Medium),
                ("quota.pressure", Medium),
                ("limitrange.defaults", Medium),
                ("psa.enforce", Critical),
                ("psa.version-pinned", Low),
                ("qos.best-effort", Medium),
                ("qos.missing-requests", Medium),
                ("rbac.owner-present", High),
                ("rbac.cluster-bindings", High),
                ("rbac.foreign-subjects", High),
                ("rbac.escalation", Critical),
                ("rbac.public-subjects", Critical),
                ("rbac.quota-immutable", High),
                ("admission.privileged", Critical),
                ("admission.host-namespaces", Critical),
                ("sched.priority-class", High),
                ("sched.node-isolation", Medium),
                ("secrets.encryption-at-rest", Info),
            ]
        );
        assert_eq!(
            spec("psa.enforce").map(|s| s.fix),
            Some(Some("psa-restricted"))
        );
        for s in catalogue() {
            if let Some(fix) = s.fix {
                assert!(
                    [
                        FIX_TENANT_BASELINE,
                        FIX_NETPOL_DEFAULT_DENY,
                        FIX_PSA_RESTRICTED,
                        FIX_QUOTA_SMALL,
                        FIX_QUOTA_MEDIUM,
                        FIX_QUOTA_LARGE
                    ]
                    .contains(&fix)
                );
            }
        }
    }

    /// A case where checks are judged: a demo tenant as the sandbox
    /// probes it, or the demo changed as named.
    fn case(name: &str) -> Vec<CheckResult> {
        let alice = || demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        match name {
            "acme" | "globex" | "initech" | "umbrella" | "hooli" => run_demo(&demo(), name),
            // tests/it/check.rs: alice checks acme from acme-prod; her probes
            // run as herself and Pod Security refuses them.
            "alice" => run(&alice(), "acme"),
            "alice, unprobed" => run_with(&alice(), "acme", &ProbeResults::default()),
            "acme, networkpolicies unreadable" => run(&demo_without(Kind::NetworkPolicy), "acme"),
            "acme, resourcequotas unreadable" => run(&demo_without(Kind::ResourceQuota), "acme"),
            "acme, limitranges unreadable" => run(&demo_without(Kind::LimitRange), "acme"),
            "acme, pods unreadable" => run(&demo_without(Kind::Pod), "acme"),
            "acme, rolebindings unreadable" => run(&demo_without(Kind::RoleBinding), "acme"),
            "acme, access review refused" => {
                let mut probes = good_probes();
                probes.quota_update_by_owner =
                    Some(Err("subjectaccessreviews is forbidden".into()));
                run_with(&demo(), "acme", &probes)
            }
            "acme, bound to system:authenticated" => {
                let mut d = demo();
                d.add_yaml(
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: everyone, namespace: acme-dev}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: \"system:authenticated\"}]\n",
                );
                run_demo(&d, "acme")
            }
            "umbrella, pinned to its nodes" => {
                let mut d = demo();
                for (ns, pod) in [
                    ("umbrella-lab", "notebook"),
                    ("umbrella-lab", "trainer"),
                    ("umbrella-ops", "monitor"),
                ] {
                    d.add_yaml(&format!(
                        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {pod}, namespace: {ns}}}\nspec:\n  nodeSelector: {{pool: umbrella}}\n  containers: [{{name: c}}]\n"
                    ));
                }
                run_demo(&d, "umbrella")
            }
            other => panic!("no case {other}"),
        }
    }

    /// (check, the case that fails it, passes it, leaves it unknown).
    type Cases = (
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    /// Every check, the case that fails it, the one that passes it and the
    /// one that leaves it unknown (None: the check cannot have that
    /// outcome). The demo cases are reproduced against the sandbox in
    /// tests/it/check.rs; the others need access the sandbox's personas do
    /// not lack in that way, or a change to the demo.
    const CASES: [Cases; 22] = [
        (
            "netpol.default-deny-ingress",
            Some("initech"),
            Some("acme"),
            Some("acme, networkpolicies unreadable"),
        ),
        (
            "netpol.default-deny-egress",
            Some("globex"),
            Some("acme"),
            Some("acme, networkpolicies unreadable"),
        ),
        (
            "netpol.cross-tenant",
            Some("initech"),
            Some("acme"),
            Some("acme, networkpolicies unreadable"),
        ),
        (
            "quota.compute",
            Some("initech"),
            Some("acme"),
            Some("acme, resourcequotas unreadable"),
        ),
        (
            "quota.objects",
            Some("initech"),
            Some("acme"),
            Some("acme, resourcequotas unreadable"),
        ),
        (
            "quota.pressure",
            Some("globex"),
            Some("acme"),
            Some("initech"),
        ),
        (
            "limitrange.defaults",
            Some("initech"),
            Some("acme"),
            Some("acme, limitranges unreadable"),
        ),
        (
            "psa.enforce",
            Some("initech"),
            Some("acme"),
            Some("alice, unprobed"),
        ),
        (
            "psa.version-pinned",
            Some("globex"),
            Some("acme"),
            Some("initech"),
        ),
        (
            "qos.best-effort",
            Some("initech"),
            Some("acme"),
            Some("acme, pods unreadable"),
        ),
        (
            "qos.missing-requests",
            Some("initech"),
            Some("acme"),
            Some("acme, pods unreadable"),
        ),
        (
            "rbac.owner-present",
            Some("hooli"),
            Some("acme"),
            Some("acme, rolebindings unreadable"),
        ),
        (
            "rbac.cluster-bindings",
            Some("initech"),
            Some("acme"),
            Some("alice"),
        ),
        (
            "rbac.foreign-subjects",
            Some("umbrella"),
            Some("acme"),
            Some("acme, rolebindings unreadable"),
        ),
        (
            "rbac.escalation",
            Some("initech"),
            Some("acme"),
            Some("alice"),
        ),
        (
            "rbac.public-subjects",
            Some("acme, bound to system:authenticated"),
            Some("acme"),
            Some("acme, rolebindings unreadable"),
        ),
        (
            "rbac.quota-immutable",
            Some("initech"),
            Some("acme"),
            Some("acme, access review refused"),
        ),
        (
            "admission.privileged",
            Some("initech"),
            Some("acme"),
            Some("hooli"),
        ),
        (
            "admission.host-namespaces",
            Some("initech"),
            Some("acme"),
            Some("hooli"),
        ),
        (
            "sched.priority-class",
            Some("hooli"),
            Some("acme"),
            Some("acme, pods unreadable"),
        ),
        (
            "sched.node-isolation",
            Some("hooli"),
            Some("umbrella, pinned to its nodes"),
            Some("acme"),
        ),
        ("secrets.encryption-at-rest", None, None, Some("acme")),
    ];

    #[test]
    fn every_check_fails_passes_and_is_unknown_where_written_down() {
        let ids: Vec<&str> = CASES.iter().map(|c| c.0).collect();
        let catalogue: Vec<&str> = catalogue().map(|s| s.id).collect();
        assert_eq!(ids, catalogue, "one row per check, in catalogue order");
        let mut memo: BTreeMap<&str, Vec<CheckResult>> = BTreeMap::new();
        for (id, fail, pass, unknown) in CASES {
            for (name, want) in [
                (fail, Outcome::Fail),
                (pass, Outcome::Pass),
                (unknown, Outcome::Unknown),
            ] {
                let Some(name) = name else { continue };
                let results = memo.entry(name).or_insert_with(|| case(name));
                let r = result(results, id);
                assert_eq!(r.outcome, want, "{id} in case {name:?}: {r:?}");
                assert!(!r.reason.is_empty(), "{id} in case {name:?}");
            }
        }
    }

    /// A pass says what proved it: the objects, labels or probe results,
    /// never just the rule restated.
    #[test]
    fn every_pass_names_its_evidence() {
        let acme = case("acme");
        let evidence: [(&str, &[&str]); 18] = [
            (
                "netpol.default-deny-ingress",
                &["acme-dev by ", "default-deny"],
            ),
            (
                "netpol.default-deny-egress",
                &["acme-prod by ", "allow-dns-egress"],
            ),
            (
                "netpol.cross-tenant",
                &["acme-dev by ", "acme-prod/allow-same-tenant"],
            ),
            (
                "quota.compute",
                &["acme-dev/tenant-quota", "acme-prod/tenant-quota"],
            ),
            ("quota.objects", &["acme-dev/tenant-quota"]),
            ("quota.pressure", &["highest: ", "2/20"]),
            ("limitrange.defaults", &["acme-dev/container-defaults"]),
            (
                "psa.enforce",
                &["acme-dev restricted", "Pod Security refused"],
            ),
            ("psa.version-pinned", &["acme-dev enforce v1.37"]),
            ("qos.best-effort", &["4 pods in acme-dev, acme-prod"]),
            ("qos.missing-requests", &["4 pods in acme-dev, acme-prod"]),
            ("rbac.owner-present", &["acme-dev/tenant-owner"]),
            (
                "rbac.cluster-bindings",
                &["ClusterRoleBindings", "User alice"],
            ),
            (
                "rbac.foreign-subjects",
                &["RoleBindings in acme-dev, acme-prod", "User alice"],
            ),
            ("rbac.escalation", &["ClusterRole admin"]),
            (
                "rbac.quota-immutable",
                &["access review", "acme-dev, acme-prod"],
            ),
            (
                "admission.privileged",
                &["refused by Pod Security: pods \"tenantry-probe-privileged\""],
            ),
            ("sched.priority-class", &["4 pods in acme-dev, acme-prod"]),
        ];
        for (id, needles) in evidence {
            let r = expect(&acme, id, Outcome::Pass);
            for n in needles {
                assert!(r.reason.contains(n), "{id}: {:?} lacks {n:?}", r.reason);
            }
        }
        let r = expect(
            &case("umbrella, pinned to its nodes"),
            "sched.node-isolation",
            Outcome::Pass,
        );
        assert_eq!(r.reason, "all 3 pods select pool=umbrella");
    }
}
