//! The console's writes (ARCHITECTURE.md §5): a form validated as you type, then
//! the server's dry-run of every object with the field-by-field diff, then
//! an explicit confirmation, then the apply with its report. The form
//! itself and every check on it are pure; the kube layer answers through
//! actions (`Action::WritePlanned`, `WriteProgress`, `WriteDone`).

use std::collections::BTreeMap;

use kube::core::DynamicObject;
use ratatui_textarea::TextArea;

use crate::model::quota_edit::{ObjectTarget, plan_object_quota, plan_quota};
use crate::model::reach::{ObjectMark, check_reach, known_scope};
use crate::model::template::{
    Catalogue, Target, Template, check_dns_label, parse_owner, screen_owners, tenant_label_for,
};
use crate::model::write_plan::{ApplyOutcome, PlanSummary, WriteError};
use crate::model::{Quantity, Resolution, Tenant, TenantId, parse_quantity};

/// Which write the form prepares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowKind {
    CreateTenant,
    EditQuota { tenant: TenantId },
    ApplyTemplate { tenant: TenantId },
}

impl FlowKind {
    pub fn title(&self) -> String {
        match self {
            FlowKind::CreateTenant => "Create a tenant".into(),
            FlowKind::EditQuota { tenant } => format!("Edit the quota of {tenant}"),
            FlowKind::ApplyTemplate { tenant } => format!("Apply a template to {tenant}"),
        }
    }
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRole {
    TenantName,
    Owners,
    Namespaces,
    Template,
    Param(String),
    /// Edit quota: `all` or one namespace.
    Scope,
    /// Edit quota: one resource's hard limit.
    Quota {
        resource: String,
        current: Option<Quantity>,
        used: Option<Quantity>,
    },
    /// Edit quota: `RESOURCE=QUANTITY` to add.
    NewQuota,
}

/// A problem with a field's value; `position` is the character it points
/// at. Warnings do not stop the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub position: Option<usize>,
    pub blocking: bool,
}

impl Problem {
    fn error(message: impl Into<String>, position: Option<usize>) -> Self {
        Problem {
            message: message.into(),
            position,
            blocking: true,
        }
    }

    fn warning(message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            position: None,
            blocking: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub role: FieldRole,
    pub label: String,
    /// What to type, shown next to the field.
    pub hint: String,
    pub area: TextArea<'static>,
    pub problem: Option<Problem>,
    /// Typed into since the form opened.
    pub touched: bool,
}

impl Field {
    fn new(
        role: FieldRole,
        label: impl Into<String>,
        hint: impl Into<String>,
        value: &str,
    ) -> Self {
        let mut area = TextArea::new(vec![value.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Field {
            role,
            label: label.into(),
            hint: hint.into(),
            area,
            problem: None,
            touched: false,
        }
    }

    /// The problem to show: an empty field nobody has typed into yet says
    /// nothing until the form is submitted.
    pub fn visible_problem(&self, submitted: bool) -> Option<&Problem> {
        let quiet = !self.touched && !submitted && self.value().trim().is_empty();
        self.problem.as_ref().filter(|_| !quiet)
    }

    pub fn value(&self) -> String {
        self.area.lines().join("")
    }
}

/// One object of the server's answer, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub plan: Vec<PlanSummary>,
    /// Set when the plan differs from the one the user confirmed (the
    /// cluster moved in between): they must look again.
    pub changed_since_confirm: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Editing,
    /// The server is dry-running the objects.
    Checking,
    Preview(Preview),
    /// The dry-run was refused: nothing was written.
    Refused {
        object: String,
        error: WriteError,
    },
    Applying {
        done: Vec<String>,
        total: usize,
    },
    Finished(ApplyOutcome),
}

#[derive(Debug, Clone)]
pub struct WriteFlow {
    pub kind: FlowKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub stage: Stage,
    /// Take over fields other managers own (after a conflict, on request).
    pub force: bool,
    /// Scroll of the preview and report.
    pub scroll: usize,
    /// The rendered objects the preview and the apply are about.
    pub objects: Vec<DynamicObject>,
    /// Warnings about the whole write (quota below use, owners left out
    /// of a template and the like).
    pub warnings: Vec<String>,
    /// Objects the preview marks before the confirm: outside the tenant
    /// (as the template declares) or granting privileges.
    pub marks: Vec<ObjectMark>,
    /// The objects of the last submit when it was refused for landing
    /// outside the tenant: the refusal goes to the audit log, as the
    /// CLI's does.
    pub refused_outside: Option<Vec<DynamicObject>>,
    /// Why the form was filled as it is (the suggested template), shown
    /// under the fields.
    pub notes: Vec<String>,
    /// Set once Enter was pressed: every problem shows from then on.
    pub submitted: bool,
}

/// What the form needs from the state to build and check itself.
pub struct FormContext<'a> {
    pub catalogue: &'a Catalogue,
    pub resolution: &'a Resolution,
    pub inventory: &'a crate::model::Inventory,
    pub resolvers: &'a [crate::model::ResolverKind],
    /// The user's own rules per namespace, where already loaded.
    pub own_rules: &'a BTreeMap<String, super::OwnRules>,
}

/// `(group, resource)` of the kinds tenantry's templates and quota edits
/// write; other kinds are left to the server's dry-run.
fn resource_of(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "ResourceQuota" => ("", "resourcequotas"),
        "LimitRange" => ("", "limitranges"),
        "NetworkPolicy" => ("networking.k8s.io", "networkpolicies"),
        "RoleBinding" => ("rbac.authorization.k8s.io", "rolebindings"),
        "ConfigMap" => ("", "configmaps"),
        _ => return None,
    })
}

