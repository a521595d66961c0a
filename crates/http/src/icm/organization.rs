//! ICM B2B organization: the company's role catalogue (`customers/{CustomerKey}/roles`),
//! its users (`…/users`: list and bulk creation; `…/users/{CustomerItemUserKey}`: read,
//! update, remove) and their roles (`…/users/{CustomerItemUserKey}/roles`). Budgets and
//! cost centers are in `budgets.rs` and `cost_centers.rs`.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::budgets::UserBudget;
use clientele_domain::customers::OwnAccount;
use clientele_domain::roles::{
    catalogue, roles_of, AddUserError, NewMember, OrganizationError, OrganizationService, Role,
};
use clientele_domain::users::{User, UserQuery, UserSort};
use clientele_domain::values::{Login, Money};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{caller_with_account, internal, own_customer_key, Caller};
use clientele_domain::customers::ProfileChange;
use clientele_domain::identity::Principal;

use super::customers::{parse_person, preferred};
use super::dto::{AddressRo, CustomerUpdateRo, MoneyRo};
use super::errors::IcmError;
use crate::AppState;
use clientele_domain::tenants::Tenant;

/// A permission of a role.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionRo {
    #[serde(rename = "permissionID")]
    #[schema(example = "APP_B2B_MANAGE_USERS")]
    pub permission_id: &'static str,
    pub permission_display_name: &'static str,
}

/// A role with its permissions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleRo {
    #[serde(rename = "roleID")]
    #[schema(example = "APP_B2B_BUYER")]
    pub role_id: &'static str,
    pub role_display_name: &'static str,
    pub role_description: &'static str,
    /// Every user of the company has it.
    pub fixed: bool,
    pub permissions: Vec<PermissionRo>,
}

/// `{"userRoles": […]}`: the envelope of both role routes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRolesRo {
    pub user_roles: Vec<RoleRo>,
}

