//! RBAC checks: `rbac.owner-present`, `rbac.cluster-bindings`,
//! `rbac.foreign-subjects`, `rbac.escalation`, `rbac.quota-immutable`
//! (`rbac.public-subjects` is in public_subjects.rs).

use std::collections::{BTreeMap, BTreeSet};

use super::{
    CheckContext, Location, Verdict, cluster_gap, has_have, judge, list, namespace_gaps,
    no_namespaces, plural, readable,
};
use crate::model::inventory::Kind;
use crate::model::projection::Subject;
use crate::model::rbac::{
    self, Risk, RoleLookup, TenantSubjects, effective_subject, subject_label,
};
use crate::model::tenant::Tenant;

/// ClusterRoles that make a tenant owner an admin of a namespace: the
/// built-in `admin` (and `cluster-admin`, namespace-bound), Rancher's
/// project owner, kiosk's space admin.
const OWNER_ROLES: [&str; 4] = [
    "admin",
    "cluster-admin",
    "project-owner",
    "kiosk-space-admin",
];

fn same_subject(a: &Subject, b: &Subject) -> bool {
    a.kind == b.kind
        && a.name == b.name
        && (a.kind != "ServiceAccount" || a.namespace == b.namespace)
}

pub(super) fn rbac_owner_present(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::RoleBinding);
    let owners = &ctx.tenant.owners;
    if owners.is_empty() {
        return match gap {
            Some(g) => Verdict::unknown(format!("no owner known: {g}")),
            None => Verdict::fail(format!(
                "tenant {} has no owner: no admin RoleBinding in its namespaces",
                ctx.tenant.id
            )),
        };
    }
    let mut missing: Vec<&str> = Vec::new();
    let mut found = Vec::new();
    for ns in nss {
        let binding = ctx.inventory.role_bindings_in(ns).find(|b| {
            b.role_ref.kind == "ClusterRole"
                && OWNER_ROLES.contains(&b.role_ref.name.as_str())
                && b.subjects.iter().any(|s| {
                    let s = effective_subject(b, s);
                    owners.iter().any(|o| same_subject(o, &s))
                })
        });
        match binding {
            Some(b) => found.push(format!("{ns}/{} ({})", b.name, b.role_ref.name)),
            None => missing.push(ns),
        }
    }
    let owner_names: Vec<String> = owners.iter().map(subject_label).collect();
    let problems = if missing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} {} no admin binding for the owner ({})",
            list(&missing),
            has_have(missing.len()),
            list(&owner_names)
        )]
    };
    judge(problems, gap, || {
        format!(
            "the owner ({}) is admin in every namespace: {}",
            list(&owner_names),
            list(&found)
        )
    })
    .in_namespaces(&missing)
}

pub(super) fn rbac_cluster_bindings(ctx: &CheckContext<'_>) -> Verdict {
    let inv = ctx.inventory;
    if let Some(g) = cluster_gap(inv, Kind::ClusterRoleBinding) {
        return Verdict::unknown(g);
    }
    let subjects = TenantSubjects::of(inv, ctx.tenant);
    let checked = inv.cluster_role_bindings().count();
    let mut at = Vec::new();
    let problems: Vec<String> = inv
        .cluster_role_bindings()
        .filter_map(|b| {
            let mine: Vec<String> = b
                .subjects
                .iter()
                .filter(|s| subjects.contains(s))
                .map(subject_label)
                .collect();
            (!mine.is_empty()).then(|| {
                at.push(Location::object(None, "ClusterRoleBinding", &b.name));
                format!(
                    "ClusterRoleBinding {} binds {} {} to {}",
                    b.name,
                    b.role_ref.kind,
                    b.role_ref.name,
                    list(&mine)
                )
            })
        })
        .collect();
    let gap = namespace_gaps(inv, Kind::RoleBinding, &ctx.tenant.namespaces)
        .map(|g| format!("{g}: the tenant's users are not all known"));
    judge(problems, gap, || {
        let mut who: Vec<String> = subjects
            .people()
            .map(|(kind, name)| format!("{kind} {name}"))
            .collect();
        who.push(format!(
            "ServiceAccounts of {}",
            list(&ctx.tenant.namespaces)
        ));
        format!(
            "none of {checked} {} names a subject of {} ({})",
            plural(checked, "ClusterRoleBinding", "ClusterRoleBindings"),
            ctx.tenant.id,
            list(&who)
        )
    })
    .at(at)
}

