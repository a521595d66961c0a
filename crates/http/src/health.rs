//! Liveness, readiness (checks the database) and the metrics endpoint.

use actix_web::{web, HttpResponse};
use async_trait::async_trait;

use crate::AppState;

/// Database pool figures for the metrics endpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolGauges {
    pub connections: i64,
    pub idle: i64,
    pub max_size: i64,
    pub busy_jobs: i64,
}

/// What readiness checks (the store, in production).
#[async_trait]
pub trait Readiness: Send + Sync {
    /// Ok when the service can serve requests.
    async fn check(&self) -> Result<(), String>;
    /// Current pool figures.
    fn pool_gauges(&self) -> PoolGauges;
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready))
        .route("/metrics", web::get().to(crate::metrics::metrics));
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "up" }))
}

async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.readiness.check().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "up", "database": "up" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "down", "database": "down" }))
        }
    }
}
