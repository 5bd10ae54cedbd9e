//! The RBAC tab: persona counts, the bindings that reach the tenant, risky
//! rules, who can do the sensitive things, and the current user's own
//! access matrix (one SelfSubjectRulesReview per namespace). Sections stack
//! vertically and the body scrolls; what cannot be read is said next to
//! the partial answer ("incomplete: …"), never shown as "nobody".

use ratatui::text::{Line, Span};

use super::detail::Body;
use super::policy::wrap_limited;
use super::text::{cell, pad, plural, sanitize, truncate};
use super::{Ctx, Theme, fit_line};
use crate::app::copy::{Target, own_rules_allow};
use crate::app::{DetailData, OwnRules};
use crate::model::RuleInfo;
use crate::model::rbac::{BindingRow, MATRIX_VERBS, RBAC_GROUP, allowed_verbs, subject_label};

/// Rows of the access matrix: label, API group, resource, subresource.
pub(crate) const MATRIX_ROWS: [(&str, &str, &str, Option<&str>); 13] = [
    ("pods", "", "pods", None),
    ("pods/exec", "", "pods", Some("exec")),
    ("services", "", "services", None),
    ("configmaps", "", "configmaps", None),
    ("secrets", "", "secrets", None),
    ("deployments.apps", "apps", "deployments", None),
    ("resourcequotas", "", "resourcequotas", None),
    ("limitranges", "", "limitranges", None),
    (
        "networkpolicies",
        "networking.k8s.io",
        "networkpolicies",
        None,
    ),
    ("roles", RBAC_GROUP, "roles", None),
    ("rolebindings", RBAC_GROUP, "rolebindings", None),
    ("serviceaccounts", "", "serviceaccounts", None),
    ("persistentvolumeclaims", "", "persistentvolumeclaims", None),
];

/// Column headers of the matrix when narrow.
const VERB_ABBREV: [&str; 8] = ["c", "g", "l", "w", "u", "p", "d", "dc"];

const MATRIX_LABEL: usize = 24;

/// Widths of the bindings table. Narrow: the role kind goes with the role
/// ("ClusterRole admin") and the scope with the binding ("acme-dev/x",
/// "cluster: x"); wide: one column each.
struct BindingCols {
    wide: bool,
    subject: usize,
    kind: usize,
    role: usize,
    scope: usize,
    binding: usize,
    origin: usize,
}

impl BindingCols {
    fn new(width: u16) -> Self {
        let w = usize::from(width);
        if w >= 120 {
            let (kind, role, scope, origin) = (11, 20, 16, 20);
            let fixed = 3 + kind + role + scope + origin + 5;
            let rest = w.saturating_sub(fixed + 1);
            let subject = (rest * 9 / 20).max(12);
            BindingCols {
                wide: true,
                subject,
                kind,
                role,
                scope,
                binding: rest.saturating_sub(subject),
                origin,
            }
        } else {
            let (role, origin) = (18, 9);
            let rest = w.saturating_sub(3 + role + origin + 3 + 1);
            let subject = rest * 2 / 5;
            BindingCols {
                wide: false,
                subject,
                kind: 0,
                role,
                scope: 0,
                binding: rest - subject,
                origin,
            }
        }
    }

    fn header(&self) -> String {
        if self.wide {
            format!(
                "   {} {} {} {} {} {}",
                pad("SUBJECT", self.subject),
                pad("KIND", self.kind),
                pad("ROLE", self.role),
                pad("SCOPE", self.scope),
                pad("BINDING", self.binding),
                "ORIGIN"
            )
        } else {
            format!(
                "   {} {} {} {}",
                pad("SUBJECT", self.subject),
                pad("ROLE", self.role),
                pad("BINDING", self.binding),
                "ORIGIN"
            )
        }
    }

    fn row(&self, r: &BindingRow) -> String {
        let subject = cell(&subject_label(&r.subject), self.subject);
        let origin = cell(&r.origin.label(), self.origin);
        if self.wide {
            format!(
                "   {} {} {} {} {} {origin}",
                pad(&subject, self.subject),
                pad(&cell(&r.role_kind, self.kind), self.kind),
                pad(&cell(&r.role, self.role), self.role),
                pad(&cell(&r.scope, self.scope), self.scope),
                pad(&cell(&r.binding, self.binding), self.binding),
            )
        } else {
            let role = format!("{} {}", r.role_kind, r.role);
            let binding = if r.scope == "cluster" {
                format!("cluster: {}", r.binding)
            } else {
                r.binding.clone()
            };
            format!(
                "   {} {} {} {origin}",
                pad(&subject, self.subject),
                pad(&cell(&role, self.role), self.role),
                pad(&cell(&binding, self.binding), self.binding),
            )
        }
    }
}

