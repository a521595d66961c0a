//! Customer administration with mocked ports: numbers, blocking, users of companies only,
//! the last administrator, attribute names.

mod support;

use std::sync::Arc;

use clientele_domain::addresses::{AddressBook, AddressLimits, MockAddressRepository};
use clientele_domain::administration::{AdminError, CustomerAdministration, CustomerDraft, CustomerEdit, UserEdit};
use clientele_domain::clock::SystemClock;
use clientele_domain::custom_attributes::{AttributeOwner, AttributeValue, MockCustomAttributeRepository};
use clientele_domain::customers::{Account, CustomerKind, CustomerStatus, MockCustomerRepository};
use clientele_domain::error::{StoreError, UniqueRule};
use clientele_domain::identity::MockIdGenerator;
use clientele_domain::ids::{CustomerId, PublicId, UserId};
use clientele_domain::roles::NewMember;
use clientele_domain::tenants::MockTenantRepository;
use clientele_domain::users::{MockUserRepository, PersonData};
use clientele_domain::values::{Email, Login};

#[derive(Default)]
struct Ports {
    customers: MockCustomerRepository,
    users: MockUserRepository,
    attributes: MockCustomAttributeRepository,
    search: clientele_domain::administration::MockCustomerSearchRepository,
    tenants: MockTenantRepository,
    migrations: clientele_domain::identity::MockPasswordMigrationRepository,
}

fn service(p: Ports) -> CustomerAdministration {
    let mut ids = MockIdGenerator::new();
    ids.expect_public_id().returning(|| PublicId::parse("new-id").unwrap());
    let ids = Arc::new(ids);
    let clock = Arc::new(SystemClock);
    CustomerAdministration {
        customers: Arc::new(p.customers),
        users: Arc::new(p.users),
        attributes: Arc::new(p.attributes),
        search: Arc::new(p.search),
        tenants: Arc::new(p.tenants),
        addresses: AddressBook::new(
            Arc::new(MockAddressRepository::new()),
            ids.clone(),
            clock.clone(),
            AddressLimits::default(),
        ),
        organization: support::organization(MockUserRepository::new()),
        ids,
        clock,
        hasher: Arc::new(clientele_domain::identity::MockPasswordHasher::new()),
        legacy: Arc::new(clientele_domain::identity::MockLegacyVerifier::new()),
        migrations: Arc::new(p.migrations),
    }
}

fn draft(number: Option<&str>) -> CustomerDraft {
    CustomerDraft {
        number: number.map(|n| clientele_domain::values::CustomerNumber::parse(n).unwrap()),
        kind: CustomerKind::Private,
        active: false,
        external: Default::default(),
    }
}

#[tokio::test]
async fn a_customer_without_number_gets_the_next_one_of_the_tenant_pattern() {
    let mut p = Ports::default();
    p.tenants.expect_next_customer_seqs().times(1).returning(|_, _| Ok(42));
    p.customers
        .expect_create_account()
        .withf(|_, new, _| {
            new.customer.number.as_str() == "K000042"
                && new.customer.status == CustomerStatus::LoginBlocked
                && new.users.is_empty()
        })
        .returning(|_, _, _| {
            Ok(Account {
                customer: support::customer(false),
                users: vec![],
                addresses: vec![],
            })
        });
    let created = service(p)
        .create_customer(&support::tenant("K{seq:6}"), draft(None))
        .await
        .unwrap();
    assert_eq!(created.id, CustomerId::new(7));
}

#[tokio::test]
async fn a_taken_number_is_reported_on_the_id() {
    let mut p = Ports::default();
    p.customers
        .expect_create_account()
        .returning(|_, _, _| Err(StoreError::Duplicate(UniqueRule::CustomerNumber)));
    let e = service(p)
        .create_customer(&support::tenant("{seq}"), draft(Some("ERP-1")))
        .await
        .unwrap_err();
    assert!(matches!(e, AdminError::Taken("id")), "{e:?}");
}

