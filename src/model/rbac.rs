//! RBAC analysis of one tenant (ARCHITECTURE.md §5 RBAC tab, §6 `rbac.*` checks):
//! the bindings that reach it, personas, risky rules and who-can, evaluated
//! over the RBAC objects in the inventory. Pure: no I/O.
//!
//! What cannot be read is reported as a gap next to the partial answer,
//! never as "nobody".

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::checks::{cluster_gap, namespace_gaps};
use super::inventory::{Inventory, Kind};
use super::projection::{BindingInfo, RoleInfo, RuleInfo, Subject};
use super::tenant::{CAPSULE_TENANT_LABEL, Tenant};

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const HNC_INHERITED_FROM_LABEL: &str = "hnc.x-k8s.io/inherited-from";
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// "User alice", "Group devs", "ServiceAccount acme-dev/ci".
pub fn subject_label(s: &Subject) -> String {
    match (&s.namespace, s.kind.as_str()) {
        (Some(ns), "ServiceAccount") => format!("ServiceAccount {ns}/{}", s.name),
        _ => format!("{} {}", s.kind, s.name),
    }
}

/// The subject as the authorizer reads it: a ServiceAccount without a
/// namespace in a RoleBinding is the binding's own namespace.
pub fn effective_subject(binding: &BindingInfo, s: &Subject) -> Subject {
    let mut out = s.clone();
    if out.kind == "ServiceAccount" && out.namespace.is_none() {
        out.namespace = binding.namespace.clone();
    }
    out
}

/// "acme-dev/tenant-owner" for RoleBindings, the bare name for
/// ClusterRoleBindings.
pub fn binding_label(b: &BindingInfo) -> String {
    match &b.namespace {
        Some(ns) => format!("{ns}/{}", b.name),
        None => b.name.clone(),
    }
}

/// Where a binding came from, read from its labels.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "from")]
pub enum Origin {
    CapsuleOwner,
    /// Propagated by HNC from the named ancestor namespace.
    HncInherited(String),
    Tenantry,
    Manual,
}

impl Origin {
    pub fn label(&self) -> String {
        match self {
            Origin::CapsuleOwner => "capsule".to_string(),
            Origin::HncInherited(from) => format!("hnc from {from}"),
            Origin::Tenantry => "tenantry".to_string(),
            Origin::Manual => "manual".to_string(),
        }
    }
}

/// HNC first (a propagated copy keeps the source's labels, including
/// `managed-by`), then tenantry (which also sets a tenant label, possibly
/// Capsule's), then Capsule.
pub fn origin_of(b: &BindingInfo) -> Origin {
    if let Some(from) = b.labels.get(HNC_INHERITED_FROM_LABEL) {
        return Origin::HncInherited(from.clone());
    }
    if b.labels.get(MANAGED_BY_LABEL).map(String::as_str) == Some("tenantry") {
        return Origin::Tenantry;
    }
    if b.labels.contains_key(CAPSULE_TENANT_LABEL)
        || b.labels
            .keys()
            .any(|k| k.starts_with("capsule.clastix.io/"))
    {
        return Origin::CapsuleOwner;
    }
    Origin::Manual
}

/// The subjects that belong to a tenant: its owners, ServiceAccounts of its
/// namespaces (as `ServiceAccount`, `User system:serviceaccount:<ns>:<n>`
/// or `Group system:serviceaccounts:<ns>`), and the users and groups bound
/// in its namespaces. Other `system:` users and groups are the platform's,
/// not the tenant's.
#[derive(Clone, Debug, Default)]
pub struct TenantSubjects {
    namespaces: BTreeSet<String>,
    /// (kind, name) of owners and non-system users/groups.
    people: BTreeSet<(String, String)>,
}

