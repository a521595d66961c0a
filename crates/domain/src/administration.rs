//! Customer administration by back offices and ERPs (API clients; ICM 11 admin API):
//! whole customers with their addresses, users and custom attributes, named by the
//! customer's number.
//!
//! Rules:
//! - a customer's number is given at creation or drawn from the tenant's pattern, and
//!   never changes; deleted customers are not found (their number stays taken);
//! - a business customer needs a company name; users exist only for business customers
//!   (a private customer's one user comes with its sign-up);
//! - deactivating a customer blocks its logins and ends its users' sessions; deleting it
//!   erases it as a storefront account deletion does;
//! - a company keeps an active account administrator (no edit or deletion removes the
//!   last one);
//! - custom attribute names are unique per owner (see [`crate::custom_attributes`]).
//!
//! Who may call these is the HTTP layer's check (API-client scopes); the use cases
//! assume an authorised caller.

use std::sync::Arc;

use crate::addresses::{Address, AddressBook, AddressData, AddressError, Book, OnDuplicate};
use crate::batch::Answers;
use crate::clock::Clock;
use crate::custom_attributes::{
    AttributeName, AttributeOwner, AttributeValue, CustomAttribute, CustomAttributeRepository,
};
use crate::customers::{Actor, Company, Customer, CustomerKind, CustomerRepository, CustomerStatus, ExternalRef};
use crate::error::{StoreError, UniqueRule};
use crate::identity::{IdGenerator, LegacyHash, LegacyVerifier, PasswordMigration, PasswordMigrationRepository};
use crate::ids::{CustomerId, PublicId};
use crate::roles::{known_roles, AddUserError, NewMember, OrganizationService, ACCOUNT_OWNER};
use crate::tenants::{draw_customer_number, Tenant, TenantRepository};
use crate::users::{PersonData, User, UserQuery, UserRepository, UserSort};
use crate::values::{CustomerNumber, Email, Login};

/// What customer searches filter and sort by (the dialect maps its field names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchField {
    /// The customer number.
    Number,
    /// The primary user's login.
    Login,
    /// The primary user's contact e-mail.
    Email,
    FirstName,
    LastName,
    /// The company name (business customers).
    Company,
    CreatedAt,
    ModifiedAt,
    /// The primary user can log in.
    Active,
    /// The customer is blocked.
    OnHold,
    /// A business customer.
    Business,
}

/// A text comparison; text matches ignore case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    Exact(String),
    Contains(String),
    AnyOf(Vec<String>),
}

/// How a time compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Before,
    AtOrBefore,
    After,
    AtOrAfter,
    At,
}

/// One condition of a search; all conditions must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Text(SearchField, TextMatch),
    Time(SearchField, Compare, chrono::DateTime<chrono::Utc>),
    Flag(SearchField, bool),
}

/// A page of a customer search. The order always ends with the customer's key (in the
/// direction of the last sort field), so pages never overlap or skip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerQuery {
    pub filters: Vec<Filter>,
    /// Fields with `true` for descending.
    pub sort: Vec<(SearchField, bool)>,
    pub offset: u64,
    pub limit: u64,
}

/// A customer found, with its primary (first) user, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerHit {
    pub customer: Customer,
    pub user: Option<User>,
}

/// Customer searches for back offices.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait::async_trait]
pub trait CustomerSearchRepository: Send + Sync {
    /// One page of live customers matching every filter, and how many match in all.
    async fn search_customers(
        &self,
        tenant: crate::ids::TenantId,
        query: CustomerQuery,
    ) -> Result<(Vec<CustomerHit>, u64), StoreError>;
}

/// A customer to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDraft {
    /// The number to give it; drawn from the tenant's pattern when `None`.
    pub number: Option<CustomerNumber>,
    pub kind: CustomerKind,
    pub active: bool,
    pub external: ExternalRef,
}

/// A customer's editable fields, as an edit leaves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerEdit {
    /// The company data; ignored for private customers.
    pub company: Option<Company>,
    pub active: bool,
    pub external: ExternalRef,
}

/// A user's editable fields, as an edit leaves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEdit {
    pub person: PersonData,
    pub email: Email,
    pub active: bool,
    /// Role ids (the fixed ones are added anyway).
    pub roles: Vec<String>,
    pub external: ExternalRef,
}

