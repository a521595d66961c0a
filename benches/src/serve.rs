//! The bare actix-web server: two routes and nothing else (no middleware, no logging),
//! so its figures are a floor no real service on this machine can beat.

use std::net::SocketAddr;

use actix_web::{error, web, App, HttpResponse, HttpServer};

use crate::floor_db::FloorDb;

/// Serves until the process is stopped.
pub fn run(bind: SocketAddr, workers: usize, db: FloorDb) -> std::io::Result<()> {
    let db = web::Data::new(db);
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            App::new()
                .app_data(db.clone())
                .route("/hello", web::get().to(hello))
                .route("/pk/{id}", web::get().to(pk))
        })
        .workers(workers)
        .bind(bind)?
        .run(),
    )
}

async fn hello() -> &'static str {
    "hello"
}

/// One primary-key read on actix's blocking threads, as the actix + Diesel examples do.
async fn pk(db: web::Data<FloorDb>, id: web::Path<i64>) -> actix_web::Result<HttpResponse> {
    let id = id.into_inner();
    let item = web::block(move || db.item(id))
        .await?
        .map_err(error::ErrorInternalServerError)?;
    Ok(match item {
        Some(item) => HttpResponse::Ok().json(item),
        None => HttpResponse::NotFound().finish(),
    })
}
