#!/usr/bin/env bash
# Installs what `just bench` needs and the machine may lack:
#   - wrk, the HTTP load generator, from Debian's packages;
#   - just, the command runner, with `cargo install` (Debian bookworm does not ship it).
# Idempotent: anything already present is left alone, and every step says what it did.
set -euo pipefail

log() { printf 'install-bench-tools: %s\n' "$*"; }

# Root needs no sudo; anyone else goes through it (and must be allowed to).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root for: $* (and sudo is not installed)" >&2
        return 1
    fi
}

apt_updated=0
apt_has_candidate() {
    local candidate
    candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

install_deb() {
    local pkg=$1 bin=$2
    if command -v "$bin" >/dev/null 2>&1; then
        log "$bin already installed: $(command -v "$bin")"
        return 0
    fi
    # A fresh machine's package lists may be empty or old; refresh them once, and only
    # when the package is not found otherwise.
    if ! apt_has_candidate "$pkg" && [ "$apt_updated" -eq 0 ]; then
        log "no candidate for $pkg; running apt-get update"
        as_root apt-get update -qq
        apt_updated=1
    fi
    if ! apt_has_candidate "$pkg"; then
        log "Debian package $pkg is not available from the configured sources" >&2
        return 1
    fi
    log "installing $pkg with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg"
    log "installed $pkg: $(command -v "$bin")"
}

install_just() {
    if command -v just >/dev/null 2>&1; then
        log "just already installed: $(command -v just) ($(just --version))"
        return 0
    fi
    if [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/just" ]; then
        log "just is installed at ${CARGO_HOME:-$HOME/.cargo}/bin/just but that folder is not on PATH"
        return 0
    fi
    log "installing just with cargo install --locked (a few minutes on 2 cores)"
    cargo install just --locked
    log "installed just: ${CARGO_HOME:-$HOME/.cargo}/bin/just"
}

install_deb wrk wrk
install_just
log "done"