/// A customer with its users and addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerView {
    pub customer: Customer,
    pub users: Vec<User>,
    pub addresses: Vec<Address>,
}

/// What a use case refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No such customer (or user, address, attribute of it).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A field is missing or wrong; names the field as the dialects call it.
    #[error("{field} {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The value must be unique and is taken.
    #[error("{0} is already taken")]
    Taken(&'static str),
    /// Users belong to business customers only.
    #[error("a private customer has no further users")]
    PrivateCustomer,
    /// The change would leave the company without an active account administrator.
    #[error("the company must keep an active account administrator")]
    LastAdministrator,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    pub fn invalid(field: &'static str, reason: impl ToString) -> Self {
        Self::Invalid {
            field,
            reason: reason.to_string(),
        }
    }
}

impl From<AddressError> for AdminError {
    fn from(e: AddressError) -> Self {
        match e {
            AddressError::NotFound => Self::NotFound("address"),
            AddressError::Store(e) => Self::Store(e),
            AddressError::Invalid { field, why } => Self::invalid(
                match field {
                    crate::addresses::AddressField::PostalCode => "postalCode",
                    crate::addresses::AddressField::Tags => "tags",
                },
                why,
            ),
            AddressError::NoUsage | AddressError::InconsistentUsage => Self::invalid("usage", e),
            other => Self::invalid("addresses", other),
        }
    }
}

/// Customer-administration use cases.
#[derive(Clone)]
pub struct CustomerAdministration {
    pub customers: Arc<dyn CustomerRepository>,
    pub users: Arc<dyn UserRepository>,
    pub attributes: Arc<dyn CustomAttributeRepository>,
    pub search: Arc<dyn CustomerSearchRepository>,
    pub tenants: Arc<dyn TenantRepository>,
    pub addresses: AddressBook,
    pub organization: OrganizationService,
    pub ids: Arc<dyn IdGenerator>,
    pub clock: Arc<dyn Clock>,
    /// Checks imported password hashes.
    pub hasher: Arc<dyn crate::identity::PasswordHasher>,
    /// Checks imported legacy hashes.
    pub legacy: Arc<dyn LegacyVerifier>,
    pub migrations: Arc<dyn PasswordMigrationRepository>,
}

/// How an imported customer's password arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportedPassword {
    /// None: the customer chooses one through a password reset.
    None,
    /// An argon2id PHC string, stored as is.
    Hash(crate::values::PasswordHash),
    /// A previous system's hash, verified on the first login (needs a migration window).
    Legacy(LegacyHash),
    /// A password an administrator sets (already checked against the password policy).
    Plain(crate::values::Password),
}

/// One customer of an import: the customer, its one user and its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportItem {
    /// The customer number; when missing, the customer of the login, else a new number.
    pub number: Option<CustomerNumber>,
    pub kind: CustomerKind,
    pub login: Login,
    pub email: Email,
    pub person: PersonData,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub password: ImportedPassword,
    /// The customer's addresses; `None` keeps those an existing customer has.
    pub addresses: Option<Vec<AddressData>>,
    /// The user can log in (`None`: new users can, existing ones keep theirs).
    pub active: Option<bool>,
    /// The customer's logins are blocked (`None`: new customers are not, existing ones
    /// keep theirs).
    pub on_hold: Option<bool>,
    /// Account settings (back-office accounts); `None`: defaults, or kept on an upsert.
    pub settings: Option<crate::accounts::AccountSettings>,
}

/// An item checked and ready to write.
struct Prepared {
    account: crate::customers::NewAccount,
    keep: crate::customers::Keep,
}

/// What a unique rule refusing an account's write means to the administrator.
fn refused(e: StoreError) -> AdminError {
    match e {
        StoreError::Duplicate(UniqueRule::UserLogin) => AdminError::Taken("account.email"),
        StoreError::Duplicate(UniqueRule::CustomerNumber) => AdminError::Taken("id"),
        StoreError::Duplicate(UniqueRule::Phone) => AdminError::Taken("phone"),
        other => AdminError::Store(other),
    }
}

/// How an account is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Save {
    /// New only; `invite` mails a user without password the invitation.
    Create { invite: bool },
    /// By number (or login): created or updated.
    Upsert,
}

/// What an import did with one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub id: CustomerId,
    pub number: CustomerNumber,
    pub created: bool,
}