impl TenantSubjects {
    pub fn of(inv: &Inventory, tenant: &Tenant) -> Self {
        let mut out = TenantSubjects {
            namespaces: tenant.namespaces.iter().cloned().collect(),
            people: BTreeSet::new(),
        };
        for o in &tenant.owners {
            if o.kind != "ServiceAccount" {
                out.people.insert((o.kind.clone(), o.name.clone()));
            }
        }
        for ns in &tenant.namespaces {
            for b in inv.role_bindings_in(ns) {
                for s in &b.subjects {
                    if matches!(s.kind.as_str(), "User" | "Group") && !s.name.starts_with("system:")
                    {
                        out.people.insert((s.kind.clone(), s.name.clone()));
                    }
                }
            }
        }
        out
    }

    /// The tenant's users and groups, as (kind, name).
    pub fn people(&self) -> impl Iterator<Item = (&str, &str)> {
        self.people.iter().map(|(k, n)| (k.as_str(), n.as_str()))
    }

    pub fn contains(&self, s: &Subject) -> bool {
        match s.kind.as_str() {
            "ServiceAccount" => s
                .namespace
                .as_ref()
                .is_some_and(|ns| self.namespaces.contains(ns)),
            "User" => match s.name.strip_prefix("system:serviceaccount:") {
                Some(rest) => rest
                    .split_once(':')
                    .is_some_and(|(ns, _)| self.namespaces.contains(ns)),
                None => {
                    !s.name.starts_with("system:")
                        && self.people.contains(&(s.kind.clone(), s.name.clone()))
                }
            },
            "Group" => match s.name.strip_prefix("system:serviceaccounts:") {
                Some(ns) => self.namespaces.contains(ns),
                None => {
                    !s.name.starts_with("system:")
                        && self.people.contains(&(s.kind.clone(), s.name.clone()))
                }
            },
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BindingRow {
    pub subject: Subject,
    pub role_kind: String,
    pub role: String,
    /// The binding's namespace, or `cluster`.
    pub scope: String,
    /// `ns/name`, or the name of a ClusterRoleBinding.
    pub binding: String,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BindingsTable {
    /// RoleBindings of the tenant's namespaces (namespace order), then the
    /// ClusterRoleBindings naming a tenant subject.
    pub rows: Vec<BindingRow>,
    /// What could not be read ("cannot list clusterrolebindings cluster-wide").
    pub gaps: Vec<String>,
}

/// One row per (binding, subject). ClusterRoleBindings contribute only
/// their subjects that belong to the tenant.
pub fn bindings_table(inv: &Inventory, tenant: &Tenant) -> BindingsTable {
    let mut out = BindingsTable::default();
    if let Some(gap) = namespace_gaps(inv, Kind::RoleBinding, &tenant.namespaces) {
        out.gaps.push(gap);
    }
    if let Some(gap) = cluster_gap(inv, Kind::ClusterRoleBinding) {
        out.gaps.push(gap);
    }
    let row = |b: &BindingInfo, s: Subject| BindingRow {
        subject: s,
        role_kind: b.role_ref.kind.clone(),
        role: b.role_ref.name.clone(),
        scope: b.namespace.clone().unwrap_or_else(|| "cluster".to_string()),
        binding: binding_label(b),
        origin: origin_of(b),
    };
    for ns in &tenant.namespaces {
        for b in inv.role_bindings_in(ns) {
            for s in &b.subjects {
                out.rows.push(row(b, effective_subject(b, s)));
            }
        }
    }
    let subjects = TenantSubjects::of(inv, tenant);
    for b in inv.cluster_role_bindings() {
        for s in b.subjects.iter().filter(|s| subjects.contains(s)) {
            out.rows.push(row(b, s.clone()));
        }
    }
    out
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PersonaCounts {
    pub cluster_admin: usize,
    pub namespace_admin: usize,
    pub user: usize,
}

/// Each distinct subject of the table counted once, at its highest persona:
/// `cluster-admin` through a ClusterRoleBinding → cluster admin; `admin` or
/// `cluster-admin` through a RoleBinding (or `admin` cluster-wide) →
/// namespace admin; anything else → user. A RoleBinding to `cluster-admin`
/// grants only that namespace, so it makes a namespace admin.
pub fn persona_counts(table: &BindingsTable) -> PersonaCounts {
    let mut level: BTreeMap<&Subject, u8> = BTreeMap::new();
    for r in &table.rows {
        let cluster_role = r.role_kind == "ClusterRole";
        let l = match (cluster_role, r.role.as_str(), r.scope == "cluster") {
            (true, "cluster-admin", true) => 2,
            (true, "cluster-admin" | "admin", _) => 1,
            _ => 0,
        };
        let e = level.entry(&r.subject).or_insert(0);
        *e = (*e).max(l);
    }
    let mut out = PersonaCounts::default();
    for l in level.values() {
        match l {
            2 => out.cluster_admin += 1,
            1 => out.namespace_admin += 1,
            _ => out.user += 1,
        }
    }
    out
}

/// Why a rule is worth a look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// impersonate users or groups (or everything).
    Impersonate,
    /// impersonate ServiceAccounts only: comes with the built-in admin/edit.
    ImpersonateServiceAccounts,
    Bind,
    Escalate,
    NodesProxy,
    /// `*` verbs or `*` resources.
    Wildcard,
    SecretsRead,
    PodsExec,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Impersonate => "impersonate",
            Risk::ImpersonateServiceAccounts => "impersonate serviceaccounts",
            Risk::Bind => "bind",
            Risk::Escalate => "escalate",
            Risk::NodesProxy => "nodes/proxy",
            Risk::Wildcard => "wildcard",
            Risk::SecretsRead => "secrets read",
            Risk::PodsExec => "pods/exec",
        }
    }

    /// The risks `rbac.escalation` fails on.
    pub fn is_escalation(self) -> bool {
        matches!(
            self,
            Risk::Impersonate | Risk::Bind | Risk::Escalate | Risk::NodesProxy | Risk::Wildcard
        )
    }
}

/// Whether `rule` grants `verb` on `group`/`resource`[/`subresource`], with
/// the authorizer's matching (`rbac/v1` helpers: `*` verbs, groups and
/// resources, `resource/subresource` and `*/subresource`). Rules naming
/// `resourceNames` are included: use [`rule_allows_any_name`] for "any
/// object".
pub fn rule_allows(
    rule: &RuleInfo,
    verb: &str,
    group: &str,
    resource: &str,
    subresource: Option<&str>,
) -> bool {
    let verb_ok = rule.verbs.iter().any(|v| v == "*" || v == verb);
    let group_ok = rule.api_groups.iter().any(|g| g == "*" || g == group);
    verb_ok && group_ok && resource_matches(rule, resource, subresource)
}

/// [`rule_allows`] for a request that names no object (`kubectl auth can-i`
/// semantics): a rule restricted by `resourceNames` does not grant it.
pub fn rule_allows_any_name(
    rule: &RuleInfo,
    verb: &str,
    group: &str,
    resource: &str,
    subresource: Option<&str>,
) -> bool {
    rule.resource_names.is_empty() && rule_allows(rule, verb, group, resource, subresource)
}

fn resource_matches(rule: &RuleInfo, resource: &str, subresource: Option<&str>) -> bool {
    let combined = match subresource {
        Some(sub) => format!("{resource}/{sub}"),
        None => resource.to_string(),
    };
    rule.resources.iter().any(|r| {
        r == "*"
            || *r == combined
            || subresource.is_some_and(|sub| r.strip_prefix("*/") == Some(sub))
    })
}

/// The risks of one rule. Non-resource rules carry none (they mean nothing
/// in a RoleBinding, and nothing tenant-specific in a ClusterRoleBinding).
pub fn rule_risks(rule: &RuleInfo) -> Vec<Risk> {
    if rule.resources.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if rule.verbs.iter().any(|v| v == "*") || rule.resources.iter().any(|r| r == "*") {
        out.push(Risk::Wildcard);
    }
    let allows = |verb: &str, group: &str, resource: &str, sub: Option<&str>| {
        rule_allows(rule, verb, group, resource, sub)
    };
    if allows("impersonate", "", "users", None) || allows("impersonate", "", "groups", None) {
        out.push(Risk::Impersonate);
    } else if allows("impersonate", "", "serviceaccounts", None) {
        out.push(Risk::ImpersonateServiceAccounts);
    }
    if allows("bind", RBAC_GROUP, "roles", None) || allows("bind", RBAC_GROUP, "clusterroles", None)
    {
        out.push(Risk::Bind);
    }
    if allows("escalate", RBAC_GROUP, "roles", None)
        || allows("escalate", RBAC_GROUP, "clusterroles", None)
    {
        out.push(Risk::Escalate);
    }
    if ["get", "create", "update", "patch", "delete"]
        .iter()
        .any(|v| allows(v, "", "nodes", Some("proxy")))
    {
        out.push(Risk::NodesProxy);
    }
    if ["get", "list", "watch"]
        .iter()
        .any(|v| allows(v, "", "secrets", None))
    {
        out.push(Risk::SecretsRead);
    }
    if allows("create", "", "pods", Some("exec")) || allows("get", "", "pods", Some("exec")) {
        out.push(Risk::PodsExec);
    }
    out
}

/// "get,list,watch secrets", "impersonate serviceaccounts",
/// "* * (apiGroups *)", "bind roles (apiGroups rbac.authorization.k8s.io) [names: x]".
pub fn rule_summary(rule: &RuleInfo) -> String {
    let join = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(",")
        }
    };
    let mut s = if rule.resources.is_empty() && !rule.non_resource_urls.is_empty() {
        format!("{} {}", join(&rule.verbs), join(&rule.non_resource_urls))
    } else {
        format!("{} {}", join(&rule.verbs), join(&rule.resources))
    };
    if !rule.api_groups.is_empty() && rule.api_groups.iter().any(|g| !g.is_empty()) {
        let groups: Vec<&str> = rule
            .api_groups
            .iter()
            .map(|g| if g.is_empty() { "core" } else { g.as_str() })
            .collect();
        s.push_str(&format!(" (apiGroups {})", groups.join(",")));
    }
    if !rule.resource_names.is_empty() {
        s.push_str(&format!(" [names: {}]", rule.resource_names.join(",")));
    }
    s
}

