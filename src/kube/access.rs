//! What the user may read, asked of the API server before watching
//! (ARCHITECTURE.md §4): SelfSubjectAccessReview per kind, cluster-wide, then per
//! namespace the user can name.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use crate::model::Kind;

/// The API group and plural resource of a kind.
pub fn resource_of(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Namespace => ("", "namespaces"),
        Kind::Pod => ("", "pods"),
        Kind::ResourceQuota => ("", "resourcequotas"),
        Kind::LimitRange => ("", "limitranges"),
        Kind::NetworkPolicy => ("networking.k8s.io", "networkpolicies"),
        Kind::RoleBinding => ("rbac.authorization.k8s.io", "rolebindings"),
        Kind::ClusterRoleBinding => ("rbac.authorization.k8s.io", "clusterrolebindings"),
        Kind::Role => ("rbac.authorization.k8s.io", "roles"),
        Kind::ClusterRole => ("rbac.authorization.k8s.io", "clusterroles"),
        Kind::CapsuleTenant => ("capsule.clastix.io", "tenants"),
        Kind::KueueClusterQueue => ("kueue.x-k8s.io", "clusterqueues"),
        Kind::KueueLocalQueue => ("kueue.x-k8s.io", "localqueues"),
        Kind::KueueWorkload => ("kueue.x-k8s.io", "workloads"),
        Kind::HierarchicalResourceQuota => ("hnc.x-k8s.io", "hierarchicalresourcequotas"),
        Kind::ClusterResourceQuota => ("quota.openshift.io", "clusterresourcequotas"),
        Kind::CapsuleResourcePool => ("capsule.clastix.io", "resourcepools"),
        Kind::CapsulePoolClaim => ("capsule.clastix.io", "resourcepoolclaims"),
        Kind::CapsuleGlobalQuota => ("capsule.clastix.io", "globalresourcequotas"),
        Kind::Event => ("", "events"),
    }
}

/// Whether the user may `verb` the resource; an error answers "no" with
/// the error as the reason.
pub async fn can(
    client: &kube::Client,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<bool, String> {
    review(client, verb, group, resource, namespace, name)
        .await
        .map_err(|err| {
            format!(
                "access review failed: {}",
                crate::credentials::error_text(&err)
            )
        })
}

/// [`can`], telling a server that refused the review (an answer: "no")
/// from one that could not be reached (an error, worth asking again).
pub async fn can_or_unreachable(
    client: &kube::Client,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<bool, String> {
    match review(client, verb, group, resource, namespace, name).await {
        Ok(allowed) => Ok(allowed),
        // The review itself is forbidden (some platforms deny
        // SelfSubjectAccessReview; k9s issue 3486): try the read instead,
        // and a 403 is the "no".
        Err(kube::Error::Api(status)) if status.code == 403 => {
            try_read(client, verb, group, resource, namespace, name).await
        }
        // Refused or not understood: an answer. (Overloaded or failing
        // servers, 429 and 5xx, are asked again.)
        Err(kube::Error::Api(status)) if status.code < 500 && status.code != 429 => Ok(false),
        Err(err) => Err(format!(
            "access review got no answer: {}",
            crate::credentials::error_text(&err)
        )),
    }
}

/// The API version tenantry reads a group at.
fn version_of(group: &str) -> &'static str {
    match group {
        "capsule.clastix.io" => "v1beta2",
        _ => "v1",
    }
}

/// Whether a name can go into a URL path as it is (a DNS label or
/// subdomain, as every namespace and object name tenantry reads is).
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// The request an access review stands for, when it is a read: the URL
/// to GET (a list asks for one item only).
pub(crate) fn read_path(
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Option<String> {
    if !matches!(verb, "get" | "list" | "watch") {
        return None;
    }
    if !namespace.is_none_or(plain_name) || !name.is_none_or(plain_name) || !plain_name(resource) {
        return None;
    }
    let base = if group.is_empty() {
        "/api/v1".to_string()
    } else {
        format!("/apis/{group}/{}", version_of(group))
    };
    let collection = match (resource, namespace) {
        // A namespace's own object: `GET /api/v1/namespaces/NS`.
        ("namespaces", _) => format!("{base}/namespaces"),
        (_, Some(ns)) => format!("{base}/namespaces/{ns}/{resource}"),
        (_, None) => format!("{base}/{resource}"),
    };
    Some(match (verb, name) {
        ("get", Some(name)) => format!("{collection}/{name}"),
        ("get", None) => return None,
        _ => format!("{collection}?limit=1"),
    })
}

/// Answers an access review by doing the read it asks about: allowed when
/// the server answers, not when it refuses (403, or anything else it
/// rejects); an error when it cannot be reached. Only reads are tried.
async fn try_read(
    client: &kube::Client,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<bool, String> {
    let Some(path) = read_path(verb, group, resource, namespace, name) else {
        return Ok(false);
    };
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|err| format!("building a request: {err}"))?;
    match client.request_text(request).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code < 500 && status.code != 429 => Ok(false),
        Err(err) => Err(format!(
            "the API server did not answer: {}",
            crate::credentials::error_text(&err)
        )),
    }
}

async fn review(
    client: &kube::Client,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<bool, kube::Error> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.to_string()),
                group: Some(group.to_string()),
                resource: Some(resource.to_string()),
                namespace: namespace.map(str::to_string),
                name: name.map(str::to_string),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = api.create(&PostParams::default(), &review).await?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// Whether the user may list and watch a kind in a scope (None =
/// cluster-wide); an error when the server could not be reached.
pub async fn can_watch(
    client: &kube::Client,
    kind: Kind,
    namespace: Option<&str>,
) -> Result<bool, String> {
    let (group, resource) = resource_of(kind);
    let (list, watch) = futures::join!(
        can_or_unreachable(client, "list", group, resource, namespace, None),
        can_or_unreachable(client, "watch", group, resource, namespace, None)
    );
    Ok(list? && watch?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stand_in_for_reviews_and_nothing_else_does() {
        assert_eq!(
            read_path("list", "", "pods", Some("acme-dev"), None).as_deref(),
            Some("/api/v1/namespaces/acme-dev/pods?limit=1")
        );
        assert_eq!(
            read_path(
                "watch",
                "rbac.authorization.k8s.io",
                "clusterroles",
                None,
                None
            )
            .as_deref(),
            Some("/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=1")
        );
        assert_eq!(
            read_path("get", "", "namespaces", Some("acme"), Some("acme")).as_deref(),
            Some("/api/v1/namespaces/acme")
        );
        assert_eq!(
            read_path("list", "capsule.clastix.io", "tenants", None, None).as_deref(),
            Some("/apis/capsule.clastix.io/v1beta2/tenants?limit=1")
        );
        // Writes are never tried; odd names never reach a URL.
        assert_eq!(read_path("create", "", "pods", Some("a"), None), None);
        assert_eq!(read_path("delete", "", "pods", Some("a"), Some("p")), None);
        assert_eq!(read_path("list", "", "pods", Some("a/../b"), None), None);
        assert_eq!(read_path("list", "", "pods", Some("a?x=1"), None), None);
        assert_eq!(read_path("get", "", "pods", Some("a"), None), None);
    }
}