/// Most customers one search page shows; larger pages are cut to this.
pub const MAX_SEARCH_PAGE: u64 = 1000;

/// Most users a customer view lists.
const MAX_VIEW_USERS: u64 = 10_000;

impl CustomerAdministration {
    /// Creates a customer without users or addresses.
    pub async fn create_customer(&self, tenant: &Tenant, draft: CustomerDraft) -> Result<Customer, AdminError> {
        if let CustomerKind::Business(company) = &draft.kind {
            if company.name.trim().is_empty() {
                return Err(AdminError::invalid("companyName1", "must not be empty"));
            }
        }
        let number = match draft.number {
            Some(n) => n,
            None => draw_customer_number(&*self.tenants, tenant).await?,
        };
        let account = crate::customers::NewAccount {
            customer: crate::customers::NewCustomer {
                public_id: self.ids.public_id(),
                number,
                kind: draft.kind,
                status: if draft.active {
                    CustomerStatus::Active
                } else {
                    CustomerStatus::LoginBlocked
                },
                custom: Default::default(),
                external: draft.external,
            },
            users: vec![],
            addresses: vec![],
            opt_in: None,
            settings: None,
        };
        let created = self
            .customers
            .create_account(tenant.id, account, self.clock.now())
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(UniqueRule::CustomerNumber) => AdminError::Taken("id"),
                other => AdminError::Store(other),
            })?;
        let customer = created.customer;
        tracing::info!(
            event = "customer_created",
            tenant = tenant.id.get(),
            customer = customer.id.get(),
            by = "api-client",
            "customer created"
        );
        Ok(customer)
    }

    /// A page of live customers matching `query`, and how many match in all.
    pub async fn search(
        &self,
        tenant: &Tenant,
        mut query: CustomerQuery,
    ) -> Result<(Vec<CustomerHit>, u64), AdminError> {
        query.limit = query.limit.clamp(1, MAX_SEARCH_PAGE);
        Ok(self.search.search_customers(tenant.id, query).await?)
    }

    /// A customer by number (not deleted ones).
    pub async fn customer(&self, tenant: &Tenant, number: &str) -> Result<Customer, AdminError> {
        let number = CustomerNumber::parse(number).map_err(|_| AdminError::NotFound("customer"))?;
        self.customers
            .by_number(tenant.id, &number)
            .await?
            .filter(|c| c.status != CustomerStatus::Deleted)
            .ok_or(AdminError::NotFound("customer"))
    }

    /// A customer with its users (business customers) and addresses.
    pub async fn view(&self, tenant: &Tenant, customer: Customer) -> Result<CustomerView, AdminError> {
        let users = self.users_of(tenant, &customer).await?;
        let addresses = self.addresses.list(book(tenant, &customer)).await?;
        Ok(CustomerView {
            customer,
            users,
            addresses,
        })
    }

    async fn users_of(&self, tenant: &Tenant, customer: &Customer) -> Result<Vec<User>, AdminError> {
        let query = UserQuery {
            filter: None,
            sort: UserSort::Login,
            descending: false,
            offset: 0,
            limit: MAX_VIEW_USERS,
        };
        Ok(self.users.page_for_customer(tenant.id, customer.id, query).await?.users)
    }

    /// Changes a customer's fields; deactivation ends its users' sessions.
    pub async fn update_customer(
        &self,
        tenant: &Tenant,
        customer: &Customer,
        edit: CustomerEdit,
    ) -> Result<Customer, AdminError> {
        if let (CustomerKind::Business(_), Some(company)) = (&customer.kind, &edit.company) {
            if company.name.trim().is_empty() {
                return Err(AdminError::invalid("companyName1", "must not be empty"));
            }
        }
        let now = self.clock.now();
        let status = if edit.active {
            CustomerStatus::Active
        } else {
            CustomerStatus::LoginBlocked
        };
        if !self
            .customers
            .administer_customer(tenant.id, customer.id, edit.company, status, edit.external, now)
            .await?
        {
            return Err(AdminError::NotFound("customer"));
        }
        tracing::info!(
            event = "customer_changed",
            tenant = tenant.id.get(),
            customer = customer.id.get(),
            by = "api-client",
            "customer changed"
        );
        self.customers
            .by_id(tenant.id, customer.id)
            .await?
            .ok_or(AdminError::NotFound("customer"))
    }

    /// Deletes a customer: its users, addresses and the rest go; the number stays taken.
    pub async fn delete_customer(&self, tenant: &Tenant, customer: &Customer, actor: Actor) -> Result<(), AdminError> {
        if !self
            .customers
            .erase_customer(tenant.id, customer.id, self.clock.now(), actor)
            .await?
        {
            return Err(AdminError::NotFound("customer"));
        }
        tracing::info!(
            event = "customer_deleted",
            tenant = tenant.id.get(),
            customer = customer.id.get(),
            by = "api-client",
            "customer deleted"
        );
        Ok(())
    }

    /// The customer's addresses, oldest first.
    pub async fn addresses_of(&self, tenant: &Tenant, customer: &Customer) -> Result<Vec<Address>, AdminError> {
        Ok(self.addresses.list(book(tenant, customer)).await?)
    }

    /// One address of the customer by its id.
    pub async fn address(&self, tenant: &Tenant, customer: &Customer, id: &str) -> Result<Address, AdminError> {
        Ok(self.addresses.get(book(tenant, customer), id).await?)
    }

    /// Adds an address to the customer.
    pub async fn add_address(
        &self,
        tenant: &Tenant,
        customer: &Customer,
        data: AddressData,
    ) -> Result<Address, AdminError> {
        Ok(self
            .addresses
            .create(book(tenant, customer), data, OnDuplicate::Create)
            .await?
            .address)
    }

    /// Changes an address: `edit` turns the stored address into its new data.
    pub async fn update_address<E: From<AddressError>>(
        &self,
        tenant: &Tenant,
        customer: &Customer,
        id: &str,
        edit: impl Fn(&Address) -> Result<AddressData, E> + Send + Sync,
    ) -> Result<Address, E> {
        self.addresses.update(book(tenant, customer), id, None, edit).await
    }

    /// Deletes an address (also the customer's last one).
    pub async fn delete_address(&self, tenant: &Tenant, customer: &Customer, id: &str) -> Result<(), AdminError> {
        Ok(self.addresses.delete(book(tenant, customer), id, None, false).await?)
    }

    /// A user of the customer by login or public id.
    pub async fn user(&self, tenant: &Tenant, customer: &Customer, key: &str) -> Result<User, AdminError> {
        let by_login = match Login::parse(key) {
            Ok(login) => self.users.by_login(tenant.id, &login).await?,
            Err(_) => None,
        };
        let found = match (by_login, PublicId::parse(key)) {
            (Some(user), _) => Some(user),
            (None, Some(id)) => self.users.by_public_id(tenant.id, &id).await?,
            (None, None) => None,
        };
        found
            .filter(|u| u.customer_id == customer.id)
            .ok_or(AdminError::NotFound("user"))
    }

    /// Adds a user to a business customer (with the given public id, or a new one) and
    /// mails the invitation to choose a password.
    pub async fn add_user(
        &self,
        tenant: &Tenant,
        customer: &Customer,
        public_id: Option<PublicId>,
        member: NewMember,
    ) -> Result<User, AdminError> {
        if !customer.is_business() {
            return Err(AdminError::PrivateCustomer);
        }
        self.organization
            .add_member(tenant, customer.id, None, public_id, member)
            .await
            .map_err(|e| match e {
                AddUserError::LoginTaken => AdminError::Taken("accountId"),
                AddUserError::Store(StoreError::Duplicate(UniqueRule::PublicId)) => AdminError::Taken("id"),
                AddUserError::UnknownRole(r) => AdminError::invalid("roles", format!("has the unknown role {r}")),
                AddUserError::Store(e) => AdminError::Store(e),
            })
    }

    /// Changes a user's fields, roles and activation in one write; deactivation ends the
    /// user's sessions.
    pub async fn update_user(
        &self,
        tenant: &Tenant,
        customer: &Customer,
        user: &User,
        mut edit: UserEdit,
    ) -> Result<User, AdminError> {
        edit.roles = known_roles(tenant, &edit.roles)
            .map_err(|r| AdminError::invalid("roles", format!("has the unknown role {r}")))?;
        if !customer.is_business() {
            // A private customer's user has no company roles.
            edit.roles = user.roles.clone();
        }
        let now = self.clock.now();
        let kept = customer.is_business().then_some(ACCOUNT_OWNER);
        let written = self
            .users
            .administer_user(tenant.id, customer.id, user.id, edit, kept, now)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(UniqueRule::UserLogin) => AdminError::Taken("accountId"),
                other => AdminError::Store(other),
            })?;
        if !written {
            return Err(AdminError::LastAdministrator);
        }
        tracing::info!(
            event = "user_changed",
            tenant = tenant.id.get(),
            user = user.id.get(),
            by = "api-client",
            "user changed"
        );
        self.users
            .by_id(tenant.id, user.id)
            .await?
            .ok_or(AdminError::NotFound("user"))
    }

    /// Deletes a user of a business customer (a private customer is deleted whole).
    pub async fn delete_user(
        &self,
        tenant: &Tenant,
        customer: &Customer,
        user: &User,
        actor: Actor,
    ) -> Result<(), AdminError> {
        if !customer.is_business() {
            return Err(AdminError::PrivateCustomer);
        }
        if !self
            .users
            .remove_member(tenant.id, customer.id, user.id, ACCOUNT_OWNER, self.clock.now(), actor)
            .await?
        {
            return Err(AdminError::LastAdministrator);
        }
        tracing::info!(
            event = "user_removed",
            tenant = tenant.id.get(),
            user = user.id.get(),
            by = "api-client",
            "user removed"
        );
        Ok(())
    }

    /// The owner's custom attributes, by name.
    pub async fn attributes(&self, tenant: &Tenant, owner: AttributeOwner) -> Result<Vec<CustomAttribute>, AdminError> {
        Ok(self.attributes.list_for(tenant.id, owner).await?)
    }

    /// Adds a custom attribute; its name must be new for the owner.
    pub async fn add_attribute(
        &self,
        tenant: &Tenant,
        owner: AttributeOwner,
        name: &str,
        value: AttributeValue,
    ) -> Result<CustomAttribute, AdminError> {
        let name = AttributeName::parse(name).map_err(|e| AdminError::invalid("name", e))?;
        self.attributes
            .insert_attribute(tenant.id, owner, name, value)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(UniqueRule::AttributeName) => AdminError::Taken("name"),
                other => AdminError::Store(other),
            })
    }

    /// Replaces the value of the owner's attribute `name`.
    pub async fn replace_attribute(
        &self,
        tenant: &Tenant,
        owner: AttributeOwner,
        name: &str,
        value: AttributeValue,
    ) -> Result<CustomAttribute, AdminError> {
        let name = AttributeName::parse(name).map_err(|_| AdminError::NotFound("attribute"))?;
        self.attributes
            .replace_attribute(tenant.id, owner, name, value)
            .await?
            .ok_or(AdminError::NotFound("attribute"))
    }

    /// Deletes the owner's attribute `name`.
    pub async fn delete_attribute(&self, tenant: &Tenant, owner: AttributeOwner, name: &str) -> Result<(), AdminError> {
        let name = AttributeName::parse(name).map_err(|_| AdminError::NotFound("attribute"))?;
        if !self.attributes.delete_attribute(tenant.id, owner, name).await? {
            return Err(AdminError::NotFound("attribute"));
        }
        Ok(())
    }
}

