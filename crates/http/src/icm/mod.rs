//! Intershop ICM 7.10 storefront (and ICM authentication) under
//! `/INTERSHOP/rest/{serverGroup}/{site}/{app}`; the site names the tenant and the app
//! segment may carry matrix parameters (`-;loc=en_US;cur=USD`).

mod addresses;
pub(crate) mod auth;
mod budgets;
mod cost_centers;
mod credentials;
mod customers;
pub mod dto;
pub mod errors;
mod organization;
mod payments;
mod security;
mod token;

use actix_web::web;
use utoipa::OpenApi;

use crate::docs::BasicAuth;
use crate::problem::method_not_allowed;

/// The ICM base path; `{app}` may carry matrix parameters.
pub const BASE: &str = "/INTERSHOP/rest/{server}/{site}/{app}";

/// The tenant the path's `{site}` names.
async fn site_tenant(
    state: &crate::AppState,
    req: &actix_web::HttpRequest,
) -> Result<clientele_domain::tenants::Tenant, crate::problem::Problem> {
    crate::tenant_named(state, req.match_info().get("site").unwrap_or_default()).await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(BASE)
            // ICM 11 admin routes, chosen by their media type, before the storefront's.
            .configure(crate::icm_admin::resources)
            // The profile reads first: resources are tried in order, each dynamic pattern
            // with a regex, and these run on almost every storefront page.
            .service(
                web::resource("/customers/{customer}")
                    .route(web::get().to(customers::get_customer))
                    .route(web::put().to(customers::update_customer))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/privatecustomers/{customer}")
                    .route(web::get().to(customers::get_private_customer))
                    .route(web::put().to(customers::update_private_customer))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource([
                    "/customers/{customer}/addresses",
                    "/privatecustomers/{customer}/addresses",
                ])
                .route(web::get().to(addresses::list))
                .route(web::post().to(addresses::create))
                .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource([
                    "/customers/{customer}/addresses/{address}",
                    "/privatecustomers/{customer}/addresses/{address}",
                ])
                .route(web::get().to(addresses::get))
                .route(web::put().to(addresses::update))
                .route(web::delete().to(addresses::delete))
                .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource([
                    "/customers/{customer}/payments",
                    "/privatecustomers/{customer}/payments",
                ])
                .route(web::get().to(payments::list))
                .route(web::post().to(payments::create))
                .route(
                    web::route()
                        .method(actix_web::http::Method::OPTIONS)
                        .to(payments::options),
                )
                .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource([
                    "/customers/{customer}/eligible-payment-methods",
                    "/privatecustomers/{customer}/eligible-payment-methods",
                ])
                .route(web::get().to(payments::options))
                .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource([
                    "/customers/{customer}/payments/{payment}",
                    "/privatecustomers/{customer}/payments/{payment}",
                ])
                .route(web::get().to(payments::get))
                .route(web::put().to(payments::update))
                .route(web::delete().to(payments::delete))
                .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource([
                    "/privatecustomers/{customer}/giftcardsandcertificates",
                    "/customers/{customer}/users/{user}/giftcardsandcertificates",
                ])
                .route(web::get().to(payments::gift_card_list))
                .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource([
                    "/privatecustomers/{customer}/giftcardsandcertificates/{card}",
                    "/customers/{customer}/users/{user}/giftcardsandcertificates/{card}",
                ])
                .route(web::get().to(payments::gift_card))
                .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/roles")
                    .route(web::get().to(organization::roles))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users")
                    .route(web::get().to(organization::users))
                    .route(web::post().to(organization::add_users))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users/{user}")
                    .route(web::get().to(organization::user))
                    .route(web::put().to(organization::update_user))
                    .route(web::delete().to(organization::remove_user))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users/{user}/roles")
                    .route(web::get().to(organization::user_roles))
                    .route(web::put().to(organization::set_user_roles))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users/{user}/budgets")
                    .route(web::get().to(budgets::budget))
                    .route(web::put().to(budgets::set_budget))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users/{user}/costcenters")
                    .route(web::get().to(cost_centers::of_user))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users/{user}/costcenters/{costcenter}")
                    .route(web::get().to(cost_centers::of_user_one))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/costcenters")
                    .route(web::get().to(cost_centers::list))
                    .route(web::post().to(cost_centers::create))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/costcenters/{costcenter}")
                    .route(web::get().to(cost_centers::get))
                    .route(web::patch().to(cost_centers::update))
                    .route(web::delete().to(cost_centers::delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/costcenters/{costcenter}/buyers")
                    .route(web::get().to(cost_centers::buyers))
                    .route(web::post().to(cost_centers::add_buyer))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/costcenters/{costcenter}/buyers/{buyer}")
                    .route(web::get().to(cost_centers::buyer))
                    .route(web::patch().to(cost_centers::update_buyer))
                    .route(web::delete().to(cost_centers::remove_buyer))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/security/reminder")
                    .route(web::post().to(security::reminder))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/security/password")
                    .route(web::post().to(security::password))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/token")
                    .route(web::post().to(token::token))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/token/logout")
                    .route(web::put().to(token::token_logout))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/logout")
                    .route(web::put().to(token::logout))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers")
                    .route(web::post().to(customers::create_customer))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/privatecustomers")
                    .route(web::post().to(customers::create_private_customer))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/privatecustomers/{customer}/credentials/password")
                    .route(web::put().to(credentials::private_customer_password))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/privatecustomers/{customer}/credentials/login")
                    .route(web::put().to(credentials::private_customer_login))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users/{user}/credentials/login")
                    .route(web::put().to(credentials::user_login))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/customers/{customer}/users/{user}/credentials/password")
                    .route(web::put().to(credentials::user_password))
                    .default_service(web::to(method_not_allowed)),
            )
            .configure(crate::icm_admin::fallbacks),
    );
}

/// OpenAPI document of the ICM storefront routes clientele serves.
#[derive(OpenApi)]
#[openapi(
    info(title = "clientele — Intershop ICM 7.10 storefront customer API", version = "1.0.0",
         description = "Compatible subset of ICM 7.10 `customer` and ICM authentication REST APIs. \
                        Errors: HTTP status plus an `error-key` response header and a plain-text message."),
    paths(security::reminder, security::password, credentials::private_customer_password, credentials::user_password, credentials::private_customer_login, credentials::user_login, token::token, token::token_logout, token::logout, customers::create_customer, customers::create_private_customer, customers::get_customer,
          customers::get_private_customer, customers::update_customer, customers::update_private_customer,
          addresses::list, addresses::create, addresses::get, addresses::update, addresses::delete,
          organization::roles, organization::users, organization::user, organization::user_roles,
          organization::set_user_roles, organization::remove_user, organization::update_user, organization::add_users,
          budgets::budget, budgets::set_budget,
          cost_centers::list, cost_centers::create, cost_centers::get, cost_centers::update, cost_centers::delete,
          cost_centers::buyers, cost_centers::add_buyer, cost_centers::buyer, cost_centers::update_buyer,
          cost_centers::remove_buyer, cost_centers::of_user, cost_centers::of_user_one,
          payments::list, payments::options, payments::create, payments::get, payments::update, payments::delete,
          payments::gift_card_list, payments::gift_card),
    components(schemas(dto::NewCustomerRo, dto::CredentialsRo, dto::AddressRo, dto::NewCustomerUserRo,
                       dto::PrivateCustomerRo, dto::SmbCustomerRo, dto::LinkRo, dto::CustomerUpdateRo, dto::AddressRefRo, addresses::AddressLinksRo, organization::UserRolesRo, organization::RoleRo, organization::PermissionRo, organization::SmbCustomerUserRo, organization::UserLinksRo, organization::UserLinkRo, organization::AttributeRo, organization::SetUserRolesRo, organization::NewUsersRo, dto::MoneyRo, dto::MoneyInRo,
                       budgets::UserBudgetRo, budgets::UserBudgetInRo, cost_centers::CostCenterRo, cost_centers::CostCenterUserRo,
                       cost_centers::CostCenterLinkRo, cost_centers::CostCenterPageRo, cost_centers::PageInfoRo,
                       cost_centers::CostCenterInRo, cost_centers::OwnerRefRo, cost_centers::BuyerInRo,
                       cost_centers::UserCostCenterRo, cost_centers::UserCostCentersRo, security::PasswordReminderRo, security::PasswordResetRo, credentials::CustomerPasswordRo, credentials::CustomerLoginRo, token::TokenRequest, token::TokenRo,
                       payments::ParameterInRo, payments::PaymentInRo, payments::AttributeRo, payments::PaymentRo,
                       payments::ParameterDefinitionRo, payments::PaymentParameterRo, payments::PaymentOptionRo,
                       payments::PaymentOptionsForMethodRo, payments::PaymentOptionsRo,
                       payments::GiftCardAndCertificateRo, payments::PaymentLinksRo)),
    modifiers(&BasicAuth),
)]
pub struct IcmApi;
