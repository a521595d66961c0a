//! `customerAccounts/{accountId}/addresses` and `…/bankData`: the same five routes for
//! both, as WEBSALE documents them. Addresses are the address book every dialect
//! shares; bank data is sealed before it is stored.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::addresses::{AddressError, Book, OnDuplicate};
use clientele_domain::bank_accounts::BankError;
use clientele_domain::ids::{AddressId, CustomerId};
use clientele_domain::tenants::Tenant;
use serde_json::{json, Map, Value};

use super::dto;
use super::{authorized, object_body, path_id, success, WsError};
use crate::AppState;

/// Which of the two collections a path names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Addresses,
    Bank,
}

fn kind(req: &HttpRequest) -> Kind {
    if req.path().contains("/bankData") {
        Kind::Bank
    } else {
        Kind::Addresses
    }
}

/// The live account of the path, or the documented 404.
async fn account(state: &AppState, tenant: &Tenant, req: &HttpRequest) -> Result<CustomerId, WsError> {
    let id = path_id(req, "accountId")?;
    state
        .services
        .accounts
        .live(tenant, CustomerId::new(id))
        .await
        .map(|v| v.customer.id)
        .map_err(|_| {
            WsError::new(
                StatusCode::NOT_FOUND,
                "notFound",
                format!("The account with id={id} was not found."),
            )
        })
}

fn not_found(kind: Kind) -> WsError {
    WsError::not_found(match kind {
        Kind::Addresses => "The address",
        Kind::Bank => "The bank data",
    })
}

fn other_account(account: CustomerId) -> WsError {
    WsError::new(
        StatusCode::CONFLICT,
        "conflict",
        format!("{account} and the ID of the account the record belongs to do not match."),
    )
}

fn address_error(e: AddressError) -> WsError {
    match e {
        AddressError::NotFound => not_found(Kind::Addresses),
        AddressError::Invalid { field, why } => {
            let field = match field {
                clientele_domain::addresses::AddressField::PostalCode => "zip",
                clientele_domain::addresses::AddressField::Tags => "labels",
            };
            WsError::field("invalidValue", field, format!("{field} {why}"))
        }
        AddressError::TooMany(_) | AddressError::LastAddress | AddressError::Stale => {
            WsError::new(StatusCode::CONFLICT, "conflict", e.to_string())
        }
        AddressError::NoUsage | AddressError::InconsistentUsage => {
            WsError::field("invalidValue", "addressType", e.to_string())
        }
        AddressError::Store(e) => clientele_domain::administration::AdminError::Store(e).into(),
    }
}

fn bank_error(e: BankError, account: CustomerId) -> WsError {
    match e {
        BankError::NotFound => not_found(Kind::Bank),
        BankError::OtherOwner => other_account(account),
        BankError::Undecryptable(reason) => {
            tracing::error!(%reason, "bank data cannot be read");
            WsError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internalError",
                "The bank data cannot be read.",
            )
        }
        BankError::Store(e) => clientele_domain::administration::AdminError::Store(e).into(),
    }
}

/// The address of the account with the path's id (409 when another account has it).
async fn address_of(
    state: &AppState,
    tenant: &Tenant,
    account: CustomerId,
    id: i64,
) -> Result<clientele_domain::addresses::Address, WsError> {
    let book = Book {
        tenant: tenant.id,
        customer: account,
    };
    let found = state
        .services
        .addresses
        .list(book)
        .await
        .map_err(address_error)?
        .into_iter()
        .find(|a| a.id.get() == id);
    match found {
        Some(a) => Ok(a),
        None => match state
            .services
            .accounts
            .accounts
            .address_owner(tenant.id, AddressId::new(id))
            .await
        {
            Ok(Some(_)) => Err(other_account(account)),
            Ok(None) => Err(not_found(Kind::Addresses)),
            Err(e) => Err(clientele_domain::administration::AdminError::Store(e).into()),
        },
    }
}