impl CustomerAdministration {
    /// Imports customers, each on its own and all or nothing (customer, user and
    /// addresses): a failing item leaves the others. Items upsert by customer number (or
    /// by login when they have none), so importing the same items again changes nothing.
    pub async fn import(&self, tenant: &Tenant, items: Vec<ImportItem>) -> Vec<Result<Imported, AdminError>> {
        let window = match self.migrations.password_migration(tenant.id).await {
            Ok(w) => w.filter(|w| w.active(self.clock.now().date_naive())),
            Err(e) => return items.iter().map(|_| Err(AdminError::Store(e.clone()))).collect(),
        };
        let open = window.is_some();
        // New customers are written together; the items whose number or login is taken
        // (existing customers) are then upserted one by one, in order, as are items
        // with a plain password (hashing dominates them; no hash twice).
        let (mut together, mut slots) = (Vec::new(), Vec::new());
        let mut out = Answers::with_capacity(items.len());
        let mut one_by_one = Vec::new();
        for item in items {
            let slot = out.later();
            if matches!(item.password, ImportedPassword::Plain(_)) {
                one_by_one.push((slot, item));
            } else {
                slots.push(slot);
                together.push(item);
            }
        }
        let again = together.clone();
        let created = self.create_together(tenant, open, together).await;
        for ((slot, answer), item) in slots.into_iter().zip(created).zip(again) {
            match answer {
                Err(AdminError::Taken(_)) => one_by_one.push((slot, item)),
                answer => out.set(slot, answer),
            }
        }
        one_by_one.sort_by_key(|(slot, _)| *slot);
        for (slot, item) in one_by_one {
            out.set(slot, self.save(tenant, open, item, Save::Upsert).await);
        }
        out.into_vec()
    }

