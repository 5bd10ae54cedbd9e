//! Network checks: `netpol.default-deny-ingress`, `netpol.default-deny-egress`,
//! `netpol.cross-tenant`.

use super::{
    CheckContext, Verdict, has_have, join_limited, judge, list, namespace_gaps, no_namespaces,
};
use crate::model::inventory::Kind;
use crate::model::network::{self, CrossTenantWhy, DenyStatus, Direction};

pub(super) fn netpol_default_deny(ctx: &CheckContext<'_>, dir: Direction) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let type_name = match dir {
        Direction::Ingress => "Ingress",
        Direction::Egress => "Egress",
    };
    let mut open = Vec::new();
    let mut unknown = Vec::new();
    let mut isolated = Vec::new();
    for n in network::namespace_networks(ctx.inventory, ctx.tenant) {
        let status = match dir {
            Direction::Ingress => &n.ingress,
            Direction::Egress => &n.egress,
        };
        match status {
            DenyStatus::Isolated { policies } => {
                isolated.push(format!("{} by {}", n.namespace, policies.join(", ")))
            }
            DenyStatus::Open => open.push(n.namespace.clone()),
            DenyStatus::Unknown { .. } => unknown.push(n.namespace.clone()),
        }
    }
    let problems = if open.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} {} no NetworkPolicy selecting all pods for {type_name}",
            list(&open),
            has_have(open.len())
        )]
    };
    let gap = namespace_gaps(ctx.inventory, Kind::NetworkPolicy, &unknown);
    judge(problems, gap, || {
        format!(
            "every namespace has a NetworkPolicy selecting all pods for {type_name}: {}",
            join_limited(&isolated, "; ", 3)
        )
    })
    .in_namespaces(&open)
}

/// Fails on pods that no ingress policy selects (Kubernetes admits every
/// namespace to them), on every ingress allow from outside the tenant, and
/// on egress allows to every namespace or to another tenant's namespaces.
/// Egress from unselected pods, to broad ipBlocks or to any destination
/// (usually: the internet, DNS) is noted, not failed: it does not admit
/// traffic into the tenant, and the other tenant's ingress isolation is its
/// own check. A pass names what proved it: the policies that select every
/// pod and the allow rules judged.
pub(super) fn netpol_cross_tenant(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (allows, unevaluated) = network::analyse(ctx.inventory, ctx.resolution, ctx.tenant);
    let networks = network::namespace_networks(ctx.inventory, ctx.tenant);
    let (unselected, undetermined) = network::unselected_pods(ctx.inventory, &networks);
    let (open_in, open_out): (Vec<_>, Vec<_>) = unselected
        .iter()
        .partition(|u| u.direction == Direction::Ingress);
    let (failing, noted): (Vec<_>, Vec<_>) = allows.iter().partition(|a| {
        a.direction == Direction::Ingress
            || matches!(
                a.why,
                CrossTenantWhy::EmptyNamespaceSelector | CrossTenantWhy::OtherTenant(_)
            )
    });
    let mut problems: Vec<String> = open_in.iter().map(|u| u.describe()).collect();
    problems.extend(failing.iter().map(|a| a.describe()));
    let mut gaps: Vec<String> =
        namespace_gaps(ctx.inventory, Kind::NetworkPolicy, &ctx.tenant.namespaces)
            .into_iter()
            .collect();
    gaps.extend(
        unevaluated
            .iter()
            .map(|u| format!("{}/{}: {}", u.namespace, u.policy, u.reason)),
    );
    gaps.extend(undetermined);
    let gap = (!gaps.is_empty()).then(|| join_limited(&gaps, "; ", 3));
    let mut not_counted: Vec<String> = open_out.iter().map(|u| u.describe()).collect();
    not_counted.extend(noted.iter().map(|a| a.describe()));
    let note = (!not_counted.is_empty())
        .then(|| format!("not counted: {}", join_limited(&not_counted, "; ", 3)));
    let failed = !problems.is_empty();
    let v = judge(problems, gap, || {
        // Every pod is selected for ingress: isolated namespaces, or
        // policies that between them select every pod there is.
        let selected: Vec<String> = networks
            .iter()
            .map(|n| match &n.ingress {
                DenyStatus::Isolated { policies } => {
                    format!("{} by {}", n.namespace, policies.join(", "))
                }
                _ => {
                    let by: Vec<&str> = n
                        .policies
                        .iter()
                        .filter(|p| p.policy_types.ingress)
                        .map(|p| p.name.as_str())
                        .collect();
                    format!("{} (each pod) by {}", n.namespace, by.join(", "))
                }
            })
            .collect();
        let rules: Vec<String> = networks
            .iter()
            .flat_map(|n| n.policies.iter())
            .filter(|p| {
                (p.policy_types.ingress && p.ingress_rules > 0)
                    || (p.policy_types.egress && p.egress_rules > 0)
            })
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .collect();
        let rules = if rules.is_empty() {
            "no policy has an allow rule".to_string()
        } else {
            format!("the allow rules of {} reach no other tenant", list(&rules))
        };
        format!(
            "every pod is selected for ingress: {}; {rules}",
            join_limited(&selected, "; ", 3)
        )
    });
    if failed || v.note.is_some() {
        v
    } else {
        v.maybe_note(note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::tests::*;
    use crate::model::checks::*;
    use crate::model::inventory::{Scope, SyncState};

    #[test]
    fn netpol_default_deny_egress_pass_and_fail() {
        let mut d = demo();
        let r = expect(
            &run(&d, "globex"),
            "netpol.default-deny-egress",
            Outcome::Fail,
        );
        assert_eq!(
            r.reason,
            "globex-web has no NetworkPolicy selecting all pods for Egress"
        );
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: globex-web}
spec: {podSelector: {}, policyTypes: [Egress]}
"#,
        );
        expect(
            &run(&d, "globex"),
            "netpol.default-deny-egress",
            Outcome::Pass,
        );
    }

    #[test]
    fn an_allow_all_rule_is_not_isolation() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: initech-app}
