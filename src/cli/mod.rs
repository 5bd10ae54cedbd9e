//! Command-line arguments and the headless commands.

pub mod check;
pub mod fleet;
pub mod output;
pub mod reports;
pub mod sandbox_cmd;
pub mod template_cmd;
pub mod write_cmd;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::{Action, State, Tab, View, update};
use crate::config::{ColorChoice, ColorSupport, Config};
use crate::kube::client::{ConnectOptions, Connection, connect};
use crate::model::TenantId;
use crate::model::text::{sanitize, sanitize_text};
use output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "tenantry",
    version,
    about = "A terminal console for multi-tenant Kubernetes",
    long_about = "tenantry watches tenant namespaces live and shows, per tenant, quota usage, \
                  the pod QoS breakdown, policy coverage and RBAC bindings. Without a \
                  subcommand it opens the console on the current kubeconfig context.",
    after_help = "Exit codes: 0 success; 1 check found findings at --fail-on, or a write was \
                  refused by the server or cut short; 2 bad input, read-only mode, or the API \
                  server could not be reached; sandbox status: 1 a component is not running, \
                  3 no sandbox was started in that directory."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub console: ConsoleArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command takes: where to connect, which namespaces, and
/// whether writes are allowed.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Kubeconfig file (default: KUBECONFIG, else ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current one); `tenants`, `report`
    /// and `check` take it more than once, one cluster each
    #[arg(long = "context", global = true, value_name = "NAME")]
    pub contexts: Vec<String>,
    /// A namespace (repeatable): read one by one when you cannot list
    /// namespaces; for `quota set` and `apply`, the write is limited to these
    #[arg(short = 'n', long = "namespace", global = true, value_name = "NS")]
    pub namespaces: Vec<String>,
    /// Refuse every write before anything is sent (admission probes are skipped)
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Act as this user, by impersonation (kubectl's --as): every request,
    /// access reviews included, is answered for them. For `demo`: the
    /// persona whose kubeconfig the console uses (admin, alice or bob)
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// A group to act as, with --as (repeatable; kubectl's --as-group)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub as_groups: Vec<String>,
    /// The tenant's name, typed: what a write needs on a context whose
    /// config.yaml guard says `confirm: type-name`
    #[arg(long, global = true, value_name = "TENANT")]
    pub confirm: Option<String>,
    /// How long a headless command keeps trying to reach an API server that
    /// refuses connections or does not answer before it gives up with exit 2
    /// (the console keeps trying)
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    pub connect_timeout: u64,
    /// The tenant the command is about: the console's detail view at
    /// start, or `apply`'s target (set from their own flags)
    #[arg(skip)]
    pub tenant: Option<String>,
    /// The console's look (set from [`ConsoleArgs`])
    #[arg(skip)]
    pub theme: Option<String>,
    #[arg(skip)]
    pub keymap: Option<String>,
    #[arg(skip)]
    pub color: ColorArg,
    /// The console's `--all-contexts` (set from [`ConsoleArgs`])
    #[arg(skip)]
    pub all_contexts: bool,
}

/// Flags of the console alone (`tenantry` without a subcommand, and `demo`).
#[derive(Debug, Args, Clone, Default)]
pub struct ConsoleArgs {
    /// Open this tenant's detail at start
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Theme: default, dark, light, mono, or one in the config dir
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Keymap: default, emacs, or one in the config dir
    #[arg(long, value_name = "NAME")]
    pub keymap: Option<String>,
    /// Colour (default auto: follows NO_COLOR and COLORTERM)
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorArg>,
    /// Every context of the kubeconfig, one cluster each, in one list
    /// (contexts on the same cluster and user are shown once); so does
    /// --context given more than once
    #[arg(long)]
    pub all_contexts: bool,
}

