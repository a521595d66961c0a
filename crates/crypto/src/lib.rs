//! Crypto adapters for the domain's ports: argon2id password hashing and legacy
//! password verification on a bounded blocking pool, and random public ids.

mod ids;
mod legacy;
mod password;

pub use ids::RandomIds;
pub use legacy::LegacyPasswords;
pub use password::{Argon2Params, Argon2idHasher};
