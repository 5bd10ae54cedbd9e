//! `rbac.public-subjects` (critical): no binding in the tenant's namespaces
//! names a subject that stands for everyone: `system:authenticated`,
//! `system:unauthenticated`, `system:anonymous`, or
//! `system:serviceaccounts` (every ServiceAccount of the cluster, or
//! `system:serviceaccounts:<ns>`, every one of a namespace). Any role bound
//! to them is granted to strangers. The same test keeps such subjects out
//! of the owners a template binds (`model::template::owners`).

use super::{CheckContext, Verdict, judge, no_namespaces, readable};
use crate::model::inventory::Kind;
use crate::model::projection::Subject;
use crate::model::rbac::subject_label;

/// Who a public subject stands for, or `None` for any other subject.
pub fn why_public(s: &Subject) -> Option<String> {
    match (s.kind.as_str(), s.name.as_str()) {
        ("Group", "system:authenticated") => Some("every authenticated user".into()),
        ("Group", "system:unauthenticated") => Some("every unauthenticated request".into()),
        ("User", "system:anonymous") => Some("anonymous requests".into()),
        ("Group", "system:serviceaccounts") => Some("every ServiceAccount of the cluster".into()),
        ("Group", name) => name
            .strip_prefix("system:serviceaccounts:")
            .map(|ns| format!("every ServiceAccount of namespace {ns:?}")),
        _ => None,
    }
}

pub(super) fn rbac_public_subjects(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::RoleBinding);
    let mut problems = Vec::new();
    for ns in nss {
        for b in ctx.inventory.role_bindings_in(ns) {
            for s in &b.subjects {
                if let Some(who) = why_public(s) {
                    problems.push(format!(
                        "{ns}/{} binds {} {} to {} ({who})",
                        b.name,
                        b.role_ref.kind,
                        b.role_ref.name,
                        subject_label(s)
                    ));
                }
            }
        }
    }
    judge(problems, gap, || {
        "no binding names system:authenticated, system:unauthenticated, system:anonymous or system:serviceaccounts".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::tests::{Demo, demo};
    use crate::model::checks::{CheckResult, Outcome, ProbeResults, run_checks};

    fn subject(kind: &str, name: &str) -> Subject {
        Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: None,
        }
    }

    #[test]
    fn public_subjects_are_named_and_others_are_not() {
        for (kind, name) in [
            ("Group", "system:authenticated"),
            ("Group", "system:unauthenticated"),
            ("User", "system:anonymous"),
            ("Group", "system:serviceaccounts"),
            ("Group", "system:serviceaccounts:acme-dev"),
            ("Group", "system:serviceaccounts:kube-system"),
        ] {
            assert!(why_public(&subject(kind, name)).is_some(), "{kind} {name}");
        }
        for (kind, name) in [
            ("User", "system:authenticated"),
            ("Group", "system:masters-ish"),
            ("User", "system:serviceaccount:acme-dev:ci"),
            ("Group", "devs"),
            ("User", "alice"),
        ] {
            assert!(why_public(&subject(kind, name)).is_none(), "{kind} {name}");
        }
    }

    fn outcome(d: &Demo, tenant: &str) -> CheckResult {
        run_checks(&CheckContext {
            inventory: &d.inv,
            resolution: &d.resolution,
            tenant: d.tenant(tenant),
            probes: &ProbeResults::default(),
        })
        .into_iter()
        .find(|r| r.id == "rbac.public-subjects")
        .expect("the check runs")
    }

    #[test]
    fn a_binding_to_a_public_group_fails_the_tenant() {
        let mut d = demo();
        for tenant in ["acme", "globex", "hooli", "initech", "umbrella"] {
            let r = outcome(&d, tenant);
            assert_eq!(r.outcome, Outcome::Pass, "{tenant}: {r:?}");
        }
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: open-door, namespace: acme-dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:serviceaccounts:elsewhere"}
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}
"#,
        );
        let r = outcome(&d, "acme");
        assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
        assert_eq!(r.severity, crate::model::checks::Severity::Critical);
        assert!(
            r.reason
                .contains("acme-dev/open-door binds ClusterRole view to")
                && r.reason.contains("system:serviceaccounts:elsewhere")
                && !r.reason.contains("bob"),
            "{}",
            r.reason
        );
        // Another tenant is not concerned.
        assert_eq!(outcome(&d, "globex").outcome, Outcome::Pass);
    }
}