/// The role a binding refers to.
#[derive(Clone, Debug, PartialEq)]
pub enum RoleLookup<'a> {
    Found(&'a RoleInfo),
    /// Readable but absent (or a malformed reference): the binding grants
    /// nothing.
    Dangling,
    /// Cannot be read: what is missing ("cannot list clusterroles
    /// cluster-wide").
    Unreadable(String),
}

pub fn lookup_role<'a>(inv: &'a Inventory, b: &BindingInfo) -> RoleLookup<'a> {
    let name = b.role_ref.name.as_str();
    match (b.role_ref.kind.as_str(), b.namespace.as_deref()) {
        ("Role", Some(ns)) => match inv.role(ns, name) {
            Some(r) => RoleLookup::Found(r),
            None => match namespace_gaps(inv, Kind::Role, &[ns.to_string()]) {
                None => RoleLookup::Dangling,
                Some(gap) => RoleLookup::Unreadable(gap),
            },
        },
        ("ClusterRole", _) => match inv.cluster_role(name) {
            Some(r) => RoleLookup::Found(r),
            None => match cluster_gap(inv, Kind::ClusterRole) {
                None => RoleLookup::Dangling,
                Some(gap) => RoleLookup::Unreadable(gap),
            },
        },
        _ => RoleLookup::Dangling,
    }
}

