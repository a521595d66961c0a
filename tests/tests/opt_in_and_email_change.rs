//! Double opt-in and e-mail change end to end through the Emporix routes, with the mails
//! delivered by the running dispatcher. On every backend.

use clientele_tests::{databases, emporix_signup, link_param, Mailbox, Reply, TestServer, ICM};
use serde_json::json;

async fn login(s: &TestServer, email: &str, password: &str) -> Reply {
    let bearer = s.anonymous_bearer().await;
    s.post_json_with(
        "/customer/demo/login",
        &json!({"email": email, "password": password}),
        &[("authorization", &bearer)],
    )
    .await
}

async fn anonymous_get(s: &TestServer, path: &str) -> Reply {
    let bearer = s.anonymous_bearer().await;
    s.get(path, &[("authorization", &bearer)]).await
}

async fn anonymous_post(s: &TestServer, path: &str, body: serde_json::Value) -> Reply {
    let bearer = s.anonymous_bearer().await;
    s.post_json_with(path, &body, &[("authorization", &bearer)]).await
}

const PASSWORD: &str = "another good passphrase";

#[actix_web::test]
async fn with_double_opt_in_an_account_logs_in_only_after_its_mailed_link() {
    for (backend, db) in databases() {
        let mut mailbox = Mailbox::new("optin");
        let s = TestServer::start_with_mail(backend, db, &mailbox, |st| st.tenants.double_opt_in = true).await;
        let r = s.emporix_signup(&emporix_signup("anna@example.com")).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.text());

        // Not yet: the right password says why, a wrong one does not.
        let r = login(&s, "anna@example.com", PASSWORD).await;
        assert_eq!(r.status, 401, "{backend}");
        assert!(r.text().contains("not activated"), "{backend}: {}", r.text());
        let r = login(&s, "anna@example.com", "a wrong passphrase").await;
        assert_eq!(r.status, 401, "{backend}");
        assert!(!r.text().contains("not activated"), "{backend}");
        assert_eq!(s.icm_password_grant("anna@example.com", PASSWORD).await.status, 401);

        let (to, text) = mailbox.next().await;
        assert_eq!(to, "anna@example.com", "{backend}");
        assert!(text.contains("Hello John"), "{backend}: {text}");
        assert!(text.contains("http://127.0.0.1:8080/account/activate?token="), "{text}");
        let first = link_param(&text, "token");

        // A new link replaces the first; unknown or active addresses get none.
        let resend = |email: &'static str| {
            anonymous_post(&s, "/customer/demo/signup/optin/refresh_token", json!({"email": email}))
        };
        assert_eq!(resend("anna@example.com").await.status, 202, "{backend}");
        let (_, text) = mailbox.next().await;
        let second = link_param(&text, "token");
        assert_ne!(first, second);
        assert_eq!(resend("nobody@example.com").await.status, 202, "{backend}");
        assert!(mailbox.stays_empty().await, "{backend}: no mail for an unknown address");
        let r = resend("not an address").await;
        assert_eq!(r.status, 400, "{backend}");
        assert_eq!(r.json()["details"][0]["field"], "email", "{backend}: {}", r.text());

        let optin = |token: String| format!("/customer/demo/signup/optin/{token}");
        assert_eq!(
            s.get(&optin(second.clone()), &[]).await.status,
            401,
            "{backend}: needs a token"
        );
        let r = anonymous_get(&s, &optin(first)).await;
        assert_eq!(r.status, 400, "{backend}: the replaced link: {}", r.text());
        assert_eq!(r.json()["status"], 400);

        let r = anonymous_get(&s, &optin(second.clone())).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let access = r.access_token();
        assert_eq!(r.json()["token_type"], "Bearer");
        assert!(r.json()["refresh_token"].is_string());
        let v = s
            .get(
                "/customer/demo/validateauthtoken",
                &[("authorization", &format!("Bearer {access}"))],
            )
            .await;
        assert_eq!(v.status, 200, "{backend}: the opt-in logged the customer in");

        assert_eq!(
            anonymous_get(&s, &optin(second)).await.status,
            400,
            "{backend}: once only"
        );
        assert_eq!(login(&s, "anna@example.com", PASSWORD).await.status, 200, "{backend}");
        assert_eq!(resend("anna@example.com").await.status, 202);
        assert!(mailbox.stays_empty().await, "{backend}: an active account gets no link");
        s.stop().await;
    }
}

