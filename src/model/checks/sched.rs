//! Scheduling checks: `sched.priority-class`, `sched.node-isolation`.

use std::collections::BTreeMap;

use super::{
    CheckContext, Verdict, judge, list, live_pods, no_namespaces, plural, pod_name, readable,
};
use crate::model::inventory::Kind;
use crate::model::projection::PodInfo;

pub(super) fn sched_priority_class(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let bad: Vec<String> = pods
        .iter()
        .filter_map(|p| {
            p.priority_class
                .as_deref()
                .filter(|c| c.starts_with("system-"))
                .map(|c| format!("{} uses {c}", pod_name(p)))
        })
        .collect();
    let problems = if bad.is_empty() {
        Vec::new()
    } else {
        vec![list(&bad)]
    };
    judge(problems, gap, || {
        format!(
            "none of {} pods in {} uses a system-* priority class",
            pods.len(),
            list(&nss)
        )
    })
}

/// Where any pod sets a nodeSelector, every pod of the tenant must carry the
/// key=value pairs common to all the selectors set (the tenant's selector).
/// No selector at all means no dedicated nodes to check: unknown, not a
/// pass (the tenant shares nodes).
pub(super) fn sched_node_isolation(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::Pod);
    let pods = live_pods(ctx, &nss);
    let selecting: Vec<&PodInfo> = pods
        .iter()
        .copied()
        .filter(|p| !p.node_selector.is_empty())
        .collect();
    let Some(first) = selecting.first() else {
        return match gap {
            Some(g) => Verdict::unknown(g),
            None => Verdict::unknown(format!(
                "none of {} pods in {} sets a node selector: no dedicated nodes to check",
                pods.len(),
                list(&nss)
            ))
            .note("nodes are shared with other tenants"),
        };
    };
    let mut common: BTreeMap<&String, &String> = first.node_selector.iter().collect();
    for p in &selecting[1..] {
        common.retain(|k, v| p.node_selector.get(*k) == Some(*v));
    }
    let pairs: Vec<String> = common.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut problems = Vec::new();
    if common.is_empty() {
        let shown: Vec<String> = selecting
            .iter()
            .map(|p| {
                let sel: Vec<String> = p
                    .node_selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                format!("{} ({})", pod_name(p), sel.join(","))
            })
            .collect();
        problems.push(format!("pods select different nodes: {}", list(&shown)));
    } else {
        let outside: Vec<String> = pods
            .iter()
            .filter(|p| {
                common
                    .iter()
                    .any(|(k, v)| p.node_selector.get(*k) != Some(*v))
            })
            .map(|p| pod_name(p))
            .collect();
        if !outside.is_empty() {
            problems.push(format!(
                "{} {} the tenant's node selector {}: {}",
                outside.len(),
                plural(outside.len(), "pod lacks", "pods lack"),
                pairs.join(","),
                list(&outside)
            ));
        }
    }
    judge(problems, gap, || {
        format!("all {} pods select {}", pods.len(), pairs.join(","))
    })
}

#[cfg(test)]
mod tests {
    use crate::model::checks::tests::*;
    use crate::model::checks::*;

    #[test]
    fn sched_priority_class_pass_and_fail() {
        let mut d = demo();
        expect(&run(&d, "acme"), "sched.priority-class", Outcome::Pass);
        d.add_yaml(
            r#"
apiVersion: v1
kind: Pod
metadata: {name: greedy, namespace: acme-dev}
spec:
  priorityClassName: system-node-critical
  containers: [{name: c, image: registry.k8s.io/pause:3.10}]
"#,
        );
        let r = expect(&run(&d, "acme"), "sched.priority-class", Outcome::Fail);
        assert_eq!(r.reason, "acme-dev/greedy uses system-node-critical");
    }

    #[test]
    fn sched_node_isolation_pass_and_fail() {
        let mut d = demo();
        let pod = |name: &str, selector: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: umbrella-lab}}\nspec:\n  nodeSelector: {selector}\n  containers: [{{name: c, image: registry.k8s.io/pause:3.10}}]\n"
            )
        };
        // umbrella's existing pods set no selector: once one pod does, they fail.
        d.add_yaml(&pod("pinned", "{pool: umbrella, zone: a}"));
        let r = expect(&run(&d, "umbrella"), "sched.node-isolation", Outcome::Fail);
        assert_eq!(
            r.reason,
            "3 pods lack the tenant's node selector pool=umbrella,zone=a: umbrella-lab/notebook, umbrella-lab/trainer, umbrella-ops/monitor"
        );
        for name in ["notebook", "trainer"] {
            d.add_yaml(&pod(name, "{pool: umbrella}"));
        }
        d.add_yaml(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: monitor, namespace: umbrella-ops}\nspec:\n  nodeSelector: {pool: umbrella}\n  containers: [{name: c}]\n",
        );
        let r = expect(&run(&d, "umbrella"), "sched.node-isolation", Outcome::Pass);
        assert_eq!(r.reason, "all 4 pods select pool=umbrella");
        d.add_yaml(&pod("stray", "{pool: shared}"));
        let r = expect(&run(&d, "umbrella"), "sched.node-isolation", Outcome::Fail);
        assert!(
            r.reason.starts_with("pods select different nodes: "),
            "{}",
            r.reason
        );
    }
}
