//! Emporix customer import on every backend: 200 items with 3 invalid (207, exactly those
//! fail, 197 stored), re-import without duplicates, legacy bcrypt and PBKDF2 passwords
//! migrated to argon2id on the first login, and the retention's end voiding them.

use clientele_domain::tenants::{TenantName, TenantRepository};
use clientele_domain::users::UserRepository;
use clientele_domain::values::Login;
use clientele_tests::{databases, TestServer};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";
const BCRYPT: &str = "$2b$12$9.XesfxgoxqmcM/7VE2aI.VpeWuBkzU56eJZGaKZ0WNjp5Xgc7QtO";
const PBKDF2: &str = "$pbkdf2-sha256$29000$MKaUsnaOESJkbK1Vas35Pw$kGIj4DGDhTDkO5vdepoTJMQfCiH64923M.lZtOFP1H0";

async fn bearer(s: &TestServer, scopes: &[&str]) -> String {
    let (id, secret) = s.api_client("demo", scopes).await;
    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let r = s
        .send(
            "POST",
            "/oauth/token",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.as_bytes()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    format!("Bearer {}", r.access_token())
}

/// The stored user of `login`.
async fn stored(s: &TestServer, login: &str) -> clientele_domain::users::User {
    let t = s
        .store
        .by_name(&TenantName::parse("demo").unwrap())
        .await
        .unwrap()
        .unwrap();
    s.store
        .by_login(t.id, &Login::parse(login).unwrap())
        .await
        .unwrap()
        .expect("user stored")
}

fn item(i: usize, phc: &str) -> Value {
    json!({
        "id": format!("IMP-{i:03}"),
        "contactEmail": format!("user{i}@example.com"),
        "account": {"email": format!("user{i}@example.com"), "passwordHash": phc},
        "firstName": "Imported", "lastName": format!("Customer {i}"),
        "preferredLanguage": "en_US",
        "mixins": {"source": "legacy-shop"},
        "addresses": [{"contactName": "Imported Customer", "street": "Main St", "streetNumber": "1",
                       "zipCode": "10115", "city": "Berlin", "country": "DE", "tags": ["BILLING", "SHIPPING"]}]
    })
}

#[actix_web::test]
async fn customers_import_in_bulk_with_their_passwords_and_legacy_hashes_migrate_on_login() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let auth = bearer(
            &s,
            &[
                "customer.import_manage",
                "customer.import_read",
                "customer.customer_read",
            ],
        )
        .await;
        let admin = bearer(&s, &["customer.customer_manage"]).await;
        let h = [("authorization", auth.as_str())];
        // A real argon2id hash of PASSWORD, as another clientele would export it.
        assert_eq!(s.icm_register("seed@example.com", "SEED-1").await.status, 201);
        let phc = stored(&s, "seed@example.com")
            .await
            .password_hash
            .unwrap()
            .as_str()
            .to_owned();

        let mut items: Vec<Value> = (0..200).map(|i| item(i, &phc)).collect();
        items[17]["account"]["legacyAuth"] = json!({"algorithm": "bcrypt", "hash": BCRYPT});
        items[42]["account"]["email"] = json!("not an e-mail");
        items[199]["account"] =
            json!({"email": "user199@example.com", "legacyAuth": {"algorithm": "bcrypt", "hash": BCRYPT}});
        let r = s
            .send_json("POST", "/customer/demo/customers/import", &json!(items), &h)
            .await;
        assert_eq!(r.status, 207, "{backend}: {}", r.text());
        let results = r.json();
        let results = results.as_array().unwrap();
        assert_eq!(results.len(), 200);
        let failed: Vec<u64> = results
            .iter()
            .filter(|x| x["code"].as_u64() != Some(201))
            .map(|x| x["index"].as_u64().unwrap())
            .collect();
        assert_eq!(failed, [17, 42, 199], "{backend}: exactly the invalid ones fail");
        assert_eq!(results[17]["code"], 400);
        assert!(results[17]["message"]
            .as_str()
            .unwrap()
            .contains("Exactly one of 'passwordHash' or 'legacyAuth'"));
        assert!(
            results[42]["message"].as_str().unwrap().contains("account.email"),
            "{backend}: {}",
            results[42]
        );
        assert!(
            results[199]["message"]
                .as_str()
                .unwrap()
                .contains("password migration retention"),
            "{backend}: {}",
            results[199]
        );
        assert_eq!(
            results[0],
            json!({"index": 0, "code": 201, "status": "Created", "id": "IMP-000"})
        );
        let list = |q: &'static str| {
            let (s, h) = (&s, h);
            async move { s.get(&format!("/customer/demo/customers?{q}"), &h).await }
        };
        assert_eq!(
            list("q=customerNumber:~IMP-").await.header("count"),
            Some("197"),
            "{backend}"
        );
        // Imported customers are found by their user's fields (written with the
        // customer on PostgreSQL, by the users trigger on SQLite).
        let r = list("q=contactEmail:USER5@example.com").await;
        assert_eq!(r.header("count"), Some("1"), "{backend}: {}", r.text());
        assert_eq!(r.json()[0]["customerNumber"], "IMP-005", "{backend}: {}", r.text());
        assert_eq!(list("q=lastName:~12").await.header("count"), Some("12"), "{backend}");
        let r = s
            .get("/customer/demo/customers/IMP-005?expand=addresses,mixin", &h)
            .await;
        assert_eq!(r.json()["addresses"][0]["city"], "Berlin", "{backend}: {}", r.text());
        assert_eq!(r.json()["mixins"]["source"], "legacy-shop");
        // The native hash is kept: the customer logs in with their password.
        assert_eq!(
            s.icm_password_grant("user5@example.com", PASSWORD).await.status,
            200,
            "{backend}"
        );

        // The same payload again: updates, no duplicates, same failures.
        let r = s
            .send_json("POST", "/customer/demo/customers/import", &json!(items), &h)
            .await;
        let again = r.json();
        let codes: Vec<u64> = again
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_u64().unwrap())
            .collect();
        assert_eq!(codes.iter().filter(|c| **c == 200).count(), 197, "{backend}: {again}");
        assert_eq!(
            list("q=customerNumber:~IMP-").await.header("count"),
            Some("197"),
            "{backend}"
        );
        let r = s.get("/customer/demo/customers/IMP-005?expand=addresses", &h).await;
        assert_eq!(
            r.json()["addresses"].as_array().unwrap().len(),
            1,
            "{backend}: addresses replaced, not added"
        );

        // A native hash must be argon2id: the reference's example format is refused.
        let mut foreign = item(500, &phc);
        foreign["account"]["passwordHash"] = json!("1:10000:abcdefgh:ijklmnop");
        let r = s
            .send_json("POST", "/customer/demo/customers/import", &json!([foreign]), &h)
            .await;
        assert_eq!(r.json()[0]["code"], 400, "{backend}");
        assert!(
            r.json()[0]["message"].as_str().unwrap().contains("argon2id"),
            "{backend}: {}",
            r.text()
        );

        // A customer put on hold stays on hold when the same data is imported again.
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/IMP-007",
                &json!({"onHold": true}),
                &[("authorization", &admin)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers/import",
                &json!([items[7].clone()]),
                &h,
            )
            .await;
        assert_eq!(r.json()[0]["code"], 200, "{backend}");
        let r = s.get("/customer/demo/customers/IMP-007", &h).await;
        assert_eq!(r.json()["onHold"], true, "{backend}: re-import keeps the hold");

        // Without an id, a login of a company's further user does not name the company.
        let icm = "/INTERSHOP/rest/WFS/demo/-";
        let v1 = [
            ("accept", "application/vnd.intershop.admin.customer.v1+json"),
            ("authorization", admin.as_str()),
        ];
        let r = s
            .send_json(
                "POST",
                &format!("{icm}/customers"),
                &json!({"id": "CO-1", "customerType": "SMB", "companyName1": "Co"}),
                &v1,
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        for login in ["first@co.example", "second@co.example"] {
            let r = s
                .send_json(
                    "POST",
                    &format!("{icm}/customers/CO-1/users"),
                    &json!({"email": login, "firstName": "A", "lastName": "B"}),
                    &v1,
                )
                .await;
            assert_eq!(r.status, 201, "{backend}: {}", r.text());
        }
        let mut second = item(600, &phc);
        second.as_object_mut().unwrap().remove("id");
        second["account"]["email"] = json!("second@co.example");
        second["contactEmail"] = json!("second@co.example");
        let r = s
            .send_json("POST", "/customer/demo/customers/import", &json!([second]), &h)
            .await;
        assert_eq!(r.json()[0]["code"], 400, "{backend}: {}", r.text());
        assert!(
            r.json()[0]["message"].as_str().unwrap().contains("not its first"),
            "{backend}: {}",
            r.text()
        );

        // Too many in one call; not an array.
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers/import",
                &json!(vec![item(0, &phc); 201]),
                &h,
            )
            .await;
        assert_eq!(r.status, 400, "{backend}");
        let r = s
            .send_json("POST", "/customer/demo/customers/import", &json!({"a": 1}), &h)
            .await;
        assert_eq!(r.status, 400, "{backend}");

        // Legacy hashes need the retention; bcrypt and PBKDF2 users then log in once with
        // their old password and have argon2id hashes afterwards.
        assert_eq!(
            s.get("/customer/demo/config/password-migration-retention", &h)
                .await
                .status,
            404
        );
        let end = (chrono::Utc::now() + chrono::Duration::days(30))
            .date_naive()
            .to_string();
        let r = s
            .send_json(
                "POST",
                "/customer/demo/config/password-migration-retention",
                &json!({"retentionEndDate": "2001-01-01"}),
                &h,
            )
            .await;
        assert_eq!(
            (r.status, r.json()["details"][0]["field"].clone()),
            (400, json!("retentionEndDate")),
            "{backend}"
        );
        let r = s
            .send_json(
                "POST",
                "/customer/demo/config/password-migration-retention",
                &json!({"retentionEndDate": end}),
                &h,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["emailNotificationsEnabled"], true);
        let legacy = |i: usize, algorithm: &str, hash: &str| {
            let mut x = item(i, "");
            x["account"] =
                json!({"email": format!("user{i}@example.com"), "legacyAuth": {"algorithm": algorithm, "hash": hash}});
            x
        };
        let batch = json!([
            legacy(300, "bcrypt", BCRYPT),
            legacy(301, "pbkdf2-sha256", PBKDF2),
            legacy(302, "bcrypt", BCRYPT),
            legacy(303, "bcrypt", "$2b$99$broken"),
            legacy(304, "md5", "x"),
        ]);
        let r = s.send_json("POST", "/customer/demo/customers/import", &batch, &h).await;
        let codes: Vec<u64> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_u64().unwrap())
            .collect();
        assert_eq!(codes, [201, 201, 201, 400, 400], "{backend}: {}", r.text());
        for login in ["user300@example.com", "user301@example.com"] {
            assert!(stored(&s, login).await.password_hash.is_none(), "{backend}");
            assert_eq!(
                s.icm_password_grant(login, "wrong password").await.status,
                401,
                "{backend}"
            );
            assert_eq!(
                s.icm_password_grant(login, PASSWORD).await.status,
                200,
                "{backend}: {login}"
            );
            let user = stored(&s, login).await;
            assert!(
                user.password_hash.unwrap().as_str().starts_with("$argon2id$"),
                "{backend}: {login}"
            );
            assert!(user.legacy_auth.is_none(), "{backend}: {login}");
            assert_eq!(
                s.icm_password_grant(login, PASSWORD).await.status,
                200,
                "{backend}: {login} again"
            );
        }
        // Re-importing a migrated customer with its legacy hash keeps the new password.
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers/import",
                &json!([legacy(300, "bcrypt", BCRYPT)]),
                &h,
            )
            .await;
        assert_eq!(r.json()[0]["code"], 200, "{backend}");
        assert!(
            stored(&s, "user300@example.com").await.legacy_auth.is_none(),
            "{backend}"
        );

        // The retention ends: the unmigrated customer's old password no longer works.
        let r = s
            .send("DELETE", "/customer/demo/config/password-migration-retention", &h, None)
            .await;
        assert_eq!(r.status, 204, "{backend}");
        assert_eq!(
            s.icm_password_grant("user302@example.com", PASSWORD).await.status,
            401,
            "{backend}"
        );
        assert!(
            stored(&s, "user302@example.com").await.legacy_auth.is_none(),
            "{backend}"
        );
        assert_eq!(
            s.icm_password_grant("user300@example.com", PASSWORD).await.status,
            200,
            "{backend}: migrated stays"
        );

        // Scopes: customer_read alone cannot import.
        let reader = bearer(&s, &["customer.customer_read"]).await;
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers/import",
                &json!([]),
                &[("authorization", &reader)],
            )
            .await;
        assert_eq!(r.status, 403, "{backend}");
        let r = s
            .get(
                "/customer/demo/config/password-migration-retention",
                &[("authorization", &reader)],
            )
            .await;
        assert_eq!(r.status, 403, "{backend}");
        s.stop().await;
    }
}
