//! Emporix admin customers for API clients: list with `q`, `sort`, paging and `expand`,
//! `POST customers/search`, one customer, `PATCH`, `DELETE` (202). Reads need
//! `customer.customer_read`, writes `customer.customer_manage`; errors are
//! `ErrorMessage`s. An Emporix customer is one of our customers seen through its
//! primary (first) user.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use clientele_domain::administration::{
    AdminError, Compare, CustomerHit, CustomerQuery, Filter, SearchField, TextMatch,
};
use clientele_domain::api_clients::scope;
use clientele_domain::customers::{AccountSwitches, CustomerStatus, OwnAccount, ProfileError};
use clientele_domain::identity::Principal;
use clientele_domain::tenants::Tenant;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::errors::{ErrorDetail, ErrorMessage};
use super::me::{editable, merge_patch, parse_profile, profile_dto, CustomerDto, CustomerPatchDto, Wrapped};
use crate::api_auth::Denied;
use crate::{body, AppState};

/// `CustomerForSellerDto`: the profile plus what back offices see.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerForSellerDto {
    #[serde(flatten)]
    pub profile: CustomerDto,
    /// The customer's primary user can log in.
    pub active: bool,
    /// The customer is blocked.
    pub on_hold: bool,
    /// The login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub metadata_created_at: String,
}

/// List and search parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// Conditions, space-separated, all of which must hold (see docs/compat.md).
    pub q: Option<String>,
    /// `field[:asc|:desc]`, comma-separated; creation order breaks ties, in the direction
    /// of the last field.
    pub sort: Option<String>,
    /// From 1.
    pub page_number: Option<String>,
    /// 1 to 1000; 60 when missing.
    pub page_size: Option<String>,
    /// `addresses`, `accounts`, `mixin` (or `mixin:*`).
    pub expand: Option<String>,
}

/// `POST customers/search` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SearchBody {
    pub q: Option<String>,
}

/// A 400 naming the refused field (or parameter) and what is wrong with it.
pub(super) fn bad_param(field: &str, message: impl Into<String>) -> ErrorMessage {
    let mut e = ErrorMessage::new(StatusCode::BAD_REQUEST, "bad_request", "The request is not valid.");
    e.details.push(ErrorDetail {
        field: field.into(),
        type_: "invalid_value".into(),
        message: message.into(),
    });
    e
}

/// The searchable and sortable fields, by their Emporix names.
fn field(name: &str) -> Option<SearchField> {
    Some(match name {
        "customerNumber" | "id" => SearchField::Number,
        "email" | "accounts.id" => SearchField::Login,
        "contactEmail" => SearchField::Email,
        "firstName" => SearchField::FirstName,
        "lastName" => SearchField::LastName,
        "company" => SearchField::Company,
        "metadata.createdAt" | "metadataCreatedAt" => SearchField::CreatedAt,
        "metadata.modifiedAt" => SearchField::ModifiedAt,
        "active" => SearchField::Active,
        "onHold" => SearchField::OnHold,
        "businessModel" => SearchField::Business,
        _ => return None,
    })
}

const FIELDS: &str = "customerNumber, email, contactEmail, firstName, lastName, company, metadata.createdAt, \
                      metadata.modifiedAt, active, onHold, businessModel";

