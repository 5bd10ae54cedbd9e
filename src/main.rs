use clap::Parser;

fn main() {
    tenantry::logging::mark_start();
    let cli = tenantry::cli::Cli::parse();
    let log = tenantry::logging::init();
    let code = match tenantry::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("tenantry: {err:#}");
            if let Some((path, _)) = &log {
                eprintln!("tenantry: the log is in {}", path.display());
            }
            2
        }
    };
    drop(log);
    std::process::exit(code);
}
