//! The complete personal-data export for data-protection officers:
//! `GET /service/{tenant}/customers/{customerNumber}/personal-data` (scope `gdpr.read`)
//! answers every row held on the customer and their users as one JSON document.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::api_clients::scope;
use clientele_domain::privacy::ExportError;

use super::{authorized, ServiceError};
use crate::AppState;

/// Everything held on the customer: rows per table (secrets left out), bank data and
/// payment parameters opened.
#[utoipa::path(get, path = "/service/{tenant}/customers/{customerNumber}/personal-data", tag = "data protection",
    responses((status = 200, description = "`{customerNumber, exportedAt, tables: {table: [row…]}, bankAccounts, paymentInstrumentParameters}`", body = Object),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks gdpr.read"),
              (status = 404, description = "No customer with this number")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn export(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::GDPR_READ).await?;
        let number = req.match_info().get("customer").unwrap_or_default();
        let document = state
            .services
            .export
            .export(&tenant, number)
            .await
            .map_err(|e| match e {
                ExportError::NotFound => ServiceError(StatusCode::NOT_FOUND, "No customer with this number.".into()),
                ExportError::Store(e) => {
                    tracing::error!(error = %e, "personal-data export failed");
                    ServiceError(StatusCode::SERVICE_UNAVAILABLE, "Try again later.".into())
                }
            })?;
        Ok::<_, ServiceError>(HttpResponse::Ok().json(document))
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}