/// Blocking is one store write (which ends the users' sessions in its transaction).
#[tokio::test]
async fn blocking_a_customer_is_one_write_of_the_store() {
    let mut p = Ports::default();
    p.customers
        .expect_administer_customer()
        .withf(|_, _, _, status, _, _| *status == CustomerStatus::LoginBlocked)
        .times(1)
        .returning(|_, _, _, _, _, _| Ok(true));
    p.customers
        .expect_by_id()
        .returning(|_, _| Ok(Some(support::customer(true))));
    let edit = CustomerEdit {
        company: None,
        active: false,
        external: Default::default(),
    };
    service(p)
        .update_customer(&support::tenant("{seq}"), &support::customer(true), edit)
        .await
        .unwrap();
}

fn member() -> NewMember {
    NewMember {
        login: Login::parse("bob@example.com").unwrap(),
        email: Email::parse("bob@example.com").unwrap(),
        person: PersonData::default(),
        active: true,
        roles: vec![],
        external: Default::default(),
    }
}

#[tokio::test]
async fn only_business_customers_get_further_users() {
    let e = service(Ports::default())
        .add_user(&support::tenant("{seq}"), &support::customer(false), None, member())
        .await
        .unwrap_err();
    assert!(matches!(e, AdminError::PrivateCustomer), "{e:?}");
}

#[tokio::test]
async fn an_edit_that_removes_the_last_administrator_is_refused() {
    let mut p = Ports::default();
    p.users
        .expect_administer_user()
        .withf(|_, _, _, _, kept, _| *kept == Some("APP_B2B_ACCOUNT_OWNER"))
        .returning(|_, _, _, _, _, _| Ok(false));
    let user = support::user("$x");
    let edit = UserEdit {
        person: PersonData::default(),
        email: user.email.clone(),
        active: false,
        roles: vec![],
        external: Default::default(),
    };
    let e = service(p)
        .update_user(&support::tenant("{seq}"), &support::customer(true), &user, edit)
        .await
        .unwrap_err();
    assert!(matches!(e, AdminError::LastAdministrator), "{e:?}");
}

#[tokio::test]
async fn unknown_roles_and_bad_attribute_names_are_refused_before_any_write() {
    let user = support::user("$x");
    let edit = UserEdit {
        person: PersonData::default(),
        email: user.email.clone(),
        active: true,
        roles: vec!["APP_B2B_EMPEROR".into()],
        external: Default::default(),
    };
    let admin = service(Ports::default());
    let tenant = support::tenant("{seq}");
    let e = admin
        .update_user(&tenant, &support::customer(true), &user, edit)
        .await
        .unwrap_err();
    assert!(matches!(e, AdminError::Invalid { field: "roles", .. }), "{e:?}");
    let e = admin
        .add_attribute(
            &tenant,
            AttributeOwner::Customer(CustomerId::new(7)),
            "no/slash",
            AttributeValue::Boolean(true),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AdminError::Invalid { field: "name", .. }), "{e:?}");
}

#[tokio::test]
async fn a_taken_attribute_name_is_reported_on_the_name() {
    let mut p = Ports::default();
    p.attributes
        .expect_insert_attribute()
        .returning(|_, _, _, _| Err(StoreError::Duplicate(UniqueRule::AttributeName)));
    let e = service(p)
        .add_attribute(
            &support::tenant("{seq}"),
            AttributeOwner::User(UserId::new(3)),
            "tier",
            AttributeValue::String("gold".into()),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AdminError::Taken("name")), "{e:?}");
}

fn import_item(
    password: clientele_domain::administration::ImportedPassword,
) -> clientele_domain::administration::ImportItem {
    clientele_domain::administration::ImportItem {
        number: None,
        kind: CustomerKind::Private,
        login: Login::parse("bob@example.com").unwrap(),
        email: Email::parse("bob@example.com").unwrap(),
        person: PersonData::default(),
        custom: Default::default(),
        password,
        addresses: None,
        active: None,
        on_hold: None,
        settings: None,
    }
}