pub(crate) fn body<'a>(ctx: Ctx<'a>, detail: &'a DetailData, width: u16) -> Body<'a> {
    let Ctx { state, theme, .. } = ctx;
    let w = usize::from(width);
    let header = theme.style("ui.header");
    let dim = theme.style("ui.dim");
    let mut body = Body::new();

    // Personas.
    let p = detail.personas;
    body.line(fit_line(
        vec![
            Span::styled(" Personas  ", header),
            Span::raw(format!(
                "{} · {} · {}",
                plural(p.cluster_admin, "cluster admin", "cluster admins"),
                plural(p.namespace_admin, "namespace admin", "namespace admins"),
                plural(p.user, "user", "users"),
            )),
        ],
        w,
    ));

    // Bindings.
    let table = &detail.bindings;
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(" Bindings ({})", table.rows.len()),
        header,
    )));
    let cols = BindingCols::new(width);
    if table.rows.is_empty() {
        body.line(Line::from(Span::styled(
            if table.gaps.is_empty() {
                "   none: no binding reaches this tenant"
            } else {
                "   unknown: none readable (see below)"
            },
            dim,
        )));
    } else {
        body.line(Line::from(Span::styled(cols.header(), dim)));
        body.lazy(table.rows.len(), move |range| {
            table.rows[range]
                .iter()
                .map(|r| Line::raw(truncate(&cols.row(r), w).into_owned()))
                .collect()
        });
    }
    for gap in &table.gaps {
        for line in incomplete(gap, theme, w) {
            body.line(line);
        }
    }

    // Risky rules.
    let risky = &detail.risky;
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        format!(" Risky rules ({})", risky.rules.len()),
        header,
    )));
    if risky.rules.is_empty() {
        body.line(Line::from(Span::styled(
            if risky.gaps.is_empty() {
                "   none: no bound role grants impersonate, bind, escalate, nodes/proxy, *, \
                 secrets read or pods/exec"
            } else {
                "   unknown: none among the roles readable (see below)"
            },
            dim,
        )));
    }
    // Few rules per tenant: built eagerly, the rule wrapped rather than cut.
    for r in &risky.rules {
        let text = format!("{}: {}", sanitize(&r.role), sanitize(&r.rule));
        for (k, part) in wrap_limited(&text, w.saturating_sub(5), 3)
            .into_iter()
            .enumerate()
        {
            body.line(Line::raw(format!(
                "{}{part}",
                if k == 0 { "   " } else { "     " }
            )));
        }
        let escalation = r.why.iter().any(|k| k.is_escalation());
        let why: Vec<&str> = r.why.iter().map(|k| k.as_str()).collect();
        let bound: Vec<String> = r.bound_to.iter().map(subject_label).collect();
        let (marker, style) = if escalation {
            ("!! ", theme.style("result.fail"))
        } else {
            ("", theme.style("ui.warning"))
        };
        body.line(fit_line(
            vec![
                Span::raw("     "),
                Span::styled(format!("{marker}{}", why.join(", ")), style),
                Span::styled(" · bound to ", dim),
                Span::raw(if bound.is_empty() {
                    "—".to_string()
                } else {
                    sanitize(&bound.join(", ")).into_owned()
                }),
            ],
            w,
        ));
    }
    for gap in &risky.gaps {
        for line in incomplete(gap, theme, w) {
            body.line(line);
        }
    }

    // Who can.
    body.line(Line::raw(""));
    body.line(Line::from(Span::styled(
        " Who can (in the tenant's namespaces)",
        header,
    )));
    // The same gaps for every action (a namespace admin's usual case) are
    // said once, under the title.
    let gaps = |who: &crate::model::rbac::WhoCan| who.gaps.join("; ");
    let shared = detail
        .who_can
        .first()
        .map(|(_, w)| gaps(w))
        .filter(|g| !g.is_empty() && detail.who_can.iter().all(|(_, w)| gaps(w) == *g));
    if let Some(gap) = &shared {
        for line in incomplete(gap, theme, w) {
            body.line(line);
        }
    }
    let unknown = theme.style("result.unknown");
    for (action, who) in &detail.who_can {
        let subjects: Vec<String> = who.subjects.iter().map(subject_label).collect();
        // With gaps, the bindings tenantry could read are a lower bound: an
        // empty answer is "unknown", never "nobody", and the user's own
        // access review (which the server answers whatever they may list)
        // is the one fact known for sure.
        let you = !who.is_complete() && own_rules_allow(state, detail, action);
        let answer = match (subjects.is_empty(), who.is_complete()) {
            (true, true) => Span::styled("nobody", dim),
            (true, false) if you => {
                Span::styled("you (your access review); others unknown", unknown)
            }
            (true, false) => Span::styled("unknown", unknown),
            (false, true) => Span::raw(sanitize(&subjects.join(", ")).into_owned()),
            (false, false) => Span::raw(format!(
                "{}{}; others unknown",
                sanitize(&subjects.join(", ")),
                if you { ", you" } else { "" }
            )),
        };
        let mut lines = vec![fit_line(
            vec![Span::raw(format!("   {} ", pad(action.label, 23))), answer],
            w,
        )];
        if !who.is_complete() && shared.is_none() {
            lines.extend(incomplete(&gaps(who), theme, w));
        }
        body.tagged(Target::WhoCan(action.label), lines);
    }

    // The user's own access.
    body.line(Line::raw(""));
    let user = if state.identity.user.is_empty() {
        "you".to_string()
    } else {
        sanitize(&state.identity.user).into_owned()
    };
    body.line(fit_line(
        vec![
            Span::styled(format!(" Your access ({user})"), header),
            Span::styled(" from SelfSubjectRulesReview", dim),
        ],
        w,
    ));
    let wide = width >= 120;
    if !wide {
        body.line(fit_line(
            vec![Span::styled(
                "   c=create g=get l=list w=watch u=update p=patch d=delete dc=deletecollection",
                dim,
            )],
            w,
        ));
    }
    for ns in &detail.tenant.namespaces {
        let name = Span::styled(format!("   {}", cell(ns, 60)), header);
        match state.own_rules.get(ns) {
            None => body.line(Line::from(vec![name, Span::styled("  not requested", dim)])),
            Some(OwnRules::Loading) => {
                body.line(Line::from(vec![name, Span::styled("  loading…", dim)]))
            }
            Some(OwnRules::Failed(reason)) => body.line(fit_line(
                vec![
                    name,
                    Span::styled(
                        format!("  failed: {}", sanitize(reason)),
                        theme.style("result.unknown"),
                    ),
                ],
                w,
            )),
            Some(OwnRules::Loaded { rules, incomplete }) => {
                let mut spans = vec![name];
                if *incomplete {
                    spans.push(Span::styled(
                        "  (incomplete: the server says rules may be missing)",
                        theme.style("result.unknown"),
                    ));
                }
                body.line(fit_line(spans, w));
                body.line(matrix_header(wide, theme));
                body.lazy(MATRIX_ROWS.len(), move |range| {
                    MATRIX_ROWS[range]
                        .iter()
                        .map(|row| matrix_line(rules, *row, wide, theme))
                        .collect()
                });
            }
        }
    }
    body
}

