use clap::Parser;

fn main() {
    tenantry::logging::mark_start();
    // `tenantry tenants | head` ends quietly, as Unix tools do, instead of
    // panicking on a closed pipe. (Sockets are unaffected: std writes to
    // them with MSG_NOSIGNAL.)
    // SAFETY: restoring the default disposition of one signal, before any
    // thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = tenantry::cli::Cli::parse();
    if let Some(lost) = tenantry::cli::contexts_lost(&cli, std::env::args_os()) {
        eprintln!("tenantry: {lost}");
        std::process::exit(2);
    }
    let log = tenantry::logging::init();
    let code = match tenantry::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // The log writer sanitizes and redacts on its own; stderr gets
            // the same treatment here (the message may quote the server).
            let message = format!("{err:#}");
            tracing::error!("{message}");
            eprintln!("tenantry: {}", tenantry::credentials::inert(&message));
            if let Some((path, _)) = &log {
                eprintln!("tenantry: the log is in {}", path.display());
            }
            2
        }
    };
    drop(log);
    std::process::exit(code);
}
