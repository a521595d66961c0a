//! Who is calling an ICM route: HTTP Basic credentials (tokens follow with the
//! identity issue).

use actix_web::{http::header, HttpRequest};
use base64::Engine;
use clientele_domain::identity::{AuthError, Principal};
use clientele_domain::tenants::Tenant;
use clientele_domain::values::Password;

use super::errors::IcmError;
use crate::AppState;

fn unauthorized() -> IcmError {
    IcmError {
        status: actix_web::http::StatusCode::UNAUTHORIZED,
        key: None,
        message: "Authentication is required or the credentials are invalid.".into(),
    }
}

/// Login and password from an `Authorization: Basic …` header (any case of "Basic").
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, password) = text.split_once(':')?;
    Some((login.to_owned(), password.to_owned()))
}

/// The principal of the request, or the ICM 401.
pub async fn principal(state: &AppState, req: &HttpRequest, tenant: &Tenant) -> Result<Principal, IcmError> {
    let (login, password) = basic_credentials(req).ok_or_else(unauthorized)?;
    match state
        .services
        .authenticator
        .login(tenant, &login, &Password::for_login(&password))
        .await
    {
        Ok(p) => Ok(p),
        Err(AuthError::InvalidCredentials) => Err(unauthorized()),
        Err(e) => {
            tracing::error!(error = %e, "authentication failed");
            Err(crate::problem::Problem::Internal.into())
        }
    }
}
