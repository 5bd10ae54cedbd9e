//! Connecting: kubeconfig, context, and who the user is.

use std::path::PathBuf;

use anyhow::{Context, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};

/// What tenantry calls itself to the API server: its requests can be told
/// apart in the server's audit log (the read-only tests count them).
pub const USER_AGENT: &str = concat!("tenantry/", env!("CARGO_PKG_VERSION"));
/// How long a response may stay silent before the request fails.
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// What the user asked to connect to.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// `--as` / `--as-group`: every request is sent as this subject.
    pub impersonate: Option<Impersonation>,
    /// `config.yaml` `contexts:`, to find the chosen context's guard.
    pub guards: crate::config::ContextGuards,
}

/// A subject to act as, by impersonation (kubectl's `--as`, `--as-group`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Impersonation {
    pub user: String,
    pub groups: Vec<String>,
}

impl Impersonation {
    /// "alice", or "alice (groups: dev, ops)": for banners and messages.
    pub fn describe(&self) -> String {
        if self.groups.is_empty() {
            self.user.clone()
        } else {
            format!("{} (groups: {})", self.user, self.groups.join(", "))
        }
    }

    /// What impersonating this subject needs, as (resource, namespace,
    /// name) triples of the `impersonate` verb in the core group.
    pub fn needed_rules(&self) -> Vec<(&'static str, Option<String>, String)> {
        let user = match self.user.strip_prefix("system:serviceaccount:") {
            Some(rest) => match rest.split_once(':') {
                Some((ns, name)) => ("serviceaccounts", Some(ns.to_string()), name.to_string()),
                None => ("users", None, self.user.clone()),
            },
            None => ("users", None, self.user.clone()),
        };
        std::iter::once(user)
            .chain(self.groups.iter().map(|g| ("groups", None, g.clone())))
            .collect()
    }
}

/// A missing `impersonate` rule, said as an RBAC rule.
pub fn describe_rule(resource: &str, namespace: Option<&str>, name: &str) -> String {
    format!(
        "verb `impersonate` on {resource} {name:?}{} in API group \"\"",
        namespace.map_or(String::new(), |ns| format!(" in namespace {ns:?}"))
    )
}

/// A client plus what the status line and the access planner need to know.
#[derive(Clone)]
pub struct Connection {
    pub client: kube::Client,
    /// The client's configuration, for clients that impersonate a tenant
    /// owner (admission probes).
    pub config: kube::Config,
    /// The kubeconfig context in use.
    pub context: String,
    /// The kubeconfig user entry's name (the server's name for the user may
    /// differ; see [`whoami`]).
    pub user: String,
    /// The namespace the context names, if it names one explicitly.
    pub context_namespace: Option<String>,
    /// The namespaces other contexts of the same cluster and user name:
    /// a user who cannot list namespaces often keeps one context per
    /// namespace.
    pub sibling_namespaces: Vec<String>,
    pub server: String,
    /// Whether the user entry runs an exec credential plugin (always without
    /// a terminal: see `credentials`).
    pub uses_exec_plugin: bool,
    /// Who every request is sent as, when not the user themself.
    pub impersonating: Option<Impersonation>,
    /// The context's guard (`config.yaml` `contexts:`), enforced by the
    /// write path.
    pub guard: crate::config::ContextGuard,
    /// A view that only reads (the console's "see as an owner"): the
    /// write path refuses every write made through it.
    pub view_only: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("context", &self.context)
            .field("user", &self.user)
            .field("server", &self.server)
            .field("impersonating", &self.impersonating)
            .finish()
    }
}

/// The kubeconfig `--kubeconfig` names, else `KUBECONFIG`, else
/// `~/.kube/config`. Reads a file; sends nothing.
pub fn read_kubeconfig(path: Option<&std::path::Path>) -> Result<Kubeconfig> {
    match path {
        Some(path) => Kubeconfig::read_from(path)
            .with_context(|| format!("reading the kubeconfig {}", path.display())),
        None => Kubeconfig::read().context(
            "reading the kubeconfig (KUBECONFIG or ~/.kube/config); pass --kubeconfig FILE, \
             or try `tenantry demo` for a local sandbox",
        ),
    }
}

