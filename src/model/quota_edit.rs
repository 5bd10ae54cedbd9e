//! New quota hard limits for a tenant, as objects to apply: shared by
//! `tenantry quota set` and the console's quota editor. Pure.
//!
//! Most tenants keep their limits in a ResourceQuota per namespace. A
//! Capsule tenant with a `Tenant` object keeps them in the Tenant's
//! `spec.resourceQuotas` (ARCHITECTURE.md §3): Capsule reconciles the
//! `capsule-<tenant>-<i>` ResourceQuotas from it, so the change goes there.

use std::collections::BTreeMap;

use serde_json::Value;

use super::inventory::{Inventory, Kind, SyncState};
use super::projection::{CapsuleQuotaItem, CapsuleTenantInfo};
use super::quantity::Quantity;
use super::template::{MANAGED_BY_LABEL, TENANT_LABEL};
use super::tenant::Tenant;

/// The quota tenantry creates when a namespace has none.
pub const DEFAULT_QUOTA_NAME: &str = "tenant-quota";

/// The resolver source of Capsule tenants.
const CAPSULE_SOURCE: &str = "capsule";

/// The Capsule `Tenant` object that holds this tenant's quotas, when it
/// has one (a tenant the capsule resolver found, whose object is visible).
pub fn capsule_quota_holder<'a>(
    inventory: &'a Inventory,
    tenant: &Tenant,
) -> Option<&'a super::CapsuleTenantInfo> {
    (tenant.source == CAPSULE_SOURCE)
        .then(|| inventory.capsule_tenant(tenant.id.as_str()))
        .flatten()
}

/// The ResourceQuota Capsule keeps in each namespace of `tenant` for item
/// `index` of the Tenant's `spec.resourceQuotas.items`.
pub fn capsule_quota_name(tenant: &str, index: usize) -> String {
    format!("capsule-{tenant}-{index}")
}

/// One resource's limit before and after, with what is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaChange {
    /// The ResourceQuota's namespace. For a limit on a Capsule Tenant: the
    /// namespace whose use `used` is when the scope is `Namespace`, else
    /// empty (the use is summed over the tenant's namespaces).
    pub namespace: String,
    /// The ResourceQuota's name. For a limit on a Capsule Tenant: the
    /// quota Capsule keeps for the item, `capsule-<tenant>-<i>`.
    pub quota: String,
    pub resource: String,
    pub before: Option<Quantity>,
    pub after: Quantity,
    /// Current use, when the quota controller has reported it.
    pub used: Option<Quantity>,
    /// Set when the limit is on a Capsule Tenant object, not on a
    /// ResourceQuota.
    pub capsule: Option<CapsuleTarget>,
    /// Set when the limit is on a quota object that spans namespaces
    /// (HRQ, ClusterResourceQuota, ClusterQueue): its label, e.g.
    /// "ClusterQueue team-a" (then `resource` is `cpu [flavor]` for a queue).
    pub object: Option<String>,
}

/// Where on a Capsule Tenant a limit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapsuleTarget {
    /// The Tenant object's name.
    pub tenant: String,
    /// The index in `spec.resourceQuotas.items`.
    pub item: usize,
    /// Scope `Namespace`: every namespace gets the whole limit; otherwise
    /// it holds for the tenant's namespaces together.
    pub per_namespace: bool,
}

impl QuotaChange {
    /// The new limit is below what is already used.
    pub fn below_use(&self) -> bool {
        self.used.as_ref().is_some_and(|used| &self.after < used)
    }

    /// "ResourceQuota a-1/compute" or "Tenant oil spec.resourceQuotas.items[0]".
    pub fn target(&self) -> String {
        if let Some(object) = &self.object {
            return object.clone();
        }
        match &self.capsule {
            Some(c) => format!("Tenant {} spec.resourceQuotas.items[{}]", c.tenant, c.item),
            None => format!("ResourceQuota {}/{}", self.namespace, self.quota),
        }
    }

