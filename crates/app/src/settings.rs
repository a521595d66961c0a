//! Layered configuration: built-in defaults (config/default.yaml, compiled in), then
//! config/{CLIENTELE_ENV}.yaml and config/local.yaml if present, then environment
//! variables `CLIENTELE__SECTION__KEY`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

const DEFAULTS: &str = include_str!("../../../config/default.yaml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub security: SecuritySettings,
    pub tenants: TenantSettings,
    pub mail: MailSettings,
    pub housekeeping: HousekeepingSettings,
    pub addresses: AddressSettings,
    pub websale: WebsaleSettings,
    pub encryption: EncryptionSettings,
    pub payments: PaymentSettings,
}

/// Payment methods customers may save, and gift-card PIN limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentSettings {
    pub methods: Vec<clientele_domain::payments::PaymentMethod>,
    pub gift_card_pin_attempts: i32,
    pub gift_card_lock_secs: u64,
}

/// The WEBSALE admin dialect.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebsaleSettings {
    /// Host name → tenant.
    pub hosts: std::collections::HashMap<String, String>,
    pub default_tenant: String,
    pub subshops: Vec<String>,
    pub verify_email: bool,
    pub login_link_base: String,
    pub max_bulk_lines: usize,
    pub page_token_secret: String,
}

/// Keys sealing personal data at rest.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptionSettings {
    pub current: String,
    /// Key id → base64 of 32 bytes.
    pub keys: std::collections::BTreeMap<String, String>,
}

// Keys must not reach a log through `Settings`' Debug.
impl std::fmt::Debug for EncryptionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptionSettings")
            .field("current", &self.current)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Bounds of every customer's address book.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressSettings {
    pub max_per_customer: usize,
    pub max_tags: usize,
    pub max_tag_len: usize,
}

/// Removal of ended sessions, mailed codes and sent mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousekeepingSettings {
    pub interval_secs: u64,
    pub retention_days: u64,
    /// Erase accounts inactive for this many months; 0 = never.
    pub erase_inactive_after_months: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    pub keep_alive_secs: u64,
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    pub password_min_length: usize,
    pub password_max_length: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub hash_threads: usize,
    pub hash_threads_under_load: usize,
    pub hash_share_under_load: u32,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub lockout_threshold: i32,
    pub lockout_base_secs: u64,
    pub lockout_max_secs: u64,
    pub auth_attempts_per_minute: u32,
    pub password_history: usize,
    pub password_reset_ttl_secs: u64,
    /// How long the link in a new company user's invitation mail works.
    pub invitation_ttl_secs: u64,
    pub opt_in_ttl_secs: u64,
    pub email_change_ttl_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettings {
    pub default: String,
    pub customer_number_pattern: String,
    /// Whether tenants created from now on (the default one included) use double opt-in.
    pub double_opt_in: bool,
    /// IANA time zone of tenants created from now on: their budget periods start at
    /// local midnight there.
    pub time_zone: String,
}

/// Outgoing mail: how it leaves (transport), what it looks like (templates), how the
/// outbox is worked off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// Where the `file` transport writes `{tenant}/{id}-{kind}.eml`.
    pub dir: String,
    pub from: String,
    /// Base of the links flows put into mails (opt-in, password reset, …).
    pub link_base_url: String,
    /// Path of password-reset links, with `{user_id}` and `{code}` placeholders.
    pub password_reset_path: String,
    /// Path of opt-in links, with `{user_id}` and `{code}` placeholders.
    pub opt_in_path: String,
    /// Path of e-mail change confirmation links, with `{user_id}` and `{code}` placeholders.
    pub email_change_path: String,
    /// Template overrides `{tenant}/{language}/{kind}.txt|.html`; empty = built-in only.
    pub templates_dir: String,
    pub dispatch_interval_ms: u64,
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubles per further failure, at most an hour.
    pub retry_base_secs: u64,
    pub smtp: SmtpSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// `.eml` files under `mail.dir` (development).
    File,
    Smtp,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTlsMode,
    /// Empty = no login.
    pub username: String,
    pub password: String,
    pub timeout_secs: u64,
}

// `Settings` is `Debug`; the SMTP password must not reach a log through it.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &redact_secret(&self.password))
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTlsMode {
    /// Plain text; only for a relay on this host or a trusted network.
    None,
    /// STARTTLS, required (usually port 587).
    Starttls,
    /// TLS from the start (SMTPS, usually port 465).
    Tls,
}

