//! HTTP adapter: serves the customer APIs that shops and back offices already speak.
//! One module per dialect, each doing translation only (DTOs, routes, error mapping);
//! rules live in the domain crate.

mod api_auth;
pub mod body;
mod docs;
pub mod emporix;
mod health;
pub mod icm;
mod icm_admin;
mod iom;
mod metrics;
mod observe;
pub mod problem;
pub mod rate_limit;
mod service;
pub mod versions;
pub mod websale;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App};
use clientele_domain::addresses::AddressBook;
use clientele_domain::administration::CustomerAdministration;
use clientele_domain::api_clients::ApiClientService;
use clientele_domain::cost_centers::{CostCenterService, SpendingService};
use clientele_domain::customers::ProfileService;
use clientele_domain::identity::{
    ActivationService, CredentialsService, EmailChangeService, IdGenerator, PasswordResetService, SessionService,
    SignUpService,
};
use clientele_domain::roles::OrganizationService;
use clientele_domain::tenants::TenantService;
use clientele_domain::values::PasswordPolicy;

pub use health::{PoolGauges, Readiness};
pub use metrics::Metrics;

/// The use cases the HTTP layer calls.
#[derive(Clone)]
pub struct Services {
    pub tenants: TenantService,
    pub sign_up: SignUpService,
    pub activation: ActivationService,
    pub email_change: EmailChangeService,
    pub sessions: SessionService,
    pub credentials: CredentialsService,
    pub resets: PasswordResetService,
    pub profile: ProfileService,
    pub addresses: AddressBook,
    pub organization: OrganizationService,
    pub cost_centers: CostCenterService,
    pub spending: SpendingService,
    pub api_clients: ApiClientService,
    pub admin: CustomerAdministration,
    pub accounts: clientele_domain::accounts::AccountAdministration,
    pub payments: clientele_domain::payments::PaymentInstruments,
    pub orders: clientele_domain::orders::OrderHistory,
    pub export: clientele_domain::privacy::PersonalDataExport,
}

/// Limits and policies applied at the edge.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    pub password_policy: PasswordPolicy,
    /// Logins, token grants and sign-ups allowed per client address and minute.
    pub auth_attempts_per_minute: u32,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            password_policy: PasswordPolicy::default(),
            auth_attempts_per_minute: 60,
        }
    }
}

/// Everything a request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub limits: HttpLimits,
    pub readiness: Arc<dyn Readiness>,
    pub ids: Arc<dyn IdGenerator>,
    pub metrics: Metrics,
    /// Shared by every credential-checking and account-creating route of every dialect.
    pub auth_limiter: Arc<rate_limit::RateLimiter>,
    /// WEBSALE's host-to-tenant map, page-token key and bulk cap.
    pub websale: Arc<websale::WebsaleSettings>,
    /// Reads in progress, during which password hashing holds back (`observe`).
    pub foreground: clientele_blocking::Foreground,
}

/// The complete application: every dialect, health, metrics and API docs.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state.clone()))
        .configure(health::routes)
        .configure(docs::routes)
        .configure(icm::routes)
        .configure(emporix::routes)
        .configure(service::routes)
        .configure(websale::routes)
        .configure(iom::routes)
        .default_service(web::to(problem::unknown_route))
        .wrap(middleware::from_fn(observe::observe))
}

/// The tenant a path segment names, or the problem to answer.
pub(crate) async fn tenant_named(
    state: &AppState,
    name: &str,
) -> Result<clientele_domain::tenants::Tenant, problem::Problem> {
    match state.services.tenants.resolve(name).await {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(problem::Problem::NotFound("The tenant".into())),
        Err(e) => {
            tracing::error!(error = %e, "tenant lookup failed");
            Err(problem::Problem::Unavailable)
        }
    }
}
