//! Password hashes exported from a previous shop system (customer import). They are
//! kept apart from the argon2id hash, accepted only while the tenant's migration
//! retention lasts, verified on the customer's first login and then replaced by an
//! argon2id hash of the same password. docs/legacy-passwords.md describes each format.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::HashError;
use crate::values::Password;

/// The verifiers clientele knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyAlgorithm {
    /// Modular-crypt bcrypt (`$2a$`, `$2b$`, `$2y$`).
    Bcrypt,
    /// PBKDF2 with HMAC-SHA-256.
    Pbkdf2Sha256,
    /// One SHA-256 over salt and password.
    SaltedSha256,
    /// One SHA-512 over salt and password.
    SaltedSha512,
    /// SAP Commerce (hybris) salted SHA-512 with the user's original uid as salt
    /// (Emporix' `hybris-sha512-uid-salt`).
    HybrisSha512UidSalt,
}

impl LegacyAlgorithm {
    pub const ALL: [Self; 5] = [
        Self::Bcrypt,
        Self::Pbkdf2Sha256,
        Self::SaltedSha256,
        Self::SaltedSha512,
        Self::HybrisSha512UidSalt,
    ];

    /// The name imports use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bcrypt => "bcrypt",
            Self::Pbkdf2Sha256 => "pbkdf2-sha256",
            Self::SaltedSha256 => "salted-sha256",
            Self::SaltedSha512 => "salted-sha512",
            Self::HybrisSha512UidSalt => "hybris-sha512-uid-salt",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A legacy hash with the metadata its verifier needs (salt, iterations, uid, …).
/// `Debug` shows the algorithm only: hash and salt never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct LegacyHash {
    pub algorithm: LegacyAlgorithm,
    /// The hash as exported.
    pub hash: String,
    /// Algorithm-specific metadata, as Emporix' `legacyAuth.context`.
    pub context: BTreeMap<String, String>,
}

impl std::fmt::Debug for LegacyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyHash")
            .field("algorithm", &self.algorithm)
            .field("hash", &"[redacted]")
            .finish()
    }
}

/// Checks passwords against legacy hashes. Implementations run off the executor.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait LegacyVerifier: Send + Sync {
    /// Whether the hash is well-formed for its algorithm (checked at import, so a broken
    /// export is refused then, not at the customer's first login); the error says why.
    fn check(&self, hash: &LegacyHash) -> Result<(), String>;
    /// Whether `password` matches `hash` (false for a malformed hash).
    async fn verify_legacy(&self, password: &Password, hash: &LegacyHash) -> Result<bool, HashError>;
}

/// A tenant's password-migration window: legacy hashes are accepted at import and at
/// login until `retention_end` (inclusive, in UTC); then they are void.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordMigration {
    pub retention_end: chrono::NaiveDate,
    /// When unmigrated customers are reminded.
    pub reminder_date: chrono::NaiveDate,
    /// Whether customers get reminder and password-reset mails about the migration.
    pub notifications: bool,
}

impl PasswordMigration {
    /// Whether legacy hashes still count on `today`.
    pub fn active(&self, today: chrono::NaiveDate) -> bool {
        today <= self.retention_end
    }
}

/// Storage of the tenants' migration windows.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PasswordMigrationRepository: Send + Sync {
    /// The tenant's window, if one is configured.
    async fn password_migration(
        &self,
        tenant: crate::ids::TenantId,
    ) -> Result<Option<PasswordMigration>, crate::error::StoreError>;
    /// Configures (or replaces) the tenant's window.
    async fn set_password_migration(
        &self,
        tenant: crate::ids::TenantId,
        migration: PasswordMigration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), crate::error::StoreError>;
    /// Removes the window and every legacy hash of the tenant's users, in one
    /// transaction; the number of users whose legacy hash went.
    async fn end_password_migration(&self, tenant: crate::ids::TenantId) -> Result<u64, crate::error::StoreError>;
}

/// What logins need to migrate legacy hashes.
#[derive(Clone)]
pub struct LegacyLogin {
    pub verifier: std::sync::Arc<dyn LegacyVerifier>,
    pub migrations: std::sync::Arc<dyn PasswordMigrationRepository>,
}
