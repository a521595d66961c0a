//! `customerAccounts`: list, read, create, update, delete, the deletion register, and
//! the invitation, password-reset and login links.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::accounts::{
    AccountEdit, AccountFilter, AccountQuery, AccountSettings, AccountSort, DeletedFilter, DeletedKind, DeletedQuery,
    DeletedSort, CHANGED_BY_ADMIN,
};
use clientele_domain::administration::{ImportItem, ImportedPassword};
use clientele_domain::customers::CustomerKind;
use clientele_domain::ids::{AddressId, CustomerId};
use clientele_domain::users::PersonData;
use clientele_domain::values::{CustomerNumber, Email, Login, Password, PasswordPolicy};
use serde_json::{json, Map, Value};

use super::dto::{self, Fields};
use super::query::{self, bool_value, int_value, time_value, ListParams};
use super::{authorized, object_body, path_id, success, WsError};
use crate::AppState;

const FILTERS: &[&str] = &[
    "id",
    "customerNumber",
    "loginBlocked",
    "deleted",
    "createdAt",
    "updatedAt",
];
const SORTS: &[&str] = &[
    "id",
    "customerNumber",
    "loginBlockedAt",
    "deletedAt",
    "createdAt",
    "updatedAt",
];

fn account_query(p: &ListParams) -> Result<AccountQuery, WsError> {
    let mut filters = Vec::new();
    for t in &p.filters {
        filters.push(match t.field.as_str() {
            "id" => AccountFilter::Id(t.op, int_value(t)?),
            "customerNumber" => AccountFilter::Number(t.op, t.value.clone()),
            "loginBlocked" => AccountFilter::Blocked(bool_value(t)?),
            "deleted" => AccountFilter::Deleted(bool_value(t)?),
            "createdAt" => AccountFilter::CreatedAt(t.op, time_value(t)?),
            _ => AccountFilter::UpdatedAt(t.op, time_value(t)?),
        });
    }
    let (sort, descending) = match &p.sort {
        None => (AccountSort::Id, false),
        Some((field, desc)) => (
            match field.as_str() {
                "customerNumber" => AccountSort::Number,
                "loginBlockedAt" => AccountSort::BlockedAt,
                "deletedAt" => AccountSort::DeletedAt,
                "createdAt" => AccountSort::CreatedAt,
                "updatedAt" => AccountSort::UpdatedAt,
                _ => AccountSort::Id,
            },
            *desc,
        ),
    };
    Ok(AccountQuery {
        filters,
        sort,
        descending,
        after: p.after.clone(),
        limit: p.size,
    })
}

/// A list page: `items`, `nextPageToken` (empty on the last page), `totalCount`,
/// `endReached`.
fn page_body<T>(
    state: &AppState,
    p: &ListParams,
    page: clientele_domain::accounts::Page<T>,
    item: impl Fn(&T) -> Value,
) -> HttpResponse {
    let token = page
        .next
        .as_ref()
        .map(|after| p.token(after, &state.websale.page_token_key))
        .unwrap_or_default();
    HttpResponse::Ok().json(json!({
        "endReached": page.end_reached,
        "items": page.items.iter().map(item).collect::<Vec<_>>(),
        "nextPageToken": token,
        "totalCount": page.total,
    }))
}

/// `GET customerAccounts`.
#[utoipa::path(get, path = "/admin/api/v1/customerAccounts", tag = "customerAccounts", params(("size" = Option<u32>, Query, description = "1 to 300 (default 100)"), ("sort" = Option<String>, Query, description = "field:asc|desc"), ("filter" = Option<String>, Query, description = "field:eq|lt|lte|gt|gte:value, repeatable"), ("pageToken" = Option<String>, Query, description = "nextPageToken of the previous page")),
    responses((status = 200, description = "{endReached, items, nextPageToken, totalCount}", body = Object), (status = 400, description = "invalidValue, invalidCharacters, unknownDataField, unknownOperation, syntaxError"), (status = 401, description = "No API client, or it lacks the scope")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let p = query::parse(
        req.query_string(),
        "customerAccounts",
        FILTERS,
        SORTS,
        &state.websale.page_token_key,
    )?;
    let page = state.services.accounts.list(&tenant, account_query(&p)?).await?;
    let now = chrono::Utc::now();
    Ok(page_body(&state, &p, page, |v| dto::account(v, now, true)))
}

