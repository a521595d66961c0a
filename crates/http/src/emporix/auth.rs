//! Emporix storefront authentication: anonymous tokens, customer login, logout, token
//! refresh and validation. Tokens travel as `Authorization: Bearer …`.

use actix_web::{http::header, http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::identity::{AuthError, IssuedTokens, Session, TokenError};
use clientele_domain::tenants::Tenant;
use clientele_domain::values::Password;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::errors::ErrorMessage;
use crate::{body, tenant_named, AppState};

/// Emporix' 401 body (an API-gateway fault, not an `ErrorMessage`).
pub fn invalid_token() -> HttpResponse {
    HttpResponse::Unauthorized().json(serde_json::json!({
        "fault": { "faultstring": "Invalid access token", "detail": { "errorcode": "oauth.v2.InvalidAccessToken" } }
    }))
}

pub(super) fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

pub fn internal(e: impl std::fmt::Display) -> HttpResponse {
    internal_message(e).into_response()
}

/// The 500 `ErrorMessage` for a failure that is logged, never shown.
pub fn internal_message(e: impl std::fmt::Display) -> ErrorMessage {
    tracing::error!(error = %e, "request failed");
    ErrorMessage::from(crate::problem::Problem::Internal)
}

/// The live session of the request's bearer token (anonymous or customer), or the 401.
pub async fn session(state: &AppState, req: &HttpRequest, tenant: &Tenant) -> Result<Session, HttpResponse> {
    let token = bearer(req).ok_or_else(invalid_token)?;
    match state.services.sessions.authenticate(tenant, token).await {
        Ok(s) => Ok(s),
        Err(TokenError::Invalid) => Err(invalid_token()),
        Err(TokenError::Store(e)) => Err(internal(e)),
    }
}

/// The path's tenant, for a request with any live token of it (anonymous or customer),
/// within the per-IP limit of credential routes.
pub(super) async fn rate_limited_guard(req: &HttpRequest, state: &AppState) -> Result<Tenant, HttpResponse> {
    let tenant = path_tenant(state, req).await?;
    session(state, req, &tenant).await?;
    state
        .auth_limiter
        .check(req)
        .map_err(|p| p.render(crate::problem::Dialect::Emporix))?;
    Ok(tenant)
}

/// The path's tenant and the logged-in customer of the request's token.
pub(super) async fn customer_guard(
    req: &HttpRequest,
    state: &AppState,
) -> Result<(Tenant, clientele_domain::identity::Principal), HttpResponse> {
    let tenant = path_tenant(state, req).await?;
    let principal = session(state, req, &tenant)
        .await?
        .principal()
        .ok_or_else(invalid_token)?;
    Ok((tenant, principal))
}

pub(super) async fn path_tenant(state: &AppState, req: &HttpRequest) -> Result<Tenant, HttpResponse> {
    tenant(state, req.match_info().get("tenant").unwrap_or_default()).await
}

async fn tenant(state: &AppState, name: &str) -> Result<Tenant, HttpResponse> {
    tenant_named(state, name)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())
}

/// `AnonymousAccessToken`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnonymousToken {
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_token_expires_in: i64,
    #[serde(rename = "sessionId")]
    pub session_id: String,
    #[schema(example = "tenant=demo")]
    pub scope: String,
}

fn anonymous_token(t: IssuedTokens, tenant: &Tenant) -> AnonymousToken {
    AnonymousToken {
        token_type: "Bearer",
        session_id: t.session.family.to_string(),
        access_token: t.access_token,
        expires_in: t.expires_in,
        refresh_token: t.refresh_token,
        refresh_token_expires_in: t.refresh_expires_in,
        scope: format!("tenant={}", tenant.name.as_str()),
    }
}

/// Query of the anonymous login.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnonymousLoginQuery {
    pub tenant: Option<String>,
    /// The storefront's client id; required.
    pub client_id: Option<String>,
}

/// Issues an anonymous access token.
#[utoipa::path(get, path = "/customerlogin/auth/anonymous/login", tag = "authentication",
    params(AnonymousLoginQuery),
    responses((status = 200, description = "Anonymous token", body = AnonymousToken),
              (status = 400, description = "tenant or client_id missing", body = ErrorMessage)))]
pub async fn anonymous_login(query: web::Query<AnonymousLoginQuery>, state: web::Data<AppState>) -> HttpResponse {
    let q = query.into_inner();
    if q.client_id.as_deref().is_none_or(str::is_empty) {
        return ErrorMessage::field("client_id", clientele_domain::values::ValueError::Missing).into_response();
    }
    let tenant = match tenant(&state, q.tenant.as_deref().unwrap_or_default()).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    match state.services.sessions.anonymous(&tenant).await {
        Ok(t) => HttpResponse::Ok().json(anonymous_token(t, &tenant)),
        Err(e) => internal(e),
    }
}