spec:
  podSelector: {}
  ingress: [{}]
"#,
        );
        let results = run(&d, "initech");
        expect(&results, "netpol.default-deny-ingress", Outcome::Fail);
        let r = expect(&results, "netpol.cross-tenant", Outcome::Fail);
        assert_eq!(
            r.reason,
            "initech-app/open admits ingress from every peer (a rule without peers)"
        );
    }

    #[test]
    fn cross_tenant_fails_on_pods_no_policy_selects() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: batch, namespace: initech-app}
spec:
  podSelector: {matchLabels: {app: batch}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
"#,
        );
        let r = expect(&run(&d, "initech"), "netpol.cross-tenant", Outcome::Fail);
        assert_eq!(
            r.reason,
            "no ingress NetworkPolicy in initech-app selects 1 pod (legacy): it would admit ingress from every namespace"
        );
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: legacy, namespace: initech-app}
spec:
  podSelector: {matchLabels: {app: legacy}}
  policyTypes: [Ingress]
"#,
        );
        // Every pod selected, though no policy selects all of them: the
        // pass names the policies (netpol.default-deny-ingress still fails).
        let results = run(&d, "initech");
        let r = expect(&results, "netpol.cross-tenant", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every pod is selected for ingress: initech-app (each pod) by batch, legacy; the allow rules of initech-app/batch reach no other tenant"
        );
        assert!(
            r.note.as_deref().is_some_and(
                |n| n.starts_with("not counted: initech-app has no egress NetworkPolicy")
            ),
            "{r:?}"
        );
        expect(&results, "netpol.default-deny-ingress", Outcome::Fail);
        // Pods out of sight behind a partial policy: unknown, not a pass.
        d.inv.set_sync(
            Kind::Pod,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        let r = expect(&run(&d, "initech"), "netpol.cross-tenant", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot list pods in initech-app: cannot tell which pods no ingress NetworkPolicy selects"
        );
    }

    #[test]
    fn cross_tenant_egress_to_internet_is_noted_not_failed() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: internet, namespace: acme-dev}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
"#,
        );
        let r = expect(&run(&d, "acme"), "netpol.cross-tenant", Outcome::Pass);
        assert_eq!(
            r.note.as_deref(),
            Some("not counted: acme-dev/internet allows egress to ipBlock 0.0.0.0/0")
        );
        d.add_yaml(
            r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: to-globex, namespace: acme-dev}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {matchLabels: {tenantry.dev/tenant: globex}}}]}]
"#,
        );
        let r = expect(&run(&d, "acme"), "netpol.cross-tenant", Outcome::Fail);
        assert_eq!(
            r.reason,
            "acme-dev/to-globex allows egress to namespaces of tenant globex"
        );
    }
}
