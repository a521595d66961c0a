//! ICM 11 admin resource objects and their translation to and from the domain. Every
//! object is read whole: a `PATCH` body is laid over the stored object first
//! ([`merge`]), so creation and change share one parser per object.
//!
//! Fields of the reference clientele has no place for (e.g. `jobTitle`, `gender`) are
//! refused with 422 when they carry a value, never silently dropped; docs/compat.md
//! lists them.

use clientele_domain::addresses::{Address, AddressData, AddressUsage};
use clientele_domain::custom_attributes::{AttributeValue, CustomAttribute};
use clientele_domain::customers::{Company, Customer, CustomerKind, ExternalRef};
use clientele_domain::users::{PersonData, User};
use clientele_domain::values::{
    optional_text, required_text, CountryCode, CurrencyCode, Email, LanguageTag, TextLimit, ValueError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::feedback::Feedback;

/// `CustomerRO`: a private (`PRIVATE`) or business (`SMB`) customer.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The addresses (ids) of the customer; read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<AttributeRo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name2: Option<String>,
    /// `PRIVATE` or `SMB`; set once at creation.
    #[schema(example = "SMB")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_urn: Option<String>,
    /// The customer number; set once at creation (drawn when missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_identification_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    /// The users (ids) of a business customer; read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub rest: Map<String, Value>,
}

/// `UserRO`: a user of a business customer.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRo {
    /// The login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<AttributeRo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// The customer's id; read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_urn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Set once at creation (generated when missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_business: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_home: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub rest: Map<String, Value>,
}

/// `AddressRO`: an address of a customer.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressRo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<AttributeRo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// The customer's id; read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible_invoice_to_address: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible_ship_to_address: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible_ship_from_address: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible_service_to_address: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible_install_to_address: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Generated; read-only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_division_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_business: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_home: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_box: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub rest: Map<String, Value>,
}

/// `AttributeRO`: a typed custom attribute (`type` is one of ICM's 17 attribute types).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttributeRo {
    pub name: String,
    #[serde(rename = "type")]
    #[schema(example = "String")]
    pub kind: String,
    #[schema(value_type = Object)]
    pub value: Value,
}

/// Reference fields with no place in clientele, per object.
const UNSUPPORTED_USER: &[&str] = &[
    "aristocraticTitle",
    "company",
    "department",
    "gender",
    "honorific",
    "jobTitle",
    "phoneBusinessDirect",
    "preferredInvoiceToAddressUrn",
    "preferredLocale",
    "preferredShipToAddressUrn",
    "preferredTimeZoneId",
    "secondLastName",
    "secondName",
];
const UNSUPPORTED_ADDRESS: &[&str] = &[
    "aristocraticTitle",
    "honorific",
    "jobTitle",
    "phoneBusinessDirect",
    "secondLastName",
    "secondName",
    "subDivisionCode",
];
/// Display values the server fills in; accepted and ignored on input.
const DISPLAY_ONLY: &[&str] = &["country", "mainDivision", "subDivision", "usage"];

