//! ICM customer registration and profile reads: `POST customers`, `POST privatecustomers`,
//! `GET customers/{key}`, `GET privatecustomers/{key}` (`-` is the current customer).

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use clientele_domain::addresses::{Address, AddressData, AddressUsage};
use clientele_domain::customers::{Company, CustomerKind, OwnAccount, ProfileChange, ProfileError};
use clientele_domain::identity::{SignUp, SignUpError};
use clientele_domain::ids::AddressId;
use clientele_domain::users::{Consents, PersonData};
use clientele_domain::values::{
    optional_text, required_text, CountryCode, CustomerNumber, Email, LanguageTag, Login, Password, TextLimit,
    ValueError,
};

use super::dto::{AddressRefRo, AddressRo, CustomerUpdateRo, LinkRo, NewCustomerRo, PrivateCustomerRo, SmbCustomerRo};
use super::errors::IcmError;
use crate::versions::{if_match, tagged};
use crate::{body, tenant_named, AppState};

const INVALID: &str = "customer.invalid_fields.error";
const MISSING: &str = "customer.missing_fields.error";
const ADDRESS_MISSING: &str = "customer.address.missing_fields.error";
const CREDENTIALS_MISSING: &str = "customer.credentials.missing_fields.error";

/// The `{server}`, `{site}` and `{app}` path segments.
struct Base<'a> {
    site: &'a str,
}

fn base(req: &HttpRequest) -> Base<'_> {
    Base {
        site: req.match_info().get("site").unwrap_or_default(),
    }
}

/// Registers a customer: `SMBCustomer` bodies create a business customer with its first
/// user as administrator, other bodies a private customer.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers", tag = "customers",
    request_body = NewCustomerRo,
    responses((status = 201, description = "Created", body = LinkRo),
              (status = 400, description = "Invalid input; header `error-key` names the error, e.g. \
                `customer.credentials.login.not_unique.error`")))]
pub async fn create_customer(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    create(req, payload, state, false)
        .await
        .unwrap_or_else(IcmError::into_response)
}

/// Registers a private customer.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers", tag = "customers",
    request_body = NewCustomerRo,
    responses((status = 201, description = "Created", body = LinkRo),
              (status = 400, description = "Invalid input; header `error-key` is one of customer.missing_fields.error, \
                customer.invalid_fields.error, customer.customerno.already_exists.error, \
                customer.credentials.missing_fields.error, customer.credentials.login.not_acceptable.error, \
                customer.credentials.login.not_unique.error, customer.credentials.password.invalid.error, \
                customer.address.missing_fields.error")))]
pub async fn create_private_customer(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    create(req, payload, state, true)
        .await
        .unwrap_or_else(IcmError::into_response)
}

async fn create(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    private_only: bool,
) -> Result<HttpResponse, IcmError> {
    let tenant = tenant_named(&state, base(&req).site).await?;
    state.auth_limiter.check(&req)?;
    let dto: NewCustomerRo = body::json(&req, payload, state.limits.max_body_bytes).await?;
    let sign_up = parse_new_customer(dto, private_only, &state)?;
    let account = state
        .services
        .sign_up
        .sign_up(&tenant, sign_up)
        .await
        .map_err(|e| match e {
            SignUpError::LoginTaken => IcmError::bad(
                "customer.credentials.login.not_unique.error",
                "A customer with this login already exists.",
            ),
            SignUpError::CustomerNumberTaken => IcmError::bad(
                "customer.customerno.already_exists.error",
                "A customer with this customer number already exists.",
            ),
            SignUpError::Address(e) => super::addresses::address_error(e, "address.", INVALID),
            other => {
                tracing::error!(error = %other, "sign-up failed");
                crate::problem::Problem::Internal.into()
            }
        })?;
    let number = account.customer.number.as_str();
    let uri = format!("{}/-/customers/{}", base(&req).site, number);
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("Location", format!("/INTERSHOP/rest/{}/{}", server(&req), uri)))
        .json(LinkRo {
            type_: "Link",
            uri,
            title: number.to_owned(),
            relation: None,
            item_id: None,
        }))
}

