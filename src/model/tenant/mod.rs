//! Tenant resolution (ARCHITECTURE.md §3): which namespaces make up which tenant,
//! and who owns it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::inventory::Inventory;
use super::projection::{BindingInfo, CapsuleTenantInfo, NamespaceInfo, Subject};
use super::system::SystemNamespaces;

mod resolvers;

pub use resolvers::capsule::CAPSULE_TENANT_LABEL;
pub use resolvers::hnc::HNC_DEPTH_SUFFIX;
pub use resolvers::kiosk::KIOSK_ACCOUNT_LABEL;
pub use resolvers::label::DEFAULT_TENANT_LABEL;
pub use resolvers::rancher::RANCHER_PROJECT_LABEL;
use resolvers::{capsule, hnc, kiosk, label, namespace, rancher};

/// Source name of tenants given in `config.yaml` for users who cannot list
/// namespaces.
pub const CONFIG_SOURCE: &str = "config";

/// The cluster's own namespaces: the platform, not tenants. The `namespace`
/// resolver leaves them alone, and no write ever joins one to a tenant
/// (a tenant's quota, default-deny policies or admin binding there would
/// break or hand over the control plane).
pub const SYSTEM_NAMESPACES: [&str; 4] =
    ["kube-system", "kube-public", "kube-node-lease", "default"];

/// Refuses a system namespace as a tenant's namespace, naming it.
pub fn check_not_system_namespace(ns: &str) -> Result<(), String> {
    if SYSTEM_NAMESPACES.contains(&ns) {
        Err(format!(
            "namespace {ns} is a system namespace ({}): tenantry never joins one to a tenant",
            SYSTEM_NAMESPACES.join(", ")
        ))
    } else {
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub String);

impl TenantId {
    pub fn new(s: impl Into<String>) -> Self {
        TenantId(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResolverKind {
    Label {
        key: String,
    },
    Capsule,
    Hnc,
    Rancher,
    Kiosk,
    /// Catch-all: claims only namespaces no other resolver claimed, so that
    /// turning it on does not make every labelled namespace a conflict.
    Namespace,
}

impl ResolverKind {
    pub fn name(&self) -> &'static str {
        match self {
            ResolverKind::Label { .. } => "label",
            ResolverKind::Capsule => "capsule",
            ResolverKind::Hnc => "hnc",
            ResolverKind::Rancher => "rancher",
            ResolverKind::Kiosk => "kiosk",
            ResolverKind::Namespace => "namespace",
        }
    }

    pub fn default_order() -> Vec<ResolverKind> {
        vec![
            ResolverKind::Label {
                key: DEFAULT_TENANT_LABEL.to_string(),
            },
            ResolverKind::Capsule,
            ResolverKind::Hnc,
            ResolverKind::Rancher,
            ResolverKind::Kiosk,
        ]
    }

    /// Reads `label`, `label:<key>`, `capsule`, `hnc`, `rancher`, `kiosk`,
    /// `namespace`, the spelling used in `config.yaml`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "label" => Some(ResolverKind::Label {
                key: DEFAULT_TENANT_LABEL.to_string(),
            }),
            "capsule" => Some(ResolverKind::Capsule),
            "hnc" => Some(ResolverKind::Hnc),
            "rancher" => Some(ResolverKind::Rancher),
            "kiosk" => Some(ResolverKind::Kiosk),
            "namespace" => Some(ResolverKind::Namespace),
            _ => s
                .strip_prefix("label:")
                .filter(|k| !k.is_empty())
                .map(|k| ResolverKind::Label { key: k.to_string() }),
        }
    }

    /// ClusterRoles whose RoleBindings name a tenant's owners.
    fn owner_roles(&self) -> &'static [&'static str] {
        match self {
            ResolverKind::Rancher => rancher::OWNER_ROLES,
            ResolverKind::Kiosk => kiosk::OWNER_ROLES,
            _ => &["admin"],
        }
    }

    /// The tenant this resolver assigns `ns` to, if any.
    ///
    /// The `namespace` resolver claims nothing here: it is the catch-all,
    /// applied in [`resolve`] to namespaces no other resolver claimed.
    fn claim(&self, ns: &NamespaceInfo, ctx: &Context<'_>) -> Option<String> {
        match self {
            ResolverKind::Label { key } => label::claim(ns, key),
            ResolverKind::Capsule => capsule::claim(ns, ctx),
            ResolverKind::Hnc => hnc::claim(ns, ctx),
            ResolverKind::Rancher => rancher::claim(ns),
            ResolverKind::Kiosk => kiosk::claim(ns),
            ResolverKind::Namespace => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Resolver name (`label`, `capsule`, …) or `config`.
    pub resolver: String,
    pub tenant: TenantId,
}

/// A namespace claimed more than once; itself a finding (ARCHITECTURE.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub namespace: String,
    /// In resolver order, config first.
    pub claims: Vec<Claim>,
    /// The claim that won: config, else the first resolver in order.
    pub assigned: Claim,
    /// Every claim names the same tenant: redundant rather than contested.
    pub same_tenant: bool,
}

