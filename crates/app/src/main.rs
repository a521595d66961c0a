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
    /// Manage API clients: machine principals of a tenant with scopes (order systems,
    /// back offices). Secrets are shown once and stored only as a digest.
    ApiClient {
        #[command(subcommand)]
        command: ApiClientCommand,
    },
    /// Import customers from a JSON Lines file, one Emporix `CustomerImportDto` per line
    /// (the same rules as `POST customer/{tenant}/customers/import`): each line is
    /// written whole or not at all, customers upsert by `id` (or login), so a file can be
    /// imported again. Prints a summary; failed lines go to stderr with their number.
    Import {
        #[arg(long)]
        tenant: String,
        file: std::path::PathBuf,
    },
    /// Keys that seal bank data at rest (`encryption.*`).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Order history from the order system (for the GDPR export).
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Gift cards: issue one, change its balance, show it with its ledger.
    Giftcard {
        #[command(subcommand)]
        command: GiftcardCommand,
    },
    /// Data protection: accounts the automatic erasure would remove.
    Gdpr {
        #[command(subcommand)]
        command: GdprCommand,
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
        /// Double opt-in for new storefront accounts; default from tenants.double_opt_in.
        #[arg(long)]
        double_opt_in: Option<bool>,
        /// IANA time zone where budget periods start (e.g. Europe/Berlin); default from tenants.time_zone.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Change a tenant's settings (a running service applies them within 30 s).
    Set {
        name: String,
        /// true: new storefront accounts stay inactive until their mailed opt-in link is opened.
        #[arg(long, action = clap::ArgAction::Set)]
        double_opt_in: Option<bool>,
        /// IANA time zone where budget periods (weekly, monthly, …) start at local midnight.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// List tenants.
    List,
}

#[derive(Subcommand)]
enum ApiClientCommand {
    /// Create a client; prints its id and secret (the secret only now).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// Comma-separated, e.g. customer.spending_manage.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Print {"clientId", "secret"} as JSON (for scripts).
        #[arg(long)]
        json: bool,
    },
    /// List a tenant's clients (never their secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Disable a client for good.
    Revoke {
        #[arg(long)]
        tenant: String,
        client_id: String,
    },
    /// Give a client a new secret; the old one stops working at once.
    RotateSecret {
        #[arg(long)]
        tenant: String,
        client_id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a new random key (base64 of 32 bytes) to add under encryption.keys.
    Generate,
    /// Re-seal every row under encryption.current; afterwards older keys can be removed.
    Rotate,
}

#[derive(Subcommand)]
enum GiftcardCommand {
    /// Issue a card; prints its number and PIN (the PIN is not shown again).
    Issue {
        #[arg(long)]
        tenant: String,
        /// The amount, e.g. 50.00.
        #[arg(long)]
        amount: String,
        /// ISO 4217 code, e.g. EUR.
        #[arg(long)]
        currency: String,
        /// 4–32 letters, digits or dashes; generated when missing.
        #[arg(long)]
        number: Option<String>,
        /// Generated (6 digits) when missing.
        #[arg(long)]
        pin: Option<String>,
        /// RFC 3339 start of validity; valid at once when missing.
        #[arg(long)]
        valid_from: Option<chrono::DateTime<chrono::Utc>>,
        /// RFC 3339 end of validity, e.g. 2027-12-31T23:59:59Z.
        #[arg(long)]
        valid_until: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long)]
        json: bool,
    },
    /// Credit (positive amount) or debit (negative) a card once per idempotency key.
    Adjust {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        number: String,
        /// E.g. -12.50 for a debit.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        currency: String,
        /// Unique per change; repeating it changes nothing.
        #[arg(long)]
        key: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Block a card (no debits, no linking), or unblock it with --unblock.
    Block {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        number: String,
        #[arg(long)]
        unblock: bool,
    },
    /// Show a card's balance and ledger.
    Show {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        number: String,
    },
}