    /// Creates one customer with its user and addresses (an administrator's sign-up);
    /// a taken number or login is `Taken`. Without a password the user is mailed the
    /// invitation to choose one when `invite`.
    pub async fn create_account(
        &self,
        tenant: &Tenant,
        item: ImportItem,
        invite: bool,
    ) -> Result<Imported, AdminError> {
        self.save(tenant, false, item, Save::Create { invite }).await
    }

    /// Creates or replaces the customer with the item's number (an administrator's PUT);
    /// a new customer without password is invited when `invite`.
    pub async fn put_account(&self, tenant: &Tenant, item: ImportItem, invite: bool) -> Result<Imported, AdminError> {
        if let Some(number) = &item.number {
            if self
                .customers
                .by_number(tenant.id, number)
                .await?
                .is_none_or(|c| c.status == CustomerStatus::Deleted)
            {
                return self.save(tenant, false, item, Save::Create { invite }).await;
            }
        }
        self.save(tenant, false, item, Save::Upsert).await
    }

    async fn save(
        &self,
        tenant: &Tenant,
        window_open: bool,
        item: ImportItem,
        how: Save,
    ) -> Result<Imported, AdminError> {
        let Prepared { account, keep } = self.prepare(tenant, window_open, item, how, None).await?;
        let written = match how {
            Save::Create { .. } => self
                .customers
                .create_account(tenant.id, account, self.clock.now())
                .await
                .map(|a| (a, true)),
            Save::Upsert => {
                self.customers
                    .upsert_account(tenant.id, account, keep, self.clock.now())
                    .await
            }
        };
        let (account, created) = written.map_err(refused)?;
        Ok(Imported {
            id: account.customer.id,
            number: account.customer.number,
            created,
        })
    }

