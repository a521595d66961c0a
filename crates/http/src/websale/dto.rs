//! WEBSALE's JSON shapes: accounts, addresses (with the country object) and bank data,
//! and reading request bodies field by field into the errors WEBSALE names
//! (`unknownDataField`, `invalidFormat`, `invalidValue`, `missing`).

use chrono::{DateTime, Utc};
use clientele_domain::accounts::{AccountView, InvitationStatus};
use clientele_domain::addresses::{Address, AddressData, AddressUsage};
use clientele_domain::bank_accounts::{BankAccount, BankData};
use clientele_domain::customers::CustomerStatus;
use clientele_domain::users::EmailVerification;
use clientele_domain::values::{AccountNumber, BankCode, Bic, CountryCode, Iban};
use serde_json::{json, Map, Value};

use super::countries::COUNTRIES;
use super::WsError;

/// A time as WEBSALE writes it (`2024-09-03T10:09:34.000Z`); empty when unset.
pub fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// WEBSALE's `meta.emailVerificationState`: 0 unknown, 1 verified (double opt-in),
/// 2 not verified.
fn verification_state(v: EmailVerification) -> u8 {
    match v {
        EmailVerification::Verified => 1,
        EmailVerification::Pending => 2,
        EmailVerification::Unverified => 0,
    }
}

/// An account; `with_data` adds its addresses and bank data (reads and lists do).
pub fn account(v: &AccountView, now: DateTime<Utc>, with_data: bool) -> Value {
    let s = &v.record.settings;
    let l = &v.record.links;
    let c = &v.customer;
    let user = v.user.as_ref();
    let id_or_zero = |a: Option<clientele_domain::ids::AddressId>| a.map_or(0, |a| a.get());
    let mut out = json!({
        "allSubshopsAllowed": s.subshops.all,
        "allowedSubshopIds": s.subshops.allowed,
        "createdAt": time(Some(c.created_at)),
        "customerNumber": c.number.as_str(),
        "deleted": c.status == CustomerStatus::Deleted,
        "displayName": s.display_name.clone().unwrap_or_default(),
        "email": user.map(|u| u.email.as_str().to_owned()).unwrap_or_default(),
        "id": c.id.get(),
        "loginBlocked": c.status == CustomerStatus::LoginBlocked,
        "mainSubshop": s.subshops.main.clone().unwrap_or_default(),
        "meta": {
            "currentLogin": time(user.and_then(|u| u.last_login_at)),
            "dataSets": {
                "accountBasketId": "",
                "lastUsedBillAddressId": id_or_zero(s.bill_address),
                "lastUsedDeliveryAddressId": id_or_zero(s.delivery_address),
                "lastUsedPaymentMethodId": "",
                "lastUsedPseudoCCId": "",
                "lastUsedShippingMethodId": "",
                "mainAddressId": id_or_zero(s.main_address),
            },
            "emailVerificationState": user.map_or(0, |u| verification_state(u.email_verification)),
            "firstLogin": time(user.and_then(|u| u.first_login_at)),
            "invitationLinkValidUntil": time(l.invitation_until),
            "invitationStatus": match l.invitation_status(now) {
                InvitationStatus::NotSent => "notSent",
                InvitationStatus::Sent => "sent",
                InvitationStatus::Expired => "expired",
                InvitationStatus::Clicked => "clicked",
            },
            "lastChangedAt": time(Some(c.updated_at)),
            "lastChangedBy": s.changed_by,
            "lastInvitedBy": l.invited_by.map_or(0, |b| b.get()),
            "lastLogin": time(user.and_then(|u| u.last_login_at)),
            "lastTimeAskedForPasswordReset": time(l.reset_asked_at),
            "lastTimeInvitationLinkClicked": time(l.invitation_clicked_at),
            "lastTimeInvitationLinkSent": time(l.invited_at),
            "passwordLinkValidUntil": time(l.reset_until),
        },
        "passwordResetRequired": s.password_reset_required,
        "phone": s.phone.clone().unwrap_or_default(),
    });
    if with_data {
        out["addresses"] = v.addresses.iter().map(|a| address(a, false)).collect();
        out["bankData"] = v.bank_accounts.iter().map(|b| bank(b, false)).collect();
    }
    out
}

