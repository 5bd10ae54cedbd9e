//! Writes (DESIGN.md §5): every change is previewed with a server-side
//! dry-run of the whole set before anything is written, applied with
//! server-side apply (field manager `tenantry`) one object at a time, and
//! reported object by object, so a failure halfway says exactly what was
//! and was not applied; a re-run completes it (apply is idempotent).

use std::fmt;

use kube::Client;
use kube::api::{Api, Patch, PatchParams};
use kube::core::{DynamicObject, GroupVersionKind};
use kube::discovery::Scope;
use serde_json::Value;

use super::apply::{FIELD_MANAGER, KindCache};
use crate::model::text::sanitize;

/// "ResourceQuota acme-dev/tenant-quota".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// The text of a `Warning` header: `299 - "message"` → `message`,
/// sanitized (it is the server's text).
fn warning_text(header: &str) -> String {
    let rest = header
        .split_once(" - ")
        .map_or(header, |(_, text)| text)
        .trim();
    let text = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .map_or_else(|| rest.to_string(), |r| r.replace("\\\"", "\""));
    sanitize(&text).into_owned()
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
        fields: Vec<(String, String)>,
        message: String,
    },
    /// The object itself was refused (validation, admission).
    Refused(String),
    /// No answer: connection refused, timeout.
    Unreachable(String),
    Other(String),
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
            WriteError::Other(message) => f.write_str(message),
        }
    }
}