fn server(req: &HttpRequest) -> &str {
    req.match_info().get("server").unwrap_or("WFS")
}

fn parse_new_customer(dto: NewCustomerRo, private_only: bool, state: &AppState) -> Result<SignUp, IcmError> {
    let business = match dto.type_.as_deref() {
        Some("PrivateCustomer") => false,
        Some("SMBCustomer") if !private_only => true,
        None => !private_only && dto.company_name.is_some(),
        Some(other) => {
            return Err(IcmError::bad(
                INVALID,
                format!("The customer type '{other}' is not supported here."),
            ));
        }
    };
    let credentials = dto.credentials.unwrap_or_default();
    let login_raw = credentials
        .login
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| IcmError::bad(CREDENTIALS_MISSING, "The field 'credentials.login' is missing."))?;
    let password_raw = credentials
        .password
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| IcmError::bad(CREDENTIALS_MISSING, "The field 'credentials.password' is missing."))?;
    let login = Login::parse(login_raw).map_err(|e| {
        IcmError::field(
            "customer.credentials.login.not_acceptable.error",
            "credentials.login",
            e,
        )
    })?;

    // Private customers carry their user fields at the top level, SMB customers in `user`.
    let user = dto.user.unwrap_or_default();
    let pick = |top: Option<String>, nested: Option<String>| if business { nested.or(top) } else { top };
    let first_name = pick(dto.first_name, user.first_name);
    let last_name = pick(dto.last_name, user.last_name);
    let email_raw = pick(dto.email, user.email).or_else(|| Email::parse(login.as_str()).ok().map(|_| login_raw.into()));
    let text = |field: &str, v: Option<String>| {
        optional_text(v.as_deref(), TextLimit::SHORT).map_err(|e| IcmError::field(INVALID, field, e))
    };
    let required = |field: &str, v: Option<String>| {
        required_text(v.as_deref().unwrap_or_default(), TextLimit::SHORT)
            .map_err(|e| IcmError::field(if e == ValueError::Missing { MISSING } else { INVALID }, field, e))
    };
    let email = Email::parse(email_raw.as_deref().unwrap_or_default())
        .map_err(|e| IcmError::field(if e == ValueError::Missing { MISSING } else { INVALID }, "email", e))?;
    let person = PersonData {
        title: text("title", pick(dto.title, user.title))?,
        salutation: None,
        first_name: Some(required("firstName", first_name)?),
        last_name: Some(required("lastName", last_name)?),
        phone_home: text("phoneHome", pick(dto.phone_home, user.phone_home))?,
        phone_mobile: text("phoneMobile", pick(dto.phone_mobile, user.phone_mobile))?,
        phone_business: text("phoneBusiness", pick(dto.phone_business, user.phone_business))?,
        fax: text("fax", pick(dto.fax, user.fax))?,
        birthday: pick(dto.birthday, user.birthday)
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_birthday(&s).ok_or_else(|| IcmError::bad(INVALID, "The field 'birthday' is not a date.")))
            .transpose()?,
        preferred_language: pick(dto.preferred_language, user.preferred_language)
            .filter(|s| !s.trim().is_empty())
            .map(|s| LanguageTag::parse(&s).map_err(|e| IcmError::field(INVALID, "preferredLanguage", e)))
            .transpose()?,
        preferred_currency: None,
    };
    let context = [login.as_str(), email.as_str()];
    let password = Password::parse(password_raw, state.limits.password_policy, &context)
        .map_err(|e| IcmError::field("customer.credentials.password.invalid.error", "credentials.password", e))?;
    let customer_number = dto
        .customer_no
        .filter(|s| !s.trim().is_empty())
        .map(|s| CustomerNumber::parse(&s).map_err(|e| IcmError::field(INVALID, "customerNo", e)))
        .transpose()?;
    let kind = if business {
        CustomerKind::Business(Company {
            name: required("companyName", dto.company_name)?,
            name2: text("companyName2", dto.company_name2)?,
            tax_id: text("taxationID", dto.taxation_id)?,
            industry: text("industry", dto.industry)?,
            description: optional_text(dto.description.as_deref(), TextLimit::LONG)
                .map_err(|e| IcmError::field(INVALID, "description", e))?,
        })
    } else {
        CustomerKind::Private
    };
    let addresses = dto
        .address
        .map(|a| parse_address(a, INVALID, "address."))
        .transpose()?
        .into_iter()
        .collect();
    Ok(SignUp {
        customer_number,
        kind,
        login,
        email,
        password,
        person,
        consents: Consents::default(),
        addresses,
        custom: Default::default(),
    })
}