/// Query of the anonymous refresh.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnonymousRefreshQuery {
    pub tenant: Option<String>,
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
}

/// Renews an anonymous token with its refresh token (the refresh token rotates).
#[utoipa::path(get, path = "/customerlogin/auth/anonymous/refresh", tag = "authentication",
    params(AnonymousRefreshQuery),
    responses((status = 200, description = "Anonymous token", body = AnonymousToken),
              (status = 401, description = "Invalid, expired, revoked or reused refresh token")))]
pub async fn anonymous_refresh(query: web::Query<AnonymousRefreshQuery>, state: web::Data<AppState>) -> HttpResponse {
    let q = query.into_inner();
    let tenant = match tenant(&state, q.tenant.as_deref().unwrap_or_default()).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    let Some(refresh) = q.refresh_token.filter(|t| !t.is_empty()) else {
        return ErrorMessage::field("refresh_token", clientele_domain::values::ValueError::Missing).into_response();
    };
    match state.services.sessions.refresh(&tenant, &refresh).await {
        Ok(t) if t.session.principal().is_none() => HttpResponse::Ok().json(anonymous_token(t, &tenant)),
        Ok(_) | Err(TokenError::Invalid) => invalid_token(),
        Err(TokenError::Store(e)) => internal(e),
    }
}

/// `PasswordAuthentication`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordAuthentication {
    pub email: Option<String>,
    pub password: Option<String>,
}

/// `CustomerToken`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerToken {
    pub access_token: String,
    /// The same opaque token as `access_token` (clientele issues no separate SaaS JWT).
    pub saas_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_token_expires_in: i64,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    pub session_id: String,
    #[serde(rename = "initialPassword")]
    pub initial_password: bool,
}

impl From<IssuedTokens> for CustomerToken {
    fn from(t: IssuedTokens) -> Self {
        CustomerToken {
            saas_token: t.access_token.clone(),
            session_id: t.session.family.to_string(),
            access_token: t.access_token,
            expires_in: t.expires_in,
            refresh_token: t.refresh_token,
            refresh_token_expires_in: t.refresh_expires_in,
            token_type: "Bearer",
            initial_password: false,
        }
    }
}

/// Logs a customer in (needs an anonymous token).
#[utoipa::path(post, path = "/customer/{tenant}/login", tag = "authentication",
    params(("tenant" = String, Path)),
    request_body = PasswordAuthentication,
    responses((status = 200, description = "Customer tokens", body = CustomerToken),
              (status = 400, description = "Missing fields", body = ErrorMessage),
              (status = 401, description = "No valid anonymous token, or wrong credentials")),
    security(("AnonymousAccessToken" = [])))]
pub async fn login(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    login_run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn login_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let tenant = rate_limited_guard(&req, &state).await?;
    let dto: PasswordAuthentication = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let missing =
        |field: &str| ErrorMessage::field(field, clientele_domain::values::ValueError::Missing).into_response();
    let email = dto
        .email
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("email"))?;
    let password = dto
        .password
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("password"))?;
    match state
        .services
        .sessions
        .login(&tenant, &email, &Password::for_login(&password))
        .await
    {
        Ok(t) => Ok(HttpResponse::Ok().json(CustomerToken::from(t))),
        Err(AuthError::InvalidCredentials) => {
            Err(ErrorMessage::new(StatusCode::UNAUTHORIZED, "unauthorized", "Invalid credentials.").into_response())
        }
        Err(AuthError::NotActivated) => Err(ErrorMessage::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The customer account is not activated yet: open the link of the activation e-mail, or request a new one.",
        )
        .into_response()),
        Err(e) => Err(internal(e)),
    }
}

/// `POST /customer/{tenant}/login/sessionkey` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionKeyLogin {
    /// The `sessionKey` of a login link (WEBSALE `customerAccounts/{id}/link`).
    pub session_key: Option<String>,
}

/// Exchanges a one-time login link's key (valid 30 seconds, usable once) for a
/// customer session, answered as a login is (with an anonymous token, as the login).
/// clientele's own route (see docs/compat.md).
#[utoipa::path(post, path = "/customer/{tenant}/login/sessionkey", tag = "authentication",
    params(("tenant" = String, Path)),
    request_body = SessionKeyLogin,
    responses((status = 200, body = CustomerToken), (status = 401, description = "Unknown, used or expired key", body = ErrorMessage)))]
