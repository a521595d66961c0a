//! The clientele service: wires the store, crypto and HTTP adapters into the domain's
//! use cases and runs the server. No business rule lives here.

mod mail;
pub mod settings;
mod wiring;

pub use settings::Settings;
pub use wiring::{
    api_client_service, bank_accounts, customer_administration, gift_card_service, new_tenant, open_store,
    order_history, payment_instruments, personal_data_export, retention_service, start, tenant_service, time_zone,
    Running,
};

/// Sets up logging as configured (pretty or JSON), once per process.
pub fn init_logging(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| f.parse::<EnvFilter>().ok())
        .unwrap_or_else(|| EnvFilter::new(&settings.log.level));
    // Logs go to stderr: stdout is the CLI's output (`--json` for scripts). Colours
    // only on a terminal: a file, a pipe or journald gets plain text.
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let _ = match settings.log.format {
        settings::LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        settings::LogFormat::Pretty => builder.compact().try_init(),
    };
}
