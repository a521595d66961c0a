//! Per-request observation: request id in and out, a tracing span (so every log line of
//! the request carries its id and route pattern), an access log line
//! and the Prometheus request metrics.

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
    let mut res = next.call(req).instrument(span.clone()).await?;

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
