use async_trait::async_trait;

use crate::ids::PublicId;
use crate::values::{Password, PasswordHash};

/// Why hashing failed (the adapter's pool is gone, parameters broken, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

/// Password hashing (argon2id in production). Implementations run off the executor.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a new password into a PHC string.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;
    /// Checks a password against a stored hash. With `None` it checks against a dummy
    /// hash of the same cost and returns false, so unknown logins take as long as
    /// wrong passwords.
    async fn verify(&self, password: &Password, hash: Option<PasswordHash>) -> Result<bool, HashError>;
    /// Whether an imported hash is one this hasher verifies (argon2id PHC with
    /// parameters it accepts); the error says why not.
    fn check_hash(&self, hash: &PasswordHash) -> Result<(), String>;
}

/// Random identifiers.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A new opaque public id (unguessable, URL-safe).
    fn public_id(&self) -> PublicId;
}
