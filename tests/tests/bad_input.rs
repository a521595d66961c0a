//! Every input that can be wrong gets a clear error in its dialect's shape, and nothing
//! is written.

use clientele_domain::tenants::{TenantName, TenantRepository};
use clientele_domain::users::UserRepository;
use clientele_domain::values::Login;
use clientele_tests::{databases, emporix_signup, icm_private_customer, TestServer, ICM};
use serde_json::{json, Value};

fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    match value {
        Value::Null => {
            target.as_object_mut().unwrap().remove(key);
        }
        v => target[key] = v,
    }
    body
}

async fn nobody_stored(s: &TestServer, login: &str) -> bool {
    let tenant = s
        .store
        .by_name(&TenantName::parse("demo").unwrap())
        .await
        .unwrap()
        .unwrap();
    s.store
        .by_login(tenant.id, &Login::parse(login).unwrap())
        .await
        .unwrap()
        .is_none()
}

#[actix_web::test]
async fn icm_registration_errors_carry_the_documented_error_keys() {
    let good = icm_private_customer("eve@example.com", "E-1");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "no credentials",
            with(good.clone(), "/credentials", Value::Null),
            "customer.credentials.missing_fields.error",
        ),
        (
            "no password",
            with(good.clone(), "/credentials/password", Value::Null),
            "customer.credentials.missing_fields.error",
        ),
        (
            "login with space",
            with(good.clone(), "/credentials/login", json!("eve smith")),
            "customer.credentials.login.not_acceptable.error",
        ),
        (
            "short password",
            with(good.clone(), "/credentials/password", json!("short")),
            "customer.credentials.password.invalid.error",
        ),
        (
            "common password",
            with(good.clone(), "/credentials/password", json!("Password123")),
            "customer.credentials.password.invalid.error",
        ),
        (
            "no last name",
            with(good.clone(), "/lastName", Value::Null),
            "customer.missing_fields.error",
        ),
        (
            "invalid email",
            with(good.clone(), "/email", json!("eve@@example")),
            "customer.invalid_fields.error",
        ),
        (
            "wrong type",
            with(good.clone(), "/firstName", json!(42)),
            "customer.invalid_fields.error",
        ),
        (
            "bad birthday",
            with(good.clone(), "/birthday", json!("next tuesday")),
            "customer.invalid_fields.error",
        ),
        (
            "oversized name",
            with(good.clone(), "/firstName", json!("x".repeat(300))),
            "customer.invalid_fields.error",
        ),
        (
            "unknown country",
            with(good.clone(), "/address/countryCode", json!("XX")),
            "customer.invalid_fields.error",
        ),
        (
            "no street",
            with(good.clone(), "/address/addressLine1", Value::Null),
            "customer.address.missing_fields.error",
        ),
        (
            "no country",
            with(good.clone(), "/address/countryCode", Value::Null),
            "customer.address.missing_fields.error",
        ),
        (
            "business type on privatecustomers",
            with(good.clone(), "/type", json!("SMBCustomer")),
            "customer.invalid_fields.error",
        ),
    ];
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        for (case, body, key) in &cases {
            let r = s.post_json(&format!("{ICM}/privatecustomers"), body).await;
            assert_eq!(r.status, 400, "{backend} {case}: {}", r.text());
            assert_eq!(r.header("error-key"), Some(*key), "{backend} {case}: {}", r.text());
            assert!(!r.text().is_empty(), "{case}: a message explains the error");
            assert!(
                nobody_stored(&s, "eve@example.com").await,
                "{backend} {case}: nothing written"
            );
        }
        // Duplicates: login (any case) and customer number.
        assert_eq!(s.post_json(&format!("{ICM}/privatecustomers"), &good).await.status, 201);
        let again = with(good.clone(), "/credentials/login", json!("EVE@example.com"));
        let r = s
            .post_json(
                &format!("{ICM}/privatecustomers"),
                &with(again, "/customerNo", json!("E-2")),
            )
            .await;
        assert_eq!(
            r.header("error-key"),
            Some("customer.credentials.login.not_unique.error"),
            "{backend}"
        );
        let other = icm_private_customer("other@example.com", "E-1");
        let r = s.post_json(&format!("{ICM}/privatecustomers"), &other).await;
        assert_eq!(
            r.header("error-key"),
            Some("customer.customerno.already_exists.error"),
            "{backend}"
        );
        assert!(nobody_stored(&s, "other@example.com").await);
        s.stop().await;
    }
}

