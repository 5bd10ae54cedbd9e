//! The pure side of a write (ARCHITECTURE.md §5, §10): what is asked
//! ([`WriteRequest`]), what the server's dry run says it would do
//! ([`PlanSummary`], [`PreparedWrite`]), why a write did not happen
//! ([`WriteError`], [`Refusal`]) and what was applied ([`ApplyReport`]).
//! The one write path that sends them is `kube::write_path`; the console
//! and the headless commands only present these values.

use std::fmt;

use kube::core::{DynamicObject, GroupVersionKind};
use serde_json::Value;

/// "ResourceQuota acme-dev/tenant-quota".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// The reference an object claims for itself (kind, namespace, name),
    /// before any server has looked at it.
    pub fn of(object: &DynamicObject) -> Self {
        ObjectRef {
            kind: object
                .types
                .as_ref()
                .map(|t| t.kind.clone())
                .unwrap_or_default(),
            namespace: object.metadata.namespace.clone(),
            name: object.metadata.name.clone().unwrap_or_default(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// "Kind ns/name" for each object, for the audit log.
pub fn describe_objects(objects: &[DynamicObject]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            let kind = o.types.as_ref().map(|t| t.kind.as_str()).unwrap_or("?");
            let name = o.metadata.name.as_deref().unwrap_or("?");
            match &o.metadata.namespace {
                Some(ns) => format!("{kind} {ns}/{name}"),
                None => format!("{kind} {name}"),
            }
        })
        .collect()
}

/// Contested fields and the managers that own them.
pub type FieldManagers = Vec<(String, String)>;

/// Why a write did not happen, in words that say what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// RBAC said no; the API server's message names verb, resource and
    /// namespace.
    Forbidden(String),
    /// Fields owned by another field manager; apply only with force.
    Conflict {
        fields: FieldManagers,
        message: String,
    },
    /// The object itself was refused (validation, admission).
    Refused(String),
    /// No answer: connection refused, timeout.
    Unreachable(String),
    /// Refused by tenantry before anything was sent: the objects cannot be
    /// written as they are (no kind, no name, nothing at all).
    Invalid(String),
    /// Read-only mode: tenantry itself refused; nothing was sent, not even
    /// a dry run (a dry run is a write request the server does not keep).
    ReadOnly,
    /// Read-only for a reason of its own (the context's guard in
    /// config.yaml, a view as another subject): tenantry refused; nothing
    /// was sent. The text says why.
    Guarded(String),
    /// The audit record of the write cannot be written (the reason says
    /// why): tenantry refused before sending anything (ARCHITECTURE.md §10).
    AuditLog(String),
    Other(String),
}

impl WriteError {
    /// Refused by tenantry itself, before any request: bad input to the
    /// CLI (exit 2), not a refusal by the server.
    pub fn refused_locally(&self) -> bool {
        matches!(
            self,
            WriteError::ReadOnly
                | WriteError::Guarded(_)
                | WriteError::Invalid(_)
                | WriteError::AuditLog(_)
        )
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Forbidden(message) => write!(f, "forbidden: {message}"),
            WriteError::Conflict { fields, .. } => {
                let owned: Vec<String> = fields
                    .iter()
                    .map(|(field, manager)| format!("{field} (owned by {manager})"))
                    .collect();
                write!(
                    f,
                    "fields owned by another manager: {}; re-run with --force to take them over",
                    owned.join(", ")
                )
            }
            WriteError::Refused(message) => write!(f, "refused: {message}"),
            WriteError::Unreachable(message) => {
                write!(f, "the API server did not answer: {message}")
            }
            WriteError::Invalid(message) => write!(f, "{message}; nothing was sent"),
            WriteError::ReadOnly => f.write_str(
                "read-only mode (--readonly or `readonly: true` in config.yaml): writes are \
                 disabled, dry runs too (a dry run is a write request the server does not keep); \
                 nothing was sent",
            ),
            WriteError::Guarded(reason) => write!(
                f,
                "{reason}: writes are disabled, dry runs too; nothing was sent"
            ),
            WriteError::AuditLog(reason) => write!(
                f,
                "the write was refused, nothing was sent: its audit record cannot be written \
                 ({reason})"
            ),
            WriteError::Other(message) => f.write_str(message),
        }
    }
}

/// `conflict with "kubectl" using v1: .spec.hard.pods` → `kubectl`.
pub fn manager_of(message: &str) -> String {
    message
        .split('"')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_else(|| message.to_string())
}

/// The text of a `Warning` header: `299 - "message"` → `message`,
/// sanitized (it is the server's text).
pub fn warning_text(header: &str) -> String {
    let rest = header
        .split_once(" - ")
        .map_or(header, |(_, text)| text)
        .trim();
    let text = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .map_or_else(|| rest.to_string(), |r| r.replace("\\\"", "\""));
    super::text::sanitize(&text).into_owned()
}