#[tokio::test]
async fn legacy_hashes_need_an_open_window_and_bad_hashes_are_refused_before_any_write() {
    use clientele_domain::administration::ImportedPassword;
    use clientele_domain::identity::{LegacyAlgorithm, LegacyHash};
    let mut p = Ports::default();
    p.migrations.expect_password_migration().returning(|_| Ok(None));
    p.customers.expect_upsert_account().never();
    let legacy = ImportedPassword::Legacy(LegacyHash {
        algorithm: LegacyAlgorithm::Bcrypt,
        hash: "$2b$04$x".into(),
        context: Default::default(),
    });
    let mut admin = service(p);
    let mut hasher = clientele_domain::identity::MockPasswordHasher::new();
    hasher.expect_check_hash().returning(|_| Err("is no PHC string".into()));
    admin.hasher = Arc::new(hasher);
    let out = admin
        .import(
            &support::tenant("{seq}"),
            vec![
                import_item(legacy),
                import_item(ImportedPassword::Hash(
                    clientele_domain::values::PasswordHash::from_phc("x".into()),
                )),
            ],
        )
        .await;
    assert!(
        matches!(&out[0], Err(AdminError::Invalid { field: "account.legacyAuth", reason }) if reason.contains("retention")),
        "{out:?}"
    );
    assert!(
        matches!(
            &out[1],
            Err(AdminError::Invalid {
                field: "account.passwordHash",
                ..
            })
        ),
        "{out:?}"
    );
}

#[tokio::test]
async fn an_item_without_number_updates_the_customer_of_its_login() {
    use clientele_domain::administration::ImportedPassword;
    let mut p = Ports::default();
    p.migrations.expect_password_migration().returning(|_| Ok(None));
    p.users
        .expect_by_login()
        .returning(|_, _| Ok(Some(support::user("$x"))));
    p.customers
        .expect_by_id()
        .returning(|_, _| Ok(Some(support::customer(false))));
    // Tried first as a new customer with the other items (a number drawn for it, left
    // unused): its login is taken, so it is upserted.
    p.tenants
        .expect_next_customer_seqs()
        .times(1)
        .withf(|_, count| *count == 1)
        .returning(|_, _| Ok(5));
    p.customers.expect_create_accounts().times(1).returning(|_, news, _| {
        Ok(news
            .iter()
            .map(|_| Err(StoreError::Duplicate(UniqueRule::UserLogin)))
            .collect())
    });
    // The login is the customer's first user.
    p.search.expect_search_customers().returning(|_, _| {
        Ok((
            vec![clientele_domain::administration::CustomerHit {
                customer: support::customer(false),
                user: Some(support::user("$x")),
            }],
            1,
        ))
    });
    // The existing customer is private, as the item: no kind change.
    p.customers
        .expect_by_number()
        .returning(|_, _| Ok(Some(support::customer(false))));
    p.customers
        .expect_upsert_account()
        .withf(|_, new, _, _| new.customer.number.as_str() == "C-7")
        .returning(|_, _, _, _| {
            Ok((
                Account {
                    customer: support::customer(false),
                    users: vec![],
                    addresses: vec![],
                },
                false,
            ))
        });
    let out = service(p)
        .import(&support::tenant("{seq}"), vec![import_item(ImportedPassword::None)])
        .await;
    let done = out[0].as_ref().unwrap();
    assert_eq!((done.number.as_str(), done.created), ("C-7", false));
}

