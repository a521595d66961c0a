//! Intershop IOM GDPR API 2.10 under `/rest/gdpr`: `GET` and `DELETE
//! shops/{shopName}/customers/{shopCustomerNumber}` for API clients holding `gdpr.read`
//! or `gdpr.delete` (HTTP Basic or Bearer). The shop name is the tenant, the customer
//! number the customer's. Errors are the status alone, as IOM documents them.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};
use clientele_domain::addresses::Address;
use clientele_domain::administration::AdminError;
use clientele_domain::api_clients::scope;
use clientele_domain::bank_accounts::BankAccount;
use clientele_domain::customers::{CustomerKind, CustomerStatus};
use clientele_domain::orders::History;
use clientele_domain::tenants::Tenant;
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::api_auth::Denied;
use crate::docs::BasicAuth;
use crate::problem::{method_not_allowed, Dialect, Problem};
use crate::AppState;

/// IOM's media type of the customer document.
pub const MEDIA_TYPE: &str = "application/vnd.intershop.customer.v3+json";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rest/gdpr/shops/{shop}/customers/{number}")
            .route(web::get().to(get_customer))
            .route(web::delete().to(delete_customer))
            .default_service(web::to(method_not_allowed)),
    );
}

/// An answer without a body, in IOM's way (`WWW-Authenticate` on 401).
fn status(code: StatusCode) -> HttpResponse {
    let problem = match code {
        StatusCode::UNAUTHORIZED => Problem::Unauthorized,
        StatusCode::NOT_FOUND => Problem::NotFound("The customer".into()),
        StatusCode::SERVICE_UNAVAILABLE => Problem::Unavailable,
        _ => return HttpResponse::build(code).finish(),
    };
    problem.render(Dialect::Iom)
}

/// `CustomerBankAccount`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankAccountRo {
    pub account_holder: String,
    /// The IBAN, or the legacy account number.
    pub account_number: Option<String>,
    /// The BIC, or the legacy bank code.
    pub bank_code: Option<String>,
    pub bank_name: String,
}

/// `Address`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressRo {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub company_name: Option<String>,
    pub street: String,
    pub house_number: Option<String>,
    pub address_addition1: Option<String>,
    pub address_addition2: Option<String>,
    /// `Invoice address`, `Shipping address` or `Invoice and shipping address`.
    pub address_type: &'static str,
    pub post_code: Option<String>,
    pub city: String,
    pub district: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    pub email: Option<String>,
    pub fax: Option<String>,
    pub mobile_phone: Option<String>,
    pub phone1: Option<String>,
    pub phone2: Option<String>,
    pub is_default: bool,
    pub salutation: Option<String>,
    pub po_box: Option<String>,
}

/// `Customer`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRo {
    pub creation_date: String,
    /// `b2c`, or `b2b` for business customers.
    pub customer_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_birth: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub has_newsletter: bool,
    pub is_active: bool,
    /// No order recorded yet.
    pub is_new_customer: bool,
    /// Deprecated in IOM; the same as `shopCustomerNumber`.
    pub shop_customer_no: String,
    pub shop_customer_number: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub fax: Option<String>,
    pub mobile_phone: Option<String>,
    pub phone1: Option<String>,
    pub phone2: Option<String>,
    pub company_name: Option<String>,
    pub bank_accounts: Vec<BankAccountRo>,
    pub addresses: Vec<AddressRo>,
    /// `CustomerOrder`s with their positions.
    #[schema(value_type = Vec<Object>)]
    pub orders: Vec<Value>,
    /// `CustomerInvoiceAndCreditNote`s with their positions.
    #[schema(value_type = Vec<Object>)]
    pub invoice_and_credit_notes: Vec<Value>,
    /// `CustomerBalance`s.
    #[schema(value_type = Vec<Object>)]
    pub customer_balances: Vec<Value>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn address_ro(a: &Address) -> AddressRo {
    let d = &a.data;
    let address_type = match (d.usage.invoice, d.usage.shipping) {
        (true, true) => "Invoice and shipping address",
        (true, false) => "Invoice address",
        _ => "Shipping address",
    };
    AddressRo {
        first_name: d.first_name.clone(),
        last_name: d.last_name.clone(),
        title: d.title.clone(),
        company_name: d.company_name.clone(),
        street: d.street1.clone(),
        house_number: d.extra.street_number.clone(),
        address_addition1: d.street2.clone(),
        address_addition2: d.street3.clone(),
        address_type,
        post_code: d.postal_code.clone(),
        city: d.city.clone(),
        district: d.region_name.clone(),
        country: d.country.as_str().to_owned(),
        email: d.email.as_ref().map(|e| e.as_str().to_owned()),
        fax: d.fax.clone(),
        mobile_phone: d.phone_mobile.clone(),
        phone1: d.phone_home.clone(),
        phone2: d.phone_business.clone(),
        is_default: d.usage.preferred_invoice || d.usage.preferred_shipping,
        salutation: d.salutation.clone(),
        po_box: d.post_box.clone(),
    }
}

