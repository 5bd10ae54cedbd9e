//! The pieces of the write forms: which fields a form has and the checks
//! each field's value goes through as the user types.

use kube::core::DynamicObject;

use super::*;

/// Where a template's objects land: inside the tenant, or where its
/// `reaches` says; the marks for the preview, or the refusal. The console
/// knows the scope of the built-in kinds only (the CLI asks discovery for
/// the others).
pub(super) fn within_tenant(
    objects: &[DynamicObject],
    tenant: &str,
    namespaces: &[String],
    template: &Template,
) -> Result<Vec<ObjectMark>, String> {
    check_reach(objects, tenant, namespaces, &template.reaches, &known_scope).map_err(|refusal| {
        format!(
            "refused, outside the tenant: {refusal}{}; nothing was sent",
            if refusal.scope_unknown {
                " (the console knows the built-in kinds; `tenantry apply` asks the API server about the others)"
            } else {
                ""
            }
        )
    })
}

pub(super) fn visible_tenant<'a>(
    ctx: &'a FormContext<'_>,
    id: &TenantId,
) -> Result<&'a Tenant, String> {
    ctx.resolution
        .tenant(id)
        .ok_or_else(|| format!("tenant {id} is no longer visible"))
}

pub(super) fn template_names(catalogue: &Catalogue) -> String {
    catalogue
        .templates
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn param_fields(template: Option<&Template>, keep: &[(String, String)]) -> Vec<Field> {
    let Some(template) = template else {
        return Vec::new();
    };
    template
        .parameters
        .iter()
        .map(|p| {
            let kept = keep
                .iter()
                .find(|(n, _)| n == &p.name)
                .map(|(_, v)| v.as_str());
            Field::new(
                FieldRole::Param(p.name.clone()),
                p.name.clone(),
                p.description.clone(),
                kept.or(p.default.as_deref()).unwrap_or_default(),
            )
        })
        .collect()
}

/// One row per resource the scope's quotas limit, with the current hard
/// limit when it is the same in every namespace of the scope.
pub(super) fn quota_fields(
    ctx: &FormContext<'_>,
    tenant: &Tenant,
    only: Option<&str>,
) -> Vec<Field> {
    if let Some(capsule) = capsule_tenant(ctx, tenant) {
        return capsule_quota_fields(ctx, tenant, capsule);
    }
    let mut hard: BTreeMap<String, Vec<Quantity>> = BTreeMap::new();
    let mut used: BTreeMap<String, Quantity> = BTreeMap::new();
    let namespaces: Vec<&String> = tenant
        .namespaces
        .iter()
        .filter(|n| only.is_none_or(|o| o == n.as_str()))
        .collect();
    for ns in &namespaces {
        for quota in ctx.inventory.quotas_in(ns) {
            for (resource, q) in &quota.spec_hard {
                hard.entry(resource.clone()).or_default().push(q.clone());
            }
            if quota.status_filled {
                for (resource, u) in &quota.used {
                    // The most used namespace is the one a lower limit hurts.
                    let e = used.entry(resource.clone()).or_insert_with(|| u.clone());
                    if u > e {
                        *e = u.clone();
                    }
                }
            }
        }
    }
    let mut fields: Vec<Field> = hard
        .into_iter()
        .map(|(resource, values)| {
            let same = values.windows(2).all(|w| w[0] == w[1]) && values.len() == namespaces.len();
            let current = same.then(|| values[0].clone());
            let busiest = if namespaces.len() > 1 {
                " in the busiest namespace"
            } else {
                ""
            };
            let hint = match (&current, used.get(&resource)) {
                (Some(c), Some(u)) => format!(
                    "now {}, used {}{busiest}",
                    c.format_for(&resource),
                    u.format_for(&resource)
                ),
                (Some(c), None) => format!("now {}", c.format_for(&resource)),
                (None, _) => {
                    let shown: Vec<String> =
                        values.iter().map(|v| v.format_for(&resource)).collect();
                    format!("differs per namespace: {}", shown.join(" / "))
                }
            };
            let value = current
                .as_ref()
                .map(|c| c.format_for(&resource))
                .unwrap_or_default();
            Field::new(
                FieldRole::Quota {
                    used: used.get(&resource).cloned(),
                    current,
                    resource: resource.clone(),
                },
                resource,
                hint,
                &value,
            )
        })
        .collect();
    fields.push(new_quota_field());
    fields
}

/// The Capsule Tenant object holding this tenant's quotas, when there is
/// one: quota changes go to it (see `model::quota_edit`).
pub(super) fn capsule_tenant<'a>(
    ctx: &'a FormContext<'_>,
    tenant: &Tenant,
) -> Option<&'a crate::model::CapsuleTenantInfo> {
    crate::model::quota_edit::capsule_quota_holder(ctx.inventory, tenant)
}