/// Sorts a kube error into what the user can do about it; every text in it
/// is the server's or a library's, so it is sanitized (and any credential
/// masked) here.
fn classify(err: kube::Error) -> WriteError {
    match err {
        kube::Error::Api(status) => match status.code {
            403 => WriteError::Forbidden(sanitize(&status.message).into_owned()),
            409 if status.reason == "Conflict" || status.message.contains("conflict") => {
                let fields = status
                    .details
                    .as_ref()
                    .map(|d| {
                        d.causes
                            .iter()
                            .map(|c| {
                                (
                                    sanitize(&c.field).into_owned(),
                                    sanitize(&manager_of(&c.message)).into_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                WriteError::Conflict {
                    fields,
                    message: sanitize(&status.message).into_owned(),
                }
            }
            _ => WriteError::Refused(sanitize(&status.message).into_owned()),
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            WriteError::Unreachable(crate::credentials::error_text(&err))
        }
        other => WriteError::Other(crate::credentials::error_text(&other)),
    }
}

/// `conflict with "kubectl" using v1: .spec.hard.pods` → `kubectl`.
fn manager_of(message: &str) -> String {
    message
        .split('"')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_else(|| message.to_string())
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
    /// cannot dry-run them before the namespace exists, so [`Writer::apply`]
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
}

/// Sends objects to the API server with server-side apply.
pub struct Writer {
    client: Client,
    force: bool,
    kinds: KindCache,
}

impl Writer {
    pub fn new(client: Client, force: bool) -> Self {
        Writer {
            client,
            force,
            kinds: KindCache::default(),
        }
    }

    /// The object's Api, its reference and its collection's URL path.
    async fn locate(
        &self,
        object: &DynamicObject,
    ) -> Result<(Api<DynamicObject>, ObjectRef, String), WriteError> {
        let types = object
            .types
            .as_ref()
            .ok_or_else(|| WriteError::Other("an object has no apiVersion/kind".into()))?;
        let gvk = GroupVersionKind::try_from(types).map_err(|e| {
            WriteError::Other(format!("bad apiVersion {:?}: {e}", types.api_version))
        })?;
        let name = object
            .metadata
            .name
            .clone()
            .ok_or_else(|| WriteError::Other(format!("a {} has no metadata.name", gvk.kind)))?;
        let (resource, caps) = self
            .kinds
            .resolve(&self.client, &gvk)
            .await
            .map_err(classify)?;
        let (api, namespace) = match caps.scope {
            Scope::Cluster => (Api::all_with(self.client.clone(), &resource), None),
            Scope::Namespaced => {
                let ns = object.metadata.namespace.clone().ok_or_else(|| {
                    WriteError::Other(format!(
                        "{} {name} is namespaced but names no namespace",
                        gvk.kind
                    ))
                })?;
                (
                    Api::namespaced_with(self.client.clone(), &ns, &resource),
                    Some(ns),
                )
            }
        };
        let url = <DynamicObject as kube::Resource>::url_path(&resource, namespace.as_deref());
        Ok((
            api,
            ObjectRef {
                kind: gvk.kind,
                namespace,
                name,
            },
            url,
        ))
    }

    /// A server-side dry-run apply that keeps the API server's `Warning`
    /// headers (Pod Security's "existing pods violate…", deprecations),
    /// which kube's typed calls drop.
    async fn dry_run(
        &self,
        url: &str,
        name: &str,
        object: &DynamicObject,
    ) -> Result<(DynamicObject, Vec<String>), WriteError> {
        use http_body_util::BodyExt;
        let request = kube::core::Request::new(url)
            .patch(name, &self.params(true), &Patch::Apply(object))
            .map_err(|e| WriteError::Other(format!("building the dry run of {name}: {e}")))?;
        let response = self
            .client
            .send(request.map(kube::client::Body::from))
            .await
            .map_err(classify)?;
        let warnings: Vec<String> = response
            .headers()
            .get_all(http::header::WARNING)
            .iter()
            // Read as UTF-8 (a warning may quote non-ASCII object data):
            // dropped, it would hide the warning; it is sanitized instead.
            .map(|v| warning_text(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| WriteError::Unreachable(e.to_string()))?
            .to_bytes();
        if status.is_client_error() || status.is_server_error() {
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            let api_status =
                serde_json::from_slice::<kube::core::Status>(&bytes).unwrap_or_else(|_| {
                    kube::core::Status::failure(&text, "the server's answer was not a Status")
                        .with_code(status.as_u16())
                });
            return Err(classify(kube::Error::Api(api_status.boxed())));
        }
        let result = serde_json::from_slice::<DynamicObject>(&bytes).map_err(|e| {
            WriteError::Other(format!(
                "the dry run of {name} answered with something else than the object: {e}"
            ))
        })?;
        Ok((result, warnings))
    }

    fn params(&self, dry_run: bool) -> PatchParams {
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = self.force;
        params.dry_run = dry_run;
        params
    }

    /// Dry-runs every object (server-side, `dryRun=All`) and computes what
    /// would change. Stops at the first refusal: nothing has been written.
    pub async fn preflight(
        &self,
        objects: &[DynamicObject],
    ) -> Result<Vec<Planned>, (ObjectRef, WriteError)> {
        let mut planned: Vec<Planned> = Vec::new();
        // Conflicts do not stop the dry runs: every object's contested
        // fields are named at once (force takes them all over).
        let mut conflicts: Vec<(ObjectRef, FieldManagers, String)> = Vec::new();
        for object in objects {
            if let Some(ns) = &object.metadata.namespace
                && planned.iter().any(|p| {
                    !p.exists && p.reference.kind == "Namespace" && &p.reference.name == ns
                })
            {
                let kind = object
                    .types
                    .as_ref()
                    .map(|t| t.kind.clone())
                    .unwrap_or_default();
                let mut changes = Vec::new();
                diff("", &Value::Null, &comparable(object), &mut changes);
                planned.push(Planned {
                    object: object.clone(),
                    reference: ObjectRef {
                        kind,
                        namespace: Some(ns.clone()),
                        name: object.metadata.name.clone().unwrap_or_default(),
                    },
                    exists: false,
                    changes,
                    checked: false,
                    warnings: Vec::new(),
                });
                continue;
            }
            let unknown = || ObjectRef {
                kind: object
                    .types
                    .as_ref()
                    .map(|t| t.kind.clone())
                    .unwrap_or_default(),
                namespace: object.metadata.namespace.clone(),
                name: object.metadata.name.clone().unwrap_or_default(),
            };
            let (api, reference, url) = self.locate(object).await.map_err(|e| (unknown(), e))?;
            let live = api.get_opt(&reference.name).await.map_err(classify);
            let dry_run = self.dry_run(&url, &reference.name, object).await;
            // When both are refused, the write's refusal is the one that
            // matters (it names the verb that was wanted); when only the
            // read is, there is no truthful preview to show.
            let (live, (result, warnings)) = match (live, dry_run) {
                (_, Err(WriteError::Conflict { fields, message })) => {
                    conflicts.push((reference, fields, message));
                    continue;
                }
                (_, Err(e)) => return Err((reference, e)),
                (Err(e), Ok(_)) => return Err((reference, e)),
                (Ok(live), Ok(answer)) => (live, answer),
            };
            let before = live.as_ref().map(comparable).unwrap_or(Value::Null);
            let after = comparable(&result);
            let mut changes = Vec::new();
            diff("", &before, &after, &mut changes);
            planned.push(Planned {
                object: object.clone(),
                reference,
                exists: live.is_some(),
                changes,
                checked: true,
                warnings,
            });
        }
        if let Some((first, _, message)) = conflicts.first().cloned() {
            let several = conflicts.len() > 1;
            let fields = conflicts
                .into_iter()
                .flat_map(|(reference, fields, _)| {
                    fields.into_iter().map(move |(field, manager)| {
                        if several {
                            (format!("{reference} {field}"), manager)
                        } else {
                            (field, manager)
                        }
                    })
                })
                .collect();
            return Err((first, WriteError::Conflict { fields, message }));
        }
        Ok(planned)
    }

    /// Applies each planned object in order, reporting progress through
    /// `on_applied`; stops at the first failure.
    pub async fn apply(
        &self,
        planned: &[Planned],
        mut on_applied: impl FnMut(&ObjectRef),
    ) -> ApplyReport {
        let mut report = ApplyReport::default();
        let mut unchecked_verified = false;
        for (i, plan) in planned.iter().enumerate() {
            if !plan.checked && !unchecked_verified {
                // The namespaces they go into exist now: dry-run every
                // remaining unchecked object before writing any of them.
                unchecked_verified = true;
                for later in planned[i..].iter().filter(|p| !p.checked) {
                    let refused = match self.locate(&later.object).await {
                        Ok((_, _, url)) => self
                            .dry_run(&url, &later.reference.name, &later.object)
                            .await
                            .err(),
                        Err(e) => Some(e),
                    };
                    if let Some(err) = refused {
                        report.failed = Some((later.reference.clone(), err));
                        report.not_applied = planned[i..]
                            .iter()
                            .filter(|p| p.reference != later.reference)
                            .map(|p| p.reference.clone())
                            .collect();
                        return report;
                    }
                }
            }
            let result = match self.locate(&plan.object).await {
                Ok((api, _, _)) => api
                    .patch(
                        &plan.reference.name,
                        &self.params(false),
                        &Patch::Apply(&plan.object),
                    )
                    .await
                    .map(|_| ())
                    .map_err(classify),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => {
                    on_applied(&plan.reference);
                    report.applied.push(plan.reference.clone());
                }
                Err(err) => {
                    report.failed = Some((plan.reference.clone(), err));
                    report.not_applied = planned[i + 1..]
                        .iter()
                        .map(|p| p.reference.clone())
                        .collect();
                    break;
                }
            }
            if let Some(delay) = test_delay() {
                tokio::time::sleep(delay).await;
            }
        }
        report
    }
}

/// `TENANTRY_TEST_APPLY_DELAY_MS`: a pause between objects, so the tests
/// can stop the API server halfway through an apply. Unset in normal use.
fn test_delay() -> Option<std::time::Duration> {
    std::env::var("TENANTRY_TEST_APPLY_DELAY_MS")
        .ok()?
        .parse()
        .ok()
        .map(std::time::Duration::from_millis)
}

/// The parts of an object a person cares about in a diff: no status, no
/// bookkeeping metadata.
fn comparable(object: &DynamicObject) -> Value {
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
}
