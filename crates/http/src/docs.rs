//! OpenAPI documents per dialect at `/openapi/{dialect}.json` and a self-contained
//! `/docs` page (no CDN: it renders the documents with a few lines of script).

use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Adds ICM's security schemes: Basic, Bearer and the `authentication-token` header.
pub struct BasicAuth;

impl Modify for BasicAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basicAuth",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "authToken",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("authentication-token"))),
        );
    }
}

/// Adds Emporix' security schemes: anonymous and customer access tokens, both Bearer.
pub struct EmporixAuth;

impl Modify for EmporixAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        // OAuth2: the service access tokens of API clients (`POST /oauth/token`).
        for name in ["AnonymousAccessToken", "CustomerAccessToken", "OAuth2"] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The dialects with a document, by the name used in the URL.
pub fn document(dialect: &str) -> Option<utoipa::openapi::OpenApi> {
    match dialect {
        "icm" => Some(crate::icm::IcmApi::openapi()),
        "icm-admin" => Some(crate::icm_admin::IcmAdminApi::openapi()),
        "emporix" => Some(crate::emporix::EmporixApi::openapi()),
        "service" => Some(crate::service::ServiceApi::openapi()),
        "websale" => Some(crate::websale::WebsaleApi::openapi()),
        "iom" => Some(crate::iom::IomApi::openapi()),
        _ => None,
    }
}

pub const DIALECTS: &[&str] = &["icm", "icm-admin", "emporix", "websale", "iom", "service"];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi/{dialect}.json", web::get().to(openapi))
        .route("/docs", web::get().to(page));
}

async fn openapi(path: web::Path<String>) -> HttpResponse {
    match document(&path) {
        Some(doc) => HttpResponse::Ok().json(doc),
        None => crate::problem::Problem::NotFound("The API document".into()).render(crate::problem::Dialect::Service),
    }
}

async fn page() -> HttpResponse {
    let options: String = DIALECTS.iter().map(|d| format!("<option>{d}</option>")).collect();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_PAGE.replace("{{OPTIONS}}", &options))
}

const DOCS_PAGE: &str = include_str!("docs.html");
