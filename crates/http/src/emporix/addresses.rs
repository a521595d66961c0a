//! Emporix address book: `me/addresses` list, create, get, put, patch, delete and
//! `me/addresses/{addressId}/tags` add/remove, for the logged-in customer; the same
//! under `customers/{customerNumber}/addresses` for API clients (reads need
//! `customer.customer_read`, writes `customer.customer_manage`).
//!
//! Mapping onto the shared model (docs/compat.md): `BILLING`/`SHIPPING` tags are the
//! invoice/delivery usages (neither means both), `isDefault` the preference for every
//! usage the address has; `street` + `streetNumber` form address line 1.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::addresses::{Address, AddressData, AddressError, AddressField, AddressUsage, Book, OnDuplicate};
use clientele_domain::values::{optional_text, required_text, CountryCode, TextLimit, ValueError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::errors::ErrorMessage;
use super::me::{customer_account, merge_patch, Versioned};
use super::signup::ResourceLocation;
use crate::versions::{list_etag, tagged};
use crate::{body, AppState};

const BILLING: &str = "BILLING";
const SHIPPING: &str = "SHIPPING";

/// `DefaultDtoMetadata`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default)]
    pub mixins: Map<String, Value>,
}

/// `AddressDto` (answers) and `AddressCreateDto` / `AddressUpdateDto` (requests).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmporixAddress {
    /// Read-only; ignored in requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street_appendix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "DE")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// `BILLING` and/or `SHIPPING` (the usages), and any tags of the shop's own.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub mixins: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// The address as Emporix shows it.
pub fn address_dto(a: &Address) -> EmporixAddress {
    let d = &a.data;
    let contact = [d.first_name.as_deref(), d.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut tags = Vec::with_capacity(d.tags.len() + 2);
    if d.usage.invoice {
        tags.push(BILLING.to_owned());
    }
    if d.usage.shipping {
        tags.push(SHIPPING.to_owned());
    }
    tags.extend(d.tags.iter().cloned());
    EmporixAddress {
        id: Some(a.public_id.to_string()),
        contact_name: Some(contact).filter(|c| !c.is_empty()),
        company_name: d.company_name.clone(),
        street: Some(d.street1.clone()),
        street_number: None,
        street_appendix: d.street2.clone(),
        extra_line1: d.street3.clone(),
        zip_code: d.postal_code.clone(),
        city: Some(d.city.clone()),
        country: Some(d.country.as_str().to_owned()),
        state: d.region_name.clone(),
        contact_phone: d.phone_home.clone(),
        is_default: Some(is_default(&d.usage)),
        tags,
        mixins: d.custom.clone(),
        metadata: Some(Metadata {
            version: Some(a.version),
            mixins: Map::new(),
        }),
    }
}

/// `isDefault`: the address is the preferred one for every usage it has.
pub fn is_default(u: &AddressUsage) -> bool {
    (!u.invoice || u.preferred_invoice) && (!u.shipping || u.preferred_shipping)
}

/// Parses an Emporix address; `prefix` goes before field names (`customerAddress.`).
pub fn parse_address(a: EmporixAddress, prefix: &str) -> Result<AddressData, ErrorMessage> {
    let f = |name: &str| format!("{prefix}{name}");
    let text = |name: &str, v: Option<String>| {
        optional_text(v.as_deref(), TextLimit::SHORT).map_err(|e| ErrorMessage::field(&f(name), e))
    };
    let required = |name: &str, v: Option<String>| {
        required_text(v.as_deref().unwrap_or_default(), TextLimit::SHORT).map_err(|e| ErrorMessage::field(&f(name), e))
    };
    let street = required("street", a.street)?;
    let street1 = match text("streetNumber", a.street_number)? {
        Some(n) => format!("{street} {n}"),
        None => street,
    };
    let (first_name, last_name) = match text("contactName", a.contact_name)? {
        Some(name) => match name.rsplit_once(' ') {
            Some((first, last)) => (Some(first.to_owned()), Some(last.to_owned())),
            None => (None, Some(name)),
        },
        None => (None, None),
    };
    let country = CountryCode::parse(a.country.as_deref().unwrap_or_default())
        .map_err(|e| ErrorMessage::field(&f("country"), e))?;
    let (mut invoice, mut shipping) = (
        a.tags.iter().any(|t| t == BILLING),
        a.tags.iter().any(|t| t == SHIPPING),
    );
    if !invoice && !shipping {
        (invoice, shipping) = (true, true);
    }
    let is_default = a.is_default.unwrap_or(false);
    super::me::check_mixins(&f("mixins"), &a.mixins)?;
    Ok(AddressData {
        first_name,
        last_name,
        company_name: text("companyName", a.company_name)?,
        street2: text("streetAppendix", a.street_appendix)?,
        street3: text("extraLine1", a.extra_line1)?,
        postal_code: text("zipCode", a.zip_code)?,
        region_name: text("state", a.state)?,
        phone_home: text("contactPhone", a.contact_phone)?,
        usage: AddressUsage {
            invoice,
            shipping,
            preferred_invoice: is_default && invoice,
            preferred_shipping: is_default && shipping,
        },
        tags: a.tags.into_iter().filter(|t| t != BILLING && t != SHIPPING).collect(),
        custom: a.mixins,
        ..AddressData::new(street1, required("city", a.city)?, country)
    })
}

/// The Emporix answer for an address-book failure.
pub fn address_error(e: AddressError, prefix: &str, address: &str, customer: Option<&str>) -> ErrorMessage {
    match e {
        AddressError::NotFound => ErrorMessage::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            format!(
                "Address {address} of customer {} not found.",
                customer.unwrap_or_default()
            ),
        ),
        AddressError::Stale => super::me::stale("address"),
        AddressError::Invalid { field, why } => {
            let name = match field {
                AddressField::PostalCode => "zipCode",
                AddressField::Tags => "tags",
            };
            ErrorMessage::field(&format!("{prefix}{name}"), why)
        }
        AddressError::NoUsage
        | AddressError::InconsistentUsage
        | AddressError::TooMany(_)
        | AddressError::LastAddress => ErrorMessage::new(StatusCode::BAD_REQUEST, "bad_request", format!("{e}.")),
        AddressError::Store(e) => super::auth::internal_message(e),
    }
}