/// Refuses fields the object does not have (typos) or cannot keep, unless empty.
fn check_rest(rest: &Map<String, Value>, unsupported: &[&str]) -> Result<(), Feedback> {
    for (name, value) in rest {
        let empty = match value {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if DISPLAY_ONLY.contains(&name.as_str()) || empty {
            continue;
        }
        let message = if unsupported.contains(&name.as_str()) {
            format!("The field '{name}' is not supported by this server; send it empty or leave it out.")
        } else {
            format!("The field '{name}' is unknown.")
        };
        return Err(Feedback::field("request.field.unsupported", name, message));
    }
    Ok(())
}

/// Lays a `PATCH` body (a JSON object) over the stored object's JSON.
pub fn merge<T: Serialize + serde::de::DeserializeOwned>(current: &T, patch: Value) -> Result<T, Feedback> {
    let Value::Object(patch) = patch else {
        return Err(Feedback::from(crate::problem::Problem::BadRequest {
            field: None,
            message: "The body must be a JSON object.".into(),
        }));
    };
    let mut merged = serde_json::to_value(current).map_err(|_| Feedback::from(crate::problem::Problem::Internal))?;
    if let Value::Object(m) = &mut merged {
        m.extend(patch);
    }
    serde_json::from_value(merged).map_err(|e| {
        Feedback::from(crate::problem::Problem::BadRequest {
            field: None,
            message: format!("The body does not fit the object: {e}"),
        })
    })
}

fn text(field: &'static str, v: &Option<String>, max: usize) -> Result<Option<String>, Feedback> {
    optional_text(v.as_deref(), max).map_err(|e| invalid(field, e))
}

fn invalid(field: &str, e: ValueError) -> Feedback {
    let code = if e == ValueError::Missing { "missing" } else { "invalid" };
    let message = match e {
        ValueError::Missing => format!("The field '{field}' is missing."),
        other => format!("The field '{field}' {other}."),
    };
    Feedback::field(format!("customer.{field}.{code}"), field, message)
}

fn external(id: &Option<String>, urn: &Option<String>) -> Result<ExternalRef, Feedback> {
    Ok(ExternalRef {
        id: text("externalId", id, TextLimit::SHORT)?,
        urn: text("externalUrn", urn, TextLimit::SHORT)?,
    })
}

/// What a customer body describes.
pub struct CustomerInput {
    pub number: Option<String>,
    pub kind: CustomerKind,
    pub active: bool,
    pub external: ExternalRef,
}

pub fn parse_customer(dto: &CustomerRo) -> Result<CustomerInput, Feedback> {
    check_rest(&dto.rest, &[])?;
    let business = match dto.customer_type.as_deref().map(str::trim) {
        Some("SMB") => true,
        Some("PRIVATE") | None => false,
        Some(other) => {
            return Err(Feedback::field(
                "customer.customerType.invalid",
                "customerType",
                format!("The field 'customerType' must be PRIVATE or SMB, not '{other}'."),
            ))
        }
    };
    let kind = if business {
        CustomerKind::Business(Company {
            name: required_text(dto.company_name1.as_deref().unwrap_or_default(), TextLimit::SHORT)
                .map_err(|e| invalid("companyName1", e))?,
            name2: text("companyName2", &dto.company_name2, TextLimit::SHORT)?,
            tax_id: text(
                "taxIdentificationNumber",
                &dto.tax_identification_number,
                TextLimit::SHORT,
            )?,
            industry: text("industry", &dto.industry, TextLimit::SHORT)?,
            description: text("description", &dto.description, TextLimit::LONG)?,
        })
    } else {
        for (field, v) in [
            ("companyName1", &dto.company_name1),
            ("companyName2", &dto.company_name2),
            ("taxIdentificationNumber", &dto.tax_identification_number),
            ("industry", &dto.industry),
            ("description", &dto.description),
        ] {
            if v.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                return Err(Feedback::field(
                    format!("customer.{field}.invalid"),
                    field,
                    format!("The field '{field}' is for SMB customers only."),
                ));
            }
        }
        CustomerKind::Private
    };
    Ok(CustomerInput {
        number: dto.id.clone().filter(|s| !s.trim().is_empty()),
        kind,
        active: dto.active.unwrap_or(true),
        external: external(&dto.external_id, &dto.external_urn)?,
    })
}

pub fn customer_ro(site: &str, c: &Customer, users: &[User], addresses: &[Address]) -> CustomerRo {
    let company = match &c.kind {
        CustomerKind::Business(co) => Some(co),
        CustomerKind::Private => None,
    };
    CustomerRo {
        active: Some(c.status == clientele_domain::customers::CustomerStatus::Active),
        addresses: Some(addresses.iter().map(|a| a.public_id.to_string()).collect()),
        attributes: None,
        company_name1: company.map(|co| co.name.clone()),
        company_name2: company.and_then(|co| co.name2.clone()),
        customer_type: Some(if company.is_some() { "SMB" } else { "PRIVATE" }.into()),
        description: company.and_then(|co| co.description.clone()),
        external_id: c.external.id.clone(),
        external_urn: c.external.urn.clone(),
        id: Some(c.number.as_str().to_owned()),
        industry: company.and_then(|co| co.industry.clone()),
        tax_identification_number: company.and_then(|co| co.tax_id.clone()),
        urn: Some(format!("urn:customer:ICM:{site}:{}", c.number.as_str())),
        users: company.map(|_| users.iter().map(|u| u.public_id.to_string()).collect()),
        rest: Map::new(),
    }
}

/// What a user body describes.
pub struct UserInput {
    pub id: Option<String>,
    pub login: String,
    pub email: Email,
    pub person: PersonData,
    pub active: bool,
    pub roles: Vec<String>,
    pub external: ExternalRef,
}