/// `incomplete: <what cannot be read>`, wrapped (it says why the answer
/// above may be short).
fn incomplete(gap: &str, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let style = theme.style("result.unknown");
    wrap_limited(
        &format!("incomplete: {}", sanitize(gap)),
        width.saturating_sub(6),
        3,
    )
    .into_iter()
    .enumerate()
    .map(|(i, part)| {
        Line::from(Span::styled(
            format!("{}{part}", if i == 0 { "     " } else { "       " }),
            style,
        ))
    })
    .collect()
}

/// Width of a verb column.
fn verb_width(i: usize, wide: bool) -> usize {
    if wide {
        MATRIX_VERBS[i].len()
    } else {
        VERB_ABBREV[i].len()
    }
}

fn matrix_header(wide: bool, theme: &Theme) -> Line<'static> {
    let verbs: Vec<&str> = if wide {
        MATRIX_VERBS.to_vec()
    } else {
        VERB_ABBREV.to_vec()
    };
    Line::from(Span::styled(
        format!("     {} {}", pad("RESOURCE", MATRIX_LABEL), verbs.join(" ")),
        theme.style("ui.dim"),
    ))
}

/// `pods  ✓ ✓ ✓ · · · · ·`: allowed and denied as different symbols, so
/// the matrix reads without colour.
pub(crate) fn matrix_line(
    rules: &[RuleInfo],
    (label, group, resource, sub): (&str, &str, &str, Option<&str>),
    wide: bool,
    theme: &Theme,
) -> Line<'static> {
    let allowed = allowed_verbs(rules, group, resource, sub);
    let mut spans = vec![Span::raw(format!("     {} ", pad(label, MATRIX_LABEL)))];
    for (i, yes) in allowed.iter().enumerate() {
        let (mark, style) = if *yes {
            ("✓", theme.style("access.allowed"))
        } else {
            ("·", theme.style("ui.dim"))
        };
        spans.push(Span::styled(mark, style));
        spans.push(Span::raw(" ".repeat(verb_width(i, wide))));
    }
    Line::from(spans)
}