/// `GET …/addresses` and `GET …/bankData`: `{items}` with `updatedAt`.
#[utoipa::path(get, path = "/admin/api/v1/customerAccounts/{accountId}/{kind}", tag = "addresses and bankData", params(("accountId" = i64, Path), ("kind" = String, Path, description = "addresses or bankData")),
    responses((status = 200, description = "{items} with updatedAt", body = Object), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Account not found")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let account = account(&state, &tenant, &req).await?;
    let items: Vec<Value> = match kind(&req) {
        Kind::Addresses => state
            .services
            .addresses
            .list(Book {
                tenant: tenant.id,
                customer: account,
            })
            .await
            .map_err(address_error)?
            .iter()
            .map(|a| dto::address(a, true))
            .collect(),
        Kind::Bank => state
            .services
            .accounts
            .bank
            .of_customers(&tenant, &[account])
            .await
            .map_err(|e| bank_error(e.into(), account))?
            .remove(&account)
            .unwrap_or_default()
            .iter()
            .map(|b| dto::bank(b, true))
            .collect(),
    };
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// `GET …/addresses/{id}` and `GET …/bankData/{id}`.
#[utoipa::path(get, path = "/admin/api/v1/customerAccounts/{accountId}/{kind}/{id}", tag = "addresses and bankData", params(("accountId" = i64, Path), ("kind" = String, Path, description = "addresses or bankData"), ("id" = i64, Path)),
    responses((status = 200, description = "The address or bank data", body = Object), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found"), (status = 409, description = "Belongs to another account")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let account = account(&state, &tenant, &req).await?;
    let id = path_id(&req, "id")?;
    let body = match kind(&req) {
        Kind::Addresses => dto::address(&address_of(&state, &tenant, account, id).await?, false),
        Kind::Bank => dto::bank(
            &state
                .services
                .accounts
                .bank
                .get(&tenant, account, id)
                .await
                .map_err(|e| bank_error(e, account))?,
            false,
        ),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// Adds an address or bank data from a body (also for bulk lines); returns its JSON.
pub(super) async fn add(
    state: &AppState,
    tenant: &Tenant,
    account: CustomerId,
    bank: bool,
    body: &Map<String, Value>,
) -> Result<Value, WsError> {
    if bank {
        let data = dto::apply_bank(body, None)?;
        let added = state
            .services
            .accounts
            .bank
            .add(tenant, account, &data)
            .await
            .map_err(|e| bank_error(e, account))?;
        return Ok(dto::bank(&added, false));
    }
    let data = dto::apply_address(body, None)?;
    let created = state
        .services
        .addresses
        .create(
            Book {
                tenant: tenant.id,
                customer: account,
            },
            data,
            OnDuplicate::Create,
        )
        .await
        .map_err(address_error)?;
    Ok(dto::address(&created.address, false))
}

/// Changes the given fields of an address or bank data (also for bulk lines).
pub(super) async fn change(
    state: &AppState,
    tenant: &Tenant,
    account: CustomerId,
    bank: bool,
    id: i64,
    body: &Map<String, Value>,
) -> Result<Value, WsError> {
    if bank {
        let accounts = &state.services.accounts;
        let current = accounts
            .bank
            .get(tenant, account, id)
            .await
            .map_err(|e| bank_error(e, account))?;
        let data = dto::apply_bank(body, Some(&current.data))?;
        let changed = accounts
            .bank
            .replace(tenant, account, id, &data)
            .await
            .map_err(|e| bank_error(e, account))?;
        return Ok(dto::bank(&changed, false));
    }
    let current = address_of(state, tenant, account, id).await?;
    // Check the body before taking the book's turn, so its errors are WEBSALE's.
    dto::apply_address(body, Some(&current.data))?;
    let updated = state
        .services
        .addresses
        .update(
            Book {
                tenant: tenant.id,
                customer: account,
            },
            current.public_id.as_str(),
            None,
            |stored| dto::apply_address(body, Some(&stored.data)).map_err(|_| AddressError::NotFound),
        )
        .await
        .map_err(address_error)?;
    Ok(dto::address(&updated, false))
}

/// `POST …/addresses` and `POST …/bankData`.
#[utoipa::path(post, path = "/admin/api/v1/customerAccounts/{accountId}/{kind}", tag = "addresses and bankData", params(("accountId" = i64, Path), ("kind" = String, Path, description = "addresses or bankData")), request_body(content = Object),
    responses((status = 200, description = "Created", body = Object), (status = 400, description = "unknownDataField, invalidFormat, invalidValue (IBAN, BIC, country), missing"), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Account not found")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let account = account(&state, &tenant, &req).await?;
    let body = object_body(&state, &req, payload).await?;
    let out = add(&state, &tenant, account, kind(&req) == Kind::Bank, &body).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// `PUT …/addresses/{id}` and `PUT …/bankData/{id}`: only the fields given change.
#[utoipa::path(put, path = "/admin/api/v1/customerAccounts/{accountId}/{kind}/{id}", tag = "addresses and bankData", params(("accountId" = i64, Path), ("kind" = String, Path, description = "addresses or bankData"), ("id" = i64, Path)), request_body(content = Object, description = "Only the fields given change"),
    responses((status = 200, description = "Changed", body = Object), (status = 400, description = "unknownDataField, invalidFormat, invalidValue"), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found"), (status = 409, description = "Belongs to another account")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let account = account(&state, &tenant, &req).await?;
    let id = path_id(&req, "id")?;
    let body = object_body(&state, &req, payload).await?;
    let out = change(&state, &tenant, account, kind(&req) == Kind::Bank, id, &body).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// `DELETE …/addresses/{id}` and `DELETE …/bankData/{id}`; registered for
/// `customerDataDeleted`.
#[utoipa::path(delete, path = "/admin/api/v1/customerAccounts/{accountId}/{kind}/{id}", tag = "addresses and bankData", params(("accountId" = i64, Path), ("kind" = String, Path, description = "addresses or bankData"), ("id" = i64, Path)),
    responses((status = 200, description = "{success: true}", body = Object), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found"), (status = 409, description = "Belongs to another account")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn delete(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let account = account(&state, &tenant, &req).await?;
    let id = path_id(&req, "id")?;
    match kind(&req) {
        Kind::Addresses => {
            let address = address_of(&state, &tenant, account, id).await?;
            state
                .services
                .addresses
                .delete(
                    Book {
                        tenant: tenant.id,
                        customer: account,
                    },
                    address.public_id.as_str(),
                    None,
                    false,
                )
                .await
                .map_err(address_error)?;
        }
        Kind::Bank => state
            .services
            .accounts
            .bank
            .delete(&tenant, account, id)
            .await
            .map_err(|e| bank_error(e, account))?,
    }
    Ok(success(Map::new()))
}