impl Conflict {
    pub fn message(&self) -> String {
        let claims: Vec<String> = self
            .claims
            .iter()
            .map(|c| format!("{} ({})", c.resolver, c.tenant))
            .collect();
        format!(
            "namespace {} is claimed by {}; assigned to tenant {} by {}, {}",
            self.namespace,
            claims.join(" and "),
            self.assigned.tenant,
            self.assigned.resolver,
            if self.assigned.resolver == CONFIG_SOURCE {
                "because config.yaml names it"
            } else {
                "the first in resolver order"
            }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    /// Name of the resolver (or `config`) ranking first among those that
    /// assigned its namespaces.
    pub source: String,
    pub namespaces: Vec<String>,
    pub owners: Vec<Subject>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Sorted by id.
    pub tenants: Vec<Tenant>,
    /// Visible namespaces no tenant claimed, sorted; system namespaces are
    /// not among them.
    pub unassigned: Vec<String>,
    /// Visible system namespaces no tenant claimed, sorted.
    pub system: Vec<String>,
    pub conflicts: Vec<Conflict>,
    assignment: BTreeMap<String, usize>,
    /// Owner (kind, name) → the indexes of the tenants it owns, so a check
    /// asks for the subjects it meets instead of walking every tenant
    /// (which made findings O(tenants²) at tier L).
    owned: BTreeMap<(String, String), Vec<usize>>,
}

impl Resolution {
    pub fn tenant(&self, id: &TenantId) -> Option<&Tenant> {
        self.tenants
            .binary_search_by(|t| t.id.cmp(id))
            .ok()
            .map(|i| &self.tenants[i])
    }

    pub fn tenant_of(&self, namespace: &str) -> Option<&Tenant> {
        self.assignment.get(namespace).map(|i| &self.tenants[*i])
    }

    /// The tenants whose owners include the subject `kind`/`name`.
    pub fn tenants_owned_by<'a>(
        &'a self,
        kind: &str,
        name: &str,
    ) -> impl Iterator<Item = &'a Tenant> + 'a {
        self.owned
            .get(&(kind.to_string(), name.to_string()))
            .into_iter()
            .flatten()
            .map(|i| &self.tenants[*i])
    }

    /// The index in `tenants` of the tenant that holds `namespace`.
    pub fn tenant_index_of(&self, namespace: &str) -> Option<usize> {
        self.assignment.get(namespace).copied()
    }

    pub fn conflict_for(&self, namespace: &str) -> Option<&Conflict> {
        self.conflicts.iter().find(|c| c.namespace == namespace)
    }
}

struct Context<'a> {
    capsule_by_namespace: BTreeMap<&'a str, &'a str>,
    /// Namespaces that some other namespace names as an HNC ancestor.
    hnc_parents: BTreeSet<&'a str>,
}

