//! `POST /customer/{tenant}/signup`: self-registration of a customer.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::customers::{Company, CustomerKind};
use clientele_domain::identity::{SignUp, SignUpError};
use clientele_domain::users::{Consents, PersonData};
use clientele_domain::values::{
    optional_text, required_text, CurrencyCode, Email, LanguageTag, Login, Password, TextLimit, ValueError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::errors::ErrorMessage;
use crate::{body, tenant_named, AppState};

/// `CustomerSignup`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerSignup {
    #[schema(example = "example@customer.com")]
    pub email: Option<String>,
    pub password: Option<String>,
    pub customer_details: Option<CustomerDetails>,
    pub customer_address: Option<super::addresses::EmporixAddress>,
}

/// `CustomerUpdateDto` as used in a sign-up.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDetails {
    #[schema(example = "MR")]
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    /// Must equal `email` when given.
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub company: Option<String>,
    #[schema(example = "en_US")]
    pub preferred_language: Option<String>,
    #[schema(example = "EUR")]
    pub preferred_currency: Option<String>,
    pub preferred_site: Option<String>,
    /// Present for B2B customers.
    pub b2b: Option<B2bDetails>,
    pub mixins: Option<serde_json::Map<String, serde_json::Value>>,
}

/// B2B part of the customer details.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct B2bDetails {
    pub company_registration_id: Option<String>,
}

/// `ResourceLocation`: the id of the created customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceLocation {
    pub id: String,
}

/// Registers a customer.
#[utoipa::path(post, path = "/customer/{tenant}/signup", tag = "signup",
    params(("tenant" = String, Path, description = "Tenant name")),
    request_body = CustomerSignup,
    responses((status = 201, description = "Created", body = ResourceLocation),
              (status = 400, description = "Invalid input", body = ErrorMessage),
              (status = 401, description = "No valid anonymous (or customer) access token"),
              (status = 409, description = "Duplicate account", body = ErrorMessage)),
    security(("AnonymousAccessToken" = [])))]
pub async fn signup(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    run(req, payload, state)
        .await
        .unwrap_or_else(ErrorMessage::into_response)
}

async fn run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ErrorMessage> {
    let tenant_name = req.match_info().get("tenant").unwrap_or_default();
    let tenant = tenant_named(&state, tenant_name).await?;
    if let Err(unauthorized) = super::auth::session(&state, &req, &tenant).await {
        return Ok(unauthorized);
    }
    if let Err(p) = state.auth_limiter.check(&req) {
        return Ok(p.render(crate::problem::Dialect::Emporix));
    }
    let dto: CustomerSignup = body::json(&req, payload, state.limits.max_body_bytes).await?;
    let sign_up = parse(dto, &state)?;
    let email = sign_up.email.as_str().to_owned();
    match state.services.sign_up.sign_up(&tenant, sign_up).await {
        Ok(account) => Ok(HttpResponse::Created().json(ResourceLocation {
            id: account.customer.public_id.to_string(),
        })),
        Err(SignUpError::LoginTaken | SignUpError::CustomerNumberTaken) => Err(ErrorMessage::new(
            StatusCode::CONFLICT,
            "conflict_resource",
            format!("Duplicate account '{email}' for tenant '{}'.", tenant.name.as_str()),
        )),
        Err(SignUpError::Address(e)) => Err(super::addresses::address_error(e, "customerAddress.", "", None)),
        Err(other) => {
            tracing::error!(error = %other, "sign-up failed");
            Err(crate::problem::Problem::Internal.into())
        }
    }
}

fn parse(dto: CustomerSignup, state: &AppState) -> Result<SignUp, ErrorMessage> {
    let email = Email::parse(dto.email.as_deref().unwrap_or_default()).map_err(|e| ErrorMessage::field("email", e))?;
    let login = Login::from_email(&email);
    let password = Password::parse(
        dto.password.as_deref().unwrap_or_default(),
        state.limits.password_policy,
        &[email.as_str()],
    )
    .map_err(|e| ErrorMessage::field("password", e))?;
    let d = dto.customer_details.unwrap_or_default();
    if let Some(contact) = d.contact_email.as_deref().filter(|s| !s.trim().is_empty()) {
        let same = Email::parse(contact).is_ok_and(|c| c.as_str().eq_ignore_ascii_case(email.as_str()));
        if !same {
            return Err(ErrorMessage::field(
                "customerDetails.contactEmail",
                ValueError::Malformed("contactEmail must be the same as email"),
            ));
        }
    }
    let (person, kind, custom) = parse_details(d, "customerDetails.")?;
    let addresses = dto
        .customer_address
        .map(|a| super::addresses::parse_address(a, "customerAddress."))
        .transpose()?
        .into_iter()
        .collect();
    Ok(SignUp {
        customer_number: None,
        kind,
        login,
        email,
        password,
        person,
        consents: Consents::default(),
        addresses,
        custom,
    })
}

/// The person, kind and mixins of `CustomerDetails`; field names in errors get `prefix`.
pub(super) fn parse_details(
    d: CustomerDetails,
    prefix: &str,
) -> Result<(PersonData, CustomerKind, serde_json::Map<String, serde_json::Value>), ErrorMessage> {
    let field = |name: &str| format!("{prefix}{name}");
    let text = |name: &str, v: Option<String>| {
        optional_text(v.as_deref(), TextLimit::SHORT).map_err(|e| ErrorMessage::field(&field(name), e))
    };
    let person = PersonData {
        title: text("title", d.title)?,
        salutation: None,
        first_name: text("firstName", d.first_name)?,
        last_name: text("lastName", d.last_name)?,
        phone_home: text("contactPhone", d.contact_phone)?,
        preferred_language: d
            .preferred_language
            .filter(|s| !s.trim().is_empty())
            .map(|s| LanguageTag::parse(&s).map_err(|e| ErrorMessage::field(&field("preferredLanguage"), e)))
            .transpose()?,
        preferred_currency: d
            .preferred_currency
            .filter(|s| !s.trim().is_empty())
            .map(|s| CurrencyCode::parse(&s).map_err(|e| ErrorMessage::field(&field("preferredCurrency"), e)))
            .transpose()?,
        ..Default::default()
    };
    let _ = (d.middle_name, d.preferred_site);
    let kind = match d.b2b {
        Some(b2b) => CustomerKind::Business(Company {
            name: required_text(d.company.as_deref().unwrap_or_default(), TextLimit::SHORT)
                .map_err(|e| ErrorMessage::field(&field("company"), e))?,
            tax_id: text("b2b.companyRegistrationId", b2b.company_registration_id)?,
            ..Default::default()
        }),
        None => CustomerKind::Private,
    };
    let custom = d.mixins.unwrap_or_default();
    super::me::check_mixins(&field("mixins"), &custom)?;
    Ok((person, kind, custom))
}
