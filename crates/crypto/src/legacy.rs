//! Verification of password hashes exported from a previous shop system (customer
//! import, Emporix' `legacyAuth`): bcrypt, PBKDF2-HMAC-SHA-256, salted SHA-256/512 and
//! SAP Commerce (hybris) uid-salted SHA-512. A legacy hash is verified on the customer's
//! first successful login only; the caller then stores an argon2id hash of the same
//! password and deletes the legacy one. docs/legacy-passwords.md describes each format.
//!
//! Like the argon2id hasher, all hashing runs on a bounded [`BlockingPool`], never on the
//! async executor. Digests are compared in constant time.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::str::FromStr;

use async_trait::async_trait;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use clientele_blocking::{lowered, BlockingPool};
use clientele_domain::identity::{HashError, LegacyAlgorithm, LegacyHash, LegacyVerifier};
use clientele_domain::values::Password;
use sha2::{Digest, Sha256, Sha512};

/// bcrypt costs a login may spend (2^4 to 2^14 rounds): a higher cost would hold a
/// hashing thread for seconds per attempt.
const BCRYPT_COSTS: RangeInclusive<u32> = 4..=14;
/// Fewer is not PBKDF2; more would occupy a hashing thread for many seconds.
const PBKDF2_ITERATIONS: RangeInclusive<u64> = 1..=2_000_000;
/// Derived-key lengths accepted for PBKDF2 (passlib and Django store 32 bytes).
const PBKDF2_KEY_BYTES: RangeInclusive<usize> = 16..=64;
/// Longest hash string or context value accepted (an export is never near this).
const MAX_FIELD_CHARS: usize = 1024;
/// Longest context key echoed back in an error.
const MAX_KEY_CHARS: usize = 64;

/// hybris' built-in system-specific salt ("pepper"), used when the shop set neither
/// `password.md5.salt` nor the `saltEncodingPolicy` bean's `salt`. The first text is the
/// constant in SAP Commerce's `de.hybris.platform.persistence.security.SaltEncodingPolicy`
/// (and `SaltedPasswordEncoder`, `SaltedMD5PasswordEncoder`); the second is the same
/// constant as found in an older hybris build and in a client of a live hybris shop.
/// Without an explicit `systemSalt` both are tried (see docs/legacy-passwords.md).
const HYBRIS_DEFAULT_PEPPERS: [&str; 2] = [
    "hybris blue pepper can be used for creating delicious noodle meals",
    "hybris blue pepper can be used to prepare delicious noodle meals",
];

/// Standard base64; padding optional, non-canonical trailing bits tolerated (exports
/// come from many encoders; the bits that carry data decide).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Verifies legacy password hashes on a dedicated bounded pool.
#[derive(Clone)]
pub struct LegacyPasswords {
    pool: BlockingPool,
}

impl LegacyPasswords {
    /// A verifier running its hashing on `pool` (the pool the argon2id hasher uses is
    /// the natural choice: both are CPU-bound password work).
    pub fn new(pool: BlockingPool) -> Self {
        Self { pool }
    }

    /// Verifies synchronously on the calling thread (benchmarks and tests only).
    pub fn verify_blocking(&self, password: &str, hash: &LegacyHash) -> bool {
        verify_with(password, hash)
    }
}

#[async_trait]
impl LegacyVerifier for LegacyPasswords {
    fn check(&self, hash: &LegacyHash) -> Result<(), String> {
        Scheme::parse(hash).map(|_| ())
    }

    async fn verify_legacy(&self, password: &Password, hash: &LegacyHash) -> Result<bool, HashError> {
        let plain = password.expose().to_owned();
        let hash = hash.clone();
        self.pool
            .run(move || verify_with(&plain, &hash))
            .await
            .map_err(|e| HashError(e.to_string()))
    }
}

/// Whether `password` matches; a malformed hash never matches. The hashing itself runs
/// at the priority of the pool's job (`lowered`).
fn verify_with(password: &str, hash: &LegacyHash) -> bool {
    Scheme::parse(hash).is_ok_and(|scheme| lowered(|| scheme.matches(password.as_bytes())))
}

/// A legacy hash, parsed and checked, ready to verify against.
enum Scheme {
    /// A modular-crypt bcrypt string (`$2a$`, `$2b$`, `$2y$`).
    Bcrypt(String),
    Pbkdf2Sha256 {
        iterations: u32,
        salt: Vec<u8>,
        key: Vec<u8>,
    },
    SaltedSha {
        sha512: bool,
        salt: Vec<u8>,
        salt_first: bool,
        digest: Vec<u8>,
    },
    Hybris {
        uid: String,
        peppers: Vec<String>,
        digest: Vec<u8>,
    },
}

impl Scheme {
    fn parse(hash: &LegacyHash) -> Result<Self, String> {
        let name = hash.algorithm.name();
        if hash.hash.is_empty() {
            return Err(format!("{name} hash is empty"));
        }
        if hash.hash.chars().count() > MAX_FIELD_CHARS {
            return Err(format!("{name} hash is longer than {MAX_FIELD_CHARS} characters"));
        }
        match hash.algorithm {
            LegacyAlgorithm::Bcrypt => parse_bcrypt(hash),
            LegacyAlgorithm::Pbkdf2Sha256 => parse_pbkdf2(hash),
            LegacyAlgorithm::SaltedSha256 => parse_salted(hash, false),
            LegacyAlgorithm::SaltedSha512 => parse_salted(hash, true),
            LegacyAlgorithm::HybrisSha512UidSalt => parse_hybris(hash),
        }
    }