/// A write that did not happen: the object it stopped at (none when it
/// stopped before any object, as read-only mode does) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub object: Option<ObjectRef>,
    pub error: WriteError,
}

impl Refusal {
    pub fn at(object: ObjectRef, error: WriteError) -> Self {
        Refusal {
            object: Some(object),
            error,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.object {
            Some(object) => write!(f, "{object}: {}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

/// One changed field between the live object and the dry-run result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// An object checked by the server and what applying it would change.
#[derive(Debug, Clone)]
pub struct Planned {
    pub object: DynamicObject,
    pub reference: ObjectRef,
    /// False when the object does not exist yet.
    pub exists: bool,
    pub changes: Vec<FieldChange>,
    /// False for objects in a namespace this same plan creates: the server
    /// cannot dry-run them before the namespace exists, so the apply
    /// dry-runs them once it does, before writing any of them.
    pub checked: bool,
    /// The API server's warnings about applying it.
    pub warnings: Vec<String>,
}

impl Planned {
    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            reference: self.reference.clone(),
            exists: self.exists,
            changes: self.changes.clone(),
            checked: self.checked,
            warnings: self.warnings.clone(),
        }
    }
}

/// What a plan says about one object, without the object: for the console
/// to show, and to tell whether the cluster moved between a preview and
/// its confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSummary {
    pub reference: ObjectRef,
    pub exists: bool,
    pub changes: Vec<FieldChange>,
    pub checked: bool,
    pub warnings: Vec<String>,
}

impl PlanSummary {
    /// `create`, `change` or `unchanged`.
    pub fn verb(&self) -> &'static str {
        if !self.exists {
            "create"
        } else if self.changes.is_empty() {
            "unchanged"
        } else {
            "change"
        }
    }
}

/// The report, as the console keeps it.
pub type ApplyOutcome = ApplyReport;

/// Result of applying a plan for real.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ApplyReport {
    pub applied: Vec<ObjectRef>,
    /// The object that failed and why; everything after it was not tried.
    pub failed: Option<(ObjectRef, WriteError)>,
    pub not_applied: Vec<ObjectRef>,
}

impl ApplyReport {
    pub fn is_complete(&self) -> bool {
        self.failed.is_none() && self.not_applied.is_empty()
    }

    /// "failed at X: why; applied: A, B; not applied: C", for the audit
    /// log and the headless commands.
    pub fn failure_message(&self) -> String {
        let failed = self
            .failed
            .as_ref()
            .map(|(object, err)| format!("{object}: {err}"))
            .unwrap_or_default();
        let list = |objects: &[ObjectRef]| {
            if objects.is_empty() {
                "none".to_string()
            } else {
                objects
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        format!(
            "failed at {failed}; applied: {}; not applied: {}",
            list(&self.applied),
            list(&self.not_applied)
        )
    }
}

/// A write as the console's form or a headless command built it.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRequest {
    /// For the audit log: `quota set`, `apply template T to X`, ….
    pub action: String,
    pub objects: Vec<DynamicObject>,
    /// Take over fields other field managers own.
    pub force: bool,
}

/// A request and the plan its preview showed: what a confirmation
/// confirms. Committing it dry-runs again and writes only when the server
/// still plans exactly this; so it is plain data, and a stale or forged
/// one can only be refused, never written.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedWrite {
    pub request: WriteRequest,
    pub plan: Vec<PlanSummary>,
}

/// How a commit ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Committed {
    /// Applied, completely or not: the report says which objects were.
    Applied(ApplyReport),
    /// The server's plan is no longer the preview (the cluster moved):
    /// nothing was written; this is the new preview to confirm.
    Moved(PreparedWrite),
    /// Refused before anything was written.
    Refused(Refusal),
}

/// What can be checked without the server: there is something to write,
/// and every object names its apiVersion, kind and name.
pub fn validate_objects(objects: &[DynamicObject]) -> Result<(), Refusal> {
    if objects.is_empty() {
        return Err(Refusal {
            object: None,
            error: WriteError::Invalid("nothing to write: no objects".into()),
        });
    }
    for object in objects {
        let reference = ObjectRef::of(object);
        let refuse = |why: String| Refusal {
            object: (!reference.name.is_empty()).then(|| reference.clone()),
            error: WriteError::Invalid(why),
        };
        let Some(types) = object.types.as_ref() else {
            return Err(refuse("an object has no apiVersion/kind".into()));
        };
        let well_formed = GroupVersionKind::try_from(types)
            .is_ok_and(|gvk| !gvk.version.is_empty() && !gvk.version.contains('/'));
        if !well_formed {
            return Err(refuse(format!(
                "bad apiVersion {:?}: expected VERSION or GROUP/VERSION",
                types.api_version
            )));
        }
        if types.kind.is_empty() {
            return Err(refuse("an object has no kind".into()));
        }
        if object.metadata.name.as_deref().is_none_or(str::is_empty) {
            return Err(refuse(format!("a {} has no metadata.name", types.kind)));
        }
    }
    Ok(())
}

