//! ICM 7.10 resource objects (the `…RO` schemas of the reference), request and response.

use clientele_domain::values::{CurrencyCode, Money};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::errors::IcmError;

/// `CredentialsRO`: login and password of a new customer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsRo {
    #[schema(example = "pmiller@test.intershop.de")]
    pub login: Option<String>,
    #[schema(example = "!InterShop00!")]
    pub password: Option<String>,
    /// Accepted and ignored (security questions were dropped by ICM and the PWA).
    pub security_question: Option<String>,
    pub security_question_answer: Option<String>,
}

/// `AddressRO` (7.10): request and response.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressRo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "urn:address:customer:1234567890:0987654321")]
    pub urn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_box: Option<String>,
    /// Region code (e.g. `CA`); ICM 7.10 calls the code `mainDivision`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_division: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_division_name: Option<String>,
    /// Accepted on input as an alias of `mainDivision` (the PWA's form field name).
    #[serde(skip_serializing)]
    pub main_division_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "DE")]
    pub country_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_home: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_business: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    /// Whether the address may be used as invoice-to address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_to_address: Option<bool>,
    /// Whether the address may be used as ship-to address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_to_address: Option<bool>,
}

/// The `user` of a `NewCustomerRO`: the first user of a new business customer (the
/// answer's `SMBCustomerUserRO` is `organization::SmbCustomerUserRo`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomerUserRo {
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_home: Option<String>,
    pub phone_business: Option<String>,
    pub phone_mobile: Option<String>,
    pub fax: Option<String>,
    pub birthday: Option<String>,
    pub preferred_language: Option<String>,
}

/// `NewCustomerRO`: a private customer (user fields at top level) or an SMB customer
/// (company fields at top level, user fields in `user`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomerRo {
    /// `PrivateCustomer` or `SMBCustomer`.
    #[serde(rename = "type")]
    #[schema(example = "PrivateCustomer")]
    pub type_: Option<String>,
    pub customer_no: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// `yyyy-MM-dd` (also accepted: an ISO date-time, or `MM/dd/yyyy`).
    pub birthday: Option<String>,
    pub phone_home: Option<String>,
    pub phone_business: Option<String>,
    pub phone_mobile: Option<String>,
    pub fax: Option<String>,
    #[schema(example = "en_US")]
    pub preferred_language: Option<String>,
    pub company_name: Option<String>,
    pub company_name2: Option<String>,
    #[serde(rename = "taxationID")]
    pub taxation_id: Option<String>,
    pub industry: Option<String>,
    pub description: Option<String>,
    pub credentials: Option<CredentialsRo>,
    pub address: Option<AddressRo>,
    pub user: Option<NewCustomerUserRo>,
}

/// `PrivateCustomerRO`: the profile of a private customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrivateCustomerRo {
    #[serde(rename = "type")]
    #[schema(example = "PrivateCustomer")]
    pub type_: &'static str,
    #[schema(example = "PRIVATE")]
    pub customer_type: &'static str,
    pub customer_no: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "1970-03-10")]
    pub birthday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_home: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_business: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    pub email: String,
    pub login: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_invoice_to_address: Option<AddressRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_ship_to_address: Option<AddressRo>,
}

/// `SMBCustomerRO`: the company profile of a business customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmbCustomerRo {
    #[serde(rename = "type")]
    #[schema(example = "SMBCustomer")]
    pub type_: &'static str,
    #[schema(example = "SMB")]
    pub customer_type: &'static str,
    pub customer_no: String,
    pub company_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name2: Option<String>,
    #[serde(rename = "taxationID", skip_serializing_if = "Option::is_none")]
    pub taxation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_invoice_to_address: Option<AddressRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_ship_to_address: Option<AddressRo>,
}

