//! Builds the adapters, the use cases and the HTTP server from the settings.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use clientele_blocking::{BlockingPool, Foreground, Throttle};
use clientele_crypto::{AesGcmCipher, Argon2idHasher, LegacyPasswords, RandomIds};
use clientele_domain::accounts::{AccountAdministration, AccountPolicy};
use clientele_domain::addresses::{AddressBook, AddressLimits};
use clientele_domain::administration::CustomerAdministration;
use clientele_domain::api_clients::ApiClientService;
use clientele_domain::bank_accounts::BankAccounts;
use clientele_domain::cipher::FieldCipher;
use clientele_domain::clock::{Clock, SystemClock};
use clientele_domain::cost_centers::{CostCenterService, SpendingService};
use clientele_domain::customers::ProfileService;
use clientele_domain::housekeeping::{HousekeepingService, RetentionService};
use clientele_domain::identity::{
    ActivationService, Authenticator, CodeMail, CodePurpose, CredentialsService, EmailChangeService, LegacyLogin,
    LegacyVerifier, LockoutPolicy, MailLink, PasswordHasher, PasswordResetService, SessionPolicy, SessionService,
    SignUpService,
};
use clientele_domain::orders::OrderHistory;
use clientele_domain::payments::gift_cards::PinPolicy;
use clientele_domain::payments::{GiftCards, PaymentCatalog, PaymentInstruments};
use clientele_domain::privacy::PersonalDataExport;
use clientele_domain::roles::OrganizationService;
use clientele_domain::tenants::{NewTenant, TenantName, TenantService};
use clientele_domain::values::{CustomerNumberPattern, PasswordPolicy};
use clientele_http::rate_limit::RateLimiter;
use clientele_http::websale::WebsaleSettings;
use clientele_http::{AppState, HttpLimits, Metrics, PoolGauges, Readiness, Services};
use clientele_store::{Store, StoreConfig};

use crate::settings::{redact_url, Settings};

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// Opens the store (and migrates it when configured).
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let db = &settings.database;
    let pool_size = if db.pool_size == 0 {
        (2 * cores()) as u32
    } else {
        db.pool_size
    };
    let store = Store::open(&StoreConfig {
        url: db.url.clone(),
        pool_size,
        connect_timeout: Duration::from_secs(db.connect_timeout_secs),
    })
    .map_err(|e| anyhow::anyhow!("database.url: {e}"))?;
    if db.migrate_on_start {
        let applied = store.migrate().await.context("applying migrations")?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }
    }
    Ok(store)
}

/// The tenant service over `store` (CLI and server share it).
pub fn tenant_service(store: &Store) -> TenantService {
    TenantService::new(Arc::new(store.clone()), Arc::new(SystemClock))
}

/// The API-client service over `store` (CLI and server share it).
pub fn api_client_service(store: &Store) -> ApiClientService {
    let ids = Arc::new(RandomIds);
    ApiClientService {
        clients: Arc::new(store.clone()),
        ids: ids.clone(),
        secrets: ids,
        clock: Arc::new(SystemClock),
        token_ttl: chrono::Duration::seconds(API_TOKEN_TTL_SECS),
    }
}

/// Lifetime of the bearer tokens API clients get for their credentials.
const API_TOKEN_TTL_SECS: i64 = 3600;

/// A tenant to create with the configured numbering pattern.
pub fn new_tenant(settings: &Settings, name: &str, pattern: Option<&str>) -> anyhow::Result<NewTenant> {
    Ok(NewTenant {
        name: TenantName::parse(name).map_err(|e| anyhow::anyhow!("tenant name '{name}' {e}"))?,
        customer_number_pattern: CustomerNumberPattern::parse(
            pattern.unwrap_or(&settings.tenants.customer_number_pattern),
        )
        .map_err(|e| anyhow::anyhow!("customer number pattern {e}"))?,
        double_opt_in: settings.tenants.double_opt_in,
        time_zone: time_zone(&settings.tenants.time_zone)?,
    })
}