    fn matches(&self, password: &[u8]) -> bool {
        match self {
            // Uses the first 72 bytes of the password, as OpenBSD's and PHP's bcrypt do.
            Self::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
            Self::Pbkdf2Sha256 { iterations, salt, key } => {
                let mut derived = vec![0u8; key.len()];
                pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, *iterations, &mut derived);
                constant_time_eq(&derived, key)
            }
            Self::SaltedSha {
                sha512,
                salt,
                salt_first,
                digest,
            } => {
                let (first, second) = if *salt_first {
                    (salt.as_slice(), password)
                } else {
                    (password, salt.as_slice())
                };
                let computed = if *sha512 {
                    Sha512::new()
                        .chain_update(first)
                        .chain_update(second)
                        .finalize()
                        .to_vec()
                } else {
                    Sha256::new()
                        .chain_update(first)
                        .chain_update(second)
                        .finalize()
                        .to_vec()
                };
                constant_time_eq(&computed, digest)
            }
            // Every candidate is computed, so timing does not tell which one matched.
            Self::Hybris { uid, peppers, digest } => peppers.iter().fold(false, |matched, pepper| {
                matched | constant_time_eq(&hybris_digest(pepper, uid, password), digest)
            }),
        }
    }
}

/// hybris `SaltEncodingPolicy.saltify` followed by `DigestCalculator` (SHA-512):
/// `SHA-512(systemSalt + "::" + password + "::" + uid)`; a password that already starts
/// with `systemSalt + "::"` counts as salted and is hashed as it is. hybris hashes the
/// Java string's bytes in the platform charset; UTF-8 here.
fn hybris_digest(pepper: &str, uid: &str, password: &[u8]) -> Vec<u8> {
    let mut prefix = String::with_capacity(pepper.len() + 2);
    prefix.push_str(pepper);
    prefix.push_str("::");
    let mut sha = Sha512::new();
    if password.starts_with(prefix.as_bytes()) {
        sha.update(password);
    } else {
        sha.update(prefix.as_bytes());
        sha.update(password);
        sha.update(b"::");
        sha.update(uid.as_bytes());
    }
    sha.finalize().to_vec()
}

fn parse_bcrypt(hash: &LegacyHash) -> Result<Scheme, String> {
    Context::new(hash, &[], "")?;
    const SHAPE: &str =
        "bcrypt hash must look like $2b$12$ followed by 53 characters of ./A-Za-z0-9 (60 characters in all)";
    let h = hash.hash.as_str();
    let b = h.as_bytes();
    if b.len() != 60 || !h.is_ascii() || b[0] != b'$' || b[3] != b'$' || b[6] != b'$' {
        return Err(SHAPE.into());
    }
    match &h[1..3] {
        "2a" | "2b" | "2y" => {}
        "2x" => {
            return Err(
                "bcrypt $2x$ hashes (crypt_blowfish's flawed 8-bit mode) are not supported; only $2a$, $2b$ and $2y$"
                    .into(),
            )
        }
        _ => return Err(SHAPE.into()),
    }
    if !b[4..6].iter().all(u8::is_ascii_digit) {
        return Err(SHAPE.into());
    }
    let cost: u32 = h[4..6].parse().map_err(|_| SHAPE.to_owned())?;
    if !BCRYPT_COSTS.contains(&cost) {
        return Err(format!("bcrypt cost must be between 04 and 14, got {:02}", cost));
    }
    if !b[7..]
        .iter()
        .all(|c| *c == b'.' || *c == b'/' || c.is_ascii_alphanumeric())
    {
        return Err(SHAPE.into());
    }
    bcrypt::HashParts::from_str(h).map_err(|_| {
        "bcrypt salt (22 characters) or checksum (31 characters) is not canonical bcrypt base64".to_owned()
    })?;
    Ok(Scheme::Bcrypt(h.to_owned()))
}

fn parse_pbkdf2(hash: &LegacyHash) -> Result<Scheme, String> {
    let h = hash.hash.as_str();
    if h.starts_with('$') {
        Context::new(hash, &[], " in PHC form (the hash carries its salt and iterations)")?;
        parse_pbkdf2_phc(h)
    } else if let Some(rest) = h.strip_prefix("pbkdf2_sha256$") {
        Context::new(hash, &[], " in Django form (the hash carries its salt and iterations)")?;
        parse_pbkdf2_django(rest)
    } else {
        let ctx = Context::new(hash, &["salt", "saltEncoding", "iterations", "hashEncoding"], "")?;
        if ctx.get("salt").is_none() && ctx.get("iterations").is_none() {
            return Err(
                "pbkdf2-sha256 hash must be a PHC string $pbkdf2-sha256$i=<iterations>$<salt>$<hash>, \
                 or the derived key (hex or base64) with context.salt and context.iterations"
                    .into(),
            );
        }
        let salt = ctx.salt()?;
        let iterations = pbkdf2_iterations(ctx.required("iterations")?)?;
        let key = match ctx.hash_encoding()? {
            Some(encoding) => decode(&hash.hash, encoding),
            None => decode_hex(h).or_else(|| BASE64.decode(h).ok()),
        }
        .ok_or("pbkdf2-sha256 hash (the derived key) is neither hex nor base64")?;
        pbkdf2_key(key, None).map(|key| Scheme::Pbkdf2Sha256 { iterations, salt, key })
    }
}