/// Why a subject bound in the tenant's namespaces is foreign, if it is.
fn foreign_reason(
    s: &Subject,
    tenant: &Tenant,
    other_owners: &BTreeMap<(String, String), Vec<String>>,
) -> Option<String> {
    let outside = |ns: &str| !tenant.namespaces.iter().any(|n| n == ns);
    match (s.kind.as_str(), s.name.as_str()) {
        ("ServiceAccount", _) => s
            .namespace
            .as_deref()
            .filter(|ns| outside(ns))
            .map(|_| "a ServiceAccount outside the tenant".to_string()),
        ("Group", "system:serviceaccounts") => Some("every ServiceAccount".to_string()),
        ("Group", "system:authenticated") => Some("every authenticated user".to_string()),
        ("Group", "system:unauthenticated") | ("User", "system:anonymous") => {
            Some("anonymous users".to_string())
        }
        ("Group", name) if name.starts_with("system:serviceaccounts:") => name
            .strip_prefix("system:serviceaccounts:")
            .filter(|ns| outside(ns))
            .map(|_| "ServiceAccounts outside the tenant".to_string()),
        ("User", name) if name.starts_with("system:serviceaccount:") => name
            .strip_prefix("system:serviceaccount:")
            .and_then(|rest| rest.split_once(':'))
            .filter(|(ns, _)| outside(ns))
            .map(|_| "a ServiceAccount outside the tenant".to_string()),
        (kind, name) => other_owners
            .get(&(kind.to_string(), name.to_string()))
            .map(|ts| format!("owner of {}", ts.join(", "))),
    }
}

pub(super) fn rbac_foreign_subjects(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let inv = ctx.inventory;
    let (nss, gap) = readable(ctx, Kind::RoleBinding);
    let own: BTreeSet<(String, String)> = ctx
        .tenant
        .owners
        .iter()
        .map(|o| (o.kind.clone(), o.name.clone()))
        .collect();
    // Other tenants' owners, for the subjects this tenant's bindings name
    // only (an index lookup each, not a walk over every tenant).
    let mut other_owners: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for ns in &nss {
        for b in inv.role_bindings_in(ns) {
            for s in &b.subjects {
                let s = effective_subject(b, s);
                let key = (s.kind.clone(), s.name.clone());
                if s.kind == "ServiceAccount" || own.contains(&key) {
                    continue;
                }
                let owners: Vec<String> = ctx
                    .resolution
                    .tenants_owned_by(&s.kind, &s.name)
                    .filter(|t| t.id != ctx.tenant.id)
                    .map(|t| t.id.to_string())
                    .collect();
                if !owners.is_empty() {
                    other_owners.insert(key, owners);
                }
            }
        }
    }
    // Other tenants' owners are known only when every RoleBinding is.
    let owners_known = cluster_gap(inv, Kind::RoleBinding).is_none();
    let mut problems = Vec::new();
    let mut undecided = BTreeSet::new();
    let mut bindings = 0;
    let mut named = BTreeSet::new();
    for ns in &nss {
        for b in inv.role_bindings_in(ns) {
            bindings += 1;
            for s in &b.subjects {
                let s = effective_subject(b, s);
                named.insert(subject_label(&s));
                if let Some(why) = foreign_reason(&s, ctx.tenant, &other_owners) {
                    problems.push(format!(
                        "{ns}/{} names {} ({why})",
                        b.name,
                        subject_label(&s)
                    ));
                } else if !owners_known
                    && matches!(s.kind.as_str(), "User" | "Group")
                    && !s.name.starts_with("system:")
                    && !own.contains(&(s.kind.clone(), s.name.clone()))
                {
                    undecided.insert(subject_label(&s));
                }
            }
        }
    }
    let mut gaps: Vec<String> = gap.into_iter().collect();
    if !undecided.is_empty() {
        let names: Vec<String> = undecided.into_iter().collect();
        gaps.push(format!(
            "cannot list rolebindings cluster-wide: cannot tell whether {} own another tenant",
            list(&names)
        ));
    }
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    judge(problems, gap, || {
        if bindings == 0 {
            return format!("no RoleBinding in {} names anyone", list(&nss));
        }
        let named: Vec<String> = named.into_iter().collect();
        format!(
            "the {bindings} {} in {} {} only the tenant's own subjects ({})",
            plural(bindings, "RoleBinding", "RoleBindings"),
            list(&nss),
            plural(bindings, "names", "name"),
            if named.is_empty() {
                "none".to_string()
            } else {
                list(&named)
            }
        )
    })
}

