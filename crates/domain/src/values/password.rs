//! Passwords per NIST SP 800-63B: length limits and a block list, no composition rules.

use super::ValueError;

/// Passwords of at least 8 characters that top public breach lists; refused outright.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "0123456789",
    "87654321",
    "987654321",
    "11111111",
    "00000000",
    "88888888",
    "12341234",
    "11223344",
    "12121212",
    "123123123",
    "123456123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "1qaz2wsx",
    "qwertyui",
    "qwertyuiop",
    "qwerty123",
    "qwerty12",
    "qwertz123",
    "asdfghjk",
    "asdfghjkl",
    "zxcvbnm1",
    "zxcvbnmm",
    "iloveyou",
    "iloveyou1",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "superman",
    "starwars",
    "whatever",
    "trustno1",
    "welcome1",
    "welcome123",
    "letmein1",
    "abcd1234",
    "abc12345",
    "abcdefgh",
    "aa123456",
    "aaaaaaaa",
    "michelle",
    "jennifer",
    "computer",
    "internet",
    "mercedes",
    "corvette",
    "samantha",
    "danielle",
    "charlie1",
    "maverick",
    "butterfly",
    "passwort",
    "passwort1",
    "hallo123",
    "schalke04",
    "geheim123",
    "changeme",
    "changeme123",
    "admin123",
    "administrator",
    "letmein123",
    "master12",
    "monkey123",
    "dragon123",
    "shadow123",
    "qazwsxedc",
    "1234qwer",
    "q1w2e3r4",
    "q1w2e3r4t5",
    "zaq12wsx",
    "test1234",
    "testtest",
    "secret123",
    "summer2024",
    "winter2024",
    "spring2024",
    "autumn2024",
    "summer2025",
    "winter2025",
    "summer2026",
    "winter2026",
    "football1",
    "liverpool",
    "chelsea1",
    "arsenal1",
    "jordan23",
    "michael1",
    "pokemon1",
    "blink182",
    "loveyou1",
];

/// Length limits of a tenant's password policy (NIST: min ≥ 8, max ≥ 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_len: usize,
    pub max_len: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_len: 8,
            max_len: 128,
        }
    }
}

/// A plaintext password that satisfies the policy. It never prints its content.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks `raw` against the policy and the block list; `context` holds words the
    /// password may not equal (login, e-mail, names), compared case-insensitively.
    pub fn parse(raw: &str, policy: PasswordPolicy, context: &[&str]) -> Result<Self, ValueError> {
        if raw.is_empty() {
            return Err(ValueError::Missing);
        }
        let len = raw.chars().count();
        if len < policy.min_len {
            return Err(ValueError::TooShort(policy.min_len));
        }
        if len > policy.max_len {
            return Err(ValueError::TooLong(policy.max_len));
        }
        let folded = raw.to_lowercase();
        let repeated = raw.chars().all(|c| raw.starts_with(c));
        let contextual = context.iter().any(|w| !w.is_empty() && w.to_lowercase() == folded);
        if repeated || contextual || COMMON.contains(&folded.as_str()) {
            return Err(ValueError::TooCommon);
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password as typed at login: not checked against the policy (it may predate it).
    pub fn for_login(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// The plaintext, for the password hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A password hash in PHC string format (e.g. `$argon2id$v=19$m=19456,t=2,p=1$…`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by the hasher or read from the store.
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: PasswordPolicy = PasswordPolicy {
        min_len: 8,
        max_len: 128,
    };

    #[test]
    fn length_limits_apply_in_characters() {
        assert_eq!(Password::parse("short", P, &[]), Err(ValueError::TooShort(8)));
        assert_eq!(Password::parse(&"x1".repeat(65), P, &[]), Err(ValueError::TooLong(128)));
        assert!(Password::parse("äöüßäöüß", P, &[]).is_ok());
    }

    #[test]
    fn common_repeated_and_contextual_passwords_are_refused() {
        assert_eq!(Password::parse("Password123", P, &[]), Err(ValueError::TooCommon));
        assert_eq!(Password::parse("zzzzzzzzzz", P, &[]), Err(ValueError::TooCommon));
        assert_eq!(
            Password::parse("Anna@Example.com", P, &["anna@example.com"]),
            Err(ValueError::TooCommon)
        );
        assert!(Password::parse("correct horse battery", P, &[]).is_ok());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let p = Password::parse("correct horse battery", P, &[]).unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