pub fn parse_user(dto: &UserRo) -> Result<UserInput, Feedback> {
    check_rest(&dto.rest, UNSUPPORTED_USER)?;
    let email = Email::parse(dto.email.as_deref().unwrap_or_default()).map_err(|e| invalid("email", e))?;
    let login = match dto.account_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(l) => l.to_owned(),
        None => email.as_str().to_owned(),
    };
    let short = |field: &'static str, v: &Option<String>| text(field, v, TextLimit::SHORT);
    let person = PersonData {
        title: short("title", &dto.title)?,
        salutation: None,
        first_name: Some(
            required_text(dto.first_name.as_deref().unwrap_or_default(), TextLimit::SHORT)
                .map_err(|e| invalid("firstName", e))?,
        ),
        last_name: Some(
            required_text(dto.last_name.as_deref().unwrap_or_default(), TextLimit::SHORT)
                .map_err(|e| invalid("lastName", e))?,
        ),
        phone_home: short("phoneHome", &dto.phone_home)?,
        phone_mobile: short("phoneMobile", &dto.phone_mobile)?,
        phone_business: short("phoneBusiness", &dto.phone_business)?,
        fax: short("fax", &dto.fax)?,
        birthday: dto
            .date_of_birth
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map_err(|_| invalid("dateOfBirth", ValueError::Malformed("use YYYY-MM-DD")))
            })
            .transpose()?,
        preferred_language: dto
            .preferred_language
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| LanguageTag::parse(s).map_err(|e| invalid("preferredLanguage", e)))
            .transpose()?,
        preferred_currency: dto
            .preferred_currency
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| CurrencyCode::parse(s).map_err(|e| invalid("preferredCurrency", e)))
            .transpose()?,
    };
    Ok(UserInput {
        id: dto.id.clone().filter(|s| !s.trim().is_empty()),
        login,
        email,
        person,
        active: dto.active.unwrap_or(true),
        roles: dto.roles.clone().unwrap_or_default(),
        external: external(&dto.external_id, &dto.external_urn)?,
    })
}

pub fn user_ro(site: &str, c: &Customer, u: &User) -> UserRo {
    let p = &u.person;
    UserRo {
        account_id: Some(u.login.as_str().to_owned()),
        active: Some(u.active),
        attributes: None,
        creation_date: Some(u.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        customer: Some(c.number.as_str().to_owned()),
        date_of_birth: p.birthday.map(|d| d.format("%Y-%m-%d").to_string()),
        email: Some(u.email.as_str().to_owned()),
        external_id: u.external.id.clone(),
        external_urn: u.external.urn.clone(),
        fax: p.fax.clone(),
        first_name: p.first_name.clone(),
        id: Some(u.public_id.to_string()),
        last_name: p.last_name.clone(),
        phone_business: p.phone_business.clone(),
        phone_home: p.phone_home.clone(),
        phone_mobile: p.phone_mobile.clone(),
        preferred_currency: p.preferred_currency.map(|c| c.as_str().to_owned()),
        preferred_language: p.preferred_language.as_ref().map(|l| l.as_str().to_owned()),
        roles: Some(u.roles.clone()),
        title: p.title.clone(),
        urn: Some(format!("urn:user:ICM:{site}:{}:{}", c.number.as_str(), u.public_id)),
        rest: Map::new(),
    }
}

pub fn parse_address(dto: &AddressRo) -> Result<AddressData, Feedback> {
    check_rest(&dto.rest, UNSUPPORTED_ADDRESS)?;
    for (field, v) in [
        ("eligibleShipFromAddress", dto.eligible_ship_from_address),
        ("eligibleServiceToAddress", dto.eligible_service_to_address),
        ("eligibleInstallToAddress", dto.eligible_install_to_address),
    ] {
        if v == Some(true) {
            return Err(Feedback::field(
                "request.field.unsupported",
                field,
                format!("The field '{field}' is not supported by this server; addresses serve invoice-to and ship-to."),
            ));
        }
    }
    let short = |field: &'static str, v: &Option<String>| text(field, v, TextLimit::SHORT);
    let required = |field: &'static str, v: &Option<String>| {
        required_text(v.as_deref().unwrap_or_default(), TextLimit::SHORT).map_err(|e| invalid(field, e))
    };
    let country = CountryCode::parse(dto.country_code.as_deref().unwrap_or_default().trim())
        .map_err(|e| invalid("countryCode", e))?;
    let email = dto
        .email
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Email::parse(s).map_err(|e| invalid("email", e)))
        .transpose()?;
    let mut data = AddressData::new(
        required("addressLine1", &dto.address_line1)?,
        required("city", &dto.city)?,
        country,
    );
    data.title = short("title", &dto.title)?;
    data.first_name = short("firstName", &dto.first_name)?;
    data.last_name = short("lastName", &dto.last_name)?;
    data.company_name = short("companyName1", &dto.company_name1)?;
    data.company_name2 = short("companyName2", &dto.company_name2)?;
    data.street2 = short("addressLine2", &dto.address_line2)?;
    data.street3 = short("addressLine3", &dto.address_line3)?;
    data.post_box = short("postBox", &dto.post_box)?;
    data.postal_code = short("postalCode", &dto.postal_code)?;
    data.region_code = short("mainDivisionCode", &dto.main_division_code)?;
    data.phone_home = short("phoneHome", &dto.phone_home)?;
    data.phone_mobile = short("phoneMobile", &dto.phone_mobile)?;
    data.phone_business = short("phoneBusiness", &dto.phone_business)?;
    data.fax = short("fax", &dto.fax)?;
    data.email = email;
    data.external_id = short("externalId", &dto.external_id)?;
    // ICM: by default an address may be used for every purpose.
    data.usage = AddressUsage {
        invoice: dto.eligible_invoice_to_address.unwrap_or(true),
        shipping: dto.eligible_ship_to_address.unwrap_or(true),
        ..Default::default()
    };
    Ok(data)
}