/// Reads an IANA time-zone name for a tenant.
pub fn time_zone(name: &str) -> anyhow::Result<clientele_domain::tenants::Tz> {
    clientele_domain::tenants::parse_time_zone(name).map_err(|e| anyhow::anyhow!("time zone '{name}' {e}"))
}

struct StoreReadiness(Store);

#[async_trait]
impl Readiness for StoreReadiness {
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }

    fn pool_gauges(&self) -> PoolGauges {
        let s = self.0.pool_state();
        PoolGauges {
            connections: s.connections.into(),
            idle: s.idle.into(),
            max_size: s.max_size.into(),
            busy_jobs: s.busy_jobs as i64,
        }
    }
}

/// The customer-administration use cases over `store` (the CLI's import).
pub fn customer_administration(
    settings: &Settings,
    store: &Store,
) -> anyhow::Result<clientele_domain::administration::CustomerAdministration> {
    Ok(app_state(settings, store)?.services.admin)
}

/// The cipher sealing personal data at rest, with the configured keys (the server and
/// `clientele keys rotate` share them).
fn cipher(settings: &Settings) -> anyhow::Result<Arc<dyn FieldCipher>> {
    let keys: Vec<(String, String)> = settings
        .encryption
        .keys
        .iter()
        .map(|(id, key)| (id.clone(), key.clone()))
        .collect();
    let cipher = AesGcmCipher::new(&settings.encryption.current, &keys)
        .map_err(|e| anyhow::anyhow!("configuration: encryption: {e}"))?;
    Ok(Arc::new(cipher))
}

/// The bank-account use cases over `store`.
pub fn bank_accounts(settings: &Settings, store: &Store) -> anyhow::Result<BankAccounts> {
    Ok(BankAccounts {
        repo: Arc::new(store.clone()),
        cipher: cipher(settings)?,
        clock: Arc::new(SystemClock),
    })
}

/// The gift-card use cases over `store`.
fn gift_cards(settings: &Settings, store: &Store, hasher: Arc<dyn PasswordHasher>) -> GiftCards {
    let ids = Arc::new(RandomIds);
    GiftCards {
        repo: Arc::new(store.clone()),
        hasher,
        secrets: ids.clone(),
        ids,
        clock: Arc::new(SystemClock),
        policy: PinPolicy {
            attempts: settings.payments.gift_card_pin_attempts,
            lock: chrono::Duration::seconds(settings.payments.gift_card_lock_secs as i64),
        },
    }
}

/// The gift-card use cases as the server runs them (for `clientele giftcard`).
pub fn gift_card_service(settings: &Settings, store: &Store) -> anyhow::Result<GiftCards> {
    Ok(app_state(settings, store)?.services.payments.gift_cards)
}

/// The order-history use cases as the server runs them (for `clientele orders import`).
pub fn order_history(settings: &Settings, store: &Store) -> anyhow::Result<OrderHistory> {
    Ok(app_state(settings, store)?.services.orders)
}

/// The personal-data export as the server runs it (for `clientele gdpr export`).
pub fn personal_data_export(settings: &Settings, store: &Store) -> anyhow::Result<PersonalDataExport> {
    Ok(app_state(settings, store)?.services.export)
}

/// The payment-instrument use cases as the server runs them (for `clientele keys rotate`).
pub fn payment_instruments(settings: &Settings, store: &Store) -> anyhow::Result<PaymentInstruments> {
    Ok(app_state(settings, store)?.services.payments)
}

/// The payment-instrument use cases over `store`.
fn payment_instrument_service(
    settings: &Settings,
    store: &Store,
    hasher: Arc<dyn PasswordHasher>,
) -> anyhow::Result<PaymentInstruments> {
    let catalog = PaymentCatalog::new(settings.payments.methods.clone())
        .map_err(|e| anyhow::anyhow!("configuration: payments.methods: {e}"))?;
    Ok(PaymentInstruments {
        repo: Arc::new(store.clone()),
        catalog: Arc::new(catalog),
        cipher: cipher(settings)?,
        gift_cards: gift_cards(settings, store, hasher),
        ids: Arc::new(RandomIds),
        clock: Arc::new(SystemClock),
    })
}