/// Namespaces where the user's own rules (SelfSubjectRulesReview, when
/// loaded and complete) do not allow `patch` of `kind`: the server would
/// refuse the write there.
pub fn denied_namespaces<'a>(
    own_rules: &BTreeMap<String, super::OwnRules>,
    kind: &str,
    namespaces: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let Some((group, resource)) = resource_of(kind) else {
        return Vec::new();
    };
    namespaces
        .into_iter()
        .filter(|ns| match own_rules.get(*ns) {
            Some(super::OwnRules::Loaded {
                rules,
                incomplete: false,
            }) => !rules.iter().any(|r| {
                crate::model::rbac::rule_allows_any_name(r, "patch", group, resource, None)
            }),
            _ => false,
        })
        .cloned()
        .collect()
}

const OWNER_HINT: &str = "user:NAME, group:NAME or serviceaccount:NS:NAME, comma-separated";

impl WriteFlow {
    fn new(kind: FlowKind, fields: Vec<Field>) -> Self {
        WriteFlow {
            kind,
            fields,
            focus: 0,
            stage: Stage::Editing,
            force: false,
            scroll: 0,
            objects: Vec::new(),
            warnings: Vec::new(),
            marks: Vec::new(),
            refused_outside: None,
            notes: Vec::new(),
            submitted: false,
        }
    }

    pub fn create(ctx: &FormContext<'_>) -> Self {
        let mut fields = vec![
            Field::new(
                FieldRole::TenantName,
                "Name",
                "lower-case letters, digits, '-'",
                "",
            ),
            Field::new(FieldRole::Owners, "Owners", OWNER_HINT, ""),
            Field::new(
                FieldRole::Namespaces,
                "Namespaces",
                "comma-separated; empty: one named after the tenant",
                "",
            ),
            Field::new(
                FieldRole::Template,
                "Template",
                template_names(ctx.catalogue),
                "tenant-baseline",
            ),
        ];
        fields.extend(param_fields(ctx.catalogue.get("tenant-baseline").ok(), &[]));
        let mut flow = WriteFlow::new(FlowKind::CreateTenant, fields);
        flow.validate(ctx);
        flow
    }

    /// `template`: the one to suggest (the fix of a failing check); none
    /// leaves the field empty (applying a baseline to a tenant that passes
    /// could weaken it).
    pub fn apply_template(ctx: &FormContext<'_>, tenant: &Tenant, template: Option<&str>) -> Self {
        let name = template.unwrap_or("");
        let mut fields = vec![
            Field::new(
                FieldRole::Template,
                "Template",
                template_names(ctx.catalogue),
                name,
            ),
            Field::new(
                FieldRole::Namespaces,
                "Namespaces",
                "comma-separated, of this tenant",
                &tenant.namespaces.join(","),
            ),
        ];
        fields.extend(param_fields(ctx.catalogue.get(name).ok(), &[]));
        let mut flow = WriteFlow::new(
            FlowKind::ApplyTemplate {
                tenant: tenant.id.clone(),
            },
            fields,
        );
        flow.validate(ctx);
        flow
    }

