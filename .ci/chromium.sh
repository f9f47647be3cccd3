#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/e2e/test_web_*.py). Idempotent:
# nothing is done when a chromium binary is already there.
#
#   eval "$(bash .ci/chromium.sh)"     # then the browser tests run instead of skipping
#
# Prints only `export WFM_CHROMIUM=...` on stdout (the path the tests launch through
# Playwright; no browser is downloaded); progress goes to stderr. As root it installs the
# `chromium` package (and a font with Cyrillic glyphs for readable screenshots) with apt-get.
# When Chromium cannot be installed it prints nothing, and the browser tests are skipped
# with that reason.
set -uo pipefail

log() { echo "chromium.sh: $*" >&2; }

find_chromium() {
    local name
    for name in chromium chromium-browser; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    done
    return 1
}

if ! path="$(find_chromium)"; then
    if [ "$(id -u)" != "0" ]; then
        log "no chromium and not root: cannot install it"
        exit 0
    fi
    log "installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq >&2 && apt-get install -y -qq chromium fonts-dejavu-core >&2; }; then
        log "apt-get could not install chromium"
        exit 0
    fi
    path="$(find_chromium)" || { log "chromium installed but not found on PATH"; exit 0; }
fi
log "using $path ($("$path" --version 2>/dev/null || echo 'version unknown'))"
echo "export WFM_CHROMIUM=$path"