pub async fn session_key_login(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    session_key_run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn session_key_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let tenant = rate_limited_guard(&req, &state).await?;
    let dto: SessionKeyLogin = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let key = dto.session_key.filter(|k| !k.is_empty()).ok_or_else(|| {
        ErrorMessage::field("sessionKey", clientele_domain::values::ValueError::Missing).into_response()
    })?;
    match state.services.accounts.use_login_link(&tenant, &key).await {
        Ok(t) => Ok(HttpResponse::Ok().json(CustomerToken::from(t))),
        Err(clientele_domain::accounts::AccountError::InvalidLink) => Err(ErrorMessage::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The login link is invalid, used or expired.",
        )
        .into_response()),
        Err(e) => Err(internal(e)),
    }
}

/// Query of the logout.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct LogoutQuery {
    /// The customer access token to invalidate.
    pub access_token: Option<String>,
}

/// Invalidates a customer access token and every token of its login.
#[utoipa::path(get, path = "/customer/{tenant}/logout", tag = "authentication",
    params(("tenant" = String, Path), LogoutQuery),
    responses((status = 204, description = "Logged out"), (status = 401, description = "Invalid token")),
    security(("CustomerAccessToken" = [])))]
pub async fn logout(req: HttpRequest, query: web::Query<LogoutQuery>, state: web::Data<AppState>) -> HttpResponse {
    let tenant = match path_tenant(&state, &req).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    let Some(token) = query
        .into_inner()
        .access_token
        .or_else(|| bearer(&req).map(str::to_owned))
    else {
        return invalid_token();
    };
    match state.services.sessions.logout(&tenant, &token).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(TokenError::Invalid) => invalid_token(),
        Err(TokenError::Store(e)) => internal(e),
    }
}

/// Query of the customer token refresh.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RefreshQuery {
    pub refresh_token: Option<String>,
    /// Accepted; legal entities come with the B2B work.
    pub legal_entity_id: Option<String>,
}

/// `RefreshCustomerToken`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshCustomerToken {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_token_expires_in: i64,
    pub token_type: &'static str,
    pub session_id: String,
}

/// Exchanges a customer refresh token for new tokens (the refresh token rotates; a
/// reused one revokes the whole login).
#[utoipa::path(get, path = "/customer/{tenant}/refreshauthtoken", tag = "authentication",
    params(("tenant" = String, Path), RefreshQuery),
    responses((status = 200, description = "New tokens", body = RefreshCustomerToken),
              (status = 401, description = "Invalid, expired, revoked or reused refresh token")))]
pub async fn refresh(req: HttpRequest, query: web::Query<RefreshQuery>, state: web::Data<AppState>) -> HttpResponse {
    let tenant = match path_tenant(&state, &req).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    let q = query.into_inner();
    let _ = q.legal_entity_id;
    let Some(refresh) = q.refresh_token.filter(|t| !t.is_empty()) else {
        return ErrorMessage::field("refreshToken", clientele_domain::values::ValueError::Missing).into_response();
    };
    match state.services.sessions.refresh(&tenant, &refresh).await {
        Ok(t) if t.session.principal().is_some() => HttpResponse::Ok().json(RefreshCustomerToken {
            session_id: t.session.family.to_string(),
            access_token: t.access_token,
            expires_in: t.expires_in,
            refresh_token: t.refresh_token,
            refresh_token_expires_in: t.refresh_expires_in,
            token_type: "Bearer",
        }),
        Ok(_) | Err(TokenError::Invalid) => invalid_token(),
        Err(TokenError::Store(e)) => internal(e),
    }
}

/// `ValidateTokenResponse`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidateTokenResponse {
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
    #[serde(rename = "sessionId")]
    pub session_id: String,
}

/// Checks a customer access token: 200 with its details, or 401.
#[utoipa::path(get, path = "/customer/{tenant}/validateauthtoken", tag = "authentication",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Valid", body = ValidateTokenResponse),
              (status = 401, description = "Invalid, expired or revoked")),
    security(("CustomerAccessToken" = [])))]
pub async fn validate(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let tenant = match path_tenant(&state, &req).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    let session = match session(&state, &req, &tenant).await {
        Ok(s) if s.principal().is_some() => s,
        Ok(_) => return invalid_token(),
        Err(res) => return res,
    };
    let now = state.services.sessions.clock.now();
    HttpResponse::Ok().json(ValidateTokenResponse {
        token_type: "Bearer",
        expires_in: (session.access_expires_at - now).num_seconds().max(0),
        scope: format!("tenant={}", tenant.name.as_str()),
        session_id: session.family.to_string(),
    })
}