/// Reads the kubeconfig (`--kubeconfig`, else `KUBECONFIG`, else
/// `~/.kube/config`) and builds a client for the chosen context. With
/// `impersonate`, first asks whether the user may (the only requests sent
/// here) and refuses with the missing rules when not.
pub async fn connect(options: &ConnectOptions) -> Result<Connection> {
    let kubeconfig = read_kubeconfig(options.kubeconfig.as_deref())?;
    let context_name = options
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .context("the kubeconfig names no current context; pass --context NAME")?;
    let named = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .with_context(|| {
            let known: Vec<&str> = kubeconfig
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            format!(
                "the kubeconfig has no context {context_name:?} (it has: {})",
                known.join(", ")
            )
        })?;
    let context = named.context.clone().unwrap_or_default();
    let user = context.user.clone().unwrap_or_default();
    let mut sibling_namespaces: Vec<String> = kubeconfig
        .contexts
        .iter()
        .filter(|c| c.name != context_name)
        .filter_map(|c| c.context.as_ref())
        .filter(|c| c.cluster == context.cluster && c.user == context.user)
        .filter_map(|c| c.namespace.clone())
        .filter(|ns| !ns.is_empty())
        .collect();
    sibling_namespaces.sort();
    sibling_namespaces.dedup();
    let auth_info = kubeconfig
        .auth_infos
        .iter()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_ref());
    if let Some(auth_info) = auth_info {
        crate::credentials::remember_secrets(auth_info);
    }
    let uses_exec_plugin = auth_info.is_some_and(|a| a.exec.is_some());
    let mut config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &KubeConfigOptions {
            context: Some(context_name.clone()),
            ..Default::default()
        },
    )
    .await
    .with_context(|| format!("loading context {context_name:?}"))?;
    config.headers.push((
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    ));
    // kube never sees the plugin itself: see `credentials`.
    crate::credentials::guard_exec_plugin(&mut config, options.kubeconfig.as_deref(), &user)?;
    // No request waits forever on a server that stopped answering (paused,
    // partitioned): the watches' own timeout is shorter than this, and
    // a write whose admission webhooks take their full 30 s still fits.
    config.read_timeout = Some(READ_TIMEOUT);
    config.reset_reader_on_write = true;
    let server = config.cluster_url.to_string();
    let client = kube::Client::try_from(config.clone())
        .map_err(|err| anyhow::anyhow!(crate::credentials::error_text(&err)))
        .context("building the Kubernetes client")?;
    let guard = options.guards.guard_for(&context_name);
    let connection = Connection {
        client,
        config,
        context: context_name,
        user,
        context_namespace: context.namespace.filter(|ns| !ns.is_empty()),
        sibling_namespaces,
        server,
        uses_exec_plugin,
        impersonating: None,
        guard,
        view_only: false,
    };
    match &options.impersonate {
        Some(subject) => {
            check_impersonation(&connection.client, subject).await?;
            connection.impersonate(subject)
        }
        None => Ok(connection),
    }
}

/// Impersonation refused before anything is sent: the rules the user lacks.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CannotImpersonate(pub String);

impl Connection {
    /// The same connection acting as `subject`: every request, access
    /// reviews included, is then answered for that subject. Sends nothing
    /// (see [`check_impersonation`]).
    pub fn impersonate(&self, subject: &Impersonation) -> Result<Connection> {
        let mut config = self.config.clone();
        config.auth_info.impersonate = Some(subject.user.clone());
        config.auth_info.impersonate_groups =
            (!subject.groups.is_empty()).then(|| subject.groups.clone());
        let client = kube::Client::try_from(config.clone())
            .map_err(|err| anyhow::anyhow!(crate::credentials::error_text(&err)))
            .context("building the impersonating Kubernetes client")?;
        Ok(Connection {
            client,
            config,
            impersonating: Some(subject.clone()),
            ..self.clone()
        })
    }

    /// The connection as the user themself (no impersonation).
    pub fn own(&self) -> Result<Connection> {
        if self.impersonating.is_none() {
            return Ok(self.clone());
        }
        let mut config = self.config.clone();
        config.auth_info.impersonate = None;
        config.auth_info.impersonate_groups = None;
        let client = kube::Client::try_from(config.clone())
            .map_err(|err| anyhow::anyhow!(crate::credentials::error_text(&err)))
            .context("building the Kubernetes client")?;
        Ok(Connection {
            client,
            config,
            impersonating: None,
            view_only: false,
            ..self.clone()
        })
    }
}