fn address_id(req: &HttpRequest) -> &str {
    req.match_info().get("addressId").unwrap_or_default()
}

fn one(a: &Address) -> HttpResponse {
    tagged(HttpResponse::Ok(), a.version).json(address_dto(a))
}

/// Whose address book a request works on: the logged-in customer's (`me/addresses`),
/// or for an API client the customer its path names (`customers/{customerNumber}/…`).
struct Holder {
    book: Book,
    number: String,
    addresses: Vec<Address>,
}

async fn holder(req: &HttpRequest, state: &AppState) -> Result<Holder, HttpResponse> {
    let Some(number) = req.match_info().get("customerNumber") else {
        let (who, account) = customer_account(req, state).await?;
        return Ok(Holder {
            book: Book::from(&who),
            number: account.customer.number.as_str().to_owned(),
            addresses: account.addresses,
        });
    };
    let needed = crate::api_auth::customer_scope(req.method());
    let run = async {
        let tenant = super::admin::client(req, state, needed).await?;
        let admin = &state.services.admin;
        let customer = admin
            .customer(&tenant, number)
            .await
            .map_err(super::admin::admin_error)?;
        let addresses = admin
            .addresses_of(&tenant, &customer)
            .await
            .map_err(super::admin::admin_error)?;
        Ok::<_, ErrorMessage>(Holder {
            book: Book {
                tenant: tenant.id,
                customer: customer.id,
            },
            number: customer.number.as_str().to_owned(),
            addresses,
        })
    };
    run.await.map_err(ErrorMessage::into_response)
}

fn find<'a>(holder: &'a Holder, id: &str) -> Result<&'a Address, ErrorMessage> {
    holder
        .addresses
        .iter()
        .find(|a| a.public_id.as_str() == id)
        .ok_or_else(|| address_error(AddressError::NotFound, "", id, Some(&holder.number)))
}

/// Lists the customer's addresses, oldest first.
#[utoipa::path(get, path = "/customer/{tenant}/me/addresses", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name")),
    responses((status = 200, description = "The addresses (weak `ETag` of the list)", body = [EmporixAddress]),
              (status = 401, description = "No valid customer access token")),
    security(("CustomerAccessToken" = [])))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match holder(&req, &state).await {
        Ok(h) => {
            let etag = list_etag(h.addresses.iter().map(|a| (a.id.get(), a.version)));
            let body: Vec<_> = h.addresses.iter().map(address_dto).collect();
            crate::versions::with_etag(HttpResponse::Ok().json(body), &etag)
        }
        Err(res) => res,
    }
}