    /// "requests.memory 1Gi in globex-web is below what is already used (3Gi)".
    pub fn warning(&self) -> Option<String> {
        if !self.below_use() {
            return None;
        }
        let after = self.after.format_for(&self.resource);
        let used = self
            .used
            .as_ref()
            .map(|u| u.format_for(&self.resource))
            .unwrap_or_default();
        let consequence = "running pods stay, new ones are refused until usage drops";
        if let Some(object) = &self.object {
            return Some(format!(
                "{} {after} on {object} is below what is already used or reserved ({used}); \
                 what runs stays, new pods or workloads wait until usage drops",
                self.resource
            ));
        }
        Some(match &self.capsule {
            None => format!(
                "{} {after} in {} is below what is already used ({used}); {consequence}",
                self.resource, self.namespace,
            ),
            Some(c) if c.per_namespace => format!(
                "{} {after} on Tenant {} (spec.resourceQuotas.items[{}], for each namespace) is \
                 below what {} already uses ({used}); {consequence}",
                self.resource, c.tenant, c.item, self.namespace,
            ),
            Some(c) => format!(
                "{} {after} on Tenant {} (spec.resourceQuotas.items[{}], for all its namespaces \
                 together) is below what they already use together ({used}); {consequence}",
                self.resource, c.tenant, c.item,
            ),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuotaPlan {
    /// Objects to apply with server-side apply, in namespace order.
    pub objects: Vec<Value>,
    pub changes: Vec<QuotaChange>,
    /// Set when the change goes to this Capsule Tenant object (then
    /// `objects` holds just that Tenant).
    pub capsule_tenant: Option<String>,
    /// Warnings about the plan as a whole (values kept as they are, what
    /// could not be read).
    pub notes: Vec<String>,
    /// Set when the change goes to a quota object that spans namespaces.
    pub object: Option<ObjectEdit>,
}

/// The quota object a plan changes, as the preview marks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEdit {
    /// "ClusterResourceQuota for-acme".
    pub label: String,
    pub cluster_scoped: bool,
    /// Other tenants it covers: their limits change too.
    pub shared_with: Vec<String>,
    /// The tenant's namespaces it covers.
    pub covers: Vec<String>,
}

impl QuotaPlan {
    pub fn warnings(&self) -> Vec<String> {
        self.notes
            .iter()
            .cloned()
            .chain(self.changes.iter().filter_map(QuotaChange::warning))
            .collect()
    }

    /// For a change that goes to a Capsule Tenant: says so, for people who
    /// expected ResourceQuotas to change.
    pub fn target_note(&self) -> Option<String> {
        if let Some(object) = &self.object {
            let scope = if object.cluster_scoped {
                "cluster-scoped"
            } else {
                "namespaced"
            };
            let shared = if object.shared_with.is_empty() {
                "covers no other tenant".to_string()
            } else {
                format!(
                    "SHARED with tenant {}: their limits change too",
                    object.shared_with.join(", ")
                )
            };
            return Some(format!(
                "the new limits go to {} ({scope}; covers {}; {shared})",
                object.label,
                object.covers.join(", ")
            ));
        }
        let tenant = self.capsule_tenant.as_deref()?;
        let scope = match self.changes.first().and_then(|c| c.capsule.as_ref()) {
            Some(c) if c.per_namespace => "scope Namespace: for each namespace",
            _ => "scope Tenant: for all its namespaces together",
        };
        Some(format!(
            "{tenant} is a Capsule tenant: the new limits go to its Tenant object \
             (Tenant {tenant} spec.resourceQuotas, {scope}); Capsule updates the \
             capsule-{tenant}-<i> ResourceQuotas in its namespaces from it"
        ))
    }
}

/// `--quota NAME`: the ResourceQuota to change in each namespace; one that
/// does not exist is refused unless `create` says to make it.
#[derive(Clone, Copy, Debug)]
pub struct QuotaName<'a> {
    pub name: &'a str,
    pub create: bool,
}

/// New hard limits `assignments` for tenant `tenant`.
///
/// A Capsule tenant (source `capsule`) whose `Tenant` object is in the
/// inventory gets one object: that Tenant with its whole
/// `spec.resourceQuotas` (see [`plan_capsule_quota`]); `only` and
/// `quota_name` are refused there, as Capsule sets quotas on the Tenant.
///
/// Every other tenant gets the ResourceQuota of each of its namespaces
/// (`only`, when not empty, limits it to those). A namespace with one quota
/// gets that one changed; with none, a quota named [`DEFAULT_QUOTA_NAME`];
/// with several, `quota_name` must say which.
///
/// Each object carries the whole `hard` map, not just the changed keys:
/// with server-side apply, keys this field manager applied before and
/// leaves out now would be removed from the quota.
pub fn plan_quota(
    inventory: &Inventory,
    tenant: &Tenant,
    only: &[String],
    quota_name: Option<QuotaName<'_>>,
    assignments: &[(String, Quantity)],
) -> Result<QuotaPlan, String> {
    let capsule_source = tenant.source == CAPSULE_SOURCE;
    if let Some(object) = capsule_quota_holder(inventory, tenant) {
        if !only.is_empty() {
            return Err(format!(
                "tenant {} is a Capsule tenant: its quotas are set on its Tenant object \
                 (Tenant {} spec.resourceQuotas) for its namespaces, not on one namespace \
                 ({}); set the limits without naming a namespace (leave out -n/--namespace)",
                tenant.id,
                object.name,
                only.join(", ")
            ));
        }
        if let Some(QuotaName { name, .. }) = quota_name {
            return Err(format!(
                "tenant {} is a Capsule tenant: its quotas are set on its Tenant object \
                 (Tenant {} spec.resourceQuotas), not on a ResourceQuota such as {name}; \
                 leave out --quota",
                tenant.id, object.name
            ));
        }
        return plan_capsule_quota(inventory, tenant, object, assignments);
    }
    for ns in only {
        if !tenant.namespaces.contains(ns) {
            return Err(format!(
                "{ns} is not a namespace of tenant {} ({})",
                tenant.id,
                tenant.namespaces.join(", ")
            ));
        }
    }
    let mut plan = QuotaPlan::default();
    if capsule_source {
        // No Tenant object in the inventory. Either there is none (a
        // namespace labelled for Capsule only), or they cannot be read.
        match inventory.kind_state(Kind::CapsuleTenant) {
            SyncState::NoAccess { reason } | SyncState::Failed { reason } => {
                plan.notes.push(format!(
                    "tenant {} is labelled for Capsule, but Capsule Tenant objects could not be \
                     read ({reason}); if it has a Tenant object, its quotas belong there and \
                     Capsule may not honour ResourceQuotas set here",
                    tenant.id
                ));
            }
            SyncState::Synced | SyncState::Loading { .. } => {}
        }
    }
    for ns in tenant
        .namespaces
        .iter()
        .filter(|ns| only.is_empty() || only.contains(ns))
    {
        let quotas: Vec<&super::QuotaInfo> = inventory.quotas_in(ns).collect();
        let target = match (quota_name, quotas.as_slice()) {
            (Some(QuotaName { name, create }), existing) => {
                // A mistyped name must not quietly become a second quota.
                if !create && !existing.iter().any(|q| q.name == name) {
                    return Err(format!(
                        "{ns} has no ResourceQuota {name} ({}); check the name, or add \
                         --create to create it",
                        if existing.is_empty() {
                            "it has none".to_string()
                        } else {
                            format!(
                                "it has {}",
                                existing
                                    .iter()
                                    .map(|q| q.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ));
                }
                name.to_string()
            }
            (None, []) => DEFAULT_QUOTA_NAME.to_string(),
            (None, [only]) => only.name.clone(),
            (None, several) => {
                return Err(format!(
                    "{ns} has several ResourceQuotas ({}); name one with --quota",
                    several
                        .iter()
                        .map(|q| q.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        };
        let existing = quotas.iter().find(|q| q.name == target);
        let mut hard: BTreeMap<String, Quantity> =
            existing.map(|q| q.spec_hard.clone()).unwrap_or_default();
        for (resource, quantity) in assignments {
            let before = hard.insert(resource.clone(), quantity.clone());
            plan.changes.push(QuotaChange {
                namespace: ns.clone(),
                quota: target.clone(),
                resource: resource.clone(),
                before,
                after: quantity.clone(),
                used: existing
                    .filter(|q| q.status_filled)
                    .and_then(|q| q.used.get(resource).cloned()),
                capsule: None,
                object: None,
            });
        }
        let hard: serde_json::Map<String, Value> = hard
            .iter()
            .map(|(r, q)| (r.clone(), Value::String(q.canonical())))
            .collect();
        let mut labels = serde_json::json!({
            MANAGED_BY_LABEL: "tenantry",
            TENANT_LABEL: tenant.id.as_str(),
        });
        // A template's quota keeps its template label: it is the same
        // field manager's, and left out it would be removed.
        if let (Some(template), Some(labels)) = (
            existing.and_then(|q| q.template.as_ref()),
            labels.as_object_mut(),
        ) {
            labels.insert(
                crate::model::template::TEMPLATE_LABEL.into(),
                Value::String(template.clone()),
            );
        }
        plan.objects.push(serde_json::json!({
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {
                "name": target,
                "namespace": ns,
                "labels": labels,
            },
            "spec": {"hard": hard},
        }));
    }
    Ok(plan)
}

/// New hard limits on a Capsule Tenant object: one object, the Tenant with
/// its current scope and *all* its current items (Capsule's `items` list
/// is atomic: with server-side apply, the list sent replaces the list
/// there), each assigned resource changed in the first item that has it,
/// else in the first item (created when there is none). Values tenantry
/// did not change go back as they were written, invalid ones included.
///
/// Below-use warnings read the `capsule-<tenant>-<i>` ResourceQuotas of
/// the tenant's namespaces: scope `Tenant` compares with their use summed,
/// scope `Namespace` with the namespace that uses most; without those
/// quotas (or their status) there is no warning.
pub fn plan_capsule_quota(
    inventory: &Inventory,
    tenant: &Tenant,
    object: &CapsuleTenantInfo,
    assignments: &[(String, Quantity)],
) -> Result<QuotaPlan, String> {
    let quotas = &object.resource_quotas;
    if let Some(why) = &quotas.unreadable {
        return Err(format!(
            "Tenant {name}: {why}. tenantry sends the whole spec.resourceQuotas.items list \
             back and cannot rebuild it from this; fix it first (kubectl edit \
             tenants.capsule.clastix.io {name})",
            name = object.name
        ));
    }
    let per_namespace = quotas.per_namespace();
    let mut items: Vec<CapsuleQuotaItem> = quotas.items.clone();
    // (item, resource) pairs this plan sets, written in canonical form.
    let mut assigned: Vec<(usize, &str)> = Vec::new();
    let mut plan = QuotaPlan {
        capsule_tenant: Some(object.name.clone()),
        ..QuotaPlan::default()
    };
    for (resource, quantity) in assignments {
        let index = items.iter().position(|i| i.names(resource)).unwrap_or(0);
        if items.is_empty() {
            items.push(CapsuleQuotaItem::default());
        }
        let item = &mut items[index];
        item.invalid.retain(|i| &i.resource != resource);
        let before = item.hard.insert(resource.clone(), quantity.clone());
        assigned.push((index, resource.as_str()));
        let (namespace, used) = capsule_use(
            inventory,
            tenant,
            &object.name,
            index,
            resource,
            per_namespace,
        );
        plan.changes.push(QuotaChange {
            namespace,
            quota: capsule_quota_name(&object.name, index),
            resource: resource.clone(),
            before,
            after: quantity.clone(),
            used,
            capsule: Some(CapsuleTarget {
                tenant: object.name.clone(),
                item: index,
                per_namespace,
            }),
            object: None,
        });
    }
    let mut sent_items = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let mut hard = serde_json::Map::new();
        for (resource, quantity) in &item.hard {
            let text = if assigned.contains(&(index, resource.as_str())) {
                quantity.canonical()
            } else {
                quantity
                    .original()
                    .map_or_else(|| quantity.canonical(), str::to_string)
            };
            hard.insert(resource.clone(), Value::String(text));
        }
        for invalid in &item.invalid {
            plan.notes.push(format!(
                "Tenant {} spec.resourceQuotas.items[{index}].hard {} is {:?}, which is not a \
                 quantity ({}); it is sent back as it is",
                object.name, invalid.resource, invalid.raw, invalid.error
            ));
            hard.insert(invalid.resource.clone(), Value::String(invalid.raw.clone()));
        }
        let mut sent = item.other.clone();
        sent.insert("hard".into(), Value::Object(hard));
        sent_items.push(Value::Object(sent));
    }
    let mut resource_quotas = serde_json::Map::new();
    if let Some(scope) = &quotas.scope {
        resource_quotas.insert("scope".into(), Value::String(scope.clone()));
    }
    resource_quotas.insert("items".into(), Value::Array(sent_items));
    plan.objects.push(serde_json::json!({
        "apiVersion": "capsule.clastix.io/v1beta2",
        "kind": "Tenant",
        "metadata": {"name": object.name},
        "spec": {"resourceQuotas": resource_quotas},
    }));
    Ok(plan)
}

/// What the tenant's namespaces use of `resource` under item `index`, by
/// the quotas Capsule keeps for it: (namespace, use) of the namespace that
/// uses most for `per_namespace`, else ("", the sum). `None` when no such
/// quota reports its use.
pub fn capsule_use(
    inventory: &Inventory,
    tenant: &Tenant,
    name: &str,
    index: usize,
    resource: &str,
    per_namespace: bool,
) -> (String, Option<Quantity>) {
    let quota = capsule_quota_name(name, index);
    let uses = tenant.namespaces.iter().filter_map(|ns| {
        inventory
            .quotas_in(ns)
            .find(|q| q.name == quota && q.status_filled)
            .and_then(|q| q.used.get(resource))
            .map(|used| (ns, used))
    });
    if per_namespace {
        uses.max_by(|a, b| a.1.cmp(b.1))
            .map_or((String::new(), None), |(ns, used)| {
                (ns.clone(), Some(used.clone()))
            })
    } else {
        let sum = uses.fold(None, |sum: Option<Quantity>, (_, used)| {
            Some(sum.map_or_else(|| used.clone(), |s| s.saturating_add(used)))
        });
        (String::new(), sum)
    }
}

/// A quota object that spans namespaces, as `quota set --object` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectTarget {
    pub kind: Kind,
    /// For a HierarchicalResourceQuota.
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectTarget {
    /// `hrq/NAMESPACE/NAME`, `crq/NAME`, `clusterqueue/NAME` (or `cq/NAME`);
    /// the kinds' full names (`HierarchicalResourceQuota/…`,
    /// `ClusterResourceQuota/…`, `ClusterQueue/…`) work too, in any case.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let usage = || {
            format!(
                "{text:?} names no quota object: write hrq/NAMESPACE/NAME, crq/NAME or \
                 clusterqueue/NAME"
            )
        };
        let kind = match parts.first().map(|k| k.to_ascii_lowercase()).as_deref() {
            Some("hrq" | "hierarchicalresourcequota") => Kind::HierarchicalResourceQuota,
            Some("crq" | "clusterresourcequota") => Kind::ClusterResourceQuota,
            Some("cq" | "clusterqueue") => Kind::KueueClusterQueue,
            _ => return Err(usage()),
        };
        match (kind, parts.as_slice()) {
            (Kind::HierarchicalResourceQuota, [_, ns, name])
                if !ns.is_empty() && !name.is_empty() =>
            {
                Ok(ObjectTarget {
                    kind,
                    namespace: Some(ns.to_string()),
                    name: name.to_string(),
                })
            }
            (Kind::ClusterResourceQuota | Kind::KueueClusterQueue, [_, name])
                if !name.is_empty() =>
            {
                Ok(ObjectTarget {
                    kind,
                    namespace: None,
                    name: name.to_string(),
                })
            }
            _ => Err(usage()),
        }
    }
}

/// The quota map with `assignments` set, as sent: values tenantry did not
/// change go back as they were written.
fn hard_with(
    current: &BTreeMap<String, Quantity>,
    invalid: &[super::projection::InvalidQuantity],
    assignments: &[(String, Quantity)],
) -> serde_json::Map<String, Value> {
    let mut hard: serde_json::Map<String, Value> = current
        .iter()
        .map(|(r, q)| {
            let text = q.original().map_or_else(|| q.canonical(), str::to_string);
            (r.clone(), Value::String(text))
        })
        .collect();
    for i in invalid
        .iter()
        .filter(|i| i.field == super::projection::QuotaField::SpecHard)
    {
        hard.insert(i.resource.clone(), Value::String(i.raw.clone()));
    }
    for (resource, quantity) in assignments {
        hard.insert(resource.clone(), Value::String(quantity.canonical()));
    }
    hard
}

/// New limits on a quota object that spans namespaces: an HNC
/// HierarchicalResourceQuota (`spec.hard`), an OpenShift
/// ClusterResourceQuota (`spec.quota.hard`) or a Kueue ClusterQueue
/// (`nominalQuota` of one flavor; the resource is `cpu@FLAVOR`, or `flavor`
/// names it for all, or the resource is in one flavor only).
///
/// The object must be one the tenant's quota objects resolve to
/// ([`crate::model::reach::quota_object_reach`]): a name the tenant
/// controls (a LocalQueue's `clusterQueue`) cannot steer the write to
/// another tenant's object. One shared with other tenants is written only
/// with them named in the plan ([`QuotaPlan::target_note`]).
pub fn plan_object_quota(
    inventory: &Inventory,
    resolution: &super::tenant::Resolution,
    tenant: &Tenant,
    target: &ObjectTarget,
    flavor: Option<&str>,
    assignments: &[(String, Quantity)],
) -> Result<QuotaPlan, String> {
    let objects = super::quota_objects::tenant_quota_objects(inventory, resolution, tenant).objects;
    let view = super::reach::quota_object_reach(&objects, tenant.id.as_str(), target)
        .map_err(|refusal| refusal.to_string())?;
    let label = view.label();
    let mut plan = QuotaPlan {
        object: Some(ObjectEdit {
            label: label.clone(),
            cluster_scoped: view.cluster_scoped(),
            shared_with: view.shared_with.clone(),
            covers: view.covers.clone(),
        }),
        ..QuotaPlan::default()
    };
    let change = |resource: &str, before, after: &Quantity, used| QuotaChange {
        namespace: view.namespace.clone().unwrap_or_default(),
        quota: view.name.clone(),
        resource: resource.to_string(),
        before,
        after: after.clone(),
        used,
        capsule: None,
        object: Some(label.clone()),
    };
    let gone = || format!("{label} is no longer in the inventory");
    match target.kind {
        Kind::HierarchicalResourceQuota => {
            let ns = target.namespace.as_deref().unwrap_or_default();
            let h = inventory
                .hierarchical_quotas_in(ns)
                .find(|h| h.name == target.name)
                .ok_or_else(gone)?;
            for (resource, q) in assignments {
                let used = h
                    .status_filled
                    .then(|| h.used.get(resource).cloned())
                    .flatten();
                plan.changes.push(change(
                    resource,
                    h.spec_hard.get(resource).cloned(),
                    q,
                    used,
                ));
            }
            note_invalid(&mut plan, &label, &h.invalid);
            plan.objects.push(serde_json::json!({
                "apiVersion": format!("{}/{}", super::projection::HRQ_GROUP, super::projection::HRQ_VERSION),
                "kind": super::projection::HRQ_KIND,
                "metadata": {"name": h.name, "namespace": h.namespace},
                "spec": {"hard": hard_with(&h.spec_hard, &h.invalid, assignments)},
            }));
        }
        Kind::ClusterResourceQuota => {
            let c = inventory
                .cluster_resource_quota(&target.name)
                .ok_or_else(gone)?;
            for (resource, q) in assignments {
                let used = c
                    .status_filled
                    .then(|| c.used.get(resource).cloned())
                    .flatten();
                plan.changes.push(change(
                    resource,
                    c.spec_hard.get(resource).cloned(),
                    q,
                    used,
                ));
            }
            note_invalid(&mut plan, &label, &c.invalid);
            plan.objects.push(serde_json::json!({
                "apiVersion": format!("{}/{}", super::projection::CRQ_GROUP, super::projection::CRQ_VERSION),
                "kind": super::projection::CRQ_KIND,
                "metadata": {"name": c.name},
                "spec": {"quota": {"hard": hard_with(&c.spec_hard, &c.invalid, assignments)}},
            }));
        }
        Kind::KueueClusterQueue => {
            let cq = inventory.cluster_queue(&target.name).ok_or_else(gone)?;
            let mut groups = cq.resource_groups.clone();
            if !groups.is_array() {
                return Err(format!(
                    "{label}: spec.resourceGroups is not a list; tenantry sends the whole list \
                     back and cannot rebuild it from this"
                ));
            }
            for (written, q) in assignments {
                let (resource, wanted) = match written.split_once('@') {
                    Some((r, f)) => (r, Some(f)),
                    None => (written.as_str(), flavor),
                };
                let holders: Vec<&super::projection::FlavorQuota> = cq
                    .flavors
                    .iter()
                    .filter(|f| f.resources.iter().any(|r| r.resource == resource))
                    .filter(|f| wanted.is_none_or(|w| f.flavor == w))
                    .collect();
                let found = match holders.as_slice() {
                    [one] => *one,
                    [] => {
                        let flavors: Vec<String> = cq
                            .flavors
                            .iter()
                            .map(|f| {
                                let rs: Vec<&str> =
                                    f.resources.iter().map(|r| r.resource.as_str()).collect();
                                format!("{} ({})", f.flavor, rs.join(", "))
                            })
                            .collect();
                        return Err(format!(
                            "{label} has no {resource}{} to change; its flavors: {} (a \
                             ClusterQueue covers a resource in every flavor of its group, so \
                             tenantry changes nominal quotas only, never adds a resource)",
                            wanted
                                .map(|w| format!(" in flavor {w}"))
                                .unwrap_or_default(),
                            if flavors.is_empty() {
                                "none".to_string()
                            } else {
                                flavors.join(", ")
                            }
                        ));
                    }
                    several => {
                        let names: Vec<&str> = several.iter().map(|f| f.flavor.as_str()).collect();
                        return Err(format!(
                            "{label} has {resource} in several flavors ({}); name one: \
                             {resource}@FLAVOR=QUANTITY or --flavor FLAVOR",
                            names.join(", ")
                        ));
                    }
                };
                let slot = groups
                    .get_mut(found.group)
                    .and_then(|g| g.get_mut("flavors"))
                    .and_then(Value::as_array_mut)
                    .and_then(|fs| {
                        fs.iter_mut().find(|f| {
                            f.get("name").and_then(Value::as_str) == Some(found.flavor.as_str())
                        })
                    })
                    .and_then(|f| f.get_mut("resources"))
                    .and_then(Value::as_array_mut)
                    .and_then(|rs| {
                        rs.iter_mut()
                            .find(|r| r.get("name").and_then(Value::as_str) == Some(resource))
                    })
                    .and_then(Value::as_object_mut)
                    .ok_or_else(|| {
                        format!("{label}: {resource} of flavor {} moved", found.flavor)
                    })?;
                slot.insert("nominalQuota".into(), Value::String(q.canonical()));
                let current = found.resources.iter().find(|r| r.resource == resource);
                let used = cq
                    .status_filled
                    .then(|| current.and_then(|r| r.reserved.clone()).unwrap_or_default());
                plan.changes.push(change(
                    &format!("{resource} [{}]", found.flavor),
                    current.and_then(|r| r.nominal.clone()),
                    q,
                    used,
                ));
            }
            note_invalid(&mut plan, &label, &cq.invalid);
            plan.objects.push(serde_json::json!({
                "apiVersion": cq.api_version,
                "kind": super::projection::CLUSTER_QUEUE_KIND,
                "metadata": {"name": cq.name},
                "spec": {"resourceGroups": groups},
            }));
        }
        _ => return Err(format!("{label} is not a quota object tenantry edits")),
    }
    Ok(plan)
}

fn note_invalid(plan: &mut QuotaPlan, label: &str, invalid: &[super::projection::InvalidQuantity]) {
    for i in invalid {
        plan.notes.push(format!(
            "{label}: {} {:?} is not a quantity ({}); it is sent back as it is",
            i.resource, i.raw, i.error
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Object, TenantId, parse_quantity};

    fn inventory() -> Inventory {
        let mut inv = Inventory::default();
        let quota: k8s_openapi::api::core::v1::ResourceQuota =
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "compute", "namespace": "a-1"},
                "spec": {"hard": {"pods": "10", "requests.cpu": "2"}},
                "status": {"hard": {"pods": "10", "requests.cpu": "2"}, "used": {"pods": "8", "requests.cpu": "1"}},
            }))
            .unwrap();
        inv.apply(crate::model::Change::Applied(Object::ResourceQuota(
            crate::model::QuotaInfo::from_quota(&quota),
        )));
        inv
    }

    fn tenant() -> Tenant {
        Tenant {
            id: TenantId::new("a"),
            source: "label".into(),
            namespaces: vec!["a-1".into(), "a-2".into()],
            owners: vec![],
        }
    }

    fn q(s: &str) -> Quantity {
        parse_quantity(s).unwrap()
    }

    #[test]
    fn keeps_every_other_key_and_creates_a_quota_where_there_is_none() {
        let plan = plan_quota(
            &inventory(),
            &tenant(),
            &[],
            None,
            &[("pods".into(), q("5"))],
        )
        .unwrap();
        assert_eq!(plan.objects.len(), 2);
        assert_eq!(plan.objects[0]["metadata"]["name"], "compute");
        assert_eq!(plan.objects[0]["spec"]["hard"]["requests.cpu"], "2");
        assert_eq!(plan.objects[0]["spec"]["hard"]["pods"], "5");
        assert_eq!(plan.objects[1]["metadata"]["name"], DEFAULT_QUOTA_NAME);
        assert_eq!(plan.changes[0].before, Some(q("10")));
        assert!(plan.changes[0].below_use());
        let warnings = plan.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("pods 5 in a-1 is below what is already used (8)"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_named_quota_must_exist_unless_created() {
        let named = |create| {
            Some(QuotaName {
                name: "nosuch",
                create,
            })
        };
        let pods = [("pods".to_string(), q("5"))];
        let err = plan_quota(&inventory(), &tenant(), &[], named(false), &pods).unwrap_err();
        assert_eq!(
            err,
            "a-1 has no ResourceQuota nosuch (it has compute); check the name, or add \
             --create to create it"
        );
        let plan = plan_quota(&inventory(), &tenant(), &[], named(true), &pods).unwrap();
        assert_eq!(plan.objects[0]["metadata"]["name"], "nosuch");
        let existing = Some(QuotaName {
            name: "compute",
            create: false,
        });
        let plan = plan_quota(&inventory(), &tenant(), &["a-1".into()], existing, &pods).unwrap();
        assert_eq!(plan.objects[0]["spec"]["hard"]["requests.cpu"], "2");
    }

    #[test]
    fn namespaces_outside_the_tenant_are_refused() {
        let err = plan_quota(&inventory(), &tenant(), &["b".into()], None, &[]).unwrap_err();
        assert!(err.contains("b is not a namespace of tenant a"), "{err}");
        let plan = plan_quota(
            &inventory(),
            &tenant(),
            &["a-2".into()],
            None,
            &[("pods".into(), q("1"))],
        )
        .unwrap();
        assert_eq!(plan.objects.len(), 1);
    }

    // ---- Capsule tenants ----

    use crate::model::{CapsuleTenantInfo, Change, Kind, Scope, SyncState};
    use serde_json::json;

    fn capsule_object(name: &str, resource_quotas: Option<Value>) -> Object {
        let mut spec = json!({"owners": [{"kind": "User", "name": "alice"}]});
        if let Some(rq) = resource_quotas {
            spec["resourceQuotas"] = rq;
        }
        let obj: kube::core::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "capsule.clastix.io/v1beta2",
            "kind": "Tenant",
            "metadata": {"name": name},
            "spec": spec,
            "status": {"state": "Active", "size": 2, "namespaces": ["oil-a", "oil-b"]},
        }))
        .unwrap();
        Object::CapsuleTenant(CapsuleTenantInfo::from_dynamic(&obj))
    }

    /// A quota as Capsule keeps it in a namespace, with what is used.
    fn reconciled(ns: &str, name: &str, hard: Value, used: Value) -> Object {
        let quota: k8s_openapi::api::core::v1::ResourceQuota = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": ns},
            "spec": {"hard": hard},
            "status": {"hard": hard, "used": used},
        }))
        .unwrap();
        Object::ResourceQuota(crate::model::QuotaInfo::from_quota(&quota))
    }