/// `$pbkdf2-sha256$i=<iterations>[,l=<key length>]$<salt>$<key>` (PHC, RustCrypto) or
/// passlib's `$pbkdf2-sha256$<iterations>$<salt>$<key>`; salt and key in base64 without
/// padding, standard or passlib's adapted alphabet (`.` for `+`). The salt is decoded.
fn parse_pbkdf2_phc(h: &str) -> Result<Scheme, String> {
    const SHAPE: &str = "pbkdf2-sha256 hash must look like $pbkdf2-sha256$i=600000$<salt>$<hash> \
         (or passlib's $pbkdf2-sha256$600000$<salt>$<hash>), salt and hash in base64 without padding";
    let parts: Vec<&str> = h.split('$').collect();
    let [_, "pbkdf2-sha256", params, salt, key] = parts.as_slice() else {
        return Err(SHAPE.into());
    };
    let mut iterations = None;
    let mut length = None;
    if !params.is_empty() && params.bytes().all(|c| c.is_ascii_digit()) {
        iterations = Some(pbkdf2_iterations(params)?);
    } else {
        for param in params.split(',') {
            match param.split_once('=') {
                Some(("i", value)) if iterations.is_none() => iterations = Some(pbkdf2_iterations(value)?),
                Some(("l", value)) if length.is_none() => {
                    length = Some(
                        value
                            .parse::<usize>()
                            .ok()
                            .filter(|_| value.bytes().all(|c| c.is_ascii_digit()))
                            .ok_or("pbkdf2-sha256 parameter l (key length) must be a number")?,
                    );
                }
                _ => {
                    return Err(format!(
                        "pbkdf2-sha256 parameters must be i=<iterations> and optionally l=<key length>, got '{params}'"
                    ))
                }
            }
        }
    }
    let iterations = iterations.ok_or(SHAPE)?;
    let salt = decode_adapted_base64(salt).ok_or("pbkdf2-sha256 salt is not valid base64")?;
    if salt.is_empty() {
        return Err("pbkdf2-sha256 salt is empty".into());
    }
    let key = decode_adapted_base64(key).ok_or("pbkdf2-sha256 hash (the derived key) is not valid base64")?;
    pbkdf2_key(key, length).map(|key| Scheme::Pbkdf2Sha256 { iterations, salt, key })
}

/// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 key>`; the salt is used as text.
fn parse_pbkdf2_django(rest: &str) -> Result<Scheme, String> {
    let parts: Vec<&str> = rest.split('$').collect();
    let [iterations, salt, key] = parts.as_slice() else {
        return Err("Django pbkdf2-sha256 hash must look like pbkdf2_sha256$<iterations>$<salt>$<base64 hash>".into());
    };
    let iterations = pbkdf2_iterations(iterations)?;
    if salt.is_empty() {
        return Err("pbkdf2-sha256 salt is empty".into());
    }
    let key = BASE64
        .decode(key)
        .map_err(|_| "pbkdf2-sha256 hash (the derived key) is not valid base64")?;
    pbkdf2_key(key, None).map(|key| Scheme::Pbkdf2Sha256 {
        iterations,
        salt: salt.as_bytes().to_vec(),
        key,
    })
}

fn pbkdf2_iterations(value: &str) -> Result<u32, String> {
    let n = Some(value)
        .filter(|v| !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| format!("pbkdf2-sha256 iterations must be a number, got '{value}'"))?
        .parse::<u64>()
        .unwrap_or(u64::MAX);
    if !PBKDF2_ITERATIONS.contains(&n) {
        return Err(format!(
            "pbkdf2-sha256 iterations must be between {} and {}, got {value}",
            PBKDF2_ITERATIONS.start(),
            PBKDF2_ITERATIONS.end()
        ));
    }
    u32::try_from(n).map_err(|e| e.to_string())
}

fn pbkdf2_key(key: Vec<u8>, declared: Option<usize>) -> Result<Vec<u8>, String> {
    if !PBKDF2_KEY_BYTES.contains(&key.len()) {
        return Err(format!(
            "pbkdf2-sha256 derived key must be {} to {} bytes, got {}",
            PBKDF2_KEY_BYTES.start(),
            PBKDF2_KEY_BYTES.end(),
            key.len()
        ));
    }
    match declared {
        Some(l) if l != key.len() => Err(format!(
            "pbkdf2-sha256 parameter l={l} does not match the {}-byte hash",
            key.len()
        )),
        _ => Ok(key),
    }
}

fn parse_salted(hash: &LegacyHash, sha512: bool) -> Result<Scheme, String> {
    let ctx = Context::new(hash, &["salt", "saltEncoding", "saltPosition", "hashEncoding"], "")?;
    let salt = ctx.salt()?;
    let salt_first = match ctx.get("saltPosition") {
        None | Some("prefix") => true,
        Some("suffix") => false,
        Some(other) => {
            return Err(format!(
                "context.saltPosition must be prefix (salt then password) or suffix (password then salt), got '{other}'"
            ))
        }
    };
    let digest = digest(hash, &ctx, if sha512 { 64 } else { 32 })?;
    Ok(Scheme::SaltedSha {
        sha512,
        salt,
        salt_first,
        digest,
    })
}

fn parse_hybris(hash: &LegacyHash) -> Result<Scheme, String> {
    let ctx = Context::new(hash, &["originalUid", "systemSalt", "hashEncoding"], "")?;
    let uid = ctx
        .get("originalUid")
        .filter(|uid| !uid.is_empty())
        .ok_or("hybris-sha512-uid-salt needs context.originalUid, the user's uid in hybris (the salt)")?;
    let peppers = match ctx.get("systemSalt") {
        None => HYBRIS_DEFAULT_PEPPERS.iter().map(|p| (*p).to_owned()).collect(),
        Some(p) if p.trim().is_empty() => {
            return Err("context.systemSalt is blank; omit it when the shop used hybris' default".into())
        }
        Some(p) => vec![p.to_owned()],
    };
    let digest = digest(hash, &ctx, 64)?;
    Ok(Scheme::Hybris {
        uid: uid.to_owned(),
        peppers,
        digest,
    })
}