/// `LinkRO`: a link to a resource; `uri` is relative to `/INTERSHOP/rest/{serverGroup}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkRo {
    #[serde(rename = "type")]
    #[schema(example = "Link")]
    pub type_: &'static str,
    #[schema(example = "inSPIRED-inTRONICS-Site/-/customers/-")]
    pub uri: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<&'static str>,
    /// The key of the linked item (e.g. `{CustomerAddressKey}`), in collections.
    #[serde(rename = "itemId", skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
}

/// A reference to an address in a profile update: its `urn` (as the PWA sends it) or `id`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AddressRefRo {
    #[schema(example = "urn:address:customer:1234567890:0987654321")]
    pub urn: Option<String>,
    pub id: Option<String>,
}

impl AddressRefRo {
    /// The address key: the `id`, or the last segment of the `urn`.
    pub fn key(&self) -> Option<&str> {
        self.id
            .as_deref()
            .or_else(|| self.urn.as_deref().and_then(|u| u.rsplit(':').next()))
            .map(str::trim)
            .filter(|k| !k.is_empty())
    }
}

/// The body of a profile update (`PrivateCustomerRO` or `SMBCustomerRO`): the editable
/// fields; read-only ones (`customerNo`, `login`, `type`, …) are ignored, as ICM does.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerUpdateRo {
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub birthday: Option<String>,
    pub phone_home: Option<String>,
    pub phone_business: Option<String>,
    pub phone_mobile: Option<String>,
    pub fax: Option<String>,
    pub preferred_language: Option<String>,
    pub company_name: Option<String>,
    pub company_name2: Option<String>,
    #[serde(rename = "taxationID")]
    pub taxation_id: Option<String>,
    pub industry: Option<String>,
    pub description: Option<String>,
    pub preferred_invoice_to_address: Option<AddressRefRo>,
    pub preferred_ship_to_address: Option<AddressRefRo>,
    /// Company users: whether the user may log in (changing it needs APP_B2B_MANAGE_USERS).
    pub active: Option<bool>,
    /// New company users: the login; the e-mail address when missing.
    pub login: Option<String>,
    /// New company users: role ids (as the PWA sends them; roles are set with PUT …/roles).
    #[serde(rename = "roleIDs")]
    pub role_ids: Option<Vec<String>>,
}

/// `MoneyRO`: `{"type": "Money", "value": 10.99, "currency": "USD"}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoneyRo {
    #[serde(rename = "type")]
    #[schema(example = "Money")]
    pub type_: &'static str,
    #[schema(value_type = f64, example = 10.99)]
    pub value: serde_json::Number,
    #[schema(example = "USD")]
    pub currency: String,
}

impl From<Money> for MoneyRo {
    fn from(m: Money) -> Self {
        Self {
            type_: "Money",
            // Exact decimal text, printed as a JSON number.
            value: m.decimal_number(),
            currency: m.currency.as_str().to_owned(),
        }
    }
}

/// A money amount in a request; `type` is ignored, and an object without `value`
/// (the PWA's `{"type": "Money"}`) means no amount.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MoneyInRo {
    /// A decimal number (or a string holding one) with at most the currency's decimals.
    #[schema(value_type = Option<f64>)]
    pub value: Option<serde_json::Value>,
    /// ISO 4217.
    pub currency: Option<String>,
}

/// Parses an optional amount (error key `key`, field `field`).
pub fn parse_money(key: &'static str, field: &str, money: Option<&MoneyInRo>) -> Result<Option<Money>, IcmError> {
    let Some(m) = money else { return Ok(None) };
    let value = match &m.value {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(IcmError::bad(
                key,
                format!("The field '{field}.value' must be a number."),
            ))
        }
    };
    let currency = CurrencyCode::parse(m.currency.as_deref().unwrap_or_default())
        .map_err(|e| IcmError::field(key, &format!("{field}.currency"), e))?;
    Money::parse_decimal(&value, currency)
        .map(Some)
        .map_err(|e| IcmError::bad(key, format!("The field '{field}.value' {e}.")))
}
