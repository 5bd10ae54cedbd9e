//! Pod Security checks: `psa.enforce`, `psa.version-pinned`.

use std::collections::BTreeMap;

use super::admission::{HOST_POD, PRIVILEGED_POD, admitted_reason, first_line};
use super::{
    CheckContext, ProbeOutcome, Refuser, Verdict, cluster_gap, has_have, join_limited, judge, list,
    no_namespaces,
};
use crate::model::inventory::Kind;

const PSA_PREFIX: &str = "pod-security.kubernetes.io/";
const PSA_MODES: [&str; 3] = ["enforce", "audit", "warn"];

/// The labels of each tenant namespace, where the Namespace object is
/// visible (a namespace admin usually cannot read it).
type Labelled<'a> = Vec<(&'a str, &'a BTreeMap<String, String>)>;

fn namespace_labels<'a>(ctx: &CheckContext<'a>) -> (Labelled<'a>, Option<String>) {
    let mut seen = Vec::new();
    let mut hidden = Vec::new();
    for ns in &ctx.tenant.namespaces {
        match ctx.inventory.namespace(ns) {
            Some(info) => seen.push((ns.as_str(), &info.labels)),
            None => hidden.push(ns.as_str()),
        }
    }
    let gap = (!hidden.is_empty()).then(|| {
        let why =
            cluster_gap(ctx.inventory, Kind::Namespace).unwrap_or_else(|| "not found".to_string());
        format!("cannot read the labels of {} ({why})", list(&hidden))
    });
    (seen, gap)
}

/// Labels say what Pod Security should enforce; the admission probes show
/// what it does. A probe pod that baseline forbids being admitted is a
/// hole whatever the labels say; Pod Security refusing every probe proves
/// baseline or stricter where labels are missing or cannot be read.
pub(super) fn psa_enforce(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let probes = [
        (ctx.probes.privileged.as_ref(), PRIVILEGED_POD),
        (ctx.probes.host_namespaces.as_ref(), HOST_POD),
    ];
    let admitted: Vec<String> = probes
        .iter()
        .filter_map(|(p, what)| match p {
            Some(ProbeOutcome::Admitted { probes }) => Some(admitted_reason(what, probes)),
            _ => None,
        })
        .collect();
    let refused_by_psa = probes.iter().find_map(|(p, what)| match p {
        Some(ProbeOutcome::Refused {
            by: Refuser::PodSecurity,
            message,
        }) => Some((*what, first_line(message))),
        _ => None,
    });
    let (seen, gap) = namespace_labels(ctx);
    let key = format!("{PSA_PREFIX}enforce");
    let mut weak = Vec::new();
    let mut unlabelled = Vec::new();
    let mut levels = Vec::new();
    for (ns, labels) in seen {
        match labels.get(&key).map(String::as_str) {
            None => unlabelled.push(ns),
            Some(level @ ("baseline" | "restricted")) => levels.push(format!("{ns} {level}")),
            Some("privileged") => weak.push(format!("{ns} enforces privileged")),
            Some(other) => weak.push(format!("{ns} has an invalid enforce level {other:?}")),
        }
    }
    if !admitted.is_empty() {
        let mut problems = admitted;
        problems.append(&mut weak);
        if !unlabelled.is_empty() {
            problems.push(format!(
                "{} {} no enforce label",
                list(&unlabelled),
                has_have(unlabelled.len())
            ));
        } else if !levels.is_empty() {
            problems.push(format!("although labelled {}", list(&levels)));
        }
        return Verdict::fail(join_limited(&problems, "; ", 3))
            .maybe_note(gap.map(|g| format!("also unknown: {g}")));
    }
    let mut gaps: Vec<String> = gap.into_iter().collect();
    if !unlabelled.is_empty() {
        gaps.insert(
            0,
            format!(
                "{} {} no enforce label: the cluster default applies and cannot be read through the API",
                list(&unlabelled),
                has_have(unlabelled.len())
            ),
        );
    }
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    if weak.is_empty()
        && let (Some(g), Some((what, message))) = (&gap, refused_by_psa)
    {
        return Verdict::pass(format!(
            "Pod Security refused {what} in every namespace (server-side dry-run as the owner): {message}"
        ))
        .note(format!("labels not relied on: {g}"));
    }
    judge(weak, gap, || {
        let confirmed = refused_by_psa
            .map(|(what, _)| {
                format!("; Pod Security refused {what} (server-side dry-run as the owner)")
            })
            .unwrap_or_default();
        format!(
            "every namespace enforces baseline or stricter by label ({}){confirmed}",
            list(&levels)
        )
    })
}