/// A fixed-size digest in hex (either case) or base64, as `context.hashEncoding` says
/// or, without it, as its length shows.
fn digest(hash: &LegacyHash, ctx: &Context<'_>, bytes: usize) -> Result<Vec<u8>, String> {
    let h = hash.hash.as_str();
    let decoded = match ctx.hash_encoding()? {
        Some(encoding) => decode(h, encoding),
        None if h.len() == 2 * bytes => decode_hex(h),
        None => BASE64.decode(h).ok(),
    };
    decoded.filter(|d| d.len() == bytes).ok_or_else(|| {
        format!(
            "{} hash must be the {bytes}-byte digest as {} hex characters or {} base64 characters",
            hash.algorithm.name(),
            2 * bytes,
            bytes.div_ceil(3) * 4
        )
    })
}

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Base64,
    Hex,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf8",
            Self::Base64 => "base64",
            Self::Hex => "hex",
        }
    }
}

fn decode(value: &str, encoding: Encoding) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Utf8 => Some(value.as_bytes().to_vec()),
        Encoding::Base64 => BASE64.decode(value).ok(),
        Encoding::Hex => decode_hex(value),
    }
}

fn decode_hex(value: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let pairs = value.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    pairs
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// Base64 in the standard alphabet or passlib's adapted one (`.` for `+`).
fn decode_adapted_base64(value: &str) -> Option<Vec<u8>> {
    BASE64.decode(value.replace('.', "+")).ok()
}

/// Equal length and equal bytes, without an early exit on the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// A hash's `context`, restricted to the keys its algorithm knows.
struct Context<'a> {
    algorithm: &'static str,
    map: &'a BTreeMap<String, String>,
}