#[actix_web::test]
async fn an_email_change_takes_effect_only_when_the_new_address_confirms_it() {
    for (backend, db) in databases() {
        let mut mailbox = Mailbox::new("email-change");
        let s = TestServer::start_with_mail(backend, db, &mailbox, |_| {}).await;
        for email in ["anna@example.com", "bob@example.com"] {
            assert_eq!(s.emporix_signup(&emporix_signup(email)).await.status, 201);
        }
        let access = login(&s, "anna@example.com", PASSWORD).await.access_token();
        let bearer = format!("Bearer {access}");
        let path = "/customer/demo/me/accounts/internal/email/change";
        let change = |body: serde_json::Value, auth: String| {
            let s = &s;
            async move { s.post_json_with(path, &body, &[("authorization", &auth)]).await }
        };
        let body = |password: &str, new: &str| json!({"email": "anna@example.com", "password": password, "newEmail": new, "syncContactEmail": true});

        let anonymous = s.anonymous_bearer().await;
        assert_eq!(change(body(PASSWORD, "new@example.com"), anonymous).await.status, 401);
        let r = change(body("a wrong passphrase", "new@example.com"), bearer.clone()).await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        let r = change(body(PASSWORD, "bob@example.com"), bearer.clone()).await;
        assert_eq!(r.status, 400, "{backend}");
        assert_eq!(r.json()["details"][0]["field"], "newEmail", "{}", r.text());
        let r = change(
            json!({"email": "anna@example.com", "password": PASSWORD}),
            bearer.clone(),
        )
        .await;
        assert_eq!(r.json()["details"][0]["field"], "newEmail", "{}", r.text());
        assert!(mailbox.stays_empty().await, "{backend}: refused requests mail nothing");

        let r = change(body(PASSWORD, "New@Example.com"), bearer.clone()).await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let (to, text) = mailbox.next().await;
        assert_eq!(
            to, "New@example.com",
            "{backend}: the confirmation goes to the new address"
        );
        assert!(text.contains("/account/email/confirm?token="), "{text}");
        let token = link_param(&text, "token");
        // Nothing changed yet.
        assert_eq!(login(&s, "anna@example.com", PASSWORD).await.status, 200);
        assert_eq!(login(&s, "new@example.com", PASSWORD).await.status, 401);

        let confirm = "/customer/demo/me/accounts/internal/email/change/confirm";
        let r = anonymous_post(&s, confirm, json!({"token": "not-a-token"})).await;
        assert_eq!(r.status, 400, "{backend}");
        assert_eq!(anonymous_post(&s, confirm, json!({})).await.status, 400);
        assert_eq!(
            s.post_json(confirm, &json!({"token": token})).await.status,
            401,
            "needs a token"
        );
        let r = anonymous_post(&s, confirm, json!({"token": token})).await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        assert_eq!(
            anonymous_post(&s, confirm, json!({"token": token})).await.status,
            400,
            "once only"
        );

        assert_eq!(login(&s, "anna@example.com", PASSWORD).await.status, 401, "{backend}");
        let r = login(&s, "new@example.com", PASSWORD).await;
        assert_eq!(r.status, 200, "{backend}");
        // The contact address followed (syncContactEmail), as ICM shows it.
        let token = r.access_token();
        let profile = s
            .get(&format!("{ICM}/customers/-"), &[("authentication-token", &token)])
            .await;
        assert_eq!(
            profile.json()["email"],
            "New@example.com",
            "{backend}: {}",
            profile.text()
        );
        s.stop().await;
    }
}
