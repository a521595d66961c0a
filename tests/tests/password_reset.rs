//! Forgotten passwords end to end: the reset mail (delivered as an .eml by the running
//! dispatcher), single use, and no hint whether an address exists. On every backend.

use clientele_tests::{databases, emporix_signup, link_param, Mailbox, TestServer, ICM};
use serde_json::json;

async fn start(backend: &'static str, db: clientele_tests::Database, mailbox: &Mailbox) -> TestServer {
    TestServer::start_with_mail(backend, db, mailbox, |_| {}).await
}

async fn icm_login(s: &TestServer, password: &str) -> u16 {
    s.icm_password_grant("anna@example.com", password).await.status
}

#[actix_web::test]
async fn icm_reminder_mails_a_single_use_code_that_sets_a_new_password() {
    for (backend, db) in databases() {
        let mut mailbox = Mailbox::new("reset");
        let s = start(backend, db, &mailbox).await;
        s.icm_register("anna@example.com", "R-1").await;
        let session = s
            .send(
                "POST",
                &format!("{ICM}/token"),
                &[("content-type", "application/x-www-form-urlencoded")],
                Some(b"grant_type=password&username=anna%40example.com&password=correct+horse+battery"),
            )
            .await
            .access_token();

        // An unknown address gets the same answer and no mail.
        let r = s
            .post_json(
                &format!("{ICM}/security/reminder"),
                &json!({"email": "nobody@example.com", "answer": ""}),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}");
        let r = s
            .post_json(
                &format!("{ICM}/security/reminder"),
                &json!({"email": "anna@example.com", "answer": ""}),
            )
            .await;
        assert_eq!((r.status, r.body.len()), (200, 0), "{backend}");

        let (_, text) = mailbox.next().await;
        assert!(text.contains("/forgotPassword/updatePassword?uid="), "{text}");
        let (uid, code) = (link_param(&text, "uid"), link_param(&text, "Hash"));
        assert!(
            mailbox.stays_empty().await,
            "{backend}: the unknown address got no mail"
        );

        let reset = |body: serde_json::Value| {
            let s = &s;
            async move { s.post_json(&format!("{ICM}/security/password"), &body).await }
        };
        let r = reset(json!({"userID": uid, "secureCode": code})).await;
        assert_eq!(
            r.header("error-key"),
            Some("customer.credentials.passwordreset.missing_fields.error")
        );
        let r = reset(json!({"userID": uid, "secureCode": code, "password": "short"})).await;
        assert_eq!(
            r.header("error-key"),
            Some("customer.credentials.passwordreset.invalid_password.error.PasswordExpressionViolation"),
            "{backend}: {}",
            r.text()
        );
        // A weak password leaves the code usable; a wrong user id spends it.
        let r = reset(json!({"userID": "someone-else", "secureCode": code, "password": "a new password now"})).await;
        assert_eq!(
            r.header("error-key"),
            Some("customer.credentials.passwordreset.invalid_fields.error")
        );
        s.post_json(
            &format!("{ICM}/security/reminder"),
            &json!({"email": "anna@example.com"}),
        )
        .await;
        let (_, text) = mailbox.next().await;
        let (uid, code) = (link_param(&text, "uid"), link_param(&text, "Hash"));
        let r = reset(json!({"userID": uid, "secureCode": code, "password": "a new password now"})).await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        // Replay is refused; sessions ended; the new password works.
        let r = reset(json!({"userID": uid, "secureCode": code, "password": "another new one!"})).await;
        assert_eq!(
            r.header("error-key"),
            Some("customer.credentials.passwordreset.invalid_fields.error")
        );
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", &session)])
                .await
                .status,
            401
        );
        assert_eq!(icm_login(&s, "correct horse battery").await, 401);
        assert_eq!(icm_login(&s, "a new password now").await, 200);
        s.stop().await;
    }
}

#[actix_web::test]
async fn emporix_reset_and_update() {
    for (backend, db) in databases() {
        let mut mailbox = Mailbox::new("reset");
        let s = start(backend, db, &mailbox).await;
        s.emporix_signup(&emporix_signup("john@example.com")).await;
        let anon = s.anonymous_bearer().await;
        let post = |path: &'static str, body: serde_json::Value| {
            let (s, anon) = (&s, &anon);
            async move { s.post_json_with(path, &body, &[("authorization", anon)]).await }
        };
        assert_eq!(
            post("/customer/demo/password/reset", json!({"email": "john@example.com"}))
                .await
                .status,
            204
        );
        assert_eq!(
            post("/customer/demo/password/reset", json!({"email": "nobody@example.com"}))
                .await
                .status,
            204
        );
        let (_, text) = mailbox.next().await;
        let token = link_param(&text, "Hash");
        let r = post(
            "/customer/demo/password/reset/update",
            json!({"token": "forged", "password": "brand new passphrase"}),
        )
        .await;
        assert_eq!(
            (r.status, r.json()["details"][0]["field"].as_str()),
            (400, Some("token")),
            "{backend}"
        );
        let r = post(
            "/customer/demo/password/reset/update",
            json!({"token": token, "password": "brand new passphrase"}),
        )
        .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let r = s
            .post_json_with(
                "/customer/demo/login",
                &json!({"email": "john@example.com", "password": "brand new passphrase"}),
                &[("authorization", &anon)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}");
        s.stop().await;
    }
}