impl ConsoleArgs {
    fn given(&self) -> Option<&'static str> {
        if self.all_contexts {
            Some("--all-contexts")
        } else if self.tenant.is_some() {
            Some("--tenant")
        } else if self.theme.is_some() {
            Some("--theme")
        } else if self.keymap.is_some() {
            Some("--keymap")
        } else if self.color.is_some() {
            Some("--color")
        } else {
            None
        }
    }

    fn into_global(self, global: &mut GlobalArgs) {
        global.tenant = self.tenant;
        global.theme = self.theme;
        global.keymap = self.keymap;
        global.color = self.color.unwrap_or_default();
        global.all_contexts = self.all_contexts;
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum ColorArg {
    Always,
    #[default]
    Auto,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List tenants with namespaces, pods, worst quota pressure and QoS mix
    Tenants {
        /// Output format
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
        #[command(flatten)]
        fleet: fleet::FleetArgs,
    },
    /// One tenant: owners, quota usage, QoS breakdown, every policy check
    /// (with the admission probes), RBAC bindings and network policies
    Report {
        /// The tenant to report on (see `tenantry tenants`)
        tenant: String,
        /// Output format
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
        #[command(flatten)]
        fleet: fleet::FleetArgs,
    },
    /// Run the policy coverage checks (ARCHITECTURE.md §6) for CI: exit 0 when no
    /// finding reaches --fail-on, 1 when one does, 2 on usage or connection errors
    Check {
        /// Tenants to check (default: every visible tenant)
        tenants: Vec<String>,
        /// The lowest severity that fails the run
        #[arg(long, value_name = "SEVERITY", default_value = "high")]
        fail_on: crate::model::checks::Severity,
        /// Count unknown results as failures too
        #[arg(long)]
        strict: bool,
        /// Output format (sarif, junit and openreports are for other tools)
        #[arg(short, long, value_enum, default_value_t = check::CheckFormat::Table)]
        output: check::CheckFormat,
        /// Server-side-apply the OpenReports Reports into the tenants' namespaces
        /// (and a ClusterReport per tenant) through the write path; refused under --readonly
        #[arg(long)]
        publish: bool,
        #[command(flatten)]
        fleet: fleet::FleetArgs,
    },
    /// List the templates (built-in and in the config dir's templates/) with their parameters
    Templates {
        /// Output format
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
    },
    /// Create a tenant from a template: tenantry create zeta --owner user:zoe --namespaces zeta-dev,zeta-prod
    Create {
        /// The tenant's name (a DNS label: lower-case letters, digits, '-')
        tenant: String,
        /// user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME (repeatable)
        #[arg(long = "owner", value_name = "KIND:NAME", required = true)]
        owners: Vec<String>,
        /// The template to render
        #[arg(long, default_value = "tenant-baseline")]
        template: String,
        /// A template parameter (repeatable)
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// The tenant's namespaces, comma-separated (default: one named after the tenant)
        #[arg(long, value_name = "A,B", value_delimiter = ',')]
        namespaces: Vec<String>,
        /// Show what would be created; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Show every field of every object
        #[arg(long)]
        diff: bool,
        /// Take over fields another field manager owns
        #[arg(long)]
        force: bool,
    },
    /// Apply a template to a tenant: tenantry apply netpol-default-deny --tenant acme --diff
    Apply {
        /// The template to apply (see `tenantry templates`)
        template: String,
        /// The tenant to apply it to (its namespaces and owners as tenantry sees them)
        #[arg(long, value_name = "TENANT", required = true)]
        tenant: String,
        /// A template parameter (repeatable)
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Owners to bind besides the tenant's current ones (repeatable)
        #[arg(long = "owner", value_name = "KIND:NAME")]
        owners: Vec<String>,
        /// Show what would change; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Show the field-by-field diff between the live objects and the server's dry-run result
        #[arg(long)]
        diff: bool,
        /// Take over fields another field manager owns
        #[arg(long)]
        force: bool,
    },
    /// Adjust a tenant's quota hard limits (ResourceQuotas, or a Capsule Tenant)
    Quota {
        #[command(subcommand)]
        action: QuotaAction,
    },
    /// Manage a local control plane (etcd, kube-apiserver, kube-controller-manager)
    Sandbox {
        #[command(subcommand)]
        action: SandboxAction,
    },
    /// Start a sandbox with the demo tenants, open the console on it, stop it all on exit
    Demo(DemoArgs),
    /// Print a shell completion script
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Internal: runs the kubeconfig user's exec credential plugin without a
    /// terminal, for the Kubernetes client (see `credentials`)
    #[command(name = "credential-plugin", hide = true)]
    CredentialPlugin {
        #[arg(long)]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum QuotaAction {
    /// Set hard limits: tenantry quota set acme requests.cpu=4 pods=30
    ///
    /// For a Capsule tenant with a Tenant object, the limits go to the
    /// Tenant's spec.resourceQuotas (Capsule updates the namespaces' quotas).
    Set {
        /// The tenant whose quotas change
        tenant: String,
        /// The ResourceQuota to change when a namespace has several (not for
        /// Capsule tenants); it must exist unless --create is given
        #[arg(long, value_name = "NAME")]
        quota: Option<String>,
        /// Create the ResourceQuota named by --quota where it does not exist
        #[arg(long, requires = "quota")]
        create: bool,
        /// A quota object that spans the tenant's namespaces instead:
        /// hrq/NAMESPACE/NAME (HNC), crq/NAME (OpenShift ClusterResourceQuota)
        /// or clusterqueue/NAME (Kueue: nominal quota)
        #[arg(long, value_name = "KIND/NAME", conflicts_with_all = ["quota", "create"])]
        object: Option<String>,
        /// For a ClusterQueue: the flavor whose nominal quota changes (or
        /// write RESOURCE@FLAVOR=QUANTITY)
        #[arg(long, value_name = "FLAVOR", requires = "object")]
        flavor: Option<String>,
        /// RESOURCE=QUANTITY pairs
        #[arg(required = true, value_name = "RESOURCE=QUANTITY")]
        values: Vec<String>,
        /// Show what would change; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Take over fields another field manager owns
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxAction {
    /// Start a sandbox in the background
    Up {
        #[command(flatten)]
        dir: DirArg,
        /// Data to load once it runs
        #[arg(long, value_enum, default_value_t = SeedArg::Demo)]
        seed: SeedArg,
    },
    /// Say what runs and what is healthy: exit 0 all running, 1 a component
    /// is not running, 3 no sandbox was started in that directory
    Status {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Stop every process `up` started
    Down {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Update a seeded tier's pods at a steady rate (labels, phase, and a
    /// status condition no view reads), for benchmarks under change
    Churn {
        #[command(flatten)]
        dir: DirArg,
        /// Updates a second
        #[arg(long, default_value_t = 200)]
        rate: u32,
        /// Stop after this many seconds (default: until interrupted)
        #[arg(long)]
        seconds: Option<u64>,
    },
}

#[derive(Debug, Args)]
pub struct DirArg {
    /// Sandbox directory (default: under the user's state dir)
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeedArg {
    Demo,
    None,
    /// Benchmark tier S (ARCHITECTURE.md §9 ratios, 100 namespaces, 1,500 pods)
    TierS,
    /// Benchmark tier M (1,000 namespaces, 15,000 pods, 300 tenants; about 2 minutes)
    TierM,
    /// Benchmark tier L (10,000 namespaces, 150,000 pods, 3,300 tenants;
    /// Kubernetes' scalability thresholds; needs about 12 GiB free)
    TierL,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PersonaArg {
    Admin,
    Alice,
    Bob,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Whose view to show (`--as admin|alice|bob`, the global --as,
    /// read here as a persona)
    #[arg(skip = PersonaArg::Admin)]
    pub persona: PersonaArg,
    /// Sandbox directory (default: a new temporary directory)
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Do not open the console: print how to reach the sandbox and wait for Ctrl-C
    #[arg(long)]
    pub no_console: bool,
    #[command(flatten)]
    pub console: ConsoleArgs,
}

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let mut cli = cli;
    match &mut cli.command {
        None => cli.console.clone().into_global(&mut cli.global),
        Some(Command::Demo(args)) => {
            if let Some(flag) = cli.console.given() {
                bail!(write_cmd::UsageError(format!(
                    "{flag} goes after `demo`: tenantry demo {flag} …"
                )));
            }
            args.console.clone().into_global(&mut cli.global);
            // `demo --as alice` opens alice's own kubeconfig, not an
            // impersonation of her.
            if let Some(name) = cli.global.as_user.take() {
                args.persona = PersonaArg::from_str(&name, true).map_err(|_| {
                    write_cmd::UsageError(format!(
                        "demo --as takes a persona: admin, alice or bob (not {:?})",
                        sanitize(&name)
                    ))
                })?;
            }
            if !cli.global.as_groups.is_empty() {
                bail!(write_cmd::UsageError(
                    "demo takes --as admin|alice|bob, not --as-group".into()
                ));
            }
        }
        Some(Command::Apply { tenant, .. }) => {
            if cli.console.given().is_some() {
                bail!(write_cmd::UsageError(
                    "console flags (--tenant, --theme, --keymap, --color) go without a \
                     subcommand; apply's tenant is `tenantry apply TEMPLATE --tenant T`"
                        .into()
                ));
            }
            cli.global.tenant = Some(tenant.clone());
        }
        Some(_) => {
            // Never ignored: a console flag given to a headless command is
            // refused (check takes its tenants as arguments).
            if let Some(flag) = cli.console.given() {
                let hint = if flag == "--all-contexts" {
                    "`tenants`, `report` and `check` take it after the subcommand"
                } else {
                    "for `check` and `report`, name the tenants as arguments"
                };
                bail!(write_cmd::UsageError(format!(
                    "{flag} is a console flag and does nothing for a subcommand; {hint}"
                )));
            }
        }
    }
    match cli.command {
        Some(Command::Sandbox { action }) => sandbox_cmd::run(action),
        Some(Command::Demo(args)) => sandbox_cmd::demo(args, &cli.global),
        Some(Command::CredentialPlugin { user }) => Ok(crate::credentials::run_plugin(
            cli.global.kubeconfig.as_deref(),
            &user,
        )),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "tenantry", &mut std::io::stdout());
            Ok(0)
        }
        Some(Command::Check {
            tenants,
            fail_on,
            strict,
            output,
            publish,
            fleet,
        }) => match fleet::contexts(&cli.global, &fleet)? {
            None => check::run(
                &cli.global,
                &load_config(&cli.global),
                &tenants,
                fail_on,
                strict,
                output,
                publish,
            ),
            Some(contexts) => check::run_fleet(
                &cli.global,
                &load_config(&cli.global),
                &contexts,
                &fleet,
                &check::Selection {
                    names: &tenants,
                    fail_on,
                    strict,
                    publish,
                },
                output,
            ),
        },
        Some(Command::Quota {
            action:
                QuotaAction::Set {
                    tenant,
                    quota,
                    create,
                    object,
                    flavor,
                    values,
                    dry_run,
                    force,
                },
        }) => quota_set(
            &cli.global,
            &tenant,
            QuotaTarget {
                quota_name: quota
                    .as_deref()
                    .map(|name| crate::model::quota_edit::QuotaName { name, create }),
                object: object.as_deref(),
                flavor: flavor.as_deref(),
            },
            &values,
            dry_run,
            force,
        ),
        Some(Command::Templates { output }) => template_cmd::templates(output),
        Some(Command::Create {
            tenant,
            owners,
            template,
            sets,
            namespaces,
            dry_run,
            diff,
            force,
        }) => template_cmd::create(
            &cli.global,
            &template_cmd::CreateArgs {
                tenant: &tenant,
                owners: &owners,
                template: &template,
                sets: &sets,
                namespaces: &namespaces,
                dry_run,
                force,
                diff,
            },
        ),
        Some(Command::Apply {
            template,
            tenant: _,
            sets,
            owners,
            dry_run,
            diff,
            force,
        }) => template_cmd::apply(
            &cli.global,
            &template_cmd::ApplyArgs {
                template: &template,
                owners: &owners,
                sets: &sets,
                dry_run,
                diff,
                force,
            },
        ),
        Some(Command::Tenants { output, fleet }) => match fleet::contexts(&cli.global, &fleet)? {
            None => headless(&cli.global, |state| {
                let out = output::tenants(state);
                Ok(match output {
                    Format::Table => {
                        eprint!("{}", output::no_access_lines(&out.no_access));
                        output::tenants_table(&out)
                    }
                    _ => output::serialize(&out, output)?,
                })
            }),
            Some(contexts) => fleet::tenants(&cli.global, &contexts, &fleet, output),
        },
        Some(Command::Report {
            tenant,
            output,
            fleet,
        }) => match fleet::contexts(&cli.global, &fleet)? {
            None => report(&cli.global, &tenant, output),
            Some(contexts) => fleet::report(&cli.global, &contexts, &fleet, &tenant, output),
        },
        None => console(&cli.global),
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(block_sigpipe)
        .build()
        .context("starting the async runtime")
}

/// SIGPIPE stays at its default for stdout (`tenantry tenants | head` ends
/// quietly), but a write to a connection the API server closed must fail
/// with EPIPE, not end tenantry: writev, which the HTTP client uses, cannot
/// ask for MSG_NOSIGNAL. Blocked in the runtime's threads, where the
/// connections are written, the signal is never delivered.
pub(crate) fn block_sigpipe() {
    // SAFETY: plain libc calls on a local signal set, changing only this
    // thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

fn color_support(choice: ColorArg) -> ColorSupport {
    ColorSupport::from_env(match choice {
        ColorArg::Always => ColorChoice::Always,
        ColorArg::Auto => ColorChoice::Auto,
        ColorArg::Never => ColorChoice::Never,
    })
}

pub(crate) fn load_config(global: &GlobalArgs) -> Config {
    let paths = crate::config::Paths::from_process();
    Config::load_with(
        paths.config.as_deref(),
        color_support(global.color),
        global.theme.as_deref(),
        global.keymap.as_deref(),
    )
}

fn initial_state(global: &GlobalArgs, config: &Config, connection: &Connection) -> State {
    let mut state = State::new(
        crate::live::resolvers(&config.settings),
        crate::live::extra_tenants(&config.settings),
    );
    state.readonly = global.readonly || config.settings.readonly;
    state.tenancy.system_namespaces = config.settings.system_namespaces.clone();
    state.started_as = connection
        .impersonating
        .as_ref()
        .map(|subject| crate::app::StartedAs {
            user: subject.user.clone(),
            groups: subject.groups.clone(),
        });
    state.clipboard = config.settings.clipboard == crate::config::ClipboardSetting::Osc52;
    state.clusters = vec![cluster_of(global, config, connection)];
    state
}

/// One cluster as the state starts it: who and where, its guard, and the
/// namespaces named for it.
fn cluster_of(
    global: &GlobalArgs,
    config: &Config,
    connection: &Connection,
) -> crate::app::Cluster {
    let mut cluster = crate::app::Cluster::new(crate::app::Identity {
        context: connection.context.clone(),
        user: connection.user.clone(),
        server: connection.server.clone(),
    });
    cluster.guard = connection.guard.clone();
    cluster.namespace_origins =
        crate::live::namespace_origins(&global.namespaces, connection, &config.settings);
    cluster
}

/// Connects, waits for the first lists, prints what `render` makes of them.
fn headless(global: &GlobalArgs, render: impl FnOnce(&State) -> Result<String>) -> Result<i32> {
    let config = load_config(global);
    for warning in &config.warnings {
        eprintln!("tenantry: warning: {}", sanitize(&warning.to_string()));
    }
    let rt = runtime()?;
    let text = rt.block_on(async {
        let (_, state) = synced_state(global, &config).await?;
        render(&state)
    })?;
    print!("{}", sanitize_text(&text));
    Ok(0)
}

/// The audit log's name for `tenantry quota set`.
const QUOTA_SET: &str = "quota set";

/// `tenantry quota set`: new hard limits through server-side apply of the
/// listed keys only (other keys and other managers' fields stay).
/// `-n/--namespace` (repeatable) limits the change to those namespaces.
/// A Capsule tenant with a `Tenant` object gets the change on that object
/// (`spec.resourceQuotas`), for all its namespaces; `-n` and `--quota` are
/// refused there.
/// What `quota set` changes: ResourceQuotas (or a Capsule Tenant), or
/// one quota object that spans namespaces (`--object`).
struct QuotaTarget<'a> {
    quota_name: Option<crate::model::quota_edit::QuotaName<'a>>,
    object: Option<&'a str>,
    flavor: Option<&'a str>,
}

fn quota_set(
    global: &GlobalArgs,
    tenant: &str,
    target: QuotaTarget<'_>,
    values: &[String],
    dry_run: bool,
    force: bool,
) -> Result<i32> {
    let QuotaTarget {
        quota_name,
        object,
        flavor,
    } = target;
    let object = object
        .map(crate::model::quota_edit::ObjectTarget::parse)
        .transpose()
        .map_err(write_cmd::UsageError)?;
    if object.is_some() && !global.namespaces.is_empty() {
        bail!(write_cmd::UsageError(
            "--object names one quota object for all the namespaces it covers; leave out \
             -n/--namespace"
                .into()
        ));
    }
    let assignments = values
        .iter()
        .map(|v| write_cmd::parse_assignment(v))
        .collect::<Result<Vec<_>, _>>()?;
    let config = load_config(global);
    let rt = runtime()?;
    rt.block_on(async {
        let connection = connect_with(global).await?;
        write_cmd::refuse_early_if_readonly(&connection, global, &config, QUOTA_SET, &[], dry_run)?;
        write_cmd::refuse_early_unconfirmed(
            &connection,
            global,
            &config,
            QUOTA_SET,
            tenant,
            dry_run,
        )?;
        let (connection, state) = sync(connection, global, &config).await?;
        let id = TenantId::new(tenant);
        let Some(found) = state.resolution.tenant(&id) else {
            bail!(write_cmd::UsageError(not_visible(&state, tenant)));
        };
        let plan = match &object {
            Some(object) => crate::model::quota_edit::plan_object_quota(
                &state.inventory,
                &state.resolution,
                found,
                object,
                flavor,
                &assignments,
            ),
            None => crate::model::quota_edit::plan_quota(
                &state.inventory,
                found,
                &global.namespaces,
                quota_name,
                &assignments,
            ),
        }
        .map_err(write_cmd::UsageError)?;
        if let Some(note) = plan.target_note() {
            eprintln!("tenantry: {}", sanitize(&note));
        }
        for warning in plan.warnings() {
            eprintln!("tenantry: warning: {}", sanitize(&warning));
        }
        let objects = plan
            .objects
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<Vec<kube::core::DynamicObject>, _>>()?;
        let writes =
            write_cmd::write_path(&connection, state.identity.user.clone(), global, &config);
        write_cmd::execute(
            &writes,
            QUOTA_SET,
            objects,
            dry_run,
            force,
            write_cmd::Detail::Changes,
        )
        .await
    })
}

/// `tenantry report TENANT`: quota, QoS, policy (with the admission
/// probes run as the owner), RBAC and network sections.
fn report(global: &GlobalArgs, tenant: &str, output: Format) -> Result<i32> {
    let config = load_config(global);
    let rt = runtime()?;
    let text = rt.block_on(async {
        let out = match tenant_report(global, &config, tenant).await? {
            Ok(out) => out,
            Err(not_visible) => bail!(not_visible),
        };
        Ok(match output {
            Format::Table => {
                eprint!("{}", output::no_access_lines(&out.no_access));
                output::report_table(&out)
            }
            _ => output::serialize(&out, output)?,
        })
    })?;
    print!("{}", sanitize_text(&text));
    Ok(0)
}

/// One cluster's report on `tenant`, with the admission probes run as its
/// owner; `Err` with [`not_visible`]'s words when the tenant is not seen.
pub(crate) async fn tenant_report(
    global: &GlobalArgs,
    config: &Config,
    tenant: &str,
) -> Result<Result<output::ReportOutput, String>> {
    let (connection, mut state) = synced_state(global, config).await?;
    let id = TenantId::new(tenant);
    let Some(found) = state.resolution.tenant(&id).cloned() else {
        return Ok(Err(not_visible(&state, tenant)));
    };
    let probes =
        crate::kube::probe::run_probes(&connection, &found, &state.identity.user, state.readonly)
            .await;
    state
        .probes
        .insert(id, crate::app::ProbeStatus::Done(probes));
    Ok(Ok(output::report(&state, &found)))
}

/// "no tenant "x" is visible; visible tenants: a, b" (or that none is).
pub(crate) fn not_visible(state: &State, tenant: &str) -> String {
    let known: Vec<&str> = state.rows.iter().map(|r| r.id.as_str()).collect();
    format!(
        "no tenant {tenant:?} is visible{}",
        if known.is_empty() {
            " (no tenant is visible at all; see `tenantry tenants`)".to_string()
        } else {
            format!("; visible tenants: {}", sanitize(&known.join(", ")))
        }
    )
}

/// Connects and waits for the first lists: the state the console would
/// show once synced, for the headless commands.
pub async fn synced_state(global: &GlobalArgs, config: &Config) -> Result<(Connection, State)> {
    sync(connect_with(global).await?, global, config).await
}

/// The connection `--kubeconfig`, `--context` and `--as` name. Sends
/// nothing, except with `--as`: the access reviews that say whether the
/// user may impersonate (refused with the missing rules, exit 2).
pub(crate) async fn connect_with(global: &GlobalArgs) -> Result<Connection> {
    connect(&connect_options(global, &load_config(global))?).await
}

/// What `--kubeconfig`, `--context`, `--as`, `--as-group` and config.yaml's
/// `contexts:` ask for.
pub fn connect_options(global: &GlobalArgs, config: &Config) -> Result<ConnectOptions> {
    Ok(ConnectOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: single_context(global)?,
        impersonate: impersonation(global)?,
        guards: config.settings.contexts.clone(),
    })
}

/// When `--context` is given both before and after the subcommand, clap
/// keeps only the values after it: said, so that no cluster is silently
/// left out.
pub fn contexts_lost<I, T>(cli: &Cli, args: I) -> Option<String>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    let given = args
        .into_iter()
        .map(Into::into)
        .skip(1)
        .take_while(|a| a != "--")
        .filter(|a| a == "--context" || a.to_string_lossy().starts_with("--context="))
        .count();
    (given > cli.global.contexts.len()).then(|| {
        format!(
            "--context given on both sides of the subcommand ({given} given, {} read): \
             put every --context after the subcommand",
            cli.global.contexts.len()
        )
    })
}

/// The one `--context` of a command that reads one cluster.
fn single_context(global: &GlobalArgs) -> Result<Option<String>, write_cmd::UsageError> {
    match global.contexts.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => Err(write_cmd::UsageError(
            "--context is given more than once: only the console, `tenants`, `report` and \
             `check` read several clusters; writes take one context"
                .into(),
        )),
    }
}

/// `--as` and `--as-group`, checked: a group needs a user (as kubectl says).
pub fn impersonation(
    global: &GlobalArgs,
) -> Result<Option<crate::kube::client::Impersonation>, write_cmd::UsageError> {
    match &global.as_user {
        Some(user) if user.trim().is_empty() => {
            Err(write_cmd::UsageError("--as needs a user name".into()))
        }
        Some(user) => Ok(Some(crate::kube::client::Impersonation {
            user: user.clone(),
            groups: global.as_groups.clone(),
        })),
        None if !global.as_groups.is_empty() => Err(write_cmd::UsageError(
            "--as-group needs --as USER (impersonating groups without a user is not possible)"
                .into(),
        )),
        None => Ok(None),
    }
}

/// [`synced_state`] on a connection made already.
pub(crate) async fn sync(
    connection: Connection,
    global: &GlobalArgs,
    config: &Config,
) -> Result<(Connection, State)> {
    let mut state = initial_state(global, config, &connection);
    if let Some(user) = crate::kube::client::whoami(&connection.client).await {
        state.identity.user = user;
    }
    let known = crate::live::known_namespaces(&global.namespaces, &connection, &config.settings);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let live = crate::live::start_within(
        &connection,
        known,
        tx,
        Some(Duration::from_secs(global.connect_timeout)),
        None,
    );
    let synced = crate::live::sync(&mut state, &mut rx, Duration::from_secs(120)).await;
    live.abort();
    synced?;
    Ok((connection, state))
}

/// Opens the console on the current kubeconfig context, or on several
/// (`--context` more than once, `--all-contexts`): a fleet, one live
/// session per cluster.
fn console(global: &GlobalArgs) -> Result<i32> {
    let config = load_config(global);
    let fleet_args = fleet::FleetArgs {
        all_contexts: global.all_contexts,
        skip_unreachable: false,
    };
    let options = match fleet::contexts(global, &fleet_args)? {
        None => vec![connect_options(global, &config)?],
        Some(contexts) => contexts
            .names
            .iter()
            .map(|name| connect_options(&fleet::for_context(global, name), &config))
            .collect::<Result<Vec<_>>>()?,
    };
    let rt = runtime()?;
    rt.block_on(open_console(global, &options))?;
    Ok(0)
}

/// Shared by `tenantry` and `tenantry demo`: the console on one cluster,
/// or on each of `connect_options` in one list.
pub async fn open_console(global: &GlobalArgs, connect_options: &[ConnectOptions]) -> Result<()> {
    // The console draws on a terminal, never into a pipe, and its event
    // loop (this thread) also writes to the API server's connections: a
    // server that goes away must not end it (see `block_sigpipe`).
    // SAFETY: setting a signal's disposition to "ignore" is process-wide
    // and safe at any time.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let config = load_config(global);
    let mut connections = Vec::with_capacity(connect_options.len());
    for options in connect_options {
        let connection = match connect(options).await {
            Ok(connection) => connection,
            // In a fleet, which context could not be used is named.
            Err(err) if connect_options.len() > 1 => {
                let context = options.context.as_deref().unwrap_or_default();
                return Err(err.context(format!("context {}", sanitize(context))));
            }
            Err(err) => return Err(err),
        };
        connections.push(connection);
    }
    // One request before the screen is taken, so that the first
    // credential of an exec plugin is fetched up front (the plugin never
    // gets the terminal, now or later: see `credentials`); every cluster
    // at once, each within a bound, so one that does not answer delays
    // the start by at most that.
    futures::future::join_all(connections.iter().filter(|c| c.uses_exec_plugin).map(|c| {
        tokio::time::timeout(
            Duration::from_secs(global.connect_timeout),
            crate::kube::client::whoami(&c.client),
        )
    }))
    .await;
    let Some(first) = connections.first() else {
        bail!(write_cmd::UsageError("no context to open".into()));
    };
    let mut state = initial_state(global, &config, first);
    state.kubeconfig = connect_options
        .first()
        .and_then(|o| o.kubeconfig.as_ref())
        .map(|path| path.display().to_string());
    state.clusters = connections
        .iter()
        .map(|c| cluster_of(global, &config, c))
        .collect();
    state.templates = template_cmd::catalogue();
    let mut warnings: Vec<String> = config.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(
        state
            .templates
            .broken
            .iter()
            .map(|(_, err)| format!("template {err}")),
    );
    if let Some(warning) = warnings.first() {
        let more = warnings.len() - 1;
        state.message = Some(if more > 0 {
            format!("{warning} (and {more} more: see `tenantry tenants`)")
        } else {
            warning.to_string()
        });
    }
    if let Some(tenant) = &global.tenant {
        state.view = View::Detail {
            tenant: TenantId::new(tenant.clone()),
            tab: Tab::Overview,
        };
    }
    update(&mut state, Action::Resize(80, 24));
    let clusters = connections
        .into_iter()
        .map(|connection| crate::tui::ClusterStart {
            known_namespaces: crate::live::known_namespaces(
                &global.namespaces,
                &connection,
                &config.settings,
            ),
            connection,
        })
        .collect();
    let console = crate::tui::Console {
        clusters,
        state,
        theme: config.theme,
        keymap: config.keymap,
        mouse: config.settings.mouse,
        redraw_per_second: config.settings.redraw_per_second,
    };
    console.run().await
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn console_flags_are_refused_by_subcommands_never_ignored() {
        // After the subcommand, clap does not know them.
        let err = super::Cli::try_parse_from(["tenantry", "check", "--tenant", "acme"])
            .expect_err("check has no --tenant");
        assert_eq!(err.exit_code(), 2);
        // Before it, they parse but are refused with a reason.
        for args in [
            ["tenantry", "--tenant", "acme", "check"],
            ["tenantry", "--theme", "mono", "tenants"],
        ] {
            let cli = super::Cli::try_parse_from(args).expect("parses");
            let err = super::run(cli).expect_err("refused");
            assert!(
                err.downcast_ref::<super::write_cmd::UsageError>().is_some(),
                "{err:#}"
            );
            assert!(err.to_string().contains("console flag"), "{err:#}");
        }
    }

    #[test]
    fn as_group_needs_as_and_demo_reads_as_as_a_persona() {
        let cli = super::Cli::try_parse_from(["tenantry", "tenants", "--as-group", "ops"])
            .expect("parses");
        let err = super::impersonation(&cli.global).expect_err("no --as");
        assert!(err.0.contains("--as-group needs --as"), "{err}");
        let cli = super::Cli::try_parse_from([
            "tenantry",
            "tenants",
            "--as",
            "alice",
            "--as-group",
            "a",
            "--as-group",
            "b",
        ])
        .expect("parses");
        let subject = super::impersonation(&cli.global)
            .expect("valid")
            .expect("a subject");
        assert_eq!(subject.describe(), "alice (groups: a, b)");
        let cli =
            super::Cli::try_parse_from(["tenantry", "demo", "--as", "carol"]).expect("parses");
        let err = super::run(cli).expect_err("not a persona");
        assert!(err.to_string().contains("admin, alice or bob"), "{err:#}");
    }

    #[test]
    fn only_the_fleet_commands_take_several_contexts() {
        let args = [
            "tenantry",
            "quota",
            "set",
            "acme",
            "pods=3",
            "--context",
            "a",
            "--context",
            "b",
        ];
        let cli = super::Cli::try_parse_from(args).expect("parses");
        assert_eq!(super::contexts_lost(&cli, args), None);
        let err = super::single_context(&cli.global).expect_err("two contexts");
        assert!(err.0.contains("more than once"), "{err}");
        // clap keeps only the subcommand's side of a global flag: the
        // contexts before it would be lost, so the run is refused.
        let args = [
            "tenantry",
            "--context",
            "a",
            "tenants",
            "--context=b",
            "--context",
            "c",
        ];
        let cli = super::Cli::try_parse_from(args).expect("parses");
        let lost = super::contexts_lost(&cli, args).expect("lost");
        assert!(lost.contains("3 given, 2 read"), "{lost}");
        let cli =
            super::Cli::try_parse_from(["tenantry", "tenants", "--context", "a"]).expect("parses");
        assert_eq!(
            super::single_context(&cli.global).expect("one").as_deref(),
            Some("a")
        );
    }

    #[test]
    fn subcommand_help_shows_only_its_own_flags() {
        use clap::CommandFactory;
        let mut command = super::Cli::command();
        for name in ["tenants", "report", "check", "create", "quota", "templates"] {
            let help = command
                .find_subcommand_mut(name)
                .expect(name)
                .render_help()
                .to_string();
            for console_only in ["--theme", "--keymap", "--color"] {
                assert!(!help.contains(console_only), "{name}: {help}");
            }
            assert!(!help.contains("Open this tenant"), "{name}: {help}");
        }
        let apply = command
            .find_subcommand_mut("apply")
            .expect("apply")
            .render_help()
            .to_string();
        assert!(apply.contains("The tenant to apply it to"), "{apply}");
    }
}
