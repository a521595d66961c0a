//! Writing a new account: the customer, its users and addresses (and, with double
//! opt-in, the activation code and its mail), all or nothing.

use chrono::{DateTime, Utc};
use clientele_domain::addresses::Address;
use clientele_domain::customers::{Account, Customer, NewAccount};
use clientele_domain::ids::TenantId;
use clientele_domain::users::User;
use diesel::prelude::*;

use crate::addresses::{new_address_values, AddressRow};
use crate::codes::CodeConnection;
use crate::connection::DbConnection;
use crate::customers::{CustomerRow, NewCustomerRow};
use crate::encoding::db_time;
use crate::errors::DbError;
use crate::outbox::enqueue_in_tx;
use crate::schema::{addresses, customers, users};
use crate::users::{NewUserRow, UserRow};

/// Inserts the account in one transaction and returns it as stored. Rows are
/// inserted one by one so the users and addresses come back in the given order.
pub(crate) fn create(
    conn: &mut DbConnection,
    tenant: TenantId,
    new: &NewAccount,
    at: DateTime<Utc>,
) -> Result<Account, DbError> {
    let now = db_time(at);
    let customer_row = NewCustomerRow::new(tenant, &new.customer, now);
    write_tx!(conn, |c| {
        let customer: CustomerRow = diesel::insert_into(customers::table)
            .values(&customer_row)
            .returning(CustomerRow::as_returning())
            .get_result(c)?;
        let mut stored_users = Vec::with_capacity(new.users.len());
        for user in &new.users {
            let row: UserRow = diesel::insert_into(users::table)
                .values(&NewUserRow::new(tenant, customer.id, user, now))
                .returning(UserRow::as_returning())
                .get_result(c)?;
            stored_users.push(User::try_from(row)?);
        }
        let mut stored_addresses = Vec::with_capacity(new.addresses.len());
        for address in &new.addresses {
            let row: AddressRow = diesel::insert_into(addresses::table)
                .values(new_address_values(tenant, customer.id, address, now))
                .returning(AddressRow::as_returning())
                .get_result(c)?;
            stored_addresses.push(Address::try_from(row)?);
        }
        if let (Some((code, mail)), Some(first)) = (&new.opt_in, stored_users.first()) {
            c.insert_code(tenant, first.id.get(), code, now)?;
            enqueue_in_tx(c, tenant, mail, at)?;
        }
        // Mapping inside the transaction: a row the domain refuses rolls it all back.
        Ok(Account {
            customer: Customer::try_from(customer)?,
            users: stored_users,
            addresses: stored_addresses,
        })
    })
}