/// An address being changed keeps what ICM 11 does not show (names, tags, preferences).
pub fn keep_hidden(stored: &AddressData, mut data: AddressData) -> AddressData {
    data.name = stored.name.clone();
    data.salutation = stored.salutation.clone();
    data.region_name = stored.region_name.clone();
    data.tags = stored.tags.clone();
    data.labels = stored.labels.clone();
    data.custom = stored.custom.clone();
    data.extra = stored.extra.clone();
    data.usage.preferred_invoice = stored.usage.preferred_invoice && data.usage.invoice;
    data.usage.preferred_shipping = stored.usage.preferred_shipping && data.usage.shipping;
    data
}

pub fn address_ro(c: &Customer, a: &Address) -> AddressRo {
    let d = &a.data;
    AddressRo {
        address_line1: Some(d.street1.clone()),
        address_line2: d.street2.clone(),
        address_line3: d.street3.clone(),
        attributes: None,
        city: Some(d.city.clone()),
        company_name1: d.company_name.clone(),
        company_name2: d.company_name2.clone(),
        country_code: Some(d.country.as_str().to_owned()),
        customer: Some(c.number.as_str().to_owned()),
        eligible_invoice_to_address: Some(d.usage.invoice),
        eligible_ship_to_address: Some(d.usage.shipping),
        eligible_ship_from_address: Some(false),
        eligible_service_to_address: Some(false),
        eligible_install_to_address: Some(false),
        email: d.email.as_ref().map(|e| e.as_str().to_owned()),
        external_id: d.external_id.clone(),
        fax: d.fax.clone(),
        first_name: d.first_name.clone(),
        id: Some(a.public_id.to_string()),
        last_name: d.last_name.clone(),
        main_division_code: d.region_code.clone(),
        phone_business: d.phone_business.clone(),
        phone_home: d.phone_home.clone(),
        phone_mobile: d.phone_mobile.clone(),
        post_box: d.post_box.clone(),
        postal_code: d.postal_code.clone(),
        title: d.title.clone(),
        urn: Some(format!("urn:address:customer:{}:{}", c.number.as_str(), a.public_id)),
        rest: Map::new(),
    }
}

pub fn attribute_ro(a: &CustomAttribute) -> AttributeRo {
    AttributeRo {
        name: a.name.clone(),
        kind: a.value.type_name().to_owned(),
        value: a.value.to_json(),
    }
}

pub fn parse_attribute_value(dto: &AttributeRo) -> Result<AttributeValue, Feedback> {
    AttributeValue::from_json(&dto.kind, &dto.value).map_err(|reason| {
        if AttributeValue::TYPES.contains(&dto.kind.as_str()) {
            Feedback::field(
                "customer.attribute.value.invalid",
                "value",
                format!("The value of a {} attribute {reason}.", dto.kind),
            )
        } else {
            Feedback::field(
                "customer.attribute.type.invalid",
                "type",
                format!("The attribute {reason}."),
            )
        }
    })
}
