//! Bank identifiers: IBAN (ISO 13616: the registry's length per country and the
//! ISO 7064 mod-97 check), BIC (ISO 9362), and the legacy German account number and
//! bank code. An [`Iban`] is personal data: its `Debug` is masked; never log its
//! `Display` or [`Iban::as_str`].

/// Why an IBAN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    #[error("an IBAN is a country code, two check digits and up to 30 letters or digits")]
    Format,
    #[error("{0} is no country of the IBAN registry")]
    UnknownCountry(String),
    #[error("an IBAN of this country has {expected} characters, not {got}")]
    Length { expected: usize, got: usize },
    #[error("the IBAN's check digits do not match (mod-97)")]
    Checksum,
}

/// IBAN lengths of the ISO 13616 registry (SWIFT IBAN Registry).
const REGISTRY: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// An International Bank Account Number, upper case without spaces.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Iban(String);

impl Iban {
    /// Parses user input (spaces ignored, any case).
    pub fn parse(raw: &str) -> Result<Self, IbanError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() < 5
            || b.len() > 34
            || !b[..2].iter().all(u8::is_ascii_uppercase)
            || !b[2..4].iter().all(u8::is_ascii_digit)
            || !b.iter().all(u8::is_ascii_alphanumeric)
        {
            return Err(IbanError::Format);
        }
        let expected = REGISTRY
            .iter()
            .find(|(c, _)| *c == &s[..2])
            .map(|(_, n)| *n)
            .ok_or_else(|| IbanError::UnknownCountry(s[..2].to_owned()))?;
        if b.len() != expected {
            return Err(IbanError::Length { expected, got: b.len() });
        }
        // Move the first four characters to the end, letters become 10..35, mod 97 == 1.
        let mut rest = 0u32;
        for &c in b[4..].iter().chain(&b[..4]) {
            let v = if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else {
                u32::from(c - b'A') + 10
            };
            rest = if v >= 10 {
                (rest * 100 + v) % 97
            } else {
                (rest * 10 + v) % 97
            };
        }
        if rest != 1 {
            return Err(IbanError::Checksum);
        }
        Ok(Self(s))
    }

    /// The IBAN (personal data: not for logs).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ISO 3166-1 country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The country code and the last four characters, the rest `*`, in groups of four:
    /// `DE** **** **** **** **30 00`.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        let chars: String = self
            .0
            .chars()
            .enumerate()
            .map(|(i, c)| if i < 2 || i >= n - 4 { c } else { '*' })
            .collect();
        chars
            .as_bytes()
            .chunks(4)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl std::fmt::Debug for Iban {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Iban({})", self.masked())
    }
}

impl std::fmt::Display for Iban {
    /// The full IBAN, for the API only: never log it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a BIC, account number or bank code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankIdError {
    #[error(
        "a BIC is 4 letters (bank), 2 letters (country), 2 letters or digits (location) and optionally 3 more (branch)"
    )]
    Bic,
    #[error("an account number has 1 to 10 digits")]
    AccountNumber,
    #[error("a bank code (BLZ) has 8 digits")]
    BankCode,
}

/// A Business Identifier Code (8 or 11 characters, upper case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bic(String);

impl Bic {
    pub fn parse(raw: &str) -> Result<Self, BankIdError> {
        let s = raw.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = (b.len() == 8 || b.len() == 11)
            && b[..6].iter().all(u8::is_ascii_uppercase)
            && b[6..].iter().all(u8::is_ascii_alphanumeric);
        ok.then_some(Self(s)).ok_or(BankIdError::Bic)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A legacy (pre-IBAN) German account number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(raw: &str) -> Result<Self, BankIdError> {
        let s = raw.trim();
        let ok = (1..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(s.to_owned())).ok_or(BankIdError::AccountNumber)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountNumber(***)")
    }
}

/// A legacy German bank code (Bankleitzahl).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankCode(String);

impl BankCode {
    pub fn parse(raw: &str) -> Result<Self, BankIdError> {
        let s = raw.trim();
        let ok = s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(s.to_owned())).ok_or(BankIdError::BankCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ibans_of_many_countries_parse() {
        for iban in [
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "AT611904300234573201",
            "CH9300762011623852957",
            "NO9386011117947",
            "MT84MALT011000012345MTLCAST001S",
        ] {
            assert_eq!(Iban::parse(iban).unwrap().as_str(), iban);
        }
        assert_eq!(
            Iban::parse("de89 3704 0044 0532 0130 00").unwrap().as_str(),
            "DE89370400440532013000"
        );
    }

    #[test]
    fn wrong_ibans_say_why() {
        // The WEBSALE reference's own sample fails the check digits.
        assert_eq!(
            Iban::parse("DE746374637463746300"),
            Err(IbanError::Length { expected: 22, got: 20 })
        );
        assert_eq!(Iban::parse("DE89370400440532013001"), Err(IbanError::Checksum));
        assert_eq!(
            Iban::parse("DE8937040044053201300"),
            Err(IbanError::Length { expected: 22, got: 21 })
        );
        assert_eq!(
            Iban::parse("QQ89370400440532013000"),
            Err(IbanError::UnknownCountry("QQ".into()))
        );
        assert_eq!(Iban::parse("DE89-3704"), Err(IbanError::Format));
        assert_eq!(Iban::parse(""), Err(IbanError::Format));
    }

    #[test]
    fn masked_and_debug_hide_the_account() {
        let iban = Iban::parse("DE89370400440532013000").unwrap();
        assert_eq!(iban.masked(), "DE** **** **** **** **30 00");
        assert!(!format!("{iban:?}").contains("0532013"));
        assert_eq!(iban.country(), "DE");
    }

    #[test]
    fn bics_account_numbers_and_bank_codes() {
        assert_eq!(Bic::parse("ingddeffxxx").unwrap().as_str(), "INGDDEFFXXX");
        assert!(Bic::parse("DEUTDEFF").is_ok());
        assert!(Bic::parse("INGD1EFF").is_err());
        assert!(Bic::parse("ABC").is_err());
        assert!(AccountNumber::parse("532013000").is_ok());
        assert!(AccountNumber::parse("12345678901").is_err());
        assert!(BankCode::parse("37040044").is_ok());
        assert!(BankCode::parse("3704004").is_err());
        assert!(!format!("{:?}", AccountNumber::parse("532013000").unwrap()).contains("532"));
    }
}
