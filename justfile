# clientele: common commands. `just` alone lists them.

# List the recipes.
default:
    @just --list

# Run the service (or a CLI subcommand: `just run tenant list`).
run *ARGS:
    cargo run -- {{ARGS}}

# Run the product's tests.
test *ARGS:
    cargo test {{ARGS}}

# What CI runs.
ci:
    bash .ci/run

# Load-test the product against its floors: `just bench [sqlite|postgres|all]` (see docs/benchmarks.md).
bench *ARGS:
    bash scripts/bench.sh {{ARGS}}

# WEBSALE lists, bulk writes and Emporix imports over N seeded accounts: `just bench-accounts [N] [DATABASE_URL]` (see docs/benchmarks.md).
bench-accounts *ARGS:
    bash scripts/bench-accounts.sh {{ARGS}}

# Seed N customers (with a user and an address each) for search at scale: `just seed 1000000 [DATABASE_URL] [TENANT]`.
seed N *ARGS:
    bash scripts/seed.sh {{N}} {{ARGS}}

# Generated requests against every operation of every OpenAPI document; fails on any 5xx: `just fuzz-api [EXAMPLES] [DATABASE_URL]`.
fuzz-api *ARGS:
    bash scripts/fuzz-api.sh {{ARGS}}

# Install wrk and just (idempotent).
install-bench-tools:
    bash scripts/install-bench-tools.sh
