//! Intershop ICM 11 admin Customer Management 1.0 under the ICM base path, chosen by
//! `Accept: application/vnd.intershop.admin.customer.v1+json` (other versions: 406).
//! Callers are API clients (see [`crate::api_auth`]): reads need
//! `customer.customer_read`, writes `customer.customer_manage`. Answers are container
//! objects `{data, errors, infos, included, links}`; errors are `FeedbackRO`s.

mod dto;
mod feedback;
mod handlers;

use actix_web::guard::GuardContext;
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::OpenApi;

use crate::docs::BasicAuth;
pub use feedback::Feedback;

/// The media type of version 1.
pub const MEDIA_TYPE: &str = "application/vnd.intershop.admin.customer.v1+json";
/// What every version's media type starts with.
const MEDIA_PREFIX: &str = "application/vnd.intershop.admin.customer.";

/// Whether the request asks for the admin API (any version).
fn wants_admin(ctx: &GuardContext) -> bool {
    ctx.head()
        .headers()
        .get_all(actix_web::http::header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains(MEDIA_PREFIX))
}

/// The admin resources, registered inside the ICM scope before the storefront's: a
/// resource whose guard fails lets the router go on to the storefront resource.
pub fn resources(cfg: &mut web::ServiceConfig) {
    use handlers as h;
    let resource = |path: &str| web::resource(path).guard(actix_web::guard::fn_guard(wants_admin));
    cfg.service(
        resource("/customers")
            .route(web::post().to(h::create_customer))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        resource("/customers/{customer}")
            .route(web::get().to(h::get_customer))
            .route(web::patch().to(h::update_customer))
            .route(web::delete().to(h::delete_customer))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        resource("/customers/{customer}/addresses")
            .route(web::post().to(h::create_address))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        resource("/customers/{customer}/addresses/{address}")
            .route(web::get().to(h::get_address))
            .route(web::patch().to(h::update_address))
            .route(web::delete().to(h::delete_address))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        resource("/customers/{customer}/users")
            .route(web::post().to(h::create_user))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        resource("/customers/{customer}/users/{user}")
            .route(web::get().to(h::get_user))
            .route(web::patch().to(h::update_user))
            .route(web::delete().to(h::delete_user))
            .default_service(web::to(method_not_allowed)),
    );
    for path in ATTRIBUTE_LISTS {
        cfg.service(
            resource(path)
                .route(web::get().to(h::attributes))
                .route(web::post().to(h::create_attribute))
                .default_service(web::to(method_not_allowed)),
        );
    }
    for path in ATTRIBUTE_ITEMS {
        cfg.service(
            resource(path)
                .route(web::patch().to(h::update_attribute))
                .route(web::delete().to(h::delete_attribute))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

const ATTRIBUTE_LISTS: [&str; 3] = [
    "/customers/{customer}/attributes",
    "/customers/{customer}/users/{user}/attributes",
    "/customers/{customer}/addresses/{address}/attributes",
];
const ATTRIBUTE_ITEMS: [&str; 3] = [
    "/customers/{customer}/attributes/{attribute}",
    "/customers/{customer}/users/{user}/attributes/{attribute}",
    "/customers/{customer}/addresses/{address}/attributes/{attribute}",
];

/// The admin-only paths without the admin media type: 406 naming it (the shared paths
/// go to the storefront API then, as in ICM).
pub fn fallbacks(cfg: &mut web::ServiceConfig) {
    for path in ATTRIBUTE_LISTS.iter().chain(ATTRIBUTE_ITEMS.iter()) {
        cfg.service(web::resource(*path).to(not_acceptable));
    }
}

async fn not_acceptable(_req: HttpRequest) -> HttpResponse {
    Feedback::not_acceptable().into_response()
}

async fn method_not_allowed() -> HttpResponse {
    Feedback::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "http.method_not_allowed",
        "The method is not allowed for this resource.",
    )
    .into_response()
}

/// OpenAPI document of the ICM 11 admin routes.
#[derive(OpenApi)]
#[openapi(
    info(title = "clientele — Intershop ICM 11 admin Customer Management", version = "1.0.1",
         description = "ICM 11 `Customer Management` REST API 1.0.1 for API clients. Send \
                        `Accept: application/vnd.intershop.admin.customer.v1+json`; reads need the scope \
                        `customer.customer_read`, writes `customer.customer_manage`."),
    paths(handlers::create_customer, handlers::get_customer, handlers::update_customer, handlers::delete_customer,
          handlers::create_address, handlers::get_address, handlers::update_address, handlers::delete_address,
          handlers::create_user, handlers::get_user, handlers::update_user, handlers::delete_user,
          handlers::attributes, handlers::create_attribute, handlers::update_attribute, handlers::delete_attribute),
    components(schemas(dto::CustomerRo, dto::UserRo, dto::AddressRo, dto::AttributeRo, feedback::FeedbackRo,
                       feedback::FeedbackCauseRo)),
    modifiers(&BasicAuth),
)]
pub struct IcmAdminApi;
