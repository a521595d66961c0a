//! Password changes through ICM and Emporix: current password required, policy and
//! history enforced, every session of the user ended. On every backend.

use clientele_tests::{databases, emporix_signup, TestServer, ICM};
use serde_json::json;

#[actix_web::test]
async fn icm_password_change_checks_the_current_password_policy_and_history() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.icm_register("anna@example.com", "P-1").await;
        let token = s
            .icm_password_grant("anna@example.com", "correct horse battery")
            .await
            .access_token();
        let put = |body: serde_json::Value| {
            let (s, token) = (&s, &token);
            async move {
                s.send_json(
                    "PUT",
                    &format!("{ICM}/privatecustomers/-/credentials/password"),
                    &body,
                    &[("authentication-token", token)],
                )
                .await
            }
        };
        let r = put(json!({"password": "a brand new secret"})).await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (400, Some("customer.credentials.missing_fields.error"))
        );
        let r = put(json!({"password": "a brand new secret", "currentPassword": "not it"})).await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (400, Some("customer.credentials.invalid_fields.error"))
        );
        let r = put(json!({"password": "short", "currentPassword": "correct horse battery"})).await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (400, Some("customer.credentials.invalid_fields.error"))
        );
        let r = put(json!({"password": "correct horse battery", "currentPassword": "correct horse battery"})).await;
        assert_eq!(r.status, 400, "{backend}: the current password counts as recently used");
        assert!(r.text().contains("used recently"), "{}", r.text());

        let r = put(json!({"password": "a brand new secret", "currentPassword": "correct horse battery"})).await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        // Every session ended; only the new password logs in.
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", &token)])
                .await
                .status,
            401
        );
        assert_eq!(
            s.icm_password_grant("anna@example.com", "correct horse battery")
                .await
                .status,
            401
        );
        let fresh = s.icm_password_grant("anna@example.com", "a brand new secret").await;
        assert_eq!(fresh.status, 200, "{backend}");

        // Changing back to the previous password is refused (history).
        let token2 = fresh.access_token();
        let bytes =
            serde_json::to_vec(&json!({"password": "correct horse battery", "currentPassword": "a brand new secret"}))
                .unwrap();
        let r = s
            .send(
                "PUT",
                &format!("{ICM}/customers/-/users/-/credentials/password"),
                &[("content-type", "application/json"), ("authentication-token", &token2)],
                Some(&bytes),
            )
            .await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (400, Some("customer.credentials.invalid_fields.error")),
            "{backend}"
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn emporix_password_change() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.emporix_signup(&emporix_signup("john@example.com")).await;
        let anon = s.anonymous_bearer().await;
        let login = s
            .post_json_with(
                "/customer/demo/login",
                &json!({"email": "john@example.com", "password": "another good passphrase"}),
                &[("authorization", &anon)],
            )
            .await
            .json();
        let bearer = format!("Bearer {}", login["access_token"].as_str().unwrap());
        let change = |body: serde_json::Value, auth: String| {
            let s = &s;
            async move {
                s.post_json_with("/customer/demo/password/change", &body, &[("authorization", &auth)])
                    .await
            }
        };
        let r = change(
            json!({"currentPassword": "wrong one here", "newPassword": "yet another passphrase"}),
            bearer.clone(),
        )
        .await;
        assert_eq!(
            (r.status, r.json()["details"][0]["field"].as_str()),
            (400, Some("currentPassword")),
            "{backend}"
        );
        let r = change(
            json!({"currentPassword": "another good passphrase", "newPassword": "yet another passphrase"}),
            anon.clone(),
        )
        .await;
        assert_eq!(r.status, 401, "an anonymous token cannot change passwords");
        let r = change(
            json!({"currentPassword": "another good passphrase", "newPassword": "yet another passphrase"}),
            bearer.clone(),
        )
        .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        assert_eq!(
            s.get("/customer/demo/validateauthtoken", &[("authorization", &bearer)])
                .await
                .status,
            401
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn icm_login_change_keeps_logins_unique() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.icm_register("anna@example.com", "P-1").await;
        s.icm_register("bob@example.com", "P-2").await;
        let token = s
            .icm_password_grant("anna@example.com", "correct horse battery")
            .await
            .access_token();
        let put = |body: serde_json::Value| {
            let (s, token) = (&s, &token);
            async move {
                s.send_json(
                    "PUT",
                    &format!("{ICM}/privatecustomers/-/credentials/login"),
                    &body,
                    &[("authentication-token", token)],
                )
                .await
            }
        };
        let r = put(json!({})).await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (400, Some("customer.credentials.missing_fields.error"))
        );
        let r = put(json!({"login": "BOB@example.com"})).await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (400, Some("customer.credentials.invalid_fields.error")),
            "{backend}"
        );
        let r = put(json!({"login": "anna.new@example.com"})).await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let r = s
            .get(&format!("{ICM}/customers/-"), &[("authentication-token", &token)])
            .await;
        assert_eq!(r.json()["login"], "anna.new@example.com");
        assert_eq!(
            s.icm_password_grant("anna.new@example.com", "correct horse battery")
                .await
                .status,
            200
        );
        assert_eq!(
            s.icm_password_grant("anna@example.com", "correct horse battery")
                .await
                .status,
            401
        );
        s.stop().await;
    }
}
