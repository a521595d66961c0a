//! Postal codes, checked by country where the format is well known (DE, AT, CH, US, GB,
//! FR, NL, and a few more) and otherwise only for length and characters.

use super::{CountryCode, ValueError};

/// Longest postal code accepted for countries without a known format.
pub const MAX_POSTAL_CODE_LEN: usize = 16;

/// Whether addresses in this country must carry a postal code.
pub fn postal_code_required(country: &CountryCode) -> bool {
    format_of(country.as_str()).is_some()
}

/// Checks `raw` as a postal code of `country` and returns it normalized (trimmed, and
/// upper-case with a single space where the country writes it so, e.g. `SW1A 1AA`).
pub fn parse_postal_code(country: &CountryCode, raw: &str) -> Result<String, ValueError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValueError::Missing);
    }
    match format_of(country.as_str()) {
        Some(format) => format(s).ok_or(ValueError::Malformed("not a postal code of the address's country")),
        None => {
            if s.chars().count() > MAX_POSTAL_CODE_LEN {
                return Err(ValueError::TooLong(MAX_POSTAL_CODE_LEN));
            }
            if !s.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-') {
                return Err(ValueError::Malformed(
                    "only letters, digits, spaces and hyphens are allowed",
                ));
            }
            Ok(s.to_owned())
        }
    }
}

type Format = fn(&str) -> Option<String>;

fn format_of(country: &str) -> Option<Format> {
    Some(match country {
        "DE" | "FR" | "IT" | "ES" | "FI" => |s| digits(s, 5),
        "AT" | "CH" | "BE" | "DK" | "LU" | "NO" => |s| digits(s, 4),
        "US" => us,
        "GB" => gb,
        "NL" => nl,
        _ => return None,
    })
}

fn digits(s: &str, n: usize) -> Option<String> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_owned())
}

/// `12345` or ZIP+4 `12345-6789`.
fn us(s: &str) -> Option<String> {
    match s.split_once('-') {
        None => digits(s, 5),
        Some((zip, plus4)) => Some(format!("{}-{}", digits(zip, 5)?, digits(plus4, 4)?)),
    }
}

/// `1234 AB` (first digit not 0; the letter pairs SA, SD and SS are not used).
fn nl(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
    let (num, letters) = (compact.get(..4)?, compact.get(4..)?);
    let ok = digits(num, 4).is_some()
        && !num.starts_with('0')
        && letters.len() == 2
        && letters.bytes().all(|b| b.is_ascii_uppercase())
        && !matches!(letters, "SA" | "SD" | "SS");
    ok.then(|| format!("{num} {letters}"))
}

/// UK postcodes: an outward code (`A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`) and an
/// inward code (`9AA`), e.g. `SW1A 1AA`, `M1 1AE`; also `GIR 0AA`.
fn gb(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
    if compact == "GIR0AA" {
        return Some("GIR 0AA".into());
    }
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let i = inward.as_bytes();
    let inward_ok = i[0].is_ascii_digit() && i[1].is_ascii_alphabetic() && i[2].is_ascii_alphabetic();
    let shape: String = outward
        .bytes()
        .map(|b| if b.is_ascii_digit() { '9' } else { 'A' })
        .collect();
    let outward_ok = matches!(shape.as_str(), "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A");
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(country: &str, raw: &str) -> Result<String, ValueError> {
        parse_postal_code(&CountryCode::parse(country).unwrap(), raw)
    }

    #[test]
    fn known_formats_accept_real_codes_and_normalize_them() {
        assert_eq!(check("DE", " 10115 ").unwrap(), "10115");
        assert_eq!(check("AT", "1010").unwrap(), "1010");
        assert_eq!(check("CH", "8001").unwrap(), "8001");
        assert_eq!(check("FR", "75008").unwrap(), "75008");
        assert_eq!(check("US", "94105").unwrap(), "94105");
        assert_eq!(check("US", "94105-1234").unwrap(), "94105-1234");
        assert_eq!(check("GB", "sw1a1aa").unwrap(), "SW1A 1AA");
        assert_eq!(check("GB", "M1 1AE").unwrap(), "M1 1AE");
        assert_eq!(check("NL", "1012ab").unwrap(), "1012 AB");
    }

    #[test]
    fn known_formats_refuse_codes_of_other_shapes() {
        for (country, raw) in [
            ("DE", "1011"),
            ("DE", "1011A"),
            ("AT", "10101"),
            ("CH", "CH-8001"),
            ("US", "9410"),
            ("US", "94105-12"),
            ("GB", "12345"),
            ("GB", "SW1A"),
            ("NL", "0123 AB"),
            ("NL", "1234 SS"),
            ("FR", "7500"),
        ] {
            assert!(
                matches!(check(country, raw), Err(ValueError::Malformed(_))),
                "{country} {raw}"
            );
        }
        assert_eq!(check("DE", "  "), Err(ValueError::Missing));
    }

    #[test]
    fn other_countries_are_length_and_character_checked() {
        assert_eq!(check("JP", "100-0001").unwrap(), "100-0001");
        assert_eq!(check("JP", &"1".repeat(17)), Err(ValueError::TooLong(16)));
        assert!(matches!(check("JP", "100_0001"), Err(ValueError::Malformed(_))));
        assert!(postal_code_required(&CountryCode::parse("DE").unwrap()));
        assert!(!postal_code_required(&CountryCode::parse("JP").unwrap()));
    }
}
