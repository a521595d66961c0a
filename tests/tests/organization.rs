//! B2B organization reads the Intershop PWA makes after a business user logs in: the
//! company's role catalogue, the user (`users/-` or by login) and the user's roles with
//! their permissions. On every backend.

use clientele_tests::{databases, icm_company as company, TestServer, ICM};
use serde_json::json;

#[actix_web::test]
async fn a_business_user_reads_its_company_roles_and_its_own_user() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        assert_eq!(
            s.post_json(&format!("{ICM}/customers"), &company("B-1", "max@example.com"))
                .await
                .status,
            201
        );
        assert_eq!(
            s.post_json(&format!("{ICM}/customers"), &company("B-2", "eva@example.com"))
                .await
                .status,
            201
        );
        let token = s
            .icm_password_grant("max@example.com", "correct horse battery")
            .await
            .access_token();
        let auth = ("authentication-token", token.as_str());

        // The catalogue: fixed buyer role, each role with permission ids and names.
        let r = s.get(&format!("{ICM}/customers/-/roles"), &[auth]).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let roles = r.json()["userRoles"].as_array().unwrap().clone();
        let ids: Vec<_> = roles.iter().map(|r| r["roleID"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "APP_B2B_ACCOUNT_OWNER",
                "APP_B2B_BUYER",
                "APP_B2B_APPROVER",
                "APP_B2B_COSTCENTER_OWNER"
            ]
        );
        assert_eq!(roles[1]["fixed"], true);
        assert_eq!(roles[0]["permissions"][0]["permissionID"], "APP_B2B_MANAGE_USERS");
        assert!(roles[0]["permissions"][0]["permissionDisplayName"].is_string());

        // The company user, as `-` and by login (encoded twice, as the PWA does for ICM 7.10).
        for key in ["-", "max@example.com", "max%2540example.com"] {
            let r = s.get(&format!("{ICM}/customers/B-1/users/{key}"), &[auth]).await;
            assert_eq!(r.status, 200, "{backend} {key}: {}", r.text());
            assert_eq!(r.json()["login"], "max@example.com");
            assert_eq!(r.json()["firstName"], "Max");
            assert_eq!(r.json()["active"], true);
            assert_eq!(r.header("authentication-token"), Some(token.as_str()));
        }
        // The first user administers the company and buys.
        let r = s
            .get(&format!("{ICM}/customers/-/users/max%2540example.com/roles"), &[auth])
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let mine: Vec<_> = r.json()["userRoles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["roleID"].clone())
            .collect();
        assert_eq!(mine, [json!("APP_B2B_ACCOUNT_OWNER"), json!("APP_B2B_BUYER")]);

        // The user list: links with the login and attributes, paged.
        let r = s
            .get(&format!("{ICM}/customers/-/users?filter=MAX&sort=-name"), &[auth])
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let list = r.json();
        assert_eq!(
            (&list["total"], &list["offset"], &list["limit"], &list["amount"]),
            (&json!(1), &json!(0), &json!(50), &json!(1))
        );
        let first = &list["elements"][0];
        assert_eq!(first["login"], "max@example.com");
        assert_eq!(first["uri"], "demo/-/customers/-/users/max@example.com");
        let attribute = |name: &str| {
            first["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == name)
                .unwrap()["value"]
                .clone()
        };
        assert_eq!(attribute("firstName"), "Max");
        assert_eq!(attribute("active"), true);
        assert_eq!(attribute("roleIDs"), json!(["APP_B2B_ACCOUNT_OWNER", "APP_B2B_BUYER"]));
        let past = s
            .get(&format!("{ICM}/customers/-/users?offset=5&limit=100000"), &[auth])
            .await
            .json();
        assert_eq!(
            (&past["amount"], &past["total"], &past["limit"]),
            (&json!(0), &json!(1), &json!(500))
        );
        for bad in ["limit=0", "offset=-1", "limit=ten", "sort=age", "sort=--name"] {
            let r = s.get(&format!("{ICM}/customers/-/users?{bad}"), &[auth]).await;
            assert_eq!(r.status, 400, "{backend} {bad}: {}", r.text());
        }

        // Role changes: not the last administrator's role, not more for oneself.
        let roles_path = format!("{ICM}/customers/-/users/max%2540example.com/roles");
        for (roles, status) in [
            (json!(["APP_B2B_BUYER"]), 409),
            (json!(["APP_B2B_ACCOUNT_OWNER", "APP_B2B_APPROVER"]), 403),
            (json!(["NO_SUCH_ROLE"]), 400),
        ] {
            let r = s
                .send_json("PUT", &roles_path, &json!({"userRoles": roles}), &[auth])
                .await;
            assert_eq!(r.status, status, "{backend} {roles}: {}", r.text());
        }
        let r = s
            .send_json(
                "PUT",
                &roles_path,
                &json!({"userRoles": ["APP_B2B_ACCOUNT_OWNER"]}),
                &[auth],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        let now: Vec<_> = r.json()["userRoles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["roleID"].clone())
            .collect();
        assert_eq!(
            now,
            [json!("APP_B2B_ACCOUNT_OWNER"), json!("APP_B2B_BUYER")],
            "the buyer role is fixed"
        );
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/customers/-/users/eva@example.com/roles"),
                &json!({"userRoles": []}),
                &[auth],
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");

        // A company user's person data (the PWA sends the whole user back).
        let me = s.get(&format!("{ICM}/customers/-/users/-"), &[auth]).await.json();
        let mut body = me.clone();
        body["firstName"] = json!("Maximilian");
        body["phoneHome"] = json!("+49 30 1");
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/customers/-/users/max%2540example.com"),
                &body,
                &[auth],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["firstName"], "Maximilian");
        assert_eq!(r.json()["phoneHome"], "+49 30 1");
        assert_eq!(
            s.get(&format!("{ICM}/customers/-/users/-"), &[auth]).await.json()["firstName"],
            "Maximilian"
        );
        body["lastName"] = json!("");
        let r = s
            .send_json("PUT", &format!("{ICM}/customers/-/users/-"), &body, &[auth])
            .await;
        assert_eq!(
            (r.status, r.header("error-key")),
            (400, Some("customer.missing_fields.error")),
            "{backend}"
        );
        let r = s
            .send_json(
                "PUT",
                &format!("{ICM}/customers/-/users/-"),
                &me,
                &[auth, ("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(r.status, 412, "{backend}: {}", r.text());
        let r = s
            .send_json("PUT", &format!("{ICM}/customers/-/users/eva@example.com"), &me, &[auth])
            .await;
        assert_eq!(r.status, 404, "{backend}");

        // The only administrator cannot remove themself; nobody removes another company's user.
        let r = s
            .send("DELETE", &format!("{ICM}/customers/-/users/-"), &[auth], None)
            .await;
        assert_eq!(r.status, 409, "{backend}: {}", r.text());
        let r = s
            .send(
                "DELETE",
                &format!("{ICM}/customers/-/users/eva@example.com"),
                &[auth],
                None,
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");
        assert_eq!(s.get(&format!("{ICM}/customers/-/users/-"), &[auth]).await.status, 200);

        // Another company's user, another company, a private customer, no token.
        assert_eq!(
            s.get(&format!("{ICM}/customers/-/users/eva@example.com"), &[auth])
                .await
                .status,
            404
        );
        assert_eq!(
            s.get(&format!("{ICM}/customers/B-2/users/-"), &[auth]).await.status,
            404
        );
        assert_eq!(s.get(&format!("{ICM}/customers/B-2/roles"), &[auth]).await.status, 404);
        assert_eq!(s.get(&format!("{ICM}/customers/-/users/-"), &[]).await.status, 401);
        s.icm_register("anna@example.com", "P-1").await;
        let private = s
            .icm_password_grant("anna@example.com", "correct horse battery")
            .await
            .access_token();
        for path in ["users", "users/-", "users/-/roles", "roles"] {
            let r = s
                .get(
                    &format!("{ICM}/customers/-/{path}"),
                    &[("authentication-token", &private)],
                )
                .await;
            assert_eq!(r.status, 404, "{backend} {path}");
        }
        s.stop().await;
    }
}
