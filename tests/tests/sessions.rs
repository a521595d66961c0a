//! Tokens end to end: ICM `token` grants, `authentication-token` / Bearer / Basic on
//! profile reads, logout, refresh rotation and reuse detection; Emporix anonymous and
//! customer tokens. On every backend.

use clientele_tests::{basic, databases, emporix_signup, icm_private_customer, TestServer, ICM};
use serde_json::json;

#[actix_web::test]
async fn icm_password_grant_token_opens_the_profile_until_logout() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.icm_register("anna@example.com", "T-1").await;

        let r = s.icm_token_form("grant_type=password&username=anna%40example.com&password=correct+horse+battery&scope=openid+profile&client_id=", &[]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let t = r.json();
        assert_eq!(t["token_type"], "user");
        assert!(
            t["expires_in"].as_i64().is_some_and(|e| (1700..=1800).contains(&e)),
            "{t}"
        );
        assert!(t["refresh_expires_in"].as_i64() > t["expires_in"].as_i64());
        let access = t["access_token"].as_str().unwrap().to_owned();
        assert!(access.len() >= 40);

        // Both header forms work and the token comes back in `authentication-token`.
        for (name, value) in [
            ("authentication-token", access.clone()),
            ("authorization", format!("Bearer {access}")),
        ] {
            let r = s.get(&format!("{ICM}/customers/-"), &[(name, &value)]).await;
            assert_eq!(r.status, 200, "{backend} {name}: {}", r.text());
            assert_eq!(r.json()["customerNo"], "T-1");
            assert_eq!(r.header("authentication-token"), Some(access.as_str()));
        }

        // Basic creates a token implicitly.
        let r = s
            .get(
                &format!("{ICM}/customers/-"),
                &[("authorization", &basic("anna@example.com", "correct horse battery"))],
            )
            .await;
        assert_eq!(r.status, 200);
        let implicit = r.header("authentication-token").expect("implicit token").to_owned();
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", &implicit)])
                .await
                .status,
            200
        );

        // Logout revokes at once; the PWA recognises the 401 body as a dead token.
        let r = s
            .send(
                "PUT",
                &format!("{ICM}/token/logout"),
                &[("authentication-token", &access)],
                Some(b"{}"),
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let r = s
            .get(&format!("{ICM}/customers/-"), &[("authentication-token", &access)])
            .await;
        assert_eq!(r.status, 401, "{backend}");
        assert!(r.text().contains("AuthenticationToken"), "{}", r.text());
        let r = s
            .send(
                "PUT",
                &format!("{ICM}/logout"),
                &[("authentication-token", &implicit)],
                None,
            )
            .await;
        assert_eq!(r.status, 204);
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", &implicit)])
                .await
                .status,
            401
        );
        assert_eq!(
            s.send(
                "PUT",
                &format!("{ICM}/logout"),
                &[("authentication-token", &implicit)],
                None
            )
            .await
            .status,
            401
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn icm_grants_and_their_errors() {
    let (backend, db) = databases().remove(0);
    let s = TestServer::start(backend, db).await;
    s.icm_register("anna@example.com", "T-1").await;

    // Anonymous: explicit, or an empty POST.
    for form in ["grant_type=anonymous", ""] {
        let r = s.icm_token_form(form, &[]).await;
        assert_eq!(r.status, 200, "{form}: {}", r.text());
        let anon = r.access_token();
        // An anonymous token opens no customer data.
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", &anon)])
                .await
                .status,
            401
        );
    }
    // client_credentials takes the user's Basic credentials.
    let r = s
        .icm_token_form(
            "grant_type=client_credentials&organization=x",
            &[("authorization", &basic("anna@example.com", "correct horse battery"))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    assert_eq!(
        s.icm_password_grant("anna@example.com", "wrong password").await.status,
        401
    );
    assert_eq!(s.icm_password_grant("nobody@example.com", "whatever").await.status, 401);
    assert_eq!(
        s.icm_token_form("grant_type=password&username=anna%40example.com", &[])
            .await
            .status,
        400
    );
    assert_eq!(s.icm_token_form("grant_type=client_credentials", &[]).await.status, 400);
    assert_eq!(s.icm_token_form("grant_type=magic", &[]).await.status, 400);
    assert_eq!(s.icm_token_form("grant_type=refresh_token", &[]).await.status, 400);
    assert_eq!(
        s.icm_token_form("grant_type=refresh_token&refresh_token=forged", &[])
            .await
            .status,
        400
    );
    let r = s
        .send(
            "POST",
            &format!("{ICM}/token"),
            &[("content-type", "application/json")],
            Some(b"{\"grant_type\":\"anonymous\"}"),
        )
        .await;
    assert_eq!(r.status, 415);
    // A token of one tenant is useless on another.
    s.store_tenant("other").await;
    let r = s.icm_password_grant("anna@example.com", "correct horse battery").await;
    let access = r.access_token();
    let r = s
        .get(
            "/INTERSHOP/rest/WFS/other/-/customers/-",
            &[("authentication-token", &access)],
        )
        .await;
    assert_eq!(r.status, 401);
    s.stop().await;
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_a_replayed_one_revokes_the_login() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.icm_register("anna@example.com", "T-1").await;
        let first = s
            .icm_password_grant("anna@example.com", "correct horse battery")
            .await
            .json();
        let refresh1 = first["refresh_token"].as_str().unwrap();
        let second = s
            .icm_token_form(&format!("grant_type=refresh_token&refresh_token={refresh1}"), &[])
            .await;
        assert_eq!(second.status, 200, "{backend}: {}", second.text());
        let second = second.json();
        let access2 = second["access_token"].as_str().unwrap();
        assert_ne!(access2, first["access_token"].as_str().unwrap());
        // The old access token is spent with its refresh token; the new one works.
        let old = first["access_token"].as_str().unwrap();
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", old)])
                .await
                .status,
            401
        );
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", access2)])
                .await
                .status,
            200
        );

        // Replaying the first refresh token revokes the whole family, the new tokens too.
        assert_eq!(
            s.icm_token_form(&format!("grant_type=refresh_token&refresh_token={refresh1}"), &[])
                .await
                .status,
            400
        );
        assert_eq!(
            s.get(&format!("{ICM}/customers/-"), &[("authentication-token", access2)])
                .await
                .status,
            401,
            "{backend}"
        );
        let refresh2 = second["refresh_token"].as_str().unwrap();
        assert_eq!(
            s.icm_token_form(&format!("grant_type=refresh_token&refresh_token={refresh2}"), &[])
                .await
                .status,
            400
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn emporix_anonymous_and_customer_tokens() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        // Sign-up and login need an anonymous token.
        let r = s
            .post_json("/customer/demo/signup", &emporix_signup("john@example.com"))
            .await;
        assert_eq!(r.status, 401, "{backend}");
        assert_eq!(r.json()["fault"]["detail"]["errorcode"], "oauth.v2.InvalidAccessToken");
        assert_eq!(s.emporix_signup(&emporix_signup("john@example.com")).await.status, 201);

        let r = s
            .get("/customerlogin/auth/anonymous/login?tenant=demo&client_id=sf", &[])
            .await;
        let anon = r.json();
        assert_eq!(
            (anon["token_type"].as_str(), anon["scope"].as_str()),
            (Some("Bearer"), Some("tenant=demo"))
        );
        assert!(anon["sessionId"].is_string() && anon["refresh_token_expires_in"].is_i64());
        let bearer = format!("Bearer {}", anon["access_token"].as_str().unwrap());
        assert_eq!(
            s.get("/customerlogin/auth/anonymous/login?tenant=demo", &[])
                .await
                .status,
            400,
            "client_id is required"
        );

        let login = |password: &'static str| {
            let (s, bearer) = (&s, &bearer);
            async move {
                s.post_json_with(
                    "/customer/demo/login",
                    &json!({"email": "john@example.com", "password": password}),
                    &[("authorization", bearer)],
                )
                .await
            }
        };
        assert_eq!(login("wrong password").await.status, 401);
        let r = login("another good passphrase").await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let t = r.json();
        for field in ["access_token", "saas_token", "refresh_token", "session_id"] {
            assert!(t[field].is_string(), "{field}: {t}");
        }
        assert_eq!(t["token_type"], "Bearer");
        assert_eq!(t["initialPassword"], false);
        let customer = format!("Bearer {}", t["access_token"].as_str().unwrap());

        let r = s
            .get("/customer/demo/validateauthtoken", &[("authorization", &customer)])
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["sessionId"], t["session_id"]);
        assert_eq!(
            s.get("/customer/demo/validateauthtoken", &[("authorization", &bearer)])
                .await
                .status,
            401,
            "anonymous is not a customer"
        );

        // The Emporix token opens the ICM profile of the same customer.
        let r = s
            .get(&format!("{ICM}/customers/-"), &[("authorization", &customer)])
            .await;
        assert_eq!((r.status, r.json()["lastName"].as_str()), (200, Some("Doe")));

        let refresh = t["refresh_token"].as_str().unwrap();
        let r = s
            .get(
                &format!("/customer/demo/refreshauthtoken?refreshToken={refresh}"),
                &[("authorization", &customer)],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let renewed = format!("Bearer {}", r.json()["access_token"].as_str().unwrap());
        assert_eq!(
            s.get("/customer/demo/validateauthtoken", &[("authorization", &customer)])
                .await
                .status,
            401,
            "rotated"
        );

        let token = renewed.trim_start_matches("Bearer ");
        let r = s
            .get(
                &format!("/customer/demo/logout?accessToken={token}"),
                &[("authorization", &renewed)],
            )
            .await;
        assert_eq!(r.status, 204);
        assert_eq!(
            s.get("/customer/demo/validateauthtoken", &[("authorization", &renewed)])
                .await
                .status,
            401
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn fifty_parallel_wrong_passwords_lock_the_account_without_errors() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.icm_register("anna@example.com", "L-1").await;
        let wrong = "grant_type=password&username=anna%40example.com&password=not+the+password";
        let replies = futures_util::future::join_all((0..50).map(|_| s.icm_token_form(wrong, &[]))).await;
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert!(statuses.iter().all(|s| *s == 401), "{backend}: {statuses:?}");
        // Locked now: even the right password is refused, with the same answer.
        let right = "grant_type=password&username=anna%40example.com&password=correct+horse+battery";
        let r = s.icm_token_form(right, &[]).await;
        assert_eq!(r.status, 401, "{backend}: locked account");
        assert_eq!(r.text(), replies[0].text(), "a lock looks like a wrong password");
        let unknown = s.icm_password_grant("nobody@example.com", "x").await;
        assert_eq!(
            (unknown.status, unknown.text()),
            (401, r.text()),
            "unknown login looks the same"
        );
        s.stop().await;
    }
}

