//! Money: an amount in a currency's minor units (cents) with its ISO 4217 code, never a
//! float. Dialects send decimals (`10.99`); they are parsed exactly, once, at the edge.

use super::ValueError;

/// ISO 4217 codes in use, with their minor units where they are not 2.
const MINOR_UNITS_0: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const MINOR_UNITS_3: &str = "BHD IQD JOD KWD LYD OMR TND";
const MINOR_UNITS_4: &str = "CLF UYW";
const MINOR_UNITS_2: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD \
     BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP \
     GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD \
     MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR \
     RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS \
     UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL";

/// An ISO 4217 currency code in use, such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    /// Parses a current ISO 4217 code (any case).
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let upper = raw.trim().to_ascii_uppercase();
        match upper.as_bytes() {
            [] => Err(ValueError::Missing),
            [a, b, c] if upper.bytes().all(|x| x.is_ascii_uppercase()) => {
                let code = Self([*a, *b, *c]);
                match code.lookup() {
                    Some(_) => Ok(code),
                    None => Err(ValueError::Unknown("ISO 4217 currency")),
                }
            }
            _ => Err(ValueError::Malformed("a currency is a three-letter ISO 4217 code")),
        }
    }

    fn lookup(self) -> Option<u32> {
        let code = self.as_str();
        [
            (MINOR_UNITS_2, 2),
            (MINOR_UNITS_0, 0),
            (MINOR_UNITS_3, 3),
            (MINOR_UNITS_4, 4),
        ]
        .into_iter()
        .find(|(list, _)| list.split_ascii_whitespace().any(|c| c == code))
        .map(|(_, units)| units)
    }

    /// Digits after the decimal point (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn minor_units(self) -> u32 {
        self.lookup().unwrap_or(2)
    }

    /// The code as text, e.g. `EUR`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl std::fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("is not a decimal number")]
    NotANumber,
    #[error("has more decimals than {currency} has ({units})")]
    TooPrecise { currency: CurrencyCode, units: u32 },
    #[error("is too large")]
    TooLarge,
}

/// An amount of money in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    /// Amount in minor units (cents for EUR); may be negative (a cancellation).
    pub minor: i64,
    pub currency: CurrencyCode,
}

/// Largest absolute amount accepted, in major units: far above any budget, and small
/// enough that sums of many amounts stay exact in an `i64` and in JSON numbers.
const MAX_MAJOR: i64 = 1_000_000_000_000;

impl Money {
    /// Nothing, in `currency`.
    pub fn zero(currency: CurrencyCode) -> Self {
        Self { minor: 0, currency }
    }

    /// Parses a decimal such as `10.99`, `-3`, `1e3` or `12.50` exactly. More decimals
    /// than the currency has are refused unless they are zeros (`10.990` is fine).
    pub fn parse_decimal(raw: &str, currency: CurrencyCode) -> Result<Self, MoneyError> {
        let raw = raw.trim();
        let (negative, unsigned) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw.strip_prefix('+').unwrap_or(raw)),
        };
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i32>().map_err(|_| MoneyError::NotANumber)?),
            None => (unsigned, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !digits_only(int) || !digits_only(frac) {
            return Err(MoneyError::NotANumber);
        }
        // value = digits × 10^(exponent − frac.len()); we want value × 10^units.
        let units = currency.minor_units();
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        let shift = i64::from(exponent) - frac.len() as i64 + i64::from(units);
        let minor: i64 = if digits.is_empty() {
            0
        } else if shift >= 0 {
            if digits.len() as i64 + shift > 18 {
                return Err(MoneyError::TooLarge);
            }
            let base: i64 = digits.parse().map_err(|_| MoneyError::TooLarge)?;
            base * 10i64.pow(shift as u32)
        } else {
            let cut = (-shift) as usize;
            let (kept, dropped) = digits.split_at(digits.len().saturating_sub(cut));
            if dropped.bytes().any(|b| b != b'0') {
                return Err(MoneyError::TooPrecise { currency, units });
            }
            if kept.len() > 18 {
                return Err(MoneyError::TooLarge);
            }
            if kept.is_empty() {
                0
            } else {
                kept.parse().map_err(|_| MoneyError::TooLarge)?
            }
        };
        if minor / 10i64.pow(units) >= MAX_MAJOR {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    /// The amount as an exact JSON number (`10.99`, `5`), as the dialects answer money.
    pub fn decimal_number(&self) -> serde_json::Number {
        self.decimal().parse().unwrap_or_else(|_| serde_json::Number::from(0))
    }

    /// The amount as a decimal string with the currency's decimals (`10.99`, `5`).
    pub fn decimal(&self) -> String {
        let units = self.currency.minor_units();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if units == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(units);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = units as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> CurrencyCode {
        CurrencyCode::parse(code).unwrap()
    }

    #[test]
    fn currencies_are_iso_4217_codes_in_use() {
        assert_eq!(cur("eur").as_str(), "EUR");
        assert_eq!(cur("JPY").minor_units(), 0);
        assert_eq!(cur("KWD").minor_units(), 3);
        assert_eq!(cur("USD").minor_units(), 2);
        assert_eq!(
            CurrencyCode::parse("EURO"),
            Err(ValueError::Malformed("a currency is a three-letter ISO 4217 code"))
        );
        assert_eq!(
            CurrencyCode::parse("XYZ"),
            Err(ValueError::Unknown("ISO 4217 currency"))
        );
        assert_eq!(CurrencyCode::parse(" "), Err(ValueError::Missing));
    }

    #[test]
    fn decimals_become_minor_units_exactly() {
        let usd = cur("USD");
        let m = |s: &str| Money::parse_decimal(s, usd).map(|m| m.minor);
        assert_eq!(m("10.99"), Ok(1099));
        assert_eq!(m("0.1"), Ok(10));
        assert_eq!(m("5"), Ok(500));
        assert_eq!(m("-3.5"), Ok(-350));
        assert_eq!(m("1e3"), Ok(100_000));
        assert_eq!(m("12.500"), Ok(1250));
        assert_eq!(m(".5"), Ok(50));
        assert_eq!(m("0"), Ok(0));
        assert_eq!(
            m("10.999"),
            Err(MoneyError::TooPrecise {
                currency: usd,
                units: 2
            })
        );
        assert_eq!(m("abc"), Err(MoneyError::NotANumber));
        assert_eq!(m("1.2.3"), Err(MoneyError::NotANumber));
        assert_eq!(m(""), Err(MoneyError::NotANumber));
        assert_eq!(m("1e30"), Err(MoneyError::TooLarge));
        assert_eq!(m("99999999999999999999"), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse_decimal("100", cur("JPY")).unwrap().minor, 100);
        assert!(Money::parse_decimal("100.5", cur("JPY")).is_err());
    }

    #[test]
    fn amounts_print_with_the_currency_decimals() {
        let usd = cur("USD");
        assert_eq!(
            Money {
                minor: 1099,
                currency: usd
            }
            .decimal(),
            "10.99"
        );
        assert_eq!(
            Money {
                minor: -5,
                currency: usd
            }
            .decimal(),
            "-0.05"
        );
        assert_eq!(
            Money {
                minor: 7,
                currency: cur("JPY")
            }
            .decimal(),
            "7"
        );
        assert_eq!(
            Money {
                minor: 1234,
                currency: cur("KWD")
            }
            .decimal(),
            "1.234"
        );
    }
}