    /// Creates many accounts as [`Self::create_account`] creates one (without
    /// invitations), written in one transaction: one answer per item, in order. Numbers
    /// are drawn at once for the items that pass their checks.
    pub async fn create_accounts(&self, tenant: &Tenant, items: Vec<ImportItem>) -> Vec<Result<Imported, AdminError>> {
        self.create_together(tenant, false, items).await
    }

    /// [`Self::create_accounts`], with legacy hashes allowed while `window_open`.
    async fn create_together(
        &self,
        tenant: &Tenant,
        window_open: bool,
        items: Vec<ImportItem>,
    ) -> Vec<Result<Imported, AdminError>> {
        let mut out = Answers::with_capacity(items.len());
        let (mut accounts, mut slots, mut unnumbered) = (Vec::new(), Vec::new(), Vec::new());
        for item in items {
            // Numbers are drawn below, at once, for the items that pass and need one.
            let needs_number = item.number.is_none();
            let pending = needs_number.then(|| CustomerNumber::parse("pending").expect("a valid number"));
            match self
                .prepare(tenant, window_open, item, Save::Create { invite: false }, pending)
                .await
            {
                Ok(p) => {
                    if needs_number {
                        unnumbered.push(accounts.len());
                    }
                    slots.push(out.later());
                    accounts.push(p.account);
                }
                Err(e) => out.now(Err(e)),
            }
        }
        let drawn = self.draw_numbers(tenant, &mut accounts, &unnumbered).await;
        let numbers: Vec<CustomerNumber> = accounts.iter().map(|a| a.customer.number.clone()).collect();
        let written = match drawn {
            Ok(()) if accounts.is_empty() => Ok(vec![]),
            Ok(()) => {
                self.customers
                    .create_accounts(tenant.id, accounts, self.clock.now())
                    .await
            }
            Err(e) => Err(e),
        };
        match written {
            Ok(written) => out.fill(
                slots,
                written.into_iter().zip(numbers).map(|(id, number)| {
                    id.map_err(refused).map(|id| Imported {
                        id,
                        number,
                        created: true,
                    })
                }),
            ),
            Err(e) => {
                for slot in slots {
                    out.set(slot, Err(AdminError::Store(e.clone())));
                }
            }
        }
        out.into_vec()
    }

