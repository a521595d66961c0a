use clientele_domain::identity::IdGenerator;
use clientele_domain::ids::PublicId;
use rand::{rngs::OsRng, Rng};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Public ids of 22 base62 characters (≈131 bits) from the OS random source.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl RandomIds {
    /// `len` random base62 characters.
    pub fn token(len: usize) -> String {
        let mut rng = OsRng;
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
}
