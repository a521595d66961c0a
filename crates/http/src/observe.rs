//! Per-request observation: request id in and out, a tracing span (so every log line of
//! the request carries its id and route pattern), an access log line
//! and the Prometheus request metrics; reads count as foreground work, during which
//! password hashing holds back.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use crate::AppState;

/// Header carrying the request id, accepted from the caller and always returned.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let ok = !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| v.to_owned())
}

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// A read that carries no password (GET or HEAD without HTTP Basic credentials): cheap
/// work someone waits for, which password hashes running beside it would slow down.
fn is_plain_read(req: &ServiceRequest) -> bool {
    use actix_web::http::{header::AUTHORIZATION, Method};
    let basic = req.headers().get(AUTHORIZATION).is_some_and(|v| {
        v.as_bytes()
            .get(..6)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"basic "))
    });
    matches!(*req.method(), Method::GET | Method::HEAD) && !basic
}

/// The request's id, for handlers (audit records name the request).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let id = incoming_id(&req)
        .or_else(|| state.as_ref().map(|s| s.ids.public_id().to_string()))
        .unwrap_or_default();
    let method = req.method().to_string();
    actix_web::HttpMessage::extensions_mut(&req).insert(RequestId(id.clone()));
    // The route's pattern, never the path: paths and queries carry logins, e-mail
    // addresses and search terms, and log lines hold no personal data. Before routing,
    // naming the pattern matches the path against every route a second time; that is
    // paid only when the span is logged (at info level). After routing it is a look-up.
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = tracing::field::Empty);
    if !span.is_disabled() {
        span.record("route", req.match_pattern().as_deref().unwrap_or(UNMATCHED));
    }
    let foreground = state
        .as_ref()
        .filter(|_| is_plain_read(&req))
        .map(|s| s.foreground.enter());
    let mut res = next.call(req).instrument(span.clone()).await?;
    drop(foreground);

    let route = res.request().match_pattern();
    let route = route.as_deref().unwrap_or(UNMATCHED);
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(state) = &state {
        state.metrics.observe(&method, route, status, elapsed);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    span.in_scope(|| tracing::info!(status, elapsed_ms = elapsed.as_secs_f64() * 1e3, "request served"));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::AUTHORIZATION;
    use actix_web::test::TestRequest;

    use super::is_plain_read;

    #[test]
    fn reads_without_a_password_are_foreground_work() {
        let read = |r: TestRequest| is_plain_read(&r.to_srv_request());
        assert!(read(TestRequest::get()));
        assert!(read(TestRequest::default().method(actix_web::http::Method::HEAD)));
        assert!(read(TestRequest::get().insert_header((AUTHORIZATION, "Bearer abc"))));
        assert!(!read(TestRequest::get().insert_header((AUTHORIZATION, "Basic YTpi"))));
        assert!(!read(TestRequest::get().insert_header((AUTHORIZATION, "basic YTpi"))));
        assert!(!read(TestRequest::post()));
        assert!(!read(TestRequest::patch()));
    }
}