fn parse_birthday(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%m/%d/%Y"))
        .ok()
}

/// Parses an `AddressRO` into the domain's address data. `invalid` is the error key for
/// a refused value, `prefix` the path the field names get (`address.` in a registration).
/// Without either usage flag the address serves both purposes, as ICM's default.
pub fn parse_address(a: AddressRo, invalid: &'static str, prefix: &str) -> Result<AddressData, IcmError> {
    let missing = |field: &str| IcmError::bad(ADDRESS_MISSING, format!("The field '{prefix}{field}' is missing."));
    let text = |field: &str, v: Option<String>| {
        optional_text(v.as_deref(), TextLimit::SHORT)
            .map_err(|e| IcmError::field(invalid, &format!("{prefix}{field}"), e))
    };
    let required = |field: &str, v: Option<String>| text(field, v)?.ok_or_else(|| missing(field));
    let country = match a.country_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => return Err(missing("countryCode")),
        Some(code) => {
            CountryCode::parse(code).map_err(|e| IcmError::field(invalid, &format!("{prefix}countryCode"), e))?
        }
    };
    let email = a
        .email
        .filter(|s| !s.trim().is_empty())
        .map(|s| Email::parse(&s).map_err(|e| IcmError::field(invalid, &format!("{prefix}email"), e)))
        .transpose()?;
    let (invoice, shipping) = match (a.invoice_to_address, a.ship_to_address) {
        (None, None) => (true, true),
        (i, s) => (i.unwrap_or(false), s.unwrap_or(false)),
    };
    Ok(AddressData {
        name: text("addressName", a.address_name)?,
        title: text("title", a.title)?,
        salutation: None,
        first_name: Some(required("firstName", a.first_name)?),
        last_name: Some(required("lastName", a.last_name)?),
        company_name: text("companyName1", a.company_name1)?,
        company_name2: text("companyName2", a.company_name2)?,
        street1: required("addressLine1", a.address_line1)?,
        street2: text("addressLine2", a.address_line2)?,
        street3: text("addressLine3", a.address_line3)?,
        post_box: text("postBox", a.post_box)?,
        postal_code: text("postalCode", a.postal_code)?,
        city: required("city", a.city)?,
        region_code: text("mainDivision", a.main_division.or(a.main_division_code))?,
        region_name: text("mainDivisionName", a.main_division_name)?,
        country,
        phone_home: text("phoneHome", a.phone_home)?,
        phone_mobile: text("phoneMobile", a.phone_mobile)?,
        phone_business: text("phoneBusiness", a.phone_business)?,
        fax: text("fax", a.fax)?,
        email,
        usage: AddressUsage {
            invoice,
            shipping,
            ..Default::default()
        },
        tags: vec![],
        labels: vec![],
        external_id: None,
        custom: Default::default(),
        extra: Default::default(),
    })
}

/// The profile of the current customer (`-` or the customer's own number).
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}", tag = "customers",
    params(("CustomerKey" = String, Path, description = "`-` for the current customer, or its customer number")),
    responses((status = 200, description = "PrivateCustomerRO for private customers, SMBCustomerRO for business customers"),
              (status = 401, description = "Missing or invalid credentials"),
              (status = 404, description = "Not the caller's customer")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn get_customer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    read(req, state, false).await.unwrap_or_else(IcmError::into_response)
}

