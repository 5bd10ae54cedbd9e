//! Templates (ARCHITECTURE.md §5): a YAML header (name, description, parameters)
//! followed by a multi-document body of Kubernetes objects with `${PARAM}`
//! placeholders. Pure: loading checks the file once, with file, line and
//! column in every error; rendering substitutes values, repeats documents
//! per namespace and per owner, and labels every object. No I/O here except
//! [`Catalogue::load`], which reads the user's template directory.
//!
//! Each document is parsed once, when the template loads, into a tree with
//! its placeholders kept as scalars ([`tree`]); rendering fills them in
//! inside string scalars and keys, so no value (a `--set`, an owner's name
//! read from the cluster, a namespace or tenant name) can add, remove or
//! rename a key, an item or a document, or change a kind. Owners read from
//! the cluster are checked like `--owner` before they are bound
//! ([`owners`]), and where the objects land is checked by
//! [`crate::model::reach`] against the header's `reaches`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use kube::core::DynamicObject;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::projection::Subject;
use super::quantity::parse_quantity;
use super::reach::Reach;
use super::tenant::{CAPSULE_TENANT_LABEL, ResolverKind};

mod names;
pub mod owners;
mod tree;

pub use names::{check_dns_label, check_dns_subdomain, owner_text, parse_owner};
pub use owners::{SkippedOwner, owner_problem, screen_owners};

/// The tenant label tenantry puts on the namespaces it creates.
pub const TENANT_LABEL: &str = "tenantry.dev/tenant";
pub const TEMPLATE_LABEL: &str = "tenantry.dev/template";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";

/// Parameters tenantry fills in; templates use them without declaring them.
pub const BUILTIN_PARAMETERS: [(&str, &str); 5] = [
    ("TENANT", "the tenant's name"),
    (
        "NAMESPACE",
        "each of the tenant's namespaces (a document using it is rendered once per namespace)",
    ),
    (
        "OWNER_KIND",
        "User, Group or ServiceAccount (a document using it is rendered once per owner)",
    ),
    ("OWNER_NAME", "the owner's name"),
    (
        "TENANT_LABEL",
        "the label key that names the tenant on its namespaces",
    ),
];

fn is_builtin(name: &str) -> bool {
    BUILTIN_PARAMETERS.iter().any(|(n, _)| *n == name)
}

/// The built-in templates, compiled in.
pub const BUILTIN_TEMPLATES: [(&str, &str); 6] = [
    (
        "tenant-baseline",
        include_str!("../../assets/templates/tenant-baseline.yaml"),
    ),
    (
        "quota-small",
        include_str!("../../assets/templates/quota-small.yaml"),
    ),
    (
        "quota-medium",
        include_str!("../../assets/templates/quota-medium.yaml"),
    ),
    (
        "quota-large",
        include_str!("../../assets/templates/quota-large.yaml"),
    ),
    (
        "netpol-default-deny",
        include_str!("../../assets/templates/netpol-default-deny.yaml"),
    ),
    (
        "psa-restricted",
        include_str!("../../assets/templates/psa-restricted.yaml"),
    ),
];

/// A template problem, with where it is when it comes from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// `file:line:col` or the template's name.
    pub location: String,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for TemplateError {}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Parameter {
    pub name: String,
    pub description: String,
    pub default: Option<String>,
    pub required: bool,
    /// The regular expression the whole value must match.
    pub validation: Option<String>,
    #[serde(skip)]
    regex: Option<RegexText>,
}

/// A compiled regex compared by its source text.
#[derive(Debug, Clone)]
struct RegexText(Regex);