/// "ClusterRole admin", "Role acme-dev/deployer".
pub fn role_label(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if kind == "Role" => format!("Role {ns}/{name}"),
        _ => format!("{kind} {name}"),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskyRule {
    /// "ClusterRole admin" or "Role acme-dev/x".
    pub role: String,
    pub rule: String,
    pub why: Vec<Risk>,
    /// Tenant subjects bound to the role (in the tenant's namespaces or
    /// through ClusterRoleBindings).
    pub bound_to: Vec<Subject>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RiskyRules {
    pub rules: Vec<RiskyRule>,
    pub gaps: Vec<String>,
}

/// Bindings that reach the tenant: its RoleBindings (all subjects) and the
/// ClusterRoleBindings naming one of its subjects (those subjects only).
fn reaching_bindings<'a>(
    inv: &'a Inventory,
    tenant: &Tenant,
) -> Vec<(&'a BindingInfo, Vec<Subject>)> {
    let mut out = Vec::new();
    for ns in &tenant.namespaces {
        for b in inv.role_bindings_in(ns) {
            let subjects = b.subjects.iter().map(|s| effective_subject(b, s)).collect();
            out.push((b, subjects));
        }
    }
    let subjects = TenantSubjects::of(inv, tenant);
    for b in inv.cluster_role_bindings() {
        let mine: Vec<Subject> = b
            .subjects
            .iter()
            .filter(|s| subjects.contains(s))
            .cloned()
            .collect();
        if !mine.is_empty() {
            out.push((b, mine));
        }
    }
    out
}

/// Every rule with a [`Risk`] in a role bound to the tenant, once per role.
pub fn risky_rules(inv: &Inventory, tenant: &Tenant) -> RiskyRules {
    let mut gaps = BTreeSet::new();
    if let Some(gap) = namespace_gaps(inv, Kind::RoleBinding, &tenant.namespaces) {
        gaps.insert(gap);
    }
    if let Some(gap) = cluster_gap(inv, Kind::ClusterRoleBinding) {
        gaps.insert(gap);
    }
    // role label -> (role, subjects)
    let mut roles: BTreeMap<String, (&RoleInfo, BTreeSet<Subject>)> = BTreeMap::new();
    for (b, subjects) in reaching_bindings(inv, tenant) {
        match lookup_role(inv, b) {
            RoleLookup::Found(r) => {
                let label = role_label(&b.role_ref.kind, r.namespace.as_deref(), &r.name);
                roles
                    .entry(label)
                    .or_insert_with(|| (r, BTreeSet::new()))
                    .1
                    .extend(subjects);
            }
            RoleLookup::Unreadable(gap) => {
                gaps.insert(format!("{gap} ({} unresolved)", b.role_ref.name));
            }
            RoleLookup::Dangling => {}
        }
    }
    let mut rules = Vec::new();
    for (label, (role, subjects)) in roles {
        for rule in &role.rules {
            let why = rule_risks(rule);
            if !why.is_empty() {
                rules.push(RiskyRule {
                    role: label.clone(),
                    rule: rule_summary(rule),
                    why,
                    bound_to: subjects.iter().cloned().collect(),
                });
            }
        }
    }
    RiskyRules {
        rules,
        gaps: gaps.into_iter().collect(),
    }
}

/// A sensitive action the RBAC tab answers who-can for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SensitiveAction {
    pub label: &'static str,
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub subresource: Option<&'static str>,
}

