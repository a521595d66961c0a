use super::ValueError;

/// A language tag as shops use it: `de`, `en_US` or `en-US` (stored with `_`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LanguageTag(String);

impl LanguageTag {
    /// Parses `ll`, `ll_CC` or `ll-CC`.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim().replace('-', "_");
        let mut parts = s.split('_');
        let lang = parts.next().unwrap_or_default();
        let region = parts.next();
        let ok = (2..=3).contains(&lang.len())
            && lang.bytes().all(|b| b.is_ascii_lowercase())
            && region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()))
            && parts.next().is_none();
        if s.is_empty() {
            return Err(ValueError::Missing);
        }
        ok.then(|| Self(s.clone()))
            .ok_or(ValueError::Malformed("a language is like de or en_US"))
    }

    /// The tag as text, e.g. `en_US`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 4217 currency code such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    /// Parses three letters (any case).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let upper = raw.trim().to_ascii_uppercase();
        if upper.is_empty() {
            return Err(ValueError::Missing);
        }
        match upper.as_bytes() {
            [a, b, c] if upper.bytes().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(ValueError::Malformed("a currency is a three-letter ISO 4217 code")),
        }
    }

    /// The code as text, e.g. `EUR`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_currencies() {
        assert_eq!(LanguageTag::parse("en-US").unwrap().as_str(), "en_US");
        assert!(LanguageTag::parse("english").is_err());
        assert_eq!(CurrencyCode::parse("eur").unwrap().as_str(), "EUR");
        assert!(CurrencyCode::parse("EURO").is_err());
    }
}