    fn oil_quotas() -> Value {
        json!({
            "scope": "Tenant",
            "items": [
                {"hard": {"pods": "10", "requests.cpu": "2"}, "scopes": ["NotTerminating"]},
                {"hard": {"services": "50", "requests.memory": "1.5Gi"}},
            ]
        })
    }

    /// Capsule tenant `oil`: its Tenant object with `resource_quotas`, two
    /// namespaces with the quotas Capsule reconciled (pods: 4 and 5 used).
    fn capsule_inventory(resource_quotas: Option<Value>) -> Inventory {
        let mut inv = Inventory::default();
        inv.apply(Change::Applied(capsule_object("oil", resource_quotas)));
        inv.apply(Change::Applied(reconciled(
            "oil-a",
            "capsule-oil-0",
            json!({"pods": "10", "requests.cpu": "2"}),
            json!({"pods": "4", "requests.cpu": "500m"}),
        )));
        inv.apply(Change::Applied(reconciled(
            "oil-b",
            "capsule-oil-0",
            json!({"pods": "10", "requests.cpu": "2"}),
            json!({"pods": "5", "requests.cpu": "1"}),
        )));
        inv.apply(Change::Applied(reconciled(
            "oil-b",
            "capsule-oil-1",
            json!({"services": "50"}),
            json!({"services": "3"}),
        )));
        inv.set_sync(Kind::CapsuleTenant, Scope::Cluster, SyncState::Synced);
        inv
    }