/// One address of the customer.
#[utoipa::path(get, path = "/customer/{tenant}/me/addresses/{addressId}", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name"), ("addressId" = String, Path, description = "Address id")),
    responses((status = 200, description = "The address; `ETag` and `metadata.version` carry its version", body = EmporixAddress),
              (status = 401, description = "No valid customer access token"),
              (status = 404, description = "No such address of the customer", body = ErrorMessage)),
    security(("CustomerAccessToken" = [])))]
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let h = match holder(&req, &state).await {
        Ok(h) => h,
        Err(res) => return res,
    };
    find(&h, address_id(&req)).map_or_else(ErrorMessage::into_response, one)
}

/// Adds an address.
#[utoipa::path(post, path = "/customer/{tenant}/me/addresses", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name")),
    request_body = EmporixAddress,
    responses((status = 201, description = "Created", body = ResourceLocation),
              (status = 400, description = "Invalid input, or the address book is full", body = ErrorMessage),
              (status = 401, description = "No valid customer access token")),
    security(("CustomerAccessToken" = [])))]
pub async fn create(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let h = match holder(&req, &state).await {
        Ok(h) => h,
        Err(res) => return res,
    };
    let run = async {
        let dto: EmporixAddress = body::json(&req, payload, state.limits.max_body_bytes).await?;
        let data = parse_address(dto, "")?;
        let created = state
            .services
            .addresses
            .create(h.book, data, OnDuplicate::Create)
            .await
            .map_err(|e| address_error(e, "", "", None))?;
        Ok::<_, ErrorMessage>(
            tagged(HttpResponse::Created(), created.address.version).json(ResourceLocation {
                id: created.address.public_id.to_string(),
            }),
        )
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

/// Replaces an address (`PUT`) or merges changes into it (`PATCH`, RFC 7396 for
/// `application/merge-patch+json` and plain JSON alike).
#[utoipa::path(patch, path = "/customer/{tenant}/me/addresses/{addressId}", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name"), ("addressId" = String, Path, description = "Address id"),
           ("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed address answers 412")),
    request_body(content = EmporixAddress, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The updated address", body = EmporixAddress),
              (status = 400, description = "Invalid input", body = ErrorMessage),
              (status = 401, description = "No valid customer access token"),
              (status = 404, description = "No such address of the customer", body = ErrorMessage),
              (status = 409, description = "`metadata.version` is not the stored version", body = ErrorMessage),
              (status = 412, description = "`If-Match` is not the stored version", body = ErrorMessage)),
    security(("CustomerAccessToken" = [])))]
pub async fn patch(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    write(req, payload, state, true).await
}

/// Replaces an address.
#[utoipa::path(put, path = "/customer/{tenant}/me/addresses/{addressId}", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name"), ("addressId" = String, Path, description = "Address id"),
           ("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed address answers 412")),
    request_body = EmporixAddress,
    responses((status = 200, description = "The updated address", body = EmporixAddress),
              (status = 400, description = "Invalid input", body = ErrorMessage),
              (status = 401, description = "No valid customer access token"),
              (status = 404, description = "No such address of the customer", body = ErrorMessage),
              (status = 409, description = "`metadata.version` is not the stored version", body = ErrorMessage),
              (status = 412, description = "`If-Match` is not the stored version", body = ErrorMessage)),
    security(("CustomerAccessToken" = [])))]
pub async fn put(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    write(req, payload, state, false).await
}

async fn write(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>, merge: bool) -> HttpResponse {
    let h = match holder(&req, &state).await {
        Ok(h) => h,
        Err(res) => return res,
    };
    let id = address_id(&req).to_owned();
    let run = async {
        let patch: Value = body::json(&req, payload, state.limits.max_body_bytes).await?;
        let versioned = Versioned::of(&req, &patch)?;
        let edit = |current: &Address| -> Result<AddressData, ErrorMessage> {
            let merged = if merge {
                let mut doc = serde_json::to_value(address_dto(current)).unwrap_or_default();
                merge_patch(&mut doc, &patch);
                doc
            } else {
                patch.clone()
            };
            let dto: EmporixAddress = body::from_value(merged)?;
            parse_address(dto, "")
        };
        let updated = update(&state, &h, &id, versioned, edit).await?;
        Ok::<_, ErrorMessage>(one(&updated))
    };
    run.await.unwrap_or_else(ErrorMessage::into_response)
}