fn bank_ro(b: &BankAccount) -> BankAccountRo {
    let d = &b.data;
    BankAccountRo {
        account_holder: d.owner.clone(),
        account_number: d
            .iban
            .as_ref()
            .map(|i| i.as_str().to_owned())
            .or_else(|| d.account_number.as_ref().map(|n| n.as_str().to_owned())),
        bank_code: d
            .bic
            .as_ref()
            .map(|b| b.as_str().to_owned())
            .or_else(|| d.bank_code.as_ref().map(|c| c.as_str().to_owned())),
        bank_name: d.bank_name.clone(),
    }
}

/// A document with IOM's deprecated field names beside the new ones (`shopOrderNo`
/// beside `shopOrderNumber`, …), as IOM 2.10 still sends both.
fn with_deprecated(mut doc: Value) -> Value {
    const ALIASES: [(&str, &str); 8] = [
        ("shopOrderNumber", "shopOrderNo"),
        ("shopCustomerOrderNumber", "shopCustomerOrderNo"),
        ("paymentProviderOrderNumber", "paymentProviderOrderNo"),
        ("shopArticleNumber", "shopArticleNo"),
        ("orderPosNumber", "orderPosNo"),
        ("relatedShopOrderNumbers", "relatedShopOrderNos"),
        ("invoiceNumber", "invoiceNo"),
        ("referenceInvoiceNumber", "referenceInvoiceNo"),
    ];
    match &mut doc {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for (new, old) in ALIASES {
                if let Some(v) = map.get(new).cloned() {
                    map.insert(old.to_owned(), v);
                }
            }
            for v in map.values_mut() {
                *v = with_deprecated(std::mem::take(v));
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                *v = with_deprecated(std::mem::take(v));
            }
        }
        _ => {}
    }
    doc
}

fn documents<T: Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .map(|d| with_deprecated(serde_json::to_value(d).unwrap_or_default()))
        .collect()
}

/// The shop's tenant and the API client holding `needed`, or the answer to give.
async fn authorized(state: &AppState, req: &HttpRequest, needed: &'static str) -> Result<Tenant, HttpResponse> {
    let shop = req.match_info().get("shop").unwrap_or_default();
    let tenant = crate::tenant_named(state, shop)
        .await
        .map_err(|p| p.render(Dialect::Iom))?;
    crate::api_auth::api_client(state, req, &tenant, needed)
        .await
        .map_err(|d| match d {
            Denied::Unauthorized => status(StatusCode::UNAUTHORIZED),
            Denied::Forbidden(_) => status(StatusCode::FORBIDDEN),
            Denied::Unavailable => status(StatusCode::SERVICE_UNAVAILABLE),
        })?;
    Ok(tenant)
}