/// The parts of an object a person cares about in a diff: no status, no
/// bookkeeping metadata.
pub fn comparable(object: &DynamicObject) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in [
                "managedFields",
                "resourceVersion",
                "uid",
                "generation",
                "creationTimestamp",
                "selfLink",
            ] {
                meta.remove(key);
            }
        }
    }
    value
}

/// Field-by-field differences; list items are matched by `name` when they
/// have one (containers, rules with names), else by position.
pub fn diff(path: &str, before: &Value, after: &Value, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = format!("{path}.{key}");
                diff(
                    &child,
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Object(a), Value::Null) if !a.is_empty() => {
            for (key, value) in a {
                diff(&format!("{path}.{key}"), value, &Value::Null, out);
            }
        }
        (Value::Null, Value::Object(b)) if !b.is_empty() => {
            for (key, value) in b {
                diff(&format!("{path}.{key}"), &Value::Null, value, out);
            }
        }
        (a, b) if a != b => out.push(FieldChange {
            path: if path.is_empty() {
                ".".into()
            } else {
                path.to_string()
            },
            before: (!a.is_null()).then(|| a.clone()),
            after: (!b.is_null()).then(|| b.clone()),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_each_changed_field() {
        let before = json!({"spec": {"hard": {"pods": "10", "cpu": "2"}}, "metadata": {"labels": {"a": "1"}}});
        let after = json!({"spec": {"hard": {"pods": "20", "cpu": "2", "memory": "1Gi"}}, "metadata": {"labels": {"a": "1"}}});
        let mut changes = Vec::new();
        diff("", &before, &after, &mut changes);
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    path: ".spec.hard.memory".into(),
                    before: None,
                    after: Some(json!("1Gi"))
                },
                FieldChange {
                    path: ".spec.hard.pods".into(),
                    before: Some(json!("10")),
                    after: Some(json!("20"))
                },
            ]
        );
    }

    #[test]
    fn a_new_object_is_all_additions() {
        let mut changes = Vec::new();
        diff(
            "",
            &Value::Null,
            &json!({"metadata": {"name": "x"}, "spec": {"a": 1}}),
            &mut changes,
        );
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.before.is_none()));
    }

    #[test]
    fn warning_headers_are_read_as_their_text() {
        assert_eq!(
            warning_text(
                r#"299 - "existing pods in namespace \"a\" violate the new PodSecurity enforce level""#
            ),
            "existing pods in namespace \"a\" violate the new PodSecurity enforce level"
        );
        assert_eq!(warning_text("plain"), "plain");
    }

    #[test]
    fn conflict_messages_name_the_manager() {
        assert_eq!(
            manager_of("conflict with \"kubectl\" using v1: .spec.hard.pods"),
            "kubectl"
        );
    }

    fn object(value: serde_json::Value) -> DynamicObject {
        serde_json::from_value(value).expect("a DynamicObject")
    }

    #[test]
    fn local_validation_refuses_what_no_server_could_place() {
        let good = object(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns"},
        }));
        assert_eq!(validate_objects(std::slice::from_ref(&good)), Ok(()));
        let empty = validate_objects(&[]).unwrap_err();
        assert_eq!(empty.object, None);
        assert!(empty.to_string().contains("nothing to write"), "{empty}");
        let nameless = object(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}));
        let refusal = validate_objects(&[good.clone(), nameless]).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "a ConfigMap has no metadata.name; nothing was sent"
        );
        let bad_version = object(json!({
            "apiVersion": "a/b/c", "kind": "X", "metadata": {"name": "x"},
        }));
        let refusal = validate_objects(&[bad_version]).unwrap_err();
        assert!(refusal.to_string().contains("bad apiVersion"), "{refusal}");
        let kindless = object(json!({"apiVersion": "v1", "metadata": {"name": "x"}}));
        assert!(validate_objects(&[kindless]).is_err());
    }

    #[test]
    fn a_read_only_refusal_names_no_object_and_says_nothing_was_sent() {
        let refusal = Refusal {
            object: None,
            error: WriteError::ReadOnly,
        };
        let text = refusal.to_string();
        assert!(text.starts_with("read-only mode"), "{text}");
        assert!(text.ends_with("nothing was sent"), "{text}");
    }
}
