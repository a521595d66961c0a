//! Address and profile writes on both backends: the address limit, preferences that
//! move in one transaction, compare-and-swap on versions, the last-address rule, and
//! deleting an account with the record of it.

mod support;

use clientele_domain::addresses::{AddressDeletion, AddressRepository, NewAddress};
use clientele_domain::customers::{
    Account, AccountSwitches, Actor, CustomerRepository, CustomerStatus, ProfileChange, ProfileWrite,
};
use clientele_domain::ids::TenantId;
use clientele_domain::users::UserRepository;
use clientele_domain::values::Email;
use support::{backends, count, full_account, now, private_account, public_id, sparse_address, tenant, Backend};

async fn account(b: &Backend, t: TenantId) -> Account {
    b.store
        .create_account(t, full_account("anna@example.com", "C1"), now())
        .await
        .unwrap()
}

fn another() -> NewAddress {
    NewAddress {
        public_id: public_id(),
        ..sparse_address()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preferred_new_address_takes_the_preference_and_the_limit_holds() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = account(&b, t).await;
        let c = acc.customer.id;
        // The sparse address of the account is the preferred delivery address.
        let mut new = another();
        new.data.usage.preferred_shipping = true;
        let added = b.store.add_address(t, c, new, 3, now()).await.unwrap().unwrap();
        let list = b.store.list_for_customer(t, c).await.unwrap();
        let preferred: Vec<_> = list.iter().filter(|a| a.data.usage.preferred_shipping).collect();
        assert_eq!(preferred.len(), 1, "{}", b.name);
        assert_eq!(preferred[0].id, added.id, "{}", b.name);
        // The one that lost it changed: its version went up.
        let old = list.iter().find(|a| a.id == acc.addresses[1].id).unwrap();
        assert_eq!(old.version, acc.addresses[1].version + 1, "{}", b.name);
        // Three is the limit here.
        assert!(
            b.store.add_address(t, c, another(), 3, now()).await.unwrap().is_none(),
            "{}",
            b.name
        );
        assert_eq!(count(&b.db, "addresses"), 3, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_needs_the_current_version_and_stays_within_its_customer() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = account(&b, t).await;
        let other = b
            .store
            .create_account(t, private_account("bob@example.com", "C2"), now())
            .await
            .unwrap();
        let a = &acc.addresses[0];
        let mut data = a.data.clone();
        data.city = "Potsdam".into();
        let stale = b
            .store
            .update_address(t, acc.customer.id, a.id, a.version + 1, data.clone(), now())
            .await
            .unwrap();
        assert!(stale.is_none(), "{}", b.name);
        let foreign = b
            .store
            .update_address(t, other.customer.id, a.id, a.version, data.clone(), now())
            .await
            .unwrap();
        assert!(foreign.is_none(), "{}", b.name);
        let updated = b
            .store
            .update_address(t, acc.customer.id, a.id, a.version, data, now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (updated.data.city.as_str(), updated.version),
            ("Potsdam", a.version + 1),
            "{}",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deletes_check_version_and_last_address_and_are_recorded() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = account(&b, t).await;
        let c = acc.customer.id;
        let (first, second) = (&acc.addresses[0], &acc.addresses[1]);
        let outcome = b
            .store
            .delete_address(t, c, first.id, first.version + 1, true, now())
            .await
            .unwrap();
        assert_eq!(outcome, AddressDeletion::Changed, "{}", b.name);
        let outcome = b
            .store
            .delete_address(t, c, first.id, first.version, true, now())
            .await
            .unwrap();
        assert_eq!(outcome, AddressDeletion::Deleted, "{}", b.name);
        let outcome = b
            .store
            .delete_address(t, c, second.id, second.version, true, now())
            .await
            .unwrap();
        assert_eq!(outcome, AddressDeletion::LastAddress, "{}", b.name);
        let outcome = b
            .store
            .delete_address(t, c, second.id, second.version, false, now())
            .await
            .unwrap();
        assert_eq!(outcome, AddressDeletion::Deleted, "{}", b.name);
        assert_eq!(count(&b.db, "addresses"), 0, "{}", b.name);
        assert_eq!(count(&b.db, "deleted_records"), 2, "{}", b.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_change_writes_customer_user_and_preferences_together() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = account(&b, t).await;
        let (c, u) = (acc.customer.id, acc.users[0].id);
        let mut person = acc.users[0].person.clone();
        person.first_name = Some("Annette".into());
        let change = ProfileChange {
            person,
            email: Email::parse("annette@example.com").unwrap(),
            company: None,
            custom: Default::default(),
            // The sparse address becomes the preferred invoice address too.
            preferred_invoice: Some(acc.addresses[1].id),
            preferred_shipping: None,
        };
        let none = AccountSwitches::default();
        let stale = b
            .store
            .update_profile(t, c, u, acc.customer.version + 1, change.clone(), none, now());
        assert_eq!(stale.await.unwrap(), ProfileWrite::Moved, "{}", b.name);
        let current = b
            .store
            .update_profile(t, c, u, acc.customer.version, change, none, now());
        assert_eq!(current.await.unwrap(), ProfileWrite::Written, "{}", b.name);
        let customer = CustomerRepository::by_id(&b.store, t, c).await.unwrap().unwrap();
        assert_eq!(customer.version, acc.customer.version + 1, "{}", b.name);
        assert!(customer.custom.is_empty(), "{}", b.name);
        let user = UserRepository::by_id(&b.store, t, u).await.unwrap().unwrap();
        assert_eq!(user.person.first_name.as_deref(), Some("Annette"), "{}", b.name);
        assert_eq!(user.email.as_str(), "annette@example.com", "{}", b.name);
        let list = b.store.list_for_customer(t, c).await.unwrap();
        assert!(!list[0].data.usage.preferred_invoice, "{}", b.name);
        assert!(
            list[1].data.usage.preferred_invoice && list[1].data.usage.invoice,
            "{}",
            b.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn erasing_the_last_user_deletes_the_customer_data_and_records_it() {
    for b in backends().await {
        let t = tenant(&b.store, "shop").await.id;
        let acc = account(&b, t).await;
        let c = acc.customer.id;
        let actor = |by: &str| Actor {
            by: by.into(),
            request_id: Some("req-9".into()),
        };
        let first = b
            .store
            .erase_user(t, c, acc.users[0].id, now(), actor("api-client:erp"))
            .await
            .unwrap();
        assert!(!first.customer_erased, "{}", b.name);
        assert_eq!(count(&b.db, "addresses"), 2, "{}", b.name);
        let last = b
            .store
            .erase_user(t, c, acc.users[1].id, now(), actor("customer:2"))
            .await
            .unwrap();
        assert!(last.customer_erased, "{}", b.name);
        assert_eq!(count(&b.db, "users"), 0, "{}", b.name);
        assert_eq!(count(&b.db, "addresses"), 0, "{}", b.name);
        assert_eq!(count(&b.db, "deleted_records"), 3, "{}", b.name);
        let customer = CustomerRepository::by_id(&b.store, t, c).await.unwrap().unwrap();
        assert_eq!(customer.status, CustomerStatus::Deleted, "{}", b.name);
        assert!(customer.custom.is_empty(), "{}", b.name);
        // Each erasure left an audit record: who, which request, rows per table.
        let audit = clientele_store::testing::column_texts(
            &b.db.url,
            "SELECT actor || ' ' || coalesce(request_id, '') || ' ' || counts AS v FROM erasures ORDER BY id",
        );
        assert_eq!(audit.len(), 2, "{}", b.name);
        assert_eq!(audit[0], r#"api-client:erp req-9 {"users":1}"#, "{}", b.name);
        assert!(audit[1].starts_with("customer:2 req-9 {"), "{}: {}", b.name, audit[1]);
        assert!(
            audit[1].contains(r#""addresses":2"#) && audit[1].contains(r#""customers":1"#),
            "{}",
            audit[1]
        );
        // The login is free again.
        b.store
            .create_account(t, private_account("anna@example.com", "C9"), now())
            .await
            .unwrap();
    }
}
