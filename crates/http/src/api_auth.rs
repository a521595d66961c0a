//! API clients on the admin routes of every dialect: HTTP Basic with the client id and
//! secret, or a bearer token from `POST /oauth/token` or ICM `…/token`
//! (client_credentials) in `Authorization: Bearer` or `authentication-token`. A
//! storefront token is no API-client token, and a client of another tenant is unknown:
//! both are 401. A client without the scope the route needs is 403.

use actix_web::HttpRequest;
use clientele_domain::api_clients::{ApiClient, ApiClientError};
use clientele_domain::tenants::Tenant;

use crate::icm::auth::{basic_credentials, bearer_token};
use crate::AppState;

/// Why a request may not use an admin route; each dialect renders it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No, wrong, expired or foreign credentials.
    Unauthorized,
    /// Known client without the scope the route needs.
    Forbidden(&'static str),
    /// The store could not be asked.
    Unavailable,
}

/// The id of the API client that authenticated the request.
#[derive(Debug, Clone)]
pub struct ClientId(pub String);

/// Who made this request and its id, for the audit record of an erasure: the API client
/// that authenticated it, else `fallback` (a customer deleting their own account).
pub fn actor(req: &HttpRequest, fallback: impl FnOnce() -> String) -> clientele_domain::customers::Actor {
    let ext = actix_web::HttpMessage::extensions(req);
    clientele_domain::customers::Actor {
        by: ext
            .get::<ClientId>()
            .map(|c| format!("api-client:{}", c.0))
            .unwrap_or_else(fallback),
        request_id: ext.get::<crate::observe::RequestId>().map(|r| r.0.clone()),
    }
}

/// The scope a customer route needs: `customer.customer_read` to read (GET),
/// `customer.customer_manage` for everything else.
pub fn customer_scope(method: &actix_web::http::Method) -> &'static str {
    if method == actix_web::http::Method::GET {
        clientele_domain::api_clients::scope::CUSTOMER_READ
    } else {
        clientele_domain::api_clients::scope::CUSTOMER_MANAGE
    }
}

/// The API client of the request, holding `needed`.
pub async fn api_client(
    state: &AppState,
    req: &HttpRequest,
    tenant: &Tenant,
    needed: &'static str,
) -> Result<ApiClient, Denied> {
    let clients = &state.services.api_clients;
    let checked = match (basic_credentials(req), bearer_token(req)) {
        (Some((id, secret)), _) => clients.authenticate(tenant, &id, &secret, needed).await,
        (None, Some(token)) => clients.authenticate_token(tenant, &token, needed).await,
        (None, None) => Err(ApiClientError::Unauthorized),
    };
    if let Ok(client) = &checked {
        actix_web::HttpMessage::extensions_mut(req).insert(ClientId(client.client_id.as_str().to_owned()));
    }
    checked.map_err(|e| match e {
        ApiClientError::MissingScope(s) => Denied::Forbidden(s),
        ApiClientError::Store(e) => {
            tracing::error!(error = %e, "API client lookup failed");
            Denied::Unavailable
        }
        _ => Denied::Unauthorized,
    })
}