fn websale_settings(settings: &Settings) -> WebsaleSettings {
    let w = &settings.websale;
    let page_token_key = if w.page_token_secret.is_empty() {
        AesGcmCipher::generate_key().into_bytes()
    } else {
        w.page_token_secret.as_bytes().to_vec()
    };
    WebsaleSettings {
        hosts: w
            .hosts
            .iter()
            .map(|(host, tenant)| (host.to_ascii_lowercase(), tenant.clone()))
            .collect(),
        default_tenant: w.default_tenant.clone(),
        page_token_key,
        max_bulk_lines: w.max_bulk_lines,
    }
}

fn app_state(settings: &Settings, store: &Store) -> anyhow::Result<AppState> {
    let hash_threads = match settings.security.hash_threads {
        0 => cores(),
        n => n,
    };
    let foreground = Foreground::default();
    let throttle = Throttle {
        foreground: foreground.clone(),
        threads: match settings.security.hash_threads_under_load {
            0 => (hash_threads / 2).max(1),
            n => n,
        },
        share_percent: settings.security.hash_share_under_load,
    };
    // Legacy hashes (customer imports) share the password-hashing threads.
    let hash_pool = BlockingPool::background("argon2", hash_threads, 1024, Some(throttle));
    let hasher = Argon2idHasher::new(settings.argon2(), hash_pool.clone())
        .map_err(|e| anyhow::anyhow!("configuration: security.argon2_*: {e}"))?;
    let hasher = Arc::new(hasher);
    let legacy: Arc<dyn LegacyVerifier> = Arc::new(LegacyPasswords::new(hash_pool));
    let repo = Arc::new(store.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ids = Arc::new(RandomIds);
    let password_policy = PasswordPolicy {
        min_len: settings.security.password_min_length,
        max_len: settings.security.password_max_length,
    };
    let code_mail = |purpose, ttl_secs: u64, path: &str| CodeMail {
        purpose,
        ttl: chrono::Duration::seconds(ttl_secs as i64),
        link: MailLink {
            base: settings.mail.link_base_url.clone(),
            path: path.to_owned(),
        },
    };
    let opt_in_mail = code_mail(
        CodePurpose::SignupOptIn,
        settings.security.opt_in_ttl_secs,
        &settings.mail.opt_in_path,
    );
    let sessions = SessionService {
        authenticator: Authenticator {
            users: repo.clone(),
            hasher: hasher.clone(),
            clock: clock.clone(),
            lockout: LockoutPolicy {
                threshold: settings.security.lockout_threshold,
                base: chrono::Duration::seconds(settings.security.lockout_base_secs as i64),
                max: chrono::Duration::seconds(settings.security.lockout_max_secs as i64),
            },
            legacy: Some(LegacyLogin {
                verifier: legacy.clone(),
                migrations: repo.clone(),
            }),
        },
        sessions: repo.clone(),
        secrets: ids.clone(),
        ids: ids.clone(),
        clock: clock.clone(),
        policy: SessionPolicy {
            access_ttl: chrono::Duration::seconds(settings.security.access_token_ttl_secs as i64),
            refresh_ttl: chrono::Duration::seconds(settings.security.refresh_token_ttl_secs as i64),
        },
        recent: Default::default(),
    };
    let organization = OrganizationService {
        users: repo.clone(),
        centers: repo.clone(),
        ids: ids.clone(),
        secrets: ids.clone(),
        clock: clock.clone(),
        invitation: code_mail(
            CodePurpose::PasswordReset,
            settings.security.invitation_ttl_secs,
            &settings.mail.password_reset_path,
        ),
    };
    let address_book = AddressBook::new(
        repo.clone(),
        ids.clone(),
        clock.clone(),
        AddressLimits {
            max_per_customer: settings.addresses.max_per_customer,
            max_tags: settings.addresses.max_tags,
            max_tag_len: settings.addresses.max_tag_len,
        },
    );
    let admin = CustomerAdministration {
        customers: repo.clone(),
        users: repo.clone(),
        attributes: repo.clone(),
        search: repo.clone(),
        tenants: repo.clone(),
        addresses: address_book.clone(),
        organization: organization.clone(),
        ids: ids.clone(),
        clock: clock.clone(),
        hasher: hasher.clone(),
        legacy,
        migrations: repo.clone(),
    };
    let accounts = AccountAdministration {
        admin: admin.clone(),
        accounts: repo.clone(),
        bank: bank_accounts(settings, store)?,
        sessions: sessions.clone(),
        secrets: ids.clone(),
        clock: clock.clone(),
        reset: code_mail(
            CodePurpose::PasswordReset,
            settings.security.password_reset_ttl_secs,
            &settings.mail.password_reset_path,
        ),
        invitation: organization.invitation.clone(),
        policy: AccountPolicy {
            subshops: settings.websale.subshops.clone(),
            verify_email: settings.websale.verify_email,
            login_link_base: settings.websale.login_link_base.clone(),
        },
    };
    let payments = payment_instrument_service(settings, store, hasher.clone())?;
    let services = Services {
        tenants: tenant_service(store),
        sign_up: SignUpService {
            tenants: repo.clone(),
            customers: repo.clone(),
            hasher: hasher.clone(),
            ids: ids.clone(),
            secrets: ids.clone(),
            clock: clock.clone(),
            opt_in: opt_in_mail.clone(),
        },
        activation: ActivationService {
            users: repo.clone(),
            codes: repo.clone(),
            sessions: sessions.clone(),
            secrets: ids.clone(),
            clock: clock.clone(),
            mail: opt_in_mail,
        },
        email_change: EmailChangeService {
            users: repo.clone(),
            codes: repo.clone(),
            hasher: hasher.clone(),
            secrets: ids.clone(),
            clock: clock.clone(),
            mail: code_mail(
                CodePurpose::EmailChange,
                settings.security.email_change_ttl_secs,
                &settings.mail.email_change_path,
            ),
        },
        sessions,
        credentials: CredentialsService {
            users: repo.clone(),
            hasher: hasher.clone(),
            clock: clock.clone(),
            policy: password_policy,
            history: settings.security.password_history,
        },
        resets: PasswordResetService {
            users: repo.clone(),
            codes: repo.clone(),
            hasher: hasher.clone(),
            secrets: ids.clone(),
            clock: clock.clone(),
            policy: password_policy,
            history: settings.security.password_history,
            mail: code_mail(
                CodePurpose::PasswordReset,
                settings.security.password_reset_ttl_secs,
                &settings.mail.password_reset_path,
            ),
        },
        profile: ProfileService::new(repo.clone(), repo.clone(), repo.clone(), clock.clone()),
        organization: organization.clone(),
        cost_centers: CostCenterService::new(repo.clone(), organization.clone(), ids.clone(), clock.clone()),
        api_clients: api_client_service(store),
        spending: SpendingService {
            customers: repo.clone(),
            users: repo.clone(),
            centers: repo.clone(),
            spendings: repo.clone(),
            clock: clock.clone(),
        },
        addresses: address_book,
        admin,
        accounts,
        payments: payments.clone(),
        export: PersonalDataExport {
            customers: repo.clone(),
            rows: repo.clone(),
            bank: bank_accounts(settings, store)?,
            payments,
            clock: clock.clone(),
        },
        orders: OrderHistory {
            customers: repo.clone(),
            repo: repo.clone(),
            clock: clock.clone(),
        },
    };
    Ok(AppState {
        services,
        limits: HttpLimits {
            max_body_bytes: settings.server.max_body_bytes,
            password_policy,
            auth_attempts_per_minute: settings.security.auth_attempts_per_minute,
        },
        readiness: Arc::new(StoreReadiness(store.clone())),
        ids,
        metrics: Metrics::new(),
        auth_limiter: Arc::new(RateLimiter::new(settings.security.auth_attempts_per_minute)),
        websale: Arc::new(websale_settings(settings)),
        foreground,
    })
}

/// A started server.
pub struct Running {
    /// The address it listens on (port 0 in the settings picks a free one).
    pub addr: SocketAddr,
    pub handle: actix_web::dev::ServerHandle,
    pub server: actix_web::dev::Server,
    pub store: Store,
}

/// Opens the store, makes sure the default tenant exists and binds the server. Await
/// `Running::server` to serve until SIGINT/SIGTERM (graceful shutdown).
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    let store = open_store(settings).await?;
    let default = new_tenant(settings, &settings.tenants.default, None)?;
    let tenant = tenant_service(&store)
        .ensure(default)
        .await
        .context("creating the default tenant")?;
    let state = app_state(settings, &store)?;
    if settings.encryption.current == "dev" {
        tracing::warn!(
            "bank data is sealed with the public development key 'dev': set encryption.current and \
             encryption.keys for production (clientele keys generate), then run clientele keys rotate"
        );
    }
    let mail = crate::mail::dispatcher(&settings.mail, &store)?;
    let s = &settings.server;
    let workers = if s.workers == 0 { cores() } else { s.workers };
    let server = actix_web::HttpServer::new(move || clientele_http::app(state.clone()))
        .workers(workers)
        .client_request_timeout(Duration::from_secs(s.request_timeout_secs))
        .keep_alive(Duration::from_secs(s.keep_alive_secs))
        .shutdown_timeout(s.shutdown_timeout_secs)
        .bind((s.host.as_str(), s.port))
        .with_context(|| format!("binding {}:{} (server.host / server.port)", s.host, s.port))?;
    let addr = *server.addrs().first().context("the server bound no address")?;
    let server = server.run();
    crate::mail::spawn_dispatch_loop(mail, &settings.mail);
    spawn_housekeeping_loop(&store, settings);
    tracing::info!(
        %addr,
        backend = ?store.backend(),
        database = %redact_url(&settings.database.url),
        default_tenant = tenant.name.as_str(),
        "clientele listening; API docs at http://{addr}/docs"
    );
    Ok(Running {
        addr,
        handle: server.handle(),
        server,
        store,
    })
}

