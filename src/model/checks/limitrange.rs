//! LimitRange check: `limitrange.defaults`.

use super::{CheckContext, Verdict, has_have, judge, list, no_namespaces, readable};
use crate::model::inventory::Kind;

pub(super) fn limitrange_defaults(ctx: &CheckContext<'_>) -> Verdict {
    if let Some(v) = no_namespaces(ctx) {
        return v;
    }
    let (nss, gap) = readable(ctx, Kind::LimitRange);
    let mut none = Vec::new();
    let mut partial = Vec::new();
    let mut defaulting = Vec::new();
    for ns in nss {
        let lrs: Vec<_> = ctx.inventory.limit_ranges_in(ns).collect();
        defaulting.extend(
            lrs.iter()
                .filter(|l| l.has_container_default || l.has_container_default_request)
                .map(|l| format!("{ns}/{}", l.name)),
        );
        if lrs.is_empty() {
            none.push(ns);
        } else if !(lrs.iter().any(|l| l.has_container_default)
            && lrs.iter().any(|l| l.has_container_default_request))
        {
            partial.push(ns);
        }
    }
    let mut problems = Vec::new();
    if !none.is_empty() {
        problems.push(format!(
            "{} {} no LimitRange",
            list(&none),
            has_have(none.len())
        ));
    }
    if !partial.is_empty() {
        problems.push(format!(
            "{} {} no LimitRange setting both container default and defaultRequest",
            list(&partial),
            has_have(partial.len())
        ));
    }
    let failing: Vec<&str> = none.iter().chain(&partial).copied().collect();
    judge(problems, gap, || {
        format!(
            "every namespace has container default and defaultRequest in a LimitRange ({})",
            list(&defaulting)
        )
    })
    .in_namespaces(&failing)
}

#[cfg(test)]
mod tests {
    use crate::model::checks::tests::*;
    use crate::model::checks::*;

    #[test]
    fn limitrange_pass_and_fail() {
        let mut d = demo();
        expect(&run(&d, "acme"), "limitrange.defaults", Outcome::Pass);
        let r = expect(&run(&d, "hooli"), "limitrange.defaults", Outcome::Fail);
        assert_eq!(r.reason, "hooli, hooli-mail have no LimitRange");
        d.add_yaml(
            r#"
apiVersion: v1
kind: LimitRange
metadata: {name: max-only, namespace: initech-app}
spec: {limits: [{type: Container, max: {cpu: "1"}, default: {cpu: 500m}}]}
"#,
        );
        let r = expect(&run(&d, "initech"), "limitrange.defaults", Outcome::Fail);
        assert_eq!(
            r.reason,
            "initech-app has no LimitRange setting both container default and defaultRequest"
        );
    }
}