    pub fn edit_quota(ctx: &FormContext<'_>, tenant: &Tenant) -> Self {
        let mut scope_hint = if capsule_tenant(ctx, tenant).is_some() {
            "all: Capsule keeps this tenant's quotas on its Tenant object".to_string()
        } else {
            format!("all, or one of {}", tenant.namespaces.join(", "))
        };
        let objects = object_targets(ctx, tenant);
        if !objects.is_empty() {
            scope_hint.push_str(&format!("; or a quota object: {}", objects.join(", ")));
        }
        let mut fields = vec![Field::new(FieldRole::Scope, "Namespace", scope_hint, "all")];
        fields.extend(quota_fields(ctx, tenant, None));
        let mut flow = WriteFlow::new(
            FlowKind::EditQuota {
                tenant: tenant.id.clone(),
            },
            fields,
        );
        flow.validate(ctx);
        flow
    }

    pub fn focused(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    pub fn next_field(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev_field(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    fn value_of(&self, role: &FieldRole) -> String {
        self.fields
            .iter()
            .find(|f| &f.role == role)
            .map(Field::value)
            .unwrap_or_default()
    }

    fn tenant<'a>(&self, ctx: &'a FormContext<'_>) -> Option<&'a Tenant> {
        match &self.kind {
            FlowKind::CreateTenant => None,
            FlowKind::EditQuota { tenant } | FlowKind::ApplyTemplate { tenant } => {
                ctx.resolution.tenant(tenant)
            }
        }
    }

    /// After the focused field changed: rebuild what depends on it (the
    /// template's parameters, the quota rows of a scope), then check every
    /// field.
    pub fn changed(&mut self, ctx: &FormContext<'_>) {
        let role = self.fields.get(self.focus).map(|f| f.role.clone());
        match role {
            Some(FieldRole::Template) => {
                let name = self.value_of(&FieldRole::Template);
                if let Ok(template) = ctx.catalogue.get(name.trim()) {
                    let keep: Vec<(String, String)> = self
                        .fields
                        .iter()
                        .filter_map(|f| match &f.role {
                            FieldRole::Param(p) => Some((p.clone(), f.value())),
                            _ => None,
                        })
                        .collect();
                    let already: Vec<String> = self
                        .fields
                        .iter()
                        .filter_map(|f| match &f.role {
                            FieldRole::Param(p) => Some(p.clone()),
                            _ => None,
                        })
                        .collect();
                    let wanted: Vec<String> =
                        template.parameters.iter().map(|p| p.name.clone()).collect();
                    if already != wanted {
                        self.fields
                            .retain(|f| !matches!(f.role, FieldRole::Param(_)));
                        self.fields.extend(param_fields(Some(template), &keep));
                    }
                }
            }
            Some(FieldRole::Scope) => {
                if let Some(tenant) = self.tenant(ctx).cloned() {
                    let scope = self.value_of(&FieldRole::Scope);
                    let scope = scope.trim();
                    if let Ok(target) = ObjectTarget::parse(scope)
                        && let Some(fields) = object_quota_fields(ctx, &tenant, &target)
                    {
                        self.fields.retain(|f| {
                            !matches!(f.role, FieldRole::Quota { .. } | FieldRole::NewQuota)
                        });
                        self.fields.extend(fields);
                    }
                    let only = (scope != "all" && tenant.namespaces.iter().any(|n| n == scope))
                        .then_some(scope);
                    if scope == "all" || only.is_some() {
                        self.fields.retain(|f| {
                            !matches!(f.role, FieldRole::Quota { .. } | FieldRole::NewQuota)
                        });
                        self.fields.extend(quota_fields(ctx, &tenant, only));
                    }
                }
            }
            _ => {}
        }
        self.validate(ctx);
    }

    /// Checks every field and records its problem.
    pub fn validate(&mut self, ctx: &FormContext<'_>) {
        let template = ctx
            .catalogue
            .get(self.value_of(&FieldRole::Template).trim())
            .ok()
            .cloned();
        let tenant = self.tenant(ctx).cloned();
        let name = self.value_of(&FieldRole::TenantName);
        for i in 0..self.fields.len() {
            let value = self.fields[i].value();
            let problem = match &self.fields[i].role {
                FieldRole::TenantName => check_dns_label(value.trim(), "the tenant name")
                    .err()
                    .map(|e| Problem::error(e, bad_position(&value)))
                    .or_else(|| {
                        ctx.resolution
                            .tenant(&TenantId::new(value.trim()))
                            .map(|_| {
                                Problem::warning(
                                    "a tenant of this name exists: applying updates it",
                                )
                            })
                    }),
                FieldRole::Owners => check_owners(&value, template.as_ref()),
                FieldRole::Namespaces => {
                    check_namespaces(&value, &name, tenant.as_ref(), ctx.resolution)
                }
                FieldRole::Template => match &template {
                    Some(_) => None,
                    None if value.trim().is_empty() => Some(Problem::error(
                        format!("choose a template: {}", template_names(ctx.catalogue)),
                        None,
                    )),
                    None => ctx
                        .catalogue
                        .get(value.trim())
                        .err()
                        .map(|e| Problem::error(e.message, None)),
                },
                FieldRole::Param(p) => template.as_ref().and_then(|t| {
                    let missing = value.trim().is_empty()
                        && t.parameter(p)
                            .is_some_and(|p| p.required && p.default.is_none());
                    if missing {
                        Some(Problem::error(format!("{p} is required"), None))
                    } else {
                        t.check_value(p, value.trim())
                            .err()
                            .map(|e| Problem::error(e, None))
                    }
                }),
                FieldRole::Scope => {
                    let v = value.trim();
                    let capsule = tenant
                        .as_ref()
                        .is_some_and(|t| capsule_tenant(ctx, t).is_some());
                    let object = ObjectTarget::parse(v).ok();
                    match &tenant {
                        Some(t) if object.is_some() => object.as_ref().and_then(|target| {
                            object_quota_fields(ctx, t, target).is_none().then(|| {
                                Problem::error(
                                    format!(
                                        "{v:?} is not one of {}'s quota objects: {}",
                                        t.id,
                                        object_targets(ctx, t).join(", ")
                                    ),
                                    None,
                                )
                            })
                        }),
                        Some(_) if capsule && v != "all" => Some(Problem::error(
                            "a Capsule tenant's quotas are set on its Tenant object, for all its namespaces: write all",
                            None,
                        )),
                        Some(t) if v != "all" && !t.namespaces.iter().any(|n| n == v) => Some(
                            Problem::error(format!("{v:?} is not a namespace of {}", t.id), None),
                        ),
                        _ => None,
                    }
                }
                FieldRole::Quota {
                    resource,
                    used,
                    current,
                } => check_quota_value(&value, resource, current.as_ref(), used.as_ref()),
                FieldRole::NewQuota => check_new_quota(&value),
            };
            self.fields[i].problem = problem;
        }
    }

    /// The first field whose problem blocks the preview.
    pub fn first_blocking(&self) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.problem.as_ref().is_some_and(|p| p.blocking))
    }

    /// The objects to write, from the form's values (every field valid).
    /// Also fills `warnings`. The error says what to fix.
    pub fn build(&mut self, ctx: &FormContext<'_>) -> Result<Vec<DynamicObject>, String> {
        self.submitted = true;
        self.validate(ctx);
        if let Some(i) = self.first_blocking() {
            self.focus = i;
            let field = &self.fields[i];
            return Err(format!(
                "{}: {}",
                field.label,
                field
                    .problem
                    .as_ref()
                    .map(|p| p.message.as_str())
                    .unwrap_or_default()
            ));
        }
        self.warnings.clear();
        self.marks.clear();
        self.refused_outside = None;
        let values: BTreeMap<String, String> = self
            .fields
            .iter()
            .filter_map(|f| match &f.role {
                FieldRole::Param(p) => Some((p.clone(), f.value().trim().to_string())),
                _ => None,
            })
            .collect();
        let split = |v: String| -> Vec<String> {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let objects: Vec<serde_json::Value> = match &self.kind {
            FlowKind::CreateTenant => {
                let name = self.value_of(&FieldRole::TenantName).trim().to_string();
                let template = ctx
                    .catalogue
                    .get(self.value_of(&FieldRole::Template).trim())
                    .map_err(|e| e.to_string())?;
                let mut namespaces = split(self.value_of(&FieldRole::Namespaces));
                if namespaces.is_empty() {
                    namespaces.push(name.clone());
                }
                let owners = split(self.value_of(&FieldRole::Owners))
                    .iter()
                    .map(|o| parse_owner(o))
                    .collect::<Result<Vec<_>, _>>()?;
                let (tenant_label, _) = tenant_label_for("label", ctx.resolvers);
                let objects = template
                    .render(&Target {
                        tenant: name.clone(),
                        namespaces: namespaces.clone(),
                        owners,
                        values,
                        tenant_label,
                        label_namespaces: true,
                    })
                    .map_err(|e| e.to_string())?;
                let checked = within_tenant(&objects, &name, &namespaces, template);
                if checked.is_err() {
                    // For the audit log, as the CLI records its refusals.
                    self.refused_outside = Some(objects.clone());
                }
                self.marks = checked?;
                return Ok(objects);
            }
            FlowKind::ApplyTemplate { tenant } => {
                let found = visible_tenant(ctx, tenant)?;
                let template = ctx
                    .catalogue
                    .get(self.value_of(&FieldRole::Template).trim())
                    .map_err(|e| e.to_string())?;
                let (tenant_label, label_namespaces) =
                    tenant_label_for(&found.source, ctx.resolvers);
                // Owners come from bindings the tenant's own admins write:
                // those that cannot be bound safely are left out, named.
                let (owners, skipped) = if template.uses_owners() {
                    screen_owners(found, ctx.inventory)
                } else {
                    (found.owners.clone(), Vec::new())
                };
                self.warnings
                    .extend(skipped.iter().map(ToString::to_string));
                let namespaces = split(self.value_of(&FieldRole::Namespaces));
                let objects = template
                    .render(&Target {
                        tenant: tenant.to_string(),
                        namespaces: namespaces.clone(),
                        owners,
                        values,
                        tenant_label,
                        label_namespaces,
                    })
                    .map_err(|e| match skipped.len() {
                        0 => e.to_string(),
                        n => format!("{e} ({n} of the tenant's owners left out: {})", skipped[0]),
                    })?;
                let checked = within_tenant(&objects, tenant.as_str(), &namespaces, template);
                if checked.is_err() {
                    self.refused_outside = Some(objects.clone());
                }
                self.marks = checked?;
                return Ok(objects);
            }
            FlowKind::EditQuota { tenant } => {
                let found = visible_tenant(ctx, tenant)?;
                let scope = self.value_of(&FieldRole::Scope).trim().to_string();
                let object = ObjectTarget::parse(&scope).ok();
                let only: Vec<String> = if scope == "all" || object.is_some() {
                    Vec::new()
                } else {
                    vec![scope]
                };
                let mut assignments: Vec<(String, Quantity)> = Vec::new();
                for field in &self.fields {
                    let value = field.value();
                    let value = value.trim();
                    match &field.role {
                        FieldRole::Quota {
                            resource, current, ..
                        } if !value.is_empty() => {
                            let q = parse_quantity(value).map_err(|e| e.to_string())?;
                            if current.as_ref() != Some(&q) {
                                assignments.push((resource.clone(), q));
                            }
                        }
                        FieldRole::NewQuota if !value.is_empty() => {
                            if let Some((r, v)) = value.split_once('=') {
                                let q = parse_quantity(v.trim()).map_err(|e| e.to_string())?;
                                assignments.push((r.trim().to_string(), q));
                            }
                        }
                        _ => {}
                    }
                }
                if assignments.is_empty() {
                    return Err("nothing changed: type a new limit first".into());
                }
                let plan = match &object {
                    Some(target) => plan_object_quota(
                        ctx.inventory,
                        ctx.resolution,
                        found,
                        target,
                        None,
                        &assignments,
                    )?,
                    None => plan_quota(ctx.inventory, found, &only, None, &assignments)?,
                };
                self.warnings = plan.warnings();
                // A shared object is marked before the confirm, its other
                // tenants named.
                if let Some(edit) = plan.object.as_ref()
                    && !edit.shared_with.is_empty()
                    && let Some(note) = plan.target_note()
                {
                    self.warnings.insert(0, note);
                }
                plan.objects
            }
        };
        objects
            .into_iter()
            .map(|o| serde_json::from_value(o).map_err(|e| e.to_string()))
            .collect()
    }

    /// Warnings for objects the user's own rules do not let them write.
    pub fn warn_denied(&mut self, ctx: &FormContext<'_>) {
        let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for o in &self.objects {
            if let (Some(t), Some(ns)) = (&o.types, &o.metadata.namespace) {
                by_kind.entry(t.kind.clone()).or_default().push(ns.clone());
            }
        }
        for (kind, mut namespaces) in by_kind {
            namespaces.dedup();
            let denied = denied_namespaces(ctx.own_rules, &kind, &namespaces);
            if !denied.is_empty() {
                self.warnings.push(format!(
                    "your own rules do not allow patching {kind} in {}: expect the server to refuse",
                    denied.join(", ")
                ));
            }
        }
    }

    /// The audit log's name for this write.
    pub fn action_name(&self) -> String {
        match &self.kind {
            FlowKind::CreateTenant => format!(
                "create tenant {} from {}",
                self.value_of(&FieldRole::TenantName).trim(),
                self.value_of(&FieldRole::Template).trim()
            ),
            FlowKind::EditQuota { tenant } => format!("quota set {tenant}"),
            FlowKind::ApplyTemplate { tenant } => format!(
                "apply template {} to {tenant}",
                self.value_of(&FieldRole::Template).trim()
            ),
        }
    }
}

#[path = "form_fields.rs"]
mod fields;
use fields::*;

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
