//! A company's life cycle through the ICM B2B routes and the spending service, on every
//! backend: register → invite users in bulk (one login taken: 207) → roles and budgets →
//! two cost centers with buyers → spending with a repeated idempotency key → remaining
//! budgets → remove a buyer → the last administrator stays.

use clientele_tests::{basic, databases, icm_company, link_param, Mailbox, Reply, TestServer, ICM};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

async fn token(s: &TestServer, login: &str) -> String {
    let r = s.icm_password_grant(login, PASSWORD).await;
    assert_eq!(r.status, 200, "{}: login {login}: {}", s.backend, r.text());
    r.access_token()
}

fn money(value: f64, currency: &str) -> Value {
    json!({"type": "Money", "value": value, "currency": currency})
}

async fn spend(s: &TestServer, auth: &str, key: &str, body: &Value) -> Reply {
    s.send_json(
        "POST",
        "/service/demo/spending",
        body,
        &[("authorization", auth), ("idempotency-key", key)],
    )
    .await
}

#[actix_web::test]
async fn a_company_invites_users_sets_budgets_runs_cost_centers_and_records_spending() {
    for (backend, db) in databases() {
        let mut mailbox = Mailbox::new("b2b");
        let s = TestServer::start_with_mail(backend, db, &mailbox, |_| {}).await;
        assert_eq!(
            s.post_json(&format!("{ICM}/customers"), &icm_company("B-1", "max@example.com"))
                .await
                .status,
            201
        );
        let admin = token(&s, "max@example.com").await;
        let as_admin = [("authentication-token", admin.as_str())];
        let users = format!("{ICM}/customers/B-1/users");

        // Three invitations in one call, one login taken: 207 and the header says which and why.
        let r = s
            .send_json(
                "POST",
                &users,
                &json!({"elements": [
                    {"firstName": "Anna", "lastName": "Berg", "email": "anna@example.com", "active": true},
                    {"firstName": "Max", "lastName": "Again", "email": "MAX@example.com"},
                    {"firstName": "Bob", "lastName": "Stein", "email": "bob@example.com", "roleIDs": ["APP_B2B_BUYER"]}
                ]}),
                &as_admin,
            )
            .await;
        assert_eq!(r.status, 207, "{backend}: {}", r.text());
        assert_eq!(r.header("not-created-users"), Some("MAX@example.com=login_exists"));
        let created: Vec<_> = r.json()["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["login"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(created, ["anna@example.com", "bob@example.com"], "{backend}");
        // Each invited user gets a mail with a link to choose a password.
        let mut invited = Vec::new();
        for _ in 0..2 {
            let (to, text) = mailbox.next().await;
            invited.push((to, link_param(&text, "uid"), link_param(&text, "Hash")));
        }
        invited.sort();
        assert_eq!(invited[0].0, "anna@example.com", "{backend}");
        let r = s
            .post_json(
                &format!("{ICM}/security/password"),
                &json!({"userID": invited[0].1, "secureCode": invited[0].2, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let anna = token(&s, "anna@example.com").await;
        let as_anna = [("authentication-token", anna.as_str())];

        // Roles and budgets.
        let r = s
            .send_json(
                "PUT",
                &format!("{users}/bob%2540example.com/roles"),
                &json!({"userRoles": ["APP_B2B_COSTCENTER_OWNER"]}),
                &as_admin,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "PUT",
                &format!("{users}/anna%2540example.com/budgets"),
                &json!({"orderSpentLimit": money(500.0, "EUR"), "budget": money(1000.0, "EUR"), "budgetPeriod": "monthly"}),
                &as_admin,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(
            r.json(),
            json!({
                "orderSpentLimit": money(500.0, "EUR"), "budget": money(1000.0, "EUR"), "budgetPeriod": "monthly",
                "spentBudget": money(0.0, "EUR"), "remainingBudget": money(1000.0, "EUR")
            }),
            "{backend}"
        );

        // The user list shows the budget.
        let r = s.get(&format!("{users}?filter=anna"), &as_admin).await;
        let attributes = r.json()["elements"][0]["attributes"].clone();
        let budget = attributes
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "budget")
            .unwrap();
        assert_eq!(budget["value"], money(1000.0, "EUR"), "{backend}");

        // Two cost centers; the first owned by Bob, with Anna as buyer.
        let centers = format!("{ICM}/customers/B-1/costcenters");
        for (id, owner, budget) in [("CC-1", "bob@example.com", 5000.0), ("CC-2", "max@example.com", 300.0)] {
            let r = s
                .send_json(
                    "POST",
                    &centers,
                    &json!({"costCenterId": id, "name": format!("Center {id}"), "budget": money(budget, "EUR"),
                            "budgetPeriod": "monthly", "costCenterOwner": {"login": owner}, "active": true}),
                    &as_admin,
                )
                .await;
            assert_eq!(r.status, 201, "{backend}: {}", r.text());
            assert_eq!(r.json()["costCenterId"], id);
            assert_eq!(r.json()["costCenterOwner"]["login"], owner);
            assert!(r
                .header("location")
                .unwrap()
                .ends_with(r.json()["id"].as_str().unwrap()));
        }
        let r = s
            .send_json(
                "POST",
                &format!("{centers}/CC-1/buyers"),
                &json!({"login": "anna@example.com", "budget": money(2000.0, "EUR"), "budgetPeriod": "monthly"}),
                &as_admin,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["buyers"][0]["login"], "anna@example.com");
        let again = s
            .send_json(
                "POST",
                &format!("{centers}/CC-1/buyers"),
                &json!({"login": "anna@example.com"}),
                &as_admin,
            )
            .await;
        assert_eq!(again.status, 409, "{backend}");
        assert_eq!(again.header("error-key"), Some("costcenter.buyer.exists.error"));
        let r = s
            .send_json(
                "POST",
                &format!("{centers}/CC-2/buyers"),
                &json!({"login": "anna@example.com"}),
                &as_admin,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());

        // An order system reports spending; a retry with the same key counts once.
        let (client, secret) = s.api_client("demo", &["customer.spending_manage"]).await;
        let auth = basic(&client, &secret);
        let placed = json!({"event": "placed", "customerNo": "B-1", "orderNo": "O-1", "buyer": "anna@example.com",
                            "costCenter": "CC-1", "amount": {"value": 150.5, "currency": "EUR"}});
        let first = spend(&s, &auth, "key-1", &placed).await;
        assert_eq!(first.status, 201, "{backend}: {}", first.text());
        let retry = spend(&s, &auth, "key-1", &placed).await;
        assert_eq!(retry.status, 200, "{backend}: {}", retry.text());
        assert_eq!(retry.json(), first.json(), "{backend}");
        let mut changed = placed.clone();
        changed["amount"]["value"] = json!(99);
        assert_eq!(spend(&s, &auth, "key-1", &changed).await.status, 422, "{backend}");
        assert_eq!(spend(&s, &auth, "key-2", &placed).await.status, 409, "{backend}");
        // A second order, cancelled: it no longer counts.
        let mut second = placed.clone();
        second["orderNo"] = json!("O-2");
        second["amount"]["value"] = json!(100);
        assert_eq!(spend(&s, &auth, "key-3", &second).await.status, 201, "{backend}");
        let cancel = json!({"event": "cancelled", "customerNo": "B-1", "orderNo": "O-2"});
        let r = spend(&s, &auth, "key-4", &cancel).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        assert_eq!(r.json()["amount"], json!({"value": -100.0, "currency": "EUR"}));
        // No credentials, or without the scope: refused.
        assert_eq!(spend(&s, "Basic eDp5", "key-5", &placed).await.status, 401);
        let (reader, reader_secret) = s.api_client("demo", &["customer.customer_read"]).await;
        assert_eq!(
            spend(&s, &basic(&reader, &reader_secret), "key-5", &placed)
                .await
                .status,
            403
        );

        // Remaining budgets: the cost center, its buyer, and the user's own budget.
        let r = s.get(&format!("{centers}/CC-1"), &as_admin).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let center = r.json();
        assert_eq!(
            center["spentBudget"],
            json!({"type": "Money", "value": 150.5, "currency": "EUR"})
        );
        assert_eq!(center["remainingBudget"]["value"], json!(4849.5));
        assert_eq!(center["approvedOrders"], 1);
        assert_eq!(center["buyers"][0]["spentBudget"]["value"], json!(150.5));
        assert_eq!(center["buyers"][0]["remainingBudget"]["value"], json!(1849.5));
        let r = s.get(&format!("{users}/-/budgets"), &as_anna).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["spentBudget"]["value"], json!(150.5));
        assert_eq!(r.json()["remainingBudget"]["value"], json!(849.5));
        let r = s.get(&format!("{users}/-/costcenters"), &as_anna).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(
            r.json()["elements"],
            json!([
                {"type": "UserCostCenter", "id": "CC-1", "name": "Center CC-1", "roles": ["Buyer"]},
                {"type": "UserCostCenter", "id": "CC-2", "name": "Center CC-2", "roles": ["Buyer"]}
            ])
        );
        // Both list formats: ICM 7.10's bare array, and v2's page.
        let r = s.get(&centers, &as_admin).await;
        assert_eq!(r.json().as_array().map(Vec::len), Some(2), "{backend}: {}", r.text());
        let r = s
            .get(
                &format!("{centers}?limit=1&offset=1"),
                &[as_admin[0], ("accept", "application/vnd.intershop.costcenter.v2+json")],
            )
            .await;
        assert_eq!(
            r.json()["info"],
            json!({"limit": 1, "offset": 1, "total": 2}),
            "{backend}"
        );
        assert_eq!(r.json()["data"][0]["itemId"].as_str().map(str::len), Some(22));

        // Removing a buyer; their spending stays recorded on the cost center.
        let r = s
            .send(
                "DELETE",
                &format!("{centers}/CC-1/buyers/anna%2540example.com"),
                &as_admin,
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let center = s.get(&format!("{centers}/CC-1"), &as_admin).await.json();
        assert_eq!(center["buyers"], json!([]));
        assert_eq!(center["spentBudget"]["value"], json!(150.5));

        // The last administrator cannot go, nor be deactivated.
        let r = s
            .send("DELETE", &format!("{users}/max%2540example.com"), &as_admin, None)
            .await;
        assert_eq!(r.status, 409, "{backend}: {}", r.text());
        assert_eq!(r.header("error-key"), Some("customer.user.last_administrator.error"));
        let r = s
            .send_json(
                "PUT",
                &format!("{users}/max%2540example.com"),
                &json!({"firstName": "Max", "lastName": "Müller", "email": "max@example.com", "active": false}),
                &as_admin,
            )
            .await;
        assert_eq!(r.status, 409, "{backend}: {}", r.text());
        // Deactivating Anna ends her session at once.
        let r = s
            .send_json(
                "PUT",
                &format!("{users}/anna%2540example.com"),
                &json!({"firstName": "Anna", "lastName": "Berg", "email": "anna@example.com", "active": false}),
                &as_admin,
            )
            .await;
        assert_eq!(
            (r.status, &r.json()["active"]),
            (200, &json!(false)),
            "{backend}: {}",
            r.text()
        );
        assert_eq!(s.get(&format!("{users}/-/budgets"), &as_anna).await.status, 401);
        s.stop().await;
    }
}

#[actix_web::test]
async fn bad_budgets_and_cost_centers_are_refused_with_the_field_named() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.post_json(&format!("{ICM}/customers"), &icm_company("B-1", "max@example.com"))
            .await;
        let admin = token(&s, "max@example.com").await;
        let as_admin = [("authentication-token", admin.as_str())];
        let budgets = format!("{ICM}/customers/B-1/users/-/budgets");
        for (body, needle) in [
            (json!({"budget": money(-1.0, "EUR")}), "budget"),
            (json!({"budget": {"value": 5, "currency": "EURO"}}), "budget.currency"),
            (json!({"budget": {"value": 5, "currency": "XYZ"}}), "budget.currency"),
            (json!({"budget": {"value": 5.001, "currency": "EUR"}}), "budget.value"),
            (json!({"budget": {"value": true, "currency": "EUR"}}), "budget.value"),
            (
                json!({"budget": money(5.0, "EUR"), "budgetPeriod": "daily"}),
                "budgetPeriod",
            ),
            (
                json!({"budget": money(5.0, "EUR"), "orderSpentLimit": money(1.0, "USD")}),
                "orderSpentLimit.currency",
            ),
        ] {
            let r = s.send_json("PUT", &budgets, &body, &as_admin).await;
            assert_eq!(r.status, 400, "{backend} {body}: {}", r.text());
            assert_eq!(
                r.header("error-key"),
                Some("customer.user.invalid_fields.error"),
                "{body}"
            );
            assert!(r.text().contains(needle), "{backend} {body}: {}", r.text());
        }
        // Wrong JSON types are refused before anything else.
        let r = s
            .send_json("PUT", &budgets, &json!({"budget": "lots"}), &as_admin)
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        // Nothing was stored by the refused requests.
        assert_eq!(s.get(&budgets, &as_admin).await.json(), json!({}), "{backend}");

        let centers = format!("{ICM}/customers/B-1/costcenters");
        let good =
            json!({"costCenterId": "CC-1", "name": "One", "budget": money(10.0, "EUR"), "budgetPeriod": "monthly"});
        for (change, status, key) in [
            (
                json!({"budget": money(-10.0, "EUR")}),
                400,
                "costcenter.invalid_fields.error",
            ),
            (json!({"budget": null}), 400, "costcenter.invalid_fields.error"),
            (json!({"costCenterId": " "}), 400, "costcenter.invalid_fields.error"),
            (
                json!({"budgetPeriod": "sometimes"}),
                400,
                "costcenter.invalid_fields.error",
            ),
            (
                json!({"costCenterOwner": {"login": "nobody@example.com"}}),
                400,
                "costcenter.user.not_found.error",
            ),
        ] {
            let mut body = good.clone();
            body.as_object_mut()
                .unwrap()
                .extend(change.as_object().unwrap().clone());
            let r = s.send_json("POST", &centers, &body, &as_admin).await;
            assert_eq!(
                (r.status, r.header("error-key")),
                (status, Some(key)),
                "{backend} {body}: {}",
                r.text()
            );
        }
        assert_eq!(s.send_json("POST", &centers, &good, &as_admin).await.status, 201);
        let r = s.send_json("POST", &centers, &good, &as_admin).await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (409, Some("costcenter.id.exists.error"))
        );
        let r = s
            .send_json(
                "POST",
                &format!("{centers}/CC-1/buyers"),
                &json!({"login": "max@example.com", "budget": money(1.0, "USD")}),
                &as_admin,
            )
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        assert!(r.text().contains("EUR"), "{}", r.text());
        // Spending in another currency than the cost center's.
        let (client, secret) = s.api_client("demo", &["customer.spending_manage"]).await;
        let r = spend(
            &s,
            &basic(&client, &secret),
            "k",
            &json!({"event": "placed", "customerNo": "B-1", "orderNo": "O", "buyer": "max@example.com",
                    "costCenter": "CC-1", "amount": {"value": 1, "currency": "USD"}}),
        )
        .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        let r = spend(
            &s,
            &basic(&client, &secret),
            "k",
            &json!({"event": "cancelled", "customerNo": "B-1", "orderNo": "never"}),
        )
        .await;
        assert_eq!(r.status, 404, "{backend}: {}", r.text());
        s.stop().await;
    }
}

#[actix_web::test]
async fn api_clients_exchange_credentials_for_a_bearer_token_that_dies_with_the_client() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.post_json(&format!("{ICM}/customers"), &icm_company("B-1", "max@example.com"))
            .await;
        let (client, secret) = s.api_client("demo", &["customer.spending_manage"]).await;
        let form =
            |id: &str, secret: &str| format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
        let token = |body: String| {
            let s = &s;
            async move {
                s.send(
                    "POST",
                    "/oauth/token",
                    &[("content-type", "application/x-www-form-urlencoded")],
                    Some(body.as_bytes()),
                )
                .await
            }
        };
        let r = token(form(&client, &secret)).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["token_type"], "Bearer");
        assert_eq!(r.json()["expires_in"], 3600);
        assert_eq!(r.json()["scope"], "customer.spending_manage");
        let bearer = format!("Bearer {}", r.json()["access_token"].as_str().unwrap());
        let placed = json!({"event": "placed", "customerNo": "B-1", "orderNo": "O-1", "buyer": "max@example.com",
                            "amount": {"value": 10, "currency": "EUR"}});
        assert_eq!(spend(&s, &bearer, "k-1", &placed).await.status, 201, "{backend}");
        // Wrong secret, unknown client, another grant: refused in the Emporix error shape.
        let r = token(form(&client, "wrong")).await;
        assert_eq!(
            (r.status, &r.json()["type"]),
            (401, &json!("invalid_client")),
            "{backend}"
        );
        assert_eq!(token(form("nobody", &secret)).await.status, 401);
        assert_eq!(token("grant_type=password".into()).await.status, 400);
        // The token is of tenant demo only, and dies when its client is revoked.
        s.store_tenant("other").await;
        let r = s
            .send_json(
                "POST",
                "/service/other/spending",
                &placed,
                &[("authorization", bearer.as_str()), ("idempotency-key", "k-2")],
            )
            .await;
        assert_eq!(r.status, 401, "{backend}: {}", r.text());
        let t = {
            use clientele_domain::tenants::{TenantName, TenantRepository};
            s.store
                .by_name(&TenantName::parse("demo").unwrap())
                .await
                .unwrap()
                .unwrap()
        };
        clientele::api_client_service(&s.store)
            .revoke(&t, &client)
            .await
            .unwrap();
        assert_eq!(spend(&s, &bearer, "k-3", &placed).await.status, 401, "{backend}");
        assert_eq!(spend(&s, "Bearer not-a-token", "k-4", &placed).await.status, 401);
        s.stop().await;
    }
}
