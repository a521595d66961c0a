//! Emporix customer import (`POST customers/import`, 207 with a result per index) and the
//! password-migration retention (`GET`/`POST`/`DELETE config/password-migration-retention`).
//! Import needs `customer.import_manage`; reading the retention `customer.import_read`.

use std::collections::BTreeMap;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use clientele_domain::administration::{ImportItem, Imported, ImportedPassword};
use clientele_domain::api_clients::scope;
use clientele_domain::batch::Answers;
use clientele_domain::identity::{LegacyAlgorithm, LegacyHash, PasswordMigration};
use clientele_domain::values::{CustomerNumber, Email, Login, PasswordHash};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::addresses::EmporixAddress;
use super::admin::{admin_error, bad_param};
use super::errors::ErrorMessage;
use super::signup::CustomerDetails;
use crate::{body, AppState};

/// Most customers one import call takes.
pub const MAX_IMPORT: usize = 200;

/// `CustomerImportDto`: a customer, its account and (clientele's addition) addresses.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerImportDto {
    /// The customer number; when missing, the customer of `account.email`, else a new one.
    pub id: Option<String>,
    /// Must match `account.email` (ignoring case) when given.
    pub contact_email: Option<String>,
    pub account: Option<ImportAccountDto>,
    #[serde(flatten)]
    pub details: CustomerDetails,
    /// The customer's addresses (replacing those it had).
    pub addresses: Option<Vec<EmporixAddress>>,
}

/// `CustomerImportAccountDto`: the login and exactly one of `passwordHash`, `legacyAuth`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportAccountDto {
    pub email: Option<String>,
    /// An argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), stored as is.
    pub password_hash: Option<String>,
    pub legacy_auth: Option<LegacyAuthDto>,
}

/// `LegacyAuth`: see docs/legacy-passwords.md.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LegacyAuthDto {
    #[schema(example = "bcrypt")]
    pub algorithm: Option<String>,
    pub hash: Option<String>,
    #[serde(default)]
    pub context: BTreeMap<String, String>,
}

/// `CustomerBulkItemResponse`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerBulkItemResponse {
    pub index: usize,
    pub code: u16,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<BulkDetail>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkDetail {
    pub message: String,
}

fn failed(index: usize, e: ErrorMessage) -> CustomerBulkItemResponse {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let details: Vec<BulkDetail> = e
        .details
        .into_iter()
        .map(|d| BulkDetail {
            message: if d.field.is_empty() {
                d.message
            } else {
                format!("{}: {}", d.field, d.message)
            },
        })
        .collect();
    CustomerBulkItemResponse {
        index,
        code: status.as_u16(),
        status: status.canonical_reason().unwrap_or_default().to_owned(),
        id: None,
        message: Some(details.first().map_or(e.message, |d| d.message.clone())),
        details,
    }
}