/// Splits `q` into `field:value` terms at spaces outside quotes and parentheses.
fn terms(q: &str) -> Result<Vec<String>, String> {
    let (mut out, mut cur, mut quoted, mut depth) = (Vec::new(), String::new(), false, 0u32);
    for ch in q.chars() {
        match ch {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.checked_sub(1).ok_or("a ')' has no '('")?,
            c if c.is_whitespace() && !quoted && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if quoted {
        return Err("a '\"' is not closed".into());
    }
    if depth > 0 {
        return Err("a '(' is not closed".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v)
}

fn time(v: &str) -> Result<DateTime<Utc>, String> {
    let v = unquote(v.trim());
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| format!("'{v}' is no date (YYYY-MM-DD or RFC 3339)"))
}

/// Parses `q` (see docs/compat.md for the syntax).
pub fn parse_q(q: &str) -> Result<Vec<Filter>, String> {
    let mut filters = Vec::new();
    for term in terms(q)? {
        let (name, value) = term
            .split_once(':')
            .ok_or_else(|| format!("'{term}' is not field:value"))?;
        let f = field(name).ok_or_else(|| format!("'{name}' cannot be searched; use one of {FIELDS}"))?;
        if value.is_empty() {
            return Err(format!("'{name}' has no value"));
        }
        match f {
            SearchField::CreatedAt | SearchField::ModifiedAt => {
                let inner = value
                    .strip_prefix('(')
                    .and_then(|v| v.strip_suffix(')'))
                    .unwrap_or(value);
                for part in inner.split(" AND ") {
                    let part = part.trim();
                    let (cmp, v) = if let Some(v) = part.strip_prefix(">=") {
                        (Compare::AtOrAfter, v)
                    } else if let Some(v) = part.strip_prefix("<=") {
                        (Compare::AtOrBefore, v)
                    } else if let Some(v) = part.strip_prefix('>') {
                        (Compare::After, v)
                    } else if let Some(v) = part.strip_prefix('<') {
                        (Compare::Before, v)
                    } else {
                        (Compare::At, part)
                    };
                    filters.push(Filter::Time(f, cmp, time(v)?));
                }
            }
            SearchField::Active | SearchField::OnHold => {
                let flag = match value {
                    "true" => true,
                    "false" => false,
                    other => return Err(format!("'{name}' is true or false, not '{other}'")),
                };
                filters.push(Filter::Flag(f, flag));
            }
            SearchField::Business => {
                let b2b = match value {
                    "B2B" => true,
                    "B2C" => false,
                    other => return Err(format!("'businessModel' is B2B or B2C, not '{other}'")),
                };
                filters.push(Filter::Flag(f, b2b));
            }
            _ => {
                let m = if let Some(v) = value.strip_prefix('~') {
                    TextMatch::Contains(unquote(v).to_owned())
                } else if let Some(list) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
                    TextMatch::AnyOf(list.split(',').map(|v| unquote(v.trim()).to_owned()).collect())
                } else if value.starts_with(['>', '<']) {
                    return Err(format!("'{name}' cannot be compared with < or >"));
                } else {
                    TextMatch::Exact(unquote(value).to_owned())
                };
                filters.push(Filter::Text(f, m));
            }
        }
    }
    Ok(filters)
}

/// Parses `sort`: `field[:asc|:desc]`, comma-separated.
pub fn parse_sort(sort: &str) -> Result<Vec<(SearchField, bool)>, String> {
    sort.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (name, dir) = s.split_once(':').unwrap_or((s, "asc"));
            let desc = match dir {
                "asc" => false,
                "desc" => true,
                other => return Err(format!("'{other}' is no direction; use asc or desc")),
            };
            let f = field(name).ok_or_else(|| format!("'{name}' cannot be sorted by; use one of {FIELDS}"))?;
            Ok((f, desc))
        })
        .collect()
}

fn page(query: &ListQuery) -> Result<(u64, u64), ErrorMessage> {
    let number = |field: &str, v: &Option<String>, default: u64| match v.as_deref() {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad_param(field, format!("{field} must be a whole number from 1, not '{v}'."))),
    };
    let page_number = number("pageNumber", &query.page_number, 1)?;
    let page_size = number("pageSize", &query.page_size, 60)?;
    if page_size > clientele_domain::administration::MAX_SEARCH_PAGE {
        return Err(bad_param("pageSize", "pageSize must be at most 1000."));
    }
    Ok(((page_number - 1).saturating_mul(page_size), page_size))
}

struct Expand {
    addresses: bool,
    mixins: bool,
}

fn expand(query: &ListQuery) -> Expand {
    let parts: Vec<&str> = query
        .expand
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .collect();
    Expand {
        addresses: parts.contains(&"addresses"),
        mixins: parts.iter().any(|p| p.starts_with("mixin")),
    }
}

/// Checks the tenant and the client's scope.
pub(super) async fn client(req: &HttpRequest, state: &AppState, needed: &'static str) -> Result<Tenant, ErrorMessage> {
    let tenant = crate::tenant_named(state, req.match_info().get("tenant").unwrap_or_default()).await?;
    crate::api_auth::api_client(state, req, &tenant, needed)
        .await
        .map_err(|d| match d {
            Denied::Unauthorized => ErrorMessage::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authenticate with a service access token of an API client.",
            ),
            Denied::Forbidden(s) => ErrorMessage::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("The API client lacks the scope {s}."),
            ),
            Denied::Unavailable => ErrorMessage::from(crate::problem::Problem::Unavailable),
        })?;
    Ok(tenant)
}

