//! `POST /customer/{tenant}/password/change`: the logged-in customer changes their password.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::identity::ChangePasswordError;
use clientele_domain::values::{Password, ValueError};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{customer_guard, invalid_token};
use super::errors::ErrorMessage;
use crate::{body, AppState};

/// `PasswordChangeDto`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChangeDto {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// Changes the password; every session of the customer ends.
#[utoipa::path(post, path = "/customer/{tenant}/password/change", tag = "authentication",
    params(("tenant" = String, Path)),
    request_body = PasswordChangeDto,
    responses((status = 204, description = "Changed"),
              (status = 400, description = "Missing fields, wrong current password, weak or recently used new password",
               body = ErrorMessage),
              (status = 401, description = "No valid customer token")),
    security(("CustomerAccessToken" = [])))]
pub async fn change(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    run(req, payload, state).await.unwrap_or_else(|res| res)
}

async fn run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpResponse> {
    let (_, principal) = customer_guard(&req, &state).await?;
    let dto: PasswordChangeDto = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| ErrorMessage::from(p).into_response())?;
    let field = |name: &str, why| ErrorMessage::field(name, why).into_response();
    let current = dto
        .current_password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| field("currentPassword", ValueError::Missing))?;
    let new = dto
        .new_password
        .filter(|p| !p.is_empty())
        .ok_or_else(|| field("newPassword", ValueError::Missing))?;
    match state
        .services
        .credentials
        .change_password(&principal, &Password::for_login(&current), &new)
        .await
    {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(ChangePasswordError::WrongCurrentPassword) => Err(field(
            "currentPassword",
            ValueError::Malformed("it does not match the current password"),
        )),
        Err(ChangePasswordError::Weak(why)) => Err(field("newPassword", why)),
        Err(ChangePasswordError::RecentlyUsed) => Err(field(
            "newPassword",
            ValueError::Malformed("it was used recently; choose another password"),
        )),
        Err(ChangePasswordError::NotFound) => Err(invalid_token()),
        Err(e) => {
            tracing::error!(error = %e, "password change failed");
            Err(ErrorMessage::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "An internal error occurred.",
            )
            .into_response())
        }
    }
}