pub const SENSITIVE_ACTIONS: [SensitiveAction; 6] = [
    SensitiveAction {
        label: "get secrets",
        verb: "get",
        group: "",
        resource: "secrets",
        subresource: None,
    },
    SensitiveAction {
        label: "create pods/exec",
        verb: "create",
        group: "",
        resource: "pods",
        subresource: Some("exec"),
    },
    SensitiveAction {
        label: "create rolebindings",
        verb: "create",
        group: RBAC_GROUP,
        resource: "rolebindings",
        subresource: None,
    },
    SensitiveAction {
        label: "update resourcequotas",
        verb: "update",
        group: "",
        resource: "resourcequotas",
        subresource: None,
    },
    SensitiveAction {
        label: "delete networkpolicies",
        verb: "delete",
        group: "networking.k8s.io",
        resource: "networkpolicies",
        subresource: None,
    },
    SensitiveAction {
        label: "patch namespaces",
        verb: "patch",
        group: "",
        resource: "namespaces",
        subresource: None,
    },
];

/// Subjects allowed an action in at least one of the tenant's namespaces.
/// With gaps, `subjects` is a lower bound: the answer is partly unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WhoCan {
    pub subjects: Vec<Subject>,
    pub gaps: Vec<String>,
}

impl WhoCan {
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }
}

