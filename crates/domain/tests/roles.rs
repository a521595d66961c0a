//! Roles and the permission check with mocked ports: a user reaches themself, others
//! only with APP_B2B_MANAGE_USERS, and never users of another company.

mod support;

use std::sync::Arc;

use clientele_domain::customers::OwnAccount;
use clientele_domain::ids::{CustomerId, PublicId, UserId};
use clientele_domain::roles::{has_permission, permission, roles_of, OrganizationError, OrganizationService};
use clientele_domain::users::{MockUserRepository, User};
use clientele_domain::values::{Email, Login};

fn member(id: i64, login: &str, customer: i64, roles: &[&str]) -> User {
    User {
        id: UserId::new(id),
        public_id: PublicId::parse(&format!("u{id}")).unwrap(),
        customer_id: CustomerId::new(customer),
        login: Login::parse(login).unwrap(),
        email: Email::parse(login).unwrap(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        ..support::user("$argon2id$x")
    }
}

fn caller(roles: &[&str], business: bool) -> OwnAccount {
    OwnAccount {
        customer: support::customer(business),
        user: member(3, "max@example.com", 7, roles),
        addresses: vec![],
    }
}

fn service(found: Option<User>) -> OrganizationService {
    let mut users = MockUserRepository::new();
    users.expect_by_login().returning(move |_, _| Ok(found.clone()));
    support::organization(users)
}

#[test]
fn permissions_come_from_the_roles_and_every_user_buys() {
    let tenant = support::tenant("{seq}");
    let admin = member(3, "max@example.com", 7, &["APP_B2B_ACCOUNT_OWNER"]);
    let plain = member(4, "eva@example.com", 7, &[]);
    assert!(has_permission(&tenant, &admin, permission::MANAGE_USERS));
    assert!(!has_permission(&tenant, &plain, permission::MANAGE_USERS));
    assert!(
        has_permission(&tenant, &plain, permission::PURCHASE),
        "the buyer role is fixed"
    );
    let ids: Vec<_> = roles_of(&tenant, &admin).iter().map(|r| r.id).collect();
    assert_eq!(ids, ["APP_B2B_ACCOUNT_OWNER", "APP_B2B_BUYER"]);
    let unknown = member(5, "x@example.com", 7, &["NO_SUCH_ROLE"]);
    assert_eq!(roles_of(&tenant, &unknown).len(), 1);
}

#[tokio::test]
async fn a_user_reaches_themself_and_others_only_with_manage_users() {
    let tenant = support::tenant("{seq}");
    let colleague = member(4, "eva@example.com", 7, &[]);
    let buyer = caller(&["APP_B2B_BUYER"], true);
    let admin = caller(&["APP_B2B_ACCOUNT_OWNER"], true);

    for key in ["-", "u3", "MAX@example.com"] {
        let me = service(None).member(&tenant, &buyer, key).await.unwrap();
        assert_eq!(me.id.get(), 3, "{key}");
    }
    let err = service(Some(colleague.clone()))
        .member(&tenant, &buyer, "eva@example.com")
        .await
        .unwrap_err();
    assert!(
        matches!(err, OrganizationError::Forbidden(permission::MANAGE_USERS)),
        "{err:?}"
    );
    let found = service(Some(colleague))
        .member(&tenant, &admin, "eva@example.com")
        .await
        .unwrap();
    assert_eq!(found.id.get(), 4);
}

#[tokio::test]
async fn users_of_other_companies_and_private_customers_are_not_found() {
    let tenant = support::tenant("{seq}");
    let stranger = member(9, "eva@example.com", 8, &[]);
    let admin = caller(&["APP_B2B_ACCOUNT_OWNER"], true);
    let err = service(Some(stranger))
        .member(&tenant, &admin, "eva@example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, OrganizationError::NotFound));
    let err = service(None)
        .member(&tenant, &admin, "nobody@example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, OrganizationError::NotFound));
    let private = caller(&[], false);
    let err = service(None).member(&tenant, &private, "-").await.unwrap_err();
    assert!(matches!(err, OrganizationError::NotFound));
}

#[tokio::test]
async fn only_user_managers_list_users_and_pages_are_bounded() {
    use clientele_domain::users::{UserPage, UserQuery, UserSort};
    let tenant = support::tenant("{seq}");
    let query = UserQuery {
        filter: Some("  MÜLLER ".into()),
        sort: UserSort::Name,
        descending: false,
        offset: 0,
        limit: 10_000,
    };
    let mut users = MockUserRepository::new();
    users.expect_page_for_customer().never();
    let err = support::organization(users)
        .users(&tenant, &caller(&["APP_B2B_BUYER"], true), query.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, OrganizationError::Forbidden(permission::MANAGE_USERS)));

    let mut users = MockUserRepository::new();
    users
        .expect_page_for_customer()
        .withf(|t, c, q| {
            t.get() == 1
                && c.get() == 7
                && q.limit == OrganizationService::MAX_PAGE
                && q.filter.as_deref() == Some("müller")
        })
        .returning(|_, _, _| {
            Ok(UserPage {
                users: vec![],
                budgets: vec![],
                total: 0,
            })
        });
    support::organization(users)
        .users(&tenant, &caller(&["APP_B2B_ACCOUNT_OWNER"], true), query)
        .await
        .unwrap();
}

#[tokio::test]
async fn nobody_adds_roles_to_themself_and_unknown_roles_are_refused() {
    let tenant = support::tenant("{seq}");
    let admin = caller(&["APP_B2B_ACCOUNT_OWNER"], true);
    let ids = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut users = MockUserRepository::new();
    users.expect_set_roles().never();
    let service = support::organization(users);
    let err = service
        .set_roles(
            &tenant,
            &admin,
            "-",
            &ids(&["APP_B2B_ACCOUNT_OWNER", "APP_B2B_APPROVER"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, OrganizationError::OwnPermissions), "{err:?}");
    let err = service
        .set_roles(&tenant, &admin, "-", &ids(&["ROOT"]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, OrganizationError::UnknownRole(ref r) if r == "ROOT"),
        "{err:?}"
    );

    // Dropping one's own admin role is allowed unless the store finds no other admin.
    let mut users = MockUserRepository::new();
    users
        .expect_set_roles()
        .withf(|_, _, u, roles, kept, _| u.get() == 3 && roles.is_empty() && kept == "APP_B2B_ACCOUNT_OWNER")
        .returning(|_, _, _, _, _, _| Ok(false));
    let service = support::organization(users);
    let err = service
        .set_roles(&tenant, &admin, "-", &ids(&["APP_B2B_BUYER"]))
        .await
        .unwrap_err();
    assert!(matches!(err, OrganizationError::LastAdministrator), "{err:?}");
}

#[tokio::test]
async fn removing_users_needs_manage_users_and_keeps_an_administrator() {
    let tenant = support::tenant("{seq}");
    let clock = || Arc::new(clientele_domain::clock::SystemClock);
    let mut users = MockUserRepository::new();
    users.expect_remove_member().never();
    let err = support::organization_with(
        users,
        clientele_domain::cost_centers::MockCostCenterRepository::new(),
        clock(),
    )
    .remove_user(&tenant, &caller(&["APP_B2B_BUYER"], true), "-", Default::default())
    .await
    .unwrap_err();
    assert!(matches!(err, OrganizationError::Forbidden(permission::MANAGE_USERS)));

    let mut users = MockUserRepository::new();
    users
        .expect_remove_member()
        .withf(|_, c, u, kept, _, _| c.get() == 7 && u.get() == 3 && kept == "APP_B2B_ACCOUNT_OWNER")
        .returning(|_, _, _, _, _, _| Ok(false));
    let err = support::organization_with(
        users,
        clientele_domain::cost_centers::MockCostCenterRepository::new(),
        clock(),
    )
    .remove_user(
        &tenant,
        &caller(&["APP_B2B_ACCOUNT_OWNER"], true),
        "-",
        Default::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OrganizationError::LastAdministrator));
}

#[tokio::test]
async fn a_user_is_found_by_login_or_by_public_id() {
    let tenant = support::tenant("{seq}");
    let admin = caller(&["APP_B2B_ACCOUNT_OWNER"], true);
    let colleague = member(4, "eva@example.com", 7, &[]);
    let mut users = MockUserRepository::new();
    users.expect_by_login().returning(|_, _| Ok(None));
    let found = colleague.clone();
    users
        .expect_by_public_id()
        .withf(|_, id| id.as_str() == "u4")
        .returning(move |_, _| Ok(Some(found.clone())));
    let service = support::organization(users);
    assert_eq!(service.member(&tenant, &admin, "u4").await.unwrap().id.get(), 4);
}
