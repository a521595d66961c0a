use std::cell::RefCell;

use argon2::password_hash::{Output, ParamsString, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use clientele_blocking::{lowered, BlockingPool};
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

/// Stored hashes may carry other parameters (imports, older settings); refuse to spend
/// more than this much memory on one.
const MAX_VERIFY_MEMORY_KIB: u32 = 256 * 1024;

/// Working areas up to this many blocks (KiB) are kept per thread; larger ones (a
/// stored hash with unusual parameters) are allocated for the one call.
const KEPT_WORK_AREA_BLOCKS: usize = 64 * 1024;

thread_local! {
    /// Each hashing thread keeps one argon2 working area and reuses it. Allocating
    /// 19 MiB per hash instead makes the C allocator hold on to freed areas: the
    /// process then grows to hundreds of MiB under load.
    static WORK_AREA: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a working area for `params`, at the priority of the hashing pool's job
/// (`lowered`: `f` only computes in the area, it takes no lock).
fn with_work_area<T>(params: &Params, f: impl FnOnce(&mut [Block]) -> T) -> T {
    if params.block_count() > KEPT_WORK_AREA_BLOCKS {
        let mut area = new_work_area(params.block_count());
        return lowered(|| f(&mut area));
    }
    WORK_AREA.with(|area| {
        let mut area = area.borrow_mut();
        if area.len() < params.block_count() {
            *area = new_work_area(params.block_count());
        }
        lowered(|| f(&mut area[..params.block_count()]))
    })
}

/// A zeroed working area of `blocks` blocks, on transparent huge pages where the kernel
/// offers them (Linux with THP `madvise` or `always`). argon2 reads the area's blocks
/// in an unpredictable order, so with 4 KiB pages almost every block it reads misses the
/// TLB; with 2 MiB pages the whole area fits in it. Measured on this project's 2-core
/// machine: 7–9 % more hashes and verifies per second (docs/benchmarks.md).
fn new_work_area(blocks: usize) -> Vec<Block> {
    let mut area = Vec::with_capacity(blocks);
    #[cfg(target_os = "linux")]
    {
        // The 2 MiB-aligned part of the allocation, advised before its first write so the
        // page faults of `resize` take huge pages. Advice only: failure changes nothing.
        const HUGE: usize = 2 << 20;
        let start = area.as_ptr() as usize;
        let end = start + blocks * std::mem::size_of::<Block>();
        let (from, to) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if to > from {
            // SAFETY: [from, to) lies within the allocation `area` owns; madvise does not
            // touch its contents (none are initialised yet) and only steers page faults.
            unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE) };
        }
    }
    area.resize(blocks, Block::default());
    area
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
        // On a thread of its own: the working area it keeps goes with it, instead of
        // staying with the caller's thread (19 MiB for the life of the process).
        let dummy = std::thread::scope(|s| {
            s.spawn(|| hash_with(&argon2, "clientele-dummy-password"))
                .join()
                .map_err(|_| "hashing the dummy password panicked".to_owned())
        })?
        .map_err(|e| e.0)?;
        Ok(Self { argon2, pool, dummy })
    }

    /// Hashes synchronously on the calling thread (benchmarks and CLI only).
    pub fn hash_blocking(&self, password: &str) -> Result<String, HashError> {
        hash_with(&self.argon2, password)
    }

    /// Verifies synchronously on the calling thread (benchmarks only).
    pub fn verify_blocking(&self, password: &str, phc: &str) -> bool {
        verify_with(password, phc)
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    let fail = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let params = argon2.params();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let raw_salt = salt.as_salt().decode_b64(&mut salt_buf).map_err(|e| fail(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_work_area(params, |area| {
        argon2.hash_password_into_with_memory(password.as_bytes(), raw_salt, &mut out, area)
    })
    .map_err(|e| fail(&e))?;
    let phc = Phc {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `phc` is an argon2id PHC string this hasher would verify.
fn check_phc(phc: &str) -> Result<(), String> {
    let parsed = Phc::new(phc).map_err(|e| format!("is no PHC string ({e})"))?;
    if Algorithm::try_from(parsed.algorithm) != Ok(Algorithm::Argon2id) {
        return Err(format!("must be argon2id, not {}", parsed.algorithm));
    }
    let params = Params::try_from(&parsed).map_err(|e| format!("has unusable parameters ({e})"))?;
    if params.m_cost() > MAX_VERIFY_MEMORY_KIB {
        return Err(format!("needs more than {MAX_VERIFY_MEMORY_KIB} KiB (m) to verify"));
    }
    if params.t_cost() > 10 || params.p_cost() > 8 {
        return Err("takes more than 10 iterations (t) or 8 lanes (p) to verify".into());
    }
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err("has no salt or hash".into());
    }
    Ok(())
}

/// Verifies against a PHC string with the parameters stored in it.
fn verify_with(password: &str, phc: &str) -> bool {
    let Ok(parsed) = Phc::new(phc) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed)) else {
        return false;
    };
    let version = parsed.version.map_or(Ok(Version::V0x13), Version::try_from);
    let (Ok(version), Some(salt), Some(expected)) = (version, parsed.salt, parsed.hash) else {
        return false;
    };
    if params.m_cost() > MAX_VERIFY_MEMORY_KIB {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let computed = with_work_area(argon2.params(), |area| {
        argon2.hash_password_into_with_memory(password.as_bytes(), raw_salt, &mut out, area)
    });
    // `Output` compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
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
        let plain = password.expose().to_owned();
        let known = hash.is_some();
        let phc = hash.map_or_else(|| self.dummy.clone(), |h| h.as_str().to_owned());
        let ok = self
            .pool
            .run(move || verify_with(&plain, &phc))
            .await
            .map_err(|e| HashError(e.to_string()))?;
        Ok(ok && known)
    }

    fn check_hash(&self, hash: &PasswordHash) -> Result<(), String> {
        check_phc(hash.as_str())
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
    fn hashes_from_the_reference_implementation_verify_and_ours_verify_there() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let reference = Argon2::default();
        let salt = SaltString::generate(&mut OsRng);
        let theirs = reference
            .hash_password(b"pw from elsewhere", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with("pw from elsewhere", &theirs));
        assert!(!verify_with("pw from elsewhere!", &theirs));
        let ours = hasher().hash_blocking("our password").unwrap();
        assert!(reference
            .verify_password(b"our password", &Phc::new(&ours).unwrap())
            .is_ok());
        assert!(!verify_with("x", "not a phc string"));
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
