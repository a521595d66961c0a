//! ICM address book: `customers|privatecustomers/{CustomerKey}/addresses[/{CustomerAddressKey}]`
//! GET, POST, PUT, DELETE for the logged-in customer (`-` or its own customer number).

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::addresses::{Address, AddressData, AddressError, AddressField, OnDuplicate};
use clientele_domain::identity::Principal;
use clientele_domain::ids::PublicId;
use clientele_domain::values::ValueError;
use serde::Serialize;
use utoipa::ToSchema;

use clientele_domain::customers::OwnAccount;

use super::auth::{caller_with_account, internal, Caller};
use super::customers::{address_ro, parse_address};
use super::dto::{AddressRo, LinkRo};
use super::errors::IcmError;
use crate::versions::{if_match, list_etag, tagged};
use crate::{body, AppState};

const NOT_FOUND: &str = "customer.address.not_found.error";
const INVALID: &str = "customer.address.invalid_fields.error";
const USAGE: &str = "customer.address.invalid_fields.usage.error";
const INCONSISTENT: &str = "customer.address.update.error.inconsistentUsage";
const LAST: &str = "customer.address.deletion.error.LastAddress";

/// `ResourceCollectionRO` of `LinkRO`s.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressLinksRo {
    #[serde(rename = "type")]
    #[schema(example = "ResourceCollection")]
    pub type_: &'static str,
    #[schema(example = "addresses")]
    pub name: &'static str,
    pub elements: Vec<LinkRo>,
}

/// The ICM answer for an address-book failure; `prefix` goes before field names.
pub fn address_error(e: AddressError, prefix: &str, invalid: &'static str) -> IcmError {
    match e {
        AddressError::NotFound => IcmError::new(StatusCode::NOT_FOUND, Some(NOT_FOUND), "The address was not found."),
        AddressError::Stale => IcmError::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            "The address was changed since the version given in If-Match.",
        ),
        AddressError::Invalid { field, why } => {
            let name = match field {
                AddressField::PostalCode => "postalCode",
                AddressField::Tags => "tags",
            };
            let key = if why == ValueError::Missing {
                "customer.address.missing_fields.error"
            } else {
                invalid
            };
            IcmError::field(key, &format!("{prefix}{name}"), why)
        }
        AddressError::NoUsage => IcmError::bad(
            USAGE,
            "An address must be usable as invoice-to address, ship-to address or both.",
        ),
        AddressError::InconsistentUsage => IcmError::bad(
            INCONSISTENT,
            "The preferred invoice-to or ship-to address must stay usable for that purpose.",
        ),
        AddressError::TooMany(max) => IcmError::bad(invalid, format!("A customer may have at most {max} addresses.")),
        AddressError::LastAddress => IcmError::new(
            StatusCode::CONFLICT,
            Some(LAST),
            "The last address of a customer cannot be deleted.",
        ),
        AddressError::Store(e) => internal(e),
    }
}

/// The caller and their account, if `{customer}` is `-` or the caller's own customer
/// number (anything else is 404, as for an unknown customer).
async fn owner(state: &AppState, req: &HttpRequest) -> Result<(Caller, Principal, OwnAccount), IcmError> {
    let tenant = super::site_tenant(state, req).await?;
    let (caller, account) = caller_with_account(state, req, &tenant).await?;
    if !super::auth::own_customer_key(req, &account) {
        return Err(IcmError::new(
            StatusCode::NOT_FOUND,
            Some(NOT_FOUND),
            "The customer was not found.",
        ));
    }
    let who = caller.principal()?;
    Ok((caller, who, account))
}

/// `{site}/{app}/{customers|privatecustomers}/{key}/addresses/{id}`, relative to the
/// server group as the PWA resolves links (matrix parameters dropped).
fn address_uri(req: &HttpRequest, id: &PublicId) -> String {
    let m = req.match_info();
    let app = m.get("app").unwrap_or("-").split(';').next().unwrap_or("-");
    let collection = req.path().split('/').nth(6).unwrap_or("customers");
    format!(
        "{}/{}/{}/{}/addresses/{}",
        m.get("site").unwrap_or_default(),
        app,
        collection,
        m.get("customer").unwrap_or("-"),
        id
    )
}

fn link(req: &HttpRequest, a: &Address) -> LinkRo {
    LinkRo {
        type_: "Link",
        uri: address_uri(req, &a.public_id),
        title: a.public_id.to_string(),
        relation: None,
        item_id: Some(a.public_id.to_string()),
    }
}

fn address_id(req: &HttpRequest) -> &str {
    req.match_info().get("address").unwrap_or_default()
}

fn one(caller: &Caller, account: &OwnAccount, a: &Address) -> HttpResponse {
    caller.stamp(tagged(HttpResponse::Ok(), a.version).json(address_ro(a, &account.customer.public_id)))
}

/// Lists the customer's addresses as links, oldest first.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/addresses",
    tag = "addresses",
    responses((status = 200, description = "`ResourceCollectionRO` of `LinkRO`s; `itemId` is the address key",
               body = AddressLinksRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "Not the caller's customer")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    list_run(req, state).await.unwrap_or_else(IcmError::into_response)
}

