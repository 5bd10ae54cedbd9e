//! `tenantry templates`, `tenantry create` and `tenantry apply`: templates
//! rendered locally (every bad value refused before anything is sent), then
//! the shared write path of [`super::write_cmd`].

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use kube::Api;
use serde::Serialize;

use super::GlobalArgs;
use super::output::{self, Format};
use super::write_cmd::{self, Detail, UsageError};
use crate::kube::client::Connection;
use crate::model::TenantId;
use crate::model::reach::{Reach, check_reach, known_scope};
use crate::model::template::{
    BUILTIN_PARAMETERS, Catalogue, Parameter, Source, Target, Template, check_dns_label,
    parse_owner, screen_owners, tenant_label_for,
};
use crate::model::text::{sanitize, sanitize_text};

/// The catalogue: built-ins and `templates/` in the config dir.
pub fn catalogue() -> Catalogue {
    let paths = crate::config::Paths::from_process();
    Catalogue::load(paths.config.map(|c| c.join("templates")).as_deref())
}

fn template<'a>(catalogue: &'a Catalogue, name: &str) -> Result<&'a Template> {
    catalogue
        .get(name)
        .map_err(|e| UsageError(e.to_string()).into())
}

#[derive(Serialize)]
struct TemplateOut<'a> {
    name: &'a str,
    description: &'a str,
    source: &'a Source,
    parameters: &'a [Parameter],
    reaches: &'a [Reach],
}

#[derive(Serialize)]
struct TemplatesOut<'a> {
    templates: Vec<TemplateOut<'a>>,
    builtin_parameters: BTreeMap<&'static str, &'static str>,
    broken: Vec<String>,
}

/// `tenantry templates [-o table|json|yaml]`.
pub fn templates(format: Format) -> Result<i32> {
    let catalogue = catalogue();
    for (_, err) in &catalogue.broken {
        eprintln!("tenantry: warning: template {}", sanitize(&err.to_string()));
    }
    let out = TemplatesOut {
        templates: catalogue
            .templates
            .iter()
            .map(|t| TemplateOut {
                name: &t.name,
                description: &t.description,
                source: &t.source,
                parameters: &t.parameters,
                reaches: &t.reaches,
            })
            .collect(),
        builtin_parameters: BUILTIN_PARAMETERS.into_iter().collect(),
        broken: catalogue
            .broken
            .iter()
            .map(|(_, e)| e.to_string())
            .collect(),
    };
    if format != Format::Table {
        print!("{}", sanitize_text(&output::serialize(&out, format)?));
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = catalogue
        .templates
        .iter()
        .map(|t| vec![t.name.clone(), t.source.to_string(), t.description.clone()])
        .collect();
    let mut text = output::table(&["TEMPLATE", "SOURCE", "DESCRIPTION"], &rows);
    for t in &catalogue.templates {
        if t.parameters.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{} parameters:\n", sanitize(&t.name)));
        let rows: Vec<Vec<String>> = t
            .parameters
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    match (&p.default, p.required) {
                        (Some(d), _) => d.clone(),
                        (None, true) => "(required)".into(),
                        (None, false) => "(empty)".into(),
                    },
                    p.validation.clone().unwrap_or_default(),
                    p.description.clone(),
                ]
            })
            .collect();
        text.push_str(&output::table(
            &["  NAME", "DEFAULT", "VALIDATION", "DESCRIPTION"],
            &indent(rows),
        ));
    }
    text.push_str(&format!(
        "\nbuilt-in parameters, filled by tenantry: {}\n",
        BUILTIN_PARAMETERS.map(|(n, _)| n).join(", ")
    ));
    print!("{}", sanitize_text(&text));
    Ok(0)
}

fn indent(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    for row in &mut rows {
        if let Some(first) = row.first_mut() {
            *first = format!("  {first}");
        }
    }
    rows
}

/// `--owner` values, each `user:`, `group:` or `serviceaccount:NS:`.
fn parse_owners(owners: &[String]) -> Result<Vec<crate::model::Subject>, UsageError> {
    owners
        .iter()
        .map(|o| parse_owner(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError)
}

/// A template write about to be checked by [`check_bounds`].
#[derive(Clone, Copy)]
struct BoundedWrite<'a> {
    connection: &'a Connection,
    user: &'a str,
    action: &'a str,
    template: &'a Template,
    tenant: &'a str,
    namespaces: &'a [String],
    dry_run: bool,
}

