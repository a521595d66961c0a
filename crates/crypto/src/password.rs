use argon2::password_hash::{PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use clientele_blocking::BlockingPool;
use clientele_domain::identity::{HashError, PasswordHasher};
use clientele_domain::values::{Password, PasswordHash};
use rand::rngs::OsRng;

/// argon2id cost parameters; the defaults are OWASP's minimum (19 MiB, t=2, p=1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    /// Checks the parameters against the OWASP floor and argon2's own limits.
    pub fn validate(self) -> Result<Self, String> {
        if self.memory_kib < 19 * 1024 || self.iterations < 2 || self.parallelism < 1 {
            return Err("argon2id needs at least memory_kib=19456, iterations=2, parallelism=1 (OWASP)".into());
        }
        self.argon2().map(|_| self)
    }

    fn argon2(self) -> Result<Argon2<'static>, String> {
        let params =
            Params::new(self.memory_kib, self.iterations, self.parallelism, None).map_err(|e| e.to_string())?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// argon2id hashing and verification, run on a dedicated bounded pool so hashing can
/// neither block the executor nor starve the database pool.
#[derive(Clone)]
pub struct Argon2idHasher {
    argon2: Argon2<'static>,
    pool: BlockingPool,
    /// A real hash with the same parameters, verified when a login is unknown.
    dummy: String,
}

impl Argon2idHasher {
    /// A hasher with `params` running on `pool`.
    pub fn new(params: Argon2Params, pool: BlockingPool) -> Result<Self, String> {
        let argon2 = params.validate()?.argon2()?;
        let salt = SaltString::generate(&mut OsRng);
        let dummy = argon2
            .hash_password(b"clientele-dummy-password", &salt)
            .map_err(|e| e.to_string())?
            .to_string();
        Ok(Self { argon2, pool, dummy })
    }

    /// Hashes synchronously on the calling thread (benchmarks and CLI only).
    pub fn hash_blocking(&self, password: &str) -> Result<String, HashError> {
        hash_with(&self.argon2, password)
    }

    /// Verifies synchronously on the calling thread (benchmarks only).
    pub fn verify_blocking(&self, password: &str, phc: &str) -> bool {
        verify_with(&self.argon2, password, phc)
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

fn verify_with(argon2: &Argon2<'_>, password: &str, phc: &str) -> bool {
    // The stored hash carries its own parameters; argon2 honours them when verifying.
    Phc::new(phc).is_ok_and(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
}

#[async_trait]
impl PasswordHasher for Argon2idHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let argon2 = self.argon2.clone();
        let plain = password.expose().to_owned();
        let phc = self
            .pool
            .run(move || hash_with(&argon2, &plain))
            .await
            .map_err(|e| HashError(e.to_string()))??;
        Ok(PasswordHash::from_phc(phc))
    }

    async fn verify(&self, password: &Password, hash: Option<PasswordHash>) -> Result<bool, HashError> {
        let argon2 = self.argon2.clone();
        let plain = password.expose().to_owned();
        let known = hash.is_some();
        let phc = hash.map_or_else(|| self.dummy.clone(), |h| h.as_str().to_owned());
        let ok = self
            .pool
            .run(move || verify_with(&argon2, &plain, &phc))
            .await
            .map_err(|e| HashError(e.to_string()))?;
        Ok(ok && known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_domain::values::PasswordPolicy;

    fn hasher() -> Argon2idHasher {
        Argon2idHasher::new(Argon2Params::default(), BlockingPool::new("hash", 1, 8)).unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_with_owasp_parameters_and_verify() {
        let h = hasher();
        let pw = Password::parse("correct horse battery", PasswordPolicy::default(), &[]).unwrap();
        let phc = h.hash(&pw).await.unwrap();
        assert!(
            phc.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            phc.as_str()
        );
        assert!(h.verify(&pw, Some(phc.clone())).await.unwrap());
        assert!(!h
            .verify(&Password::for_login("wrong password"), Some(phc))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn unknown_user_never_verifies_even_with_the_dummy_password() {
        let h = hasher();
        assert!(!h
            .verify(&Password::for_login("clientele-dummy-password"), None)
            .await
            .unwrap());
    }

    #[test]
    fn parameters_below_owasp_are_refused() {
        let weak = Argon2Params {
            memory_kib: 4096,
            ..Default::default()
        };
        assert!(weak.validate().is_err());
    }
}
