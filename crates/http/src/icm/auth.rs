//! Who is calling an ICM route: an `authentication-token` header, `Authorization:
//! Bearer`, or HTTP Basic (which creates a token, as ICM's implicit token creation).
//! Every authenticated answer carries the token in an `authentication-token` header.

use actix_web::{http::header, http::StatusCode, HttpRequest, HttpResponse};
use base64::Engine;
use clientele_domain::customers::OwnAccount;
use clientele_domain::identity::{AuthError, Principal, Session, TokenError};
use clientele_domain::tenants::Tenant;
use clientele_domain::values::Password;

use super::errors::IcmError;
use crate::problem::Problem;
use crate::AppState;

/// The ICM token header, in requests and responses.
pub const TOKEN_HEADER: &str = "authentication-token";

/// A caller with a live session, and the token to hand back.
pub struct Caller {
    pub session: Session,
    pub token: String,
}

impl Caller {
    /// The logged-in user; anonymous sessions get the ICM 401.
    pub fn principal(&self) -> Result<Principal, IcmError> {
        self.session.principal().ok_or_else(unauthorized)
    }

    /// Adds the `authentication-token` header to an answer.
    pub fn stamp(&self, mut res: HttpResponse) -> HttpResponse {
        if let Ok(v) = header::HeaderValue::from_str(&self.token) {
            res.headers_mut()
                .insert(header::HeaderName::from_static(TOKEN_HEADER), v);
        }
        res
    }
}

pub fn unauthorized() -> IcmError {
    IcmError::new(
        StatusCode::UNAUTHORIZED,
        None,
        "Authentication is required or the credentials are invalid.",
    )
}

/// A 401 the PWA recognises as a dead token: it drops the token and retries without it.
fn invalid_token() -> IcmError {
    IcmError::new(
        StatusCode::UNAUTHORIZED,
        None,
        "AuthenticationTokenInvalid: the authentication token is invalid, expired or revoked.",
    )
}

/// Login and password from an `Authorization: Basic …` header (any case of "Basic").
pub fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
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

/// The token from `authentication-token` or `Authorization: Bearer`.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let from_header = req.headers().get(TOKEN_HEADER).and_then(|v| v.to_str().ok());
    let from_bearer = || {
        let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
    };
    from_header
        .or_else(from_bearer)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

pub fn internal(e: impl std::fmt::Display) -> IcmError {
    tracing::error!(error = %e, "authentication failed");
    Problem::Internal.into()
}

/// Whether the path's `{customer}` names the caller's customer: `-` or its number.
pub fn own_customer_key(req: &HttpRequest, account: &OwnAccount) -> bool {
    req.match_info()
        .get("customer")
        .is_some_and(|k| k == "-" || k == account.customer.number.as_str())
}

/// The caller of the request, or the ICM 401.
pub async fn caller(state: &AppState, req: &HttpRequest, tenant: &Tenant) -> Result<Caller, IcmError> {
    let sessions = &state.services.sessions;
    if let Some(token) = bearer_token(req) {
        return match sessions.authenticate(tenant, &token).await {
            Ok(session) => Ok(Caller { session, token }),
            Err(TokenError::Invalid) => Err(invalid_token()),
            Err(TokenError::Store(e)) => Err(internal(e)),
        };
    }
    let (login, password) = basic_credentials(req).ok_or_else(unauthorized)?;
    match sessions
        .login_access_only(tenant, &login, &Password::for_login(&password))
        .await
    {
        Ok(issued) => Ok(Caller {
            session: issued.session,
            token: issued.access_token,
        }),
        Err(AuthError::InvalidCredentials | AuthError::NotActivated) => Err(unauthorized()),
        Err(e) => Err(internal(e)),
    }
}

/// The caller and their own account. With a token both come from one store round trip;
/// with Basic credentials the login (argon2id) dominates anyway.
pub async fn caller_with_account(
    state: &AppState,
    req: &HttpRequest,
    tenant: &Tenant,
) -> Result<(Caller, OwnAccount), IcmError> {
    if let Some(token) = bearer_token(req) {
        return match state.services.sessions.authenticate_with_account(tenant, &token).await {
            Ok((session, account)) => {
                let caller = Caller { session, token };
                caller.principal()?;
                Ok((caller, account.ok_or_else(IcmError::customer_not_found)?))
            }
            Err(TokenError::Invalid) => Err(invalid_token()),
            Err(TokenError::Store(e)) => Err(internal(e)),
        };
    }
    let caller = caller(state, req, tenant).await?;
    let account = state.services.profile.own_account(&caller.principal()?).await?;
    Ok((caller, account))
}