/// Resolves tenants from what is visible.
///
/// `extra` are tenants from `config.yaml` whose namespaces are known by name
/// only (the user may be unable to list namespaces); they always appear, and
/// their namespaces go to them even over a resolver's claim (reported as a
/// conflict when the resolver names another tenant).
pub fn resolve(
    namespaces: &[&NamespaceInfo],
    capsule_tenants: &[&CapsuleTenantInfo],
    bindings: &[&BindingInfo],
    order: &[ResolverKind],
    extra: &[(TenantId, Vec<String>)],
) -> Resolution {
    resolve_with_system(
        namespaces,
        capsule_tenants,
        bindings,
        order,
        extra,
        &SystemNamespaces::default(),
    )
}

/// [`resolve`], with the system namespaces from `config.yaml`: the
/// `namespace` resolver leaves them alone, and unclaimed ones are listed in
/// [`Resolution::system`], not as unassigned.
pub fn resolve_with_system(
    namespaces: &[&NamespaceInfo],
    capsule_tenants: &[&CapsuleTenantInfo],
    bindings: &[&BindingInfo],
    order: &[ResolverKind],
    extra: &[(TenantId, Vec<String>)],
    system: &SystemNamespaces,
) -> Resolution {
    let capsule_on = order.contains(&ResolverKind::Capsule);
    let mut ctx = Context {
        capsule_by_namespace: BTreeMap::new(),
        hnc_parents: BTreeSet::new(),
    };
    if capsule_on {
        for t in capsule_tenants {
            for ns in &t.namespaces {
                ctx.capsule_by_namespace
                    .entry(ns.as_str())
                    .or_insert(t.name.as_str());
            }
        }
    }
    for ns in namespaces {
        for (k, v) in &ns.labels {
            if let Some(ancestor) = k.strip_suffix(HNC_DEPTH_SUFFIX)
                && ancestor != ns.name
                && v.parse::<u32>().is_ok_and(|d| d > 0)
            {
                ctx.hnc_parents.insert(ancestor);
            }
        }
    }

    // Namespaces known by name only: from config and from Capsule status.
    let visible: BTreeMap<&str, &NamespaceInfo> =
        namespaces.iter().map(|n| (n.name.as_str(), *n)).collect();
    let mut names: BTreeSet<&str> = visible.keys().copied().collect();
    names.extend(ctx.capsule_by_namespace.keys().copied());
    for (_, nss) in extra {
        names.extend(nss.iter().map(String::as_str));
    }
    // A namespace admin usually cannot read her namespace objects (a
    // RoleBinding cannot grant a cluster-scoped resource), but she can read
    // its RoleBindings; the tenant label on them (tenantry and Capsule both
    // set one) names the tenant.
    let mut inferred: BTreeMap<&str, (&ResolverKind, &str)> = BTreeMap::new();
    for b in bindings {
        let Some(ns) = b.namespace.as_deref() else {
            continue;
        };
        if visible.contains_key(ns) || inferred.contains_key(ns) {
            continue;
        }
        for r in order {
            let key = match r {
                ResolverKind::Label { key } => key.as_str(),
                ResolverKind::Capsule => CAPSULE_TENANT_LABEL,
                _ => continue,
            };
            if let Some(tenant) = b.labels.get(key) {
                inferred.insert(ns, (r, tenant.as_str()));
                break;
            }
        }
    }
    names.extend(inferred.keys().copied());
    let mut config_claims: BTreeMap<&str, Vec<&TenantId>> = BTreeMap::new();
    for (id, nss) in extra {
        for ns in nss {
            config_claims.entry(ns.as_str()).or_default().push(id);
        }
    }

    let rank_of = |resolver: &str| -> usize {
        if resolver == CONFIG_SOURCE {
            return 0;
        }
        order
            .iter()
            .position(|r| r.name() == resolver)
            .map_or(usize::MAX, |p| p + 1)
    };

    // tenant -> (namespace -> resolver that assigned it)
    let mut members: BTreeMap<TenantId, BTreeMap<String, &ResolverKind>> = BTreeMap::new();
    let mut sources: BTreeMap<TenantId, usize> = BTreeMap::new();
    let mut config_members: BTreeMap<TenantId, BTreeSet<String>> = BTreeMap::new();
    let mut unassigned = Vec::new();
    let mut system_unclaimed = Vec::new();
    let mut conflicts = Vec::new();

    for (id, _) in extra {
        sources.entry(id.clone()).or_insert(0);
        members.entry(id.clone()).or_default();
    }
    if capsule_on {
        for t in capsule_tenants {
            let id = TenantId::new(&t.name);
            let rank = rank_of("capsule");
            let e = sources.entry(id.clone()).or_insert(rank);
            *e = (*e).min(rank);
            members.entry(id).or_default();
        }
    }

    for name in names {
        let ns_info = visible.get(name).copied();
        let mut resolver_claims: Vec<(Claim, &ResolverKind)> = Vec::new();
        if let Some(info) = ns_info {
            for r in order {
                if let Some(t) = r.claim(info, &ctx) {
                    resolver_claims.push((
                        Claim {
                            resolver: r.name().to_string(),
                            tenant: TenantId(t),
                        },
                        r,
                    ));
                }
            }
            if resolver_claims.is_empty()
                && order.contains(&ResolverKind::Namespace)
                && let Some(t) = namespace::claim(name, system)
            {
                resolver_claims.push((
                    Claim {
                        resolver: ResolverKind::Namespace.name().to_string(),
                        tenant: TenantId(t),
                    },
                    &ResolverKind::Namespace,
                ));
            }
        } else if let Some(t) = ctx.capsule_by_namespace.get(name) {
            resolver_claims.push((
                Claim {
                    resolver: "capsule".to_string(),
                    tenant: TenantId::new(*t),
                },
                &ResolverKind::Capsule,
            ));
        } else if let Some((resolver, tenant)) = inferred.get(name) {
            resolver_claims.push((
                Claim {
                    resolver: resolver.name().to_string(),
                    tenant: TenantId::new(*tenant),
                },
                resolver,
            ));
        }
        let configured = config_claims.get(name).cloned().unwrap_or_default();
        let mut claims: Vec<Claim> = configured
            .iter()
            .map(|id| Claim {
                resolver: CONFIG_SOURCE.to_string(),
                tenant: (*id).clone(),
            })
            .collect();
        claims.extend(resolver_claims.iter().map(|(c, _)| c.clone()));
        let Some(assigned) = claims.first().cloned() else {
            // Only namespaces seen are listed (not those known by name).
            if ns_info.is_some() {
                if system.matches(name) {
                    system_unclaimed.push(name.to_string());
                } else {
                    unassigned.push(name.to_string());
                }
            }
            continue;
        };
        let contested = if configured.is_empty() {
            claims.len() >= 2
        } else {
            configured.len() >= 2
                || resolver_claims.len() >= 2
                || resolver_claims
                    .iter()
                    .any(|(c, _)| c.tenant != assigned.tenant)
        };
        if contested {
            conflicts.push(Conflict {
                namespace: name.to_string(),
                same_tenant: claims.iter().all(|c| c.tenant == assigned.tenant),
                claims,
                assigned: assigned.clone(),
            });
        }
        let rank = rank_of(&assigned.resolver);
        let e = sources.entry(assigned.tenant.clone()).or_insert(rank);
        *e = (*e).min(rank);
        if configured.is_empty() {
            let resolver = resolver_claims[0].1;
            members
                .entry(assigned.tenant)
                .or_default()
                .insert(name.to_string(), resolver);
        } else {
            members.entry(assigned.tenant.clone()).or_default();
            config_members
                .entry(assigned.tenant)
                .or_default()
                .insert(name.to_string());
        }
    }

    let mut bindings_by_ns: BTreeMap<&str, Vec<&BindingInfo>> = BTreeMap::new();
    for b in bindings {
        if let Some(ns) = &b.namespace {
            bindings_by_ns.entry(ns.as_str()).or_default().push(b);
        }
    }
    let owners_in = |ns: &str, roles: &[&str], out: &mut BTreeSet<Subject>| {
        for b in bindings_by_ns.get(ns).into_iter().flatten() {
            if b.role_ref.kind == "ClusterRole" && roles.contains(&b.role_ref.name.as_str()) {
                out.extend(b.subjects.iter().cloned());
            }
        }
    };
    let capsule_owners: BTreeMap<&str, &Vec<Subject>> = capsule_tenants
        .iter()
        .filter(|t| !t.owners.is_empty())
        .map(|t| (t.name.as_str(), &t.owners))
        .collect();

    let mut tenants = Vec::with_capacity(members.len());
    for (id, nss) in members {
        let mut owners = BTreeSet::new();
        for (ns, resolver) in &nss {
            match resolver {
                ResolverKind::Capsule => match capsule_owners.get(id.as_str()) {
                    Some(o) => owners.extend(o.iter().cloned()),
                    None => owners_in(ns, resolver.owner_roles(), &mut owners),
                },
                ResolverKind::Hnc => owners_in(id.as_str(), resolver.owner_roles(), &mut owners),
                _ => owners_in(ns, resolver.owner_roles(), &mut owners),
            }
        }
        let configured = config_members.remove(&id).unwrap_or_default();
        for ns in &configured {
            owners_in(ns, &["admin"], &mut owners);
        }
        if nss.is_empty()
            && configured.is_empty()
            && let Some(o) = capsule_owners.get(id.as_str())
        {
            owners.extend(o.iter().cloned());
        }
        let rank = sources.get(&id).copied().unwrap_or(usize::MAX);
        let source = if rank == 0 {
            CONFIG_SOURCE
        } else {
            order
                .get(rank.wrapping_sub(1))
                .map_or("unknown", ResolverKind::name)
        };
        let mut namespaces: Vec<String> = nss.into_keys().chain(configured).collect();
        namespaces.sort();
        namespaces.dedup();
        tenants.push(Tenant {
            id,
            source: source.to_string(),
            namespaces,
            owners: owners.into_iter().collect(),
        });
    }

    let mut assignment = BTreeMap::new();
    let mut owned: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, t) in tenants.iter().enumerate() {
        for ns in &t.namespaces {
            assignment.insert(ns.clone(), i);
        }
        for o in &t.owners {
            owned
                .entry((o.kind.clone(), o.name.clone()))
                .or_default()
                .push(i);
        }
    }
    Resolution {
        tenants,
        unassigned,
        system: system_unclaimed,
        conflicts,
        assignment,
        owned,
    }
}

