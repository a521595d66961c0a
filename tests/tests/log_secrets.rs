//! No password, password hash, token or reset code, and no personal data (e-mail
//! addresses and logins, names, phone numbers, street, IBAN), ever appears in a log line:
//! the whole log of a run through every secret-handling flow, a company removing a user
//! (whose login is in the path) and an erasure is captured and scanned. Log lines name
//! people by their ids only, so erasing a person leaves nothing of them in the logs.

use clientele_domain::tenants::{TenantName, TenantRepository};
use clientele_domain::users::UserRepository;
use clientele_domain::values::Login;
use clientele_tests::{basic, databases, emporix_signup, link_param, next_mail, LogCapture, TestServer, ICM};
use serde_json::json;

#[actix_web::test]
async fn secrets_and_personal_data_never_reach_the_log() {
    let captured = LogCapture::install(true);

    let (backend, db) = databases().remove(0);
    let dir = std::env::temp_dir().join(format!("clientele-logscan-{}", std::process::id()));
    let mail_dir = dir.display().to_string();
    let s = TestServer::start_with(backend, db, move |st| {
        st.mail.dir = mail_dir;
        st.mail.dispatch_interval_ms = 50;
    })
    .await;
    let mut secrets: Vec<String> = vec!["correct horse battery".into(), "another good passphrase".into()];

    s.icm_register("anna@example.com", "S-1").await;
    s.emporix_signup(&emporix_signup("john@example.com")).await;
    s.get(
        &format!("{ICM}/customers/-"),
        &[("authorization", &basic("anna@example.com", "correct horse battery"))],
    )
    .await;
    s.get(
        &format!("{ICM}/customers/-"),
        &[("authorization", &basic("anna@example.com", "a wrong guess"))],
    )
    .await;
    secrets.push("a wrong guess".into());
    let form = b"grant_type=password&username=anna%40example.com&password=correct+horse+battery";
    let t = s
        .send(
            "POST",
            &format!("{ICM}/token"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form),
        )
        .await
        .json();
    let (access, refresh) = (
        t["access_token"].as_str().unwrap().to_owned(),
        t["refresh_token"].as_str().unwrap().to_owned(),
    );
    let form = format!("grant_type=refresh_token&refresh_token={refresh}");
    let t2 = s
        .send(
            "POST",
            &format!("{ICM}/token"),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.as_bytes()),
        )
        .await
        .json();
    // Replay: the reuse is logged, the token is not.
    s.send(
        "POST",
        &format!("{ICM}/token"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    )
    .await;
    secrets.extend([
        access,
        refresh,
        t2["access_token"].as_str().unwrap().to_owned(),
        t2["refresh_token"].as_str().unwrap().to_owned(),
    ]);

    s.post_json(
        &format!("{ICM}/security/reminder"),
        &json!({"email": "anna@example.com"}),
    )
    .await;
    let mut seen = vec![];
    let code = link_param(&next_mail(&dir, &mut seen).await, "Hash");
    s.post_json(
        &format!("{ICM}/security/password"),
        &json!({"userID": "x", "secureCode": code, "password": "reset to this one"}),
    )
    .await;
    secrets.extend([code, "reset to this one".into()]);

    // E-mail change: the confirmation token travels by mail only.
    let bearer = s.anonymous_bearer().await;
    let john = s
        .post_json_with(
            "/customer/demo/login",
            &json!({"email": "john@example.com", "password": "another good passphrase"}),
            &[("authorization", &bearer)],
        )
        .await
        .json();
    let john = format!("Bearer {}", john["access_token"].as_str().unwrap());
    s.post_json_with(
        "/customer/demo/me/accounts/internal/email/change",
        &json!({"email": "john@example.com", "password": "another good passphrase", "newEmail": "john@example.org"}),
        &[("authorization", &john)],
    )
    .await;
    let token = link_param(&next_mail(&dir, &mut seen).await, "token");
    let r = s
        .post_json_with(
            "/customer/demo/me/accounts/internal/email/change/confirm",
            &json!({"token": token}),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    secrets.extend([token, john.trim_start_matches("Bearer ").to_owned()]);

    // Payments: a card number in any field, an IBAN, a provider token and a gift-card PIN.
    let r = s.icm_register("pay@example.com", "S-2").await;
    assert_eq!(r.status, 201, "{}", r.text());
    let anna = s
        .icm_password_grant("pay@example.com", "correct horse battery")
        .await
        .access_token();
    let auth = [("authentication-token", anna.as_str())];
    for body in [
        json!({"name": "ISH_CREDITCARD", "parameters": [{"key": "creditCardNumber", "property": "4111 1111 1111 1111"}]}),
        json!({"name": "ISH_DEBIT_TRANSFER", "note": "5500005555555559"}),
        json!({"name": "ISH_DEBIT_TRANSFER", "parameters": [{"key": "holder", "property": "A"}, {"key": "IBAN", "property": "DE89370400440532013000"}]}),
        json!({"name": "ISH_CREDITCARD", "parameters": [{"key": "paymentToken", "property": "tok_secret_visa"},
            {"key": "creditCardType", "property": "visa"}, {"key": "creditCardNumber", "property": "4242"},
            {"key": "creditCardExpiryDate", "property": "12/30"}]}),
        json!({"name": "ISH_GIFT_CARD", "parameters": [{"key": "giftCardNumber", "property": "GC-1"}, {"key": "giftCardPin", "property": "pin-8642"}]}),
    ] {
        s.send_json("POST", &format!("{ICM}/privatecustomers/-/payments"), &body, &auth)
            .await;
    }
    assert!(
        log_has(&captured, "payment_instrument_added"),
        "instruments were saved and logged"
    );
    secrets.extend([
        "4111 1111 1111 1111".into(),
        "5500005555555559".into(),
        "0532013000".into(),
        "tok_secret_visa".into(),
        "pin-8642".into(),
        anna,
    ]);

    // A company removes a user (the login is part of the path); an IOM erasure.
    let company = clientele_tests::icm_company("B-7", "boss@example.com");
    assert_eq!(s.post_json(&format!("{ICM}/customers"), &company).await.status, 201);
    let boss = s
        .icm_password_grant("boss@example.com", "correct horse battery")
        .await
        .access_token();
    let as_boss = [("authentication-token", boss.as_str())];
    let r = s
        .send_json(
            "POST",
            &format!("{ICM}/customers/B-7/users"),
            &json!({"elements": [{"firstName": "Lea", "lastName": "Leaver", "email": "leaver@example.com"}]}),
            &as_boss,
        )
        .await;
    assert!(r.status < 300, "{}", r.text());
    let r = s
        .send(
            "DELETE",
            &format!("{ICM}/customers/B-7/users/leaver@example.com"),
            &as_boss,
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let (id, secret) = s.api_client("demo", &["gdpr.read", "gdpr.delete"]).await;
    let r = s
        .send(
            "DELETE",
            "/rest/gdpr/shops/demo/customers/S-2",
            &[("authorization", &basic(&id, &secret))],
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(log_has(&captured, "customer_deleted"), "the erasure was logged");
    secrets.push(boss);
    // Searches and failed logins name people in queries and bodies.
    let (rid, rsecret) = s.api_client("demo", &["customer.customer_read"]).await;
    let r = s
        .get(
            "/customer/demo/customers?q=email:john@example.org",
            &[("authorization", &basic(&rid, &rsecret))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s.icm_password_grant("nobody.known@example.com", "a wrong guess").await;
    assert!(r.status >= 400);
    let personal = [
        "anna@example.com",
        "john@example.com",
        "john@example.org",
        "pay@example.com",
        "boss@example.com",
        "leaver@example.com",
        "nobody.known@example.com",
        "Meier",
        "Doe",
        "Leaver",
        "Müller",
        "1234567",
        "123456789",
        "Hauptstr",
        "DE89370400440532013000",
    ];

    let tenant = s
        .store
        .by_name(&TenantName::parse("demo").unwrap())
        .await
        .unwrap()
        .unwrap();
    for login in ["anna@example.com", "john@example.org"] {
        let user = s
            .store
            .by_login(tenant.id, &Login::parse(login).unwrap())
            .await
            .unwrap()
            .unwrap();
        secrets.push(user.password_hash.unwrap().as_str().to_owned());
    }
    s.stop().await;
    let _ = std::fs::remove_dir_all(&dir);

    let log = captured.text();
    assert!(
        log.contains("login_failed") && log.contains("refresh_token_reused") && log.contains("email_changed"),
        "the security events were logged"
    );
    // Lines of a request name its route pattern: the access line and the events within.
    for event in ["request served", "login_failed"] {
        let line = log.lines().find(|l| l.contains(event)).unwrap_or_default();
        assert!(
            line.contains(r#""route":"/INTERSHOP/rest/{server}/{site}/{app}/"#),
            "{line}"
        );
    }
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret reached the log: {secret}");
    }
    for data in personal {
        let line = log.lines().find(|l| l.contains(data));
        assert!(line.is_none(), "personal data reached the log: {data} in {line:?}");
    }
}

fn log_has(captured: &LogCapture, needle: &str) -> bool {
    captured.text().contains(needle)
}
