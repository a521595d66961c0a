//! Bulk endpoints: last order times, and creating or updating many accounts or
//! addresses in one request. Each line is done whole or not at all, on its own: the
//! answer lists the ids of the lines done (`items`, in request order) and why the
//! others were skipped (`skippedLines` with the 1-based `lineNumber`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::administration::ImportItem;
use clientele_domain::batch::Answers;
use clientele_domain::ids::CustomerId;
use clientele_domain::tenants::Tenant;
use serde_json::{json, Map, Value};

use super::accounts::{new_account, update_account};
use super::data;
use super::{any_body, authorized, WsError};
use crate::AppState;

/// `GET bulk/lastOrderTimestamp?accountId=1&accountId=2`.
#[utoipa::path(get, path = "/admin/api/v1/bulk/lastOrderTimestamp", tag = "bulk", params(("accountId" = Vec<i64>, Query, description = "repeatable")),
    responses((status = 200, description = "{items: [{accountId, lastOrderTimestamp}]}", body = Object), (status = 401, description = "No API client, or it lacks the scope")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn last_order(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| WsError::field("invalidValue", "accountId", "The query string cannot be read."))?;
    let mut ids = Vec::new();
    for (name, value) in pairs {
        if name != "accountId" {
            return Err(WsError::field(
                "unknownDataField",
                &name,
                format!("{name} is no parameter; use accountId."),
            ));
        }
        // Invalid account ids are skipped, as documented.
        if let Some(id) = value.parse::<i64>().ok().filter(|v| *v > 0) {
            if ids.len() >= state.websale.max_bulk_lines {
                return Err(WsError::field("invalidFormat", "accountId", "Too many account ids."));
            }
            ids.push(CustomerId::new(id));
        }
    }
    if ids.is_empty() && !req.query_string().contains("accountId=") {
        return Err(WsError::field("missing", "accountId", "accountId is mandatory."));
    }
    let found = state.services.accounts.last_orders(&tenant, &ids).await?;
    let items: Vec<Value> = found
        .into_iter()
        .map(|(id, at)| json!({ "accountId": id.get(), "lastOrderTimestamp": at.format("%Y-%m-%dT%H:%M:%SZ").to_string() }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// The lines of a bulk body: a JSON array no longer than the configured cap.
async fn lines(state: &AppState, req: &HttpRequest, payload: web::Payload) -> Result<Vec<Value>, WsError> {
    let not_array = || {
        WsError::new(
            StatusCode::BAD_REQUEST,
            "invalidFormat",
            "The request body is not a JSON array.",
        )
    };
    let body = any_body(state, req, payload).await.map_err(|_| not_array())?;
    let Value::Array(lines) = body else {
        return Err(not_array());
    };
    let max = state.websale.max_bulk_lines;
    if lines.len() > max {
        return Err(WsError::new(
            StatusCode::BAD_REQUEST,
            "invalidFormat",
            format!("At most {max} entries per request."),
        ));
    }
    Ok(lines)
}

/// What a line does.
enum Action {
    Create,
    Update(i64),
}

/// A line read: its action, its `accountId` and its `data`.
type Line<'a> = (Action, Option<i64>, &'a Map<String, Value>);

/// Reads a line's `type`, ids and `data`; `id_field` names the id an update needs.
fn line<'a>(line: &'a Value, id_field: &str, needs_account: bool) -> Result<Line<'a>, WsError> {
    let invalid = |field: &str, message: &str| WsError::field("invalidParameters", field, message);
    let Value::Object(obj) = line else {
        return Err(invalid("type", "The line is not an object."));
    };
    let int = |field: &str| -> Result<Option<i64>, WsError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|v| *v > 0)
                .map(Some)
                .ok_or_else(|| invalid(field, &format!("{field} is not a positive integer."))),
        }
    };
    let account = int("accountId")?;
    let action = match obj.get("type").and_then(Value::as_str) {
        Some("create") => Action::Create,
        Some("update") => match int(id_field)? {
            Some(id) => Action::Update(id),
            None => {
                let mut e = invalid(id_field, &format!("{id_field} is missing for update."));
                e.field_errors.insert(id_field.into(), json!({ "type": "missing" }));
                return Err(e);
            }
        },
        Some(_) => return Err(invalid("type", "type must be create or update.")),
        None => {
            let mut e = invalid("type", "type is missing.");
            e.field_errors.insert("type".into(), json!({ "type": "missing" }));
            return Err(e);
        }
    };
    if needs_account && account.is_none() {
        let mut e = invalid("accountId", "accountId is missing.");
        e.field_errors.insert("accountId".into(), json!({ "type": "missing" }));
        return Err(e);
    }
    match obj.get("data") {
        Some(Value::Object(data)) => Ok((action, account, data)),
        None => {
            let mut e = invalid("data", "data is missing.");
            e.field_errors.insert("data".into(), json!({ "type": "missing" }));
            Err(e)
        }
        Some(_) => Err(invalid("data", "data is not an object.")),
    }
}

