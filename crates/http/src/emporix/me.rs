//! Emporix `me`: the logged-in customer's profile (GET, PATCH with JSON or
//! `application/merge-patch+json`, DELETE), and the helpers the address routes share:
//! the caller's account, RFC 7396 merge patch, and version checks.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::customers::{Company, CustomerKind, OwnAccount, ProfileChange, ProfileError};
use clientele_domain::identity::{Principal, TokenError};
use clientele_domain::users::PersonData;
use clientele_domain::values::{
    check_custom, optional_text, required_text, CurrencyCode, Email, LanguageTag, TextLimit, ValueError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::addresses::{address_dto, EmporixAddress, Metadata};
use super::auth::{bearer, internal, invalid_token, path_tenant};
use super::errors::ErrorMessage;
use crate::versions::{if_match, tagged};
use crate::{body, AppState};

/// The logged-in customer and their account, from one store round trip; anonymous,
/// dead and other-tenant tokens get the Emporix 401.
pub(super) async fn customer_account(
    req: &HttpRequest,
    state: &AppState,
) -> Result<(Principal, OwnAccount), HttpResponse> {
    match session_account(req, state).await? {
        (Some(who), Some(account)) => Ok((who, account)),
        _ => Err(invalid_token()),
    }
}

async fn session_account(
    req: &HttpRequest,
    state: &AppState,
) -> Result<(Option<Principal>, Option<OwnAccount>), HttpResponse> {
    let tenant = path_tenant(state, req).await?;
    let token = bearer(req).ok_or_else(invalid_token)?;
    match state.services.sessions.authenticate_with_account(&tenant, token).await {
        Ok((session, account)) => Ok((session.principal(), account)),
        Err(TokenError::Invalid) => Err(invalid_token()),
        Err(TokenError::Store(e)) => Err(internal(e)),
    }
}

/// Applies an RFC 7396 merge patch: objects merge member by member, `null` removes a
/// member, anything else replaces the target.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(doc) = target {
        for (key, value) in members {
            if value.is_null() {
                doc.remove(key);
            } else {
                merge_patch(doc.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// The version a write names: `If-Match`, else the body's `metadata.version`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Versioned {
    pub expected: Option<i64>,
    /// The version came from the body (a mismatch is then 409, not 412).
    pub from_body: bool,
}

impl Versioned {
    /// Reads the version of a write whose JSON body is `body` (which must be an object).
    pub fn of(req: &HttpRequest, body: &Value) -> Result<Self, ErrorMessage> {
        if !body.is_object() {
            return Err(ErrorMessage::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The request body must be a JSON object.",
            ));
        }
        if let Some(v) = if_match(req) {
            return Ok(Self {
                expected: Some(v),
                from_body: false,
            });
        }
        let version = match body.pointer("/metadata/version") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_i64()
                    .ok_or_else(|| ErrorMessage::field("metadata.version", ValueError::Malformed("not an integer")))?,
            ),
        };
        Ok(Self {
            expected: version,
            from_body: version.is_some(),
        })
    }

    /// The answer for a stale version of `what`.
    pub fn stale(&self, what: &str) -> ErrorMessage {
        if self.from_body {
            ErrorMessage::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("The {what} was changed meanwhile: metadata.version is not the current version."),
            )
        } else {
            stale(what)
        }
    }
}

/// 412 for a write whose `If-Match` names an old version.
pub fn stale(what: &str) -> ErrorMessage {
    ErrorMessage::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
        format!("The {what} was changed meanwhile: If-Match is not the current version."),
    )
}

/// `AccountId`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountId {
    pub id: String,
}

/// `B2BGet`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct B2bGet {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_registration_id: Option<String>,
}

/// `Customer`: the profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDto {
    pub id: String,
    pub customer_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_site: Option<String>,
    pub accounts: Vec<AccountId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "B2C")]
    pub business_model: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b2b: Option<B2bGet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mixins: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login: Option<String>,
    /// With `expand=addresses`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<EmporixAddress>>,
    /// With `expand=addresses`: the preferred address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_address: Option<EmporixAddress>,
}

pub(super) fn customer_dto(account: &OwnAccount, expand_addresses: bool) -> CustomerDto {
    profile_dto(
        &account.customer,
        Some(&account.user),
        &account.addresses,
        expand_addresses,
    )
}