/// Roles bound by the tenant's RoleBindings, with their rules resolved from
/// the inventory. Impersonating ServiceAccounts (built-in admin/edit, and
/// confined to the namespace by the RoleBinding) is noted, not failed.
pub(super) fn rbac_escalation(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let inv = ctx.inventory;
    let (nss, gap) = readable(ctx, Kind::RoleBinding);
    // role label -> (escalation risks, bindings)
    let mut risky: BTreeMap<String, (BTreeSet<Risk>, BTreeSet<String>)> = BTreeMap::new();
    let mut sa_impersonation: BTreeSet<String> = BTreeSet::new();
    let mut unresolved: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut resolved: BTreeSet<String> = BTreeSet::new();
    for ns in nss {
        for b in inv.role_bindings_in(ns) {
            match rbac::lookup_role(inv, b) {
                RoleLookup::Found(role) => {
                    let label =
                        rbac::role_label(&b.role_ref.kind, role.namespace.as_deref(), &role.name);
                    resolved.insert(label.clone());
                    for risk in role.rules.iter().flat_map(rbac::rule_risks) {
                        if risk.is_escalation() {
                            let e = risky.entry(label.clone()).or_default();
                            e.0.insert(risk);
                            e.1.insert(rbac::binding_label(b));
                        } else if risk == Risk::ImpersonateServiceAccounts {
                            sa_impersonation.insert(label.clone());
                        }
                    }
                }
                RoleLookup::Unreadable(g) => {
                    unresolved
                        .entry(g)
                        .or_default()
                        .insert(b.role_ref.name.clone());
                }
                RoleLookup::Dangling => {}
            }
        }
    }
    let problems: Vec<String> = risky
        .iter()
        .map(|(role, (risks, bindings))| {
            let r: Vec<&str> = risks.iter().map(|r| r.as_str()).collect();
            let b: Vec<&String> = bindings.iter().collect();
            format!("{role} grants {} (bound by {})", r.join(", "), list(&b))
        })
        .collect();
    let mut gaps: Vec<String> = gap.into_iter().collect();
    gaps.extend(unresolved.into_iter().map(|(g, names)| {
        let n: Vec<String> = names.into_iter().collect();
        format!("{g} (needed to resolve {})", list(&n))
    }));
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    let note = (!sa_impersonation.is_empty()).then(|| {
        let roles: Vec<String> = sa_impersonation.into_iter().collect();
        format!(
            "{} may impersonate ServiceAccounts of their namespace (as the built-in admin/edit roles do)",
            list(&roles)
        )
    });
    judge(problems, gap, || {
        if resolved.is_empty() {
            return "no role is bound in the tenant's namespaces".to_string();
        }
        let roles: Vec<String> = resolved.into_iter().collect();
        format!(
            "the roles bound in the tenant's namespaces ({}) grant no impersonate, bind, escalate, nodes/proxy or *",
            list(&roles)
        )
    })
    .maybe_note(note)
}