/// `GET customerAccounts/{accountId}`.
#[utoipa::path(get, path = "/admin/api/v1/customerAccounts/{accountId}", tag = "customerAccounts", params(("accountId" = i64, Path)),
    responses((status = 200, description = "The account with addresses and bankData", body = Object), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let id = path_id(&req, "accountId")?;
    let view = state
        .services
        .accounts
        .get(&tenant, CustomerId::new(id))
        .await
        .map_err(|e| not_found_account(e.into(), id))?;
    Ok(HttpResponse::Ok().json(dto::account(&view, chrono::Utc::now(), true)))
}

fn not_found_account(e: WsError, id: i64) -> WsError {
    if e.status == StatusCode::NOT_FOUND {
        WsError::new(
            StatusCode::NOT_FOUND,
            "notFound",
            format!("The account with id={id} was not found."),
        )
    } else {
        e
    }
}

/// The account fields of a create or update body.
struct AccountInput {
    number: Option<CustomerNumber>,
    email: Option<Email>,
    password: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    display_name: Option<String>,
    phone: Option<String>,
    all_subshops: Option<bool>,
    subshops: Option<Vec<String>>,
    main_subshop: Option<String>,
    reset_required: Option<bool>,
    main_address: Option<i64>,
    bill_address: Option<i64>,
    delivery_address: Option<i64>,
}

/// Fields `PUT customerAccounts/{id}` writes.
const UPDATE_FIELDS: &[&str] = &[
    "customerNumber",
    "email",
    "phone",
    "mainAddress",
    "lastUsedBillAddressId",
    "lastUsedDeliveryAddressId",
    "passwordResetRequired",
    "allSubshopsAllowed",
    "allowedSubshopIds",
    "displayName",
    "mainSubshop",
];

/// What a create may carry besides: the id, the password, and (bulk lines) names.
const CREATE_FIELDS: &[&str] = &["accountId", "password"];
const BULK_FIELDS: &[&str] = &["firstName", "lastName"];

/// Reads an account body; `extra` are the fields allowed besides [`UPDATE_FIELDS`].
fn read_account(body: &Map<String, Value>, extra: &[&str]) -> Result<AccountInput, WsError> {
    let mut f = Fields::default();
    let allowed: Vec<&str> = UPDATE_FIELDS.iter().chain(extra).copied().collect();
    f.only(body, &allowed);
    let number = f.text(body, "customerNumber").and_then(|n| {
        if n.is_empty() {
            return None;
        }
        CustomerNumber::parse(&n)
            .map_err(|e| f.fail("customerNumber", "invalidValue", format!("customerNumber {e}")))
            .ok()
    });
    let email = f.text(body, "email").and_then(|e| {
        Email::parse(&e)
            .map_err(|_| f.fail("email", "invalidFormat", "The email address has an invalid format."))
            .ok()
    });
    if body.contains_key("accountId") {
        f.fail(
            "accountId",
            "invalidValue",
            "accountId cannot be chosen: clientele assigns account ids (see docs/compat.md).",
        );
    }
    let input = AccountInput {
        number,
        email,
        password: f.text(body, "password"),
        first_name: f.text(body, "firstName"),
        last_name: f.text(body, "lastName"),
        display_name: f.text(body, "displayName"),
        phone: f.text(body, "phone"),
        all_subshops: f.boolean(body, "allSubshopsAllowed"),
        subshops: f.strings(body, "allowedSubshopIds"),
        main_subshop: f.text(body, "mainSubshop"),
        reset_required: f.boolean(body, "passwordResetRequired"),
        main_address: f.integer(body, "mainAddress"),
        bill_address: f.integer(body, "lastUsedBillAddressId"),
        delivery_address: f.integer(body, "lastUsedDeliveryAddressId"),
    };
    f.finish()?;
    Ok(input)
}

impl AccountInput {
    /// `base` with the given settings changed.
    fn settings(&self, mut s: AccountSettings) -> AccountSettings {
        let some = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        let address = |v: i64| Some(AddressId::new(v)).filter(|_| v > 0);
        if self.display_name.is_some() {
            s.display_name = some(&self.display_name);
        }
        if self.phone.is_some() {
            s.phone = some(&self.phone);
        }
        if let Some(v) = self.all_subshops {
            s.subshops.all = v;
        }
        if let Some(v) = &self.subshops {
            s.subshops.allowed = v.clone();
        }
        if self.main_subshop.is_some() {
            s.subshops.main = some(&self.main_subshop);
        }
        if let Some(v) = self.reset_required {
            s.password_reset_required = v;
        }
        if let Some(v) = self.main_address {
            s.main_address = address(v);
        }
        if let Some(v) = self.bill_address {
            s.bill_address = address(v);
        }
        if let Some(v) = self.delivery_address {
            s.delivery_address = address(v);
        }
        s.changed_by = CHANGED_BY_ADMIN.into();
        s
    }