/// Parses one import item; the error is the item's result.
pub fn parse_item(value: Value) -> Result<ImportItem, ErrorMessage> {
    let dto: CustomerImportDto = body::from_value(value).map_err(ErrorMessage::from)?;
    let account = dto
        .account
        .ok_or_else(|| bad_param("account", "account is required."))?;
    let email = Email::parse(account.email.as_deref().unwrap_or_default())
        .map_err(|e| ErrorMessage::field("account.email", e))?;
    if let Some(contact) = dto.contact_email.as_deref().filter(|s| !s.trim().is_empty()) {
        if !contact.trim().eq_ignore_ascii_case(email.as_str()) {
            return Err(bad_param("contactEmail", "contactEmail must match account.email."));
        }
    }
    let password = match (account.password_hash, account.legacy_auth) {
        (Some(h), None) if !h.trim().is_empty() => ImportedPassword::Hash(PasswordHash::from_phc(h.trim().to_owned())),
        (None, Some(l)) => {
            let name = l.algorithm.unwrap_or_default();
            let algorithm = LegacyAlgorithm::parse(&name).ok_or_else(|| {
                let known: Vec<&str> = LegacyAlgorithm::ALL.iter().map(|a| a.name()).collect();
                bad_param(
                    "account.legacyAuth.algorithm",
                    format!("'{name}' is not supported; use one of {}.", known.join(", ")),
                )
            })?;
            let hash = l
                .hash
                .filter(|h| !h.is_empty())
                .ok_or_else(|| bad_param("account.legacyAuth.hash", "hash is required."))?;
            ImportedPassword::Legacy(LegacyHash {
                algorithm,
                hash,
                context: l.context,
            })
        }
        _ => {
            return Err(bad_param(
                "account",
                "Exactly one of 'passwordHash' or 'legacyAuth' must be provided in the account",
            ))
        }
    };
    let number = dto
        .id
        .filter(|s| !s.trim().is_empty())
        .map(|id| CustomerNumber::parse(&id).map_err(|e| ErrorMessage::field("id", e)))
        .transpose()?;
    let (person, kind, custom) = super::signup::parse_details(dto.details, "")?;
    let addresses = parse_addresses(dto.addresses)?;
    Ok(ImportItem {
        number,
        kind,
        login: Login::from_email(&email),
        email,
        person,
        custom,
        password,
        addresses,
        active: None,
        on_hold: None,
        settings: None,
    })
}

/// Emporix addresses of a whole customer; `None` when the body has none.
pub fn parse_addresses(
    list: Option<Vec<EmporixAddress>>,
) -> Result<Option<Vec<clientele_domain::addresses::AddressData>>, ErrorMessage> {
    list.map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, a)| super::addresses::parse_address(a, &format!("addresses[{i}].")))
            .collect()
    })
    .transpose()
}

/// Imports up to 200 customers; each is validated and written on its own (customer,
/// account and addresses together or not at all) and has its result at its index.
/// Customers upsert by `id` (or by `account.email` without one): 201 created, 200
/// updated.
#[utoipa::path(post, path = "/customer/{tenant}/customers/import", tag = "admin customers",
    params(("tenant" = String, Path)), request_body = [CustomerImportDto],
    responses((status = 207, description = "One result per item, at its index", body = [CustomerBulkItemResponse]),
              (status = 400, description = "Not an array, or more than 200 items", body = ErrorMessage),
              (status = 401, body = ErrorMessage), (status = 403, body = ErrorMessage)),
    security(("OAuth2" = ["customer.import_manage"])))]
pub async fn import(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = super::admin::client(&req, &state, scope::IMPORT_MANAGE).await?;
        let items: Vec<Value> = body::json(&req, payload, state.limits.max_body_bytes.max(8 * 1024 * 1024)).await?;
        if items.len() > MAX_IMPORT {
            return Err(bad_param(
                "body",
                format!("At most {MAX_IMPORT} customers per call, not {}.", items.len()),
            ));
        }
        let mut results = Answers::with_capacity(items.len());
        let mut parsed = Vec::new();
        for (index, value) in items.into_iter().enumerate() {
            match parse_item(value) {
                Ok(item) => parsed.push((results.later(), item)),
                Err(e) => results.now(failed(index, e)),
            }
        }
        let (indexes, items): (Vec<usize>, Vec<ImportItem>) = parsed.into_iter().unzip();
        let outcomes = state.services.admin.import(&tenant, items).await;
        let answers: Vec<CustomerBulkItemResponse> = indexes
            .iter()
            .zip(outcomes)
            .map(|(&index, outcome)| match outcome {
                Ok(done) => imported(index, &done),
                Err(e) => failed(index, admin_error(e)),
            })
            .collect();
        results.fill(indexes, answers);
        Ok::<_, ErrorMessage>(HttpResponse::build(StatusCode::MULTI_STATUS).json(results.into_vec()))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// The result of an item that was stored: 201 when it created the customer, 200 when
/// it updated one.
fn imported(index: usize, done: &Imported) -> CustomerBulkItemResponse {
    let code = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    CustomerBulkItemResponse {
        index,
        code: code.as_u16(),
        status: code.canonical_reason().unwrap_or_default().to_owned(),
        id: Some(done.number.as_str().to_owned()),
        message: None,
        details: vec![],
    }
}

/// `PasswordMigrationRetentionConfigRequest`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRequest {
    /// After today.
    pub retention_end_date: Option<NaiveDate>,
    /// On or after today and before the end; default 7 days before the end (or tomorrow).
    pub email_reminder_date: Option<NaiveDate>,
    /// Default true.
    pub email_notifications_enabled: Option<bool>,
}

/// `PasswordMigrationRetentionConfigResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetentionResponse {
    pub retention_end_date: NaiveDate,
    pub email_reminder_date: NaiveDate,
    pub email_notifications_enabled: bool,
}

impl From<PasswordMigration> for RetentionResponse {
    fn from(m: PasswordMigration) -> Self {
        Self {
            retention_end_date: m.retention_end,
            email_reminder_date: m.reminder_date,
            email_notifications_enabled: m.notifications,
        }
    }
}

/// The tenant's password-migration retention.
#[utoipa::path(get, path = "/customer/{tenant}/config/password-migration-retention", tag = "admin customers",
    params(("tenant" = String, Path)),
    responses((status = 200, body = RetentionResponse), (status = 401, body = ErrorMessage),
              (status = 403, body = ErrorMessage), (status = 404, description = "None configured", body = ErrorMessage)),
    security(("OAuth2" = ["customer.import_read"])))]
pub async fn retention(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = super::admin::client(&req, &state, scope::IMPORT_READ).await?;
        let m = state
            .services
            .admin
            .password_migration(&tenant)
            .await
            .map_err(admin_error)?;
        Ok::<_, ErrorMessage>(HttpResponse::Ok().json(RetentionResponse::from(m)))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// Opens or changes the tenant's password-migration retention: until its end, imports
/// may carry `legacyAuth` and those customers log in with their old password.
#[utoipa::path(post, path = "/customer/{tenant}/config/password-migration-retention", tag = "admin customers",
    params(("tenant" = String, Path)), request_body = RetentionRequest,
    responses((status = 200, body = RetentionResponse), (status = 400, body = ErrorMessage),
              (status = 401, body = ErrorMessage), (status = 403, body = ErrorMessage)),
    security(("OAuth2" = ["customer.import_manage"])))]
pub async fn configure_retention(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = super::admin::client(&req, &state, scope::IMPORT_MANAGE).await?;
        let dto: RetentionRequest = body::json(&req, payload, state.limits.max_body_bytes).await?;
        let end = dto
            .retention_end_date
            .ok_or_else(|| ErrorMessage::field("retentionEndDate", clientele_domain::values::ValueError::Missing))?;
        let m = state
            .services
            .admin
            .configure_password_migration(&tenant, end, dto.email_reminder_date, dto.email_notifications_enabled)
            .await
            .map_err(admin_error)?;
        Ok::<_, ErrorMessage>(HttpResponse::Ok().json(RetentionResponse::from(m)))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// Ends the retention at once: every imported legacy hash of the tenant is dropped and
/// those customers must reset their password.
#[utoipa::path(delete, path = "/customer/{tenant}/config/password-migration-retention", tag = "admin customers",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Ended"), (status = 401, body = ErrorMessage), (status = 403, body = ErrorMessage)),
    security(("OAuth2" = ["customer.import_manage"])))]
pub async fn end_retention(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = super::admin::client(&req, &state, scope::IMPORT_MANAGE).await?;
        state
            .services
            .admin
            .end_password_migration(&tenant)
            .await
            .map_err(admin_error)?;
        Ok::<_, ErrorMessage>(HttpResponse::NoContent().finish())
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}