pub(super) fn rbac_quota_immutable(ctx: &CheckContext<'_>) -> Verdict {
    let owners: Vec<String> = ctx.tenant.owners.iter().map(subject_label).collect();
    let who = if owners.is_empty() {
        "the owner".to_string()
    } else {
        format!("the owner ({})", list(&owners))
    };
    match &ctx.probes.quota_update_by_owner {
        None => Verdict::unknown(format!(
            "not checked: whether {who} may update resourcequotas needs a SubjectAccessReview"
        )),
        Some(Err(e)) => Verdict::unknown(format!(
            "cannot tell whether {who} may update resourcequotas: {e}"
        )),
        Some(Ok(true)) => Verdict::fail(format!(
            "an access review says {who} may update or patch resourcequotas in {}{}",
            plural(ctx.tenant.namespaces.len(), "", "at least one of "),
            list(&ctx.tenant.namespaces)
        )),
        Some(Ok(false)) => Verdict::pass(format!(
            "an access review says {who} may not update or patch resourcequotas in {}",
            list(&ctx.tenant.namespaces)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::tests::*;
    use crate::model::checks::*;

    #[test]
    fn rbac_owner_present_pass_and_fail() {
        let mut d = demo();
        let r = expect(&run(&d, "acme"), "rbac.owner-present", Outcome::Pass);
        assert_eq!(
            r.reason,
            "the owner (User alice) is admin in every namespace: acme-dev/tenant-owner (admin), acme-prod/tenant-owner (admin)"
        );
        d.remove(Kind::RoleBinding, "acme-prod", "tenant-owner");
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer, namespace: acme-prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.owner-present", Outcome::Fail);
        assert_eq!(
            r.reason,
            "acme-prod has no admin binding for the owner (User alice)"
        );
        d.remove(Kind::RoleBinding, "acme-dev", "tenant-owner");
        let r = expect(&run(&d, "acme"), "rbac.owner-present", Outcome::Fail);
        assert_eq!(
            r.reason,
            "tenant acme has no owner: no admin RoleBinding in its namespaces"
        );
    }

    const ALICE_CLUSTER_ROLE: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-view-all}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"#;

    #[test]
    fn rbac_cluster_bindings_flags_a_cluster_role_for_alice() {
        let mut d = demo();
        expect(&run(&d, "acme"), "rbac.cluster-bindings", Outcome::Pass);
        d.add_yaml(ALICE_CLUSTER_ROLE);
        let r = expect(&run(&d, "acme"), "rbac.cluster-bindings", Outcome::Fail);
        assert_eq!(
            r.reason,
            "ClusterRoleBinding alice-view-all binds ClusterRole view to User alice"
        );
        // Not globex's subject.
        expect(&run(&d, "globex"), "rbac.cluster-bindings", Outcome::Pass);
        // A tenant's ServiceAccounts as a group count too; system groups do not.
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sa-readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: "system:serviceaccounts:globex-web", apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}
"#,
        );
        let r = expect(&run(&d, "globex"), "rbac.cluster-bindings", Outcome::Fail);
        assert_eq!(
            r.reason,
            "ClusterRoleBinding sa-readers binds ClusterRole view to Group system:serviceaccounts:globex-web"
        );
    }

    #[test]
    fn rbac_foreign_subjects_pass_and_fail() {
        let mut d = demo();
        expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Pass);
        // No binding at all is read, and names nobody (rbac.owner-present
        // fails for it).
        let mut bare = demo();
        bare.remove(Kind::RoleBinding, "acme-dev", "tenant-owner");
        bare.remove(Kind::RoleBinding, "acme-prod", "tenant-owner");
        let r = expect(&run(&bare, "acme"), "rbac.foreign-subjects", Outcome::Pass);
        assert_eq!(
            r.reason,
            "no RoleBinding in acme-dev, acme-prod names anyone"
        );
        expect(&run(&bare, "acme"), "rbac.owner-present", Outcome::Fail);
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: helpers, namespace: acme-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: deployer, namespace: shared-tools}
- {kind: ServiceAccount, name: local}
- {kind: Group, name: "system:serviceaccounts", apiGroup: rbac.authorization.k8s.io}
- {kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Fail);
        assert_eq!(
            r.reason,
            "acme-dev/helpers names User carol (owner of globex); acme-dev/helpers names ServiceAccount shared-tools/deployer (a ServiceAccount outside the tenant); acme-dev/helpers names Group system:serviceaccounts (every ServiceAccount)"
        );
    }

    #[test]
    fn rbac_foreign_subjects_unknown_for_a_namespace_admin_with_strangers() {
        let mut d = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Pass);
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: helpers, namespace: acme-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.foreign-subjects", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot list rolebindings cluster-wide: cannot tell whether User bob own another tenant"
        );
    }

    #[test]
    fn rbac_escalation_flags_a_role_granting_escalate() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: escalator, namespace: acme-dev}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate, bind]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: escalator, namespace: acme-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: escalator}
