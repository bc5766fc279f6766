#!/usr/bin/env bash
# Take the README screenshots from the running demo server (make screenshots).
# Start make demo in another terminal first. The Python environment with the
# pinned Playwright lives in .venv-screenshots/, apart from .venv/, so that
# make test and make demo never need Playwright.
#
# Environment variables (besides those of common.sh):
#   DEMO_PORT  HTTP port of the demo server (default 8069)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEMO_PORT="${DEMO_PORT:-8069}"
SHOTS_VENV="$PROJECT_DIR/.venv-screenshots"
SHOTS_REQUIREMENTS="$PROJECT_DIR/scripts/screenshots-requirements.txt"
SHOTS_STAMP="$SHOTS_VENV/.requirements.sha256"

ensure_screenshots_venv() {
    local python expected_hash
    python="$(find_python)"
    expected_hash="$(sha256sum "$SHOTS_REQUIREMENTS" | cut -d' ' -f1)"
    if [[ -x "$SHOTS_VENV/bin/python" && -f "$SHOTS_STAMP" && "$(cat "$SHOTS_STAMP")" == "$expected_hash" ]]; then
        return
    fi
    log "Installing Playwright into $SHOTS_VENV"
    "$python" -m venv "$SHOTS_VENV" || die "Creating $SHOTS_VENV with $python failed (on Debian, install python3-venv)."
    "$SHOTS_VENV/bin/python" -m pip install --quiet -r "$SHOTS_REQUIREMENTS" \
        || die "Installing $SHOTS_REQUIREMENTS into $SHOTS_VENV failed."
    printf '%s\n' "$expected_hash" >"$SHOTS_STAMP"
}

main() {
    ensure_apt_packages chromium
    command -v chromium >/dev/null 2>&1 || die "chromium not found: install the Debian package chromium, then run again."
    ensure_screenshots_venv
    curl --silent --fail --output /dev/null "http://127.0.0.1:$DEMO_PORT/web/login" \
        || die "No demo server found at http://127.0.0.1:$DEMO_PORT/web/login: start it with make demo (DEMO_PORT=$DEMO_PORT) in another terminal, then run again."
    "$SHOTS_VENV/bin/python" "$PROJECT_DIR/scripts/screenshots.py" \
        --url "http://127.0.0.1:$DEMO_PORT" --chromium "$(command -v chromium)"
}

main "$@"
