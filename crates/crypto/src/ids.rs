use clientele_domain::identity::{IdGenerator, Secrets, TokenDigest};
use clientele_domain::ids::PublicId;
use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Public ids of 22 base62 characters (≈131 bits) from the OS random source.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl RandomIds {
    /// `len` random base62 characters from the thread's CSPRNG (ChaCha, seeded and
    /// reseeded from the OS): as unguessable as OS randomness, without a system call
    /// per character on the request path.
    pub fn token(len: usize) -> String {
        let mut rng = rand::thread_rng();
        (0..len)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect()
    }
}

impl IdGenerator for RandomIds {
    fn public_id(&self) -> PublicId {
        PublicId::parse(&Self::token(22)).expect("base62 is a valid public id")
    }
}

/// Tokens of 43 base62 characters (≈256 bits); stored as their SHA-256. A fast digest is
/// right here: the tokens are random, so there is nothing to guess offline.
impl Secrets for RandomIds {
    fn token(&self) -> String {
        Self::token(43)
    }

    fn digest(&self, token: &str) -> TokenDigest {
        let hash = Sha256::digest(token.as_bytes());
        // Hex by table: a `format!` per byte made the digest a thirtieth of a token read.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let hex = hash
            .iter()
            .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]])
            .map(char::from)
            .collect();
        TokenDigest::new(hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_22_base62_chars_and_differ() {
        let a = RandomIds.public_id();
        let b = RandomIds.public_id();
        assert_eq!(a.as_str().len(), 22);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn tokens_are_long_and_digests_are_stable_sha256() {
        let t = Secrets::token(&RandomIds);
        assert_eq!(t.len(), 43);
        assert_eq!(
            RandomIds.digest("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(RandomIds.digest(&t), RandomIds.digest(&t));
    }
}