subjects: [{kind: ServiceAccount, name: ci, namespace: acme-dev}]
"#,
        );
        let r = expect(&run(&d, "acme"), "rbac.escalation", Outcome::Fail);
        assert_eq!(
            r.reason,
            "Role acme-dev/escalator grants bind, escalate (bound by acme-dev/escalator)"
        );
        assert!(r.note.is_some(), "the admin note stays");
    }

    #[test]
    fn rbac_escalation_flags_impersonation_and_wildcards() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: sudo}
rules:
- {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: sudo, namespace: globex-web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: sudo}
subjects: [{kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: root, namespace: globex-web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}]
"#,
        );
        let r = expect(&run(&d, "globex"), "rbac.escalation", Outcome::Fail);
        assert!(
            r.reason
                .contains("ClusterRole sudo grants impersonate (bound by globex-web/sudo)"),
            "{}",
            r.reason
        );
        assert!(r.reason.contains("ClusterRole cluster-admin grants impersonate, bind, escalate, nodes/proxy, wildcard"), "{}", r.reason);
    }

    #[test]
    fn cluster_only_checks_are_unknown_for_a_namespace_admin() {
        let d = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        assert_eq!(d.tenant("acme").namespaces, vec!["acme-dev", "acme-prod"]);
        let results = run(&d, "acme");
        let r = expect(&results, "rbac.cluster-bindings", Outcome::Unknown);
        assert_eq!(r.reason, "cannot list clusterrolebindings cluster-wide");
        let r = expect(&results, "rbac.escalation", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot list clusterroles cluster-wide (needed to resolve admin)"
        );
        // What she can read still passes.
        for id in [
            "netpol.default-deny-ingress",
            "netpol.cross-tenant",
            "quota.compute",
            "qos.best-effort",
            "rbac.owner-present",
            "rbac.foreign-subjects",
        ] {
            expect(&results, id, Outcome::Pass);
        }
        assert!(!fails_at(&results, Low), "{results:#?}");
    }

    #[test]
    fn rbac_quota_immutable_from_the_probe() {
        let d = demo();
        let mut probes = good_probes();
        let r = expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Pass,
        );
        assert_eq!(
            r.reason,
            "an access review says the owner (User alice) may not update or patch resourcequotas in acme-dev, acme-prod"
        );
        probes.quota_update_by_owner = Some(Ok(true));
        expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Fail,
        );
        probes.quota_update_by_owner = Some(Err("subjectaccessreviews is forbidden".into()));
        let r = expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Unknown,
        );
        assert_eq!(
            r.reason,
            "cannot tell whether the owner (User alice) may update resourcequotas: subjectaccessreviews is forbidden"
        );
        probes.quota_update_by_owner = None;
        expect(
            &run_with(&d, "acme", &probes),
            "rbac.quota-immutable",
            Outcome::Unknown,
        );
    }
}
