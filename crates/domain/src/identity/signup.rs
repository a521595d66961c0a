//! Sign-up of a private or business customer with its first user (and address).

use std::sync::Arc;

use crate::addresses::{check_address, settle_preferred, AddressData, AddressError, AddressLimits, NewAddress};
use crate::clock::Clock;
use crate::customers::{Account, CustomerKind, CustomerRepository, CustomerStatus, NewAccount, NewCustomer};
use crate::error::{StoreError, UniqueRule};
use crate::identity::{CodeMail, HashError, IdGenerator, PasswordHasher, Secrets};
use crate::tenants::{draw_customer_number, Tenant, TenantRepository};
use crate::users::{Consents, EmailVerification, NewUser, PersonData};
use crate::values::{CustomerNumber, Email, Login, Password};

/// Roles the first user of a business customer gets: it administers the company.
pub const FIRST_BUSINESS_USER_ROLES: &[&str] = &["APP_B2B_ACCOUNT_OWNER", "APP_B2B_BUYER"];

/// How often a generated customer number is redrawn when it collides with one a
/// client chose.
const NUMBER_ATTEMPTS: usize = 5;

/// A sign-up request, already parsed into domain values.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// Given by the client, or `None` to draw one from the tenant's pattern.
    pub customer_number: Option<CustomerNumber>,
    pub kind: CustomerKind,
    pub login: Login,
    pub email: Email,
    pub password: Password,
    pub person: PersonData,
    pub consents: Consents,
    pub addresses: Vec<AddressData>,
    pub custom: serde_json::Map<String, serde_json::Value>,
}

/// Why a sign-up failed. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    #[error("the login is already taken")]
    LoginTaken,
    #[error("the customer number is already taken")]
    CustomerNumberTaken,
    /// An address failed the address-book checks (postal code, tags).
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Store(StoreError),
}

/// Registers new customers.
#[derive(Clone)]
pub struct SignUpService {
    pub tenants: Arc<dyn TenantRepository>,
    pub customers: Arc<dyn CustomerRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub ids: Arc<dyn IdGenerator>,
    pub secrets: Arc<dyn Secrets>,
    pub clock: Arc<dyn Clock>,
    /// Lifetime and link of the opt-in code, for tenants with double opt-in.
    pub opt_in: CodeMail,
}

impl SignUpService {
    /// Creates the customer, its user and addresses in one transaction. Where the tenant
    /// asks for double opt-in the user starts inactive, and the mail with the activation
    /// link is queued in the same transaction.
    pub async fn sign_up(&self, tenant: &Tenant, req: SignUp) -> Result<Account, SignUpError> {
        let mut addresses = req.addresses;
        settle_preferred(&mut addresses);
        for address in &mut addresses {
            check_address(address, &AddressLimits::default())?;
        }
        let password_hash = self.hasher.hash(&req.password).await?;
        let roles = match req.kind {
            CustomerKind::Private => vec![],
            CustomerKind::Business(_) => FIRST_BUSINESS_USER_ROLES.iter().map(|r| r.to_string()).collect(),
        };
        let user_id = self.ids.public_id();
        let opt_in = tenant.double_opt_in.then(|| {
            self.opt_in.prepare(
                &*self.secrets,
                (user_id.as_str(), &req.person),
                &req.email,
                self.clock.now(),
            )
        });
        let mut account = NewAccount {
            customer: NewCustomer {
                public_id: self.ids.public_id(),
                number: match &req.customer_number {
                    Some(n) => n.clone(),
                    None => draw_customer_number(&*self.tenants, tenant)
                        .await
                        .map_err(SignUpError::Store)?,
                },
                kind: req.kind,
                status: CustomerStatus::Active,
                custom: req.custom,
                external: Default::default(),
            },
            users: vec![NewUser {
                public_id: user_id,
                login: req.login,
                email: req.email,
                password_hash: Some(password_hash),
                person: req.person,
                roles,
                active: opt_in.is_none(),
                email_verification: match opt_in {
                    Some(_) => EmailVerification::Pending,
                    None => EmailVerification::Unverified,
                },
                consents: req.consents,
                external: Default::default(),
                legacy_auth: None,
            }],
            addresses: addresses
                .into_iter()
                .map(|data| NewAddress {
                    public_id: self.ids.public_id(),
                    data,
                })
                .collect(),
            opt_in,
            settings: None,
        };

        for attempt in 1..=NUMBER_ATTEMPTS {
            match self
                .customers
                .create_account(tenant.id, account.clone(), self.clock.now())
                .await
            {
                Ok(created) => {
                    tracing::info!(
                        tenant = tenant.name.as_str(),
                        customer = %created.customer.public_id,
                        opt_in = tenant.double_opt_in,
                        "customer signed up"
                    );
                    return Ok(created);
                }
                Err(StoreError::Duplicate(UniqueRule::UserLogin)) => return Err(SignUpError::LoginTaken),
                Err(StoreError::Duplicate(UniqueRule::CustomerNumber)) => {
                    if req.customer_number.is_some() {
                        return Err(SignUpError::CustomerNumberTaken);
                    }
                    if attempt == NUMBER_ATTEMPTS {
                        break;
                    }
                    account.customer.number = draw_customer_number(&*self.tenants, tenant)
                        .await
                        .map_err(SignUpError::Store)?;
                }
                Err(other) => return Err(SignUpError::Store(other)),
            }
        }
        Err(SignUpError::CustomerNumberTaken)
    }
}