impl MailSettings {
    /// Checks the `mail.*` keys; each error names its key.
    fn validate(&self) -> anyhow::Result<()> {
        clientele_mail::check_from(&self.from).map_err(|e| anyhow::anyhow!("configuration: mail.from: {e}"))?;
        let url = self.link_base_url.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or_default();
        if host.is_empty() || host.starts_with('/') {
            bail!("configuration: mail.link_base_url must be an http:// or https:// URL (got '{url}')");
        }
        if self.transport == MailTransport::File && self.dir.trim().is_empty() {
            bail!("configuration: mail.dir must be set when mail.transport is file");
        }
        if !(10..=3_600_000).contains(&self.dispatch_interval_ms) {
            bail!("configuration: mail.dispatch_interval_ms must be between 10 and 3600000");
        }
        if !(1..=100).contains(&self.max_attempts) {
            bail!("configuration: mail.max_attempts must be between 1 and 100");
        }
        if !(1..=3600).contains(&self.retry_base_secs) {
            bail!("configuration: mail.retry_base_secs must be between 1 and 3600");
        }
        if !(1..=300).contains(&self.smtp.timeout_secs) {
            bail!("configuration: mail.smtp.timeout_secs must be between 1 and 300");
        }
        if self.transport == MailTransport::Smtp {
            if self.smtp.host.trim().is_empty() {
                bail!("configuration: mail.smtp.host must be set when mail.transport is smtp");
            }
            if self.smtp.port == 0 {
                bail!("configuration: mail.smtp.port must not be 0");
            }
            if self.smtp.username.is_empty() && !self.smtp.password.is_empty() {
                bail!("configuration: mail.smtp.username must be set when mail.smtp.password is");
            }
        }
        Ok(())
    }
}

impl Settings {
    /// Loads the layers from `config_dir` (default `config/`, or `CLIENTELE_CONFIG_DIR`).
    pub fn load() -> anyhow::Result<Self> {
        let dir = std::env::var_os("CLIENTELE_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| "config".into());
        let env = std::env::var("CLIENTELE_ENV").unwrap_or_else(|_| "local".into());
        let built = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Yaml))
            .add_source(config::File::from(dir.join(format!("{env}.yaml"))).required(false))
            .add_source(config::File::from(dir.join("local.yaml")).required(false))
            .add_source(
                config::Environment::with_prefix("CLIENTELE")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .context("configuration")?;
        let settings: Settings = built
            .try_deserialize()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    /// The built-in defaults alone (tests start from these).
    pub fn defaults() -> Self {
        config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Yaml))
            .build()
            .and_then(|c| c.try_deserialize())
            .expect("config/default.yaml is valid")
    }

    /// Checks values the types cannot; each error names its key.
    pub fn validate(&self) -> anyhow::Result<()> {
        let url = &self.database.url;
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:")) {
            bail!(
                "configuration: database.url must start with sqlite:// or postgres:// (got '{}')",
                redact_url(url)
            );
        }
        if self.server.max_body_bytes < 1024 {
            bail!("configuration: server.max_body_bytes must be at least 1024");
        }
        if self.security.password_min_length < 8 {
            bail!("configuration: security.password_min_length must be at least 8 (NIST SP 800-63B)");
        }
        if self.security.password_max_length < 64
            || self.security.password_max_length < self.security.password_min_length
        {
            bail!("configuration: security.password_max_length must be at least 64 and not below the minimum");
        }
        if !(1..=100).contains(&self.security.hash_share_under_load) {
            bail!("configuration: security.hash_share_under_load must be between 1 and 100 (percent)");
        }
        if !(60..=86_400).contains(&self.security.access_token_ttl_secs) {
            bail!("configuration: security.access_token_ttl_secs must be between 60 and 86400");
        }
        if self.housekeeping.interval_secs < 60 {
            bail!("configuration: housekeeping.interval_secs must be at least 60");
        }
        if self.housekeeping.retention_days < 1 {
            bail!("configuration: housekeeping.retention_days must be at least 1");
        }
        if !(300..=7 * 86_400).contains(&self.security.password_reset_ttl_secs) {
            bail!("configuration: security.password_reset_ttl_secs must be between 300 and 604800");
        }
        if !self.mail.password_reset_path.starts_with('/') || !self.mail.password_reset_path.contains("{code}") {
            bail!("configuration: mail.password_reset_path must start with / and contain {{code}}");
        }
        if self.addresses.max_per_customer == 0 || self.addresses.max_tag_len == 0 {
            bail!("configuration: addresses.max_per_customer and addresses.max_tag_len must be at least 1");
        }
        if !(1..=100_000).contains(&self.websale.max_bulk_lines) {
            bail!("configuration: websale.max_bulk_lines must be between 1 and 100000");
        }
        if !self.encryption.keys.contains_key(&self.encryption.current) {
            bail!(
                "configuration: encryption.current ('{}') must be one of encryption.keys",
                self.encryption.current
            );
        }
        if self.security.auth_attempts_per_minute == 0 {
            bail!("configuration: security.auth_attempts_per_minute must be at least 1");
        }
        if self.security.lockout_threshold < 1 {
            bail!("configuration: security.lockout_threshold must be at least 1");
        }
        if self.security.lockout_base_secs == 0 || self.security.lockout_max_secs < self.security.lockout_base_secs {
            bail!("configuration: security.lockout_base_secs must be positive and not above security.lockout_max_secs");
        }
        if self.security.refresh_token_ttl_secs < self.security.access_token_ttl_secs {
            bail!("configuration: security.refresh_token_ttl_secs must not be below access_token_ttl_secs");
        }
        self.argon2()
            .validate()
            .map_err(|e| anyhow::anyhow!("configuration: security.argon2_*: {e}"))?;
        clientele_domain::tenants::TenantName::parse(&self.tenants.default)
            .map_err(|e| anyhow::anyhow!("configuration: tenants.default {e}"))?;
        clientele_domain::values::CustomerNumberPattern::parse(&self.tenants.customer_number_pattern)
            .map_err(|e| anyhow::anyhow!("configuration: tenants.customer_number_pattern {e}"))?;
        self.mail.validate()?;
        match self.log.level.parse::<tracing_subscriber::EnvFilter>() {
            Ok(_) => Ok(()),
            Err(e) => bail!("configuration: log.level is not a valid filter: {e}"),
        }
    }

    pub fn argon2(&self) -> clientele_crypto::Argon2Params {
        clientele_crypto::Argon2Params {
            memory_kib: self.security.argon2_memory_kib,
            iterations: self.security.argon2_iterations,
            parallelism: self.security.argon2_parallelism,
        }
    }

    /// The settings as YAML with secrets (database password) redacted.
    pub fn redacted_yaml(&self) -> String {
        let mut shown = self.clone();
        shown.database.url = redact_url(&shown.database.url);
        shown.mail.smtp.password = redact_secret(&shown.mail.smtp.password).to_owned();
        for key in shown.encryption.keys.values_mut() {
            *key = redact_secret(key).to_owned();
        }
        shown.websale.page_token_secret = redact_secret(&shown.websale.page_token_secret).to_owned();
        serde_json::to_value(&shown).map(|v| to_yaml(&v, 0)).unwrap_or_default()
    }
}

