//! Writes (ARCHITECTURE.md §5): every change is previewed with a server-side
//! dry-run of the whole set before anything is written, applied with
//! server-side apply (field manager `tenantry`) one object at a time, and
//! reported object by object, so a failure halfway says exactly what was
//! and was not applied; a re-run completes it (apply is idempotent).
//!
//! These are the pieces; only [`super::write_path`] calls them, so that
//! every write goes through its read-only gate, its comparison with the
//! preview and its audit record.

use kube::Client;
use kube::api::{Api, Patch, PatchParams};
use kube::core::{DynamicObject, GroupVersionKind};
use kube::discovery::Scope;
use serde_json::Value;

use super::apply::{FIELD_MANAGER, KindCache};
use crate::model::text::sanitize;
use crate::model::write_plan::{comparable, manager_of, warning_text};
// The plan and report types are pure and live in the model; they are
// re-exported here for the callers that reach them through the writer.
pub use crate::model::write_plan::{
    ApplyOutcome, ApplyReport, FieldChange, FieldManagers, ObjectRef, PlanSummary, Planned,
    WriteError, describe_objects, diff,
};

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

/// Sends objects to the API server with server-side apply.
pub(super) struct Writer {
    client: Client,
    force: bool,
    kinds: KindCache,
}

impl Writer {
    pub(super) fn new(client: Client, force: bool) -> Self {
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
    pub(super) async fn preflight(
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
            let (api, reference, url) = self
                .locate(object)
                .await
                .map_err(|e| (ObjectRef::of(object), e))?;
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
    pub(super) async fn apply(
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
