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
            });
        }
        let hard: serde_json::Map<String, Value> = hard
            .iter()
            .map(|(r, q)| (r.clone(), Value::String(q.canonical())))
            .collect();
        plan.objects.push(serde_json::json!({
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {
                "name": target,
                "namespace": ns,
                "labels": {
                    MANAGED_BY_LABEL: "tenantry",
                    TENANT_LABEL: tenant.id.as_str(),
                },
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
