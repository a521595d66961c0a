use super::ValueError;

/// Longest accepted free-text field (names, street lines, cities, …).
#[derive(Debug, Clone, Copy)]
pub struct TextLimit;

impl TextLimit {
    /// Names, street lines, cities, company names.
    pub const SHORT: usize = 255;
    /// Descriptions and similar.
    pub const LONG: usize = 4000;
}

/// Trims `raw` and checks it is non-empty and at most `max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, ValueError> {
    match optional_text(Some(raw), max)? {
        Some(s) => Ok(s),
        None => Err(ValueError::Missing),
    }
}

/// Like [`required_text`], but blank or absent is `None`.
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, ValueError> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().count() > max {
        return Err(ValueError::TooLong(max));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(ValueError::Malformed("control characters are not allowed"));
    }
    Ok(Some(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_missing_and_long_is_refused() {
        assert_eq!(required_text("  ", 5), Err(ValueError::Missing));
        assert_eq!(required_text("abcdef", 5), Err(ValueError::TooLong(5)));
        assert_eq!(required_text(" ab ", 5).unwrap(), "ab");
        assert_eq!(optional_text(Some(""), 5), Ok(None));
    }
}
