//! The ICM 11 admin routes: each checks the media type, the tenant and the API client's
//! scope, translates the body, calls [`CustomerAdministration`] and wraps the answer in
//! a container object.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use clientele_domain::administration::{CustomerDraft, CustomerEdit, CustomerView, UserEdit};
use clientele_domain::custom_attributes::AttributeOwner;
use clientele_domain::customers::{Customer, CustomerKind};
use clientele_domain::roles::NewMember;
use clientele_domain::tenants::Tenant;
use clientele_domain::values::{CustomerNumber, Login};
use serde_json::{json, Map, Value};

use super::dto::{self, AddressRo, AttributeRo, CustomerRo, UserRo};
use super::feedback::{container, deleted, Feedback};
use super::{MEDIA_PREFIX, MEDIA_TYPE};
use crate::AppState;

type Answer = Result<HttpResponse, Feedback>;

/// The checked request: its tenant and site name.
struct Admin {
    tenant: Tenant,
    site: String,
}

/// Checks the API version, the tenant and the client's scope (reads: `customer_read`,
/// writes: `customer_manage`).
async fn admin(req: &HttpRequest, state: &AppState) -> Result<Admin, Feedback> {
    let v1 = req
        .headers()
        .get_all(actix_web::http::header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|m| m.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .filter(|m| m.starts_with(MEDIA_PREFIX))
        .all(|m| m == MEDIA_TYPE);
    if !v1 {
        return Err(Feedback::not_acceptable());
    }
    let site = req.match_info().get("site").unwrap_or_default().to_owned();
    let tenant = crate::tenant_named(state, &site).await?;
    let needed = crate::api_auth::customer_scope(req.method());
    crate::api_auth::api_client(state, req, &tenant, needed).await?;
    Ok(Admin { tenant, site })
}

/// The JSON body of a POST or PATCH (`Content-Type: application/json` required).
async fn body(req: &HttpRequest, payload: web::Payload, state: &AppState) -> Result<Value, Feedback> {
    Ok(crate::body::json(req, payload, state.limits.max_body_bytes).await?)
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Feedback> {
    crate::body::parse(value.to_string().as_bytes()).map_err(Feedback::from)
}

fn path<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.match_info().get(name).unwrap_or_default()
}

/// The `include` query parameter, checked against what the object can include.
fn includes(req: &HttpRequest, allowed: &[&str]) -> Result<Vec<String>, Feedback> {
    let query = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let mut out = Vec::new();
    for name in query.get("include").map(String::as_str).unwrap_or_default().split(',') {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        if !allowed.contains(&name) {
            return Err(Feedback::new(
                StatusCode::BAD_REQUEST,
                "request.include.invalid",
                if allowed.is_empty() {
                    format!("Nothing can be included here, not '{name}'.")
                } else {
                    format!("'{name}' cannot be included; use {}.", allowed.join(", "))
                },
            ));
        }
        out.push(name.to_owned());
    }
    Ok(out)
}

async fn customer_of(state: &AppState, a: &Admin, req: &HttpRequest) -> Result<Customer, Feedback> {
    Ok(state.services.admin.customer(&a.tenant, path(req, "customer")).await?)
}

/// A customer container: the customer with its attributes, the included objects, and
/// links to each.
async fn customer_answer(
    state: &AppState,
    a: &Admin,
    view: CustomerView,
    include: &[String],
    status: StatusCode,
    self_link: String,
) -> Answer {
    let admin = &state.services.admin;
    let c = &view.customer;
    let mut data = dto::customer_ro(&a.site, c, &view.users, &view.addresses);
    let attributes = admin.attributes(&a.tenant, AttributeOwner::Customer(c.id)).await?;
    data.attributes = Some(attributes.iter().map(dto::attribute_ro).collect());
    let mut body = json!({ "data": data, "links": { "self": self_link } });
    let mut included = Map::new();
    if include.iter().any(|i| i == "addresses") {
        let map: Map<String, Value> = view
            .addresses
            .iter()
            .map(|ad| (ad.public_id.to_string(), json!(dto::address_ro(c, ad))))
            .collect();
        included.insert("addresses".into(), Value::Object(map));
    }
    if include.iter().any(|i| i == "users") {
        let map: Map<String, Value> = view
            .users
            .iter()
            .map(|u| (u.public_id.to_string(), json!(dto::user_ro(&a.site, c, u))))
            .collect();
        included.insert("users".into(), Value::Object(map));
    }
    if !included.is_empty() {
        body["included"] = Value::Object(included);
    }
    Ok(container(status, body))
}

/// Attributes in an object's body must be those it has: they change through their own
/// routes, and a body that sends others would otherwise be silently cut short.
fn check_attributes(
    given: &Option<Vec<AttributeRo>>,
    stored: &[clientele_domain::custom_attributes::CustomAttribute],
) -> Result<(), Feedback> {
    let Some(given) = given else { return Ok(()) };
    let stored: Vec<AttributeRo> = stored.iter().map(dto::attribute_ro).collect();
    if *given == stored {
        return Ok(());
    }
    Err(Feedback::field(
        "customer.attributes.readonly",
        "attributes",
        "Custom attributes change through the object's …/attributes routes, not in its body.",
    ))
}

async fn stored_attributes(
    state: &AppState,
    a: &Admin,
    owner: AttributeOwner,
) -> Result<Vec<clientele_domain::custom_attributes::CustomAttribute>, Feedback> {
    Ok(state.services.admin.attributes(&a.tenant, owner).await?)
}

fn join(base: &str, id: &str) -> String {
    format!("{}/{id}", base.trim_end_matches('/'))
}

/// Creates a customer (`id`: its number, drawn when missing).
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers", tag = "ICM 11 admin",
    request_body = CustomerRo,
    responses((status = 201, description = "CustomerCtnrRO with the new customer"),
              (status = 400, description = "Malformed JSON"), (status = 401), (status = 403), (status = 406),
              (status = 415, description = "Not application/json"),
              (status = 422, description = "FeedbackRO: a missing or wrong field, or a taken id")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn create_customer(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let dto: CustomerRo = parse(body(&req, payload, &state).await?)?;
        check_attributes(&dto.attributes, &[])?;
        let input = dto::parse_customer(&dto)?;
        let number = input
            .number
            .map(|n| {
                CustomerNumber::parse(&n)
                    .map_err(|e| Feedback::field("customer.id.invalid", "id", format!("The field 'id' {e}.")))
            })
            .transpose()?;
        let customer = state
            .services
            .admin
            .create_customer(
                &a.tenant,
                CustomerDraft {
                    number,
                    kind: input.kind,
                    active: input.active,
                    external: input.external,
                },
            )
            .await?;
        let link = join(req.path(), customer.number.as_str());
        let view = CustomerView {
            customer,
            users: vec![],
            addresses: vec![],
        };
        let res = customer_answer(&state, &a, view, &[], StatusCode::CREATED, link.clone()).await?;
        Ok::<_, Feedback>(with_location(res, &link))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

fn with_location(mut res: HttpResponse, link: &str) -> HttpResponse {
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(link) {
        res.headers_mut().insert(actix_web::http::header::LOCATION, v);
    }
    res
}

/// A customer; `include=addresses,users` adds them to `included`.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}", tag = "ICM 11 admin",
    params(("include" = Option<String>, Query, description = "addresses, users")),
    responses((status = 200, description = "CustomerCtnrRO"), (status = 400, description = "Unknown include"),
              (status = 401), (status = 403), (status = 404, description = "FeedbackRO"), (status = 406)),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn get_customer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let include = includes(&req, &["addresses", "users"])?;
        let customer = customer_of(&state, &a, &req).await?;
        let view = state.services.admin.view(&a.tenant, customer).await?;
        customer_answer(&state, &a, view, &include, StatusCode::OK, req.path().to_owned()).await
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Changes a customer's fields (`id` and `customerType` cannot change).
#[utoipa::path(patch, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}", tag = "ICM 11 admin",
    request_body = CustomerRo,
    responses((status = 200, description = "CustomerCtnrRO"), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 406), (status = 415), (status = 422, description = "FeedbackRO")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn update_customer(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let include = includes(&req, &["addresses", "users"])?;
        let patch = body(&req, payload, &state).await?;
        let customer = customer_of(&state, &a, &req).await?;
        let admin = &state.services.admin;
        let view = admin.view(&a.tenant, customer).await?;
        let current = dto::customer_ro(&a.site, &view.customer, &view.users, &view.addresses);
        let merged: CustomerRo = dto::merge(&current, patch)?;
        for (field, was, now) in [
            ("id", &current.id, &merged.id),
            ("customerType", &current.customer_type, &merged.customer_type),
        ] {
            if was != now {
                return Err(Feedback::field(
                    format!("customer.{field}.readonly"),
                    field,
                    format!("The field '{field}' cannot change."),
                ));
            }
        }
        for (field, was, now) in [
            ("addresses", &current.addresses, &merged.addresses),
            ("users", &current.users, &merged.users),
        ] {
            if was != now {
                return Err(Feedback::field(
                    format!("customer.{field}.readonly"),
                    field,
                    format!("The {field} of a customer change through their own routes."),
                ));
            }
        }
        let stored = stored_attributes(&state, &a, AttributeOwner::Customer(view.customer.id)).await?;
        check_attributes(&merged.attributes, &stored)?;
        let input = dto::parse_customer(&CustomerRo {
            attributes: None,
            ..merged
        })?;
        let company = match input.kind {
            CustomerKind::Business(co) => Some(co),
            CustomerKind::Private => None,
        };
        let edit = CustomerEdit {
            company,
            active: input.active,
            external: input.external,
        };
        let customer = admin.update_customer(&a.tenant, &view.customer, edit).await?;
        let view = CustomerView { customer, ..view };
        customer_answer(&state, &a, view, &include, StatusCode::OK, req.path().to_owned()).await
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Deletes a customer with its users, addresses and the rest.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}", tag = "ICM 11 admin",
    responses((status = 200, description = "CustomerCtnrRO with an info"), (status = 401), (status = 403),
              (status = 404), (status = 406)),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn delete_customer(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let customer = customer_of(&state, &a, &req).await?;
        state
            .services
            .admin
            .delete_customer(&a.tenant, &customer, crate::api_auth::actor(&req, String::new))
            .await?;
        Ok::<_, Feedback>(deleted("customer.deleted", "The customer was deleted."))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

async fn address_answer(
    state: &AppState,
    a: &Admin,
    c: &Customer,
    address: &clientele_domain::addresses::Address,
    status: StatusCode,
    self_link: String,
    listed: bool,
) -> Answer {
    let mut data = dto::address_ro(c, address);
    let attributes = state
        .services
        .admin
        .attributes(&a.tenant, AttributeOwner::Address(address.id))
        .await?;
    data.attributes = Some(attributes.iter().map(dto::attribute_ro).collect());
    let data = if listed { json!([data]) } else { json!(data) };
    Ok(container(
        status,
        json!({ "data": data, "links": { "self": self_link } }),
    ))
}

/// Adds an address to a customer (answered as an address list, as the reference says).
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/addresses",
    tag = "ICM 11 admin", request_body = AddressRo,
    responses((status = 201, description = "AddressListCtnrRO with the new address"), (status = 400),
              (status = 401), (status = 403), (status = 404), (status = 406), (status = 415),
              (status = 422, description = "FeedbackRO")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn create_address(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let dto: AddressRo = parse(body(&req, payload, &state).await?)?;
        check_attributes(&dto.attributes, &[])?;
        let data = dto::parse_address(&dto)?;
        let customer = customer_of(&state, &a, &req).await?;
        let address = state.services.admin.add_address(&a.tenant, &customer, data).await?;
        let link = join(req.path(), address.public_id.as_str());
        let res = address_answer(&state, &a, &customer, &address, StatusCode::CREATED, link.clone(), true).await?;
        Ok::<_, Feedback>(with_location(res, &link))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// An address of a customer.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/addresses/{addressId}",
    tag = "ICM 11 admin",
    responses((status = 200, description = "AddressCtnrRO"), (status = 401), (status = 403),
              (status = 404, description = "FeedbackCtnrRO"), (status = 406)),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn get_address(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let customer = customer_of(&state, &a, &req).await?;
        let address = state
            .services
            .admin
            .address(&a.tenant, &customer, path(&req, "address"))
            .await?;
        address_answer(
            &state,
            &a,
            &customer,
            &address,
            StatusCode::OK,
            req.path().to_owned(),
            false,
        )
        .await
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Changes an address.
#[utoipa::path(patch, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/addresses/{addressId}",
    tag = "ICM 11 admin", request_body = AddressRo,
    responses((status = 200, description = "AddressCtnrRO"), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 406), (status = 415), (status = 422, description = "FeedbackRO")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn update_address(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let patch = body(&req, payload, &state).await?;
        let customer = customer_of(&state, &a, &req).await?;
        let existing = state
            .services
            .admin
            .address(&a.tenant, &customer, path(&req, "address"))
            .await?;
        let attributes = stored_attributes(&state, &a, AttributeOwner::Address(existing.id)).await?;
        let edit = |stored: &clientele_domain::addresses::Address| {
            let current = dto::address_ro(&customer, stored);
            let merged: AddressRo = dto::merge(&current, patch.clone())?;
            check_attributes(&merged.attributes, &attributes)?;
            if merged.id != current.id {
                return Err(Feedback::field(
                    "customer.address.id.readonly",
                    "id",
                    "The field 'id' cannot change.",
                ));
            }
            Ok(dto::keep_hidden(&stored.data, dto::parse_address(&merged)?))
        };
        let address = state
            .services
            .admin
            .update_address(&a.tenant, &customer, path(&req, "address"), edit)
            .await?;
        address_answer(
            &state,
            &a,
            &customer,
            &address,
            StatusCode::OK,
            req.path().to_owned(),
            false,
        )
        .await
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Deletes an address of a customer.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/addresses/{addressId}",
    tag = "ICM 11 admin",
    responses((status = 200, description = "AddressCtnrRO with an info"), (status = 401), (status = 403),
              (status = 404), (status = 406)),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn delete_address(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let customer = customer_of(&state, &a, &req).await?;
        state
            .services
            .admin
            .delete_address(&a.tenant, &customer, path(&req, "address"))
            .await?;
        Ok::<_, Feedback>(deleted("customer.address.deleted", "The address was deleted."))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

async fn user_answer(
    state: &AppState,
    a: &Admin,
    c: &Customer,
    u: &clientele_domain::users::User,
    status: StatusCode,
    self_link: String,
) -> Answer {
    let mut data = dto::user_ro(&a.site, c, u);
    let attributes = state
        .services
        .admin
        .attributes(&a.tenant, AttributeOwner::User(u.id))
        .await?;
    data.attributes = Some(attributes.iter().map(dto::attribute_ro).collect());
    Ok(container(
        status,
        json!({ "data": data, "links": { "self": self_link } }),
    ))
}

/// Adds a user to a business customer; the user is mailed an invitation to choose a
/// password. `data` holds the `UserRO` (the reference names CustomerCtnrRO).
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/users",
    tag = "ICM 11 admin", request_body = UserRo,
    responses((status = 201, description = "Container with the new UserRO"), (status = 400), (status = 401),
              (status = 403), (status = 404), (status = 406), (status = 415),
              (status = 422, description = "FeedbackRO: wrong field, taken login or id, private customer")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn create_user(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let dto: UserRo = parse(body(&req, payload, &state).await?)?;
        check_attributes(&dto.attributes, &[])?;
        let input = dto::parse_user(&dto)?;
        let customer = customer_of(&state, &a, &req).await?;
        let login = Login::parse(&input.login).map_err(|e| {
            Feedback::field(
                "customer.accountId.invalid",
                "accountId",
                format!("The field 'accountId' {e}."),
            )
        })?;
        let public_id = input
            .id
            .map(|id| {
                clientele_domain::ids::PublicId::parse(&id).ok_or_else(|| {
                    Feedback::field(
                        "customer.id.invalid",
                        "id",
                        "The field 'id' must be 1 to 64 letters, digits, '-' or '_'.",
                    )
                })
            })
            .transpose()?;
        let user = state
            .services
            .admin
            .add_user(
                &a.tenant,
                &customer,
                public_id,
                NewMember {
                    login,
                    email: input.email,
                    person: input.person,
                    active: input.active,
                    roles: input.roles,
                    external: input.external,
                },
            )
            .await?;
        let link = join(req.path(), user.public_id.as_str());
        let res = user_answer(&state, &a, &customer, &user, StatusCode::CREATED, link.clone()).await?;
        Ok::<_, Feedback>(with_location(res, &link))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// A user of a customer, by id or login.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/users/{userId}",
    tag = "ICM 11 admin",
    responses((status = 200, description = "Container with the UserRO"), (status = 401), (status = 403),
              (status = 404), (status = 406)),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn get_user(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let customer = customer_of(&state, &a, &req).await?;
        let user = state
            .services
            .admin
            .user(&a.tenant, &customer, path(&req, "user"))
            .await?;
        user_answer(&state, &a, &customer, &user, StatusCode::OK, req.path().to_owned()).await
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Changes a user (`id` cannot change; `accountId`, the login, neither: it has its own
/// credentials route in the storefront API).
#[utoipa::path(patch, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/users/{userId}",
    tag = "ICM 11 admin", request_body = UserRo,
    responses((status = 200, description = "Container with the UserRO"), (status = 400), (status = 401),
              (status = 403), (status = 404), (status = 406), (status = 415), (status = 422, description = "FeedbackRO")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn update_user(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let patch = body(&req, payload, &state).await?;
        let customer = customer_of(&state, &a, &req).await?;
        let admin = &state.services.admin;
        let user = admin.user(&a.tenant, &customer, path(&req, "user")).await?;
        let current = dto::user_ro(&a.site, &customer, &user);
        let merged: UserRo = dto::merge(&current, patch)?;
        for (field, was, now) in [
            ("id", &current.id, &merged.id),
            ("accountId", &current.account_id, &merged.account_id),
        ] {
            if was != now {
                return Err(Feedback::field(
                    format!("customer.user.{field}.readonly"),
                    field,
                    format!("The field '{field}' cannot change here."),
                ));
            }
        }
        let stored = stored_attributes(&state, &a, AttributeOwner::User(user.id)).await?;
        check_attributes(&merged.attributes, &stored)?;
        let input = dto::parse_user(&UserRo {
            attributes: None,
            creation_date: None,
            customer: None,
            urn: None,
            ..merged
        })?;
        // ICM 11 has no salutation: the stored one stays.
        let mut person = input.person;
        person.salutation = user.person.salutation.clone();
        let edit = UserEdit {
            person,
            email: input.email,
            active: input.active,
            roles: input.roles,
            external: input.external,
        };
        let user = admin.update_user(&a.tenant, &customer, &user, edit).await?;
        user_answer(&state, &a, &customer, &user, StatusCode::OK, req.path().to_owned()).await
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Deletes a user of a business customer.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/users/{userId}",
    tag = "ICM 11 admin",
    responses((status = 200, description = "Container with an info"), (status = 401), (status = 403),
              (status = 404), (status = 406), (status = 422, description = "FeedbackRO: the last administrator")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn delete_user(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let customer = customer_of(&state, &a, &req).await?;
        let admin = &state.services.admin;
        let user = admin.user(&a.tenant, &customer, path(&req, "user")).await?;
        admin
            .delete_user(&a.tenant, &customer, &user, crate::api_auth::actor(&req, String::new))
            .await?;
        Ok::<_, Feedback>(deleted("customer.user.deleted", "The user was deleted."))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// The owner the attribute path names: the customer, or its user or address.
async fn owner(state: &AppState, a: &Admin, req: &HttpRequest) -> Result<AttributeOwner, Feedback> {
    let admin = &state.services.admin;
    let customer = customer_of(state, a, req).await?;
    if let Some(user) = req.match_info().get("user") {
        return Ok(AttributeOwner::User(admin.user(&a.tenant, &customer, user).await?.id));
    }
    if let Some(address) = req.match_info().get("address") {
        return Ok(AttributeOwner::Address(
            admin.address(&a.tenant, &customer, address).await?.id,
        ));
    }
    Ok(AttributeOwner::Customer(customer.id))
}

/// The custom attributes of a customer, user or address.
#[utoipa::path(get, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/attributes",
    tag = "ICM 11 admin",
    description = "Also `…/users/{userId}/attributes` and `…/addresses/{addressId}/attributes`.",
    responses((status = 200, description = "AttributeListCtnrRO"), (status = 401), (status = 403), (status = 404),
              (status = 406)),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn attributes(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let owner = owner(&state, &a, &req).await?;
        let list = state.services.admin.attributes(&a.tenant, owner).await?;
        let data: Vec<AttributeRo> = list.iter().map(dto::attribute_ro).collect();
        let links: Vec<String> = list.iter().map(|x| join(req.path(), &x.name)).collect();
        Ok::<_, Feedback>(container(
            StatusCode::OK,
            json!({ "data": data, "links": { "self": links } }),
        ))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Adds a custom attribute; names are unique per owner.
#[utoipa::path(post, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/attributes",
    tag = "ICM 11 admin", request_body = AttributeRo,
    description = "Also `…/users/{userId}/attributes` and `…/addresses/{addressId}/attributes`.",
    responses((status = 201, description = "AttributeCtnrRO"), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 406), (status = 415),
              (status = 422, description = "FeedbackRO: unknown type, value not of the type, taken name")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn create_attribute(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let dto: AttributeRo = parse(body(&req, payload, &state).await?)?;
        let value = dto::parse_attribute_value(&dto)?;
        let owner = owner(&state, &a, &req).await?;
        let created = state
            .services
            .admin
            .add_attribute(&a.tenant, owner, &dto.name, value)
            .await?;
        let link = join(req.path(), &created.name);
        let res = container(
            StatusCode::CREATED,
            json!({ "data": dto::attribute_ro(&created), "links": { "self": link } }),
        );
        Ok::<_, Feedback>(with_location(res, &link))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Replaces a custom attribute's type and value (`name` may be left out; it cannot change).
#[utoipa::path(patch, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/attributes/{attributeId}",
    tag = "ICM 11 admin", request_body = AttributeRo,
    description = "Also under `…/users/{userId}/` and `…/addresses/{addressId}/`. The attribute id is its name.",
    responses((status = 200, description = "AttributeCtnrRO"), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 406), (status = 415), (status = 422, description = "FeedbackRO")),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn update_attribute(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        includes(&req, &[])?;
        let name = path(&req, "attribute").to_owned();
        let mut patch = body(&req, payload, &state).await?;
        if let Value::Object(m) = &mut patch {
            match m.get("name") {
                None | Some(Value::Null) => {
                    m.insert("name".into(), Value::String(name.clone()));
                }
                Some(given) if given.as_str() != Some(name.as_str()) => {
                    return Err(Feedback::field(
                        "customer.attribute.name.readonly",
                        "name",
                        "The field 'name' cannot change.",
                    ))
                }
                Some(_) => {}
            }
        }
        let dto: AttributeRo = parse(patch)?;
        let value = dto::parse_attribute_value(&dto)?;
        let owner = owner(&state, &a, &req).await?;
        let changed = state
            .services
            .admin
            .replace_attribute(&a.tenant, owner, &name, value)
            .await?;
        Ok::<_, Feedback>(container(
            StatusCode::OK,
            json!({ "data": dto::attribute_ro(&changed), "links": { "self": req.path() } }),
        ))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}

/// Deletes a custom attribute.
#[utoipa::path(delete, path = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{customerId}/attributes/{attributeId}",
    tag = "ICM 11 admin",
    description = "Also under `…/users/{userId}/` and `…/addresses/{addressId}/`.",
    responses((status = 200, description = "AttributeCtnrRO with an info"), (status = 401), (status = 403),
              (status = 404), (status = 406)),
    security(("basicAuth" = []), ("bearerAuth" = []), ("authToken" = [])))]
pub async fn delete_attribute(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let run = async {
        let a = admin(&req, &state).await?;
        let owner = owner(&state, &a, &req).await?;
        state
            .services
            .admin
            .delete_attribute(&a.tenant, owner, path(&req, "attribute"))
            .await?;
        Ok::<_, Feedback>(deleted("customer.attribute.deleted", "The attribute was deleted."))
    };
    run.await.unwrap_or_else(Feedback::into_response)
}
