//! Who may call which B2B route: every route × role (administrator, cost-center owner,
//! approver, buyer, anonymous), and other companies' and tenants' users (404 / 401).
//! On every backend.

use clientele_tests::{databases, icm_company, Mailbox, TestServer, ICM};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";
const ROLES: [&str; 5] = ["admin", "owner", "approver", "buyer", "anonymous"];

/// Invites `login` and gives them `roles` as the administrator; their token.
async fn colleague(s: &TestServer, mailbox: &mut Mailbox, admin: &str, login: &str, roles: &[&str]) -> String {
    let token = s.invite_colleague(mailbox, admin, "B-1", login, PASSWORD).await;
    let r = s
        .send_json(
            "PUT",
            &format!("{ICM}/customers/B-1/users/{login}/roles"),
            &json!({ "userRoles": roles }),
            &[("authentication-token", admin)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    token
}

#[actix_web::test]
async fn each_b2b_route_checks_the_documented_permission() {
    for (backend, db) in databases() {
        let mut mailbox = Mailbox::new("b2b-perm");
        let s = TestServer::start_with_mail(backend, db, &mailbox, |_| {}).await;
        s.post_json(&format!("{ICM}/customers"), &icm_company("B-1", "admin@example.com"))
            .await;
        let admin = s.icm_password_grant("admin@example.com", PASSWORD).await.access_token();
        let owner = colleague(
            &s,
            &mut mailbox,
            &admin,
            "owner@example.com",
            &["APP_B2B_COSTCENTER_OWNER"],
        )
        .await;
        let approver = colleague(&s, &mut mailbox, &admin, "approver@example.com", &["APP_B2B_APPROVER"]).await;
        let buyer = colleague(&s, &mut mailbox, &admin, "buyer@example.com", &[]).await;
        let tokens = [
            Some(admin.as_str()),
            Some(owner.as_str()),
            Some(approver.as_str()),
            Some(buyer.as_str()),
            None,
        ];

        let money = json!({"type": "Money", "value": 100, "currency": "EUR"});
        let center = |id: &str, owner: &str| {
            json!({"costCenterId": id, "name": id, "budget": money, "budgetPeriod": "monthly",
                   "costCenterOwner": {"login": owner}})
        };
        let admin_auth = [("authentication-token", admin.as_str())];
        let c = format!("{ICM}/customers/B-1");
        assert_eq!(
            s.send_json(
                "POST",
                &format!("{c}/costcenters"),
                &center("CC-A", "admin@example.com"),
                &admin_auth
            )
            .await
            .status,
            201
        );
        assert_eq!(
            s.send_json(
                "POST",
                &format!("{c}/costcenters"),
                &center("CC-O", "owner@example.com"),
                &admin_auth
            )
            .await
            .status,
            201
        );

        // (method, path, body per role, expected status per role in ROLES order)
        type Body = fn(&str) -> Option<Value>;
        let none: Body = |_| None;
        let cases: Vec<(&str, String, Body, [u16; 5])> = vec![
            ("GET", format!("{c}/roles"), none, [200, 200, 200, 200, 401]),
            ("GET", format!("{c}/users"), none, [200, 403, 403, 403, 401]),
            (
                "POST",
                format!("{c}/users"),
                |r| {
                    Some(
                        json!({"elements": [{"firstName": "N", "lastName": "N", "email": format!("new-{r}@example.com")}]}),
                    )
                },
                [201, 403, 403, 403, 401],
            ),
            (
                "GET",
                format!("{c}/users/admin@example.com"),
                none,
                [200, 403, 403, 403, 401],
            ),
            ("GET", format!("{c}/users/-"), none, [200, 200, 200, 200, 401]),
            (
                "PUT",
                format!("{c}/users/buyer@example.com/roles"),
                |_| Some(json!({"userRoles": []})),
                [200, 403, 403, 403, 401],
            ),
            (
                "PUT",
                format!("{c}/users/buyer@example.com/budgets"),
                |_| Some(json!({"budget": {"value": 1, "currency": "EUR"}})),
                [200, 403, 403, 403, 401],
            ),
            (
                "GET",
                format!("{c}/users/admin@example.com/budgets"),
                none,
                [200, 403, 403, 403, 401],
            ),
            ("GET", format!("{c}/users/-/budgets"), none, [200, 200, 200, 200, 401]),
            (
                "GET",
                format!("{c}/users/-/costcenters"),
                none,
                [200, 200, 200, 200, 401],
            ),
            (
                "GET",
                format!("{c}/users/admin@example.com/costcenters"),
                none,
                [200, 403, 403, 403, 401],
            ),
            ("GET", format!("{c}/costcenters"), none, [200, 200, 403, 403, 401]),
            (
                "POST",
                format!("{c}/costcenters"),
                |r| {
                    Some(
                        json!({"costCenterId": format!("CC-{r}"), "name": "x", "budget": {"value": 1, "currency": "EUR"}}),
                    )
                },
                [201, 201, 403, 403, 401],
            ),
            ("GET", format!("{c}/costcenters/CC-A"), none, [200, 200, 403, 403, 401]),
            (
                "PATCH",
                format!("{c}/costcenters/CC-A"),
                |_| Some(json!({"name": "renamed"})),
                [200, 403, 403, 403, 401],
            ),
            (
                "PATCH",
                format!("{c}/costcenters/CC-O"),
                |_| Some(json!({"name": "renamed"})),
                [200, 200, 403, 403, 401],
            ),
            (
                "GET",
                format!("{c}/costcenters/CC-O/buyers"),
                none,
                [200, 200, 403, 403, 401],
            ),
            (
                "POST",
                format!("{c}/costcenters/CC-O/buyers"),
                |r| Some(json!({"login": if r == "admin" { "approver@example.com" } else { "buyer@example.com" }})),
                [200, 200, 403, 403, 401],
            ),
            (
                "GET",
                format!("{c}/costcenters/CC-O/buyers/buyer@example.com"),
                none,
                [200, 200, 403, 403, 401],
            ),
            (
                "PATCH",
                format!("{c}/costcenters/CC-A/buyers/buyer@example.com"),
                |_| Some(json!({"budgetPeriod": "weekly"})),
                [404, 403, 403, 403, 401],
            ),
            (
                "DELETE",
                format!("{c}/costcenters/CC-A/buyers/buyer@example.com"),
                none,
                [404, 403, 403, 403, 401],
            ),
            (
                "DELETE",
                format!("{c}/costcenters/CC-A"),
                none,
                [204, 403, 403, 403, 401],
            ),
            (
                "DELETE",
                format!("{c}/users/approver@example.com"),
                none,
                [204, 403, 403, 403, 401],
            ),
        ];
        for (method, path, body, expected) in &cases {
            // Highest privilege last, so destructive calls of the administrator run after
            // the others were refused.
            for i in (0..ROLES.len()).rev() {
                let headers: Vec<(&str, &str)> = tokens[i].map(|t| ("authentication-token", t)).into_iter().collect();
                let r = match body(ROLES[i]) {
                    Some(b) => s.send_json(method, path, &b, &headers).await,
                    None => s.send(method, path, &headers, None).await,
                };
                assert_eq!(
                    r.status,
                    expected[i],
                    "{backend}: {method} {path} as {}: {}",
                    ROLES[i],
                    r.text()
                );
            }
        }

        // Another company's administrator sees none of it; its own company has no CC-O.
        s.post_json(&format!("{ICM}/customers"), &icm_company("B-2", "eva@example.com"))
            .await;
        let eva = s.icm_password_grant("eva@example.com", PASSWORD).await.access_token();
        let as_eva = [("authentication-token", eva.as_str())];
        for path in [
            format!("{c}/users"),
            format!("{c}/roles"),
            format!("{c}/costcenters"),
            format!("{c}/costcenters/CC-O"),
            format!("{c}/users/buyer@example.com/budgets"),
            format!("{ICM}/customers/-/costcenters/CC-O"),
            format!("{ICM}/customers/-/users/buyer@example.com"),
            format!("{ICM}/customers/-/users/buyer@example.com/costcenters"),
        ] {
            assert_eq!(s.get(&path, &as_eva).await.status, 404, "{backend}: {path}");
        }
        // A token of another tenant opens nothing here.
        s.store_tenant("other").await;
        let other = "/INTERSHOP/rest/WFS/other/-";
        s.post_json(&format!("{other}/customers"), &icm_company("B-1", "admin@example.com"))
            .await;
        let foreign = s
            .send(
                "POST",
                &format!("{other}/token"),
                &[("content-type", "application/x-www-form-urlencoded")],
                Some(b"grant_type=password&username=admin%40example.com&password=correct+horse+battery"),
            )
            .await
            .access_token();
        let r = s
            .get(
                &format!("{c}/costcenters"),
                &[("authentication-token", foreign.as_str())],
            )
            .await;
        assert_eq!(r.status, 401, "{backend}: {}", r.text());
        s.stop().await;
    }
}
