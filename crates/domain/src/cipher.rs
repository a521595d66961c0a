//! The port for sealing personal data at rest (bank data): authenticated encryption
//! under a named key, bound to a context (table, tenant, owner) so a ciphertext cannot
//! be moved to another row. The adapter holds the keys; rows name the key that sealed
//! them, so keys can rotate.

/// Ciphertext with the id of the key that sealed it.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed {{ key_id: {:?}, {} bytes }}", self.key_id, self.bytes.len())
    }
}

/// Why sealed data does not open.
#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("unknown key id {0}")]
    UnknownKey(String),
    #[error("ciphertext does not authenticate")]
    Corrupt,
}

/// Authenticated encryption of small values. Synchronous on purpose: sealing a few
/// bytes is cheaper than a thread hop.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait FieldCipher: Send + Sync {
    /// Encrypts under the current key; `context` is bound as associated data.
    fn seal(&self, plain: &[u8], context: &[u8]) -> Sealed;
    /// Decrypts what [`FieldCipher::seal`] sealed with the same `context`.
    fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, CipherError>;
    /// The id new seals use; rows under other ids are re-sealed by `keys rotate`.
    fn current_key_id(&self) -> String;
}
