//! Order history for order systems: `PUT /service/{tenant}/orders/{shopOrderNumber}`,
//! `PUT …/invoices/{invoiceNumber}` and `PUT …/customers/{shopCustomerNumber}/balances/{currency}`
//! record IOM documents (scope `customer.order_manage`). Reporting a document again
//! replaces it (200); a new one answers 201.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::api_clients::scope;
use clientele_domain::orders::{
    take_customer_number, BalanceDocument, Document, InvoiceDocument, OrderDocument, OrderError,
};
use clientele_domain::tenants::Tenant;
use serde_json::Value;

use super::{authorized, ServiceError};
use crate::AppState;

fn error(e: OrderError) -> ServiceError {
    match e {
        OrderError::CustomerNotFound => ServiceError(StatusCode::NOT_FOUND, "No customer with this number.".into()),
        OrderError::Invalid { .. } => ServiceError::bad(format!("{e}.")),
        OrderError::OtherCustomer(_) => ServiceError(StatusCode::CONFLICT, format!("{e}.")),
        OrderError::Store(e) => {
            tracing::error!(error = %e, "order document not recorded");
            ServiceError(StatusCode::SERVICE_UNAVAILABLE, "Try again later.".into())
        }
    }
}

/// The body as an object, without `shopCustomerNumber` (returned apart).
async fn body(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    customer_in_body: bool,
) -> Result<(Option<String>, Value), ServiceError> {
    let mut value: Value = crate::body::json(req, payload, state.limits.max_body_bytes).await?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| ServiceError::bad("The body must be a JSON object."))?;
    let customer = if customer_in_body {
        Some(
            take_customer_number(object)
                .ok_or_else(|| ServiceError::bad("The field 'shopCustomerNumber' is missing."))?,
        )
    } else {
        None
    };
    Ok((customer, value))
}

/// The body's `field` must be the path's `key` when given; it is set to it.
fn keyed(mut value: Value, fields: &[&str], key: &str) -> Result<Value, ServiceError> {
    let object = value.as_object_mut().expect("checked to be an object");
    for field in fields {
        if let Some(given) = object.remove(*field) {
            if given.as_str() != Some(key) {
                return Err(ServiceError::bad(format!("The field '{field}' differs from the path.")));
            }
        }
    }
    object.insert(fields[0].to_owned(), Value::String(key.to_owned()));
    Ok(value)
}

async fn record(
    state: &AppState,
    tenant: &Tenant,
    customer: &str,
    document: Document,
) -> Result<HttpResponse, ServiceError> {
    let created = state
        .services
        .orders
        .record(tenant, customer, document)
        .await
        .map_err(error)?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).json(serde_json::json!({ "created": created })))
}

/// Records an order (IOM `CustomerOrder` plus `shopCustomerNumber`).
#[utoipa::path(put, path = "/service/{tenant}/orders/{shopOrderNumber}", tag = "order history",
    request_body(content = Object, description = "IOM `CustomerOrder` with `shopCustomerNumber`"),
    responses((status = 201, description = "Recorded"), (status = 200, description = "Replaced"),
              (status = 400, description = "A field that cannot be recorded"),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.order_manage"),
              (status = 404, description = "No customer with this number"),
              (status = 409, description = "The number is another customer's order")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn put_order(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::ORDER_MANAGE).await?;
        let key = req.match_info().get("number").unwrap_or_default().to_owned();
        let (customer, value) = body(&req, payload, &state, true).await?;
        let value = keyed(value, &["shopOrderNumber", "shopOrderNo"], &key)?;
        let doc: OrderDocument = crate::body::from_value(value)?;
        record(&state, &tenant, &customer.unwrap_or_default(), Document::Order(doc)).await
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}

/// Records an invoice or credit note (IOM `CustomerInvoiceAndCreditNote` plus `shopCustomerNumber`).
#[utoipa::path(put, path = "/service/{tenant}/invoices/{invoiceNumber}", tag = "order history",
    request_body(content = Object, description = "IOM `CustomerInvoiceAndCreditNote` with `shopCustomerNumber`"),
    responses((status = 201, description = "Recorded"), (status = 200, description = "Replaced"),
              (status = 400, description = "A field that cannot be recorded"),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.order_manage"),
              (status = 404, description = "No customer with this number"),
              (status = 409, description = "The number is another customer's invoice")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn put_invoice(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::ORDER_MANAGE).await?;
        let key = req.match_info().get("number").unwrap_or_default().to_owned();
        let (customer, value) = body(&req, payload, &state, true).await?;
        let value = keyed(value, &["invoiceNumber", "invoiceNo"], &key)?;
        let doc: InvoiceDocument = crate::body::from_value(value)?;
        record(&state, &tenant, &customer.unwrap_or_default(), Document::Invoice(doc)).await
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}

/// Records a customer's balance in one currency (IOM `CustomerBalance`).
#[utoipa::path(put, path = "/service/{tenant}/customers/{shopCustomerNumber}/balances/{currency}", tag = "order history",
    request_body(content = Object, description = "IOM `CustomerBalance`"),
    responses((status = 201, description = "Recorded"), (status = 200, description = "Replaced"),
              (status = 400, description = "A field that cannot be recorded"),
              (status = 401, description = "No or wrong API-client credentials"),
              (status = 403, description = "The client lacks customer.order_manage"),
              (status = 404, description = "No customer with this number")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn put_balance(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::ORDER_MANAGE).await?;
        let m = req.match_info();
        let (customer, currency) = (
            m.get("customer").unwrap_or_default().to_owned(),
            m.get("currency").unwrap_or_default().to_owned(),
        );
        let (_, value) = body(&req, payload, &state, false).await?;
        let value = keyed(value, &["currency"], &currency)?;
        let doc: BalanceDocument = crate::body::from_value(value)?;
        record(&state, &tenant, &customer, Document::Balance(doc)).await
    };
    run.await.unwrap_or_else(ServiceError::into_response)
}