/// A skipped line in WEBSALE's terms.
fn skipped(number: usize, e: &WsError, updating: bool) -> Value {
    let error_type = match (e.status, e.error_type) {
        (StatusCode::NOT_FOUND, _) => "notFound",
        (StatusCode::CONFLICT, _) => "conflict",
        (s, _) if s.is_server_error() => "internalError",
        (_, "invalidParameters") => "invalidParameters",
        (_, "unknownDataField" | "invalidValue") if updating => "invalidFields",
        _ => "invalidParameters",
    };
    let mut field_errors = e.field_errors.clone();
    if let Some(f) = &e.field_name {
        field_errors.insert(f.clone(), json!({ "type": "conflict" }));
    }
    json!({ "lineNumber": number, "errorType": error_type, "fieldErrors": field_errors })
}

fn answer(items: Vec<i64>, skipped: Vec<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "items": items, "skippedLines": skipped }))
}

/// `POST bulk/customerAccounts`.
#[utoipa::path(post, path = "/admin/api/v1/bulk/customerAccounts", tag = "bulk", request_body(content = Vec<Object>, description = "[{type: create|update, accountId?, data}]"),
    responses((status = 200, description = "{items, skippedLines: [{lineNumber, errorType, fieldErrors}]}", body = Object), (status = 400, description = "invalidFormat: no array, or too many lines"), (status = 401, description = "No API client, or it lacks the scope")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn accounts(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let lines = lines(&state, &req, payload).await?;
    // Consecutive creates are written together (one transaction); an update first
    // lets the creates before it finish, so lines still take effect in their order.
    let mut done = Answers::with_capacity(lines.len());
    let mut creates: Vec<(usize, ImportItem)> = Vec::new();
    for value in &lines {
        let slot = done.later();
        let answer = match line(value, "accountId", false) {
            Ok((Action::Create, _, data)) => match new_account(&state, data, true) {
                Ok(item) => {
                    creates.push((slot, item));
                    continue;
                }
                Err(e) => Err(e),
            },
            Ok((Action::Update(id), _, data)) => {
                create_together(&state, &tenant, &mut creates, &mut done).await;
                update_account(&state, &tenant, id, data, true)
                    .await
                    .map(|view| view.customer.id)
            }
            Err(e) => Err(e),
        };
        done.set(slot, answer);
    }
    create_together(&state, &tenant, &mut creates, &mut done).await;
    let (mut items, mut skips) = (Vec::new(), Vec::new());
    for (i, (value, answer)) in lines.iter().zip(done.into_vec()).enumerate() {
        let updating = value.get("type").and_then(Value::as_str) == Some("update");
        match answer {
            Ok(id) => items.push(id.get()),
            Err(e) => skips.push(skipped(i + 1, &e, updating)),
        }
    }
    tracing::info!(
        tenant = tenant.name.as_str(),
        done = items.len(),
        skipped = skips.len(),
        "bulk account lines processed"
    );
    Ok(answer(items, skips))
}

/// Writes the collected creates in one go, answering each line.
async fn create_together(
    state: &AppState,
    tenant: &Tenant,
    creates: &mut Vec<(usize, ImportItem)>,
    done: &mut Answers<Result<CustomerId, WsError>>,
) {
    if creates.is_empty() {
        return;
    }
    let (slots, items): (Vec<usize>, Vec<ImportItem>) = creates.drain(..).unzip();
    let written = state.services.accounts.create_many(tenant, items).await;
    done.fill(slots, written.into_iter().map(|answer| answer.map_err(WsError::from)));
}

/// `POST bulk/customerAccounts/addresses`.
#[utoipa::path(post, path = "/admin/api/v1/bulk/customerAccounts/addresses", tag = "bulk", request_body(content = Vec<Object>, description = "[{type: create|update, accountId, addressId?, data}]"),
    responses((status = 200, description = "{items, skippedLines}", body = Object), (status = 400, description = "invalidFormat"), (status = 401, description = "No API client, or it lacks the scope")), security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn addresses(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, WsError> {
    let (tenant, _) = authorized(&state, &req).await?;
    let lines = lines(&state, &req, payload).await?;
    let (mut items, mut skips) = (Vec::new(), Vec::new());
    for (i, value) in lines.iter().enumerate() {
        let done = async {
            let (action, account, data) = line(value, "addressId", true)?;
            let id = account.expect("checked by line()");
            let account = state
                .services
                .accounts
                .live(&tenant, CustomerId::new(id))
                .await
                .map_err(|_| WsError::not_found("The account"))?
                .customer
                .id;
            let written = match action {
                Action::Create => data::add(&state, &tenant, account, false, data).await,
                Action::Update(address) => data::change(&state, &tenant, account, false, address, data).await,
            };
            // Invalid address data is `invalidParameters` here; a foreign address is unknown.
            written.map_err(|mut e| {
                if e.status == StatusCode::CONFLICT {
                    e = WsError::not_found("The address");
                }
                if e.status == StatusCode::BAD_REQUEST {
                    e.error_type = "invalidParameters";
                }
                e
            })
        }
        .await;
        match done.map(|v| v["id"].as_i64()) {
            Ok(Some(id)) => items.push(id),
            Ok(None) => skips.push(skipped(
                i + 1,
                &WsError::new(StatusCode::INTERNAL_SERVER_ERROR, "internalError", "no id"),
                false,
            )),
            Err(e) => skips.push(skipped(i + 1, &e, false)),
        }
    }
    Ok(answer(items, skips))
}
