//! Emporix admin customers on every backend: `q` operators, sorting with ties, paging
//! past the end, `expand`, PATCH, DELETE 202, and the scopes.

use clientele_tests::{databases, icm_private_customer, Reply, TestServer, ICM};
use serde_json::{json, Value};

async fn register(s: &TestServer, number: &str, first: &str, last: &str, email: &str) {
    let mut body = icm_private_customer(email, number);
    body["firstName"] = json!(first);
    body["lastName"] = json!(last);
    let r = s.post_json(&format!("{ICM}/privatecustomers"), &body).await;
    assert_eq!(r.status, 201, "{}: {}", s.backend, r.text());
}

async fn bearer(s: &TestServer, scopes: &[&str], tenant: &str) -> String {
    let (id, secret) = s.api_client(tenant, scopes).await;
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

fn numbers(r: &Reply) -> Vec<String> {
    r.json()
        .as_array()
        .unwrap_or_else(|| panic!("no list: {}", r.text()))
        .iter()
        .map(|c| c["customerNumber"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn back_offices_search_sort_page_change_and_delete_customers() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        register(&s, "C-1", "Anna", "Miller", "anna.miller@example.com").await;
        register(&s, "C-2", "Bob", "Miller", "Bob.Miller@Example.com").await;
        register(&s, "C-3", "Carla", "Adams", "carla@example.org").await;
        register(&s, "C-4", "Dora", "Zimmer", "dora@example.org").await;
        let auth = bearer(&s, &["customer.customer_read", "customer.customer_manage"], "demo").await;
        let get = |path: String| {
            let (s, auth) = (&s, auth.clone());
            async move { s.get(&path, &[("authorization", &auth)]).await }
        };
        let list = |query: &str| get(format!("/customer/demo/customers?{query}"));

        let r = list("").await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.header("count"), Some("4"));
        assert_eq!(
            numbers(&r),
            ["C-1", "C-2", "C-3", "C-4"],
            "{backend}: default order is creation"
        );
        let first = &r.json()[0];
        assert_eq!(first["email"], "anna.miller@example.com");
        assert_eq!(first["active"], true);
        assert_eq!(first["onHold"], false);
        assert!(first.get("mixins").is_none(), "{backend}: mixins only with expand");
        assert!(first.get("addresses").is_none(), "{backend}");

        // Exact (case-insensitive), substring, lists, dates, flags, AND of several.
        for (q, expected) in [
            ("lastName:miller", vec!["C-1", "C-2"]),
            ("contactEmail:bob.miller@example.com", vec!["C-2"]),
            ("email:BOB.MILLER@EXAMPLE.COM", vec!["C-2"]),
            ("firstName:~AR", vec!["C-3"]),
            ("contactEmail:~example.org", vec!["C-3", "C-4"]),
            ("customerNumber:(C-4,C-1)", vec!["C-1", "C-4"]),
            ("customerNumber:C-3", vec!["C-3"]),
            ("lastName:Miller firstName:Bob", vec!["C-2"]),
            (
                "metadata.createdAt:(>=2000-01-01 AND <2999-01-01)",
                vec!["C-1", "C-2", "C-3", "C-4"],
            ),
            ("metadata.createdAt:<2000-01-01", vec![]),
            ("onHold:false businessModel:B2C", vec!["C-1", "C-2", "C-3", "C-4"]),
            ("lastName:\"Mill er\"", vec![]),
        ] {
            let r = list(&format!("q={}", urlencode(q))).await;
            assert_eq!(r.status, 200, "{backend}: {q}: {}", r.text());
            assert_eq!(numbers(&r), expected, "{backend}: {q}");
            assert_eq!(
                r.header("count"),
                Some(expected.len().to_string().as_str()),
                "{backend}: {q}"
            );
        }
        let r = s
            .send_json(
                "POST",
                "/customer/demo/customers/search?sort=firstName:desc",
                &json!({"q": "lastName:Miller"}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(numbers(&r), ["C-2", "C-1"], "{backend}: search with q in the body");

        // Sorting with ties (the number breaks them), descending, paging past the end.
        let r = list("sort=lastName:desc").await;
        assert_eq!(numbers(&r), ["C-4", "C-1", "C-2", "C-3"], "{backend}");
        let r = list("sort=lastName:asc,firstName:desc").await;
        assert_eq!(numbers(&r), ["C-3", "C-2", "C-1", "C-4"], "{backend}");
        let r = list("sort=lastName&pageSize=3&pageNumber=2").await;
        assert_eq!(numbers(&r), ["C-4"], "{backend}");
        assert_eq!(r.header("count"), Some("4"));
        let r = list("pageSize=3&pageNumber=9").await;
        assert_eq!((r.status, r.json()), (200, json!([])), "{backend}: past the end");
        assert_eq!(r.header("count"), Some("4"));

        // Bad input: 400 naming the parameter and what is wrong.
        for (query, field, says) in [
            ("q=password:x", "q", "cannot be searched"),
            ("q=active:maybe", "q", "true or false"),
            ("q=metadata.createdAt:>soon", "q", "no date"),
            ("sort=password", "sort", "cannot be sorted"),
            ("pageSize=0", "pageSize", "from 1"),
            ("pageNumber=x", "pageNumber", "from 1"),
            ("pageSize=5000", "pageSize", "at most 1000"),
        ] {
            let r = list(&query.replace('>', "%3E")).await;
            assert_eq!(r.status, 400, "{backend}: {query}: {}", r.text());
            let detail = &r.json()["details"][0];
            assert_eq!(detail["field"], field, "{backend}: {query}");
            assert!(
                detail["message"].as_str().unwrap().contains(says),
                "{backend}: {query}: {detail}"
            );
        }

        // One customer, with addresses and mixins expanded.
        let r = get("/customer/demo/customers/C-1?expand=addresses,mixin:*".into()).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["addresses"][0]["city"], "Berlin");
        assert_eq!(r.json()["mixins"], json!({}));
        let r = get("/customer/demo/customers/C-9".into()).await;
        assert_eq!(
            (r.status, r.json()["type"].clone()),
            (404, json!("resource_not_found")),
            "{backend}"
        );

        // PATCH: profile fields, activation and hold.
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/C-1",
                &json!({"lastName": "Miller-Smith", "onHold": true, "mixins": {"tier": "gold"}}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.text());
        assert_eq!(r.json()["lastName"], "Miller-Smith");
        assert_eq!(r.json()["firstName"], "Anna");
        assert_eq!(r.json()["onHold"], true);
        assert_eq!(r.json()["mixins"]["tier"], "gold");
        let r = list("q=onHold:true").await;
        assert_eq!(numbers(&r), ["C-1"], "{backend}");
        let r = s
            .icm_password_grant("anna.miller@example.com", "correct horse battery")
            .await;
        assert_eq!(r.status, 401, "{backend}: a customer on hold cannot log in");
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/C-2",
                &json!({"active": "no"}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        let r = s
            .send_json(
                "PATCH",
                "/customer/demo/customers/C-2",
                &json!({"contactEmail": "not-an-email"}),
                &[("authorization", &auth)],
            )
            .await;
        assert_eq!(r.status, 400, "{backend}: {}", r.text());
        assert_eq!(r.json()["details"][0]["field"], "contactEmail");

        // DELETE: 202, then gone from reads and lists.
        let r = s
            .send(
                "DELETE",
                "/customer/demo/customers/C-2",
                &[("authorization", &auth)],
                None,
            )
            .await;
        assert_eq!(r.status, 202, "{backend}: {}", r.text());
        assert_eq!(
            get("/customer/demo/customers/C-2".into()).await.status,
            404,
            "{backend}"
        );
        assert_eq!(list("").await.header("count"), Some("3"), "{backend}");
        let r = s
            .send(
                "DELETE",
                "/customer/demo/customers/C-2",
                &[("authorization", &auth)],
                None,
            )
            .await;
        assert_eq!(r.status, 404, "{backend}");
        s.stop().await;
    }
}

#[actix_web::test]
async fn every_emporix_admin_route_needs_an_api_client_of_the_tenant_with_the_scope() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        s.store_tenant("other").await;
        register(&s, "C-1", "Anna", "Miller", "anna@example.com").await;
        register(&s, "C-2", "Bob", "Miller", "bob@example.com").await;
        let read = bearer(&s, &["customer.customer_read"], "demo").await;
        let manage = bearer(&s, &["customer.customer_manage"], "demo").await;
        let foreign = bearer(&s, &["customer.customer_read", "customer.customer_manage"], "other").await;
        let storefront = format!(
            "Bearer {}",
            s.icm_password_grant("anna@example.com", "correct horse battery")
                .await
                .access_token()
        );
        let routes: [(&str, &str, Option<Value>); 5] = [
            ("GET", "/customer/demo/customers", None),
            (
                "POST",
                "/customer/demo/customers/search",
                Some(json!({"q": "lastName:Miller"})),
            ),
            ("GET", "/customer/demo/customers/C-1", None),
            (
                "PATCH",
                "/customer/demo/customers/C-1",
                Some(json!({"firstName": "Anne"})),
            ),
            ("DELETE", "/customer/demo/customers/C-2", None),
        ];
        for (method, path, body) in routes {
            let reads = matches!(method, "GET") || path.ends_with("/search");
            for (who, auth, expected) in [
                ("no token", None, 401),
                ("storefront token", Some(&storefront), 401),
                ("another tenant's client", Some(&foreign), 401),
                ("wrong scope", Some(if reads { &manage } else { &read }), 403),
                ("right scope", Some(if reads { &read } else { &manage }), 0),
            ] {
                let mut headers = vec![];
                if let Some(a) = auth {
                    headers.push(("authorization", a.as_str()));
                }
                let r = match &body {
                    Some(b) => s.send_json(method, path, b, &headers).await,
                    None => s.send(method, path, &headers, None).await,
                };
                if expected == 0 {
                    assert!(
                        matches!(r.status, 200 | 202),
                        "{backend}: {method} {path} as {who}: {}",
                        r.text()
                    );
                } else {
                    assert_eq!(r.status, expected, "{backend}: {method} {path} as {who}: {}", r.text());
                    assert!(r.json()["type"].is_string(), "{backend}: Emporix error shape");
                }
            }
        }
        s.stop().await;
    }
}

fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