/// Spawns the loop that purges ended rows every `housekeeping.interval_secs` (first
/// round right after start) and, when configured, erases inactive accounts. Runs on the
/// server's runtime and ends with it; instances sharing a database may all run it
/// (deletes of ended rows do not conflict; an erasure happens once).
fn spawn_housekeeping_loop(store: &Store, settings: &Settings) {
    let service = HousekeepingService {
        store: Arc::new(store.clone()),
        clock: Arc::new(SystemClock),
        retention: chrono::Duration::days(settings.housekeeping.retention_days as i64),
    };
    let inactive = retention_service(store, settings.housekeeping.erase_inactive_after_months);
    let interval = Duration::from_secs(settings.housekeeping.interval_secs);
    actix_web::rt::spawn(async move {
        loop {
            // The store logged the cause of a failure; the next round tries again.
            if let Err(e) = service.run_once().await {
                tracing::warn!(error = %e, "housekeeping round failed");
            }
            if inactive.months > 0 {
                if let Err(e) = inactive.run_once().await {
                    tracing::warn!(error = %e, "erasure of inactive accounts failed");
                }
            }
            actix_web::rt::time::sleep(interval).await;
        }
    });
}

/// Erasure of accounts inactive for `months` (0 = off), over `store`.
pub fn retention_service(store: &Store, months: u32) -> RetentionService {
    RetentionService {
        inactive: Arc::new(store.clone()),
        customers: Arc::new(store.clone()),
        clock: Arc::new(SystemClock),
        months,
    }
}
