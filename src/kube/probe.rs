//! Admission probes and access questions that need the API server: pods
//! submitted with `dryRun=All` as the tenant owner, SubjectAccessReviews,
//! and SelfSubjectRulesReviews for the user's own access matrix.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectRulesReview, SelfSubjectRulesReviewSpec, SubjectAccessReview,
    SubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use serde_json::json;

use crate::model::{RuleInfo, Subject};

/// What the API server did with a dry-run create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DryRun {
    Admitted,
    Refused {
        code: u16,
        message: String,
    },
    /// No answer (connection, timeout): says nothing about admission.
    Error(String),
}

/// The pods the admission probes submit; each breaks one isolation rule.
pub fn probe_pods() -> Vec<(&'static str, Pod)> {
    let base = |name: &str, spec_extra: serde_json::Value, container_extra: serde_json::Value| {
        // Requests equal limits and are small, so LimitRanges and quotas
        // have as little reason as possible to refuse before Pod Security.
        let mut container = json!({
            "name": "probe",
            "image": "registry.k8s.io/pause:3.10",
            "resources": {
                "requests": {"cpu": "10m", "memory": "16Mi"},
                "limits": {"cpu": "10m", "memory": "16Mi"},
            },
        });
        merge(&mut container, container_extra);
        let mut spec = json!({"containers": [container]});
        merge(&mut spec, spec_extra);
        let value = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": format!("tenantry-probe-{name}"),
                "labels": {"app.kubernetes.io/managed-by": "tenantry"},
            },
            "spec": spec,
        });
        serde_json::from_value::<Pod>(value).unwrap_or_default()
    };
    vec![
        (
            "privileged",
            base(
                "privileged",
                json!({}),
                json!({"securityContext": {"privileged": true}}),
            ),
        ),
        (
            "hostNetwork",
            base("host-network", json!({"hostNetwork": true}), json!({})),
        ),
        (
            "hostPID",
            base("host-pid", json!({"hostPID": true}), json!({})),
        ),
        (
            "hostIPC",
            base("host-ipc", json!({"hostIPC": true}), json!({})),
        ),
        (
            "hostPath",
            base(
                "host-path",
                json!({"volumes": [{"name": "root", "hostPath": {"path": "/"}}]}),
                json!({"volumeMounts": [{"name": "root", "mountPath": "/host"}]}),
            ),
        ),
    ]
}

fn merge(target: &mut serde_json::Value, extra: serde_json::Value) {
    if let (Some(target), serde_json::Value::Object(extra)) = (target.as_object_mut(), extra) {
        for (key, value) in extra {
            target.insert(key, value);
        }
    }
}

/// Submits `pod` to `namespace` with dryRun=All: nothing is created.
pub async fn dry_run_pod(client: &kube::Client, namespace: &str, pod: &Pod) -> DryRun {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = PostParams {
        dry_run: true,
        field_manager: Some(crate::kube::apply::FIELD_MANAGER.to_string()),
    };
    match api.create(&params, pod).await {
        Ok(_) => DryRun::Admitted,
        Err(kube::Error::Api(status)) => DryRun::Refused {
            code: status.code,
            message: status.message.clone(),
        },
        Err(err) => DryRun::Error(crate::credentials::error_text(&err)),
    }
}

/// The user name the API server uses for a subject, for impersonation.
pub fn impersonation_name(subject: &Subject) -> Option<String> {
    match subject.kind.as_str() {
        "User" => Some(subject.name.clone()),
        "ServiceAccount" => subject
            .namespace
            .as_ref()
            .map(|ns| format!("system:serviceaccount:{ns}:{}", subject.name)),
        _ => None,
    }
}