/// Who may `verb` `group`/`resource`[/`subresource`] (any object) in the
/// tenant's namespaces, from its RoleBindings and every ClusterRoleBinding.
/// A RoleBinding granting `namespaces` covers its own namespace object, as
/// the authorizer does.
pub fn who_can(
    inv: &Inventory,
    tenant: &Tenant,
    verb: &str,
    group: &str,
    resource: &str,
    subresource: Option<&str>,
) -> WhoCan {
    let mut gaps = BTreeSet::new();
    if let Some(gap) = namespace_gaps(inv, Kind::RoleBinding, &tenant.namespaces) {
        gaps.insert(gap);
    }
    if let Some(gap) = cluster_gap(inv, Kind::ClusterRoleBinding) {
        gaps.insert(gap);
    }
    let mut subjects = BTreeSet::new();
    let bindings = tenant
        .namespaces
        .iter()
        .flat_map(|ns| inv.role_bindings_in(ns))
        .chain(inv.cluster_role_bindings());
    for b in bindings {
        match lookup_role(inv, b) {
            RoleLookup::Found(role) => {
                if role
                    .rules
                    .iter()
                    .any(|r| rule_allows_any_name(r, verb, group, resource, subresource))
                {
                    subjects.extend(b.subjects.iter().map(|s| effective_subject(b, s)));
                }
            }
            RoleLookup::Unreadable(gap) => {
                gaps.insert(gap);
            }
            RoleLookup::Dangling => {}
        }
    }
    WhoCan {
        subjects: subjects.into_iter().collect(),
        gaps: gaps.into_iter().collect(),
    }
}

/// [`who_can`] for every [`SENSITIVE_ACTIONS`] entry.
pub fn who_can_sensitive(
    inv: &Inventory,
    tenant: &Tenant,
) -> Vec<(&'static SensitiveAction, WhoCan)> {
    SENSITIVE_ACTIONS
        .iter()
        .map(|a| {
            (
                a,
                who_can(inv, tenant, a.verb, a.group, a.resource, a.subresource),
            )
        })
        .collect()
}