/// The country object of a code.
pub fn country(code: &CountryCode) -> Value {
    match COUNTRIES.iter().find(|(a2, ..)| *a2 == code.as_str()) {
        Some((a2, a3, num, name)) => json!({ "isoAlpha2": a2, "isoAlpha3": a3, "isoNum": num, "name": name }),
        None => json!({ "isoAlpha2": code.as_str(), "isoAlpha3": "", "isoNum": "", "name": "" }),
    }
}

/// A country given as ISO 3166-1 alpha-2, alpha-3 or numeric code.
fn parse_country(raw: &str) -> Option<CountryCode> {
    let raw = raw.trim();
    COUNTRIES
        .iter()
        .find(|(a2, a3, num, _)| a2.eq_ignore_ascii_case(raw) || a3.eq_ignore_ascii_case(raw) || *num == raw)
        .and_then(|(a2, ..)| CountryCode::parse(a2).ok())
}

fn custom(map: &Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map.clone())
    }
}

fn or_empty(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// An address; `updated` adds `updatedAt` (list responses).
pub fn address(a: &Address, updated: bool) -> Value {
    let d = &a.data;
    let x = &d.extra;
    let address_type = match (d.usage.invoice, d.usage.shipping) {
        (true, true) => "1",
        (true, false) => "2",
        (false, true) => "3",
        (false, false) => "0",
    };
    let mut out = json!({
        "additionalInfo": or_empty(&d.street2),
        "addressType": address_type,
        "businessFax": or_empty(&x.business_fax),
        "businessPhone": or_empty(&d.phone_business),
        "city": d.city,
        "company": or_empty(&d.company_name),
        "country": country(&d.country),
        "custom": custom(&d.custom),
        "dateOfBirth": or_empty(&x.date_of_birth),
        "department": or_empty(&x.department),
        "externalId": or_empty(&d.external_id),
        "fax": or_empty(&d.fax),
        "firstName": or_empty(&d.first_name),
        "id": a.id.get(),
        "labels": d.labels,
        "lastName": or_empty(&d.last_name),
        "mobilePhone": or_empty(&d.phone_mobile),
        "phone": or_empty(&d.phone_home),
        "salutationCode": or_empty(&d.salutation),
        "state": or_empty(&d.region_code),
        "street": d.street1,
        "streetNumber": or_empty(&x.street_number),
        "taxId": or_empty(&x.tax_id),
        "titleCode": or_empty(&d.title),
        "zip": or_empty(&d.postal_code),
    });
    if updated {
        out["updatedAt"] = json!(time(Some(a.updated_at)));
    }
    out
}

/// A bank account (in clear: only API clients with customer scopes see it).
pub fn bank(b: &BankAccount, updated: bool) -> Value {
    let d = &b.data;
    let mut out = json!({
        "accountNumber": d.account_number.as_ref().map(|v| v.as_str().to_owned()).unwrap_or_default(),
        "bankCode": d.bank_code.as_ref().map(|v| v.as_str().to_owned()).unwrap_or_default(),
        "bankName": d.bank_name,
        "bic": d.bic.as_ref().map(|v| v.as_str().to_owned()).unwrap_or_default(),
        "custom": d.custom.as_ref().map_or(Value::Null, custom),
        "externalId": d.external_id,
        "iban": d.iban.as_ref().map(|v| v.as_str().to_owned()).unwrap_or_default(),
        "id": b.id,
        "labels": d.labels,
        "owner": d.owner,
        "sepaDebitType": d.sepa_debit_type,
        "sepaDirectDebitMandate": d.sepa_mandate,
        "sepaMandateDate": d.sepa_mandate_date,
        "sepaMandateType": d.sepa_mandate_type,
    });
    if updated {
        out["updatedAt"] = json!(time(Some(b.updated_at)));
    }
    out
}

/// Collects every wrong field of a body before answering.
#[derive(Default)]
pub struct Fields {
    errors: Map<String, Value>,
    first: Option<(&'static str, String)>,
}

impl Fields {
    pub fn fail(&mut self, field: &str, error_type: &'static str, message: impl Into<String>) {
        if !self.errors.contains_key(field) {
            self.errors.insert(field.into(), json!({ "type": error_type }));
        }
        if self.first.is_none() {
            self.first = Some((error_type, message.into()));
        }
    }

    /// Refuses fields outside `allowed`.
    pub fn only(&mut self, body: &Map<String, Value>, allowed: &[&str]) {
        for key in body.keys() {
            if !allowed.contains(&key.as_str()) {
                self.fail(
                    key,
                    "unknownDataField",
                    format!("{key} is no field that can be written here."),
                );
            }
        }
    }

    /// A string field: `None` when absent; `null` counts as absent.
    pub fn text(&mut self, body: &Map<String, Value>, field: &str) -> Option<String> {
        match body.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.fail(field, "invalidFormat", format!("{field} is not a string."));
                None
            }
        }
    }

    pub fn boolean(&mut self, body: &Map<String, Value>, field: &str) -> Option<bool> {
        match body.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.fail(field, "invalidFormat", format!("{field} is not a boolean."));
                None
            }
        }
    }

    /// A non-negative integer field (0 clears an id reference).
    pub fn integer(&mut self, body: &Map<String, Value>, field: &str) -> Option<i64> {
        match body.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64().filter(|v| *v >= 0) {
                Some(v) => Some(v),
                None => {
                    self.fail(field, "invalidValue", format!("{field} is not a non-negative integer."));
                    None
                }
            },
            Some(_) => {
                self.fail(field, "invalidFormat", format!("{field} is not a number."));
                None
            }
        }
    }

    pub fn strings(&mut self, body: &Map<String, Value>, field: &str) -> Option<Vec<String>> {
        match body.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                Some(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            }
            Some(_) => {
                self.fail(field, "invalidFormat", format!("{field} is not an array of strings."));
                None
            }
        }
    }

    /// `custom`: an object (or null, which clears it).
    pub fn object(&mut self, body: &Map<String, Value>, field: &str) -> Option<Map<String, Value>> {
        match body.get(field) {
            None => None,
            Some(Value::Null) => Some(Map::new()),
            Some(Value::Object(m)) => Some(m.clone()),
            Some(_) => {
                self.fail(field, "invalidFormat", format!("{field} is not an object."));
                None
            }
        }
    }

    /// The error to answer, if any field was wrong.
    pub fn finish(self) -> Result<(), WsError> {
        match self.first {
            None => Ok(()),
            Some((error_type, message)) => {
                let mut e = WsError::new(actix_web::http::StatusCode::BAD_REQUEST, error_type, message);
                e.field_errors = self.errors;
                Err(e)
            }
        }
    }
}