    fn capsule_tenant_named(name: &str, source: &str) -> Tenant {
        Tenant {
            id: TenantId::new(name),
            source: source.into(),
            namespaces: vec![format!("{name}-a"), format!("{name}-b")],
            owners: vec![],
        }
    }

    fn oil() -> Tenant {
        capsule_tenant_named("oil", "capsule")
    }

    #[test]
    fn a_capsule_tenant_gets_its_tenant_object_with_every_item() {
        let inv = capsule_inventory(Some(oil_quotas()));
        let plan = plan_quota(&inv, &oil(), &[], None, &[("pods".into(), q("7"))]).unwrap();
        assert_eq!(plan.objects.len(), 1, "one object, no ResourceQuotas");
        let tenant = &plan.objects[0];
        assert_eq!(tenant["apiVersion"], "capsule.clastix.io/v1beta2");
        assert_eq!(tenant["kind"], "Tenant");
        assert_eq!(tenant["metadata"], json!({"name": "oil"}));
        // The whole list: items is atomic, what is left out is removed.
        assert_eq!(
            tenant["spec"],
            json!({"resourceQuotas": {
                "scope": "Tenant",
                "items": [
                    {"hard": {"pods": "7", "requests.cpu": "2"}, "scopes": ["NotTerminating"]},
                    // As written, not rewritten to 1536Mi.
                    {"hard": {"services": "50", "requests.memory": "1.5Gi"}},
                ]
            }})
        );
        assert_eq!(plan.capsule_tenant.as_deref(), Some("oil"));
        assert_eq!(plan.changes.len(), 1);
        let change = &plan.changes[0];
        assert_eq!(change.target(), "Tenant oil spec.resourceQuotas.items[0]");
        assert_eq!(change.quota, "capsule-oil-0");
        assert_eq!(change.before, Some(q("10")));
        // Scope Tenant: 4 + 5 pods over both namespaces.
        assert_eq!(change.used, Some(q("9")));
        assert_eq!(
            plan.warnings(),
            vec![
                "pods 7 on Tenant oil (spec.resourceQuotas.items[0], for all its namespaces \
                 together) is below what they already use together (9); running pods stay, new \
                 ones are refused until usage drops"
                    .to_string()
            ]
        );
        let note = plan.target_note().unwrap();
        assert!(
            note.contains("Tenant oil spec.resourceQuotas, scope Tenant"),
            "{note}"
        );

        // Above the summed use: no warning, though each namespace's
        // reconciled hard (10) is above it too.
        let plan = plan_quota(&inv, &oil(), &[], None, &[("pods".into(), q("9"))]).unwrap();
        assert!(plan.warnings().is_empty(), "{:?}", plan.warnings());
    }

