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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(LanguageTag::parse("en-US").unwrap().as_str(), "en_US");
        assert!(LanguageTag::parse("english").is_err());
    }
}