impl<'a> Context<'a> {
    /// Refuses keys outside `allowed` (a mistyped `saltPosition` must not silently fall
    /// back to the default) and overlong values; `form` qualifies the algorithm name.
    fn new(hash: &'a LegacyHash, allowed: &[&str], form: &str) -> Result<Self, String> {
        let algorithm = hash.algorithm.name();
        for (key, value) in &hash.context {
            if key.chars().count() > MAX_KEY_CHARS {
                return Err(format!("context has a key longer than {MAX_KEY_CHARS} characters"));
            }
            if !allowed.contains(&key.as_str()) {
                let allowed = if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                };
                return Err(format!(
                    "unexpected context key '{key}' for {algorithm}{form}; allowed keys: {allowed}"
                ));
            }
            if value.chars().count() > MAX_FIELD_CHARS {
                return Err(format!("context.{key} is longer than {MAX_FIELD_CHARS} characters"));
            }
        }
        Ok(Self {
            algorithm,
            map: &hash.context,
        })
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.map.get(key).map(String::as_str)
    }

    fn required(&self, key: &str) -> Result<&'a str, String> {
        self.get(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{} needs context.{key}", self.algorithm))
    }

    /// `context.salt`, decoded as `context.saltEncoding` says (default `utf8`).
    fn salt(&self) -> Result<Vec<u8>, String> {
        let raw = self.required("salt")?;
        let encoding = match self.get("saltEncoding") {
            None | Some("utf8") => Encoding::Utf8,
            Some("base64") => Encoding::Base64,
            Some("hex") => Encoding::Hex,
            Some(other) => {
                return Err(format!(
                    "context.saltEncoding must be utf8, base64 or hex, got '{other}'"
                ))
            }
        };
        decode(raw, encoding)
            .filter(|salt| !salt.is_empty())
            .ok_or_else(|| format!("context.salt is not valid {} (context.saltEncoding)", encoding.name()))
    }

    /// `context.hashEncoding` (`hex` or `base64`), if given.
    fn hash_encoding(&self) -> Result<Option<Encoding>, String> {
        match self.get("hashEncoding") {
            None => Ok(None),
            Some("hex") => Ok(Some(Encoding::Hex)),
            Some("base64") => Ok(Some(Encoding::Base64)),
            Some(other) => Err(format!("context.hashEncoding must be hex or base64, got '{other}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Known answers come from independent tools: Python's `bcrypt` 5.0 and `passlib`
    //! 1.7 and `hashlib` (Python 3.11), computed outside this crate.

    use super::*;

    const PW: &str = "correct horse battery";
    const PW_UTF8: &str = "Pässwort-ß€ 2019";

    fn legacy(algorithm: LegacyAlgorithm, hash: &str, context: &[(&str, &str)]) -> LegacyHash {
        LegacyHash {
            algorithm,
            hash: hash.to_owned(),
            context: context
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn verifier() -> LegacyPasswords {
        LegacyPasswords::new(BlockingPool::new("legacy-test", 1, 8))
    }

    /// Well-formed, verifies `password`, refuses a wrong one.
    #[track_caller]
    fn assert_verifies(hash: &LegacyHash, password: &str) {
        let v = verifier();
        assert_eq!(v.check(hash), Ok(()), "{hash:?}");
        assert!(v.verify_blocking(password, hash), "{hash:?} should verify");
        assert!(
            !v.verify_blocking("wrong password", hash),
            "{hash:?} verified a wrong password"
        );
        assert!(!v.verify_blocking(&format!("{password} "), hash));
    }

    /// Refused by `check` with a reason containing `reason`, and never verifies.
    #[track_caller]
    fn assert_refused(hash: &LegacyHash, reason: &str) {
        let v = verifier();
        let err = v.check(hash).expect_err(&format!("{hash:?} should be refused"));
        assert!(err.contains(reason), "'{err}' does not mention '{reason}'");
        assert!(!v.verify_blocking(PW, hash));
    }

    // --- bcrypt ---

    const BCRYPT_2B: &str = "$2b$04$cTJmGndVAGPJ2TjlPS.oH.zrL2gYEm6ZpcUJOE.vWCG1qmNIaDm2K";
    const BCRYPT_2A_UTF8: &str = "$2a$04$zak9ZLHqVBMPXZYH9UECy.XVk14WXeTrdapNPmOsHJFgsHOMUkz76";
    const BCRYPT_72_X: &str = "$2b$04$MzDoU7gp6.K3EPaR5D2wT.S2dY5e7DKiIz1GdgXPfdGvJ4wAK.EhW";

    #[test]
    fn bcrypt_known_answers_verify() {
        assert_verifies(&legacy(LegacyAlgorithm::Bcrypt, BCRYPT_2B, &[]), PW);
        assert_verifies(&legacy(LegacyAlgorithm::Bcrypt, BCRYPT_2A_UTF8, &[]), PW_UTF8);
        // Openwall crypt_blowfish's published test vector.
        assert_verifies(
            &legacy(
                LegacyAlgorithm::Bcrypt,
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                &[],
            ),
            "U*U",
        );
        // PHP's $2y$ is the same algorithm as $2b$.
        assert_verifies(
            &legacy(LegacyAlgorithm::Bcrypt, &BCRYPT_2B.replacen("2b", "2y", 1), &[]),
            PW,
        );
    }

    #[test]
    fn bcrypt_uses_the_first_72_bytes_like_the_reference_implementations() {
        let hash = legacy(LegacyAlgorithm::Bcrypt, BCRYPT_72_X, &[]);
        let v = verifier();
        assert!(v.verify_blocking(&"x".repeat(72), &hash));
        assert!(v.verify_blocking(&format!("{}tail", "x".repeat(72)), &hash));
        assert!(!v.verify_blocking(&"x".repeat(71), &hash));
    }

    #[test]
    fn malformed_bcrypt_is_refused() {
        let b = |h: &str| legacy(LegacyAlgorithm::Bcrypt, h, &[]);
        assert_refused(&b(&BCRYPT_2B[..59]), "must look like $2b$12$");
        assert_refused(&b(&format!("{BCRYPT_2B}x")), "must look like $2b$12$");
        assert_refused(&b(&BCRYPT_2B.replacen("$2b$", "$2x$", 1)), "$2x$");
        assert_refused(&b(&BCRYPT_2B.replacen("$2b$", "$3b$", 1)), "must look like $2b$12$");
        assert_refused(&b(&BCRYPT_2B.replacen("$04$", "$03$", 1)), "between 04 and 14, got 03");
        assert_refused(&b(&BCRYPT_2B.replacen("$04$", "$15$", 1)), "between 04 and 14, got 15");
        assert_refused(&b(&BCRYPT_2B.replacen("$04$", "$+4$", 1)), "must look like $2b$12$");
        assert_refused(&b(&BCRYPT_2B.replacen('G', "+", 1)), "must look like $2b$12$");
        assert_refused(&b(&BCRYPT_2B.replacen('G', "é", 1)[..60]), "must look like $2b$12$");
        // The 22nd salt character carries 2 bits: 'K' is not a canonical last character.
        let mut noncanonical = BCRYPT_2B.to_owned();
        noncanonical.replace_range(28..29, "K");
        assert_refused(&b(&noncanonical), "not canonical bcrypt base64");
        assert_refused(&b(""), "empty");
        assert_refused(
            &legacy(LegacyAlgorithm::Bcrypt, BCRYPT_2B, &[("salt", "x")]),
            "unexpected context key 'salt' for bcrypt; allowed keys: none",
        );
    }

    // --- pbkdf2-sha256 ---

    const PASSLIB: &str = "$pbkdf2-sha256$1000$L.Vci/Eew5jTei8lxNibUw$jJ1DXaJMKbtNbWrsRRee58R3DH6xUe/H8MO9.rU7Lj0";
    /// salt = 01 02 "salt" fe ff, 1200 iterations, password PW_UTF8.
    const PHC: &str = "$pbkdf2-sha256$i=1200$AQJzYWx0/v8$iAQcPalzCRO2B/Tf663Ux3ETFDPmiKAHorAEbzdbydY";
    const DJANGO: &str = "pbkdf2_sha256$1000$Wn2f8RcsXxGq$qEhukao3WXD9vnvlOr4d32AWBS99QILHcvnbSHdHNkI=";
    /// salt "pepper-and-salt", 2000 iterations, password PW.
    const PBKDF2_KEY_HEX: &str = "d4f23af5c4732ecfcc10785b47e586f50f70658bc415fc45acc696933b037abd";
    const PBKDF2_KEY_B64: &str = "1PI69cRzLs/MEHhbR+WG9Q9wZYvEFfxFrMaWkzsDer0=";
    /// salt 00..0f, 1500 iterations, 20-byte key, password PW.
    const PBKDF2_KEY20_HEX: &str = "eb22ed8d81ec0a03ae0cd4bd757b75a229b9cfa4";
    const PBKDF2_KEY20_B64: &str = "6yLtjYHsCgOuDNS9dXt1oim5z6Q=";

    #[test]
    fn pbkdf2_phc_passlib_and_django_strings_verify() {
        let p = |h: &str| legacy(LegacyAlgorithm::Pbkdf2Sha256, h, &[]);
        assert_verifies(&p(PASSLIB), PW);
        assert_verifies(&p(PHC), PW_UTF8);
        assert_verifies(&p(&PHC.replace("i=1200", "i=1200,l=32")), PW_UTF8);
        assert_verifies(&p(&PHC.replace("i=1200", "1200")), PW_UTF8);
        assert_verifies(&p(&PASSLIB.replace('.', "+")), PW);
        assert_verifies(&p(DJANGO), PW);
    }

    #[test]
    fn pbkdf2_derived_key_with_context_verifies() {
        let p = |h: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::Pbkdf2Sha256, h, ctx);
        let utf8 = [("salt", "pepper-and-salt"), ("iterations", "2000")];
        assert_verifies(&p(PBKDF2_KEY_HEX, &utf8), PW);
        assert_verifies(&p(&PBKDF2_KEY_HEX.to_uppercase(), &utf8), PW);
        assert_verifies(&p(PBKDF2_KEY_B64, &utf8), PW);
        assert_verifies(
            &p(
                PBKDF2_KEY_B64,
                &[
                    ("salt", "pepper-and-salt"),
                    ("saltEncoding", "utf8"),
                    ("iterations", "2000"),
                    ("hashEncoding", "base64"),
                ],
            ),
            PW,
        );
        assert_verifies(
            &p(
                PBKDF2_KEY20_HEX,
                &[
                    ("salt", "AAECAwQFBgcICQoLDA0ODw=="),
                    ("saltEncoding", "base64"),
                    ("iterations", "1500"),
                ],
            ),
            PW,
        );
        assert_verifies(
            &p(
                PBKDF2_KEY20_B64,
                &[
                    ("salt", "000102030405060708090a0b0c0d0e0f"),
                    ("saltEncoding", "hex"),
                    ("iterations", "1500"),
                ],
            ),
            PW,
        );
        // Same key, other iterations or salt: no match.
        let v = verifier();
        assert!(!v.verify_blocking(
            PW,
            &p(PBKDF2_KEY_HEX, &[("salt", "pepper-and-salt"), ("iterations", "2001")])
        ));
        assert!(!v.verify_blocking(
            PW,
            &p(PBKDF2_KEY_HEX, &[("salt", "pepper-and-salT"), ("iterations", "2000")])
        ));
    }

    #[test]
    fn malformed_pbkdf2_is_refused() {
        let p = |h: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::Pbkdf2Sha256, h, ctx);
        assert_refused(&p(&PHC.replace("i=1200", "i=0"), &[]), "between 1 and 2000000, got 0");
        assert_refused(
            &p(&PHC.replace("i=1200", "i=2000001"), &[]),
            "between 1 and 2000000, got 2000001",
        );
        assert_refused(
            &p(&PHC.replace("i=1200", "i=99999999999999999999999"), &[]),
            "between 1 and 2000000",
        );
        assert_refused(&p(&PHC.replace("i=1200", "i=-5"), &[]), "must be a number, got '-5'");
        assert_refused(
            &p(&PHC.replace("i=1200", "i=1200,l=64"), &[]),
            "l=64 does not match the 32-byte hash",
        );
        assert_refused(
            &p(&PHC.replace("i=1200", "i=1200,m=3"), &[]),
            "i=<iterations> and optionally l=<key length>",
        );
        assert_refused(
            &p(&PHC.replace("i=1200", "l=32"), &[]),
            "must look like $pbkdf2-sha256$i=600000$",
        );
        assert_refused(
            &p(&PHC.replace("pbkdf2-sha256", "pbkdf2-sha512"), &[]),
            "must look like $pbkdf2-sha256$",
        );
        assert_refused(&p(&format!("{PHC}$extra"), &[]), "must look like $pbkdf2-sha256$");
        assert_refused(
            &p(&PHC.replace("AQJzYWx0/v8", "AQJz*Wx0/v8"), &[]),
            "salt is not valid base64",
        );
        assert_refused(&p(&PHC.replace("AQJzYWx0/v8", ""), &[]), "salt is empty");
        assert_refused(
            &p("$pbkdf2-sha256$i=1200$AQJzYWx0/v8$iAQcPalzCRO2", &[]),
            "must be 16 to 64 bytes, got 9",
        );
        assert_refused(
            &p(PHC, &[("iterations", "5")]),
            "unexpected context key 'iterations' for pbkdf2-sha256 in PHC form",
        );
        assert_refused(&p(&DJANGO.replace("$1000$", "$x$"), &[]), "must be a number, got 'x'");
        assert_refused(
            &p("pbkdf2_sha256$1000$salt", &[]),
            "Django pbkdf2-sha256 hash must look like",
        );
        assert_refused(
            &p(PBKDF2_KEY_HEX, &[]),
            "or the derived key (hex or base64) with context.salt and context.iterations",
        );
        assert_refused(
            &p(PBKDF2_KEY_HEX, &[("salt", "pepper-and-salt")]),
            "pbkdf2-sha256 needs context.iterations",
        );
        assert_refused(
            &p(PBKDF2_KEY_HEX, &[("iterations", "2000")]),
            "pbkdf2-sha256 needs context.salt",
        );
        assert_refused(
            &p(
                PBKDF2_KEY_HEX,
                &[("salt", "x"), ("saltEncoding", "latin1"), ("iterations", "2000")],
            ),
            "saltEncoding must be utf8, base64 or hex, got 'latin1'",
        );
        assert_refused(
            &p(
                PBKDF2_KEY_HEX,
                &[("salt", "xyz"), ("saltEncoding", "hex"), ("iterations", "2000")],
            ),
            "context.salt is not valid hex (context.saltEncoding)",
        );
        assert_refused(
            &p("not a key!", &[("salt", "s"), ("iterations", "2000")]),
            "neither hex nor base64",
        );
        assert_refused(
            &p(
                PBKDF2_KEY_HEX,
                &[("salt", "s"), ("iterations", "2000"), ("hashEncoding", "base32")],
            ),
            "hashEncoding must be hex or base64, got 'base32'",
        );
        assert_refused(
            &p(PBKDF2_KEY_HEX, &[("salt", "s"), ("iteration", "2000")]),
            "unexpected context key 'iteration' for pbkdf2-sha256; allowed keys: salt, saltEncoding, iterations, hashEncoding",
        );
    }

    // --- salted-sha256 / salted-sha512 ---

    #[test]
    fn salted_sha_known_answers_verify() {
        let s256 = |h: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::SaltedSha256, h, ctx);
        let s512 = |h: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::SaltedSha512, h, ctx);
        // sha256("s4lt" + PW), hex.
        let prefix_hex = "6828f834476ad66e8d7da38be36818224116cdc87b0a07d0dd4b91ba315576a3";
        assert_verifies(&s256(prefix_hex, &[("salt", "s4lt")]), PW);
        assert_verifies(
            &s256(
                prefix_hex,
                &[("salt", "s4lt"), ("saltPosition", "prefix"), ("hashEncoding", "hex")],
            ),
            PW,
        );
        // sha256(PW_UTF8 + "s4lt"), base64.
        let suffix_b64 = "jazNjyRKfwYKlf3KZLfFaXnZk2sslWkTON7wlVffOgg=";
        assert_verifies(
            &s256(suffix_b64, &[("salt", "s4lt"), ("saltPosition", "suffix")]),
            PW_UTF8,
        );
        assert_verifies(
            &s256(
                suffix_b64.trim_end_matches('='),
                &[("salt", "s4lt"), ("saltPosition", "suffix")],
            ),
            PW_UTF8,
        );
        // sha512(de ad be ef 00 ff + PW), hex.
        let hex_salt = "bf050238957ea0799f0f450079d0c91f3192e16f5b17085565b2da08b275172f5c7017fc21e13f502c82f967af644044b7274889688796fd7530ea791870beee";
        assert_verifies(
            &s512(hex_salt, &[("salt", "deadbeef00ff"), ("saltEncoding", "hex")]),
            PW,
        );
        assert_verifies(&s512(hex_salt, &[("salt", "3q2+7wD/"), ("saltEncoding", "base64")]), PW);
        // sha512(PW + "sälz"), base64.
        let suffix_512 = "sQ0CJHYiGl9HTf05z/1phx/XtgAvxNtVSQAhKNvG89WMbWSgbN8b8PM8Wf4Oq28NmbpTKF+N1g6q4oKbH6y2Rw==";
        assert_verifies(&s512(suffix_512, &[("salt", "sälz"), ("saltPosition", "suffix")]), PW);

        // The salt's position matters.
        let v = verifier();
        assert!(!v.verify_blocking(PW, &s256(prefix_hex, &[("salt", "s4lt"), ("saltPosition", "suffix")])));
        assert!(!v.verify_blocking(PW, &s512(suffix_512, &[("salt", "sälz")])));
    }

    #[test]
    fn malformed_salted_sha_is_refused() {
        let s256 = |h: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::SaltedSha256, h, ctx);
        let s512 = |h: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::SaltedSha512, h, ctx);
        let sha256_hex = "6828f834476ad66e8d7da38be36818224116cdc87b0a07d0dd4b91ba315576a3";
        assert_refused(&s256(sha256_hex, &[]), "salted-sha256 needs context.salt");
        assert_refused(&s256(sha256_hex, &[("salt", "")]), "salted-sha256 needs context.salt");
        assert_refused(
            &s512(sha256_hex, &[("salt", "s4lt")]),
            "salted-sha512 hash must be the 64-byte digest as 128 hex characters or 88 base64 characters",
        );
        assert_refused(
            &s256(&sha256_hex[..62], &[("salt", "s4lt")]),
            "salted-sha256 hash must be the 32-byte digest as 64 hex characters or 44 base64 characters",
        );
        assert_refused(
            &s256(sha256_hex, &[("salt", "s4lt"), ("hashEncoding", "base64")]),
            "32-byte digest",
        );
        assert_refused(
            &s256(sha256_hex, &[("salt", "s4lt"), ("saltPosition", "before")]),
            "saltPosition must be prefix (salt then password) or suffix (password then salt), got 'before'",
        );
        assert_refused(
            &s256(sha256_hex, &[("salt", "s4lt"), ("saltposition", "suffix")]),
            "unexpected context key 'saltposition' for salted-sha256",
        );
        assert_refused(
            &s256(sha256_hex, &[("salt", "!!"), ("saltEncoding", "base64")]),
            "context.salt is not valid base64",
        );
        assert_refused(
            &s256(sha256_hex, &[("salt", &"s".repeat(1025))]),
            "context.salt is longer than 1024 characters",
        );
        assert_refused(
            &s256(&"a".repeat(1025), &[("salt", "s")]),
            "hash is longer than 1024 characters",
        );
        assert_refused(
            &s256(sha256_hex, &[("salt", "s"), (&"k".repeat(65), "v")]),
            "context has a key longer than 64 characters",
        );
    }

    // --- hybris-sha512-uid-salt ---

    const EMPORIX_UID: &str = "15TE2000007AE9TOUEILLE 61359";
    /// sha512("hybris blue pepper can be used for creating delicious noodle meals::" + PW + "::" + EMPORIX_UID)
    const HYBRIS_HEX: &str = "526ce0da980b14a775a88ee47a7e8e57e99502f02cfc603b47854a13f4aac0236b6e7001c7f296626db2119cdb70d6332162f2147cc15b19dff9e0fae4bb458d";

    #[test]
    fn hybris_known_answers_verify() {
        let h = |hash: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::HybrisSha512UidSalt, hash, ctx);
        assert_verifies(&h(HYBRIS_HEX, &[("originalUid", EMPORIX_UID)]), PW);
        // hybris compares hex case-insensitively.
        assert_verifies(&h(&HYBRIS_HEX.to_uppercase(), &[("originalUid", EMPORIX_UID)]), PW);
        // Base64, as in Emporix' example; PW_UTF8 as UTF-8.
        let b64 = "7omoQZMqUvAmTcOwSK0MsNo07IRlXPoAXqLc9mis86CvZO1skSAlnLZT9LHc0pt0Pywd/EcOrx4Xa3Ga61JSYA==";
        assert_verifies(&h(b64, &[("originalUid", "anna@example.com")]), PW_UTF8);
        // The older wording of hybris' built-in pepper.
        let old = "b2030ee89c3a296ab80f808245cb20054d2809b4531dabb1f98f070aa7ca37f461d42b50625044157550b171b52642fdd8c38b56a8e8059121a8cd440f6349a6";
        assert_verifies(&h(old, &[("originalUid", "anna@example.com")]), PW);
        // A shop-specific pepper (password.md5.salt): only that one is tried.
        let custom = "99c13fcc876ec2f62cde7127e50705f4435de110ac4fc6c8c3b82185f6fa95823cff39da951eefa0e3dbf44ec72f9e11154518ba27e114cb4e7d6168aacd4f4b";
        assert_verifies(
            &h(
                custom,
                &[("originalUid", "anna@example.com"), ("systemSalt", "my-shop-pepper")],
            ),
            PW,
        );
        let v = verifier();
        assert!(!v.verify_blocking(PW, &h(custom, &[("originalUid", "anna@example.com")])));
        assert!(!v.verify_blocking(
            PW,
            &h(
                HYBRIS_HEX,
                &[("originalUid", EMPORIX_UID), ("systemSalt", "my-shop-pepper")]
            )
        ));
        // The uid is the salt, taken exactly as exported.
        assert!(!v.verify_blocking(PW, &h(HYBRIS_HEX, &[("originalUid", "15TE2000007AE9TOUEILLE61359")])));
        assert!(!v.verify_blocking(PW, &h(HYBRIS_HEX, &[("originalUid", &EMPORIX_UID.to_lowercase())])));
    }

    #[test]
    fn hybris_hashes_an_already_salted_password_as_it_is() {
        // SaltEncodingPolicy.isSaltedAlready: sha512(password) when it starts with "<pepper>::".
        let presalted = "dde13be778413d33c4a0ae568a3466ea2ec166ab679bc2b2c54bda73afea4f23d93b3b4632b13a37730aa14b8c94f7a196f5fe246ab4d8c89483210c87af83dc";
        let hash = legacy(
            LegacyAlgorithm::HybrisSha512UidSalt,
            presalted,
            &[("originalUid", "anyone")],
        );
        assert_verifies(
            &hash,
            "hybris blue pepper can be used for creating delicious noodle meals::already",
        );
    }

    #[test]
    fn emporix_documented_example_is_well_formed() {
        let hash = legacy(
            LegacyAlgorithm::HybrisSha512UidSalt,
            "tBRzNZ+h9FRRm8K1qzDz3aWMgyTlgBihHviEdr+9T82BEODJakLPogHkhkGKF4FGzrhFWMYh6aZ6g5XNN1pmrg==",
            &[("originalUid", EMPORIX_UID)],
        );
        assert_eq!(verifier().check(&hash), Ok(()));
    }

    #[test]
    fn malformed_hybris_is_refused() {
        let h = |hash: &str, ctx: &[(&str, &str)]| legacy(LegacyAlgorithm::HybrisSha512UidSalt, hash, ctx);
        assert_refused(&h(HYBRIS_HEX, &[]), "needs context.originalUid");
        assert_refused(&h(HYBRIS_HEX, &[("originalUid", "")]), "needs context.originalUid");
        assert_refused(&h(HYBRIS_HEX, &[("uid", EMPORIX_UID)]), "unexpected context key 'uid'");
        assert_refused(
            &h(&HYBRIS_HEX[..64], &[("originalUid", EMPORIX_UID)]),
            "hybris-sha512-uid-salt hash must be the 64-byte digest as 128 hex characters or 88 base64 characters",
        );
        assert_refused(
            &h(HYBRIS_HEX, &[("originalUid", EMPORIX_UID), ("systemSalt", "  ")]),
            "systemSalt is blank",
        );
    }

    // --- through the port, on the pool ---

    #[tokio::test]
    async fn verify_legacy_runs_every_algorithm_on_the_pool() {
        let v = verifier();
        let cases = [
            (legacy(LegacyAlgorithm::Bcrypt, BCRYPT_2B, &[]), PW),
            (legacy(LegacyAlgorithm::Pbkdf2Sha256, PASSLIB, &[]), PW),
            (
                legacy(
                    LegacyAlgorithm::SaltedSha256,
                    "6828f834476ad66e8d7da38be36818224116cdc87b0a07d0dd4b91ba315576a3",
                    &[("salt", "s4lt")],
                ),
                PW,
            ),
            (
                legacy(
                    LegacyAlgorithm::SaltedSha512,
                    "sQ0CJHYiGl9HTf05z/1phx/XtgAvxNtVSQAhKNvG89WMbWSgbN8b8PM8Wf4Oq28NmbpTKF+N1g6q4oKbH6y2Rw==",
                    &[("salt", "sälz"), ("saltPosition", "suffix")],
                ),
                PW,
            ),
            (
                legacy(
                    LegacyAlgorithm::HybrisSha512UidSalt,
                    HYBRIS_HEX,
                    &[("originalUid", EMPORIX_UID)],
                ),
                PW,
            ),
        ];
        for (hash, password) in &cases {
            assert!(
                v.verify_legacy(&Password::for_login(password), hash).await.unwrap(),
                "{hash:?}"
            );
            assert!(
                !v.verify_legacy(&Password::for_login("wrong password"), hash)
                    .await
                    .unwrap(),
                "{hash:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_malformed_hash_never_verifies() {
        let hash = legacy(LegacyAlgorithm::Bcrypt, "$2b$04$short", &[]);
        assert!(!verifier().verify_legacy(&Password::for_login(PW), &hash).await.unwrap());
    }

    #[test]
    fn constant_time_eq_compares_length_and_every_byte() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"\x00bc", b"abc"));
    }
}
