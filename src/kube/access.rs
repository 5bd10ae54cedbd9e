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
        // Refused or not understood: an answer. (Overloaded or failing
        // servers, 429 and 5xx, are asked again.)
        Err(kube::Error::Api(status)) if status.code < 500 && status.code != 429 => Ok(false),
        Err(err) => Err(format!(
            "access review got no answer: {}",
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
