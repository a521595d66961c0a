//! ICM authentication: `POST token` (grants anonymous, password, client_credentials,
//! refresh_token), `PUT token/logout` and `PUT logout`.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::api_clients::ApiClientError;
use clientele_domain::identity::{AuthError, IssuedTokens, TokenError};
use clientele_domain::values::Password;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{basic_credentials, bearer_token, internal, unauthorized};
use super::errors::IcmError;
use crate::{body, AppState};

/// The form fields of every grant.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[allow(dead_code)] // documented and accepted; a tenant has one organization and no OAuth clients
pub struct TokenRequest {
    /// `anonymous` (the default), `password`, `client_credentials` or `refresh_token`.
    pub grant_type: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Accepted; a tenant has one organization.
    pub organization: Option<String>,
    pub refresh_token: Option<String>,
    /// Sent by OAuth client libraries (the PWA's); ignored.
    pub scope: Option<String>,
    pub client_id: Option<String>,
}

/// `TokenRO`: the token set.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenRo {
    pub access_token: String,
    /// Not for API clients (they ask again with their credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
    /// Refresh-token lifetime in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_expires_in: Option<i64>,
    /// `user`: opaque ICM user tokens; `bearer`: an API client's token.
    #[schema(example = "user")]
    pub token_type: &'static str,
}

impl From<IssuedTokens> for TokenRo {
    fn from(t: IssuedTokens) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: Some(t.refresh_token),
            expires_in: t.expires_in,
            refresh_expires_in: Some(t.refresh_expires_in),
            token_type: "user",
        }
    }
}

fn invalid_grant(message: &str) -> IcmError {
    IcmError::new(StatusCode::BAD_REQUEST, None, message)
}

/// Creates a token set.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/token", tag = "authentication",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Token set", body = TokenRo),
              (status = 400, description = "The grant is missing fields, unknown, or its refresh token is invalid"),
              (status = 401, description = "Wrong credentials"),
              (status = 415, description = "Not application/x-www-form-urlencoded"),
              (status = 429, description = "Too many attempts from this client; see Retry-After")))]
pub async fn token(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    run(req, payload, state).await.unwrap_or_else(IcmError::into_response)
}

async fn run(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> Result<HttpResponse, IcmError> {
    let tenant = super::site_tenant(&state, &req).await?;
    state.auth_limiter.check(&req)?;
    let bytes = body::read(payload, state.limits.max_body_bytes).await?;
    let form: TokenRequest = if bytes.is_empty() {
        TokenRequest::default()
    } else {
        body::require_form(&req)?;
        serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| invalid_grant(&format!("The token request is not a valid form: {e}")))?
    };
    let sessions = &state.services.sessions;
    let tenant = &tenant;
    let login = |login: String, password: String| async move {
        sessions
            .login(tenant, &login, &Password::for_login(&password))
            .await
            .map_err(|e| match e {
                AuthError::InvalidCredentials | AuthError::NotActivated => unauthorized(),
                other => internal(other),
            })
    };
    let issued = match form.grant_type.as_deref().unwrap_or("anonymous") {
        "anonymous" => sessions.anonymous(tenant).await.map_err(internal)?,
        "password" => match (form.username, form.password) {
            (Some(u), Some(p)) if !u.is_empty() && !p.is_empty() => login(u, p).await?,
            _ => return Err(invalid_grant("The password grant needs username and password.")),
        },
        "client_credentials" => match basic_credentials(&req) {
            Some((u, p)) => match state.services.api_clients.issue_token(Some(tenant.id), &u, &p).await {
                // An API client (back office, ERP): a bearer token for the admin routes.
                Ok(t) => {
                    return Ok(HttpResponse::Ok()
                        .insert_header(("cache-control", "no-store"))
                        .json(TokenRo {
                            access_token: t.access_token,
                            refresh_token: None,
                            expires_in: t.expires_in,
                            refresh_expires_in: None,
                            token_type: "bearer",
                        }))
                }
                Err(ApiClientError::Store(e)) => return Err(internal(e)),
                // Otherwise a customer's login and password, as ICM's storefront does.
                Err(_) => login(u, p).await?,
            },
            None => {
                return Err(invalid_grant(
                    "The client_credentials grant needs an Authorization: Basic header.",
                ))
            }
        },
        "refresh_token" => {
            let refresh = form.refresh_token.filter(|t| !t.is_empty());
            let refresh = refresh.ok_or_else(|| invalid_grant("The refresh_token grant needs refresh_token."))?;
            sessions.refresh(tenant, &refresh).await.map_err(|e| match e {
                TokenError::Invalid => invalid_grant("The refresh token is invalid, expired or revoked."),
                TokenError::Store(e) => internal(e),
            })?
        }
        other => return Err(invalid_grant(&format!("The grant type '{other}' is not supported."))),
    };
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(TokenRo::from(issued)))
}

/// Revokes the token of the request and every token of its login (`PUT token/logout`).
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/token/logout", tag = "authentication",
    responses((status = 204, description = "Logged out"), (status = 401, description = "No valid token")),
    security(("authToken" = []), ("bearerAuth" = [])))]
pub async fn token_logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    logout_run(req, state).await.unwrap_or_else(IcmError::into_response)
}

/// Logs out the user of the token (`PUT logout`); same as `PUT token/logout`.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/logout", tag = "authentication",
    responses((status = 204, description = "Logged out"), (status = 401, description = "No valid token")),
    security(("authToken" = []), ("bearerAuth" = [])))]
pub async fn logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    logout_run(req, state).await.unwrap_or_else(IcmError::into_response)
}

async fn logout_run(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, IcmError> {
    let tenant = super::site_tenant(&state, &req).await?;
    let token = bearer_token(&req).ok_or_else(unauthorized)?;
    match state.services.sessions.logout(&tenant, &token).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(TokenError::Invalid) => Err(unauthorized()),
        Err(TokenError::Store(e)) => Err(internal(e)),
    }
}
