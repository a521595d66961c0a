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
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub lockout_threshold: i32,
    pub lockout_base_secs: u64,
    pub lockout_max_secs: u64,
    pub auth_attempts_per_minute: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettings {
    pub default: String,
    pub customer_number_pattern: String,
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
        if !(60..=86_400).contains(&self.security.access_token_ttl_secs) {
            bail!("configuration: security.access_token_ttl_secs must be between 60 and 86400");
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
        serde_json::to_value(&shown).map(|v| to_yaml(&v, 0)).unwrap_or_default()
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
        let mut s = Settings::defaults();
        s.database.url = "mysql://x".into();
        assert!(s.validate().unwrap_err().to_string().contains("database.url"));
        let mut s = Settings::defaults();
        s.security.argon2_memory_kib = 1024;
        assert!(s.validate().unwrap_err().to_string().contains("security.argon2_"));
        let mut s = Settings::defaults();
        s.security.password_min_length = 6;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("security.password_min_length"));
    }
}