#[tokio::test]
async fn a_retention_ends_in_the_future_and_reminds_before_its_end() {
    let today = chrono::Utc::now().date_naive();
    let mut p = Ports::default();
    p.migrations.expect_set_password_migration().returning(|_, _, _| Ok(()));
    let admin = service(p);
    let tenant = support::tenant("{seq}");
    let e = admin
        .configure_password_migration(&tenant, today, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AdminError::Invalid {
                field: "retentionEndDate",
                ..
            }
        ),
        "{e:?}"
    );
    let end = today + chrono::Duration::days(30);
    let m = admin
        .configure_password_migration(&tenant, end, None, None)
        .await
        .unwrap();
    assert_eq!(m.reminder_date, end - chrono::Duration::days(7));
    assert!(m.notifications);
    let soon = today + chrono::Duration::days(3);
    let m = admin
        .configure_password_migration(&tenant, soon, None, Some(false))
        .await
        .unwrap();
    assert_eq!(m.reminder_date, today + chrono::Duration::days(1));
    let e = admin
        .configure_password_migration(&tenant, end, Some(end), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AdminError::Invalid {
                field: "emailReminderDate",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_import_cannot_turn_a_private_customer_into_a_company() {
    use clientele_domain::administration::ImportedPassword;
    use clientele_domain::customers::Company;
    let mut p = Ports::default();
    p.migrations.expect_password_migration().returning(|_| Ok(None));
    p.customers
        .expect_by_number()
        .returning(|_, _| Ok(Some(support::customer(false))));
    p.customers.expect_upsert_account().never();
    // Tried first as a new customer: its number is taken, so it is upserted.
    p.customers.expect_create_accounts().times(1).returning(|_, news, _| {
        Ok(news
            .iter()
            .map(|_| Err(StoreError::Duplicate(UniqueRule::CustomerNumber)))
            .collect())
    });
    let item = clientele_domain::administration::ImportItem {
        number: Some(clientele_domain::values::CustomerNumber::parse("C-7").unwrap()),
        kind: CustomerKind::Business(Company {
            name: "Now a company".into(),
            ..Default::default()
        }),
        ..import_item(ImportedPassword::None)
    };
    let out = service(p).import(&support::tenant("{seq}"), vec![item]).await;
    assert!(
        matches!(&out[0], Err(AdminError::Invalid { field: "b2b", .. })),
        "{out:?}"
    );
}

#[tokio::test]
async fn accounts_created_together_draw_their_numbers_at_once_and_fail_alone() {
    use clientele_domain::administration::ImportedPassword;
    let mut p = Ports::default();
    // Two valid items without number: one draw of two values (the refused one draws none).
    p.tenants
        .expect_next_customer_seqs()
        .times(1)
        .withf(|_, count| *count == 2)
        .returning(|_, _| Ok(10));
    p.customers
        .expect_create_accounts()
        .times(1)
        .withf(|_, news, _| {
            news.iter().map(|n| n.customer.number.as_str()).collect::<Vec<_>>() == ["K000010", "ERP-9", "K000011"]
        })
        .returning(|_, news, _| {
            Ok(news
                .into_iter()
                .zip(1..)
                .map(|(n, id)| {
                    if n.customer.number.as_str() == "ERP-9" {
                        return Err(StoreError::Duplicate(UniqueRule::CustomerNumber));
                    }
                    Ok(clientele_domain::ids::CustomerId::new(id))
                })
                .collect())
        });
    let mut numbered = import_item(ImportedPassword::None);
    numbered.number = Some(clientele_domain::values::CustomerNumber::parse("ERP-9").unwrap());
    let refused = import_item(ImportedPassword::Legacy(clientele_domain::identity::LegacyHash {
        algorithm: clientele_domain::identity::LegacyAlgorithm::Bcrypt,
        hash: "$2b$04$x".into(),
        context: Default::default(),
    }));
    let items = vec![
        import_item(ImportedPassword::None),
        numbered,
        refused,
        import_item(ImportedPassword::None),
    ];
    let out = service(p).create_accounts(&support::tenant("K{seq:6}"), items).await;
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].as_ref().unwrap().number.as_str(), "K000010");
    assert_eq!(out[0].as_ref().unwrap().id.get(), 1);
    assert!(matches!(out[1], Err(AdminError::Taken("id"))), "{out:?}");
    assert!(
        matches!(
            &out[2],
            Err(AdminError::Invalid {
                field: "account.legacyAuth",
                ..
            })
        ),
        "{out:?}"
    );
    assert_eq!(out[3].as_ref().unwrap().number.as_str(), "K000011");
    assert_eq!(out[3].as_ref().unwrap().id.get(), 3);
}