/// Columns of the current user's access matrix.
pub const MATRIX_VERBS: [&str; 8] = [
    "create",
    "get",
    "list",
    "watch",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// One row of the access matrix from the rules of a SelfSubjectRulesReview
/// (one review per namespace, not one per cell).
pub fn allowed_verbs(
    rules: &[RuleInfo],
    group: &str,
    resource: &str,
    subresource: Option<&str>,
) -> [bool; 8] {
    MATRIX_VERBS.map(|verb| {
        rules
            .iter()
            .any(|r| rule_allows_any_name(r, verb, group, resource, subresource))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::checks::tests::{demo, rule};

    fn user(name: &str) -> Subject {
        Subject {
            kind: "User".into(),
            name: name.into(),
            namespace: None,
        }
    }

    #[test]
    fn rule_matching_follows_the_authorizer() {
        let r = rule(&["get"], &[""], &["pods/*"]);
        assert!(!rule_allows(&r, "get", "", "pods", Some("exec")));
        let r = rule(&["create"], &[""], &["*/exec"]);
        assert!(rule_allows(&r, "create", "", "pods", Some("exec")));
        assert!(!rule_allows(&r, "create", "", "pods", None));
        let r = rule(&["*"], &["*"], &["*"]);
        assert!(rule_allows(&r, "patch", "", "namespaces", None));
        let r = rule(&["get"], &[""], &["secrets"]);
        assert!(!rule_allows(&r, "get", "apps", "secrets", None));
        assert!(!rule_allows(&r, "list", "", "secrets", None));
        let mut named = rule(&["get"], &[""], &["secrets"]);
        named.resource_names = vec!["one".into()];
        assert!(rule_allows(&named, "get", "", "secrets", None));
        assert!(!rule_allows_any_name(&named, "get", "", "secrets", None));
    }

    #[test]
    fn risks_of_rules() {
        assert_eq!(
            rule_risks(&rule(&["impersonate"], &[""], &["serviceaccounts"])),
            vec![Risk::ImpersonateServiceAccounts]
        );
        assert_eq!(
            rule_risks(&rule(&["impersonate"], &[""], &["users", "groups"])),
            vec![Risk::Impersonate]
        );
        assert_eq!(
            rule_risks(&rule(&["escalate"], &[RBAC_GROUP], &["roles"])),
            vec![Risk::Escalate]
        );
        assert_eq!(
            rule_risks(&rule(&["bind"], &[RBAC_GROUP], &["clusterroles"])),
            vec![Risk::Bind]
        );
        assert_eq!(
            rule_risks(&rule(&["get"], &[""], &["nodes/proxy"])),
            vec![Risk::NodesProxy]
        );
        assert_eq!(
            rule_risks(&rule(&["get", "list"], &[""], &["secrets"])),
            vec![Risk::SecretsRead]
        );
        assert_eq!(
            rule_risks(&rule(&["create"], &[""], &["pods/exec"])),
            vec![Risk::PodsExec]
        );
        let all = rule_risks(&rule(&["*"], &["*"], &["*"]));
        assert!(all.contains(&Risk::Wildcard) && all.contains(&Risk::Impersonate));
        assert!(all.contains(&Risk::Bind) && all.contains(&Risk::Escalate));
        assert!(rule_risks(&rule(&["get"], &[""], &["pods"])).is_empty());
        assert_eq!(
            rule_summary(&rule(&["*"], &["*"], &["*"])),
            "* * (apiGroups *)"
        );
        assert_eq!(
            rule_summary(&rule(&["get", "list"], &[""], &["secrets"])),
            "get,list secrets"
        );
    }

    #[test]
    fn bindings_table_with_origins_and_cluster_bindings() {
        let d = demo();
        let hooli = d.tenant("hooli");
        let table = bindings_table(&d.inv, hooli);
        assert!(table.gaps.is_empty(), "{:?}", table.gaps);
        let origins: Vec<(&str, Origin)> = table
            .rows
            .iter()
            .map(|r| (r.binding.as_str(), r.origin.clone()))
            .collect();
        assert!(origins.contains(&("hooli/hooli-admins", Origin::Manual)));
        assert!(origins.contains(&(
            "hooli-search/hooli-admins",
            Origin::HncInherited("hooli".into())
        )));
        let umbrella = bindings_table(&d.inv, d.tenant("umbrella"));
        assert!(umbrella.rows.iter().all(|r| {
            r.origin == Origin::CapsuleOwner || r.binding == "umbrella-ops/ci-deployer"
        }));
        assert!(
            umbrella
                .rows
                .iter()
                .any(|r| r.origin == Origin::CapsuleOwner)
        );
        let acme = bindings_table(&d.inv, d.tenant("acme"));
        assert!(acme.rows.iter().all(|r| r.origin == Origin::Tenantry));
        assert_eq!(acme.rows.len(), 2);
        // system:masters' cluster-admin binding is not acme's.
        assert!(acme.rows.iter().all(|r| r.scope != "cluster"));
        assert_eq!(
            persona_counts(&acme),
            PersonaCounts {
                cluster_admin: 0,
                namespace_admin: 1,
                user: 0
            }
        );
    }

    #[test]
    fn cluster_binding_to_a_tenant_user_is_in_the_table_and_a_persona() {
        let mut d = demo();
        d.add_yaml(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-root}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: "system:masters", apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: ci, namespace: acme-dev}
"#,
        );
        let acme = d.tenant("acme");
        let table = bindings_table(&d.inv, acme);
        let cluster: Vec<String> = table
            .rows
            .iter()
            .filter(|r| r.scope == "cluster")
            .map(|r| subject_label(&r.subject))
            .collect();
        assert_eq!(cluster, vec!["User alice", "ServiceAccount acme-dev/ci"]);
        assert_eq!(
            persona_counts(&table),
            PersonaCounts {
                cluster_admin: 2,
                namespace_admin: 0,
                user: 0
            }
        );
    }

    #[test]
    fn risky_rules_of_acme_are_the_builtin_admin_ones() {
        let d = demo();
        let risky = risky_rules(&d.inv, d.tenant("acme"));
        assert!(risky.gaps.is_empty());
        assert!(risky.rules.iter().all(|r| r.role == "ClusterRole admin"));
        let whys: BTreeSet<Risk> = risky.rules.iter().flat_map(|r| r.why.clone()).collect();
        assert_eq!(
            whys,
            BTreeSet::from([
                Risk::ImpersonateServiceAccounts,
                Risk::SecretsRead,
                Risk::PodsExec
            ])
        );
        assert!(
            risky
                .rules
                .iter()
                .all(|r| r.bound_to == vec![user("alice")])
        );
    }

    #[test]
    fn who_can_over_role_and_cluster_bindings() {
        let d = demo();
        let acme = d.tenant("acme");
        let answers = who_can_sensitive(&d.inv, acme);
        let get = |label: &str| -> Vec<String> {
            answers
                .iter()
                .find(|(a, _)| a.label == label)
                .map(|(_, w)| w.subjects.iter().map(subject_label).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            get("get secrets"),
            vec!["Group system:masters", "User alice"]
        );
        assert_eq!(
            get("create pods/exec"),
            vec!["Group system:masters", "User alice"]
        );
        assert_eq!(
            get("create rolebindings"),
            vec!["Group system:masters", "User alice"]
        );
        // admin reads quotas but may not change them; nor namespaces.
        assert_eq!(get("update resourcequotas"), vec!["Group system:masters"]);
        assert_eq!(get("patch namespaces"), vec!["Group system:masters"]);
        assert!(answers.iter().all(|(_, w)| w.is_complete()));
    }

    #[test]
    fn who_can_reports_what_it_cannot_read() {
        let d = demo().seen_by_namespace_admin(&["acme-dev", "acme-prod"]);
        let w = who_can(&d.inv, d.tenant("acme"), "get", "", "secrets", None);
        assert!(!w.is_complete());
        assert!(
            w.gaps
                .iter()
                .any(|g| g == "cannot list clusterrolebindings cluster-wide")
        );
        assert!(
            w.gaps
                .iter()
                .any(|g| g == "cannot list clusterroles cluster-wide")
        );
    }

    #[test]
    fn matrix_row_from_rules() {
        let rules = vec![
            rule(&["get", "list", "watch"], &[""], &["pods"]),
            rule(&["delete"], &[""], &["pods"]),
        ];
        assert_eq!(
            allowed_verbs(&rules, "", "pods", None),
            [false, true, true, true, false, false, true, false]
        );
        assert_eq!(allowed_verbs(&rules, "", "secrets", None), [false; 8]);
    }
}