/// The Emporix answer to a refused administration use case.
pub(super) fn admin_error(e: AdminError) -> ErrorMessage {
    match e {
        AdminError::NotFound("customer") => not_found(),
        AdminError::NotFound(what) => {
            ErrorMessage::new(StatusCode::NOT_FOUND, "resource_not_found", format!("No {what}."))
        }
        AdminError::Invalid { field, reason } => bad_param(field, format!("{field} {reason}.")),
        AdminError::Taken(field) => {
            let mut m = bad_param(field, format!("{field} belongs to another customer."));
            m.status = 409;
            m.type_ = "conflict_resource".into();
            m
        }
        AdminError::Store(e) => super::auth::internal_message(e),
        other => ErrorMessage::new(StatusCode::BAD_REQUEST, "bad_request", other.to_string()),
    }
}

fn not_found() -> ErrorMessage {
    ErrorMessage::new(StatusCode::NOT_FOUND, "resource_not_found", "Customer not found.")
}

async fn seller_dto(
    state: &AppState,
    tenant: &Tenant,
    hit: CustomerHit,
    x: &Expand,
) -> Result<CustomerForSellerDto, ErrorMessage> {
    let c = &hit.customer;
    let addresses = if x.addresses {
        state
            .services
            .admin
            .addresses_of(tenant, c)
            .await
            .map_err(admin_error)?
    } else {
        vec![]
    };
    let mut profile = profile_dto(c, hit.user.as_ref(), &addresses, x.addresses);
    if !x.mixins {
        profile.mixins = None;
    }
    Ok(CustomerForSellerDto {
        profile,
        active: hit.user.as_ref().is_some_and(|u| u.active) && c.status == CustomerStatus::Active,
        on_hold: c.status == CustomerStatus::LoginBlocked,
        email: hit.user.as_ref().map(|u| u.login.as_str().to_owned()),
        metadata_created_at: c.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

async fn list_run(
    tenant: &Tenant,
    state: &AppState,
    query: &ListQuery,
    q: Option<&str>,
) -> Result<HttpResponse, ErrorMessage> {
    let filters = parse_q(q.unwrap_or_default()).map_err(|m| bad_param("q", m))?;
    let sort = parse_sort(query.sort.as_deref().unwrap_or_default()).map_err(|m| bad_param("sort", m))?;
    let (offset, limit) = page(query)?;
    let x = expand(query);
    let (hits, total) = state
        .services
        .admin
        .search(
            tenant,
            CustomerQuery {
                filters,
                sort,
                offset,
                limit,
            },
        )
        .await
        .map_err(admin_error)?;
    let mut out = Vec::with_capacity(hits.len());
    for hit in hits {
        out.push(seller_dto(state, tenant, hit, &x).await?);
    }
    Ok(HttpResponse::Ok().insert_header(("Count", total.to_string())).json(out))
}

/// Customers of the tenant, filtered by `q`, sorted and paged; `Count` is how many match.
#[utoipa::path(get, path = "/customer/{tenant}/customers", tag = "admin customers",
    params(("tenant" = String, Path, description = "Tenant name"), ListQuery),
    responses((status = 200, description = "A page of customers; header `Count`: how many match", body = [CustomerForSellerDto]),
              (status = 400, description = "Invalid `q`, `sort` or paging", body = ErrorMessage),
              (status = 401, description = "No API-client credentials", body = ErrorMessage),
              (status = 403, description = "Scope customer.customer_read missing", body = ErrorMessage)),
    security(("OAuth2" = ["customer.customer_read"])))]
pub async fn list(req: HttpRequest, query: web::Query<ListQuery>, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = client(&req, &state, scope::CUSTOMER_READ).await?;
        list_run(&tenant, &state, &query, query.q.as_deref()).await
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// As the list, with `q` in the body.
#[utoipa::path(post, path = "/customer/{tenant}/customers/search", tag = "admin customers",
    params(("tenant" = String, Path, description = "Tenant name"), ListQuery), request_body = SearchBody,
    responses((status = 200, description = "A page of customers; header `Count`: how many match", body = [CustomerForSellerDto]),
              (status = 400, body = ErrorMessage), (status = 401, body = ErrorMessage), (status = 403, body = ErrorMessage)),
    security(("OAuth2" = ["customer.customer_read"])))]
