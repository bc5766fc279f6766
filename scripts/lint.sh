#!/usr/bin/env bash
# Run ruff (lint and format check) and pylint with the pylint-odoo plugin on
# the addon (make lint). Exits non-zero when any of the three reports a problem.
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
    check_odoo_src "make lint"
    ensure_venv
    cd "$PROJECT_DIR"

    local failed=()
    log "ruff check $ADDON_NAME"
    "$VENV_DIR/bin/ruff" check "$ADDON_NAME" || failed+=("ruff check")

    log "ruff format --check $ADDON_NAME"
    "$VENV_DIR/bin/ruff" format --check "$ADDON_NAME" || failed+=("ruff format (run: .venv/bin/ruff format $ADDON_NAME)")

    log "pylint --load-plugins=pylint_odoo $ADDON_NAME"
    "$VENV_DIR/bin/pylint" --rcfile="$PROJECT_DIR/.pylintrc" "$ADDON_NAME" || failed+=("pylint")

    if [[ ${#failed[@]} -gt 0 ]]; then
        die "Lint failed: $(IFS=';'; printf '%s' "${failed[*]}" | sed 's/;/; /g')."
    fi
    log "Lint passed"
}

main "$@"