#[actix_web::test]
async fn emporix_signup_errors_are_error_messages_with_details() {
    let good = emporix_signup("eve@example.com");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "no email",
            with(good.clone(), "/email", Value::Null),
            "email",
            "missing_value",
        ),
        (
            "invalid email",
            with(good.clone(), "/email", json!("eve.example.com")),
            "email",
            "invalid_value",
        ),
        (
            "weak password",
            with(good.clone(), "/password", json!("12345678")),
            "password",
            "invalid_value",
        ),
        (
            "other contact email",
            with(good.clone(), "/customerDetails/contactEmail", json!("x@example.com")),
            "customerDetails.contactEmail",
            "invalid_value",
        ),
        (
            "unknown country",
            with(good.clone(), "/customerAddress/country", json!("XX")),
            "customerAddress.country",
            "invalid_value",
        ),
        (
            "bad currency",
            with(good.clone(), "/customerDetails/preferredCurrency", json!("EURO")),
            "customerDetails.preferredCurrency",
            "invalid_value",
        ),
        (
            "wrong type",
            with(good.clone(), "/customerAddress/tags", json!("BILLING")),
            "customerAddress.tags",
            "invalid_type",
        ),
    ];
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        for (case, body, field, kind) in &cases {
            let r = s.emporix_signup(body).await;
            assert_eq!(r.status, 400, "{backend} {case}: {}", r.text());
            let e = r.json();
            assert_eq!(
                (e["status"].as_u64(), e["type"].as_str()),
                (Some(400), Some("bad_request")),
                "{case}"
            );
            assert_eq!(e["details"][0]["field"], *field, "{backend} {case}: {e}");
            assert_eq!(e["details"][0]["type"], *kind, "{backend} {case}: {e}");
            assert!(
                nobody_stored(&s, "eve@example.com").await,
                "{backend} {case}: nothing written"
            );
        }
        s.stop().await;
    }
}

#[actix_web::test]
async fn malformed_bodies_wrong_media_types_and_oversized_bodies() {
    let (backend, db) = databases().remove(0);
    let s = TestServer::start(backend, db).await;
    let icm = format!("{ICM}/privatecustomers");
    let json_ct = [("content-type", "application/json")];

    let r = s.send("POST", &icm, &json_ct, Some(b"{not json")).await;
    assert_eq!(
        (r.status, r.header("error-key")),
        (400, Some("customer.invalid_fields.error"))
    );
    assert!(
        r.text().starts_with("The request body is not valid JSON"),
        "{}",
        r.text()
    );
    let bearer = s.anonymous_bearer().await;
    let json_auth = [("content-type", "application/json"), ("authorization", bearer.as_str())];
    let r = s.send("POST", "/customer/demo/signup", &json_auth, Some(b"[1,")).await;
    assert_eq!((r.status, r.json()["type"].as_str()), (400, Some("bad_request")));

    let form = [("content-type", "application/x-www-form-urlencoded")];
    let r = s.send("POST", &icm, &form, Some(b"a=b")).await;
    assert_eq!(r.status, 415);
    assert_eq!(r.header("error-key"), None);
    let form_auth = [form[0], ("authorization", bearer.as_str())];
    let r = s.send("POST", "/customer/demo/signup", &form_auth, Some(b"a=b")).await;
    assert_eq!(
        (r.status, r.json()["type"].as_str()),
        (415, Some("unsupported_media_type"))
    );

    let huge = serde_json::to_vec(&json!({"email": "x".repeat(300 * 1024)})).unwrap();
    let r = s.send("POST", "/customer/demo/signup", &json_auth, Some(&huge)).await;
    assert_eq!((r.status, r.json()["type"].as_str()), (413, Some("payload_too_large")));
    let r = s.send("POST", &icm, &json_ct, Some(&huge)).await;
    assert_eq!(r.status, 413);
    assert!(r.text().contains("exceeds"), "{}", r.text());
    s.stop().await;
}