pub async fn search(
    req: HttpRequest,
    query: web::Query<ListQuery>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let run = async {
        // The scope is checked before the body is read.
        let tenant = client(&req, &state, scope::CUSTOMER_READ).await?;
        let body: SearchBody = body::json(&req, payload, state.limits.max_body_bytes).await?;
        list_run(&tenant, &state, &query, body.q.as_deref()).await
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

async fn hit(state: &AppState, tenant: &Tenant, req: &HttpRequest) -> Result<CustomerHit, ErrorMessage> {
    let number = req.match_info().get("customerNumber").unwrap_or_default().to_owned();
    let query = CustomerQuery {
        filters: vec![Filter::Text(SearchField::Number, TextMatch::Exact(number))],
        sort: vec![],
        offset: 0,
        limit: 1,
    };
    let (mut hits, _) = state.services.admin.search(tenant, query).await.map_err(admin_error)?;
    hits.pop().ok_or_else(not_found)
}

/// One customer by number.
#[utoipa::path(get, path = "/customer/{tenant}/customers/{customerNumber}", tag = "admin customers",
    params(("tenant" = String, Path), ("customerNumber" = String, Path), ListQuery),
    responses((status = 200, body = CustomerForSellerDto), (status = 401, body = ErrorMessage),
              (status = 403, body = ErrorMessage), (status = 404, body = ErrorMessage)),
    security(("OAuth2" = ["customer.customer_read"])))]
pub async fn get(req: HttpRequest, query: web::Query<ListQuery>, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = client(&req, &state, scope::CUSTOMER_READ).await?;
        let hit = hit(&state, &tenant, &req).await?;
        Ok::<_, ErrorMessage>(HttpResponse::Ok().json(seller_dto(&state, &tenant, hit, &expand(&query)).await?))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// Changes a customer: the profile fields as `PATCH me` does, plus `active` (the
/// primary user) and `onHold` (the customer's logins), all in one transaction: a
/// refused part (e.g. deactivating a company's last account owner) writes nothing.
#[utoipa::path(patch, path = "/customer/{tenant}/customers/{customerNumber}", tag = "admin customers",
    params(("tenant" = String, Path), ("customerNumber" = String, Path)), request_body = CustomerPatchDto,
    responses((status = 200, body = CustomerForSellerDto), (status = 400, body = ErrorMessage),
              (status = 401, body = ErrorMessage), (status = 403, body = ErrorMessage), (status = 404, body = ErrorMessage)),
    security(("OAuth2" = ["customer.customer_manage"])))]
pub async fn patch(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = client(&req, &state, scope::CUSTOMER_MANAGE).await?;
        let patch: Value = body::json(&req, payload, state.limits.max_body_bytes).await?;
        let Value::Object(fields) = &patch else {
            return Err(bad_param("body", "The body must be a JSON object."));
        };
        let flag = |name: &str| -> Result<Option<bool>, ErrorMessage> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(_) => Err(bad_param(name, format!("{name} must be true or false."))),
            }
        };
        let (active, on_hold) = (flag("active")?, flag("onHold")?);
        let hit = hit(&state, &tenant, &req).await?;
        let Some(user) = hit.user.clone() else {
            return Err(not_found());
        };
        let profile_fields: Map<String, Value> = fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "active" | "onHold"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let who = Principal {
            tenant: tenant.id,
            customer: hit.customer.id,
            user: user.id,
        };
        let profile_patch = Value::Object(profile_fields);
        let edit = |current: &OwnAccount| -> Result<_, Wrapped> {
            let mut doc = serde_json::to_value(editable(current)).unwrap_or_default();
            merge_patch(&mut doc, &profile_patch);
            let dto: CustomerPatchDto = body::from_value(doc).map_err(|p| Wrapped::Dialect(p.into()))?;
            parse_profile(dto, current).map_err(Wrapped::Dialect)
        };
        // The profile fields and both switches in one transaction: all or nothing.
        let switches = AccountSwitches::new(active, on_hold);
        state
            .services
            .profile
            .administer(&who, edit, switches)
            .await
            .map_err(|e| match e {
                Wrapped::Dialect(m) => m,
                Wrapped::Profile(ProfileError::Store(e)) => super::auth::internal_message(e),
                Wrapped::Profile(ProfileError::LastAdministrator) => admin_error(AdminError::LastAdministrator),
                Wrapped::Profile(_) => not_found(),
            })?;
        let hit = self::hit(&state, &tenant, &req).await?;
        let x = Expand {
            addresses: false,
            mixins: true,
        };
        Ok(HttpResponse::Ok().json(seller_dto(&state, &tenant, hit, &x).await?))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// Deletes a customer as `DELETE me` deletes an account: users, personal data,
