//! `clientele`: the service and its operator CLI.

use anyhow::Context;
use clap::{Parser, Subcommand};
use clientele::Settings;

#[derive(Parser)]
#[command(
    name = "clientele",
    version,
    about = "Customer management with ICM, Emporix, WEBSALE and IOM APIs"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant (an ICM site, Emporix tenant or IOM shop name).
    Create {
        name: String,
        /// Customer numbering, e.g. "C{seq:6}"; default from tenants.customer_number_pattern.
        #[arg(long)]
        customer_number_pattern: Option<String>,
    },
    /// List tenants.
    List,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration with secrets redacted.
    Show,
}

fn main() {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("clientele: {e:#}");
            std::process::exit(2);
        }
    };
    clientele::init_logging(&settings);
    let outcome = actix_web::rt::System::new().block_on(run(cli.command.unwrap_or(Command::Serve), settings));
    if let Err(e) = outcome {
        eprintln!("clientele: {e:#}");
        std::process::exit(1);
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let running = clientele::start(&settings).await?;
            running.server.await.context("server")?;
            tracing::info!("clientele stopped");
        }
        Command::Migrate => {
            let mut s = settings.clone();
            s.database.migrate_on_start = false;
            let store = clientele::open_store(&s).await?;
            let applied = store.migrate().await?;
            println!(
                "applied {} migration(s){}",
                applied.len(),
                if applied.is_empty() { "" } else { ":" }
            );
            for m in applied {
                println!("  {m}");
            }
        }
        Command::Tenant { command } => {
            let store = clientele::open_store(&settings).await?;
            let tenants = clientele::tenant_service(&store);
            match command {
                TenantCommand::Create {
                    name,
                    customer_number_pattern,
                } => {
                    let new = clientele::new_tenant(&settings, &name, customer_number_pattern.as_deref())?;
                    let t = tenants
                        .create(new)
                        .await
                        .map_err(|e| anyhow::anyhow!("tenant '{name}': {e}"))?;
                    println!("created tenant {} (id {})", t.name.as_str(), t.id);
                }
                TenantCommand::List => {
                    for t in tenants.list().await? {
                        println!(
                            "{}\t{}\t{}",
                            t.name.as_str(),
                            t.customer_number_pattern.as_string(),
                            t.created_at
                        );
                    }
                }
            }
        }
        Command::Config {
            command: ConfigCommand::Show,
        } => print!("{}", settings.redacted_yaml()),
    }
    Ok(())
}