    #[test]
    fn each_resource_goes_to_the_first_item_that_has_it_else_the_first() {
        let inv = capsule_inventory(Some(oil_quotas()));
        let plan = plan_quota(
            &inv,
            &oil(),
            &[],
            None,
            &[
                ("services".into(), q("60")),
                ("requests.memory".into(), q("2Gi")),
                ("limits.memory".into(), q("4Gi")),
            ],
        )
        .unwrap();
        let items = &plan.objects[0]["spec"]["resourceQuotas"]["items"];
        assert_eq!(
            items,
            &json!([
                {"hard": {"pods": "10", "requests.cpu": "2", "limits.memory": "4Gi"},
                 "scopes": ["NotTerminating"]},
                {"hard": {"services": "60", "requests.memory": "2Gi"}},
            ])
        );
        let at: Vec<(usize, &str)> = plan
            .changes
            .iter()
            .map(|c| (c.capsule.as_ref().unwrap().item, c.quota.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![
                (1, "capsule-oil-1"),
                (1, "capsule-oil-1"),
                (0, "capsule-oil-0")
            ]
        );
        assert_eq!(plan.changes[0].used, Some(q("3")));
        assert_eq!(plan.changes[2].before, None);
        assert_eq!(plan.changes[2].used, None);
    }

    #[test]
    fn a_tenant_without_items_gets_one() {
        for quotas in [
            None,
            Some(json!({"scope": "Tenant"})),
            Some(json!({"items": []})),
        ] {
            let inv = capsule_inventory(quotas.clone());
            let plan = plan_quota(&inv, &oil(), &[], None, &[("pods".into(), q("3"))]).unwrap();
            let rq = &plan.objects[0]["spec"]["resourceQuotas"];
            assert_eq!(rq["items"], json!([{"hard": {"pods": "3"}}]), "{quotas:?}");
            // The scope is sent only when the Tenant has one: Capsule's
            // default stays Capsule's.
            assert_eq!(
                rq.get("scope").is_some(),
                quotas.as_ref().is_some_and(|q| q.get("scope").is_some()),
                "{quotas:?}"
            );
            assert_eq!(plan.changes[0].before, None);
        }
    }

    #[test]
    fn scope_namespace_compares_with_the_namespace_that_uses_most() {
        let inv = capsule_inventory(Some(json!({
            "scope": "Namespace",
            "items": [{"hard": {"pods": "10", "requests.cpu": "2"}}],
        })));
        let plan = plan_quota(
            &inv,
            &oil(),
            &[],
            None,
            &[("pods".into(), q("5")), ("requests.cpu".into(), q("900m"))],
        )
        .unwrap();
        assert_eq!(
            plan.objects[0]["spec"]["resourceQuotas"]["scope"],
            "Namespace"
        );
        let pods = &plan.changes[0];
        assert_eq!(
            (pods.namespace.as_str(), pods.used.clone()),
            ("oil-b", Some(q("5")))
        );
        assert!(!pods.below_use(), "5 pods allowed in each, oil-b uses 5");
        let cpu = &plan.changes[1];
        assert_eq!(
            (cpu.namespace.as_str(), cpu.used.clone()),
            ("oil-b", Some(q("1")))
        );
        assert_eq!(
            plan.warnings(),
            vec![
                "requests.cpu 900m on Tenant oil (spec.resourceQuotas.items[0], for each \
                 namespace) is below what oil-b already uses (1); running pods stay, new ones \
                 are refused until usage drops"
                    .to_string()
            ]
        );
        assert!(plan.target_note().unwrap().contains("scope Namespace"));
    }

    #[test]
    fn without_the_reconciled_quotas_there_is_no_use_to_compare() {
        let mut inv = Inventory::default();
        inv.apply(Change::Applied(capsule_object("oil", Some(oil_quotas()))));
        // A quota of another name does not count.
        inv.apply(Change::Applied(reconciled(
            "oil-a",
            "compute",
            json!({"pods": "10"}),
            json!({"pods": "8"}),
        )));
        let plan = plan_quota(&inv, &oil(), &[], None, &[("pods".into(), q("1"))]).unwrap();
        assert_eq!(plan.changes[0].used, None);
        assert!(plan.warnings().is_empty());
    }

    #[test]
    fn a_namespace_or_a_quota_name_is_refused_for_a_capsule_tenant() {
        let inv = capsule_inventory(Some(oil_quotas()));
        let err = plan_quota(
            &inv,
            &oil(),
            &["oil-a".into()],
            None,
            &[("pods".into(), q("7"))],
        )
        .unwrap_err();
        assert!(err.contains("tenant oil is a Capsule tenant"), "{err}");
        assert!(err.contains("Tenant oil spec.resourceQuotas"), "{err}");
        assert!(err.contains("leave out -n/--namespace"), "{err}");
        let err = plan_quota(
            &inv,
            &oil(),
            &[],
            Some(QuotaName {
                name: "compute",
                create: false,
            }),
            &[("pods".into(), q("7"))],
        )
        .unwrap_err();
        assert!(
            err.contains("not on a ResourceQuota such as compute"),
            "{err}"
        );
        assert!(err.contains("leave out --quota"), "{err}");
    }

    #[test]
    fn invalid_values_on_the_tenant_are_kept_and_said() {
        let inv = capsule_inventory(Some(json!({
            "scope": "Tenant",
            "items": [{"hard": {"pods": "10", "services": "lots", "secrets": 20}}],
        })));
        let plan = plan_quota(&inv, &oil(), &[], None, &[("pods".into(), q("12"))]).unwrap();
        assert_eq!(
            plan.objects[0]["spec"]["resourceQuotas"]["items"][0]["hard"],
            json!({"pods": "12", "services": "lots", "secrets": "20"})
        );
        let warnings = plan.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "Tenant oil spec.resourceQuotas.items[0].hard services is \"lots\", which is not a quantity"
            ),
            "{warnings:?}"
        );
        assert!(
            warnings[0].ends_with("it is sent back as it is"),
            "{warnings:?}"
        );