/// Where the objects land, checked before anything is sent: every object
/// inside the tenant's `namespaces` unless the template's `reaches`
/// declares it (scopes of custom kinds from discovery). A refusal is
/// recorded in the audit log and printed, and gives exit code 1; otherwise
/// the marks (objects reaching out, RBAC granting privileges) are printed
/// ahead of the preview.
async fn check_bounds(
    write: &BoundedWrite<'_>,
    objects: &[kube::core::DynamicObject],
) -> Option<i32> {
    let BoundedWrite {
        connection,
        user,
        action,
        template,
        tenant,
        namespaces,
        dry_run,
    } = *write;
    let discovered = crate::kube::scope::discover_scopes(&connection.client, objects).await;
    let scope_of = |api_version: &str, kind: &str| {
        known_scope(api_version, kind).or_else(|| {
            discovered
                .get(&(api_version.to_string(), kind.to_string()))
                .copied()
        })
    };
    match check_reach(objects, tenant, namespaces, &template.reaches, &scope_of) {
        Ok(marks) => {
            for mark in marks {
                println!("marked    {mark}");
            }
            None
        }
        Err(refusal) => {
            let message = format!("outside the tenant: {refusal}");
            let recorded = crate::audit::record_write(
                &connection.context,
                user,
                action,
                crate::kube::write::describe_objects(objects),
                dry_run,
                "refused",
                Some(message.clone()),
            );
            if let Err(err) = recorded {
                eprintln!("tenantry: warning: could not write the audit log: {err:#}");
            }
            eprintln!("tenantry: refused, {message}");
            eprintln!("tenantry: nothing was sent");
            Some(1)
        }
    }
}

pub struct CreateArgs<'a> {
    pub tenant: &'a str,
    pub owners: &'a [String],
    pub template: &'a str,
    pub sets: &'a [String],
    pub namespaces: &'a [String],
    pub dry_run: bool,
    pub force: bool,
    pub diff: bool,
}

/// `tenantry create TENANT --owner KIND:NAME [--template T] [--set K=V]...
/// [--namespaces a,b] [--dry-run]`.
pub fn create(global: &GlobalArgs, args: &CreateArgs<'_>) -> Result<i32> {
    check_dns_label(args.tenant, "the tenant name").map_err(UsageError)?;
    let owners = parse_owners(args.owners)?;
    let namespaces: Vec<String> = if args.namespaces.is_empty() {
        vec![args.tenant.to_string()]
    } else {
        args.namespaces
            .iter()
            .flat_map(|n| n.split(','))
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect()
    };
    for ns in &namespaces {
        check_dns_label(ns, "namespace").map_err(UsageError)?;
    }
    let catalogue = catalogue();
    let template = template(&catalogue, args.template)?;
    let config = super::load_config(global);
    let (tenant_label, _) = tenant_label_for("label", &crate::live::resolvers(&config.settings));
    let target = Target {
        tenant: args.tenant.to_string(),
        namespaces: namespaces.clone(),
        owners,
        values: write_cmd::parse_sets(args.sets)?,
        tenant_label: tenant_label.clone(),
        label_namespaces: true,
    };
    // Rendered now so bad input is refused before anything is sent.
    let mut objects = template
        .render(&target)
        .map_err(|e| UsageError(e.to_string()))?;
    let action = format!("create tenant {} from {}", args.tenant, template.name);
    let rt = super::runtime()?;
    rt.block_on(async {
        let connection = super::connect_with(global).await?;
        write_cmd::refuse_early_if_readonly(
            &connection,
            global,
            &config,
            &action,
            &objects,
            args.dry_run,
        )?;
        write_cmd::refuse_early_unconfirmed(
            &connection,
            global,
            &config,
            &action,
            args.tenant,
            args.dry_run,
        )?;
        let api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(connection.client.clone());
        // A tenant of this name already: say so, and without --namespaces
        // keep to its namespaces rather than adding one named after it.
        let selector = format!("{tenant_label}={}", args.tenant);
        let mut namespaces = namespaces;
        if let Ok(existing) = api
            .list(&kube::api::ListParams::default().labels(&selector))
            .await
            && !existing.items.is_empty()
        {
            let names: Vec<String> = existing
                .items
                .iter()
                .filter_map(|n| n.metadata.name.clone())
                .collect();
            eprintln!(
                "tenantry: warning: tenant {} exists (namespaces {}): this changes it; \
                 check the owners and values below (`tenantry apply TEMPLATE --tenant {}` is the usual way)",
                sanitize(args.tenant),
                sanitize(&names.join(", ")),
                sanitize(args.tenant)
            );
            if args.namespaces.is_empty() {
                namespaces = names;
                objects = template
                    .render(&Target {
                        namespaces: namespaces.clone(),
                        ..target.clone()
                    })
                    .map_err(|e| UsageError(e.to_string()))?;
            }
        }
        // A namespace of another tenant is not taken over. (When the user
        // may not read namespaces, the server's dry-run decides.)
        for ns in &namespaces {
            if let Ok(Some(live)) = api.get_opt(ns).await {
                let owner = live
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(&tenant_label))
                    .cloned();
                match owner {
                    Some(other) if other != args.tenant => bail!(UsageError(format!(
                        "namespace {ns} belongs to tenant {other} ({tenant_label}={other}); nothing was sent"
                    ))),
                    Some(_) => {}
                    None => eprintln!(
                        "tenantry: note: namespace {ns} exists and belongs to no tenant; it joins {}",
                        args.tenant
                    ),
                }
            }
        }
        let user = write_cmd::current_user(&connection).await;
        let action = format!("create tenant {} from {}", args.tenant, template.name);
        let write = BoundedWrite {
            connection: &connection,
            user: &user,
            action: &action,
            template,
            tenant: args.tenant,
            namespaces: &namespaces,
            dry_run: args.dry_run,
        };
        if let Some(code) = check_bounds(&write, &objects).await
        {
            return Ok(code);
        }
        let writes = write_cmd::write_path(&connection, user, global, &config);
        write_cmd::execute(
            &writes,
            &action,
            objects,
            args.dry_run,
            args.force,
            if args.diff {
                Detail::Full
            } else {
                Detail::Changes
            },
        )
        .await
    })
}