fn admin_error(e: AdminError) -> HttpResponse {
    match e {
        AdminError::NotFound(_) => status(StatusCode::NOT_FOUND),
        other => {
            tracing::error!(error = %other, "GDPR request failed");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

fn internal(e: impl std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "GDPR request failed");
    status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The person's data: profile, addresses, bank accounts, orders, invoices, balances.
#[utoipa::path(get, path = "/rest/gdpr/shops/{shopName}/customers/{shopCustomerNumber}", tag = "shop",
    responses((status = 200, description = "GDPR relevant customer data", body = CustomerRo,
               content_type = "application/vnd.intershop.customer.v3+json"),
              (status = 401, description = "Authentication information is missing or invalid"),
              (status = 403, description = "The client lacks gdpr.read"),
              (status = 404, description = "No such shop or customer (or it was deleted)")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn get_customer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::GDPR_READ).await?;
        let number = req.match_info().get("number").unwrap_or_default();
        let admin = &state.services.admin;
        let customer = admin.customer(&tenant, number).await.map_err(admin_error)?;
        let view = admin.view(&tenant, customer).await.map_err(admin_error)?;
        let banks = state
            .services
            .accounts
            .bank
            .of_customers(&tenant, &[view.customer.id])
            .await
            .map_err(internal)?
            .remove(&view.customer.id)
            .unwrap_or_default();
        let history: History = state
            .services
            .orders
            .of_customer(&tenant, view.customer.id)
            .await
            .map_err(internal)?;
        let c = &view.customer;
        let user = view.users.first();
        let person = user.map(|u| &u.person);
        let orders: Vec<_> = history.orders.iter().map(|o| o.document.clone()).collect();
        let mut orders = documents(&orders);
        for (doc, order) in orders.iter_mut().zip(&history.orders) {
            doc["id"] = order.id.into();
        }
        let body = CustomerRo {
            creation_date: time(c.created_at),
            customer_type: if c.is_business() { "b2b" } else { "b2c" },
            day_of_birth: person
                .and_then(|p| p.birthday)
                .map(|d| d.format("%Y-%m-%d").to_string()),
            first_name: person.and_then(|p| p.first_name.clone()),
            last_name: person.and_then(|p| p.last_name.clone()),
            has_newsletter: user.is_some_and(|u| u.consents.newsletter),
            is_active: c.status == CustomerStatus::Active && user.is_some_and(|u| u.active),
            is_new_customer: history.orders.is_empty(),
            shop_customer_no: c.number.as_str().to_owned(),
            shop_customer_number: c.number.as_str().to_owned(),
            title: person.and_then(|p| p.title.clone()),
            email: user.map(|u| u.email.as_str().to_owned()),
            fax: person.and_then(|p| p.fax.clone()),
            mobile_phone: person.and_then(|p| p.phone_mobile.clone()),
            phone1: person.and_then(|p| p.phone_home.clone()),
            phone2: person.and_then(|p| p.phone_business.clone()),
            company_name: match &c.kind {
                CustomerKind::Business(co) => Some(co.name.clone()),
                CustomerKind::Private => None,
            },
            bank_accounts: banks.iter().map(bank_ro).collect(),
            addresses: view.addresses.iter().map(address_ro).collect(),
            orders,
            invoice_and_credit_notes: documents(&history.invoices),
            customer_balances: documents(&history.balances),
        };
        Ok::<_, HttpResponse>(HttpResponse::Ok().content_type(MEDIA_TYPE).json(body))
    };
    run.await.unwrap_or_else(|res| res)
}

/// Erases the person's data (as every dialect's delete does); orders and invoices stay.
#[utoipa::path(delete, path = "/rest/gdpr/shops/{shopName}/customers/{shopCustomerNumber}", tag = "shop",
    responses((status = 204, description = "Erased"),
              (status = 401, description = "Authentication information is missing or invalid"),
              (status = 403, description = "The client lacks gdpr.delete"),
              (status = 404, description = "No such shop or customer (or it was deleted before)")),
    security(("basicAuth" = []), ("bearerAuth" = [])))]
pub async fn delete_customer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let tenant = authorized(&state, &req, scope::GDPR_DELETE).await?;
        let number = req.match_info().get("number").unwrap_or_default();
        let admin = &state.services.admin;
        let customer = admin.customer(&tenant, number).await.map_err(admin_error)?;
        admin
            .delete_customer(&tenant, &customer, crate::api_auth::actor(&req, String::new))
            .await
            .map_err(admin_error)?;
        Ok::<_, HttpResponse>(HttpResponse::NoContent().finish())
    };
    run.await.unwrap_or_else(|res| res)
}

/// OpenAPI document of the IOM GDPR routes clientele serves.
#[derive(OpenApi)]
#[openapi(
    info(title = "clientele — Intershop IOM GDPR REST API", version = "2.10",
         description = "IOM GDPR 2.10: a person's data and its erasure. API clients with `gdpr.read` / \
                        `gdpr.delete`; errors are the status alone."),
    paths(get_customer, delete_customer),
    components(schemas(CustomerRo, AddressRo, BankAccountRo)),
    modifiers(&BasicAuth),
)]
pub struct IomApi;
