use clap::Parser;

fn main() {
    let cli = tenantry::cli::Cli::parse();
    match tenantry::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("tenantry: {err:#}");
            std::process::exit(2);
        }
    }
}