pub struct ApplyArgs<'a> {
    pub template: &'a str,
    pub owners: &'a [String],
    pub sets: &'a [String],
    pub dry_run: bool,
    pub diff: bool,
    pub force: bool,
}

/// `tenantry apply TEMPLATE --tenant T [--set K=V]... [--dry-run] [--diff]`:
/// renders for the tenant's namespaces and owners as tenantry sees them.
/// `-n/--namespace` limits it to those namespaces.
pub fn apply(global: &GlobalArgs, args: &ApplyArgs<'_>) -> Result<i32> {
    let Some(tenant) = global.tenant.as_deref() else {
        bail!(UsageError(format!(
            "apply needs the tenant: tenantry apply {} --tenant TENANT",
            args.template
        )));
    };
    let catalogue = catalogue();
    let template = template(&catalogue, args.template)?;
    let values = write_cmd::parse_sets(args.sets)?;
    template
        .resolve_values(&values)
        .map_err(|e| UsageError(e.to_string()))?;
    let extra_owners = parse_owners(args.owners)?;
    let config = super::load_config(global);
    let action = format!("apply template {} to {tenant}", template.name);
    let rt = super::runtime()?;
    rt.block_on(async {
        let connection = super::connect_with(global).await?;
        write_cmd::refuse_early_if_readonly(
            &connection,
            global,
            &config,
            &action,
            &[],
            args.dry_run,
        )?;
        write_cmd::refuse_early_unconfirmed(
            &connection,
            global,
            &config,
            &action,
            tenant,
            args.dry_run,
        )?;
        let (connection, state) = super::sync(connection, global, &config).await?;
        let Some(found) = state.resolution.tenant(&TenantId::new(tenant)) else {
            bail!(UsageError(super::not_visible(&state, tenant)));
        };
        for ns in &global.namespaces {
            if !found.namespaces.contains(ns) {
                bail!(UsageError(format!(
                    "{ns} is not a namespace of tenant {tenant} ({})",
                    found.namespaces.join(", ")
                )));
            }
        }
        let (tenant_label, label_namespaces) =
            tenant_label_for(&found.source, &crate::live::resolvers(&config.settings));
        // The owners' names come from bindings the tenant's own admins
        // write: those that could not be bound safely are left out, named.
        let (mut owners, skipped) = if template.uses_owners() {
            screen_owners(found, &state.inventory)
        } else {
            (found.owners.clone(), Vec::new())
        };
        for s in &skipped {
            println!("note      {s}");
        }
        for o in extra_owners {
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
        let target = Target {
            tenant: tenant.to_string(),
            namespaces: found
                .namespaces
                .iter()
                .filter(|ns| global.namespaces.is_empty() || global.namespaces.contains(ns))
                .cloned()
                .collect(),
            owners,
            values,
            tenant_label,
            label_namespaces,
        };
        let objects = template.render(&target).map_err(|e| {
            UsageError(if skipped.is_empty() {
                e.to_string()
            } else {
                format!("{e} ({} left out, see above)", skipped.len())
            })
        })?;
        let action = format!("apply template {} to {tenant}", template.name);
        let write = BoundedWrite {
            connection: &connection,
            user: &state.identity.user,
            action: &action,
            template,
            tenant,
            namespaces: &target.namespaces,
            dry_run: args.dry_run,
        };
        if let Some(code) = check_bounds(&write, &objects).await {
            return Ok(code);
        }
        let writes =
            write_cmd::write_path(&connection, state.identity.user.clone(), global, &config);
        write_cmd::execute(
            &writes,
            &action,
            objects,
            args.dry_run,
            args.force,
            if args.diff {
                Detail::Full
            } else {
                Detail::Changes
            },
        )
        .await
    })
}