/// A customer's profile through one of its users (none: a company without users yet).
pub(super) fn profile_dto(
    c: &clientele_domain::customers::Customer,
    u: Option<&clientele_domain::users::User>,
    addresses: &[clientele_domain::addresses::Address],
    expand_addresses: bool,
) -> CustomerDto {
    let p = u.map(|u| &u.person);
    let company = match &c.kind {
        CustomerKind::Business(company) => Some(company),
        CustomerKind::Private => None,
    };
    CustomerDto {
        id: c.public_id.to_string(),
        customer_number: c.number.as_str().to_owned(),
        title: p.and_then(|p| p.title.clone()),
        first_name: p.and_then(|p| p.first_name.clone()),
        last_name: p.and_then(|p| p.last_name.clone()),
        contact_email: u.map(|u| u.email.as_str().to_owned()),
        contact_phone: p.and_then(|p| p.phone_home.clone()),
        company: company.map(|co| co.name.clone()),
        preferred_language: p.and_then(|p| p.preferred_language.as_ref().map(|l| l.as_str().to_owned())),
        preferred_currency: p.and_then(|p| p.preferred_currency.as_ref().map(|l| l.as_str().to_owned())),
        preferred_site: None,
        accounts: u
            .map(|u| AccountId {
                id: u.login.as_str().to_owned(),
            })
            .into_iter()
            .collect(),
        business_model: Some(if company.is_some() { "B2B" } else { "B2C" }),
        b2b: company.map(|co| B2bGet {
            company_registration_id: co.tax_id.clone(),
        }),
        mixins: Some(c.custom.clone()),
        metadata: Some(Metadata {
            version: Some(c.version),
            mixins: Map::new(),
        }),
        last_login: u
            .and_then(|u| u.last_login_at)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        addresses: expand_addresses.then(|| addresses.iter().map(address_dto).collect()),
        default_address: expand_addresses
            .then(|| {
                addresses
                    .iter()
                    .find(|a| super::addresses::is_default(&a.data.usage))
                    .map(address_dto)
            })
            .flatten(),
    }
}

/// The profile of an anonymous session, as the reference shows it.
fn anonymous() -> CustomerDto {
    CustomerDto {
        id: "00000000".into(),
        customer_number: "00000000".into(),
        title: None,
        first_name: Some("Anonymous".into()),
        last_name: Some("Anonymous".into()),
        contact_email: None,
        contact_phone: None,
        company: None,
        preferred_language: None,
        preferred_currency: None,
        preferred_site: Some("default".into()),
        accounts: vec![],
        business_model: None,
        b2b: None,
        mixins: None,
        metadata: None,
        last_login: None,
        addresses: None,
        default_address: None,
    }
}

/// `?expand=addresses`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpandQuery {
    /// `addresses` adds `addresses` and `defaultAddress`; `mixin:*` is accepted (mixins are always shown).
    pub expand: Option<String>,
}

/// The logged-in customer's profile; an anonymous token gets the anonymous profile.
#[utoipa::path(get, path = "/customer/{tenant}/me", tag = "profile",
    params(("tenant" = String, Path, description = "Tenant name"), ExpandQuery),
    responses((status = 200, description = "The profile; `ETag` and `metadata.version` carry its version", body = CustomerDto),
              (status = 401, description = "No valid access token")),
    security(("CustomerAccessToken" = []), ("AnonymousAccessToken" = [])))]
pub async fn get(req: HttpRequest, query: web::Query<ExpandQuery>, state: web::Data<AppState>) -> HttpResponse {
    let expand = query
        .expand
        .as_deref()
        .is_some_and(|e| e.split(',').any(|p| p.trim() == "addresses"));
    match session_account(&req, &state).await {
        Ok((None, _)) => HttpResponse::Ok().json(anonymous()),
        Ok((Some(_), Some(account))) => {
            tagged(HttpResponse::Ok(), account.customer.version).json(customer_dto(&account, expand))
        }
        Ok((Some(_), None)) => invalid_token(),
        Err(res) => res,
    }
}

/// The editable part of the profile, what a patch is merged into (`CustomerPatchDto`).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerPatchDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Cannot be unset once a value is present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    /// The company name (business customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b2b: Option<B2bPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mixins: Option<Map<String, Value>>,
}

/// `B2BCreate`.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct B2bPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_registration_id: Option<String>,
}

pub(super) fn editable(account: &OwnAccount) -> CustomerPatchDto {
    let dto = customer_dto(account, false);
    CustomerPatchDto {
        title: dto.title,
        first_name: dto.first_name,
        last_name: dto.last_name,
        contact_email: dto.contact_email,
        contact_phone: dto.contact_phone,
        company: dto.company,
        preferred_language: dto.preferred_language,
        preferred_currency: dto.preferred_currency,
        b2b: dto.b2b.map(|b| B2bPatch {
            company_registration_id: b.company_registration_id,
        }),
        mixins: dto.mixins,
    }
}

/// Updates the profile: the body is merged into the editable fields (RFC 7396 for
/// `application/merge-patch+json`, and the same for plain JSON). Read-only fields
/// (`id`, `customerNumber`, `accounts`, `businessModel`, …) are ignored.
#[utoipa::path(patch, path = "/customer/{tenant}/me", tag = "profile",
    params(("tenant" = String, Path, description = "Tenant name"),
           ("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed profile answers 412")),
    request_body(content = CustomerPatchDto, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated profile", body = CustomerDto),
              (status = 400, description = "Invalid input", body = ErrorMessage),
              (status = 401, description = "No valid customer access token"),
              (status = 409, description = "`metadata.version` is not the stored version", body = ErrorMessage),
              (status = 412, description = "`If-Match` is not the stored version", body = ErrorMessage)),
    security(("CustomerAccessToken" = [])))]