/// A mode label without its `-version` label means `latest`: fail.
/// A namespace with no Pod Security label at all pins nothing: the cluster
/// default's version applies, which the API does not show (unknown, never
/// a pass).
pub(super) fn psa_version_pinned(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (seen, gap) = namespace_labels(ctx);
    let mut problems = Vec::new();
    let mut unlabelled = Vec::new();
    let mut pinned = Vec::new();
    for (ns, labels) in seen {
        let mut unpinned = Vec::new();
        let mut versions = Vec::new();
        for mode in PSA_MODES {
            if !labels.contains_key(&format!("{PSA_PREFIX}{mode}")) {
                continue;
            }
            match labels
                .get(&format!("{PSA_PREFIX}{mode}-version"))
                .map(String::as_str)
            {
                None => unpinned.push(format!("{mode}-version unset (latest)")),
                Some("latest") => unpinned.push(format!("{mode}-version latest")),
                Some(v) => versions.push(format!("{mode} {v}")),
            }
        }
        if unpinned.is_empty() && versions.is_empty() {
            unlabelled.push(ns);
        }
        if !unpinned.is_empty() {
            problems.push(format!("{ns}: {}", unpinned.join(", ")));
        } else if !versions.is_empty() {
            pinned.push(format!("{ns} {}", versions.join(", ")));
        }
    }
    let mut gaps = Vec::new();
    if !unlabelled.is_empty() {
        gaps.push(format!(
            "{} {} no Pod Security label: the cluster default's version applies and cannot be read through the API",
            list(&unlabelled),
            has_have(unlabelled.len())
        ));
    }
    gaps.extend(gap);
    let gap = (!gaps.is_empty()).then(|| gaps.join("; "));
    judge(problems, gap, || {
        format!(
            "every Pod Security mode label has a pinned version: {}",
            join_limited(&pinned, "; ", 3)
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::model::checks::tests::*;
    use crate::model::checks::*;

    #[test]
    fn psa_enforce_pass_fail_unknown() {
        let mut d = demo();
        let r = expect(&run(&d, "acme"), "psa.enforce", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every namespace enforces baseline or stricter by label (acme-dev restricted, acme-prod restricted); Pod Security refused a privileged pod (server-side dry-run as the owner)"
        );
        // Labels alone are evidence too.
        let r = expect(
            &run_with(&d, "acme", &ProbeResults::default()),
            "psa.enforce",
            Outcome::Pass,
        );
        assert_eq!(
            r.reason,
            "every namespace enforces baseline or stricter by label (acme-dev restricted, acme-prod restricted)"
        );
        d.add_yaml(
            r#"
apiVersion: v1
kind: Namespace
metadata:
  name: initech-app
  labels: {tenantry.dev/tenant: initech, pod-security.kubernetes.io/enforce: privileged}
"#,
        );
        let r = expect(&run(&d, "initech"), "psa.enforce", Outcome::Fail);
        assert_eq!(r.reason, "initech-app enforces privileged");
        assert_eq!(r.fix, Some("psa-restricted"));
        // Labels out of sight and no probe: nothing to go on.
        let alice = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let r = expect(
            &run_with(&alice, "acme", &ProbeResults::default()),
            "psa.enforce",
            Outcome::Unknown,
        );
        assert_eq!(
            r.reason,
            "cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
        );
        // Pod Security refusing her probes proves enforce >= baseline.
        let r = expect(&run(&alice, "acme"), "psa.enforce", Outcome::Pass);
        assert_eq!(
            r.reason,
            "Pod Security refused a privileged pod in every namespace (server-side dry-run as the owner): pods \"tenantry-probe-privileged\" is forbidden: violates PodSecurity \"restricted:v1.37\": privileged (container \"probe\" must not set securityContext.privileged=true)"
        );
        assert_eq!(
            r.note.as_deref(),
            Some(
                "labels not relied on: cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
            )
        );
        // A webhook's refusal keeps the admission checks passing but says
        // nothing about Pod Security.
        let webhook = ProbeOutcome::refused(
            400,
            r#"admission webhook "validate.kyverno.svc-fail" denied the request: privileged"#,
        );
        let probes = ProbeResults {
            privileged: Some(webhook.clone()),
            host_namespaces: Some(webhook),
            quota_update_by_owner: Some(Ok(false)),
        };
        let results = run_with(&alice, "acme", &probes);
        expect(&results, "admission.privileged", Outcome::Pass);
        expect(&results, "psa.enforce", Outcome::Unknown);
    }

    #[test]
    fn psa_enforce_fails_on_an_admitted_probe_whatever_the_labels() {
        let d = demo();
        // initech-app: no label, and the probes were admitted.
        let r = expect(&run_demo(&d, "initech"), "psa.enforce", Outcome::Fail);
        assert!(
            r.reason
                .starts_with("a privileged pod was admitted (server-side dry-run as the owner: privileged in initech-app); "),
            "{}",
            r.reason
        );
        assert!(r.reason.ends_with("; initech-app has no enforce label"));
        // acme's labels say restricted, but a probe got through (Pod
        // Security exempts the owner, or is switched off): the labels lie.
        let probes = ProbeResults {
            privileged: Some(policy_refusal()),
            host_namespaces: combine_probes([("hostPath in acme-dev", ProbeOutcome::admitted())]),
            quota_update_by_owner: Some(Ok(false)),
        };
        let r = expect(&run_with(&d, "acme", &probes), "psa.enforce", Outcome::Fail);
        assert_eq!(
            r.reason,
            "a hostNetwork/hostPID/hostIPC/hostPath pod was admitted (server-side dry-run as the owner: hostPath in acme-dev); although labelled acme-dev restricted, acme-prod restricted"
        );
        // Labels out of sight do not hide an admitted probe.
        let alice = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let r = expect(
            &run_with(&alice, "acme", &probes),
            "psa.enforce",
            Outcome::Fail,
        );
        assert_eq!(
            r.note.as_deref(),
            Some(
                "also unknown: cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
            )
        );
        // hooli-mail is labelled privileged: a failure from labels alone.
        let r = expect(&run_demo(&d, "hooli"), "psa.enforce", Outcome::Fail);
        assert_eq!(r.reason, "hooli-mail enforces privileged");
    }

    #[test]
    fn psa_version_pinned_pass_fail_unknown() {
        let mut d = demo();
        let r = expect(&run(&d, "acme"), "psa.version-pinned", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every Pod Security mode label has a pinned version: acme-dev enforce v1.37, audit v1.37, warn v1.37; acme-prod enforce v1.37, audit v1.37, warn v1.37"
        );
        // No label pins nothing: not a pass.
        let r = expect(&run(&d, "initech"), "psa.version-pinned", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "initech-app has no Pod Security label: the cluster default's version applies and cannot be read through the API"
        );
        let alice = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let r = expect(&run(&alice, "acme"), "psa.version-pinned", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "cannot read the labels of acme-dev, acme-prod (cannot list namespaces cluster-wide)"
        );
        d.add_yaml(
            r#"
apiVersion: v1
kind: Namespace
metadata:
  name: initech-app
  labels: {tenantry.dev/tenant: initech, pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/enforce-version: v1.37, pod-security.kubernetes.io/warn: restricted}
"#,
        );
        let r = expect(&run(&d, "initech"), "psa.version-pinned", Outcome::Fail);
        assert_eq!(r.reason, "initech-app: warn-version unset (latest)");
    }
}
