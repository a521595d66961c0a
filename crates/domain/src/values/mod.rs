//! Value objects: parsed once at the edge, trusted everywhere after.

mod bank;
mod country;
mod custom;
mod customer_number;
mod email;
mod locale;
mod money;
mod password;
mod postal_code;
mod text;

pub use bank::{AccountNumber, BankCode, BankIdError, Bic, Iban, IbanError};
pub use country::CountryCode;
pub use custom::{check_custom, MAX_CUSTOM_BYTES, MAX_CUSTOM_MEMBERS};
pub use customer_number::{CustomerNumber, CustomerNumberPattern};
pub use email::{Email, Login};
pub use locale::LanguageTag;
pub use money::{CurrencyCode, Money, MoneyError};
pub use password::{Password, PasswordHash, PasswordPolicy};
pub use postal_code::{parse_postal_code, postal_code_required, MAX_POSTAL_CODE_LEN};
pub use text::{optional_text, required_text, TextLimit};

/// Why a raw value was refused; the dialect adds the field name and its own wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("must not be empty")]
    Missing,
    #[error("must have at least {0} characters")]
    TooShort(usize),
    #[error("must have at most {0} characters")]
    TooLong(usize),
    #[error("is not valid: {0}")]
    Malformed(&'static str),
    #[error("is not a known {0}")]
    Unknown(&'static str),
    #[error("must have at most {0} entries")]
    TooMany(usize),
    #[error("is too common or easy to guess")]
    TooCommon,
}