/// addresses and the rest go; the number stays taken.
#[utoipa::path(delete, path = "/customer/{tenant}/customers/{customerNumber}", tag = "admin customers",
    params(("tenant" = String, Path), ("customerNumber" = String, Path)),
    responses((status = 202, description = "Deleted"), (status = 401, body = ErrorMessage),
              (status = 403, body = ErrorMessage), (status = 404, body = ErrorMessage)),
    security(("OAuth2" = ["customer.customer_manage"])))]
pub async fn delete(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = client(&req, &state, scope::CUSTOMER_MANAGE).await?;
        let number = req.match_info().get("customerNumber").unwrap_or_default();
        let admin = &state.services.admin;
        let customer = admin.customer(&tenant, number).await.map_err(admin_error)?;
        admin
            .delete_customer(&tenant, &customer, crate::api_auth::actor(&req, String::new))
            .await
            .map_err(admin_error)?;
        Ok::<_, ErrorMessage>(HttpResponse::Accepted().finish())
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_terms_become_filters() {
        let f = parse_q(r#"lastName:Miller firstName:~"an na" metadata.createdAt:(>=2024-01-01 AND <2025-01-01) onHold:false customerNumber:(C-1,C-2) businessModel:B2B"#)
            .unwrap();
        assert_eq!(
            f[0],
            Filter::Text(SearchField::LastName, TextMatch::Exact("Miller".into()))
        );
        assert_eq!(
            f[1],
            Filter::Text(SearchField::FirstName, TextMatch::Contains("an na".into()))
        );
        assert!(matches!(
            f[2],
            Filter::Time(SearchField::CreatedAt, Compare::AtOrAfter, _)
        ));
        assert!(matches!(f[3], Filter::Time(SearchField::CreatedAt, Compare::Before, _)));
        assert_eq!(f[4], Filter::Flag(SearchField::OnHold, false));
        assert_eq!(
            f[5],
            Filter::Text(SearchField::Number, TextMatch::AnyOf(vec!["C-1".into(), "C-2".into()]))
        );
        assert_eq!(f[6], Filter::Flag(SearchField::Business, true));
        assert!(parse_q("").unwrap().is_empty());
    }

    #[test]
    fn bad_q_says_what_is_wrong() {
        for (q, says) in [
            ("password:x", "cannot be searched"),
            ("lastName", "not field:value"),
            ("active:yes", "true or false"),
            ("metadata.createdAt:>yesterday", "no date"),
            ("lastName:\"open", "not closed"),
            ("lastName:>a", "cannot be compared"),
        ] {
            let e = parse_q(q).unwrap_err();
            assert!(e.contains(says), "{q}: {e}");
        }
        assert_eq!(
            parse_sort("lastName:desc,customerNumber").unwrap(),
            vec![(SearchField::LastName, true), (SearchField::Number, false)]
        );
        assert!(parse_sort("lastName:up").is_err());
    }
}

/// `CustomerSignupBySellerDto` (POST) and `CustomerUpdateBySellerDto` (PUT).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerBySellerDto {
    /// The customer number (POST: drawn when missing; PUT: the path's).
    pub id: Option<String>,
    /// The login and contact e-mail.
    pub contact_email: Option<String>,
    /// POST only: the initial password (the tenant's password policy applies).
    pub password: Option<String>,
    /// Default true.
    pub active: Option<bool>,
    /// Default false.
    pub on_hold: Option<bool>,
    /// The addresses (PUT: replacing the customer's; left out, they stay).
    pub addresses: Option<Vec<super::addresses::EmporixAddress>>,
    #[serde(flatten)]
    pub details: super::signup::CustomerDetails,
}

/// `?sendPasswordResetNotifications=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct NotifyQuery {
    /// Default true: a new customer without password is mailed a link to choose one.
    pub send_password_reset_notifications: Option<bool>,
}

