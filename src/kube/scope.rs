//! Whether a kind is namespaced, asked of the API server (discovery) for
//! the kinds `model::reach::known_scope` does not know, so that where a
//! template's custom resources land can be checked before anything is
//! sent.

use std::collections::BTreeMap;

use kube::Client;
use kube::core::{DynamicObject, GroupVersionKind};
use kube::discovery::Scope;

use crate::model::reach::{KindScope, known_scope};

/// The scope of every (apiVersion, kind) among `objects` that the built-in
/// table does not know and the API server serves; kinds it does not serve
/// are left out (the reach check then refuses them, saying it cannot
/// tell).
pub async fn discover_scopes(
    client: &Client,
    objects: &[DynamicObject],
) -> BTreeMap<(String, String), KindScope> {
    let mut out = BTreeMap::new();
    for types in objects.iter().filter_map(|o| o.types.as_ref()) {
        let key = (types.api_version.clone(), types.kind.clone());
        if known_scope(&key.0, &key.1).is_some() || out.contains_key(&key) {
            continue;
        }
        let Ok(gvk) = GroupVersionKind::try_from(types) else {
            continue;
        };
        match kube::discovery::pinned_kind(client, &gvk).await {
            Ok((_, caps)) => {
                out.insert(
                    key,
                    match caps.scope {
                        Scope::Cluster => KindScope::Cluster,
                        Scope::Namespaced => KindScope::Namespaced,
                    },
                );
            }
            Err(err) => tracing::debug!("discovery of {}/{}: {err}", key.0, key.1),
        }
    }
    out
}
