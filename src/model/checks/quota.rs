//! Quota checks: `quota.compute`, `quota.objects`, `quota.pressure`.

use std::collections::BTreeSet;

use super::{CheckContext, Verdict, has_have, judge, list, no_namespaces, readable};
use crate::model::aggregate::namespace_quota;
use crate::model::inventory::Kind;
use crate::model::quantity::pressure_at_least;

const CPU_KEYS: [&str; 3] = ["cpu", "requests.cpu", "limits.cpu"];
const MEMORY_KEYS: [&str; 3] = ["memory", "requests.memory", "limits.memory"];

/// Object counts and the names that cover them (`count/<resource>` is the
/// generic form).
const OBJECT_KEYS: [(&str, &[&str]); 7] = [
    ("pods", &["pods", "count/pods"]),
    ("services", &["services", "count/services"]),
    ("secrets", &["secrets", "count/secrets"]),
    ("configmaps", &["configmaps", "count/configmaps"]),
    (
        "persistentvolumeclaims",
        &["persistentvolumeclaims", "count/persistentvolumeclaims"],
    ),
    ("services.nodeports", &["services.nodeports"]),
    ("services.loadbalancers", &["services.loadbalancers"]),
];

/// Resources with a hard limit in the namespace's unscoped quotas (a
/// scoped quota constrains only some pods).
fn covered(ctx: &CheckContext<'_>, ns: &str) -> Option<BTreeSet<String>> {
    let quotas: Vec<_> = ctx.inventory.quotas_in(ns).filter(|q| !q.scoped).collect();
    if quotas.is_empty() {
        return None;
    }
    Some(quotas.iter().flat_map(|q| q.hard.keys().cloned()).collect())
}

/// A quota-coverage check: per readable namespace, `lacks` names what its
/// unscoped quotas leave out (None: nothing); namespaces with no quota at
/// all are listed first.
fn quota_coverage(
    ctx: &CheckContext<'_>,
    lacks: impl Fn(&str, &BTreeSet<String>) -> Option<String>,
    pass: &str,
) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::ResourceQuota);
    let mut problems = Vec::new();
    let mut none = Vec::new();
    let mut quotas = Vec::new();
    let mut failing = Vec::new();
    for ns in nss {
        match covered(ctx, ns) {
            None => {
                none.push(ns);
                failing.push(ns);
            }
            Some(keys) => {
                if let Some(problem) = lacks(ns, &keys) {
                    problems.push(problem);
                    failing.push(ns);
                }
            }
        }
        quotas.extend(
            ctx.inventory
                .quotas_in(ns)
                .filter(|q| !q.scoped)
                .map(|q| format!("{ns}/{}", q.name)),
        );
    }
    if !none.is_empty() {
        problems.insert(
            0,
            format!("{} {} no ResourceQuota", list(&none), has_have(none.len())),
        );
    }
    judge(problems, gap, || format!("{pass} ({})", list(&quotas))).in_namespaces(&failing)
}

pub(super) fn quota_compute(ctx: &CheckContext<'_>) -> Verdict {
    quota_coverage(
        ctx,
        |ns, keys| {
            let mut lacks = Vec::new();
            if !CPU_KEYS.iter().any(|k| keys.contains(*k)) {
                lacks.push("cpu");
            }
            if !MEMORY_KEYS.iter().any(|k| keys.contains(*k)) {
                lacks.push("memory");
            }
            (!lacks.is_empty()).then(|| format!("{ns} quota sets no {}", lacks.join(" or ")))
        },
        "every namespace has a quota on cpu and memory",
    )
}

pub(super) fn quota_objects(ctx: &CheckContext<'_>) -> Verdict {
    quota_coverage(
        ctx,
        |ns, keys| {
            let lacks: Vec<&str> = OBJECT_KEYS
                .iter()
                .filter(|(_, names)| !names.iter().any(|n| keys.contains(*n)))
                .map(|(name, _)| *name)
                .collect();
            (!lacks.is_empty()).then(|| format!("{ns} quota lacks {}", lacks.join(", ")))
        },
        "every namespace has a quota on pods, services, secrets, configmaps, pvcs, nodeports and load balancers",
    )
}

