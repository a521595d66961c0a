//! Emporix double opt-in: `signup/optin/{token}` activates the account of a mailed
//! token and logs the customer in; `signup/optin/refresh_token` mails a new link.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::identity::ActivationError;
use clientele_domain::values::Email;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{internal, rate_limited_guard, CustomerToken};
use super::errors::ErrorMessage;
use crate::{body, AppState};

/// Activates the account of an opt-in token and logs the customer in.
#[utoipa::path(get, path = "/customer/{tenant}/signup/optin/{token}", tag = "authentication",
    params(("tenant" = String, Path), ("token" = String, Path, description = "The token of the activation mail")),
    responses((status = 200, description = "Activated; the customer is logged in", body = CustomerToken),
              (status = 400, description = "Unknown or already used token", body = ErrorMessage),
              (status = 401, description = "No valid anonymous token"),
              (status = 403, description = "The token has expired", body = ErrorMessage)),
    security(("AnonymousAccessToken" = [])))]
pub async fn activate(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let tenant = match rate_limited_guard(&req, &state).await {
        Ok(t) => t,
        Err(res) => return res,
    };
    let token = req.match_info().get("token").unwrap_or_default();
    match state.services.activation.activate(&tenant, token).await {
        Ok(tokens) => HttpResponse::Ok().json(CustomerToken::from(tokens)),
        Err(ActivationError::InvalidCode) => ErrorMessage::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The activation token is unknown or has been used already.",
        )
        .into_response(),
        Err(ActivationError::ExpiredCode) => ErrorMessage::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "The activation token has expired; request a new activation link.",
        )
        .into_response(),
        Err(ActivationError::Store(e)) => internal(e),
    }
}

/// `RefreshToken` (of the opt-in: the address to send a new link to).
#[derive(Debug, Deserialize, ToSchema)]
pub struct OptInRefresh {
    pub email: Option<String>,
}

/// Mails a new activation link if the address belongs to an account that awaits its
/// opt-in; 202 either way.
#[utoipa::path(post, path = "/customer/{tenant}/signup/optin/refresh_token", tag = "authentication",
    params(("tenant" = String, Path)), request_body = OptInRefresh,
    responses((status = 202, description = "Accepted (whether or not the address awaits an opt-in)"),
              (status = 400, description = "Missing or invalid e-mail", body = ErrorMessage),
              (status = 401, description = "No valid anonymous token")),
    security(("AnonymousAccessToken" = [])))]
pub async fn resend(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    resend_run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn resend_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let tenant = rate_limited_guard(&req, &state).await?;
    let dto: OptInRefresh = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let email = Email::parse(dto.email.as_deref().unwrap_or_default())
        .map_err(|why| ErrorMessage::field("email", why).into_response())?;
    match state.services.activation.resend(&tenant, &email).await {
        Ok(()) => Ok(HttpResponse::Accepted().finish()),
        Err(e) => Err(internal(e)),
    }
}