#[derive(Subcommand)]
enum OrdersCommand {
    /// Record documents from a JSON Lines file, one per line: `{"document": "order" |
    /// "invoice" | "balance", "shopCustomerNumber": …, …}` with the fields of IOM's
    /// CustomerOrder, CustomerInvoiceAndCreditNote or CustomerBalance (the same rules as
    /// the service API's PUT routes: a document under a known number is replaced, so a
    /// file can be imported again). Failed lines go to stderr with their number.
    Import {
        #[arg(long)]
        tenant: String,
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum GdprCommand {
    /// Print everything held on a customer as one JSON document (rows of every table,
    /// secrets left out, bank data and payment parameters opened).
    Export {
        #[arg(long)]
        tenant: String,
        /// The customer number.
        #[arg(long)]
        customer: String,
    },
    /// List the accounts without login, profile change or recorded order for N months
    /// (what `housekeeping.erase_inactive_after_months` would erase); changes nothing.
    Inactive {
        /// Months of inactivity; default housekeeping.erase_inactive_after_months.
        #[arg(long)]
        months: Option<u32>,
        /// List at most this many.
        #[arg(long, default_value_t = 1000)]
        limit: u64,
    },
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
        Command::ApiClient { command } => {
            let store = clientele::open_store(&settings).await?;
            let clients = clientele::api_client_service(&store);
            let tenant = |name: String| existing_tenant(&store, name);
            match command {
                ApiClientCommand::Create {
                    tenant: t,
                    name,
                    scopes,
                    json,
                } => {
                    let t = tenant(t).await?;
                    let (client, secret) = clients.create(&t, &name, &scopes).await?;
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({ "clientId": client.client_id.as_str(), "secret": secret, "scopes": client.scopes })
                        );
                    } else {
                        println!("client id: {}", client.client_id.as_str());
                        println!("secret:    {secret}");
                        println!("scopes:    {}", client.scopes.join(","));
                        println!("(the secret is not shown again; rotate it if it is lost)");
                    }
                }
                ApiClientCommand::List { tenant: t } => {
                    let t = tenant(t).await?;
                    println!("client_id\tname\tscopes\tenabled\tcreated_at");
                    for c in clients.list(&t).await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            c.client_id.as_str(),
                            c.name,
                            c.scopes.join(","),
                            c.enabled,
                            c.created_at
                        );
                    }
                }
                ApiClientCommand::Revoke { tenant: t, client_id } => {
                    let t = tenant(t).await?;
                    clients.revoke(&t, &client_id).await?;
                    println!("revoked {client_id}");
                }
                ApiClientCommand::RotateSecret {
                    tenant: t,
                    client_id,
                    json,
                } => {
                    let t = tenant(t).await?;
                    let secret = clients.rotate_secret(&t, &client_id).await?;
                    if json {
                        println!("{}", serde_json::json!({ "clientId": client_id, "secret": secret }));
                    } else {
                        println!("new secret for {client_id}: {secret}");
                    }
                }
            }
        }
        Command::Keys { command } => match command {
            KeysCommand::Generate => println!("{}", clientele_crypto::AesGcmCipher::generate_key()),
            KeysCommand::Rotate => {
                let store = clientele::open_store(&settings).await?;
                let bank = clientele::bank_accounts(&settings, &store)?;
                let moved = bank.rotate().await?;
                let payments = clientele::payment_instruments(&settings, &store)?;
                let instruments = payments.rotate().await?;
                println!(
                    "re-sealed {moved} bank account(s) and {instruments} payment instrument(s) under key '{}'",
                    settings.encryption.current
                );
            }
        },
        Command::Giftcard { command } => giftcard(&settings, command).await?,
        Command::Orders {
            command: OrdersCommand::Import { tenant, file },
        } => {
            let store = clientele::open_store(&settings).await?;
            let t = existing_tenant(&store, tenant).await?;
            let history = clientele::order_history(&settings, &store)?;
            let text = std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
            let (mut created, mut replaced, mut failed) = (0u64, 0u64, 0u64);
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match order_document(line) {
                    Ok((customer, doc)) => match history.record(&t, &customer, doc).await {
                        Ok(true) => created += 1,
                        Ok(false) => replaced += 1,
                        Err(e) => {
                            failed += 1;
                            eprintln!("{}: line {}: {e}", file.display(), n + 1);
                        }
                    },
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: line {}: {e}", file.display(), n + 1);
                    }
                }
            }
            println!(
                "recorded {} line(s): {created} created, {replaced} replaced, {failed} failed",
                created + replaced + failed
            );
            if failed > 0 {
                anyhow::bail!("{failed} line(s) failed; see the messages above");
            }
        }
        Command::Gdpr {
            command: GdprCommand::Export { tenant, customer },
        } => {
            let store = clientele::open_store(&settings).await?;
            let t = existing_tenant(&store, tenant).await?;
            let document = clientele::personal_data_export(&settings, &store)?
                .export(&t, &customer)
                .await
                .map_err(|e| anyhow::anyhow!("customer '{customer}': {e}"))?;
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        Command::Gdpr {
            command: GdprCommand::Inactive { months, limit },
        } => {
            let months = months.unwrap_or(settings.housekeeping.erase_inactive_after_months);
            if months == 0 {
                anyhow::bail!("give --months N (housekeeping.erase_inactive_after_months is 0: off)");
            }
            let store = clientele::open_store(&settings).await?;
            let found = clientele::retention_service(&store, months)
                .candidates(months, limit)
                .await?;
            println!("tenant_id\tcustomer_no");
            for c in &found {
                println!("{}\t{}", c.tenant.get(), c.number.as_str());
            }
            eprintln!(
                "{} account(s) inactive for {months} month(s) (dry run: nothing changed)",
                found.len()
            );
        }
        Command::Import { tenant, file } => {
            let store = clientele::open_store(&settings).await?;
            let t = existing_tenant(&store, tenant).await?;
            let admin = clientele::customer_administration(&settings, &store)?;
            let summary = import(&admin, &t, &file).await?;
            println!(
                "imported {} line(s): {} created, {} updated, {} failed",
                summary.lines, summary.created, summary.updated, summary.failed
            );
            if summary.failed > 0 {
                anyhow::bail!("{} line(s) failed; see the messages above", summary.failed);
            }
        }
        Command::Tenant { command } => {
            let store = clientele::open_store(&settings).await?;
            let tenants = clientele::tenant_service(&store);
            match command {
                TenantCommand::Create {
                    name,
                    customer_number_pattern,
                    double_opt_in,
                    time_zone,
                } => {
                    let mut new = clientele::new_tenant(&settings, &name, customer_number_pattern.as_deref())?;
                    new.double_opt_in = double_opt_in.unwrap_or(new.double_opt_in);
                    if let Some(zone) = time_zone {
                        new.time_zone = clientele::time_zone(&zone)?;
                    }
                    let t = tenants
                        .create(new)
                        .await
                        .map_err(|e| anyhow::anyhow!("tenant '{name}': {e}"))?;
                    println!("created tenant {} (id {})", t.name.as_str(), t.id);
                }
                TenantCommand::Set {
                    name,
                    double_opt_in,
                    time_zone,
                } => {
                    let parsed = clientele_domain::tenants::TenantName::parse(&name)
                        .map_err(|e| anyhow::anyhow!("tenant name '{name}' {e}"))?;
                    let change = clientele_domain::tenants::TenantChange {
                        double_opt_in,
                        time_zone: time_zone.as_deref().map(clientele::time_zone).transpose()?,
                    };
                    match tenants.change(&parsed, change).await? {
                        Some(t) => println!(
                            "tenant {}: double opt-in {}, time zone {}",
                            t.name.as_str(),
                            t.double_opt_in,
                            t.time_zone.name()
                        ),
                        None => anyhow::bail!("tenant '{name}' does not exist"),
                    }
                }
                TenantCommand::List => {
                    println!("name\tcustomer_number_pattern\tdouble_opt_in\ttime_zone\tcreated_at");
                    for t in tenants.list().await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            t.name.as_str(),
                            t.customer_number_pattern.as_string(),
                            t.double_opt_in,
                            t.time_zone.name(),
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

#[derive(Default)]
struct ImportSummary {
    lines: usize,
    created: usize,
    updated: usize,
    failed: usize,
}

/// Imports `file` in batches of the HTTP import's size, drawing a progress bar on stderr.
async fn import(
    admin: &clientele_domain::administration::CustomerAdministration,
    tenant: &clientele_domain::tenants::Tenant,
    file: &std::path::Path,
) -> anyhow::Result<ImportSummary> {
    use std::io::{BufRead, IsTerminal, Write};
    let total_bytes = std::fs::metadata(file)
        .with_context(|| format!("{}", file.display()))?
        .len()
        .max(1);
    let reader = std::io::BufReader::new(std::fs::File::open(file).with_context(|| format!("{}", file.display()))?);
    let mut summary = ImportSummary::default();
    let mut read_bytes = 0u64;
    let mut batch: Vec<(usize, clientele_domain::administration::ImportItem)> = Vec::new();
    let tty = std::io::stderr().is_terminal();
    let mut lines = reader.lines().enumerate().peekable();
    while lines.peek().is_some() {
        while batch.len() < clientele_http::emporix::MAX_IMPORT {
            let Some((n, line)) = lines.next() else { break };
            let line = line.with_context(|| format!("{} line {}", file.display(), n + 1))?;
            read_bytes += line.len() as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            summary.lines += 1;
            let parsed = serde_json::from_str(&line)
                .map_err(|e| format!("not JSON: {e}"))
                .and_then(clientele_http::emporix::import_item);
            match parsed {
                Ok(item) => batch.push((n + 1, item)),
                Err(e) => {
                    summary.failed += 1;
                    eprintln!(
                        "{}{}: line {}: {e}",
                        if tty { "\r\x1b[K" } else { "" },
                        file.display(),
                        n + 1
                    );
                }
            }
        }
        let (numbers, items): (Vec<usize>, Vec<_>) = std::mem::take(&mut batch).into_iter().unzip();
        for (n, outcome) in numbers.into_iter().zip(admin.import(tenant, items).await) {
            match outcome {
                Ok(done) if done.created => summary.created += 1,
                Ok(_) => summary.updated += 1,
                Err(e) => {
                    summary.failed += 1;
                    eprintln!("{}{}: line {n}: {e}", if tty { "\r\x1b[K" } else { "" }, file.display());
                }
            }
        }
        let done = (read_bytes * 30 / total_bytes).min(30) as usize;
        let bar = format!(
            "[{}{}] {} line(s): {} created, {} updated, {} failed",
            "#".repeat(done),
            " ".repeat(30 - done),
            summary.lines,
            summary.created,
            summary.updated,
            summary.failed
        );
        if tty {
            eprint!("\r\x1b[K{bar}");
        } else {
            eprintln!("{bar}");
        }
        std::io::stderr().flush().ok();
    }
    if tty {
        eprintln!();
    }
    Ok(summary)
}

/// One line of an order-history file: the customer number and the document.
fn order_document(line: &str) -> Result<(String, clientele_domain::orders::Document), String> {
    use clientele_domain::orders::Document;
    let mut value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object_mut().ok_or("not a JSON object")?;
    let kind = object.remove("document").and_then(|v| v.as_str().map(str::to_owned));
    let customer =
        clientele_domain::orders::take_customer_number(object).ok_or("the field 'shopCustomerNumber' is missing")?;
    let document = match kind.as_deref() {
        Some("order") => Document::Order(serde_json::from_value(value).map_err(|e| e.to_string())?),
        Some("invoice") => Document::Invoice(serde_json::from_value(value).map_err(|e| e.to_string())?),
        Some("balance") => Document::Balance(serde_json::from_value(value).map_err(|e| e.to_string())?),
        _ => return Err("the field 'document' must be order, invoice or balance".into()),
    };
    Ok((customer, document))
}

/// The tenant named `name`, or an error saying it does not exist.
async fn existing_tenant(
    store: &clientele_store::Store,
    name: String,
) -> anyhow::Result<clientele_domain::tenants::Tenant> {
    clientele::tenant_service(store)
        .resolve(&name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("tenant '{name}' does not exist"))
}

async fn giftcard(settings: &Settings, command: GiftcardCommand) -> anyhow::Result<()> {
    use clientele_domain::payments::gift_cards::parse_amount;
    let store = clientele::open_store(settings).await?;
    let cards = clientele::gift_card_service(settings, &store)?;
    let tenant = |name: String| existing_tenant(&store, name);
    match command {
        GiftcardCommand::Issue {
            tenant: t,
            amount,
            currency,
            number,
            pin,
            valid_from,
            valid_until,
            json,
        } => {
            let t = tenant(t).await?;
            let value = parse_amount(&amount, &currency)?;
            let validity = clientele_domain::payments::gift_cards::Validity {
                from: valid_from,
                until: valid_until,
            };
            let issued = cards
                .issue(&t, value, number.as_deref(), pin.as_deref(), validity)
                .await?;
            let c = &issued.card;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "id": c.public_id.as_str(), "number": c.number, "pin": issued.pin,
                                        "amount": c.initial.decimal(), "currency": c.initial.currency.as_str() })
                );
            } else {
                println!("number:  {}", c.number);
                println!("pin:     {}", issued.pin);
                println!("balance: {} {}", c.balance.decimal(), c.balance.currency);
                println!("(the PIN is not shown again)");
            }
        }
        GiftcardCommand::Adjust {
            tenant: t,
            number,
            amount,
            currency,
            key,
            reason,
        } => {
            let t = tenant(t).await?;
            let value = parse_amount(&amount, &currency)?;
            let done = cards.adjust(&t, &number, value, &key, &reason).await?;
            let what = if done.replayed { "already applied" } else { "applied" };
            println!("{what}; balance: {} {}", done.balance.decimal(), done.balance.currency);
        }
        GiftcardCommand::Block {
            tenant: t,
            number,
            unblock,
        } => {
            let t = tenant(t).await?;
            let card = cards.set_blocked(&t, &number, !unblock).await?;
            println!("{} {}", card.number, if card.blocked { "blocked" } else { "unblocked" });
        }
        GiftcardCommand::Show { tenant: t, number } => {
            let t = tenant(t).await?;
            let (card, entries) = cards.show(&t, &number).await?;
            let money = |minor| clientele_domain::values::Money {
                minor,
                currency: card.balance.currency,
            };
            println!("number:  {}", card.number);
            println!("balance: {} {}", card.balance.decimal(), card.balance.currency);
            if let Some(from) = card.valid_from {
                println!("valid from: {from}");
            }
            if let Some(until) = card.valid_until {
                println!("valid until: {until}");
            }
            if card.blocked {
                println!("blocked");
            }
            println!("created_at\tamount\tbalance_after\tkey\treason");
            for e in entries {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    e.created_at,
                    money(e.amount).decimal(),
                    money(e.balance_after).decimal(),
                    e.idempotency_key,
                    e.reason
                );
            }
        }
    }
    Ok(())
}
