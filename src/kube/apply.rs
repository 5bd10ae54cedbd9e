//! Server-side apply of arbitrary manifests, resolving each kind through
//! discovery once.

use std::collections::HashMap;

use anyhow::{Context, Result};
use kube::api::{Patch, PatchParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::discovery::{ApiCapabilities, Scope};
use kube::{Api, Client};

/// The field manager of every write tenantry makes.
pub const FIELD_MANAGER: &str = "tenantry";

/// The field manager of the sandbox's demo and benchmark data: those stand
/// for objects other tools made, so tenantry's own applies must not own
/// (and so could not remove) their fields.
pub const SEED_FIELD_MANAGER: &str = "tenantry-seed";

/// Parses a multi-document YAML text into objects, skipping empty documents.
pub fn parse_manifests(text: &str, origin: &str) -> Result<Vec<DynamicObject>> {
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(text).map_err(|err| anyhow::anyhow!("{origin}: {err}"))?;
    docs.into_iter()
        .filter(|doc| !doc.is_null())
        .map(|doc| {
            serde_json::from_value::<DynamicObject>(doc)
                .with_context(|| format!("{origin}: a document is not a Kubernetes object"))
        })
        .collect()
}

/// Discovery answers per kind, asked once per kind (a multi-object write
/// touches the same few kinds many times).
#[derive(Default)]
pub struct KindCache(std::sync::Mutex<HashMap<GroupVersionKind, (ApiResource, ApiCapabilities)>>);

impl KindCache {
    pub async fn resolve(
        &self,
        client: &Client,
        gvk: &GroupVersionKind,
    ) -> Result<(ApiResource, ApiCapabilities), kube::Error> {
        if let Some(found) = self.0.lock().ok().and_then(|k| k.get(gvk).cloned()) {
            return Ok(found);
        }
        let found = kube::discovery::pinned_kind(client, gvk).await?;
        if let Ok(mut kinds) = self.0.lock() {
            kinds.insert(gvk.clone(), found.clone());
        }
        Ok(found)
    }
}

/// Applies objects with server-side apply, caching discovery per kind.
pub struct Applier {
    client: Client,
    kinds: KindCache,
    params: PatchParams,
}

impl Applier {
    pub fn new(client: Client, manager: &str, dry_run: bool, force: bool) -> Self {
        let mut params = PatchParams::apply(manager);
        params.dry_run = dry_run;
        params.force = force;
        Self {
            client,
            kinds: KindCache::default(),
            params,
        }
    }

    async fn resolve(&self, gvk: &GroupVersionKind) -> Result<(ApiResource, ApiCapabilities)> {
        self.kinds
            .resolve(&self.client, gvk)
            .await
            .with_context(|| {
                format!(
                    "the API server does not serve {}/{}",
                    gvk.api_version(),
                    gvk.kind
                )
            })
    }

    /// Applies one object and returns what the server stored.
    pub async fn apply(&mut self, object: &DynamicObject) -> Result<DynamicObject> {
        let types = object
            .types
            .as_ref()
            .context("an object has no apiVersion/kind")?;
        let gvk = GroupVersionKind::try_from(types)
            .with_context(|| format!("bad apiVersion {:?}", types.api_version))?;
        let name = object
            .metadata
            .name
            .as_deref()
            .with_context(|| format!("a {} has no metadata.name", gvk.kind))?;
        let (resource, caps) = self.resolve(&gvk).await?;
        let api: Api<DynamicObject> = match caps.scope {
            Scope::Cluster => Api::all_with(self.client.clone(), &resource),
            Scope::Namespaced => {
                let namespace = object.metadata.namespace.as_deref().with_context(|| {
                    format!("{} {name} is namespaced but names no namespace", gvk.kind)
                })?;
                Api::namespaced_with(self.client.clone(), namespace, &resource)
            }
        };
        api.patch(name, &self.params, &Patch::Apply(object))
            .await
            .with_context(|| describe(object, &gvk.kind, name))
    }
}

fn describe(object: &DynamicObject, kind: &str, name: &str) -> String {
    match object.metadata.namespace.as_deref() {
        Some(ns) => format!("applying {kind} {ns}/{name}"),
        None => format!("applying {kind} {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multi_document_yaml() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: a\n";
        let objects = parse_manifests(text, "test.yaml").unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[1].metadata.namespace.as_deref(), Some("a"));
    }

    #[test]
    fn names_the_file_on_bad_yaml() {
        let err = parse_manifests("kind: [unclosed\n", "bad.yaml").unwrap_err();
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
    }
}