/// Fields an address body may carry.
pub const ADDRESS_FIELDS: &[&str] = &[
    "additionalInfo",
    "addressType",
    "businessFax",
    "businessPhone",
    "city",
    "company",
    "country",
    "custom",
    "dateOfBirth",
    "department",
    "externalId",
    "fax",
    "firstName",
    "labels",
    "lastName",
    "mobilePhone",
    "phone",
    "salutationCode",
    "state",
    "street",
    "streetNumber",
    "taxId",
    "titleCode",
    "zip",
];

fn opt(v: String) -> Option<String> {
    Some(v).filter(|s| !s.is_empty())
}

/// Applies an address body to `base` (a new address: the defaults; an update: the
/// stored one); only the fields given change.
pub fn apply_address(body: &Map<String, Value>, base: Option<&AddressData>) -> Result<AddressData, WsError> {
    let mut f = Fields::default();
    f.only(body, ADDRESS_FIELDS);
    let country = match f.text(body, "country") {
        Some(raw) => match parse_country(&raw) {
            Some(c) => Some(c),
            None => {
                f.fail(
                    "country",
                    "invalidValue",
                    format!("{raw:?} is no ISO 3166-1 country code."),
                );
                None
            }
        },
        None => None,
    };
    let mut d = match (base, country) {
        (Some(b), c) => {
            let mut d = b.clone();
            if let Some(c) = c {
                d.country = c;
            }
            d
        }
        (None, Some(c)) => {
            let mut d = AddressData::new("", "", c);
            d.usage = AddressUsage {
                invoice: true,
                shipping: true,
                ..Default::default()
            };
            d
        }
        (None, None) => {
            if !body.contains_key("country") {
                f.fail("country", "missing", "country is missing.");
            }
            AddressData::new("", "", CountryCode::parse("DE").expect("DE is a country"))
        }
    };
    macro_rules! set {
        ($field:literal, $target:expr) => {
            if let Some(v) = f.text(body, $field) {
                $target = opt(v);
            }
        };
    }
    set!("additionalInfo", d.street2);
    set!("businessFax", d.extra.business_fax);
    set!("businessPhone", d.phone_business);
    set!("company", d.company_name);
    set!("dateOfBirth", d.extra.date_of_birth);
    set!("department", d.extra.department);
    set!("externalId", d.external_id);
    set!("fax", d.fax);
    set!("firstName", d.first_name);
    set!("lastName", d.last_name);
    set!("mobilePhone", d.phone_mobile);
    set!("phone", d.phone_home);
    set!("salutationCode", d.salutation);
    set!("state", d.region_code);
    set!("streetNumber", d.extra.street_number);
    set!("taxId", d.extra.tax_id);
    set!("titleCode", d.title);
    set!("zip", d.postal_code);
    if let Some(v) = f.text(body, "street") {
        d.street1 = v;
    }
    if let Some(v) = f.text(body, "city") {
        d.city = v;
    }
    if let Some(v) = f.strings(body, "labels") {
        d.labels = v;
    }
    if let Some(v) = f.object(body, "custom") {
        d.custom = v;
    }
    if let Some(t) = f.text(body, "addressType") {
        let (invoice, shipping) = match t.as_str() {
            "" | "0" | "1" => (true, true),
            "2" => (true, false),
            "3" => (false, true),
            _ => {
                f.fail("addressType", "invalidValue", "addressType must be 0, 1, 2 or 3.");
                (true, true)
            }
        };
        d.usage.invoice = invoice;
        d.usage.shipping = shipping;
        d.usage.preferred_invoice &= invoice;
        d.usage.preferred_shipping &= shipping;
    }
    f.finish()?;
    Ok(d)
}