    /// Gives the accounts at `unnumbered` the next numbers of the tenant, drawn at once.
    async fn draw_numbers(
        &self,
        tenant: &Tenant,
        accounts: &mut [crate::customers::NewAccount],
        unnumbered: &[usize],
    ) -> Result<(), StoreError> {
        if unnumbered.is_empty() {
            return Ok(());
        }
        let first = self
            .tenants
            .next_customer_seqs(tenant.id, unnumbered.len() as i64)
            .await?;
        for (seq, i) in (first..).zip(unnumbered) {
            accounts[*i].customer.number = tenant.customer_number(seq)?;
        }
        Ok(())
    }

    /// Checks an item and turns it into the account to write: the password, addresses
    /// and number (the item's; for a new account without one `drawn` when given — a
    /// placeholder [`Self::create_together`] replaces — else drawn here).
    async fn prepare(
        &self,
        tenant: &Tenant,
        window_open: bool,
        item: ImportItem,
        how: Save,
        drawn: Option<CustomerNumber>,
    ) -> Result<Prepared, AdminError> {
        let (password_hash, legacy_auth) = match item.password {
            ImportedPassword::None => (None, None),
            ImportedPassword::Plain(p) => (
                Some(
                    self.hasher
                        .hash(&p)
                        .await
                        .map_err(|e| StoreError::Unavailable(e.to_string()))?,
                ),
                None,
            ),
            ImportedPassword::Hash(h) => {
                self.hasher.check_hash(&h).map_err(|reason| {
                    AdminError::invalid(
                        "account.passwordHash",
                        format!("{reason}; expected an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)"),
                    )
                })?;
                (Some(h), None)
            }
            ImportedPassword::Legacy(l) => {
                if !window_open {
                    return Err(AdminError::invalid(
                        "account.legacyAuth",
                        "needs an active password migration retention (config/password-migration-retention)",
                    ));
                }
                self.legacy
                    .check(&l)
                    .map_err(|reason| AdminError::invalid("account.legacyAuth", reason))?;
                (None, Some(l))
            }
        };
        if let CustomerKind::Business(company) = &item.kind {
            if company.name.trim().is_empty() {
                return Err(AdminError::invalid("company", "must not be empty"));
            }
        }
        let keep = crate::customers::Keep {
            addresses: item.addresses.is_none(),
            active: item.active.is_none(),
            status: item.on_hold.is_none(),
        };
        let mut addresses = item.addresses.unwrap_or_default();
        for a in &mut addresses {
            crate::addresses::check_address(a, self.addresses.limits())?;
        }
        crate::addresses::settle_preferred(&mut addresses);
        let number = match item.number {
            Some(n) => n,
            None if matches!(how, Save::Create { .. }) => match drawn {
                Some(number) => number,
                None => draw_customer_number(&*self.tenants, tenant).await?,
            },
            None => match self.users.by_login(tenant.id, &item.login).await? {
                Some(user) => match self.customers.by_id(tenant.id, user.customer_id).await? {
                    Some(c) => {
                        // An import writes a customer's first user: a login of another
                        // user of a company cannot name the customer.
                        let first = self
                            .search(
                                tenant,
                                CustomerQuery {
                                    filters: vec![Filter::Text(
                                        SearchField::Number,
                                        TextMatch::Exact(c.number.as_str().to_owned()),
                                    )],
                                    sort: vec![],
                                    offset: 0,
                                    limit: 1,
                                },
                            )
                            .await?
                            .0
                            .pop()
                            .and_then(|hit| hit.user);
                        if first.is_some_and(|f| f.id != user.id) {
                            return Err(AdminError::invalid(
                                "account.email",
                                format!(
                                    "is a further user of customer {}, not its first; give the customer's id to import it",
                                    c.number.as_str()
                                ),
                            ));
                        }
                        c.number
                    }
                    None => draw_customer_number(&*self.tenants, tenant).await?,
                },
                None => draw_customer_number(&*self.tenants, tenant).await?,
            },
        };
        if matches!(how, Save::Upsert) {
            if let Some(existing) = self.customers.by_number(tenant.id, &number).await? {
                let business = matches!(item.kind, CustomerKind::Business(_));
                if existing.status != CustomerStatus::Deleted && existing.is_business() != business {
                    return Err(AdminError::invalid(
                        "b2b",
                        "cannot turn a private customer into a business customer or back",
                    ));
                }
            }
        }
        let roles = match item.kind {
            CustomerKind::Business(_) => vec![ACCOUNT_OWNER.to_owned()],
            CustomerKind::Private => vec![],
        };
        let user_id = self.ids.public_id();
        let invitation = match how {
            Save::Create { invite: true } if password_hash.is_none() && legacy_auth.is_none() => {
                Some(self.organization.invitation.prepare_invitation(
                    &*self.organization.secrets,
                    (user_id.as_str(), &item.person),
                    &item.email,
                    self.clock.now(),
                ))
            }
            _ => None,
        };
        let account = crate::customers::NewAccount {
            customer: crate::customers::NewCustomer {
                public_id: self.ids.public_id(),
                number,
                kind: item.kind,
                status: if item.on_hold == Some(true) {
                    CustomerStatus::LoginBlocked
                } else {
                    CustomerStatus::Active
                },
                custom: item.custom,
                external: ExternalRef::default(),
            },
            users: vec![crate::users::NewUser {
                public_id: user_id,
                login: item.login,
                email: item.email,
                password_hash,
                person: item.person,
                roles,
                active: item.active.unwrap_or(true),
                email_verification: crate::users::EmailVerification::Unverified,
                consents: Default::default(),
                external: ExternalRef::default(),
                legacy_auth,
            }],
            addresses: addresses
                .into_iter()
                .map(|data| crate::addresses::NewAddress {
                    public_id: self.ids.public_id(),
                    data,
                })
                .collect(),
            opt_in: invitation,
            settings: item.settings,
        };
        Ok(Prepared { account, keep })
    }

