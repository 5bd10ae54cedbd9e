//! Connecting: kubeconfig, context, and who the user is.

use std::path::PathBuf;

use anyhow::{Context, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};

/// How long a response may stay silent before the request fails.
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// What the user asked to connect to.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
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
    pub server: String,
    /// Whether the user entry runs an exec credential plugin, which must be
    /// run before the terminal goes raw (it may prompt).
    pub uses_exec_plugin: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("context", &self.context)
            .field("user", &self.user)
            .field("server", &self.server)
            .finish()
    }
}

/// Reads the kubeconfig (`--kubeconfig`, else `KUBECONFIG`, else
/// `~/.kube/config`) and builds a client for the chosen context.
pub async fn connect(options: &ConnectOptions) -> Result<Connection> {
    let kubeconfig = match &options.kubeconfig {
        Some(path) => Kubeconfig::read_from(path)
            .with_context(|| format!("reading the kubeconfig {}", path.display()))?,
        None => Kubeconfig::read().context(
            "reading the kubeconfig (KUBECONFIG or ~/.kube/config); pass --kubeconfig FILE, \
             or try `tenantry demo` for a local sandbox",
        )?,
    };
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
    let uses_exec_plugin = kubeconfig
        .auth_infos
        .iter()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_ref())
        .is_some_and(|a| a.exec.is_some());
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &KubeConfigOptions {
            context: Some(context_name.clone()),
            ..Default::default()
        },
    )
    .await
    .with_context(|| format!("loading context {context_name:?}"))?;
    let mut config = config;
    // No request waits forever on a server that stopped answering (paused,
    // partitioned): the watches' own timeout is shorter than this, and
    // a write whose admission webhooks take their full 30 s still fits.
    config.read_timeout = Some(READ_TIMEOUT);
    config.reset_reader_on_write = true;
    let server = config.cluster_url.to_string();
    let client =
        kube::Client::try_from(config.clone()).context("building the Kubernetes client")?;
    Ok(Connection {
        client,
        config,
        context: context_name,
        user,
        context_namespace: context.namespace.filter(|ns| !ns.is_empty()),
        server,
        uses_exec_plugin,
    })
}

/// The user name the API server sees (SelfSubjectReview), for the status
/// line; None when the server does not answer it.
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