#[actix_web::test]
async fn too_many_attempts_from_one_client_answer_429_with_retry_after() {
    let (backend, db) = databases().remove(0);
    let s = TestServer::start_with(backend, db, |settings| settings.security.auth_attempts_per_minute = 3).await;
    let wrong = "grant_type=password&username=a%40example.com&password=whatever+it+is";
    for _ in 0..3 {
        assert_eq!(s.icm_token_form(wrong, &[]).await.status, 401);
    }
    // The budget is shared by every credential-checking route of every dialect.
    let r = s.icm_token_form(wrong, &[]).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r
        .header("retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|secs| (1..=20).contains(&secs)));
    let r = s
        .post_json(
            &format!("{ICM}/privatecustomers"),
            &icm_private_customer("b@example.com", "B-1"),
        )
        .await;
    assert_eq!(r.status, 429);
    let r = s.emporix_signup(&emporix_signup("c@example.com")).await;
    assert_eq!((r.status, r.json()["type"].as_str()), (429, Some("too_many_requests")));
    assert!(r.header("retry-after").is_some());
    s.stop().await;
}

#[actix_web::test]
async fn a_token_from_one_instance_is_accepted_and_revoked_on_another() {
    for (backend, db) in databases() {
        let a = TestServer::start(backend, db).await;
        let b = a.second_instance().await;
        a.icm_register("anna@example.com", "M-1").await;
        let r = a.icm_password_grant("anna@example.com", "correct horse battery").await;
        let access = r.access_token();
        let on_b = b
            .get(&format!("{ICM}/customers/-"), &[("authentication-token", &access)])
            .await;
        assert_eq!(on_b.status, 200, "{backend}: instance B accepts A's token");
        let r = b
            .send(
                "PUT",
                &format!("{ICM}/token/logout"),
                &[("authentication-token", &access)],
                None,
            )
            .await;
        assert_eq!(r.status, 204);
        let on_a = a
            .get(&format!("{ICM}/customers/-"), &[("authentication-token", &access)])
            .await;
        assert_eq!(on_a.status, 401, "{backend}: a logout on B holds on A at once");
        b.stop().await;
        a.stop().await;
    }
}

/// Instance A remembers a login (and skips reading the user the next time); a password
/// change and a lockout made on instance B count on A at once.
#[actix_web::test]
async fn a_login_remembered_on_one_instance_follows_changes_made_on_another() {
    for (backend, db) in databases() {
        let a = TestServer::start(backend, db).await;
        let b = a.second_instance().await;
        a.icm_register("anna@example.com", "R-1").await;
        for _ in 0..2 {
            let r = a.icm_password_grant("anna@example.com", "correct horse battery").await;
            assert_eq!(r.status, 200, "{backend}: {}", r.text());
        }
        let token = b
            .icm_password_grant("anna@example.com", "correct horse battery")
            .await
            .access_token();
        let r = b
            .send_json(
                "PUT",
                &format!("{ICM}/privatecustomers/-/credentials/password"),
                &serde_json::json!({"password": "a brand new secret", "currentPassword": "correct horse battery"}),
                &[("authentication-token", &token)],
            )
            .await;
        assert_eq!(r.status, 204, "{backend}: {}", r.text());
        let old = a.icm_password_grant("anna@example.com", "correct horse battery").await;
        assert_eq!(old.status, 401, "{backend}: the old password, remembered on A");
        let new = a.icm_password_grant("anna@example.com", "a brand new secret").await;
        assert_eq!(new.status, 200, "{backend}: the new password on A");

        // Locked on B by wrong passwords: A refuses the right one, as B does.
        for _ in 0..5 {
            assert_eq!(
                b.icm_password_grant("anna@example.com", "wrong guess").await.status,
                401
            );
        }
        let r = a.icm_password_grant("anna@example.com", "a brand new secret").await;
        assert_eq!(r.status, 401, "{backend}: locked on B, refused on A");
        b.stop().await;
        a.stop().await;
    }
}