/// Quota rows of a Capsule tenant: the hard limits of its Tenant object's
/// items (the first item naming a resource is the one a change goes to),
/// with what Capsule's quotas report as used.
pub(super) fn capsule_quota_fields(
    ctx: &FormContext<'_>,
    tenant: &Tenant,
    capsule: &crate::model::CapsuleTenantInfo,
) -> Vec<Field> {
    let per_namespace = capsule.resource_quotas.scope.as_deref() == Some("Namespace");
    let mut seen: Vec<String> = Vec::new();
    let mut fields = Vec::new();
    for (index, item) in capsule.resource_quotas.items.iter().enumerate() {
        for (resource, current) in &item.hard {
            if seen.contains(resource) {
                continue;
            }
            seen.push(resource.clone());
            let (_, used) = crate::model::quota_edit::capsule_use(
                ctx.inventory,
                tenant,
                &capsule.name,
                index,
                resource,
                per_namespace,
            );
            let hint = match &used {
                Some(u) => format!(
                    "Tenant item {index}: now {}, used {}",
                    current.format_for(resource),
                    u.format_for(resource)
                ),
                None => format!("Tenant item {index}: now {}", current.format_for(resource)),
            };
            fields.push(Field::new(
                FieldRole::Quota {
                    resource: resource.clone(),
                    current: Some(current.clone()),
                    used,
                },
                resource.clone(),
                hint,
                &current.format_for(resource),
            ));
        }
    }
    fields.push(new_quota_field());
    fields
}

/// The row that adds a resource to the quota.
pub(super) fn new_quota_field() -> Field {
    Field::new(
        FieldRole::NewQuota,
        "Add",
        "RESOURCE=QUANTITY, e.g. services.loadbalancers=0",
        "",
    )
}

/// Position of the first character a DNS label cannot hold.
pub(super) fn bad_position(value: &str) -> Option<usize> {
    value
        .chars()
        .position(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}

pub(super) fn check_owners(value: &str, template: Option<&Template>) -> Option<Problem> {
    let mut offset = 0;
    let mut any = false;
    for part in value.split(',') {
        let start = offset + part.chars().take_while(|c| c.is_whitespace()).count();
        offset += part.chars().count() + 1;
        if part.trim().is_empty() {
            continue;
        }
        any = true;
        if let Err(e) = parse_owner(part.trim()) {
            return Some(Problem::error(e, Some(start)));
        }
    }
    (!any && template.is_some_and(Template::uses_owners)).then(|| {
        Problem::error(
            "name at least one owner: the template binds the owner as namespace admin",
            None,
        )
    })
}

pub(super) fn check_namespaces(
    value: &str,
    tenant_name: &str,
    tenant: Option<&Tenant>,
    resolution: &Resolution,
) -> Option<Problem> {
    let mut offset = 0;
    let mut any = false;
    for part in value.split(',') {
        let start = offset + part.chars().take_while(|c| c.is_whitespace()).count();
        offset += part.chars().count() + 1;
        let ns = part.trim();
        if ns.is_empty() {
            continue;
        }
        any = true;
        if let Err(e) = check_dns_label(ns, "namespace") {
            return Some(Problem::error(e, bad_position(ns).map(|p| start + p)));
        }
        if let Err(e) = crate::model::tenant::check_not_system_namespace(ns) {
            return Some(Problem::error(e, Some(start)));
        }
        match tenant {
            Some(t) if !t.namespaces.iter().any(|n| n == ns) => {
                return Some(Problem::error(
                    format!("{ns} is not a namespace of {}", t.id),
                    Some(start),
                ));
            }
            Some(_) => {}
            None => {
                if let Some(owner) = resolution.tenant_of(ns).map(|t| &t.id)
                    && owner.as_str() != tenant_name.trim()
                {
                    return Some(Problem::error(
                        format!("{ns} belongs to tenant {owner}"),
                        Some(start),
                    ));
                }
            }
        }
    }
    (!any && tenant.is_some()).then(|| Problem::error("name at least one namespace", None))
}

/// A new limit: a quantity, and a warning when it is changed to below what
/// is used (an unchanged limit already below use is the quota tab's news).
pub(super) fn check_quota_value(
    value: &str,
    resource: &str,
    current: Option<&Quantity>,
    used: Option<&Quantity>,
) -> Option<Problem> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let lead = value.chars().take_while(|c| c.is_whitespace()).count();
    match parse_quantity(v) {
        Err(e) => Some(Problem::error(
            e.to_string(),
            e.position().map(|p| p + lead),
        )),
        Ok(q) if current == Some(&q) => None,
        Ok(q) if crate::model::quantity::unit_advice(resource, &q).is_some() => {
            crate::model::quantity::unit_advice(resource, &q).map(|(refused, why)| {
                if refused {
                    Problem::error(why, None)
                } else {
                    Problem::warning(why)
                }
            })
        }
        Ok(q) => used.filter(|u| &&q < u).map(|u| {
            Problem::warning(format!(
                "below what is used ({}): new pods are refused until usage drops",
                u.format_for(resource)
            ))
        }),
    }
}

