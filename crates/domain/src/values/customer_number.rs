use super::ValueError;

/// A customer number, unique per tenant: 1–64 of letters, digits, `-`, `_`, `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerNumber(String);

impl CustomerNumber {
    /// Longest accepted customer number.
    pub const MAX_LEN: usize = 64;

    /// Parses a number given by a client or read from the store.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueError::Missing);
        }
        if s.len() > Self::MAX_LEN {
            return Err(ValueError::TooLong(Self::MAX_LEN));
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
            return Err(ValueError::Malformed("letters, digits, '-', '_' and '.' only"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How the system assigns customer numbers: literal text with one `{seq}` or
/// `{seq:N}` (zero-padded to N digits) placeholder, e.g. `C{seq:6}` → `C000042`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerNumberPattern {
    prefix: String,
    width: usize,
    suffix: String,
}

impl CustomerNumberPattern {
    /// Parses a pattern; it must contain exactly one placeholder.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let (prefix, rest) = raw.split_once("{seq").ok_or(ValueError::Malformed(
            "a customer number pattern needs {seq} or {seq:N}",
        ))?;
        let (spec, suffix) = rest
            .split_once('}')
            .ok_or(ValueError::Malformed("unclosed {seq placeholder"))?;
        let width = match spec.strip_prefix(':') {
            None if spec.is_empty() => 0,
            Some(n) => n
                .parse::<usize>()
                .ok()
                .filter(|w| *w <= 20)
                .ok_or(ValueError::Malformed("{seq:N} needs N between 0 and 20"))?,
            None => return Err(ValueError::Malformed("use {seq} or {seq:N}")),
        };
        let pattern = Self {
            prefix: prefix.to_owned(),
            width,
            suffix: suffix.to_owned(),
        };
        if suffix.contains("{seq") {
            return Err(ValueError::Malformed("only one {seq} placeholder is allowed"));
        }
        // The pattern must produce valid numbers.
        CustomerNumber::parse(&pattern.format(1))?;
        Ok(pattern)
    }

    /// The customer number for sequence value `seq`.
    pub fn format(&self, seq: i64) -> String {
        format!("{}{:0width$}{}", self.prefix, seq, self.suffix, width = self.width)
    }

    /// The pattern as configured.
    pub fn as_string(&self) -> String {
        match self.width {
            0 => format!("{}{{seq}}{}", self.prefix, self.suffix),
            w => format!("{}{{seq:{w}}}{}", self.prefix, self.suffix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_formats_zero_padded_sequence_numbers() {
        let p = CustomerNumberPattern::parse("C{seq:6}").unwrap();
        assert_eq!(p.format(42), "C000042");
        assert_eq!(CustomerNumberPattern::parse("{seq}").unwrap().format(7), "7");
        assert_eq!(p.as_string(), "C{seq:6}");
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in ["C", "C{seq", "{seq:x}", "{seq}{seq}", "a b{seq}"] {
            assert!(CustomerNumberPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