/// The profile of the current private customer.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers/{CustomerKey}",
    tag = "customers",
    params(("CustomerKey" = String, Path, description = "`-` for the current customer, or its customer number")),
    responses((status = 200, description = "The customer", body = PrivateCustomerRo),
              (status = 401, description = "Missing or invalid credentials"),
              (status = 404, description = "Not the caller's customer, or not a private customer")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn get_private_customer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    read(req, state, true).await.unwrap_or_else(IcmError::into_response)
}

async fn read(req: HttpRequest, state: web::Data<AppState>, private_only: bool) -> Result<HttpResponse, IcmError> {
    let (caller, account) = own_profile(&req, &state, private_only).await?;
    Ok(caller.stamp(profile_response(&account)))
}

/// The caller and their account, if `{customer}` names it (`-` or its number) and, for
/// `privatecustomers`, it is a private customer; otherwise 404.
async fn own_profile(
    req: &HttpRequest,
    state: &AppState,
    private_only: bool,
) -> Result<(super::auth::Caller, OwnAccount), IcmError> {
    let tenant = tenant_named(state, base(req).site).await?;
    let (caller, account) = super::auth::caller_with_account(state, req, &tenant).await?;
    if !super::auth::own_customer_key(req, &account) || (private_only && account.customer.is_business()) {
        return Err(IcmError::customer_not_found());
    }
    Ok((caller, account))
}

/// `PrivateCustomerRO` or `SMBCustomerRO` with the profile's `ETag`.
fn profile_response(account: &OwnAccount) -> HttpResponse {
    let mut res = tagged(HttpResponse::Ok(), account.customer.version);
    match &account.customer.kind {
        CustomerKind::Private => res.json(private_customer_ro(account)),
        CustomerKind::Business(company) => res.json(SmbCustomerRo {
            type_: "SMBCustomer",
            customer_type: "SMB",
            customer_no: account.customer.number.as_str().to_owned(),
            company_name: company.name.clone(),
            company_name2: company.name2.clone(),
            taxation_id: company.tax_id.clone(),
            industry: company.industry.clone(),
            description: company.description.clone(),
            preferred_invoice_to_address: preferred(account, |u| u.preferred_invoice),
            preferred_ship_to_address: preferred(account, |u| u.preferred_shipping),
        }),
    }
}