/// Whether `user` may `verb` a resource in `namespace`, asked with a
/// SubjectAccessReview (needs `create subjectaccessreviews`).
pub async fn subject_can(
    client: &kube::Client,
    user: &str,
    groups: &[String],
    verb: &str,
    group: &str,
    resource: &str,
    namespace: &str,
) -> Result<bool, String> {
    let review = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(user.to_string()),
            groups: (!groups.is_empty()).then(|| groups.to_vec()),
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.to_string()),
                group: Some(group.to_string()),
                resource: Some(resource.to_string()),
                namespace: Some(namespace.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let api: Api<SubjectAccessReview> = Api::all(client.clone());
    match api.create(&PostParams::default(), &review).await {
        Ok(answer) => Ok(answer.status.is_some_and(|s| s.allowed)),
        Err(kube::Error::Api(status)) => Err(status.message.clone()),
        Err(err) => Err(crate::credentials::error_text(&err)),
    }
}

/// The user's own rules in a namespace: one SelfSubjectRulesReview, not one
/// review per cell of the access matrix. `incomplete` is the server saying
/// the list may miss rules (e.g. from webhooks).
pub async fn own_rules(
    client: &kube::Client,
    namespace: &str,
) -> Result<(Vec<RuleInfo>, bool), String> {
    let review = SelfSubjectRulesReview {
        spec: SelfSubjectRulesReviewSpec {
            namespace: Some(namespace.to_string()),
        },
        ..Default::default()
    };
    let api: Api<SelfSubjectRulesReview> = Api::all(client.clone());
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|err| crate::credentials::error_text(&err))?;
    let status = answer.status.unwrap_or_default();
    let rules = status
        .resource_rules
        .into_iter()
        .map(|r| RuleInfo {
            verbs: r.verbs,
            api_groups: r.api_groups.unwrap_or_default(),
            resources: r.resources.unwrap_or_default(),
            resource_names: r.resource_names.unwrap_or_default(),
            non_resource_urls: Vec::new(),
        })
        .collect();
    Ok((rules, status.incomplete))
}

/// Who the probes act as: the owner's user name, or for a Group owner a
/// stand-in user carrying that group.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProbeIdentity {
    user: String,
    groups: Vec<String>,
}

/// A stand-in user for Group owners: probes run with the group's rights.
const GROUP_PROBE_USER: &str = "tenantry:admission-probe";

fn probe_identity(tenant: &crate::model::Tenant) -> Option<ProbeIdentity> {
    let direct = tenant.owners.iter().find_map(|s| {
        impersonation_name(s).map(|user| ProbeIdentity {
            user,
            groups: Vec::new(),
        })
    });
    direct.or_else(|| {
        tenant
            .owners
            .iter()
            .find(|s| s.kind == "Group")
            .map(|g| ProbeIdentity {
                user: GROUP_PROBE_USER.to_string(),
                groups: vec![g.name.clone(), "system:authenticated".to_string()],
            })
    })
}

/// Whether the current user may impersonate `identity` (user and groups).
async fn may_impersonate(client: &kube::Client, identity: &ProbeIdentity) -> bool {
    let (resource, namespace, name) = match identity.user.strip_prefix("system:serviceaccount:") {
        Some(rest) => match rest.split_once(':') {
            Some((ns, name)) => ("serviceaccounts", Some(ns.to_string()), name.to_string()),
            None => ("users", None, identity.user.clone()),
        },
        None => ("users", None, identity.user.clone()),
    };
    let user_ok = matches!(
        super::access::can(
            client,
            "impersonate",
            "",
            resource,
            namespace.as_deref(),
            Some(&name)
        )
        .await,
        Ok(true)
    );
    let mut groups_ok = true;
    for group in &identity.groups {
        groups_ok &= matches!(
            super::access::can(client, "impersonate", "", "groups", None, Some(group)).await,
            Ok(true)
        );
    }
    user_ok && groups_ok
}

