//! Emporix e-mail change: `me/accounts/internal/email/change` mails a token to the new
//! address; `…/change/confirm` with that token switches the login to it.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::identity::{EmailChangeError, EmailChangeRequest};
use clientele_domain::values::{Email, Password, ValueError};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{customer_guard, internal, invalid_token, rate_limited_guard};
use super::errors::ErrorMessage;
use crate::{body, AppState};

/// `ChangeEmailRequestDto`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeEmailRequestDto {
    /// The address the customer logs in with now.
    pub email: Option<String>,
    pub password: Option<String>,
    pub new_email: Option<String>,
    /// Whether the contact e-mail changes too (default false).
    pub sync_contact_email: Option<bool>,
}

/// `UpdateEmail`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateEmail {
    pub token: Option<String>,
}

fn field(name: &str, why: ValueError) -> HttpResponse {
    ErrorMessage::field(name, why).into_response()
}

/// Mails a confirmation token to the new address; the login changes on confirmation.
#[utoipa::path(post, path = "/customer/{tenant}/me/accounts/internal/email/change", tag = "authentication",
    params(("tenant" = String, Path)), request_body = ChangeEmailRequestDto,
    responses((status = 204, description = "Confirmation mailed to the new address"),
              (status = 400, description = "Missing or invalid fields, wrong current e-mail or password, \
                                            new address taken", body = ErrorMessage),
              (status = 401, description = "No valid customer token")),
    security(("CustomerAccessToken" = [])))]
pub async fn change(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    change_run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn change_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let (_, principal) = customer_guard(&req, &state).await?;
    state
        .auth_limiter
        .check(&req)
        .map_err(|p| p.render(crate::problem::Dialect::Emporix))?;
    let dto: ChangeEmailRequestDto = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let current_email = dto
        .email
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| field("email", ValueError::Missing))?;
    let password = dto
        .password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| field("password", ValueError::Missing))?;
    let new_email = Email::parse(dto.new_email.as_deref().unwrap_or_default()).map_err(|why| field("newEmail", why))?;
    let request = EmailChangeRequest {
        current_email,
        password: Password::for_login(&password),
        new_email,
        sync_contact_email: dto.sync_contact_email.unwrap_or(false),
    };
    match state.services.email_change.request(&principal, request).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(EmailChangeError::WrongCredentials) => Err(ErrorMessage::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The current e-mail address or the password is wrong.",
        )
        .into_response()),
        Err(EmailChangeError::SameAddress) => {
            Err(field("newEmail", ValueError::Malformed("it is the current address")))
        }
        Err(EmailChangeError::Taken) => Err(field(
            "newEmail",
            ValueError::Malformed("it belongs to another account"),
        )),
        Err(EmailChangeError::NotFound) => Err(invalid_token()),
        Err(e) => Err(internal(e)),
    }
}

/// Switches the login to the new address of a mailed token.
#[utoipa::path(post, path = "/customer/{tenant}/me/accounts/internal/email/change/confirm", tag = "authentication",
    params(("tenant" = String, Path)), request_body = UpdateEmail,
    responses((status = 204, description = "The e-mail address changed"),
              (status = 400, description = "Missing, unknown or used token; the address was taken meanwhile",
               body = ErrorMessage),
              (status = 401, description = "No valid anonymous token"),
              (status = 403, description = "The token has expired", body = ErrorMessage)),
    security(("AnonymousAccessToken" = [])))]
pub async fn confirm(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    confirm_run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn confirm_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let tenant = rate_limited_guard(&req, &state).await?;
    let dto: UpdateEmail = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let token = dto
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| field("token", ValueError::Missing))?;
    match state.services.email_change.confirm(&tenant, &token).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(EmailChangeError::InvalidCode) => Err(field("token", ValueError::Malformed("unknown or already used"))),
        Err(EmailChangeError::ExpiredCode) => Err(ErrorMessage::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "The e-mail change token has expired; request the change again.",
        )
        .into_response()),
        Err(EmailChangeError::Taken) => Err(field(
            "token",
            ValueError::Malformed("the new address now belongs to another account"),
        )),
        Err(e) => Err(internal(e)),
    }
}
