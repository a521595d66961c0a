//! AES-256-GCM for the domain's [`FieldCipher`]: a key ring of named 256-bit keys, one
//! of them current. A sealed value is a random 96-bit nonce followed by the ciphertext
//! and tag; the associated data is the key id and the caller's context, so a value
//! opens only under its key, in its place.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use clientele_domain::cipher::{CipherError, FieldCipher, Sealed};
use rand::RngCore;

const NONCE_LEN: usize = 12;

/// Why a key ring was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("key id {0:?} must be 1 to 32 letters, digits, '_' or '-'")]
    BadId(String),
    #[error("key {0:?} must be the standard base64 of exactly 32 bytes")]
    BadKey(String),
    #[error("the current key {0:?} is not among the keys")]
    NoCurrent(String),
}

/// AES-256-GCM over a key ring.
pub struct AesGcmCipher {
    current: String,
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for AesGcmCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("AesGcmCipher")
            .field("current", &self.current)
            .field("key_ids", &ids)
            .finish()
    }
}

impl AesGcmCipher {
    /// A cipher sealing under `current`, opening under any of `keys` (`(id, base64)`).
    pub fn new(current: &str, keys: &[(String, String)]) -> Result<Self, KeyError> {
        let mut ring = Vec::with_capacity(keys.len());
        for (id, key) in keys {
            let id_ok = !id.is_empty()
                && id.len() <= 32
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !id_ok {
                return Err(KeyError::BadId(id.clone()));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(key.trim())
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or_else(|| KeyError::BadKey(id.clone()))?;
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyError::BadKey(id.clone()))?;
            ring.push((id.clone(), cipher));
        }
        if !ring.iter().any(|(id, _)| id == current) {
            return Err(KeyError::NoCurrent(current.into()));
        }
        Ok(Self {
            current: current.into(),
            keys: ring,
        })
    }

    /// A new random key, base64, for `clientele keys generate` and the configuration.
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        base64::engine::general_purpose::STANDARD.encode(key)
    }

    fn key(&self, id: &str) -> Option<&Aes256Gcm> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, c)| c)
    }
}

fn aad(key_id: &str, context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(key_id.len() + 1 + context.len());
    aad.extend_from_slice(key_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(context);
    aad
}

impl FieldCipher for AesGcmCipher {
    fn seal(&self, plain: &[u8], context: &[u8]) -> Sealed {
        let cipher = self.key(&self.current).expect("the current key is in the ring");
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = aad(&self.current, context);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: &aad })
            .expect("AES-GCM encrypts any message of this size");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Sealed {
            key_id: self.current.clone(),
            bytes,
        }
    }

    fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Vec<u8>, CipherError> {
        let cipher = self
            .key(&sealed.key_id)
            .ok_or_else(|| CipherError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.bytes.len() < NONCE_LEN {
            return Err(CipherError::Corrupt);
        }
        let (nonce, body) = sealed.bytes.split_at(NONCE_LEN);
        let aad = aad(&sealed.key_id, context);
        cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: &aad })
            .map_err(|_| CipherError::Corrupt)
    }

    fn current_key_id(&self) -> String {
        self.current.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(current: &str) -> AesGcmCipher {
        let k1 = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let k2 = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
        AesGcmCipher::new(current, &[("k1".into(), k1), ("k2".into(), k2)]).unwrap()
    }

    #[test]
    fn seals_open_in_their_context_only() {
        let c = ring("k1");
        let s = c.seal(b"DE89370400440532013000", b"row:1");
        assert_eq!(s.key_id, "k1");
        assert!(!s.bytes.windows(4).any(|w| w == b"DE89"));
        assert_eq!(c.open(&s, b"row:1").unwrap(), b"DE89370400440532013000");
        assert!(matches!(c.open(&s, b"row:2"), Err(CipherError::Corrupt)));
        let mut tampered = s.clone();
        tampered.bytes[NONCE_LEN] ^= 1;
        assert!(matches!(c.open(&tampered, b"row:1"), Err(CipherError::Corrupt)));
        // The same value twice seals differently (random nonce).
        assert_ne!(c.seal(b"x", b"").bytes, c.seal(b"x", b"").bytes);
    }

    #[test]
    fn old_keys_still_open_after_rotation() {
        let old = ring("k1").seal(b"secret", b"ctx");
        let rotated = ring("k2");
        assert_eq!(rotated.current_key_id(), "k2");
        assert_eq!(rotated.open(&old, b"ctx").unwrap(), b"secret");
        let unknown = Sealed {
            key_id: "k9".into(),
            bytes: old.bytes.clone(),
        };
        assert!(matches!(
            rotated.open(&unknown, b"ctx"),
            Err(CipherError::UnknownKey(_))
        ));
        // A seal moved to another key id does not open either.
        let moved = Sealed {
            key_id: "k2".into(),
            bytes: old.bytes,
        };
        assert!(matches!(rotated.open(&moved, b"ctx"), Err(CipherError::Corrupt)));
    }

    #[test]
    fn bad_rings_are_refused_and_debug_shows_no_key() {
        let good = AesGcmCipher::generate_key();
        assert_eq!(
            AesGcmCipher::new("a", &[("a".into(), "short".into())]).unwrap_err(),
            KeyError::BadKey("a".into())
        );
        assert_eq!(
            AesGcmCipher::new("b", &[("a".into(), good.clone())]).unwrap_err(),
            KeyError::NoCurrent("b".into())
        );
        assert_eq!(
            AesGcmCipher::new("a b", &[("a b".into(), good.clone())]).unwrap_err(),
            KeyError::BadId("a b".into())
        );
        let c = AesGcmCipher::new("a", &[("a".into(), good.clone())]).unwrap();
        assert!(!format!("{c:?}").contains(&good));
    }
}
