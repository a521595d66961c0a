//! Crypto adapters for the domain's ports: argon2id password hashing on a bounded
//! blocking pool, and random public ids.

mod ids;
mod password;

pub use ids::RandomIds;
pub use password::{Argon2Params, Argon2idHasher};