pub(super) fn check_new_quota(value: &str) -> Option<Problem> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let Some((resource, quantity)) = v.split_once('=') else {
        return Some(Problem::error("write RESOURCE=QUANTITY", None));
    };
    if resource.trim().is_empty() {
        return Some(Problem::error("name the resource before '='", Some(0)));
    }
    let lead = value.chars().take_while(|c| c.is_whitespace()).count();
    let at = lead + resource.chars().count() + 1;
    let q = quantity.trim_start();
    let skipped = quantity.chars().count() - q.chars().count();
    match parse_quantity(q.trim_end()) {
        Err(e) => Some(Problem::error(
            e.to_string(),
            e.position().map(|p| at + skipped + p),
        )),
        Ok(q) => crate::model::quantity::unit_advice(resource.trim(), &q).map(|(refused, why)| {
            if refused {
                Problem::error(why, None)
            } else {
                Problem::warning(why)
            }
        }),
    }
}

/// The tenant's quota objects that spans namespaces, as the Namespace
/// field takes them: `hrq/NS/NAME`, `crq/NAME`, `clusterqueue/NAME`.
pub(super) fn object_targets(ctx: &FormContext<'_>, tenant: &Tenant) -> Vec<String> {
    use crate::model::Kind;
    crate::model::quota_objects::tenant_quota_objects(ctx.inventory, ctx.resolution, tenant)
        .objects
        .iter()
        .filter_map(|o| match (o.kind, &o.namespace) {
            (Kind::HierarchicalResourceQuota, Some(ns)) => Some(format!("hrq/{ns}/{}", o.name)),
            (Kind::ClusterResourceQuota, _) => Some(format!("crq/{}", o.name)),
            (Kind::KueueClusterQueue, _) => Some(format!("clusterqueue/{}", o.name)),
            _ => None,
        })
        .collect()
}

/// One row per limit of a quota object that spans namespaces (a
/// ClusterQueue: `RESOURCE@FLAVOR`, its nominal quota against what is
/// reserved); `None` when it is not one of the tenant's.
pub(super) fn object_quota_fields(
    ctx: &FormContext<'_>,
    tenant: &Tenant,
    target: &crate::model::quota_edit::ObjectTarget,
) -> Option<Vec<Field>> {
    let objects =
        crate::model::quota_objects::tenant_quota_objects(ctx.inventory, ctx.resolution, tenant)
            .objects;
    let view =
        crate::model::reach::quota_object_reach(&objects, tenant.id.as_str(), target).ok()?;
    let row = |resource: String, current: Option<Quantity>, used: Option<Quantity>, unit: &str| {
        let hint = match (&current, &used) {
            (Some(c), Some(u)) => {
                format!("now {}, used {}", c.format_for(unit), u.format_for(unit))
            }
            (Some(c), None) => format!("now {}", c.format_for(unit)),
            (None, _) => "not set".to_string(),
        };
        let value = current
            .as_ref()
            .map(|c| c.format_for(unit))
            .unwrap_or_default();
        Field::new(
            FieldRole::Quota {
                used,
                current,
                resource: resource.clone(),
            },
            resource,
            hint,
            &value,
        )
    };
    let mut fields: Vec<Field> = match &view.queue {
        Some(queue) => queue
            .rows
            .iter()
            .map(|r| {
                let used = (!view.pending).then(|| r.reserved.clone().unwrap_or_default());
                row(
                    format!("{}@{}", r.resource, r.flavor),
                    r.nominal.clone(),
                    used,
                    &r.resource,
                )
            })
            .collect(),
        None => view
            .resources
            .iter()
            .map(|u| {
                row(
                    u.resource.clone(),
                    Some(u.hard.clone()),
                    u.used.clone(),
                    &u.resource,
                )
            })
            .collect(),
    };
    if view.queue.is_none() {
        fields.push(new_quota_field());
    }
    Some(fields)
}