async fn update(
    state: &AppState,
    h: &Holder,
    id: &str,
    versioned: Versioned,
    edit: impl Fn(&Address) -> Result<AddressData, ErrorMessage> + Send + Sync,
) -> Result<Address, ErrorMessage> {
    state
        .services
        .addresses
        .update(h.book, id, versioned.expected, |current| {
            // Fields Emporix does not show (WEBSALE's) stay.
            let mut data = edit(current).map_err(Wrapped::Dialect)?;
            data.extra = current.data.extra.clone();
            Ok(data)
        })
        .await
        .map_err(|e| match e {
            Wrapped::Dialect(m) => m,
            Wrapped::Book(AddressError::Stale) => versioned.stale("address"),
            Wrapped::Book(e) => address_error(e, "", id, Some(&h.number)),
        })
}

/// A failure of an address update: the dialect's own, or the address book's.
enum Wrapped {
    Dialect(ErrorMessage),
    Book(AddressError),
}

impl From<AddressError> for Wrapped {
    fn from(e: AddressError) -> Self {
        Self::Book(e)
    }
}

/// Deletes an address (the last one too: Emporix has no such rule).
#[utoipa::path(delete, path = "/customer/{tenant}/me/addresses/{addressId}", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name"), ("addressId" = String, Path, description = "Address id"),
           ("If-Match" = Option<String>, Header, description = "The `ETag` read; a changed address answers 412")),
    responses((status = 204, description = "Deleted"),
              (status = 401, description = "No valid customer access token"),
              (status = 404, description = "No such address of the customer", body = ErrorMessage),
              (status = 412, description = "`If-Match` is not the stored version", body = ErrorMessage)),
    security(("CustomerAccessToken" = [])))]
pub async fn delete(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let h = match holder(&req, &state).await {
        Ok(h) => h,
        Err(res) => return res,
    };
    let id = address_id(&req);
    match state
        .services
        .addresses
        .delete(h.book, id, crate::versions::if_match(&req), false)
        .await
    {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) => address_error(e, "", id, Some(&h.number)).into_response(),
    }
}

/// `?tags=A,B`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagsQuery {
    /// Tags separated by commas.
    #[param(example = "BILLING,SHIPPING")]
    pub tags: Option<String>,
}

/// Adds tags to an address.
#[utoipa::path(post, path = "/customer/{tenant}/me/addresses/{addressId}/tags", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name"), ("addressId" = String, Path, description = "Address id"),
           TagsQuery),
    responses((status = 204, description = "Added"),
              (status = 400, description = "No or too many tags", body = ErrorMessage),
              (status = 401, description = "No valid customer access token"),
              (status = 404, description = "No such address of the customer", body = ErrorMessage)),
    security(("CustomerAccessToken" = [])))]
pub async fn add_tags(req: HttpRequest, query: web::Query<TagsQuery>, state: web::Data<AppState>) -> HttpResponse {
    tags(req, query, state, true).await
}

/// Removes tags from an address.
#[utoipa::path(delete, path = "/customer/{tenant}/me/addresses/{addressId}/tags", tag = "addresses",
    params(("tenant" = String, Path, description = "Tenant name"), ("addressId" = String, Path, description = "Address id"),
           TagsQuery),
    responses((status = 204, description = "Removed"),
              (status = 400, description = "No tags given", body = ErrorMessage),
              (status = 401, description = "No valid customer access token"),
              (status = 404, description = "No such address of the customer", body = ErrorMessage)),
    security(("CustomerAccessToken" = [])))]
pub async fn remove_tags(req: HttpRequest, query: web::Query<TagsQuery>, state: web::Data<AppState>) -> HttpResponse {
    tags(req, query, state, false).await
}

async fn tags(req: HttpRequest, query: web::Query<TagsQuery>, state: web::Data<AppState>, add: bool) -> HttpResponse {
    let h = match holder(&req, &state).await {
        Ok(h) => h,
        Err(res) => return res,
    };
    let given: Vec<String> = query
        .tags
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if given.is_empty() {
        return ErrorMessage::field("tags", ValueError::Missing).into_response();
    }
    let id = address_id(&req).to_owned();
    let versioned = Versioned {
        expected: crate::versions::if_match(&req),
        from_body: false,
    };
    let edit = |current: &Address| -> Result<AddressData, ErrorMessage> {
        let mut dto = address_dto(current);
        if add {
            dto.tags.extend(given.iter().cloned());
        } else {
            dto.tags.retain(|t| !given.contains(t));
        }
        parse_address(dto, "")
    };
    match update(&state, &h, &id, versioned, edit).await {
        Ok(_) => HttpResponse::NoContent().finish(),
        Err(e) => e.into_response(),
    }
}