    /// The tenant's password-migration window.
    pub async fn password_migration(&self, tenant: &Tenant) -> Result<PasswordMigration, AdminError> {
        self.migrations
            .password_migration(tenant.id)
            .await?
            .ok_or(AdminError::NotFound("password migration retention"))
    }

    /// Opens (or changes) the tenant's password-migration window: `end` after today;
    /// the reminder on or after today and before `end` (default: 7 days before `end`, or
    /// tomorrow when that is not after today); notifications on by default.
    pub async fn configure_password_migration(
        &self,
        tenant: &Tenant,
        end: chrono::NaiveDate,
        reminder: Option<chrono::NaiveDate>,
        notifications: Option<bool>,
    ) -> Result<PasswordMigration, AdminError> {
        let today = self.clock.now().date_naive();
        if end <= today {
            return Err(AdminError::invalid("retentionEndDate", "must be in the future"));
        }
        let reminder = match reminder {
            Some(r) if r < today || r >= end => {
                return Err(AdminError::invalid(
                    "emailReminderDate",
                    "must be on or after today and before retentionEndDate",
                ))
            }
            Some(r) => r,
            None => {
                let week_before = end - chrono::Duration::days(7);
                if week_before <= today {
                    (today + chrono::Duration::days(1))
                        .min(end - chrono::Duration::days(1))
                        .max(today)
                } else {
                    week_before
                }
            }
        };
        let migration = PasswordMigration {
            retention_end: end,
            reminder_date: reminder,
            notifications: notifications.unwrap_or(true),
        };
        self.migrations
            .set_password_migration(tenant.id, migration, self.clock.now())
            .await?;
        tracing::info!(event = "password_migration_configured", tenant = tenant.id.get(), end = %end, "password migration retention configured");
        Ok(migration)
    }

    /// Closes the window at once: every imported legacy hash of the tenant is dropped
    /// (those customers choose a new password through a reset).
    pub async fn end_password_migration(&self, tenant: &Tenant) -> Result<u64, AdminError> {
        let cleared = self.migrations.end_password_migration(tenant.id).await?;
        tracing::info!(
            event = "password_migration_ended",
            tenant = tenant.id.get(),
            cleared,
            "password migration retention removed; legacy hashes dropped"
        );
        Ok(cleared)
    }
}

fn book(tenant: &Tenant, customer: &Customer) -> Book {
    Book {
        tenant: tenant.id,
        customer: customer.id,
    }
}
