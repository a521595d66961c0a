//! Crypto adapters for the domain's ports: argon2id password hashing and legacy
//! password verification on a bounded blocking pool, random public ids, and AES-256-GCM
//! sealing of personal data at rest.

mod cipher;
mod ids;
mod legacy;
mod password;

pub use cipher::{AesGcmCipher, KeyError};
pub use ids::RandomIds;
pub use legacy::LegacyPasswords;
pub use password::{Argon2Params, Argon2idHasher};