    /// The import item creating this account; a password is required unless `bulk`.
    fn new_account(self, policy: PasswordPolicy, bulk: bool) -> Result<ImportItem, WsError> {
        let mut f = Fields::default();
        if self.email.is_none() {
            f.fail("email", "missing", "email was not provided.");
        }
        if self.password.is_none() && !bulk {
            f.fail("password", "missing", "password was not provided.");
        }
        for (field, v) in [
            ("mainAddress", self.main_address),
            ("lastUsedBillAddressId", self.bill_address),
            ("lastUsedDeliveryAddressId", self.delivery_address),
        ] {
            if v.is_some_and(|v| v > 0) {
                f.fail(
                    field,
                    "invalidValue",
                    format!("{field}: a new account has no addresses yet."),
                );
            }
        }
        f.finish()?;
        let email = self.email.clone().expect("checked above");
        let password = match &self.password {
            None => ImportedPassword::None,
            Some(p) => ImportedPassword::Plain(
                Password::parse(p, policy, &[email.as_str()])
                    .map_err(|e| WsError::field("invalidValue", "password", format!("password {e}")))?,
            ),
        };
        Ok(ImportItem {
            number: self.number.clone(),
            kind: CustomerKind::Private,
            login: Login::from_email(&email),
            person: PersonData {
                first_name: self.first_name.clone().filter(|v| !v.is_empty()),
                last_name: self.last_name.clone().filter(|v| !v.is_empty()),
                ..Default::default()
            },
            email,
            custom: Map::new(),
            password,
            addresses: Some(vec![]),
            active: Some(true),
            on_hold: None,
            settings: Some(self.settings(AccountSettings::default())),
        })
    }
}

/// The import item a create body (`POST customerAccounts`, or a bulk line) describes.
pub(super) fn new_account(state: &AppState, body: &Map<String, Value>, bulk: bool) -> Result<ImportItem, WsError> {
    let extra: Vec<&str> = CREATE_FIELDS
        .iter()
        .chain(if bulk { BULK_FIELDS } else { &[] })
        .copied()
        .collect();
    read_account(body, &extra)?.new_account(state.limits.password_policy, bulk)
}

/// `POST customerAccounts`.
#[utoipa::path(post, path = "/admin/api/v1/customerAccounts", tag = "customerAccounts", request_body(content = Object, description = "email and password required; customerNumber, phone, displayName, passwordResetRequired, allSubshopsAllowed, allowedSubshopIds, mainSubshop"),
    responses((status = 200, description = "The account", body = Object), (status = 400, description = "missing, invalidFormat, invalidValue, unknownDataField"), (status = 401, description = "No API client, or it lacks the scope"), (status = 409, description = "Email or phone used by another account")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let body = object_body(&state, &req, payload).await?;
    let item = new_account(&state, &body, false)?;
    let view = state.services.accounts.create(&tenant, item).await?;
    Ok(HttpResponse::Ok().json(dto::account(&view, chrono::Utc::now(), false)))
}

/// Updates an account from a body (`PUT customerAccounts/{id}` and bulk lines).
pub(super) async fn update_account(
    state: &AppState,
    tenant: &clientele_domain::tenants::Tenant,
    id: i64,
    body: &Map<String, Value>,
    bulk: bool,
) -> Result<clientele_domain::accounts::AccountView, WsError> {
    let input = read_account(body, if bulk { BULK_FIELDS } else { &[] })?;
    let accounts = &state.services.accounts;
    let current = accounts
        .live(tenant, CustomerId::new(id))
        .await
        .map_err(|e| not_found_account(e.into(), id))?;
    let edit = AccountEdit {
        number: input.number.clone(),
        email: input.email.clone(),
        settings: input.settings(current.record.settings.clone()),
    };
    Ok(accounts.update(tenant, current.customer.id, edit).await?)
}

