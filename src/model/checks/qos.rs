//! QoS checks: `qos.best-effort`, `qos.missing-requests`.

use super::{
    CheckContext, Location, Verdict, judge, list, live_pods, no_namespaces, plural, pod_name,
    readable,
};
use crate::model::inventory::Kind;

pub(super) fn qos_best_effort(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let be: Vec<String> = pods
        .iter()
        .filter(|p| p.qos == crate::model::projection::QosClass::BestEffort)
        .map(|p| pod_name(p))
        .collect();
    let problems = if be.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} BestEffort {}: {}",
            be.len(),
            plural(be.len(), "pod", "pods"),
            list(&be)
        )]
    };
    let at = pods
        .iter()
        .filter(|p| p.qos == crate::model::projection::QosClass::BestEffort)
        .map(|p| Location::object(Some(p.namespace.clone()), "Pod", &p.name));
    judge(problems, gap, || {
        format!(
            "no BestEffort pods among {} pods in {}",
            pods.len(),
            list(&nss)
        )
    })
    .at(at)
}

pub(super) fn qos_missing_requests(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let missing: Vec<String> = pods
        .iter()
        .flat_map(|p| {
            p.containers_without_requests
                .iter()
                .map(move |c| format!("{}/{} ({c})", p.namespace, p.name))
        })
        .collect();
    let problems = if missing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{} {} without cpu and memory requests: {}",
            missing.len(),
            plural(missing.len(), "container", "containers"),
            list(&missing)
        )]
    };
    let at = pods
        .iter()
        .filter(|p| !p.containers_without_requests.is_empty())
        .map(|p| Location::object(Some(p.namespace.clone()), "Pod", &p.name));
    judge(problems, gap, || {
        format!(
            "every container of {} pods in {} requests cpu and memory",
            pods.len(),
            list(&nss)
        )
    })
    .at(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::tests::*;
    use crate::model::checks::*;
    use crate::model::inventory::{Scope, SyncState};

    #[test]
    fn qos_checks_pass_and_fail() {
        let d = demo();
        expect(&run(&d, "acme"), "qos.best-effort", Outcome::Pass);
        expect(&run(&d, "acme"), "qos.missing-requests", Outcome::Pass);
        let r = expect(&run(&d, "initech"), "qos.missing-requests", Outcome::Fail);
        assert_eq!(
            r.reason,
            "4 containers without cpu and memory requests: initech-app/batch-0 (batch), initech-app/batch-1 (batch), initech-app/batch-2 (batch), initech-app/legacy (sidecar)"
        );
        // hooli-search/indexer requests cpu only.
        let r = expect(&run(&d, "hooli"), "qos.missing-requests", Outcome::Fail);
        assert!(
            r.reason.contains("hooli-search/indexer (indexer)"),
            "{}",
            r.reason
        );
        let r = expect(&run(&d, "hooli"), "qos.best-effort", Outcome::Fail);
        assert_eq!(r.reason, "1 BestEffort pod: hooli-mail/smtp");
    }

    #[test]
    fn pod_checks_unknown_without_access() {
        let mut d = demo();
        d.inv.set_sync(
            Kind::Pod,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "forbidden".into(),
            },
        );
        let results = run(&d, "acme");
        for id in [
            "qos.best-effort",
            "qos.missing-requests",
            "sched.priority-class",
            "sched.node-isolation",
        ] {
            let r = expect(&results, id, Outcome::Unknown);
            assert_eq!(r.reason, "cannot list pods in acme-dev, acme-prod");
        }
        // Failures in what can be read still fail.
        d.inv.set_sync(
            Kind::Pod,
            Scope::Namespace("initech-app".into()),
            SyncState::Synced,
        );
        let r = expect(&run(&d, "initech"), "qos.best-effort", Outcome::Fail);
        assert_eq!(r.note, None);
    }
}