/// `***` for a set secret; an empty one stays empty, so `config show` tells whether it is set.
fn redact_secret(secret: &str) -> &'static str {
    if secret.is_empty() {
        ""
    } else {
        "***"
    }
}

/// Replaces the password of a URL with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

fn to_yaml(v: &serde_json::Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::Object(_) => format!("{pad}{k}:\n{}", to_yaml(v, indent + 2)),
                other => format!("{pad}{k}: {other}\n"),
            })
            .collect(),
        other => format!("{pad}{other}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_listen_on_localhost_8080() {
        let s = Settings::defaults();
        s.validate().unwrap();
        assert_eq!((s.server.host.as_str(), s.server.port), ("127.0.0.1", 8080));
        assert!(s.database.url.starts_with("sqlite://data/"));
        assert_eq!(s.tenants.default, "demo");
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        let mut s = Settings::defaults();
        s.database.url = "postgres://app:s3cret@db/x".into();
        assert!(!s.redacted_yaml().contains("s3cret"));
    }

    #[test]
    fn bad_values_name_their_key() {
        type Breakage = fn(&mut Settings);
        let cases: [(Breakage, &str); 4] = [
            (|s| s.database.url = "mysql://x".into(), "database.url"),
            (|s| s.security.argon2_memory_kib = 1024, "security.argon2_"),
            (|s| s.security.password_min_length = 6, "security.password_min_length"),
            (
                |s| s.security.hash_share_under_load = 0,
                "security.hash_share_under_load",
            ),
        ];
        for (break_it, key) in cases {
            let mut s = Settings::defaults();
            break_it(&mut s);
            let err = s.validate().unwrap_err().to_string();
            assert!(err.contains(key), "{err} should name {key}");
        }
    }

    #[test]
    fn mail_defaults_write_files_and_bad_mail_values_name_their_key() {
        let s = Settings::defaults();
        assert_eq!(
            (s.mail.transport, s.mail.dir.as_str()),
            (MailTransport::File, "data/mail")
        );
        type Breakage = fn(&mut MailSettings);
        let cases: [(Breakage, &str); 6] = [
            (|m| m.from = "not an address".into(), "mail.from"),
            (|m| m.link_base_url = "ftp://x".into(), "mail.link_base_url"),
            (|m| m.max_attempts = 0, "mail.max_attempts"),
            (|m| m.dispatch_interval_ms = 0, "mail.dispatch_interval_ms"),
            (
                |m| {
                    m.transport = MailTransport::Smtp;
                    m.smtp.host = String::new();
                },
                "mail.smtp.host",
            ),
            (
                |m| {
                    m.transport = MailTransport::Smtp;
                    m.smtp.password = "pw".into();
                },
                "mail.smtp.username",
            ),
        ];
        for (break_it, key) in cases {
            let mut s = Settings::defaults();
            break_it(&mut s.mail);
            let err = s.validate().unwrap_err().to_string();
            assert!(err.contains(key), "{err} should name {key}");
        }
    }

    #[test]
    fn the_smtp_password_is_redacted() {
        let mut s = Settings::defaults();
        s.mail.smtp.username = "shop".into();
        s.mail.smtp.password = "s3cret-smtp".into();
        let shown = s.redacted_yaml();
        assert!(
            !shown.contains("s3cret-smtp") && shown.contains("password: \"***\""),
            "{shown}"
        );
        assert!(!format!("{s:?}").contains("s3cret-smtp"));
    }
}
