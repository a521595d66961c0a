//! `POST /oauth/token`: API clients exchange their credentials for a short-lived bearer
//! token (OAuth 2 client credentials grant, form fields as Emporix' service tokens take
//! them; the credentials may also come as HTTP Basic). The client id names the tenant.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::api_clients::ApiClientError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::errors::ErrorMessage;
use crate::{body, AppState};

/// The form of the client credentials grant (a `scope` field is ignored: the token
/// carries the client's scopes).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ClientCredentialsRequest {
    /// `client_credentials`.
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// A service token.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceTokenRo {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// The client's scopes, space-separated.
    pub scope: String,
}

/// Issues a bearer token for an API client's credentials.
#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content = ClientCredentialsRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The token", body = ServiceTokenRo),
              (status = 400, description = "Another grant type"),
              (status = 401, description = "Unknown client, wrong secret or revoked client"),
              (status = 415, description = "Not application/x-www-form-urlencoded"),
              (status = 429, description = "Too many attempts from this client; see Retry-After")))]
pub async fn token(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        state.auth_limiter.check(&req)?;
        let bytes = body::read(payload, state.limits.max_body_bytes).await?;
        let form: ClientCredentialsRequest = if bytes.is_empty() {
            ClientCredentialsRequest::default()
        } else {
            body::require_form(&req)?;
            serde_urlencoded::from_bytes(&bytes)
                .map_err(|_| ErrorMessage::new(StatusCode::BAD_REQUEST, "invalid_request", "The form is malformed."))?
        };
        if form.grant_type.as_deref() != Some("client_credentials") {
            return Err(ErrorMessage::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only grant_type=client_credentials is supported.",
            ));
        }
        let (id, secret) = match (form.client_id, form.client_secret) {
            (Some(id), Some(secret)) => (id, secret),
            _ => crate::icm::auth::basic_credentials(&req).ok_or_else(|| {
                ErrorMessage::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client_id and client_secret (or HTTP Basic) are required.",
                )
            })?,
        };
        let issued = state
            .services
            .api_clients
            .issue_token(None, &id, &secret)
            .await
            .map_err(|e| match e {
                ApiClientError::Store(e) => {
                    tracing::error!(error = %e, "API token not issued");
                    ErrorMessage::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Try again later.")
                }
                _ => ErrorMessage::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Invalid client credentials.",
                ),
            })?;
        Ok::<_, ErrorMessage>(
            HttpResponse::Ok()
                .insert_header(("cache-control", "no-store"))
                .json(ServiceTokenRo {
                    access_token: issued.access_token,
                    token_type: "Bearer",
                    expires_in: issued.expires_in,
                    scope: issued.client.scopes.join(" "),
                }),
        )
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}
