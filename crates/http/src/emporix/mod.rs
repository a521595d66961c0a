//! Emporix customer service under `/customer/{tenant}/…`; the path names the tenant.

pub mod errors;
mod signup;

use actix_web::web;
use utoipa::OpenApi;

use crate::problem::method_not_allowed;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/customer/{tenant}/signup")
            .route(web::post().to(signup::signup))
            .default_service(web::to(method_not_allowed)),
    );
}

/// OpenAPI document of the Emporix routes clientele serves.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "clientele — Emporix customer service",
        version = "1.0.0",
        description = "Compatible subset of the Emporix Customer Service (storefront). \
                        Errors: `ErrorMessage` bodies `{status, type, message, details}`."
    ),
    paths(signup::signup),
    components(schemas(
        signup::CustomerSignup,
        signup::CustomerDetails,
        signup::EmporixAddress,
        signup::ResourceLocation,
        errors::ErrorMessage,
        errors::ErrorDetail
    ))
)]
pub struct EmporixApi;
