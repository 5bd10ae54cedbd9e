//! Command-line arguments and the headless commands.

pub mod sandbox_cmd;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tenantry",
    version,
    about = "A terminal console for multi-tenant Kubernetes",
    long_about = "tenantry watches tenant namespaces live and shows, per tenant, quota usage, \
                  the pod QoS breakdown, policy coverage and RBAC bindings."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage a local control plane (etcd, kube-apiserver, kube-controller-manager)
    Sandbox {
        #[command(subcommand)]
        action: SandboxAction,
    },
    /// Start a sandbox, seed the demo tenants, and stop it all on exit
    Demo(DemoArgs),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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
    /// Say what runs and what is healthy
    Status {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Stop every process `up` started
    Down {
        #[command(flatten)]
        dir: DirArg,
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
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PersonaArg {
    Admin,
    Alice,
    Bob,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Whose view to show
    #[arg(long = "as", value_enum, default_value_t = PersonaArg::Admin)]
    pub persona: PersonaArg,
    /// Sandbox directory (default: a new temporary directory)
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Some(Command::Sandbox { action }) => sandbox_cmd::run(action),
        Some(Command::Demo(args)) => sandbox_cmd::demo(args),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "tenantry", &mut std::io::stdout());
            Ok(0)
        }
        None => {
            eprintln!(
                "the console arrives with the next release; for now try `tenantry demo` or \
                 `tenantry sandbox up`"
            );
            Ok(2)
        }
    }
}