/// `PUT customerAccounts/{accountId}`.
#[utoipa::path(put, path = "/admin/api/v1/customerAccounts/{accountId}", tag = "customerAccounts", params(("accountId" = i64, Path)), request_body(content = Object, description = "Only the fields given change"),
    responses((status = 200, description = "The account", body = Object), (status = 400, description = "invalidFormat, invalidValue, unknownDataField"), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found"), (status = 409, description = "Taken; fieldName names the field")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let id = path_id(&req, "accountId")?;
    let body = object_body(&state, &req, payload).await?;
    let view = update_account(&state, &tenant, id, &body, false).await?;
    Ok(HttpResponse::Ok().json(dto::account(&view, chrono::Utc::now(), false)))
}

/// `DELETE customerAccounts/{accountId}`: erased as a storefront account deletion is.
#[utoipa::path(delete, path = "/admin/api/v1/customerAccounts/{accountId}", tag = "customerAccounts", params(("accountId" = i64, Path)),
    responses((status = 200, description = "{success: true}", body = Object), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn delete(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let id = path_id(&req, "accountId")?;
    state
        .services
        .accounts
        .delete(&tenant, CustomerId::new(id), crate::api_auth::actor(&req, String::new))
        .await
        .map_err(|e| not_found_account(e.into(), id))?;
    Ok(success(Map::new()))
}

/// Errors of `customerAccounts/deleted` are all `invalidParams`.
fn invalid_params(mut e: WsError) -> WsError {
    if e.status == StatusCode::BAD_REQUEST {
        e.error_type = "invalidParams";
        for v in e.field_errors.values_mut() {
            v["type"] = json!("invalidParams");
        }
    }
    e
}

fn deleted_query(p: &ListParams, kinds: Vec<DeletedKind>) -> Result<DeletedQuery, WsError> {
    let mut filters = Vec::new();
    for t in &p.filters {
        filters.push(match t.field.as_str() {
            "id" => DeletedFilter::Account(t.op, int_value(t)?),
            "type" => {
                if t.op != clientele_domain::administration::Compare::At {
                    return Err(WsError::field("unknownOperation", "filter", "type takes eq only."));
                }
                DeletedFilter::Kind(vec![match t.value.as_str() {
                    "0" => DeletedKind::Address,
                    "1" => DeletedKind::BankAccount,
                    _ => {
                        return Err(WsError::field(
                            "invalidValue",
                            "filter",
                            "type is 0 (address) or 1 (bank data).",
                        ))
                    }
                }])
            }
            _ => DeletedFilter::DeletedAt(t.op, time_value(t)?),
        });
    }
    let (sort, descending) = match &p.sort {
        None => (DeletedSort::DeletedAt, false),
        Some((field, desc)) => (
            match field.as_str() {
                "id" => DeletedSort::Account,
                "type" => DeletedSort::Kind,
                _ => DeletedSort::DeletedAt,
            },
            *desc,
        ),
    };
    Ok(DeletedQuery {
        kinds,
        filters,
        sort,
        descending,
        after: p.after.clone(),
        limit: p.size,
    })
}

/// `GET customerAccounts/deleted`: `{id, deletedAt}` of deleted accounts.
#[utoipa::path(get, path = "/admin/api/v1/customerAccounts/deleted", tag = "customerAccounts", params(("size" = Option<u32>, Query, description = "1 to 300 (default 100)"), ("sort" = Option<String>, Query, description = "field:asc|desc"), ("filter" = Option<String>, Query, description = "field:eq|lt|lte|gt|gte:value, repeatable"), ("pageToken" = Option<String>, Query, description = "nextPageToken of the previous page")),
    responses((status = 200, description = "{endReached, items: [{id, deletedAt}], nextPageToken, totalCount}", body = Object), (status = 400, description = "invalidParams"), (status = 401, description = "No API client, or it lacks the scope")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn deleted_accounts(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let p = query::parse(
        req.query_string(),
        "deletedAccounts",
        &["id", "deletedAt"],
        &["id", "deletedAt"],
        &state.websale.page_token_key,
    )
    .map_err(invalid_params)?;
    let q = deleted_query(&p, vec![DeletedKind::Account]).map_err(invalid_params)?;
    let page = state.services.accounts.deleted(&tenant, q).await?;
    Ok(page_body(
        &state,
        &p,
        page,
        |d| json!({ "id": d.account.get(), "deletedAt": dto::time(Some(d.deleted_at)) }),
    ))
}

/// `GET customerDataDeleted`: deleted addresses (`type` 0) and bank data (`type` 1).
#[utoipa::path(get, path = "/admin/api/v1/customerDataDeleted", tag = "customerAccounts", params(("size" = Option<u32>, Query, description = "1 to 300 (default 100)"), ("sort" = Option<String>, Query, description = "field:asc|desc"), ("filter" = Option<String>, Query, description = "field:eq|lt|lte|gt|gte:value, repeatable"), ("pageToken" = Option<String>, Query, description = "nextPageToken of the previous page")),
    responses((status = 200, description = "{endReached, items: [{deletedAt, id, type}], nextPageToken, totalCount}; type 0 address, 1 bank data", body = Object), (status = 400, description = "invalidValue, invalidCharacters, unknownDataField, unknownOperation, syntaxError"), (status = 401, description = "No API client, or it lacks the scope")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn deleted_data(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let p = query::parse(
        req.query_string(),
        "customerDataDeleted",
        &["id", "type", "deletedAt"],
        &["id", "type", "deletedAt"],
        &state.websale.page_token_key,
    )?;
    let q = deleted_query(&p, vec![DeletedKind::Address, DeletedKind::BankAccount])?;
    let page = state.services.accounts.deleted(&tenant, q).await?;
    Ok(page_body(&state, &p, page, |d| {
        json!({
            "deletedAt": dto::time(Some(d.deleted_at)),
            "id": d.account.get(),
            "type": if d.kind == DeletedKind::BankAccount { 1 } else { 0 },
        })
    }))
}

/// `POST customerAccounts/{accountId}/passwordReset`.
#[utoipa::path(post, path = "/admin/api/v1/customerAccounts/{accountId}/passwordReset", tag = "customerAccounts", params(("accountId" = i64, Path)),
    responses((status = 200, description = "{passwordLinkValidUntil, success}", body = Object), (status = 400, description = "missing e-mail"), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found"), (status = 409, description = "Sent within the last 24 hours")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn password_reset(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, client) = authorized(&state, &req).await?;
    let id = path_id(&req, "accountId")?;
    let until = state
        .services
        .accounts
        .send_reset(&tenant, CustomerId::new(id), Some(client.key))
        .await
        .map_err(|e| not_found_account(e.into(), id))?;
    let mut out = Map::new();
    out.insert("passwordLinkValidUntil".into(), json!(dto::time(Some(until))));
    Ok(success(out))
}

/// `POST customerAccounts/{accountId}/activate` (optional `stage`: `active` or `work`).
#[utoipa::path(post, path = "/admin/api/v1/customerAccounts/{accountId}/activate", tag = "customerAccounts", params(("accountId" = i64, Path), ("stage" = Option<String>, Query, description = "active or work")),
    responses((status = 200, description = "{invitationLinkValidUntil, success}", body = Object), (status = 400, description = "invalidValue, missing, e-mail not verified"), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found"), (status = 409, description = "Sent within the last 24 hours")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn activate(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, client) = authorized(&state, &req).await?;
    let id = path_id(&req, "accountId")?;
    let stage: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if let Some((_, s)) = stage.iter().find(|(k, _)| k == "stage") {
        if s != "active" && s != "work" {
            return Err(WsError::field(
                "invalidValue",
                "stage",
                "The stage is invalid (only active or work).",
            ));
        }
    }
    let until = state
        .services
        .accounts
        .send_invitation(&tenant, CustomerId::new(id), Some(client.key))
        .await
        .map_err(|e| not_found_account(e.into(), id))?;
    let mut out = Map::new();
    out.insert("invitationLinkValidUntil".into(), json!(dto::time(Some(until))));
    Ok(success(out))
}

/// `POST customerAccounts/{accountId}/link`: a one-time login URL valid for 30 seconds.
#[utoipa::path(post, path = "/admin/api/v1/customerAccounts/{accountId}/link", tag = "customerAccounts", params(("accountId" = i64, Path)),
    responses((status = 200, description = "{link, success}: one-time, 30 seconds; exchanged at POST /customer/{tenant}/login/sessionkey", body = Object), (status = 401, description = "No API client, or it lacks the scope"), (status = 404, description = "Not found")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn link(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let id = path_id(&req, "accountId")?;
    let url = state
        .services
        .accounts
        .login_link(&tenant, CustomerId::new(id))
        .await
        .map_err(|e| not_found_account(e.into(), id))?;
    let mut out = Map::new();
    out.insert("link".into(), json!(url));
    Ok(success(out))
}