/// Decision: a resource at or over 100% of its hard limit fails (new
/// objects are refused: the tenant is starved); 80–99% is still a pass, with
/// a note naming the resources (a warning, not a finding: "warn" in §6).
/// Per namespace, on the binding constraint; the tenant total cannot reach
/// a threshold unless some namespace does (sum(u)/sum(h) ≤ max(u/h)), so it
/// adds nothing to check.
pub(super) fn quota_pressure(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::ResourceQuota);
    let mut over = Vec::new();
    let mut warn = Vec::new();
    let mut unfilled = Vec::new();
    // Without a quota there is no pressure to measure: that is not a pass.
    let mut unmeasured = Vec::new();
    let mut measured = Vec::new();
    // The highest ratio seen, as evidence for a pass.
    let mut highest: Option<(f64, String)> = None;
    for ns in nss {
        let nq = namespace_quota(ctx.inventory, ns);
        if nq.resources.is_empty() {
            unmeasured.push(ns);
        } else {
            measured.push(ns);
        }
        for r in &nq.resources {
            let Some(used) = &r.used else {
                if !unfilled.contains(&ns) {
                    unfilled.push(ns);
                }
                continue;
            };
            let pct = match r.ratio {
                Some(x) if x.is_finite() => format!("{:.0}%", x * 100.0),
                _ => "over a zero limit".to_string(),
            };
            let text = format!(
                "{ns} {} {}/{} ({pct})",
                r.resource,
                used.format_for(&r.resource),
                r.hard.format_for(&r.resource)
            );
            if let Some(x) = r.ratio.filter(|x| x.is_finite())
                && highest.as_ref().is_none_or(|(h, _)| x > *h)
            {
                highest = Some((x, text.clone()));
            }
            if pressure_at_least(used, &r.hard, 100) {
                over.push(text);
            } else if pressure_at_least(used, &r.hard, 80) {
                warn.push(text);
            }
        }
    }
    let warn_note = (!warn.is_empty()).then(|| format!("at 80% or more: {}", list(&warn)));
    if !over.is_empty() {
        let v = Verdict::fail(format!("at or over quota: {}", list(&over)));
        return match (warn_note, gap) {
            (Some(w), _) => v.note(w),
            (None, Some(g)) => v.note(format!("also unknown: {g}")),
            (None, None) => v,
        };
    }
    if let Some(g) = gap {
        return Verdict::unknown(g).maybe_note(warn_note);
    }
    if !unfilled.is_empty() {
        return Verdict::unknown(format!(
            "quota usage in {} not filled in yet by the quota controller",
            list(&unfilled)
        ))
        .maybe_note(warn_note);
    }
    if !unmeasured.is_empty() {
        return Verdict::unknown(format!(
            "{} {} no ResourceQuota: no pressure to measure (see quota.compute)",
            list(&unmeasured),
            has_have(unmeasured.len())
        ))
        .maybe_note(warn_note);
    }
    let evidence = format!(
        "in {}{}",
        list(&measured),
        highest
            .map(|(_, t)| format!(" (highest: {t})"))
            .unwrap_or_default()
    );
    if let Some(w) = warn_note {
        return Verdict::pass(format!("every quota below 100% {evidence}")).note(w);
    }
    Verdict::pass(format!("every quota below 80% {evidence}"))
}

#[cfg(test)]
mod tests {
    use crate::model::checks::tests::*;
    use crate::model::checks::*;
    use crate::model::inventory::{Change, Object};
    use crate::model::projection::QuotaInfo;