fn roles_ro(roles: &[Role]) -> UserRolesRo {
    UserRolesRo {
        user_roles: roles
            .iter()
            .map(|r| RoleRo {
                role_id: r.id,
                role_display_name: r.display_name,
                role_description: r.description,
                fixed: r.fixed,
                permissions: r
                    .permissions
                    .iter()
                    .map(|p| PermissionRo {
                        permission_id: p.id,
                        permission_display_name: p.display_name,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `SMBCustomerUserRO`: a user of a business customer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmbCustomerUserRo {
    #[serde(rename = "type")]
    #[schema(example = "SMBCustomerUser")]
    pub type_: &'static str,
    pub login: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_home: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_business: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_mobile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_invoice_to_address: Option<AddressRo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_ship_to_address: Option<AddressRo>,
}

fn user_ro(user: &User, account: &OwnAccount) -> SmbCustomerUserRo {
    let p = &user.person;
    SmbCustomerUserRo {
        type_: "SMBCustomerUser",
        login: user.login.as_str().to_owned(),
        email: user.email.as_str().to_owned(),
        title: p.title.clone(),
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        birthday: p.birthday.map(|d| d.format("%Y-%m-%d").to_string()),
        phone_home: p.phone_home.clone(),
        phone_business: p.phone_business.clone(),
        phone_mobile: p.phone_mobile.clone(),
        fax: p.fax.clone(),
        preferred_language: p.preferred_language.as_ref().map(|l| l.as_str().to_owned()),
        active: user.active,
        preferred_invoice_to_address: preferred(account, |u| u.preferred_invoice),
        preferred_ship_to_address: preferred(account, |u| u.preferred_shipping),
    }
}

/// The tenant, the caller and their account, if `{customer}` names their business
/// customer.
pub(super) async fn company_caller(
    req: &HttpRequest,
    state: &AppState,
) -> Result<(Tenant, Caller, OwnAccount), IcmError> {
    let tenant = super::site_tenant(state, req).await?;
    let (caller, account) = caller_with_account(state, req, &tenant).await?;
    if !own_customer_key(req, &account) || !account.customer.is_business() {
        return Err(IcmError::customer_not_found());
    }
    Ok((tenant, caller, account))
}

/// The `{user}` path key: `-`, a login or an id (see [`path_key`]).
pub(super) fn user_key(req: &HttpRequest) -> String {
    path_key(req, "user")
}

fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn member(req: &HttpRequest, state: &AppState) -> Result<(Tenant, Caller, OwnAccount, User), IcmError> {
    let (tenant, caller, account) = company_caller(req, state).await?;
    let user = state
        .services
        .organization
        .member(&tenant, &account, &user_key(req))
        .await
        .map_err(organization_error)?;
    Ok((tenant, caller, account, user))
}

/// `error-key`s of the B2B user routes (clientele's own where ICM documents none; see
/// docs/compat.md).
pub(super) mod keys {
    pub const USER_NOT_FOUND: &str = "customer.user.not_found.error";
    pub const FORBIDDEN: &str = "customer.user.permission_missing.error";
    pub const UNKNOWN_ROLE: &str = "customer.user.role.unknown.error";
    pub const OWN_PERMISSIONS: &str = "customer.user.own_permissions.error";
    pub const LAST_ADMIN: &str = "customer.user.last_administrator.error";
    pub const INVALID: &str = "customer.user.invalid_fields.error";
    pub const LOGIN_TAKEN: &str = "customer.user.login.exists.error";
}

pub(super) fn organization_error(e: OrganizationError) -> IcmError {
    match e {
        OrganizationError::NotFound => IcmError::new(
            StatusCode::NOT_FOUND,
            Some(keys::USER_NOT_FOUND),
            "The user was not found.",
        ),
        OrganizationError::Forbidden(permission) => IcmError::new(
            StatusCode::FORBIDDEN,
            Some(keys::FORBIDDEN),
            format!("Requires the permission {permission}."),
        ),
        OrganizationError::UnknownRole(id) => IcmError::bad(
            keys::UNKNOWN_ROLE,
            format!("The role '{id}' is not one the company can give."),
        ),
        OrganizationError::OwnPermissions => IcmError::new(
            StatusCode::FORBIDDEN,
            Some(keys::OWN_PERMISSIONS),
            "Users cannot raise their own roles, limits or budgets.",
        ),
        OrganizationError::LastAdministrator => IcmError::new(
            StatusCode::CONFLICT,
            Some(keys::LAST_ADMIN),
            "The company must keep at least one active account administrator (APP_B2B_ACCOUNT_OWNER).",
        ),
        OrganizationError::Invalid { field, reason } => {
            IcmError::bad(keys::INVALID, format!("The field '{field}' {reason}."))
        }
        OrganizationError::Store(e) => internal(e),
    }
}

/// Updates a company user's person data and e-mail (`SMBCustomerUserRO`; other fields
/// are ignored). Other users need `APP_B2B_MANAGE_USERS`.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}",
    tag = "organization", request_body = CustomerUpdateRo,
    params(("If-Match" = Option<String>, Header, description = "The customer's `ETag`; a changed profile answers 412")),
    responses((status = 200, description = "The updated user", body = SmbCustomerUserRo),
              (status = 400, description = "`error-key` customer.missing_fields.error or customer.invalid_fields.error"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Another user, without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "No such user of the caller's business customer"),
              (status = 412, description = "The profile changed since the `If-Match` version")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn update_user(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account, user) = member(&req, &state).await?;
        let dto: CustomerUpdateRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        // Refuse a bad body before anything changes.
        parse_person(&dto, &user.person)?;
        if let Some(active) = dto.active {
            state
                .services
                .organization
                .set_active(&tenant, &account, &user, active)
                .await
                .map_err(organization_error)?;
        }
        let whose = Principal {
            tenant: account.customer.tenant_id,
            customer: account.customer.id,
            user: user.id,
        };
        let edit = |current: &OwnAccount| -> Result<ProfileChange, IcmError> {
            let (person, email) = parse_person(&dto, &current.user.person)?;
            Ok(ProfileChange {
                person,
                email,
                company: None,
                custom: current.customer.custom.clone(),
                preferred_invoice: None,
                preferred_shipping: None,
            })
        };
        let updated = state
            .services
            .profile
            .update_profile(&whose, crate::versions::if_match(&req), edit)
            .await?;
        Ok::<_, IcmError>(
            caller.stamp(
                crate::versions::tagged(HttpResponse::Ok(), updated.customer.version)
                    .json(user_ro(&updated.user, &updated)),
            ),
        )
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Removes a user of the company: their sessions end at once.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}",
    tag = "organization",
    responses((status = 204, description = "Removed"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Requires APP_B2B_MANAGE_USERS"),
              (status = 404, description = "No such user of the caller's business customer"),
              (status = 409, description = "The company would have no active account administrator left")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn remove_user(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        state
            .services
            .organization
            .remove_user(
                &tenant,
                &account,
                &user_key(&req),
                crate::api_auth::actor(&req, || format!("customer:{}", account.user.id.get())),
            )
            .await
            .map_err(organization_error)?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::NoContent().finish()))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// The body of a role change: `{"userRoles": ["APP_B2B_BUYER", …]}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SetUserRolesRo {
    pub user_roles: Vec<String>,
}

/// Gives a user exactly these roles (the fixed buyer role always); answers the new set.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/roles",
    tag = "organization", request_body = SetUserRolesRo,
    responses((status = 200, description = "The user's roles now", body = UserRolesRo),
              (status = 400, description = "Unknown role id, or a malformed body"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_MANAGE_USERS, or adding roles to oneself"),
              (status = 404, description = "No such user of the caller's business customer"),
              (status = 409, description = "The company would have no active account administrator left")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn set_user_roles(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let dto: SetUserRolesRo = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        let roles = state
            .services
            .organization
            .set_roles(&tenant, &account, &user_key(&req), &dto.user_roles)
            .await
            .map_err(organization_error)?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(roles_ro(&roles))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// `?offset=&limit=&filter=&sort=` of the user list (strings, as the reference has them).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// The first position, from 0.
    pub offset: Option<String>,
    /// Users per page, 1 to 500; default 50.
    pub limit: Option<String>,
    /// Case-insensitive substring of first name, last name or login.
    pub filter: Option<String>,
    /// `name` (default), `login`, `firstName` or `lastName`; `-` in front for descending.
    pub sort: Option<String>,
}

/// `ResourceAttribute`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeRo {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub value: serde_json::Value,
}

/// A user in the list: a `LinkRO` with the login and the list's attributes.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserLinkRo {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub uri: String,
    pub title: String,
    pub login: String,
    pub item_id: String,
    pub attributes: Vec<AttributeRo>,
}

/// `UserLinkROCollection`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserLinksRo {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub name: &'static str,
    pub offset: u64,
    pub limit: u64,
    pub amount: usize,
    pub total: u64,
    #[serde(rename = "sortKeys")]
    pub sort_keys: [&'static str; 4],
    pub elements: Vec<UserLinkRo>,
}

/// The company's users, a page at a time; needs `APP_B2B_MANAGE_USERS`.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users", tag = "organization",
    params(UsersQuery),
    responses((status = 200, description = "`elements`: links with `login` and attributes firstName, lastName, \
                 roleIDs, active; `offset`, `limit`, `amount`, `total`", body = UserLinksRo),
              (status = 400, description = "offset or limit not a number, limit 0, unknown sort field"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "Not the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn users(req: HttpRequest, query: web::Query<UsersQuery>, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let bad = |m: &str| IcmError::new(StatusCode::BAD_REQUEST, None, m.to_owned());
        let (offset, limit) = page_bounds(query.offset.as_deref(), query.limit.as_deref(), 50, None)?;
        let (sort, descending) = UserSort::parse(query.sort.as_deref().unwrap_or("name"))
            .ok_or_else(|| bad("'sort' must be name, login, firstName or lastName, optionally with a leading '-'."))?;
        let page = state
            .services
            .organization
            .users(
                &tenant,
                &account,
                UserQuery {
                    filter: query.filter.clone(),
                    sort,
                    descending,
                    offset,
                    limit,
                },
            )
            .await
            .map_err(organization_error)?;
        let base = company_uri(&req, "users");
        let elements: Vec<_> = page
            .users
            .iter()
            .zip(&page.budgets)
            .map(|(u, b)| {
                let mut link = user_link(&tenant, &base, u);
                link.attributes.extend(budget_attributes(b));
                link
            })
            .collect();
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(UserLinksRo {
            type_: "ResourceCollection",
            name: "users",
            offset,
            limit: limit.min(OrganizationService::MAX_PAGE),
            amount: elements.len(),
            total: page.total,
            sort_keys: ["name", "login", "firstName", "lastName"],
            elements,
        })))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// `?offset=&limit=` of a list: whole numbers, `limit` at least 1 (`default_limit` when
/// missing); refusals carry `key` as `error-key` where the route has one.
pub(super) fn page_bounds(
    offset: Option<&str>,
    limit: Option<&str>,
    default_limit: u64,
    key: Option<&'static str>,
) -> Result<(u64, u64), IcmError> {
    let bad = |m: String| IcmError::new(StatusCode::BAD_REQUEST, key, m);
    let number = |raw: Option<&str>, default: u64, name: &str| match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| bad(format!("'{name}' must be a whole number from 0."))),
    };
    let (offset, limit) = (number(offset, 0, "offset")?, number(limit, default_limit, "limit")?);
    if limit == 0 {
        return Err(bad("'limit' must be at least 1.".into()));
    }
    Ok((offset, limit))
}

/// A path segment as the PWA sends keys for ICM 7.10: encoded up to twice (its
/// `legacyEncoding` sends `max%2540example.com`; actix-router keeps `%25` encoded).
pub(super) fn path_key(req: &HttpRequest, name: &str) -> String {
    percent_decoded(&percent_decoded(req.match_info().get(name).unwrap_or_default()))
}

/// `{site}/{app}/customers/{customer}/{collection}`: where the links of a company's
/// list (`users`, `costcenters`) point, relative as ICM writes them.
pub(super) fn company_uri(req: &HttpRequest, collection: &str) -> String {
    let m = req.match_info();
    format!(
        "{}/{}/customers/{}/{collection}",
        m.get("site").unwrap_or_default(),
        m.get("app").unwrap_or("-").split(';').next().unwrap_or("-"),
        m.get("customer").unwrap_or("-")
    )
}

pub(super) fn attribute(name: &'static str, value: impl Into<serde_json::Value>) -> AttributeRo {
    AttributeRo {
        name,
        type_: "ResourceAttribute",
        value: value.into(),
    }
}

/// A user of the list: a link with the login and the attributes the PWA reads.
fn user_link(tenant: &Tenant, base: &str, u: &User) -> UserLinkRo {
    let p = &u.person;
    let name = [p.first_name.as_deref(), p.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let roles: Vec<_> = roles_of(tenant, u).iter().map(|r| r.id).collect();
    UserLinkRo {
        type_: "Link",
        uri: format!("{base}/{}", u.login.as_str()),
        title: name.join(" "),
        login: u.login.as_str().to_owned(),
        item_id: u.login.as_str().to_owned(),
        attributes: vec![
            attribute("firstName", p.first_name.clone()),
            attribute("lastName", p.last_name.clone()),
            attribute("roleIDs", roles),
            attribute("active", u.active),
        ],
    }
}

/// The budget attributes of a user in the list (those set): `orderSpentLimit`,
/// `budget` (Money objects) and `budgetPeriod`.
fn budget_attributes(b: &UserBudget) -> Vec<AttributeRo> {
    let money = |m: Money| serde_json::to_value(MoneyRo::from(m)).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(m) = b.order_spent_limit {
        out.push(attribute("orderSpentLimit", money(m)));
    }
    if let Some(m) = b.budget {
        out.push(attribute("budget", money(m)));
    }
    if let Some(p) = b.period {
        out.push(attribute("budgetPeriod", p.code()));
    }
    out
}

/// Most users one `POST …/users` creates.
pub const MAX_NEW_USERS: usize = 100;

/// `SMBCustomerUserROCollection`: the users to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUsersRo {
    pub elements: Vec<CustomerUpdateRo>,
}

/// Creates users of the company in one request (needs `APP_B2B_MANAGE_USERS`). Each user
/// is created whole, with an invitation mail whose link lets them choose a password, or
/// not at all; the others are created anyway. The login is the e-mail address unless
/// `login` is given.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users",
    tag = "organization", request_body = NewUsersRo,
    responses((status = 201, description = "All created: links to them", body = UserLinksRo),
              (status = 207, description = "Some created (links in the body); header `not-created-users` lists the \
                 others as `login=reason` pairs, comma-separated (logins percent-encoded; reasons `login_exists`, \
                 `invalid_fields`, `unknown_role`, `internal_error`)", body = UserLinksRo),
              (status = 400, description = "Malformed body, no or too many elements, or no user valid \
                 (`not-created-users` says why)"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "Not the caller's business customer"),
              (status = 409, description = "No user created: every login exists already")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn add_users(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, account) = company_caller(&req, &state).await?;
        let value: serde_json::Value = crate::body::json(&req, payload, state.limits.max_body_bytes).await?;
        // The reference's collection, or a bare array.
        let dto: NewUsersRo = match value {
            serde_json::Value::Array(items) => crate::body::from_value(serde_json::json!({ "elements": items }))?,
            other => crate::body::from_value(other)?,
        };
        if dto.elements.is_empty() || dto.elements.len() > MAX_NEW_USERS {
            return Err(IcmError::bad(
                keys::INVALID,
                format!("'elements' must hold 1 to {MAX_NEW_USERS} users."),
            ));
        }
        // Parse every element; the ones that fail are reported, not created.
        let mut failed: Vec<(String, &'static str)> = Vec::new();
        let mut members = Vec::new();
        for item in &dto.elements {
            let named = item.login.clone().or_else(|| item.email.clone()).unwrap_or_default();
            let parsed = parse_person(item, &Default::default()).and_then(|(person, email)| {
                let login = match item.login.as_deref().filter(|l| !l.trim().is_empty()) {
                    Some(l) => Login::parse(l).map_err(|e| IcmError::field(keys::INVALID, "login", e))?,
                    None => Login::from_email(&email),
                };
                Ok(NewMember {
                    login,
                    email,
                    person,
                    active: item.active.unwrap_or(true),
                    roles: item.role_ids.clone().unwrap_or_default(),
                    external: Default::default(),
                })
            });
            match parsed {
                Ok(m) => members.push(m),
                Err(_) => failed.push((named, "invalid_fields")),
            }
        }
        let results = state
            .services
            .organization
            .add_users(&tenant, &account, members.clone())
            .await
            .map_err(organization_error)?;
        let base = company_uri(&req, "users");
        let mut created = Vec::new();
        for (member, result) in members.iter().zip(results) {
            match result {
                Ok(user) => created.push(user_link(&tenant, &base, &user)),
                Err(AddUserError::LoginTaken) => failed.push((member.login.as_str().to_owned(), "login_exists")),
                Err(AddUserError::UnknownRole(_)) => failed.push((member.login.as_str().to_owned(), "unknown_role")),
                Err(AddUserError::Store(e)) => {
                    tracing::error!(error = %e, "company user not created");
                    failed.push((member.login.as_str().to_owned(), "internal_error"))
                }
            }
        }
        let status = match (created.is_empty(), failed.is_empty()) {
            (false, true) => StatusCode::CREATED,
            (false, false) => StatusCode::MULTI_STATUS,
            (true, _) if failed.iter().all(|(_, why)| *why == "login_exists") => StatusCode::CONFLICT,
            (true, _) => StatusCode::BAD_REQUEST,
        };
        let mut res = HttpResponse::build(status);
        if !failed.is_empty() {
            let listed: Vec<String> = failed
                .iter()
                .map(|(login, why)| format!("{}={why}", header_safe(login)))
                .collect();
            res.insert_header(("not-created-users", listed.join(", ")));
        }
        if created.is_empty() {
            let key = if status == StatusCode::CONFLICT {
                keys::LOGIN_TAKEN
            } else {
                keys::INVALID
            };
            res.insert_header(("error-key", key));
            return Ok(caller.stamp(
                res.content_type("text/plain; charset=utf-8")
                    .body("No user was created."),
            ));
        }
        Ok::<_, IcmError>(caller.stamp(res.json(UserLinksRo {
            type_: "ResourceCollection",
            name: "users",
            offset: 0,
            limit: MAX_NEW_USERS as u64,
            amount: created.len(),
            total: created.len() as u64,
            sort_keys: ["name", "login", "firstName", "lastName"],
            elements: created,
        })))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// A login in a header list: percent-encoded where it could break the list or the header.
fn header_safe(login: &str) -> String {
    let mut out = String::with_capacity(login.len());
    for b in login.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'@' | b'.' | b'-' | b'_' | b'+' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The roles the company can give its users.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/roles", tag = "organization",
    responses((status = 200, description = "The role catalogue with permissions", body = UserRolesRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "Not the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn roles(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, _) = company_caller(&req, &state).await?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(roles_ro(catalogue(&tenant)))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// A user of the company (`-` = the caller, or a login). Other users need
/// `APP_B2B_MANAGE_USERS` (403 without).
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}",
    tag = "organization", params(IncludeQuery),
    responses((status = 200, description = "The user", body = SmbCustomerUserRo),
              (status = 400, description = "`include` names an unknown relation"),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Another user, without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "No such user of the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn user(req: HttpRequest, query: web::Query<IncludeQuery>, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (_, caller, account, user) = member(&req, &state).await?;
        let mut ro = user_ro(&user, &account);
        if let Some(include) = query.include.as_deref() {
            let names: Vec<&str> = include.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
            if let Some(bad) = names.iter().find(|n| !INCLUDABLE.contains(n)) {
                return Err(IcmError::bad(
                    keys::INVALID,
                    format!(
                        "'include' names an unknown relation '{bad}'; known: {}.",
                        INCLUDABLE.join(", ")
                    ),
                ));
            }
            if !names.contains(&"preferredInvoiceToAddress") {
                ro.preferred_invoice_to_address = None;
            }
            if !names.contains(&"preferredShipToAddress") {
                ro.preferred_ship_to_address = None;
            }
        }
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(ro)))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

/// Relations `include` may name.
const INCLUDABLE: [&str; 3] = [
    "preferredInvoiceToAddress",
    "preferredShipToAddress",
    "preferredPaymentInstrument",
];

/// `?include=`: the relations to embed (all when missing).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncludeQuery {
    /// Comma-separated: preferredInvoiceToAddress, preferredShipToAddress, preferredPaymentInstrument.
    pub include: Option<String>,
}

/// A user's roles with their permissions (the PWA reads the caller's own after login).
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/users/{CustomerItemUserKey}/roles",
    tag = "organization",
    responses((status = 200, description = "The user's roles", body = UserRolesRo),
              (status = 401, description = "Not logged in"),
              (status = 403, description = "Another user, without APP_B2B_MANAGE_USERS"),
              (status = 404, description = "No such user of the caller's business customer")),
    security(("authToken" = []), ("bearerAuth" = []), ("basicAuth" = [])))]
pub async fn user_roles(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let (tenant, caller, _, user) = member(&req, &state).await?;
        Ok::<_, IcmError>(caller.stamp(HttpResponse::Ok().json(roles_ro(&roles_of(&tenant, &user)))))
    };
    run.await.unwrap_or_else(IcmError::into_response)
}

#[cfg(test)]
mod tests {
    use super::percent_decoded;

    #[test]
    fn logins_encoded_twice_by_the_pwa_are_read_back() {
        assert_eq!(percent_decoded("max%40example.com"), "max@example.com");
        assert_eq!(percent_decoded("a%2Bb%40x.com"), "a+b@x.com");
        assert_eq!(percent_decoded("-"), "-");
        assert_eq!(percent_decoded("100%"), "100%");
    }
}