/// Updates the profile of the current customer.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}", tag = "customers",
    request_body = CustomerUpdateRo,
    params(("CustomerKey" = String, Path, description = "`-` for the current customer, or its customer number"),
           ("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed profile answers 412")),
    responses((status = 200, description = "The updated PrivateCustomerRO or SMBCustomerRO"),
              (status = 400, description = "`error-key` customer.missing_fields.error or customer.invalid_fields.error"),
              (status = 401, description = "Missing or invalid credentials"),
              (status = 404, description = "Not the caller's customer"),
              (status = 412, description = "The profile changed since the `If-Match` version")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn update_customer(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    update(req, payload, state, false)
        .await
        .unwrap_or_else(IcmError::into_response)
}

/// Updates the profile of the current private customer.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers/{CustomerKey}",
    tag = "customers", request_body = CustomerUpdateRo,
    params(("CustomerKey" = String, Path, description = "`-` for the current customer, or its customer number"),
           ("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed profile answers 412")),
    responses((status = 200, description = "The updated customer", body = PrivateCustomerRo),
              (status = 400, description = "`error-key` customer.missing_fields.error or customer.invalid_fields.error"),
              (status = 401, description = "Missing or invalid credentials"),
              (status = 404, description = "Not the caller's customer, or not a private customer"),
              (status = 412, description = "The profile changed since the `If-Match` version")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn update_private_customer(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    update(req, payload, state, true)
        .await
        .unwrap_or_else(IcmError::into_response)
}

async fn update(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    private_only: bool,
) -> Result<HttpResponse, IcmError> {
    let (caller, account) = own_profile(&req, &state, private_only).await?;
    let who = caller.principal()?;
    let dto: CustomerUpdateRo = body::json(&req, payload, state.limits.max_body_bytes).await?;
    let business = account.customer.is_business();
    let edit = |current: &OwnAccount| parse_profile(&dto, current, business);
    let updated = state
        .services
        .profile
        .update_profile(&who, if_match(&req), edit)
        .await?;
    Ok(caller.stamp(profile_response(&updated)))
}

/// The person fields and e-mail of a user as a `PUT` body replaces them (a private
/// customer's profile, or a company user's `SMBCustomerUserRO`).
pub fn parse_person(dto: &CustomerUpdateRo, current: &PersonData) -> Result<(PersonData, Email), IcmError> {
    let text = |field: &str, v: &Option<String>| {
        optional_text(v.as_deref(), TextLimit::SHORT).map_err(|e| IcmError::field(INVALID, field, e))
    };
    let required = |field: &str, v: &Option<String>| {
        required_text(v.as_deref().unwrap_or_default(), TextLimit::SHORT)
            .map_err(|e| IcmError::field(if e == ValueError::Missing { MISSING } else { INVALID }, field, e))
    };
    let person = PersonData {
        title: text("title", &dto.title)?,
        salutation: current.salutation.clone(),
        first_name: Some(required("firstName", &dto.first_name)?),
        last_name: Some(required("lastName", &dto.last_name)?),
        phone_home: text("phoneHome", &dto.phone_home)?,
        phone_mobile: text("phoneMobile", &dto.phone_mobile)?,
        phone_business: text("phoneBusiness", &dto.phone_business)?,
        fax: text("fax", &dto.fax)?,
        birthday: dto
            .birthday
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_birthday(s).ok_or_else(|| IcmError::bad(INVALID, "The field 'birthday' is not a date.")))
            .transpose()?,
        preferred_language: dto
            .preferred_language
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| LanguageTag::parse(s).map_err(|e| IcmError::field(INVALID, "preferredLanguage", e)))
            .transpose()?,
        preferred_currency: current.preferred_currency,
    };
    let email = Email::parse(dto.email.as_deref().unwrap_or_default())
        .map_err(|e| IcmError::field(if e == ValueError::Missing { MISSING } else { INVALID }, "email", e))?;
    Ok((person, email))
}

/// The profile a `PUT` leaves: the editable fields of the body replace the stored ones
/// (private customers: the person fields; business customers: the company fields).
fn parse_profile(dto: &CustomerUpdateRo, current: &OwnAccount, business: bool) -> Result<ProfileChange, IcmError> {
    let text = |field: &str, v: &Option<String>| {
        optional_text(v.as_deref(), TextLimit::SHORT).map_err(|e| IcmError::field(INVALID, field, e))
    };
    let required = |field: &str, v: &Option<String>| {
        required_text(v.as_deref().unwrap_or_default(), TextLimit::SHORT)
            .map_err(|e| IcmError::field(if e == ValueError::Missing { MISSING } else { INVALID }, field, e))
    };
    let (person, email, company) = if business {
        let company = Company {
            name: required("companyName", &dto.company_name)?,
            name2: text("companyName2", &dto.company_name2)?,
            tax_id: text("taxationID", &dto.taxation_id)?,
            industry: text("industry", &dto.industry)?,
            description: optional_text(dto.description.as_deref(), TextLimit::LONG)
                .map_err(|e| IcmError::field(INVALID, "description", e))?,
        };
        (current.user.person.clone(), current.user.email.clone(), Some(company))
    } else {
        let (person, email) = parse_person(dto, &current.user.person)?;
        (person, email, None)
    };
    let pick = |field: &str, r: &Option<AddressRefRo>| -> Result<Option<AddressId>, IcmError> {
        let Some(key) = r.as_ref().and_then(AddressRefRo::key) else {
            return Ok(None);
        };
        current
            .addresses
            .iter()
            .find(|a| a.public_id.as_str() == key)
            .map(|a| Some(a.id))
            .ok_or_else(|| {
                IcmError::bad(
                    INVALID,
                    format!("The field '{field}' names no address of the customer."),
                )
            })
    };
    Ok(ProfileChange {
        person,
        email,
        company,
        custom: current.customer.custom.clone(),
        preferred_invoice: pick("preferredInvoiceToAddress", &dto.preferred_invoice_to_address)?,
        preferred_shipping: pick("preferredShipToAddress", &dto.preferred_ship_to_address)?,
    })
}