/// Asks, as the user themself, whether they may impersonate `subject`
/// (one SelfSubjectAccessReview per rule): the only requests sent before
/// an impersonated command starts. The error names every missing rule.
pub async fn check_impersonation(
    own: &kube::Client,
    subject: &Impersonation,
) -> Result<(), CannotImpersonate> {
    let mut missing = Vec::new();
    for (resource, namespace, name) in subject.needed_rules() {
        match super::access::can(
            own,
            "impersonate",
            "",
            resource,
            namespace.as_deref(),
            Some(&name),
        )
        .await
        {
            Ok(true) => {}
            Ok(false) => missing.push(describe_rule(resource, namespace.as_deref(), &name)),
            Err(reason) => {
                return Err(CannotImpersonate(format!(
                    "cannot tell whether you may act as {}: {reason}; nothing else was sent",
                    subject.describe()
                )));
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(CannotImpersonate(format!(
        "you may not act as {}: impersonation needs {} (missing from your RBAC rules); \
         nothing else was sent",
        subject.describe(),
        missing.join(", and ")
    )))
}

/// The user name the API server sees (SelfSubjectReview), for the status
/// line; None when the server does not answer it.
/// How long the first request may take before the server counts as not
/// answering (a paused or black-holed server never refuses).
const REACH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Why `/version` got no good answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// What happened, with the server's address and the cause.
    pub message: String,
    /// Worth asking again (refused, reset, timed out, 429, 5xx: what a
    /// restarting or paused server looks like); not for rejected
    /// credentials.
    pub transient: bool,
}

/// Asks the API server for `/version`, which every user may read, so a
/// failure here is about the connection, never about rights: unreachable,
/// TLS, credentials or time-out, said as such with the server's address and
/// the cause. Nothing may present these as "no access".
pub async fn reach(connection: &Connection) -> Result<(), Unreachable> {
    let server = &connection.server;
    let answer = tokio::time::timeout(REACH_TIMEOUT, connection.client.apiserver_version()).await;
    let err = match answer {
        Ok(Ok(_)) => return Ok(()),
        // Some clusters restrict /version; an answer is still an answer.
        Ok(Err(kube::Error::Api(status))) if status.code == 403 => return Ok(()),
        Ok(Err(err)) => err,
        Err(_) => {
            return Err(Unreachable {
                message: format!(
                    "cannot reach the API server at {server}: no answer within {} s",
                    REACH_TIMEOUT.as_secs()
                ),
                transient: true,
            });
        }
    };
    Err(match &err {
        kube::Error::Api(status) if status.code == 401 => Unreachable {
            message: format!(
                "the API server at {server} does not accept the credentials of kubeconfig \
                 user {} (401 Unauthorized): log in again or fix the user entry",
                connection.user
            ),
            transient: false,
        },
        kube::Error::Auth(_) => Unreachable {
            message: format!(
                "no credentials for the API server at {server}: {}",
                cause_chain(&err)
            ),
            transient: false,
        },
        _ => Unreachable {
            message: format!(
                "cannot reach the API server at {server}: {}",
                cause_chain(&err)
            ),
            transient: true,
        },
    })
}

/// An error with its causes ("client error (Connect): tcp connect error:
/// Connection refused (os error 111)"): the top message alone rarely says
/// what went wrong. Sanitized and with credentials masked.
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    if let Some(credential) = crate::credentials::credential_failure(err) {
        return crate::credentials::inert(&credential);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut link: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = link {
        let text = current.to_string();
        // Wrappers often repeat their source's text; keep each once.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        link = current.source();
    }
    crate::credentials::inert(&parts.join(": "))
}

pub async fn whoami(client: &kube::Client) -> Option<String> {
    use k8s_openapi::api::authentication::v1::SelfSubjectReview;
    use kube::api::{Api, PostParams};
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = api
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .ok()?;
    review.status?.user_info?.username
}
