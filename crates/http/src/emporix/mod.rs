//! Emporix customer service under `/customer/{tenant}/…`; the path names the tenant.

mod addresses;
mod admin;
pub mod auth;
mod email;
pub mod errors;
mod import;

/// Reads one customer of an Emporix import (`CustomerImportDto`), for other importers
/// (the CLI) that share the use case; the error says what is wrong.
pub fn import_item(value: serde_json::Value) -> Result<clientele_domain::administration::ImportItem, String> {
    import::parse_item(value).map_err(|e| match e.details.first() {
        Some(d) if !d.field.is_empty() => format!("{}: {}", d.field, d.message),
        Some(d) => d.message.clone(),
        None => e.message,
    })
}

/// Most customers one import call takes.
pub const MAX_IMPORT: usize = import::MAX_IMPORT;
mod me;
mod oauth;
mod optin;
mod password;
mod reset;
mod signup;

use actix_web::web;
use utoipa::OpenApi;

use crate::docs::EmporixAuth;
use crate::problem::method_not_allowed;

pub fn routes(cfg: &mut web::ServiceConfig) {
    for (path, route) in [
        (
            "/customerlogin/auth/anonymous/login",
            web::get().to(auth::anonymous_login),
        ),
        (
            "/customerlogin/auth/anonymous/refresh",
            web::get().to(auth::anonymous_refresh),
        ),
        ("/customer/{tenant}/login", web::post().to(auth::login)),
        (
            "/customer/{tenant}/login/sessionkey",
            web::post().to(auth::session_key_login),
        ),
        ("/customer/{tenant}/logout", web::get().to(auth::logout)),
        ("/customer/{tenant}/refreshauthtoken", web::get().to(auth::refresh)),
        ("/customer/{tenant}/validateauthtoken", web::get().to(auth::validate)),
        ("/customer/{tenant}/password/change", web::post().to(password::change)),
        ("/customer/{tenant}/password/reset", web::post().to(reset::request)),
        (
            "/customer/{tenant}/password/reset/update",
            web::post().to(reset::update),
        ),
        // Before `optin/{token}`, which would otherwise take `refresh_token` as a token.
        (
            "/customer/{tenant}/signup/optin/refresh_token",
            web::post().to(optin::resend),
        ),
        (
            "/customer/{tenant}/signup/optin/{token}",
            web::get().to(optin::activate),
        ),
        ("/oauth/token", web::post().to(oauth::token)),
        (
            "/customer/{tenant}/me/accounts/internal/email/change",
            web::post().to(email::change),
        ),
        (
            "/customer/{tenant}/me/accounts/internal/email/change/confirm",
            web::post().to(email::confirm),
        ),
    ] {
        cfg.service(
            web::resource(path)
                .route(route)
                .default_service(web::to(method_not_allowed)),
        );
    }
    cfg.service(
        web::resource("/customer/{tenant}/me")
            .route(web::get().to(me::get))
            .route(web::patch().to(me::patch))
            .route(web::delete().to(me::delete))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource([
            "/customer/{tenant}/me/addresses",
            "/customer/{tenant}/customers/{customerNumber}/addresses",
        ])
        .route(web::get().to(addresses::list))
        .route(web::post().to(addresses::create))
        .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource([
            "/customer/{tenant}/me/addresses/{addressId}",
            "/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}",
        ])
        .route(web::get().to(addresses::get))
        .route(web::put().to(addresses::put))
        .route(web::patch().to(addresses::patch))
        .route(web::delete().to(addresses::delete))
        .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource([
            "/customer/{tenant}/me/addresses/{addressId}/tags",
            "/customer/{tenant}/customers/{customerNumber}/addresses/{addressId}/tags",
        ])
        .route(web::post().to(addresses::add_tags))
        .route(web::delete().to(addresses::remove_tags))
        .default_service(web::to(method_not_allowed)),
    );
    // `customers/search` before `customers/{customerNumber}`.
    cfg.service(
        web::resource("/customer/{tenant}/customers")
            .route(web::get().to(admin::list))
            .route(web::post().to(admin::create))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource("/customer/{tenant}/customers/import")
            .route(web::post().to(import::import))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource("/customer/{tenant}/config/password-migration-retention")
            .route(web::get().to(import::retention))
            .route(web::post().to(import::configure_retention))
            .route(web::delete().to(import::end_retention))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource("/customer/{tenant}/customers/search")
            .route(web::post().to(admin::search))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::resource("/customer/{tenant}/customers/{customerNumber}")
            .route(web::get().to(admin::get))
            .route(web::put().to(admin::put))
            .route(web::patch().to(admin::patch))
            .route(web::delete().to(admin::delete))
            .default_service(web::to(method_not_allowed)),
    );
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
    paths(signup::signup, auth::anonymous_login, auth::anonymous_refresh, auth::login, auth::session_key_login, auth::logout, auth::refresh,
          auth::validate, password::change, reset::request, reset::update, optin::activate, optin::resend,
          email::change, email::confirm, me::get, me::patch, me::delete, addresses::list, addresses::create,
          addresses::get, addresses::put, addresses::patch, addresses::delete, addresses::add_tags,
          addresses::remove_tags, oauth::token, admin::list, admin::search, admin::get, admin::patch, admin::delete, admin::create, admin::put,
          import::import, import::retention, import::configure_retention, import::end_retention),
    components(schemas(
        oauth::ClientCredentialsRequest,
        oauth::ServiceTokenRo,
        signup::CustomerSignup,
        signup::CustomerDetails,
        addresses::EmporixAddress,
        addresses::Metadata,
        me::CustomerDto,
        admin::CustomerForSellerDto,
        admin::SearchBody,
        admin::CustomerBySellerDto,
        import::CustomerImportDto,
        import::ImportAccountDto,
        import::LegacyAuthDto,
        import::CustomerBulkItemResponse,
        import::BulkDetail,
        import::RetentionRequest,
        import::RetentionResponse,
        me::CustomerPatchDto,
        me::B2bPatch,
        me::B2bGet,
        me::AccountId,
        signup::ResourceLocation,
        errors::ErrorMessage,
        errors::ErrorDetail,
        auth::AnonymousToken,
        auth::PasswordAuthentication,
        auth::SessionKeyLogin,
        auth::CustomerToken,
        auth::RefreshCustomerToken,
        auth::ValidateTokenResponse,
        password::PasswordChangeDto,
        reset::PasswordResetRequestDto,
        reset::PasswordUpdate,
        optin::OptInRefresh,
        email::ChangeEmailRequestDto,
        email::UpdateEmail
    )),
    modifiers(&EmporixAuth),
)]
pub struct EmporixApi;