impl PartialEq for RegexText {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}
impl Eq for RegexText {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: Vec<HeaderParameter>,
    /// Where the template writes outside the tenant (see [`Reach`]).
    #[serde(default)]
    reaches: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderParameter {
    name: String,
    #[serde(default)]
    description: String,
    default: Option<String>,
    #[serde(default)]
    required: bool,
    validation: Option<String>,
}

/// Where a template comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "path")]
pub enum Source {
    Builtin,
    User(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builtin => f.write_str("built-in"),
            Source::User(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One document of the body, with the line it starts on in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Document {
    body: tree::Node,
    line: usize,
    placeholders: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    /// Where it may write outside the target tenant (the header's
    /// `reaches`); empty: only inside it.
    pub reaches: Vec<Reach>,
    pub source: Source,
    origin: String,
    documents: Vec<Document>,
}

/// The placeholders of a text with their 1-based line and column.
/// A name (or a problem) at a 1-based line and column.
type At<T> = (T, usize, usize);

fn placeholders(text: &str) -> Result<Vec<At<String>>, At<String>> {
    let mut found = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let mut rest = line;
        let mut offset = 0;
        while let Some(start) = rest.find("${") {
            let column = line[..offset + start].chars().count() + 1;
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(("\"${\" is not closed by '}'".into(), line_index + 1, column));
            };
            let name = &after[..end];
            if !tree::is_parameter_name(name) {
                return Err((
                    format!(
                        "\"${{{name}}}\" is not a parameter name (upper-case letters, digits and '_')"
                    ),
                    line_index + 1,
                    column,
                ));
            }
            found.push((name.to_string(), line_index + 1, column));
            offset += start + 2 + end + 1;
            rest = &line[offset..];
        }
    }
    Ok(found)
}

fn yaml_error_at(origin: &str, line_offset: usize, err: &serde_saphyr::Error) -> TemplateError {
    let (location, message) = match err.location() {
        Some(loc) => (
            format!(
                "{origin}:{}:{}",
                loc.line() as usize + line_offset,
                loc.column()
            ),
            strip_location(err.to_string().lines().next().unwrap_or_default()),
        ),
        None => (origin.to_string(), err.to_string()),
    };
    TemplateError { location, message }
}

/// The crate's message repeats its own (section-relative) location:
/// `error: line 5 column 11: unclosed bracket` → `unclosed bracket`.
fn strip_location(message: &str) -> String {
    let m = message.strip_prefix("error: ").unwrap_or(message);
    match m
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((_, text)) => text.to_string(),
        None => m.to_string(),
    }
}

impl Template {
    /// Parses and checks a template file. `origin` names it in errors
    /// (a path, or `built-in NAME`).
    pub fn parse(text: &str, origin: &str, source: Source) -> Result<Template, TemplateError> {
        let at = |line: usize, column: usize, message: String| TemplateError {
            location: format!("{origin}:{line}:{column}"),
            message,
        };
        // Split into the header and the body's documents on `---` lines.
        let mut sections: Vec<(usize, String)> = vec![(1, String::new())];
        for (i, line) in text.lines().enumerate() {
            if line.trim_end() == "---" || line.starts_with("--- ") {
                sections.push((i + 2, String::new()));
            } else if let Some((_, current)) = sections.last_mut() {
                current.push_str(line);
                current.push('\n');
            }
        }
        // A leading `---` before the header.
        if sections.len() > 1 && sections[0].1.lines().all(is_blank_or_comment) {
            sections.remove(0);
        }
        let (header_line, header_text) = sections.remove(0);
        let header: Header = serde_saphyr::from_str(&header_text)
            .map_err(|e| yaml_error_at(origin, header_line - 1, &e))?;
        if header.name.trim().is_empty() {
            return Err(at(header_line, 1, "the template has an empty name".into()));
        }
        let mut parameters = Vec::new();
        for p in header.parameters {
            if is_builtin(&p.name) {
                return Err(at(
                    header_line,
                    1,
                    format!("parameter {} is built in; tenantry fills it", p.name),
                ));
            }
            if placeholders(&format!("${{{}}}", p.name)).is_err() {
                return Err(at(
                    header_line,
                    1,
                    format!(
                        "parameter name {:?}: use upper-case letters, digits and '_'",
                        p.name
                    ),
                ));
            }
            let regex = match &p.validation {
                Some(source) => Some(RegexText(Regex::new(&format!("^(?:{source})$")).map_err(
                    |e| {
                        at(
                            header_line,
                            1,
                            format!("parameter {}: bad validation regex: {e}", p.name),
                        )
                    },
                )?)),
                None => None,
            };
            if let (Some(default), Some(re)) = (&p.default, &regex)
                && !re.0.is_match(default)
            {
                return Err(at(
                    header_line,
                    1,
                    format!(
                        "parameter {}: the default {default:?} does not match its validation {:?}",
                        p.name,
                        p.validation.as_deref().unwrap_or_default()
                    ),
                ));
            }
            parameters.push(Parameter {
                name: p.name,
                description: p.description,
                default: p.default,
                required: p.required,
                validation: p.validation,
                regex,
            });
        }
        let reaches = header
            .reaches
            .iter()
            .map(|r| Reach::parse(r).map_err(|e| at(header_line, 1, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let declared: BTreeSet<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
        let mut documents = Vec::new();
        for (line, text) in sections {
            if text.lines().all(is_blank_or_comment) {
                continue;
            }
            let found =
                placeholders(&text).map_err(|(message, l, c)| at(line + l - 1, c, message))?;
            for (name, l, c) in &found {
                if !is_builtin(name) && !declared.contains(name.as_str()) {
                    return Err(at(
                        line + l - 1,
                        *c,
                        format!(
                            "unknown parameter ${{{name}}}: declare it under parameters, or use a built-in ({})",
                            BUILTIN_PARAMETERS.map(|(n, _)| n).join(", ")
                        ),
                    ));
                }
            }
            // Valid YAML as written (placeholders are plain text to YAML).
            let value: Value =
                serde_saphyr::from_str(&text).map_err(|e| yaml_error_at(origin, line - 1, &e))?;
            for field in ["apiVersion", "kind"] {
                if value.get(field).and_then(Value::as_str).is_none() {
                    return Err(at(
                        line,
                        1,
                        format!(
                            "this document has no {field}: each document of a template is one Kubernetes object"
                        ),
                    ));
                }
            }
            if value
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .is_none()
            {
                return Err(at(line, 1, "this document has no metadata.name".into()));
            }
            // What an object is stays the template's: no value decides it.
            for field in ["apiVersion", "kind"] {
                if value
                    .get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.contains("${"))
                {
                    return Err(at(
                        line,
                        1,
                        format!(
                            "{field} holds a placeholder: an object's {field} is written out in the template"
                        ),
                    ));
                }
            }
            let body = tree::build(&text, &value).map_err(|e| at(line, 1, e))?;
            let mut used = BTreeSet::new();
            tree::params(&body, &mut used);
            if let Some(name) = used
                .iter()
                .find(|n| !is_builtin(n) && !declared.contains(n.as_str()))
            {
                return Err(at(
                    line,
                    1,
                    format!("unknown parameter ${{{name}}}: declare it under parameters"),
                ));
            }
            documents.push(Document {
                body,
                line,
                placeholders: found.into_iter().map(|(n, _, _)| n).collect(),
            });
        }
        if documents.is_empty() {
            return Err(TemplateError {
                location: origin.to_string(),
                message:
                    "the template has no objects: put them after a line `---` below the header"
                        .into(),
            });
        }
        Ok(Template {
            name: header.name,
            description: header.description,
            parameters,
            reaches,
            source,
            origin: origin.to_string(),
            documents,
        })
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// Whether rendering needs the tenant's owners (a document uses
    /// `OWNER_KIND` or `OWNER_NAME`).
    pub fn uses_owners(&self) -> bool {
        self.documents
            .iter()
            .any(|d| d.placeholders.contains("OWNER_KIND") || d.placeholders.contains("OWNER_NAME"))
    }

    /// Checks one user value: a declared parameter (not a built-in), no
    /// control characters, matching the parameter's regex when it has one.
    /// An empty value is fine here; [`Template::resolve_values`] says when
    /// a required one is missing.
    pub fn check_value(&self, name: &str, value: &str) -> Result<(), String> {
        if is_builtin(name) {
            return Err(format!(
                "{name} is a built-in parameter; tenantry sets it from the tenant"
            ));
        }
        let Some(parameter) = self.parameter(name) else {
            let known: Vec<&str> = self.parameters.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "unknown parameter {name}; {}",
                if known.is_empty() {
                    "this template takes no parameters".to_string()
                } else {
                    format!("it takes {}", known.join(", "))
                }
            ));
        };
        if let Some(c) = value.chars().find(|c| c.is_control()) {
            return Err(format!(
                "parameter {name}: the value contains the control character {c:?}"
            ));
        }
        if let Some(re) = &parameter.regex
            && !value.is_empty()
            && !re.0.is_match(value)
        {
            return Err(format!(
                "parameter {name}: \"{value}\" does not match the pattern {}",
                parameter.validation.as_deref().unwrap_or_default()
            ));
        }
        Ok(())
    }

    /// Checks user values: unknown names, built-ins, line breaks, each
    /// value against its parameter's regex, required ones present.
    /// Returns every parameter's value (defaults filled in).
    pub fn resolve_values(
        &self,
        values: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, TemplateError> {
        let error = |message: String| TemplateError {
            location: format!("template {}", self.name),
            message,
        };
        for (name, value) in values {
            self.check_value(name, value).map_err(error)?;
        }
        let mut resolved = BTreeMap::new();
        let mut missing = Vec::new();
        for p in &self.parameters {
            match values
                .get(&p.name)
                .filter(|v| !v.is_empty())
                .or(p.default.as_ref())
            {
                Some(v) => {
                    resolved.insert(p.name.clone(), v.clone());
                }
                None if p.required => missing.push(p.name.as_str()),
                None => {
                    resolved.insert(p.name.clone(), String::new());
                }
            }
        }
        if !missing.is_empty() {
            return Err(error(format!(
                "missing required parameter{} {}: pass --set {}=VALUE",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                missing[0]
            )));
        }
        Ok(resolved)
    }

    /// Renders the objects for `target`. Documents using `NAMESPACE` repeat
    /// per namespace, documents using `OWNER_*` per owner (RoleBindings
    /// rendered per owner merge their subjects). Every object is labelled
    /// managed-by tenantry, with the tenant and the template; namespaces
    /// get the tenant label when `target.label_namespaces`.
    pub fn render(&self, target: &Target) -> Result<Vec<DynamicObject>, TemplateError> {
        let values = self.resolve_values(&target.values)?;
        let error = |message: String| TemplateError {
            location: format!("template {}", self.name),
            message,
        };
        let mut out: Vec<Value> = Vec::new();
        let one_namespace = [None];
        let one_owner = [None];
        for ns in &target.namespaces {
            check_dns_label(ns, "namespace").map_err(error)?;
            super::tenant::check_not_system_namespace(ns).map_err(error)?;
        }
        for (what, text) in [
            ("the tenant name", &target.tenant),
            ("the tenant label key", &target.tenant_label),
        ] {
            if let Some(c) = text.chars().find(|c| c.is_control()) {
                return Err(error(format!(
                    "{what} {text:?} holds the control character {c:?}"
                )));
            }
        }
        // Owners read from the cluster are screened by the caller
        // (`screen_owners`), which names those it leaves out; any that
        // reaches here unchecked stops the render.
        for owner in &target.owners {
            if let Some(why) = owner_problem(owner) {
                return Err(error(format!(
                    "owner {} {:?} cannot be bound: {why}",
                    owner.kind, owner.name
                )));
            }
        }
        for doc in &self.documents {
            let namespaces: Vec<Option<&str>> = if doc.placeholders.contains("NAMESPACE") {
                if target.namespaces.is_empty() {
                    return Err(error("the tenant has no namespaces to render into".into()));
                }
                target.namespaces.iter().map(|n| Some(n.as_str())).collect()
            } else {
                one_namespace.to_vec()
            };
            let owners: Vec<Option<&Subject>> = if doc.placeholders.contains("OWNER_KIND")
                || doc.placeholders.contains("OWNER_NAME")
            {
                if target.owners.is_empty() {
                    return Err(error(
                        "this template binds the tenant's owner: name one with --owner user:NAME, group:NAME or serviceaccount:NS:NAME".into(),
                    ));
                }
                target.owners.iter().map(Some).collect()
            } else {
                one_owner.to_vec()
            };
            for ns in &namespaces {
                for owner in &owners {
                    let fill = |name: &str| {
                        let builtin = match name {
                            "TENANT" => Some(target.tenant.clone()),
                            "NAMESPACE" => Some(ns.unwrap_or_default().to_string()),
                            "OWNER_KIND" => Some(owner.map(|o| o.kind.clone()).unwrap_or_default()),
                            "OWNER_NAME" => Some(owner.map(|o| o.name.clone()).unwrap_or_default()),
                            "TENANT_LABEL" => Some(target.tenant_label.clone()),
                            _ => None,
                        };
                        match builtin {
                            Some(text) => tree::Fill::Name(text),
                            None => {
                                tree::Fill::Param(values.get(name).cloned().unwrap_or_default())
                            }
                        }
                    };
                    let mut value = tree::render(&doc.body, &fill).map_err(|e| {
                        let message = match e {
                            tree::RenderError::NotAScalar { param, value } => format!(
                                "{param} = {value:?} sits unquoted in the template (${{{param}}}), where YAML would not read it as that one value; \
                                 check the values of {param}, or quote the placeholder (\"${{{param}}}\") to make it a string"
                            ),
                            tree::RenderError::SameKey(key) => format!(
                                "two keys of one mapping render as {key:?}; check the values that go into its keys"
                            ),
                        };
                        TemplateError {
                            location: format!("{}:{}", self.origin, doc.line),
                            message,
                        }
                    })?;
                    if let Some(owner) = owner {
                        fix_service_account_subjects(&mut value, owner);
                    }
                    label(&mut value, target, &self.name);
                    merge_into(&mut out, value).map_err(error)?;
                }
            }
        }
        let objects = out
            .into_iter()
            .map(|value| {
                check_quantities(&value).map_err(error)?;
                serde_json::from_value::<DynamicObject>(value).map_err(|e| {
                    error(format!(
                        "a rendered document is not a Kubernetes object: {e}"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(objects)
    }
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// What a template is rendered for.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub tenant: String,
    pub namespaces: Vec<String>,
    pub owners: Vec<Subject>,
    pub values: BTreeMap<String, String>,
    /// The label key naming the tenant on its namespaces.
    pub tenant_label: String,
    /// Put `tenant_label: tenant` on rendered Namespaces (when creating a
    /// tenant, or for tenants the label resolver finds).
    pub label_namespaces: bool,
}

/// The label key that names a tenant on its namespaces, and whether
/// tenantry may set it on them: for tenants the label resolver finds, its
/// key (yes); for Capsule tenants, Capsule's key (no: Capsule sets it, and
/// a second resolver claiming the namespace would be reported as a
/// conflict); otherwise the label resolver's key (no).
pub fn tenant_label_for(source: &str, resolvers: &[ResolverKind]) -> (String, bool) {
    let label_key = resolvers
        .iter()
        .find_map(|r| match r {
            ResolverKind::Label { key } => Some(key.clone()),
            _ => None,
        })
        .unwrap_or_else(|| TENANT_LABEL.to_string());
    match source {
        "label" => (label_key, true),
        "capsule" => (CAPSULE_TENANT_LABEL.to_string(), false),
        _ => (label_key, false),
    }
}

fn label(value: &mut Value, target: &Target, template: &str) {
    let is_namespace = value.get("kind").and_then(Value::as_str) == Some("Namespace");
    let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Default::default()));
    if !labels.is_object() {
        *labels = Value::Object(Default::default());
    }
    if let Some(labels) = labels.as_object_mut() {
        labels.insert(MANAGED_BY_LABEL.into(), "tenantry".into());
        labels.insert(TEMPLATE_LABEL.into(), template.into());
        if !is_namespace || target.label_namespaces {
            let key = if is_namespace {
                target.tenant_label.as_str()
            } else {
                TENANT_LABEL
            };
            labels.insert(key.into(), target.tenant.clone().into());
        }
    }
}

/// A ServiceAccount subject has no apiGroup and needs its namespace.
fn fix_service_account_subjects(value: &mut Value, owner: &Subject) {
    let Some(subjects) = value.get_mut("subjects").and_then(Value::as_array_mut) else {
        return;
    };
    for subject in subjects {
        let Some(s) = subject.as_object_mut() else {
            continue;
        };
        if s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
            && s.get("name").and_then(Value::as_str) == Some(owner.name.as_str())
        {
            s.remove("apiGroup");
            if let Some(ns) = &owner.namespace {
                s.insert("namespace".into(), ns.clone().into());
            }
        }
    }
}

fn identity(value: &Value) -> (String, String, String, String) {
    let s = |p: &str| {
        value
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// Adds `value`, or merges it into an object of the same identity: equal
/// objects once, bindings by the union of their subjects.
fn merge_into(out: &mut Vec<Value>, value: Value) -> Result<(), String> {
    let id = identity(&value);
    let Some(existing) = out.iter_mut().find(|v| identity(v) == id) else {
        out.push(value);
        return Ok(());
    };
    if *existing == value {
        return Ok(());
    }
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.as_object_mut() {
            m.remove("subjects");
        }
        v
    };
    if let (Some(Value::Array(a)), Some(Value::Array(b))) =
        (existing.get("subjects").cloned(), value.get("subjects"))
        && strip(existing) == strip(&value)
    {
        let mut merged = a;
        for s in b {
            if !merged.contains(s) {
                merged.push(s.clone());
            }
        }
        if let Some(m) = existing.as_object_mut() {
            m.insert("subjects".into(), Value::Array(merged));
        }
        return Ok(());
    }
    let (_, kind, ns, name) = id;
    Err(format!(
        "renders two different {kind} objects named {}{name}",
        if ns.is_empty() {
            String::new()
        } else {
            format!("{ns}/")
        }
    ))
}

/// ResourceQuota hard values and LimitRange quantities must parse before
/// anything is sent; the error names the object, field and bad character.
fn check_quantities(value: &Value) -> Result<(), String> {
    let (_, kind, ns, name) = identity(value);
    let mut fields: Vec<(String, &Value)> = Vec::new();
    match kind.as_str() {
        "ResourceQuota" => {
            if let Some(hard) = value.pointer("/spec/hard").and_then(Value::as_object) {
                fields.extend(hard.iter().map(|(k, v)| (format!("spec.hard.{k}"), v)));
            }
        }
        "LimitRange" => {
            if let Some(limits) = value.pointer("/spec/limits").and_then(Value::as_array) {
                for (i, limit) in limits.iter().enumerate() {
                    for section in [
                        "default",
                        "defaultRequest",
                        "max",
                        "min",
                        "maxLimitRequestRatio",
                    ] {
                        if let Some(map) = limit.get(section).and_then(Value::as_object) {
                            fields.extend(
                                map.iter()
                                    .map(|(k, v)| (format!("spec.limits[{i}].{section}.{k}"), v)),
                            );
                        }
                    }
                }
            }
        }
        _ => {}
    }
    for (field, v) in fields {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        match parse_quantity(&text) {
            Err(err) => {
                return Err(format!(
                    "{kind} {ns}/{name}: {field} = {text:?} is not a quantity: {err}"
                ));
            }
            Ok(q) if kind == "ResourceQuota" => {
                let resource = field.trim_start_matches("spec.hard.");
                if let Some((true, why)) = crate::model::quantity::unit_advice(resource, &q) {
                    return Err(format!("{kind} {ns}/{name}: {field} = {text:?}: {why}"));
                }
            }
            Ok(_) => {}
        }
    }
    Ok(())
}

/// Built-in templates and the user's, by name. User templates override
/// built-ins of the same name; broken user files are kept as errors so a
/// listing can show them and using one says what is wrong.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub templates: Vec<Template>,
    pub broken: Vec<(PathBuf, TemplateError)>,
}

impl Catalogue {
    pub fn builtin() -> Catalogue {
        let templates = BUILTIN_TEMPLATES
            .iter()
            .filter_map(|(name, text)| {
                Template::parse(text, &format!("built-in {name}"), Source::Builtin).ok()
            })
            .collect();
        Catalogue {
            templates,
            broken: Vec::new(),
        }
    }

    /// Built-ins plus `*.yaml`/`*.yml` in `dir` (the config dir's
    /// `templates/`): built-ins first (a user file of the same name takes
    /// the built-in's place), then the user's in file-name order.
    pub fn load(dir: Option<&Path>) -> Catalogue {
        let mut catalogue = Catalogue::builtin();
        let Some(dir) = dir else {
            return catalogue;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return catalogue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        paths.sort();
        for path in paths {
            let origin = path.display().to_string();
            let parsed = std::fs::read_to_string(&path)
                .map_err(|e| TemplateError {
                    location: origin.clone(),
                    message: format!("cannot read: {e}"),
                })
                .and_then(|text| Template::parse(&text, &origin, Source::User(path.clone())));
            match parsed {
                Ok(template) => {
                    match catalogue
                        .templates
                        .iter_mut()
                        .find(|t| t.name == template.name)
                    {
                        Some(builtin) => *builtin = template,
                        None => catalogue.templates.push(template),
                    }
                }
                Err(err) => catalogue.broken.push((path, err)),
            }
        }
        catalogue
    }

    /// The template named `name`, or why there is none.
    pub fn get(&self, name: &str) -> Result<&Template, TemplateError> {
        if let Some(t) = self.templates.iter().find(|t| t.name == name) {
            return Ok(t);
        }
        if let Some((_, err)) = self
            .broken
            .iter()
            .find(|(path, _)| path.file_stem().is_some_and(|s| s == name))
        {
            return Err(err.clone());
        }
        Err(TemplateError {
            location: format!("template {name}"),
            message: format!(
                "no such template; there are {} (see `tenantry templates`)",
                self.templates
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