impl From<ProfileError> for IcmError {
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::NotFound | ProfileError::LastAdministrator => IcmError::customer_not_found(),
            ProfileError::Stale => IcmError::new(
                StatusCode::PRECONDITION_FAILED,
                None,
                "The customer was changed since the version given in If-Match.",
            ),
            ProfileError::Store(e) => super::auth::internal(e),
        }
    }
}

fn private_customer_ro(account: &OwnAccount) -> PrivateCustomerRo {
    let (user, person) = (&account.user, &account.user.person);
    PrivateCustomerRo {
        type_: "PrivateCustomer",
        customer_type: "PRIVATE",
        customer_no: account.customer.number.as_str().to_owned(),
        title: person.title.clone(),
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        birthday: person.birthday.map(|d| d.format("%Y-%m-%d").to_string()),
        phone_home: person.phone_home.clone(),
        phone_business: person.phone_business.clone(),
        phone_mobile: person.phone_mobile.clone(),
        fax: person.fax.clone(),
        email: user.email.as_str().to_owned(),
        login: user.login.as_str().to_owned(),
        preferred_language: person.preferred_language.as_ref().map(|l| l.as_str().to_owned()),
        preferred_invoice_to_address: preferred(account, |u| u.preferred_invoice),
        preferred_ship_to_address: preferred(account, |u| u.preferred_shipping),
    }
}

/// The customer's address preferred for a purpose, as `AddressRO`.
pub fn preferred(account: &OwnAccount, which: impl Fn(&AddressUsage) -> bool) -> Option<AddressRo> {
    account
        .addresses
        .iter()
        .find(|a| which(&a.data.usage))
        .map(|a| address_ro(a, &account.customer.public_id))
}

/// Renders an address as `AddressRO`.
pub fn address_ro(a: &Address, customer: &clientele_domain::ids::PublicId) -> AddressRo {
    let d = &a.data;
    AddressRo {
        name: d.name.clone(),
        type_: Some("Address".into()),
        id: Some(a.public_id.to_string()),
        urn: Some(format!("urn:address:customer:{customer}:{}", a.public_id)),
        address_name: d.name.clone(),
        title: d.title.clone(),
        first_name: d.first_name.clone(),
        last_name: d.last_name.clone(),
        company_name1: d.company_name.clone(),
        company_name2: d.company_name2.clone(),
        address_line1: Some(d.street1.clone()),
        address_line2: d.street2.clone(),
        address_line3: d.street3.clone(),
        post_box: d.post_box.clone(),
        main_division: d.region_code.clone(),
        main_division_name: d.region_name.clone(),
        main_division_code: None,
        postal_code: d.postal_code.clone(),
        city: Some(d.city.clone()),
        country_code: Some(d.country.as_str().to_owned()),
        email: d.email.as_ref().map(|e| e.as_str().to_owned()),
        phone_home: d.phone_home.clone(),
        phone_mobile: d.phone_mobile.clone(),
        phone_business: d.phone_business.clone(),
        fax: d.fax.clone(),
        invoice_to_address: Some(d.usage.invoice),
        ship_to_address: Some(d.usage.shipping),
    }
}
