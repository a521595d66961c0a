//! `clientele-floor`: the floors the product's throughput is compared against.
//!
//! - `serve`: bare actix-web with `GET /hello` and a Diesel primary-key read
//!   `GET /pk/{id}`, the way the actix examples do it (r2d2 pool + `web::block`).
//! - `argon2`: the raw argon2id hash and verify rate of the product's own hasher,
//!   on plain OS threads.
//!
//! Not part of the product; built by `just bench` only.

mod argon2_rate;
mod floor_db;
mod serve;

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(
    name = "clientele-floor",
    about = "Benchmark floors for clientele (not part of the product)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GET /hello and GET /pk/{id} with bare actix-web + Diesel.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: SocketAddr,
        /// `postgres://…` or `sqlite://PATH`.
        #[arg(long)]
        database_url: String,
        /// actix worker threads [default: number of cores].
        #[arg(long)]
        workers: Option<NonZeroUsize>,
        /// r2d2 pool size [default: 2 × number of cores].
        #[arg(long)]
        pool_size: Option<NonZeroUsize>,
    },
    /// Hash, then verify, with the product's argon2id hasher on THREADS threads and print the rates as JSON.
    Argon2 {
        /// Seconds for each of the two phases (hash, verify).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// OS threads hashing at once [default: number of cores].
        #[arg(long)]
        threads: Option<NonZeroUsize>,
    },
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clientele-floor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), BoxError> {
    match command {
        Command::Serve {
            bind,
            database_url,
            workers,
            pool_size,
        } => {
            let workers = workers.map_or_else(cores, NonZeroUsize::get);
            let pool_size = pool_size.map_or_else(|| 2 * cores(), NonZeroUsize::get);
            let db = floor_db::FloorDb::connect(&database_url, pool_size)?;
            db.prepare()?;
            eprintln!(
                "clientele-floor: serving http://{bind} ({} backend, {workers} workers, pool {pool_size})",
                db.backend()
            );
            serve::run(bind, workers, db)?;
        }
        Command::Argon2 { seconds, threads } => {
            if !(seconds.is_finite() && seconds > 0.0) {
                return Err("--seconds must be a positive number".into());
            }
            let threads = threads.map_or_else(cores, NonZeroUsize::get);
            let rates = argon2_rate::measure(Duration::from_secs_f64(seconds), threads)?;
            println!("{}", serde_json::to_string(&rates)?);
        }
    }
    Ok(())
}