/// Runs a tenant's admission probes and the quota-immutability review as
/// its owner: by impersonation when the user may impersonate, as the user
/// themself when they are the owner, otherwise not at all (the checks then
/// say why they are unknown).
///
/// In read-only mode only the access reviews are sent: the admission
/// probes are dry-run creates, so they are skipped and their checks say
/// "read-only".
pub async fn run_probes(
    connection: &crate::kube::client::Connection,
    tenant: &crate::model::Tenant,
    current_user: &str,
    readonly: bool,
) -> crate::model::checks::ProbeResults {
    use crate::model::checks::{ProbeOutcome, ProbeResults, combine_probes};

    let not_probed = |reason: &str| {
        if readonly {
            ProbeOutcome::ReadOnly
        } else {
            ProbeOutcome::Error(reason.to_string())
        }
    };
    let unavailable = |reason: String| ProbeResults {
        privileged: Some(not_probed(&reason)),
        host_namespaces: Some(not_probed(&reason)),
        quota_update_by_owner: Some(Err(reason)),
    };
    let client = &connection.client;
    let Some(identity) = probe_identity(tenant) else {
        return unavailable("the tenant has no owner to probe as".to_string());
    };
    let impersonate = may_impersonate(client, &identity).await;
    if readonly {
        return ProbeResults {
            privileged: Some(ProbeOutcome::ReadOnly),
            host_namespaces: Some(ProbeOutcome::ReadOnly),
            quota_update_by_owner: Some(
                quota_editable(client, &identity, impersonate, &tenant.namespaces).await,
            ),
        };
    }
    let probe_client = if impersonate {
        let mut config = connection.config.clone();
        config.auth_info.impersonate = Some(identity.user.clone());
        config.auth_info.impersonate_groups =
            (!identity.groups.is_empty()).then(|| identity.groups.clone());
        kube::Client::try_from(config).map_err(|err| crate::credentials::error_text(&err))
    } else if identity.user == current_user {
        Ok(client.clone())
    } else {
        Err(format!(
            "cannot impersonate the owner {} and you are not the owner",
            identity.groups.first().unwrap_or(&identity.user)
        ))
    };
    let probe_client = match probe_client {
        Ok(c) => c,
        Err(reason) => return unavailable(reason),
    };

    let mut privileged = Vec::new();
    let mut host = Vec::new();
    let pods = probe_pods();
    for namespace in &tenant.namespaces {
        for (probe, pod) in &pods {
            let outcome = match dry_run_pod(&probe_client, namespace, pod).await {
                DryRun::Admitted => ProbeOutcome::admitted(),
                DryRun::Refused { code, message } => ProbeOutcome::refused(code, &message),
                DryRun::Error(err) => ProbeOutcome::Error(err),
            };
            let label = format!("{probe} in {namespace}");
            if *probe == "privileged" {
                privileged.push((label, outcome));
            } else {
                host.push((label, outcome));
            }
        }
    }
    let fold = |probes: &[(String, ProbeOutcome)]| {
        combine_probes(probes.iter().map(|(n, o)| (n.as_str(), o.clone())))
    };

    ProbeResults {
        privileged: fold(&privileged),
        host_namespaces: fold(&host),
        quota_update_by_owner: Some(
            quota_editable(client, &identity, impersonate, &tenant.namespaces).await,
        ),
    }
}

/// Whether the owner may update or patch ResourceQuotas in any of the
/// namespaces: a SubjectAccessReview about them, or the user's own review
/// when they are the owner and may not ask about others.
async fn quota_editable(
    client: &kube::Client,
    identity: &ProbeIdentity,
    impersonate: bool,
    namespaces: &[String],
) -> Result<bool, String> {
    for namespace in namespaces {
        for verb in ["update", "patch"] {
            let allowed = if impersonate {
                subject_can(
                    client,
                    &identity.user,
                    &identity.groups,
                    verb,
                    "",
                    "resourcequotas",
                    namespace,
                )
                .await?
            } else {
                super::access::can(client, verb, "", "resourcequotas", Some(namespace), None)
                    .await?
            };
            if allowed {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