    #[test]
    fn quota_compute_pass_and_fail() {
        let mut d = demo();
        let r = expect(&run(&d, "initech"), "quota.compute", Outcome::Fail);
        assert_eq!(r.reason, "initech-app has no ResourceQuota");
        assert_eq!(r.fix, Some("quota-medium"));
        // umbrella counts objects only.
        let r = expect(&run(&d, "umbrella"), "quota.compute", Outcome::Fail);
        assert_eq!(
            r.reason,
            "umbrella-lab quota sets no cpu or memory; umbrella-ops quota sets no cpu or memory"
        );
        // A scoped quota constrains only some pods.
        d.add_yaml(
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: be, namespace: initech-app}
spec:
  hard: {cpu: "1", memory: 1Gi}
  scopes: [NotBestEffort]
"#,
        );
        expect(&run(&d, "initech"), "quota.compute", Outcome::Fail);
        d.add_yaml(
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: initech-app}
spec:
  hard: {limits.cpu: "1", requests.memory: 1Gi}
"#,
        );
        expect(&run(&d, "initech"), "quota.compute", Outcome::Pass);
    }

    #[test]
    fn quota_objects_pass_and_fail() {
        let d = demo();
        expect(&run(&d, "acme"), "quota.objects", Outcome::Pass);
        let r = expect(&run(&d, "umbrella"), "quota.objects", Outcome::Fail);
        assert_eq!(
            r.reason,
            "umbrella-lab quota lacks persistentvolumeclaims, services.nodeports, services.loadbalancers; umbrella-ops quota lacks persistentvolumeclaims, services.nodeports, services.loadbalancers"
        );
        let mut d = d;
        d.add_yaml(
            r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: counts, namespace: initech-app}
spec:
  hard: {count/pods: "5", count/services: "2", count/secrets: "5", count/configmaps: "5", count/persistentvolumeclaims: "1", services.nodeports: "0", services.loadbalancers: "0"}
"#,
        );
        expect(&run(&d, "initech"), "quota.objects", Outcome::Pass);
    }

    #[test]
    fn quota_pressure_warns_at_80_and_fails_at_100() {
        let mut d = demo();
        // The highest ratio is the evidence (the first of equals).
        let r = expect(&run(&d, "acme"), "quota.pressure", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every quota below 80% in acme-dev, acme-prod (highest: acme-dev pods 2/20 (10%))"
        );
        let compute = |cpu: &str| {
            format!(
                "apiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: tenant-quota, namespace: acme-prod}}\nspec: {{hard: {{requests.cpu: {cpu}, requests.memory: 1Gi}}}}\n"
            )
        };
        d.add_yaml(&compute("250m"));
        let r = expect(&run(&d, "acme"), "quota.pressure", Outcome::Pass);
        assert_eq!(
            r.reason,
            "every quota below 100% in acme-dev, acme-prod (highest: acme-prod requests.cpu 200m/250m (80%))"
        );
        assert_eq!(
            r.note.as_deref(),
            Some("at 80% or more: acme-prod requests.cpu 200m/250m (80%)")
        );
        d.add_yaml(&compute("200m"));
        let r = expect(&run(&d, "acme"), "quota.pressure", Outcome::Fail);
        assert_eq!(
            r.reason,
            "at or over quota: acme-prod requests.cpu 200m/200m (100%)"
        );
    }

    #[test]
    fn quota_pressure_without_a_quota_is_unknown_not_a_pass() {
        let d = demo();
        // hooli has a quota in hooli only: the other two are unmeasured.
        let r = expect(&run(&d, "hooli"), "quota.pressure", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "hooli-mail, hooli-search have no ResourceQuota: no pressure to measure (see quota.compute)"
        );
        let r = expect(&run(&d, "initech"), "quota.pressure", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "initech-app has no ResourceQuota: no pressure to measure (see quota.compute)"
        );
        // A namespace over its quota still fails next to an unmeasured one.
        let mut d = d;
        d.add_yaml(
            "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute, namespace: hooli}\nspec: {hard: {requests.cpu: 100m}}\n",
        );
        let r = expect(&run(&d, "hooli"), "quota.pressure", Outcome::Fail);
        assert_eq!(
            r.reason,
            "at or over quota: hooli requests.cpu 100m/100m (100%)"
        );
    }

    #[test]
    fn quota_pressure_unknown_before_the_controller_fills_status() {
        let mut d = demo();
        let mut q: QuotaInfo = match parse_yaml(
            "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: fresh, namespace: initech-app}\nspec: {hard: {pods: \"5\"}}\n",
        )
        .pop()
        {
            Some(Object::ResourceQuota(q)) => q,
            other => panic!("{other:?}"),
        };
        q.status_filled = false;
        q.used.clear();
        d.inv.apply(Change::Applied(Object::ResourceQuota(q)));
        let r = expect(&run(&d, "initech"), "quota.pressure", Outcome::Unknown);
        assert_eq!(
            r.reason,
            "quota usage in initech-app not filled in yet by the quota controller"
        );
    }
}