/// Fields a bank-data body may carry.
pub const BANK_FIELDS: &[&str] = &[
    "accountNumber",
    "bankCode",
    "bankName",
    "bic",
    "custom",
    "externalId",
    "iban",
    "labels",
    "owner",
    "sepaDebitType",
    "sepaDirectDebitMandate",
    "sepaMandateDate",
    "sepaMandateType",
];

/// Applies a bank-data body to `base`; IBAN (ISO 13616 length and checksum), BIC and
/// the legacy account number and bank code are checked (an empty string clears one).
pub fn apply_bank(body: &Map<String, Value>, base: Option<&BankData>) -> Result<BankData, WsError> {
    let mut f = Fields::default();
    f.only(body, BANK_FIELDS);
    let mut d = base.cloned().unwrap_or_default();
    macro_rules! checked {
        ($field:literal, $ty:ty, $target:expr) => {
            if let Some(v) = f.text(body, $field) {
                if v.trim().is_empty() {
                    $target = None;
                } else {
                    match <$ty>::parse(&v) {
                        Ok(parsed) => $target = Some(parsed),
                        Err(e) => f.fail($field, "invalidValue", format!("{}: {e}", $field)),
                    }
                }
            }
        };
    }
    checked!("iban", Iban, d.iban);
    checked!("bic", Bic, d.bic);
    checked!("accountNumber", AccountNumber, d.account_number);
    checked!("bankCode", BankCode, d.bank_code);
    macro_rules! set {
        ($field:literal, $target:expr) => {
            if let Some(v) = f.text(body, $field) {
                $target = v;
            }
        };
    }
    set!("bankName", d.bank_name);
    set!("owner", d.owner);
    set!("sepaDebitType", d.sepa_debit_type);
    set!("sepaDirectDebitMandate", d.sepa_mandate);
    set!("sepaMandateDate", d.sepa_mandate_date);
    set!("sepaMandateType", d.sepa_mandate_type);
    set!("externalId", d.external_id);
    if let Some(v) = f.strings(body, "labels") {
        d.labels = v;
    }
    if let Some(v) = f.object(body, "custom") {
        d.custom = Some(v).filter(|m| !m.is_empty());
    }
    f.finish()?;
    Ok(d)
}