pub async fn patch(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let (who, _) = match customer_account(&req, &state).await {
        Ok(ok) => ok,
        Err(res) => return res,
    };
    let run = async {
        let patch: Value = body::json(&req, payload, state.limits.max_body_bytes).await?;
        let versioned = Versioned::of(&req, &patch)?;
        let edit = |current: &OwnAccount| -> Result<ProfileChange, Wrapped> {
            let mut doc = serde_json::to_value(editable(current)).unwrap_or_default();
            merge_patch(&mut doc, &patch);
            let dto: CustomerPatchDto = body::from_value(doc).map_err(|p| Wrapped::Dialect(p.into()))?;
            parse_profile(dto, current).map_err(Wrapped::Dialect)
        };
        let updated = state
            .services
            .profile
            .update_profile(&who, versioned.expected, edit)
            .await
            .map_err(|e| match e {
                Wrapped::Dialect(m) => m,
                Wrapped::Profile(ProfileError::Stale) => versioned.stale("customer"),
                Wrapped::Profile(ProfileError::NotFound | ProfileError::LastAdministrator) => {
                    ErrorMessage::new(StatusCode::NOT_FOUND, "resource_not_found", "Customer not found.")
                }
                Wrapped::Profile(ProfileError::Store(e)) => super::auth::internal_message(e),
            })?;
        Ok::<_, ErrorMessage>(tagged(HttpResponse::Ok(), updated.customer.version).json(customer_dto(&updated, false)))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

pub(super) enum Wrapped {
    Dialect(ErrorMessage),
    Profile(ProfileError),
}

impl From<ProfileError> for Wrapped {
    fn from(e: ProfileError) -> Self {
        Self::Profile(e)
    }
}

pub(super) fn parse_profile(dto: CustomerPatchDto, current: &OwnAccount) -> Result<ProfileChange, ErrorMessage> {
    let text = |field: &str, v: Option<String>| {
        optional_text(v.as_deref(), TextLimit::SHORT).map_err(|e| ErrorMessage::field(field, e))
    };
    let email = Email::parse(dto.contact_email.as_deref().unwrap_or_default())
        .map_err(|e| ErrorMessage::field("contactEmail", e))?;
    let person = PersonData {
        title: text("title", dto.title)?,
        first_name: text("firstName", dto.first_name)?,
        last_name: text("lastName", dto.last_name)?,
        phone_home: text("contactPhone", dto.contact_phone)?,
        preferred_language: dto
            .preferred_language
            .filter(|s| !s.trim().is_empty())
            .map(|s| LanguageTag::parse(&s).map_err(|e| ErrorMessage::field("preferredLanguage", e)))
            .transpose()?,
        preferred_currency: dto
            .preferred_currency
            .filter(|s| !s.trim().is_empty())
            .map(|s| CurrencyCode::parse(&s).map_err(|e| ErrorMessage::field("preferredCurrency", e)))
            .transpose()?,
        ..current.user.person.clone()
    };
    let company = match &current.customer.kind {
        CustomerKind::Private => None,
        CustomerKind::Business(was) => Some(Company {
            name: required_text(dto.company.as_deref().unwrap_or_default(), TextLimit::SHORT)
                .map_err(|e| ErrorMessage::field("company", e))?,
            tax_id: text(
                "b2b.companyRegistrationId",
                dto.b2b.and_then(|b| b.company_registration_id),
            )?,
            ..was.clone()
        }),
    };
    let custom = dto.mixins.unwrap_or_default();
    check_mixins("mixins", &custom)?;
    Ok(ProfileChange {
        person,
        email,
        company,
        custom,
        preferred_invoice: None,
        preferred_shipping: None,
    })
}

/// Client-defined `mixins`, within the domain's bounds for custom data.
pub(super) fn check_mixins(field: &str, mixins: &Map<String, Value>) -> Result<(), ErrorMessage> {
    check_custom(mixins).map_err(|e| ErrorMessage::field(field, e))
}

/// Deletes the customer's account: every token of it ends, its personal data and
/// addresses are removed, and the deletion is recorded.
#[utoipa::path(delete, path = "/customer/{tenant}/me", tag = "profile",
    params(("tenant" = String, Path, description = "Tenant name")),
    responses((status = 204, description = "Customer profile deletion request was successful"),
              (status = 401, description = "No valid customer access token")),
    security(("CustomerAccessToken" = [])))]
pub async fn delete(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (who, _) = match customer_account(&req, &state).await {
        Ok(ok) => ok,
        Err(res) => return res,
    };
    match state
        .services
        .profile
        .delete_account(
            &who,
            crate::api_auth::actor(&req, || format!("customer:{}", who.user.get())),
        )
        .await
    {
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(ProfileError::LastAdministrator) => ErrorMessage::new(
            StatusCode::CONFLICT,
            "conflict",
            "The company's last account administrator cannot be deleted while it has other users.",
        )
        .into_response(),
        Err(ProfileError::NotFound | ProfileError::Stale) => invalid_token(),
        Err(ProfileError::Store(e)) => internal(e),
    }
}