        // Setting it replaces the bad value, in the item that had it.
        let plan = plan_quota(&inv, &oil(), &[], None, &[("services".into(), q("40"))]).unwrap();
        assert_eq!(
            plan.objects[0]["spec"]["resourceQuotas"]["items"][0]["hard"]["services"],
            "40"
        );
        assert!(plan.warnings().is_empty(), "{:?}", plan.warnings());
        assert_eq!(plan.changes[0].before, None);
    }

    #[test]
    fn an_unreadable_resource_quotas_is_refused_with_what_to_fix() {
        let inv = capsule_inventory(Some(json!([{"hard": {"pods": "1"}}])));
        let err = plan_quota(&inv, &oil(), &[], None, &[("pods".into(), q("7"))]).unwrap_err();
        assert!(err.contains("spec.resourceQuotas is a list"), "{err}");
        assert!(
            err.contains("kubectl edit tenants.capsule.clastix.io oil"),
            "{err}"
        );
    }

    #[test]
    fn a_capsule_label_without_a_tenant_object_keeps_per_namespace_quotas() {
        // `umbrella` in the demo: namespaces labelled for Capsule, no Tenant.
        let mut inv = capsule_inventory(Some(oil_quotas()));
        let umbrella = capsule_tenant_named("umbrella", "capsule");
        let plan = plan_quota(&inv, &umbrella, &[], None, &[("pods".into(), q("2"))]).unwrap();
        assert_eq!(plan.objects.len(), 2);
        assert!(plan.objects.iter().all(|o| o["kind"] == "ResourceQuota"));
        assert_eq!(plan.objects[0]["metadata"]["namespace"], "umbrella-a");
        assert_eq!(plan.capsule_tenant, None);
        assert_eq!(plan.target_note(), None);
        assert!(plan.changes.iter().all(|c| c.capsule.is_none()));
        assert!(plan.warnings().is_empty());
        let plan = plan_quota(
            &inv,
            &umbrella,
            &["umbrella-b".into()],
            None,
            &[("pods".into(), q("2"))],
        )
        .unwrap();
        assert_eq!(plan.objects.len(), 1);

        // When Tenant objects cannot be read, the plan says what that means.
        inv.set_sync(
            Kind::CapsuleTenant,
            Scope::Cluster,
            SyncState::NoAccess {
                reason: "tenants.capsule.clastix.io is forbidden".into(),
            },
        );
        let plan = plan_quota(&inv, &umbrella, &[], None, &[("pods".into(), q("2"))]).unwrap();
        assert_eq!(plan.objects.len(), 2);
        let warnings = plan.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("could not be read (tenants.capsule.clastix.io is forbidden)"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_tenant_object_counts_only_for_a_capsule_resolved_tenant() {
        // Resolved by the label resolver first: its quotas are
        // ResourceQuotas, whatever a Tenant of the same name says.
        let inv = capsule_inventory(Some(oil_quotas()));
        let by_label = capsule_tenant_named("oil", "label");
        let plan = plan_quota(
            &inv,
            &by_label,
            &["oil-a".into()],
            None,
            &[("pods".into(), q("7"))],
        )
        .unwrap();
        assert_eq!(plan.objects.len(), 1);
        assert_eq!(plan.objects[0]["kind"], "ResourceQuota");
        assert_eq!(plan.objects[0]["metadata"]["name"], "capsule-oil-0");
        assert_eq!(plan.capsule_tenant, None);
    }
}

#[cfg(test)]
mod object_tests {
    use super::*;
    use crate::model::quantity::parse_quantity;
    use crate::model::quota_objects::tests::{label, world};
    use crate::model::tenant::{Resolution, TenantId, resolve_inventory};
    use serde_json::json;

    fn setup() -> (Inventory, Resolution) {
        let inv = world();
        let res = resolve_inventory(&inv, &[label()], &[]);
        (inv, res)
    }

    fn set(pairs: &[(&str, &str)]) -> Vec<(String, Quantity)> {
        pairs
            .iter()
            .map(|(r, q)| (r.to_string(), parse_quantity(q).unwrap()))
            .collect()
    }

    fn plan(
        tenant: &str,
        target: &str,
        flavor: Option<&str>,
        pairs: &[(&str, &str)],
    ) -> Result<QuotaPlan, String> {
        let (inv, res) = setup();
        let t = res.tenant(&TenantId::new(tenant)).unwrap().clone();
        let target = ObjectTarget::parse(target)?;
        plan_object_quota(&inv, &res, &t, &target, flavor, &set(pairs))
    }

    #[test]
    fn targets_parse() {
        assert_eq!(
            ObjectTarget::parse("hrq/acme/q").unwrap(),
            ObjectTarget {
                kind: Kind::HierarchicalResourceQuota,
                namespace: Some("acme".into()),
                name: "q".into()
            }
        );
        assert_eq!(
            ObjectTarget::parse("ClusterQueue/team").unwrap().kind,
            Kind::KueueClusterQueue
        );
        assert!(ObjectTarget::parse("crq/a/b").is_err());
        assert!(ObjectTarget::parse("hrq/q").is_err());
        assert!(ObjectTarget::parse("pod/x").is_err());
        assert!(ObjectTarget::parse("crq/").is_err());
    }

    #[test]
    fn an_hrq_gets_its_whole_hard_map_and_a_below_use_warning() {
        let p = plan(
            "a",
            "hrq/a-1/tree",
            None,
            &[("pods", "5"), ("requests.cpu", "2")],
        )
        .unwrap();
        assert_eq!(
            p.objects,
            vec![json!({
                "apiVersion": "hnc.x-k8s.io/v1alpha2", "kind": "HierarchicalResourceQuota",
                "metadata": {"name": "tree", "namespace": "a-1"},
                "spec": {"hard": {"pods": "5", "requests.cpu": "2"}}
            })]
        );
        assert_eq!(p.changes[0].before, Some(Quantity::from_units(10)));
        assert_eq!(p.changes[0].target(), "HierarchicalResourceQuota a-1/tree");
        let warnings = p.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("pods 5 on HierarchicalResourceQuota a-1/tree"),
            "{warnings:?}"
        );
        assert!(p.target_note().unwrap().contains("covers no other tenant"));
    }

    #[test]
    fn a_shared_crq_names_the_other_tenants() {
        let p = plan("a", "crq/both", None, &[("pods", "30")]).unwrap();
        assert_eq!(
            p.objects[0]["spec"],
            json!({"quota": {"hard": {"pods": "30"}}})
        );
        let note = p.target_note().unwrap();
        assert!(note.contains("SHARED with tenant b"), "{note}");
        assert!(p.object.as_ref().unwrap().cluster_scoped);
    }

    #[test]
    fn a_cluster_queue_changes_one_flavors_nominal_quota() {
        let p = plan("b", "clusterqueue/b-queue", None, &[("cpu", "2")]).unwrap();
        assert_eq!(
            p.objects[0]["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0],
            json!({"name": "cpu", "nominalQuota": "2"})
        );
        assert_eq!(
            p.objects[0]["spec"]["resourceGroups"][0]["coveredResources"],
            json!(["cpu"])
        );
        assert_eq!(p.changes[0].resource, "cpu [default]");
        // 3 reserved, 2 nominal: below use.
        assert_eq!(p.warnings().len(), 1);
        assert!(
            plan("b", "cq/b-queue", None, &[("cpu@default", "8")])
                .unwrap()
                .warnings()
                .is_empty()
        );
        let err = plan("b", "cq/b-queue", Some("spot"), &[("cpu", "8")]).unwrap_err();
        assert!(err.contains("no cpu in flavor spot"), "{err}");
        let err = plan("b", "cq/b-queue", None, &[("memory", "8Gi")]).unwrap_err();
        assert!(err.contains("never adds a resource"), "{err}");
    }

    #[test]
    fn a_hostile_local_queue_does_not_steer_the_write() {
        // Tenant a has a LocalQueue naming b's ClusterQueue, which does not
        // admit a's namespaces: refused before anything is built.
        let err = plan("a", "clusterqueue/b-queue", None, &[("cpu", "100")]).unwrap_err();
        assert!(err.contains("ClusterQueue b-queue"), "{err}");
        assert!(err.contains("not one of tenant a's quota objects"), "{err}");
        // Nor can a reach b's objects by naming them.
        assert!(plan("b", "hrq/a-1/tree", None, &[("pods", "1")]).is_err());
    }
}
