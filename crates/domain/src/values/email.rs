use super::ValueError;

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, ≤ 254 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses and trims an address; the domain part is lower-cased.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueError::Missing);
        }
        if s.len() > 254 {
            return Err(ValueError::TooLong(254));
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or(ValueError::Malformed("an e-mail address needs an @"))?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let chars_ok = !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c));
        if !(local_ok && domain_ok && chars_ok) {
            return Err(ValueError::Malformed("not a valid e-mail address"));
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A login name: unique per tenant, compared case-insensitively.
/// Storefronts use the e-mail address as login; admin APIs may use other names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Login(String);

impl Login {
    /// Longest accepted login.
    pub const MAX_LEN: usize = 254;

    /// Parses a login (trimmed, no control characters or spaces).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueError::Missing);
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(ValueError::TooLong(Self::MAX_LEN));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValueError::Malformed("a login may not contain spaces"));
        }
        Ok(Self(s.to_owned()))
    }

    /// A login that is an e-mail address.
    pub fn from_email(email: &Email) -> Self {
        Self(email.as_str().to_owned())
    }

    /// The login as the customer typed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form the store's uniqueness rule is on.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            Email::parse(" Anna.Meier@Example.COM ").unwrap().as_str(),
            "Anna.Meier@example.com"
        );
        assert!(Email::parse("a+b@sub.example.de").is_ok());
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "a@b",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a@-x.com",
            "a..b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn login_key_is_case_insensitive() {
        assert_eq!(
            Login::parse("Anna@Example.com").unwrap().key(),
            Login::parse("anna@example.COM").unwrap().key()
        );
        assert!(Login::parse("a b").is_err());
    }
}