fn seller_item(
    state: &AppState,
    dto: CustomerBySellerDto,
    number: Option<String>,
) -> Result<clientele_domain::administration::ImportItem, ErrorMessage> {
    use clientele_domain::administration::{ImportItem, ImportedPassword};
    use clientele_domain::values::{CustomerNumber, Email, Login, Password};
    let email = Email::parse(dto.contact_email.as_deref().unwrap_or_default())
        .map_err(|e| ErrorMessage::field("contactEmail", e))?;
    let password = match dto.password.as_deref().filter(|p| !p.is_empty()) {
        Some(raw) => ImportedPassword::Plain(
            Password::parse(raw, state.limits.password_policy, &[email.as_str()])
                .map_err(|e| ErrorMessage::field("password", e))?,
        ),
        None => ImportedPassword::None,
    };
    let number = number
        .or(dto.id)
        .filter(|s| !s.trim().is_empty())
        .map(|n| CustomerNumber::parse(&n).map_err(|e| ErrorMessage::field("id", e)))
        .transpose()?;
    let (person, kind, custom) = super::signup::parse_details(dto.details, "")?;
    Ok(ImportItem {
        number,
        kind,
        login: Login::from_email(&email),
        email,
        person,
        custom,
        password,
        addresses: super::import::parse_addresses(dto.addresses)?,
        active: dto.active,
        on_hold: dto.on_hold,
        settings: None,
    })
}

/// Creates a customer with its account (login: `contactEmail`) and addresses. Without a
/// password the customer is mailed a link to choose one (unless
/// `sendPasswordResetNotifications=false`).
#[utoipa::path(post, path = "/customer/{tenant}/customers", tag = "admin customers",
    params(("tenant" = String, Path), NotifyQuery), request_body = CustomerBySellerDto,
    responses((status = 201, description = "Created; `id` is the customer number", body = super::signup::ResourceLocation),
              (status = 400, body = ErrorMessage), (status = 401, body = ErrorMessage), (status = 403, body = ErrorMessage),
              (status = 409, description = "The number or login is taken", body = ErrorMessage)),
    security(("OAuth2" = ["customer.customer_manage"])))]
pub async fn create(
    req: HttpRequest,
    query: web::Query<NotifyQuery>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let run = async {
        let tenant = client(&req, &state, scope::CUSTOMER_MANAGE).await?;
        let dto: CustomerBySellerDto = body::json(&req, payload, state.limits.max_body_bytes).await?;
        let item = seller_item(&state, dto, None)?;
        let invite = query.send_password_reset_notifications.unwrap_or(true);
        let done = state
            .services
            .admin
            .create_account(&tenant, item, invite)
            .await
            .map_err(admin_error)?;
        Ok::<_, ErrorMessage>(HttpResponse::Created().json(serde_json::json!({ "id": done.number.as_str() })))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// Creates (201) or replaces (204) the customer with this number: its profile, account
/// and, when given, addresses.
#[utoipa::path(put, path = "/customer/{tenant}/customers/{customerNumber}", tag = "admin customers",
    params(("tenant" = String, Path), ("customerNumber" = String, Path), NotifyQuery), request_body = CustomerBySellerDto,
    responses((status = 201, description = "Created", body = super::signup::ResourceLocation), (status = 204, description = "Replaced"),
              (status = 400, body = ErrorMessage), (status = 401, body = ErrorMessage), (status = 403, body = ErrorMessage),
              (status = 409, description = "The login belongs to another customer", body = ErrorMessage)),
    security(("OAuth2" = ["customer.customer_manage"])))]
pub async fn put(
    req: HttpRequest,
    query: web::Query<NotifyQuery>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let run = async {
        let tenant = client(&req, &state, scope::CUSTOMER_MANAGE).await?;
        let number = req.match_info().get("customerNumber").unwrap_or_default().to_owned();
        let dto: CustomerBySellerDto = body::json(&req, payload, state.limits.max_body_bytes).await?;
        if dto.id.as_deref().is_some_and(|id| id != number) {
            return Err(bad_param("id", "id must be the customer number of the path."));
        }
        if dto.password.is_some() {
            return Err(bad_param(
                "password",
                "A password is set at creation or by the customer, not by PUT.",
            ));
        }
        let item = seller_item(&state, dto, Some(number))?;
        let invite = query.send_password_reset_notifications.unwrap_or(true);
        let done = state
            .services
            .admin
            .put_account(&tenant, item, invite)
            .await
            .map_err(admin_error)?;
        Ok(if done.created {
            HttpResponse::Created().json(serde_json::json!({ "id": done.number.as_str() }))
        } else {
            HttpResponse::NoContent().finish()
        })
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}