async fn list_run(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, IcmError> {
    let (caller, _, account) = owner(&state, &req).await?;
    let all = &account.addresses;
    let etag = list_etag(all.iter().map(|a| (a.id.get(), a.version)));
    let body = AddressLinksRo {
        type_: "ResourceCollection",
        name: "addresses",
        elements: all.iter().map(|a| link(&req, a)).collect(),
    };
    Ok(caller.stamp(crate::versions::with_etag(HttpResponse::Ok().json(body), &etag)))
}

/// Adds an address. An address equal to an existing one returns that one (200).
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/addresses",
    tag = "addresses", request_body = AddressRo,
    responses((status = 201, description = "Created; `Location` and a `LinkRO` name the new address", body = LinkRo),
              (status = 200, description = "The address equals an existing one, which is returned", body = LinkRo),
              (status = 400, description = "`error-key` customer.address.missing_fields.error, \
                customer.address.invalid_fields.usage.error or customer.address.invalid_fields.error \
                (invalid value, or more than the allowed number of addresses)"),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "Not the caller's customer")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn create(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    create_run(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

async fn create_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IcmError> {
    let (caller, who, _) = owner(&state, &req).await?;
    let dto: AddressRo = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| IcmError::from(p).with_key(INVALID))?;
    let data = parse_address(dto, INVALID, "")?;
    let created = state
        .services
        .addresses
        .create(&who, data, OnDuplicate::ReturnExisting)
        .await
        .map_err(IcmError::from)?;
    let link = link(&req, &created.address);
    let location = format!(
        "/INTERSHOP/rest/{}/{}",
        req.match_info().get("server").unwrap_or("WFS"),
        link.uri
    );
    let status = if created.existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(caller.stamp(
        tagged(HttpResponse::build(status), created.address.version)
            .insert_header(("Location", location))
            .json(link),
    ))
}

/// One address of the customer.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/addresses/{CustomerAddressKey}",
    tag = "addresses",
    responses((status = 200, description = "The address; `ETag` carries its version", body = AddressRo),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "`error-key` customer.address.not_found.error: no such address of the caller")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    get_run(req, state).await.unwrap_or_else(IcmError::into_response)
}

async fn get_run(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, IcmError> {
    let (caller, _, account) = owner(&state, &req).await?;
    let id = address_id(&req);
    let a = account
        .addresses
        .iter()
        .find(|a| a.public_id.as_str() == id)
        .ok_or_else(|| IcmError::from(AddressError::NotFound))?;
    Ok(one(&caller, &account, a))
}

/// Replaces an address's fields; usage flags left out keep their values, and the
/// preferred flags are set through the customer profile.
#[utoipa::path(put, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/addresses/{CustomerAddressKey}",
    tag = "addresses", request_body = AddressRo,
    params(("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed address answers 412")),
    responses((status = 200, description = "The updated address", body = AddressRo),
              (status = 400, description = "`error-key` customer.address.missing_fields.error, \
                customer.address.update.error.inconsistentUsage or customer.address.invalid_fields.error"),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "`error-key` customer.address.not_found.error"),
              (status = 412, description = "The address changed since the `If-Match` version")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn update(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    update_run(req, payload, state)
        .await
        .unwrap_or_else(IcmError::into_response)
}

async fn update_run(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, IcmError> {
    let (caller, who, account) = owner(&state, &req).await?;
    let dto: AddressRo = body::json(&req, payload, state.limits.max_body_bytes)
        .await
        .map_err(|p| IcmError::from(p).with_key(INVALID))?;
    let keeps_usage = dto.invoice_to_address.is_none() && dto.ship_to_address.is_none();
    let parsed = parse_address(dto, INVALID, "")?;
    let edit = |current: &Address| -> Result<AddressData, IcmError> {
        let mut data = AddressData {
            tags: current.data.tags.clone(),
            labels: current.data.labels.clone(),
            external_id: current.data.external_id.clone(),
            custom: current.data.custom.clone(),
            extra: current.data.extra.clone(),
            salutation: current.data.salutation.clone(),
            ..parsed.clone()
        };
        let was = current.data.usage;
        if keeps_usage {
            data.usage = was;
        } else {
            data.usage.preferred_invoice = was.preferred_invoice;
            data.usage.preferred_shipping = was.preferred_shipping;
        }
        Ok(data)
    };
    let a = state
        .services
        .addresses
        .update(&who, address_id(&req), if_match(&req), edit)
        .await?;
    Ok(one(&caller, &account, &a))
}

/// Deletes an address; the last one stays (409). A deleted preferred address leaves
/// the customer without a preferred address for that purpose.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/addresses/{CustomerAddressKey}",
    tag = "addresses",
    params(("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed address answers 412")),
    responses((status = 204, description = "Deleted"),
              (status = 401, description = "Not logged in"),
              (status = 404, description = "`error-key` customer.address.not_found.error"),
              (status = 409, description = "`error-key` customer.address.deletion.error.LastAddress"),
              (status = 412, description = "The address changed since the `If-Match` version")),
    security(("basicAuth" = []), ("authToken" = []), ("bearerAuth" = [])))]
pub async fn delete(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    delete_run(req, state).await.unwrap_or_else(IcmError::into_response)
}

async fn delete_run(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, IcmError> {
    let (caller, who, _) = owner(&state, &req).await?;
    state
        .services
        .addresses
        .delete(&who, address_id(&req), if_match(&req), true)
        .await
        .map_err(IcmError::from)?;
    Ok(caller.stamp(HttpResponse::NoContent().finish()))
}

impl From<AddressError> for IcmError {
    /// Address-book failures of the address routes (field names without a prefix).
    fn from(e: AddressError) -> Self {
        address_error(e, "", INVALID)
    }
}
