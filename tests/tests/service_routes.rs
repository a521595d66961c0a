//! Health, metrics, request ids, API documents, and unknown routes / methods answered in
//! the dialect of their path.

use clientele_tests::{databases, TestServer, ICM};

#[actix_web::test]
async fn health_metrics_and_request_ids() {
    for (backend, db) in databases() {
        let s = TestServer::start(backend, db).await;
        let r = s.get("/health/live", &[]).await;
        assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("up")));
        let r = s.get("/health/ready", &[("x-request-id", "trace-me-42")]).await;
        assert_eq!(r.status, 200, "{backend}");
        assert_eq!(r.json()["database"], "up");
        assert_eq!(r.header("x-request-id"), Some("trace-me-42"), "incoming id is echoed");
        let generated = s.get("/health/live", &[]).await;
        assert!(
            generated.header("x-request-id").is_some_and(|id| id.len() >= 16),
            "an id is generated"
        );

        s.icm_register("m@example.com", "M-1").await;
        let m = s.get("/metrics", &[]).await.text();
        assert!(
            m.contains(r#"clientele_http_requests_total{method="POST",route="/INTERSHOP/rest/{server}/{site}/{app}/privatecustomers",status="201"} 1"#),
            "{m}"
        );
        assert!(m.contains("clientele_http_request_duration_seconds_bucket"));
        assert!(m.contains(r#"clientele_db_pool{state="max_size"} 4"#), "{m}");
        s.stop().await;
    }
}

#[actix_web::test]
async fn openapi_documents_and_docs_page_are_served_without_internet() {
    let (backend, db) = databases().remove(0);
    let s = TestServer::start(backend, db).await;
    let icm = s.get("/openapi/icm.json", &[]).await.json();
    assert!(icm["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert!(icm["paths"]["/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers"]["post"].is_object());
    assert!(icm["components"]["schemas"]["PrivateCustomerRo"].is_object());
    let emporix = s.get("/openapi/emporix.json", &[]).await.json();
    assert!(emporix["paths"]["/customer/{tenant}/signup"]["post"].is_object());
    let address = &icm["paths"]
        ["/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/addresses/{CustomerAddressKey}"];
    for method in ["get", "put", "delete"] {
        assert!(address[method].is_object(), "ICM address {method}");
    }
    assert!(
        icm["paths"]["/INTERSHOP/rest/{serverGroup}/{site}/{app}/privatecustomers/{CustomerKey}"]["put"].is_object()
    );
    let payments = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}/payments";
    for method in ["get", "post", "options"] {
        assert!(icm["paths"][payments][method].is_object(), "ICM payments {method}");
    }
    for method in ["get", "put", "delete"] {
        assert!(
            icm["paths"][format!("{payments}/{{CustomerPaymentKey}}")][method].is_object(),
            "ICM payment {method}"
        );
    }
    let service = s.get("/openapi/service.json", &[]).await.json();
    for (path, method) in [
        ("/service/{tenant}/giftcards", "post"),
        ("/service/{tenant}/giftcards/{number}", "get"),
        ("/service/{tenant}/giftcards/{number}/entries", "post"),
    ] {
        assert!(service["paths"][path][method].is_object(), "service {method} {path}");
    }
    for (path, method) in [
        ("/customer/{tenant}/me", "patch"),
        ("/customer/{tenant}/me", "delete"),
        ("/customer/{tenant}/me/addresses", "post"),
        ("/customer/{tenant}/me/addresses/{addressId}", "patch"),
        ("/customer/{tenant}/me/addresses/{addressId}/tags", "delete"),
    ] {
        assert!(emporix["paths"][path][method].is_object(), "Emporix {method} {path}");
    }
    let b2b = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers/{CustomerKey}";
    for (path, method) in [
        ("/users", "post"),
        ("/users/{CustomerItemUserKey}/budgets", "put"),
        ("/users/{CustomerItemUserKey}/costcenters/{UserCostCenterKey}", "get"),
        ("/costcenters", "post"),
        ("/costcenters/{CostCenterKey}", "patch"),
        ("/costcenters/{CostCenterKey}/buyers/{CostCenterBuyerKey}", "delete"),
    ] {
        assert!(
            icm["paths"][format!("{b2b}{path}")][method].is_object(),
            "ICM {method} {path}"
        );
    }
    let admin = s.get("/openapi/icm-admin.json", &[]).await.json();
    let base = "/INTERSHOP/rest/{serverGroup}/{site}/{app}/customers";
    for (method, path) in [
        ("post", ""),
        ("get", "/{customerId}"),
        ("patch", "/{customerId}"),
        ("delete", "/{customerId}"),
        ("post", "/{customerId}/addresses"),
        ("patch", "/{customerId}/addresses/{addressId}"),
        ("post", "/{customerId}/users"),
        ("delete", "/{customerId}/users/{userId}"),
        ("get", "/{customerId}/attributes"),
        ("patch", "/{customerId}/attributes/{attributeId}"),
    ] {
        assert!(
            admin["paths"][format!("{base}{path}")][method].is_object(),
            "ICM 11 {method} {path}"
        );
    }
    let websale = s.get("/openapi/websale.json", &[]).await.json();
    let paths = websale["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 12, "{:?}", paths.keys().collect::<Vec<_>>());
    for (path, method) in [
        ("/admin/api/v1/customerAccounts", "get"),
        ("/admin/api/v1/customerAccounts", "post"),
        ("/admin/api/v1/customerAccounts/{accountId}", "put"),
        ("/admin/api/v1/customerAccounts/{accountId}/{kind}/{id}", "delete"),
        ("/admin/api/v1/customerDataDeleted", "get"),
        ("/admin/api/v1/bulk/customerAccounts/addresses", "post"),
    ] {
        assert!(paths[path][method].is_object(), "{path} {method}");
    }
    let service = s.get("/openapi/service.json", &[]).await.json();
    assert!(service["paths"]["/service/{tenant}/spending"]["post"].is_object());
    assert_eq!(s.get("/openapi/nothing.json", &[]).await.status, 404);
    let page = s.get("/docs", &[]).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    let html = page.text();
    assert!(
        html.contains("/openapi/") && !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );
    s.stop().await;
}

#[actix_web::test]
async fn unknown_routes_and_methods_answer_in_the_dialect_of_the_path() {
    let (backend, db) = databases().remove(0);
    let s = TestServer::start(backend, db).await;

    let r = s.get(&format!("{ICM}/no/such/thing"), &[]).await;
    assert_eq!(r.status, 404);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/plain")));
    let r = s.send("DELETE", &format!("{ICM}/privatecustomers"), &[], None).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.text(), "The method is not allowed for this resource.");

    let r = s.get("/customer/demo/nothing-here", &[]).await;
    assert_eq!((r.status, r.json()["type"].as_str()), (404, Some("resource_not_found")));
    let r = s.get("/customer/demo/signup", &[]).await;
    assert_eq!((r.status, r.json()["status"].as_u64()), (405, Some(405)));

    let admin = [("accept", "application/vnd.intershop.admin.customer.v1+json")];
    let r = s.get(&format!("{ICM}/admin/nothing"), &admin).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["errors"][0]["status"], "404");

    let r = s.get("/admin/api/v1/nothing", &[]).await;
    assert_eq!((r.status, r.json()["errorType"].as_str()), (404, Some("notFound")));
    let r = s.get("/rest/gdpr/nothing", &[]).await;
    assert_eq!((r.status, r.body.len()), (404, 0));
    let r = s.get("/nothing", &[]).await;
    assert_eq!((r.status, r.json()["status"].as_u64()), (404, Some(404)));
    s.stop().await;
}
