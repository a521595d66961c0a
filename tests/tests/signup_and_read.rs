//! The first vertical slice, end to end on every backend: a private customer signs up
//! through one dialect and is read through another.

use clientele_domain::tenants::{TenantName, TenantRepository};
use clientele_domain::users::UserRepository;
use clientele_domain::values::Login;
use clientele_tests::{basic, databases, emporix_signup, icm_private_customer, TestServer, ICM};
use serde_json::json;

async fn stored_user(s: &TestServer, login: &str) -> Option<clientele_domain::users::User> {
    let tenant = s
        .store
        .by_name(&TenantName::parse("demo").unwrap())
        .await
        .unwrap()
        .expect("demo tenant");
    s.store
        .by_login(tenant.id, &Login::parse(login).unwrap())
        .await
        .unwrap()
}

#[actix_web::test]
async fn icm_registration_is_read_back_with_basic_auth() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let r = s
            .post_json(
                &format!("{ICM}/privatecustomers"),
                &icm_private_customer("anna@example.com", "C-100"),
            )
            .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        assert_eq!(
            r.json(),
            json!({"type": "Link", "uri": "demo/-/customers/C-100", "title": "C-100"})
        );
        assert_eq!(r.header("location"), Some("/INTERSHOP/rest/WFS/demo/-/customers/C-100"));

        let auth = basic("Anna@Example.com", "correct horse battery");
        for path in ["customers/-", "privatecustomers/-", "customers/C-100"] {
            let r = s.get(&format!("{ICM}/{path}"), &[("authorization", &auth)]).await;
            assert_eq!(r.status, 200, "{backend} {path}: {}", r.text());
            let c = r.json();
            assert_eq!(c["type"], "PrivateCustomer", "{backend}");
            assert_eq!(c["customerType"], "PRIVATE");
            assert_eq!(c["customerNo"], "C-100");
            assert_eq!(c["login"], "anna@example.com");
            assert_eq!(c["email"], "anna@example.com");
            assert_eq!(
                (c["firstName"].as_str(), c["lastName"].as_str()),
                (Some("Anna"), Some("Meier"))
            );
            assert_eq!(c["birthday"], "1985-04-12");
            assert_eq!(c["preferredLanguage"], "de_DE");
            assert_eq!(c["phoneHome"], "+49 30 1234567");
            let invoice = &c["preferredInvoiceToAddress"];
            assert_eq!(invoice["addressLine1"], "Hauptstr. 1");
            assert_eq!(invoice["countryCode"], "DE");
            assert_eq!(
                invoice["id"], c["preferredShipToAddress"]["id"],
                "one address, preferred for both"
            );
        }
        // The PWA's upper-case scheme works too.
        let upper = auth.replacen("Basic", "BASIC", 1);
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authorization", &upper)])
                .await
                .status,
            200
        );

        let user = stored_user(&s, "anna@example.com").await.expect("user stored");
        let hash = user.password_hash.expect("password hash stored");
        assert!(
            hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{backend}: argon2id with OWASP params"
        );
        assert!(!hash.as_str().contains("correct horse"));
        s.stop().await;
    }
}

#[actix_web::test]
async fn emporix_signup_is_the_same_customer_in_icm_and_vice_versa() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let r = s.emporix_signup(&emporix_signup("john@example.com")).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());
        let id = r.json()["id"].as_str().expect("id").to_owned();
        assert!(!id.is_empty());

        let auth = basic("john@example.com", "another good passphrase");
        let r = s.get(&format!("{ICM}/customers/-"), &[("authorization", &auth)]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let c = r.json();
        assert_eq!(
            (c["firstName"].as_str(), c["lastName"].as_str()),
            (Some("John"), Some("Doe"))
        );
        assert_eq!(c["title"], "MR");
        assert_eq!(c["phoneHome"], "123456789");
        assert_eq!(c["preferredInvoiceToAddress"]["addressLine1"], "Platz der Republik 1");
        assert_eq!(c["preferredShipToAddress"]["city"], "Berlin");
        assert!(
            c["customerNo"].as_str().is_some_and(|n| n.len() == 8),
            "drawn from the {{seq:8}} pattern: {c}"
        );

        // The other way round: an ICM registration owns its login in Emporix too.
        let r = s
            .post_json(
                &format!("{ICM}/privatecustomers"),
                &icm_private_customer("mia@example.com", "C-7"),
            )
            .await;
        assert_eq!(r.status, 201);
        let r = s.emporix_signup(&emporix_signup("MIA@example.com")).await;
        assert_eq!(r.status, 409, "{backend}");
        assert_eq!(
            r.json(),
            json!({"status": 409, "type": "conflict_resource", "message": "Duplicate account 'MIA@example.com' for tenant 'demo'."})
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn wrong_or_missing_credentials_are_refused_alike() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.icm_register("anna@example.com", "C-1").await;
        let cases = [
            Some(basic("anna@example.com", "wrong password!")),
            Some(basic("nobody@example.com", "correct horse battery")),
            Some("Basic !!!not-base64".to_owned()),
            None,
        ];
        for auth in cases {
            let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
            let r = s.get(&format!("{ICM}/customers/-"), &headers).await;
            assert_eq!(r.status, 401, "{backend} {auth:?}");
            assert_eq!(r.text(), "Authentication is required or the credentials are invalid.");
        }
        // Another customer's key is never confirmed.
        let auth = basic("anna@example.com", "correct horse battery");
        let r = s
            .get(&format!("{ICM}/customers/C-999"), &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, 404, "{backend}");
        s.stop().await;
    }
}

#[actix_web::test]
async fn twenty_concurrent_signups_with_one_email_create_exactly_one_customer() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let bearer = s.anonymous_bearer().await;
        let attempts = (0..20).map(|i| {
            let body = if i % 2 == 0 {
                emporix_signup("race@example.com")
            } else {
                icm_private_customer("race@example.com", &format!("R-{i}"))
            };
            let path = if i % 2 == 0 {
                "/customer/demo/signup".to_owned()
            } else {
                format!("{ICM}/privatecustomers")
            };
            let (s, bearer) = (&s, &bearer);
            async move { s.post_json_with(&path, &body, &[("authorization", bearer)]).await }
        });
        let replies = futures_util::future::join_all(attempts).await;
        let created = replies.iter().filter(|r| r.status == 201).count();
        assert_eq!(
            created,
            1,
            "{backend}: {:?}",
            replies.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        for r in replies.iter().filter(|r| r.status != 201) {
            match r.status {
                409 => assert_eq!(r.json()["type"], "conflict_resource"),
                400 => assert_eq!(
                    r.header("error-key"),
                    Some("customer.credentials.login.not_unique.error")
                ),
                other => panic!("{backend}: unexpected {other}: {}", r.text()),
            }
        }
        assert!(stored_user(&s, "race@example.com").await.is_some());
        s.stop().await;
    }
}

#[actix_web::test]
async fn unknown_tenant_answers_404_in_each_dialect() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let r = s
            .post_json(
                "/INTERSHOP/rest/WFS/nosuchsite/-/privatecustomers",
                &icm_private_customer("a@example.com", "1"),
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");
        assert_eq!(r.text(), "The tenant was not found.");
        let r = s
            .post_json("/customer/nosuchtenant/signup", &emporix_signup("a@example.com"))
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json()["type"], "resource_not_found");
        s.stop().await;
    }
}
