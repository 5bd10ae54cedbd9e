//! Admission checks: `admission.privileged`, `admission.host-namespaces`,
//! judged from the server-side dry-run probes.

use super::{ProbeOutcome, Refuser, Verdict, list};

pub(super) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// What the admission probes submit, as their checks word it.
pub(super) const PRIVILEGED_POD: &str = "a privileged pod";
pub(super) const HOST_POD: &str = "a hostNetwork/hostPID/hostIPC/hostPath pod";

/// "a privileged pod was admitted (server-side dry-run as the owner:
/// privileged in initech-app)".
pub(super) fn admitted_reason(what: &str, probes: &[String]) -> String {
    if probes.is_empty() {
        format!("{what} was admitted (server-side dry-run as the owner)")
    } else {
        format!(
            "{what} was admitted (server-side dry-run as the owner: {})",
            list(probes)
        )
    }
}

pub(super) fn admission(probe: Option<&ProbeOutcome>, what: &str) -> Verdict {
    match probe {
        None => Verdict::unknown(format!(
            "not probed: no server-side dry-run of {what} as the owner"
        )),
        Some(ProbeOutcome::Admitted { probes }) => Verdict::fail(admitted_reason(what, probes)),
        Some(ProbeOutcome::Error(e)) => {
            Verdict::unknown(format!("the dry-run of {what} failed: {}", first_line(e)))
        }
        Some(ProbeOutcome::ReadOnly) => Verdict::unknown(format!(
            "read-only: no server-side dry-run of {what} is sent in read-only mode"
        )),
        Some(ProbeOutcome::Refused { by, message }) => {
            let msg = first_line(message);
            match by {
                Refuser::PodSecurity | Refuser::Webhook => {
                    Verdict::pass(format!("{what} is refused by {}: {msg}", by.as_str()))
                }
                Refuser::Forbidden => Verdict::unknown(format!(
                    "the probing identity may not create pods, so admission was not reached: {msg}"
                )),
                Refuser::Other => Verdict::unknown(format!(
                    "{what} was refused, but not by Pod Security or a policy webhook: {msg}"
                )),
                Refuser::Quota | Refuser::LimitRange | Refuser::ServiceAccount => {
                    Verdict::unknown(format!(
                        "{what} was refused by {} before a policy decided: {msg}",
                        by.as_str()
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::checks::tests::*;
    use crate::model::checks::*;

    #[test]
    fn admission_probes_pass_only_on_policy_refusals() {
        let d = demo();
        let check = |o: Option<ProbeOutcome>| {
            let probes = ProbeResults {
                privileged: o.clone(),
                host_namespaces: o,
                quota_update_by_owner: Some(Ok(false)),
            };
            let results = run_with(&d, "acme", &probes);
            let a = result(&results, "admission.privileged").clone();
            let b = result(&results, "admission.host-namespaces").clone();
            assert_eq!(a.outcome, b.outcome);
            a
        };
        let r = check(Some(policy_refusal()));
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(r.reason.starts_with("a privileged pod is refused by Pod Security: pods \"tenantry-probe-privileged\" is forbidden: violates PodSecurity"));
        let r = check(Some(ProbeOutcome::refused(
            400,
            r#"admission webhook "validation.gatekeeper.sh" denied the request: [psp-privileged-container] Privileged container is not allowed: probe"#,
        )));
        assert_eq!(r.outcome, Outcome::Pass);
        let r = check(Some(ProbeOutcome::admitted()));
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(
            r.reason,
            "a privileged pod was admitted (server-side dry-run as the owner)"
        );
        // Folded by the kube layer, the admitted probes are named.
        let r = check(combine_probes([
            ("privileged in acme-dev", ProbeOutcome::admitted()),
            ("privileged in acme-prod", policy_refusal()),
        ]));
        assert_eq!(r.outcome, Outcome::Fail);
        assert_eq!(
            r.reason,
            "a privileged pod was admitted (server-side dry-run as the owner: privileged in acme-dev)"
        );
        assert_eq!(r.fix, Some("psa-restricted"));
        let r = check(Some(ProbeOutcome::refused(
            403,
            r#"pods "tenantry-probe-privileged" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3"#,
        )));
        assert_eq!(r.outcome, Outcome::Unknown);
        assert!(
            r.reason.starts_with(
                "a privileged pod was refused by ResourceQuota before a policy decided: "
            ),
            "{}",
            r.reason
        );
        let r = check(Some(ProbeOutcome::refused(
            403,
            r#"pods "tenantry-probe-privileged" is forbidden: error looking up service account acme-dev/default: serviceaccount "default" not found"#,
        )));
        assert_eq!(r.outcome, Outcome::Unknown);
        assert!(
            r.reason.contains("a missing ServiceAccount"),
            "{}",
            r.reason
        );
        let r = check(Some(ProbeOutcome::Error("connection refused".into())));
        assert_eq!(r.outcome, Outcome::Unknown);
        let r = check(Some(ProbeOutcome::ReadOnly));
        assert_eq!(r.outcome, Outcome::Unknown);
        assert_eq!(
            r.reason,
            "read-only: no server-side dry-run of a privileged pod is sent in read-only mode"
        );
        let r = check(None);
        assert_eq!(r.outcome, Outcome::Unknown);
    }

    #[test]
    fn combining_host_probes() {
        let psa = policy_refusal();
        let quota = ProbeOutcome::refused(403, "pods \"x\" is forbidden: exceeded quota: q");
        assert_eq!(combine_probes(Vec::new()), None);
        let all_policy = combine_probes([("hostNetwork", psa.clone()), ("hostPID", psa.clone())]);
        assert!(all_policy.is_some_and(|o| o.is_policy_refusal()));
        let mixed = combine_probes([("hostNetwork", psa.clone()), ("hostPath", quota)]);
        assert_eq!(
            mixed,
            Some(ProbeOutcome::Refused {
                by: Refuser::Quota,
                message: "hostPath: pods \"x\" is forbidden: exceeded quota: q".into()
            })
        );
        let admitted = combine_probes([
            ("hostIPC", ProbeOutcome::admitted()),
            ("hostPID", psa.clone()),
            ("hostPath", ProbeOutcome::admitted()),
        ]);
        assert_eq!(
            admitted,
            Some(ProbeOutcome::Admitted {
                probes: vec!["hostIPC".into(), "hostPath".into()]
            })
        );
        // A webhook's refusal is shown over Pod Security's, so a combined
        // Pod Security refusal means Pod Security refused every probe.
        let webhook = ProbeOutcome::refused(
            400,
            r#"admission webhook "validation.gatekeeper.sh" denied the request: no"#,
        );
        let both = combine_probes([("hostNetwork", psa.clone()), ("hostPID", webhook)]);
        assert!(
            matches!(
                both,
                Some(ProbeOutcome::Refused {
                    by: Refuser::Webhook,
                    ..
                })
            ),
            "{both:?}"
        );
        let only_psa = combine_probes([("hostNetwork", psa.clone()), ("hostPID", psa)]);
        assert!(
            matches!(
                &only_psa,
                Some(ProbeOutcome::Refused { by: Refuser::PodSecurity, message }) if message.starts_with("hostNetwork: ")
            ),
            "{only_psa:?}"
        );
    }

    #[test]
    fn refusals_classified_from_real_messages() {
        let cases: [(u16, &str, Refuser); 12] = [
            (
                403,
                r#"pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
                Refuser::PodSecurity,
            ),
            (
                403,
                r#"pods "p" is forbidden: violates PodSecurity "baseline:v1.37": host namespaces (hostNetwork=true)"#,
                Refuser::PodSecurity,
            ),
            (
                400,
                r#"admission webhook "validate.kyverno.svc-fail" denied the request: policy Pod/acme-dev/p for resource violation: disallow-privileged-containers: privileged-containers: validation error: Privileged mode is disallowed."#,
                Refuser::Webhook,
            ),
            (
                403,
                r#"admission webhook "validation.gatekeeper.sh" denied the request: [psp-host-namespace] Sharing the host namespace is not allowed: p"#,
                Refuser::Webhook,
            ),
            (
                422,
                r#"pods "p" is forbidden: ValidatingAdmissionPolicy 'deny-privileged' with binding 'deny-privileged-binding' denied request: privileged pods are not allowed"#,
                Refuser::Webhook,
            ),
            (
                403,
                r#"pods "p" is forbidden: exceeded quota: compute, requested: limits.memory=16Mi,pods=1, used: limits.memory=2Gi,pods=3, limited: limits.memory=2Gi,pods=3"#,
                Refuser::Quota,
            ),
            (
                403,
                r#"pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: probe; limits.memory for: probe"#,
                Refuser::Quota,
            ),
            (
                403,
                r#"pods "p" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, maximum memory usage per Container is 256Mi, but limit is 1Gi]"#,
                Refuser::LimitRange,
            ),
            (
                403,
                r#"pods "p" is forbidden: minimum cpu usage per Container is 100m, but request is 10m"#,
                Refuser::LimitRange,
            ),
            (
                403,
                r#"pods "p" is forbidden: error looking up service account acme-dev/default: serviceaccount "default" not found"#,
                Refuser::ServiceAccount,
            ),
            (
                403,
                r#"pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "acme-dev""#,
                Refuser::Forbidden,
            ),
            (
                500,
                "Internal error occurred: failed calling webhook \"x\": context deadline exceeded",
                Refuser::Other,
            ),
        ];
        for (code, msg, want) in cases {
            assert_eq!(classify_refusal(code, msg), want, "{msg}");
        }
    }
}