/// [`resolve`] over what the inventory holds (RoleBindings only: owners are
/// namespace-scoped bindings).
pub fn resolve_inventory(
    inv: &Inventory,
    order: &[ResolverKind],
    extra: &[(TenantId, Vec<String>)],
) -> Resolution {
    resolve_inventory_with_system(inv, order, extra, &SystemNamespaces::default())
}

/// [`resolve_inventory`] with the system namespaces from `config.yaml`.
pub fn resolve_inventory_with_system(
    inv: &Inventory,
    order: &[ResolverKind],
    extra: &[(TenantId, Vec<String>)],
    system: &SystemNamespaces,
) -> Resolution {
    let namespaces: Vec<&NamespaceInfo> = inv.namespaces().collect();
    let capsule: Vec<&CapsuleTenantInfo> = inv.capsule_tenants().collect();
    let bindings: Vec<&BindingInfo> = inv.role_bindings().collect();
    resolve_with_system(&namespaces, &capsule, &bindings, order, extra, system)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::inventory::{Change, Object};
    use k8s_openapi::api::core::v1::Namespace;
    use k8s_openapi::api::rbac::v1::RoleBinding;
    use kube::core::DynamicObject;
    use serde_json::json;

    fn ns(v: serde_json::Value) -> NamespaceInfo {
        NamespaceInfo::from(&serde_json::from_value::<Namespace>(v).unwrap())
    }

    pub(super) fn plain(name: &str) -> NamespaceInfo {
        ns(json!({"metadata": {"name": name}}))
    }

    pub(super) fn labelled(name: &str, labels: serde_json::Value) -> NamespaceInfo {
        ns(json!({"metadata": {"name": name, "labels": labels}}))
    }

    pub(super) fn rb(
        namespace: &str,
        name: &str,
        role: &str,
        subjects: serde_json::Value,
    ) -> BindingInfo {
        BindingInfo::from(
            &serde_json::from_value::<RoleBinding>(json!({
                "metadata": {"name": name, "namespace": namespace},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": subjects
            }))
            .unwrap(),
        )
    }

    #[test]
    fn a_namespace_admin_finds_her_tenant_from_her_bindings_labels() {
        // alice cannot read her namespace objects, only what is in them.
        let mut owner = rb(
            "acme-dev",
            "tenant-owner",
            "admin",
            json!([{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]),
        );
        owner
            .labels
            .insert("tenantry.dev/tenant".into(), "acme".into());
        let mut capsule_owner = rb("oil-dev", "capsule-oil-0", "admin", json!([]));
        capsule_owner
            .labels
            .insert(CAPSULE_TENANT_LABEL.into(), "oil".into());
        let unlabelled = rb("misc", "x", "admin", json!([]));
        let r = resolve(
            &[],
            &[],
            &[&owner, &capsule_owner, &unlabelled],
            &ResolverKind::default_order(),
            &[],
        );
        let acme = r.tenant(&TenantId::new("acme")).expect("acme inferred");
        assert_eq!(acme.namespaces, vec!["acme-dev"]);
        assert_eq!(acme.source, "label");
        assert_eq!(acme.owners, vec![user("alice")]);
        assert_eq!(
            r.tenant(&TenantId::new("oil"))
                .expect("oil inferred")
                .source,
            "capsule"
        );
        assert!(r.tenant_of("misc").is_none());
    }

    pub(super) fn user(name: &str) -> Subject {
        Subject {
            kind: "User".into(),
            name: name.into(),
            namespace: None,
        }
    }

    pub(super) fn capsule_tenant(v: serde_json::Value) -> CapsuleTenantInfo {
        CapsuleTenantInfo::from(&serde_json::from_value::<DynamicObject>(v).unwrap())
    }

    pub(super) fn run(
        nss: &[NamespaceInfo],
        capsule: &[CapsuleTenantInfo],
        bindings: &[BindingInfo],
        order: &[ResolverKind],
    ) -> Resolution {
        let n: Vec<&NamespaceInfo> = nss.iter().collect();
        let c: Vec<&CapsuleTenantInfo> = capsule.iter().collect();
        let b: Vec<&BindingInfo> = bindings.iter().collect();
        resolve(&n, &c, &b, order, &[])
    }

    pub(super) fn ids(r: &Resolution) -> Vec<(&str, &str, Vec<&str>)> {
        r.tenants
            .iter()
            .map(|t| {
                (
                    t.id.as_str(),
                    t.source.as_str(),
                    t.namespaces.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn two_resolvers_with_different_tenants_conflict() {
        let nss = [labelled(
            "shared",
            json!({"tenantry.dev/tenant": "acme", "capsule.clastix.io/tenant": "oil"}),
        )];
        let r = run(&nss, &[], &[], &ResolverKind::default_order());
        assert_eq!(r.conflicts.len(), 1);
        let c = &r.conflicts[0];
        assert_eq!(c.assigned.resolver, "label");
        assert_eq!(c.assigned.tenant, TenantId::new("acme"));
        assert_eq!(c.claims.len(), 2);
        assert!(!c.same_tenant);
        assert_eq!(
            c.message(),
            "namespace shared is claimed by label (acme) and capsule (oil); assigned to tenant acme by label, the first in resolver order"
        );
        assert_eq!(ids(&r), vec![("acme", "label", vec!["shared"])]);
        assert_eq!(r.conflict_for("shared"), Some(c));
    }

    #[test]
    fn two_resolvers_with_the_same_tenant_still_conflict() {
        let nss = [labelled(
            "acme",
            json!({"kiosk.sh/account": "acme", "capsule.clastix.io/tenant": "acme"}),
        )];
        let r = run(&nss, &[], &[], &ResolverKind::default_order());
        assert_eq!(r.conflicts.len(), 1);
        assert!(r.conflicts[0].same_tenant);
        assert_eq!(r.conflicts[0].assigned.resolver, "capsule");
        assert_eq!(ids(&r), vec![("acme", "capsule", vec!["acme"])]);
    }

    #[test]
    fn order_decides_the_winner() {
        let nss = [labelled(
            "shared",
            json!({"tenantry.dev/tenant": "acme", "kiosk.sh/account": "k"}),
        )];
        let order = [ResolverKind::Kiosk, ResolverKind::parse("label").unwrap()];
        let r = run(&nss, &[], &[], &order);
        assert_eq!(ids(&r), vec![("k", "kiosk", vec!["shared"])]);
    }

    #[test]
    fn config_tenants_appear_without_visible_namespaces() {
        let extra = vec![
            (
                TenantId::new("acme"),
                vec!["acme-dev".to_string(), "acme-prod".to_string()],
            ),
            (TenantId::new("empty"), vec![]),
        ];
        let visible = [labelled("acme-dev", json!({"tenantry.dev/tenant": "acme"}))];
        let n: Vec<&NamespaceInfo> = visible.iter().collect();
        let bindings = [rb(
            "acme-dev",
            "o",
            "admin",
            json!([{"kind": "User", "name": "alice"}]),
        )];
        let b: Vec<&BindingInfo> = bindings.iter().collect();
        let r = resolve(&n, &[], &b, &ResolverKind::default_order(), &extra);
        assert_eq!(
            ids(&r),
            vec![
                ("acme", "config", vec!["acme-dev", "acme-prod"]),
                ("empty", "config", vec![])
            ]
        );
        assert_eq!(r.tenants[0].owners, vec![user("alice")]);
        // Same tenant from config and one resolver: not a conflict.
        assert!(r.conflicts.is_empty());
        assert!(r.unassigned.is_empty());

        // Nothing visible at all.
        let r = resolve(&[], &[], &[], &ResolverKind::default_order(), &extra);
        assert_eq!(r.tenants.len(), 2);
        assert_eq!(r.tenants[0].namespaces, vec!["acme-dev", "acme-prod"]);
    }

    #[test]
    fn config_wins_over_a_resolver_naming_another_tenant() {
        let extra = vec![(TenantId::new("acme"), vec!["x".to_string()])];
        let visible = [labelled("x", json!({"tenantry.dev/tenant": "beta"}))];
        let n: Vec<&NamespaceInfo> = visible.iter().collect();
        let r = resolve(&n, &[], &[], &ResolverKind::default_order(), &extra);
        assert_eq!(r.conflicts.len(), 1);
        assert_eq!(r.conflicts[0].assigned.resolver, "config");
        assert!(
            r.conflicts[0]
                .message()
                .contains("because config.yaml names it")
        );
        assert_eq!(ids(&r), vec![("acme", "config", vec!["x"])]);
    }

    #[test]
    fn resolve_from_inventory() {
        let mut inv = Inventory::new();
        inv.apply(Change::Applied(Object::Namespace(labelled(
            "a",
            json!({"tenantry.dev/tenant": "t"}),
        ))));
        inv.apply(Change::Applied(Object::RoleBinding(rb(
            "a",
            "o",
            "admin",
            json!([{"kind": "User", "name": "alice"}]),
        ))));
        let r = resolve_inventory(&inv, &ResolverKind::default_order(), &[]);
        assert_eq!(ids(&r), vec![("t", "label", vec!["a"])]);
        assert_eq!(r.tenants[0].owners, vec![user("alice")]);
    }

    #[test]
    fn resolver_names_parse_back() {
        for r in ResolverKind::default_order()
            .into_iter()
            .chain([ResolverKind::Namespace])
        {
            assert_eq!(ResolverKind::parse(r.name()), Some(r));
        }
        assert_eq!(ResolverKind::parse("label:"), None);
        assert_eq!(ResolverKind::parse("bogus"), None);
    }
}
