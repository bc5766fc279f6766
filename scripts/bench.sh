#!/usr/bin/env bash
# Measure the digirules rule engine and regenerate docs/benchmarks.md and
# docs/benchmarks.png (make bench). Installs digirules and base_automation
# without demo data into a new database bench_<pid>, runs bench/run.py in it
# and drops it at the end.
#
# Environment variables (see also scripts/common.sh):
#   BENCH_SIZES                numbers of opportunities N of the timed series
#                              (default 1000,10000)
#   BENCH_REPEATS              repetitions of each timed figure (default 5)
#   BENCH_LARGE_REPEATS        repetitions at N of 10,000 and more (default 3)
#   BENCH_INVOICES             invoices of the grouped payment (default 500)
#   BENCH_AUTOMATION_MAX_SIZE  largest N at which base_automation is timed
#                              (default 1000: it applies its actions record by
#                              record, 16 to 21 times slower than digirules
#                              in the runs of docs/benchmarks.md)
#   BENCH_AUTOMATION_REPEATS   repetitions of the base_automation variant
#                              (default 1: about 2.5 minutes per run at N = 1,000
#                              on an idle 2-core machine, and its goal is met
#                              by a wide margin)
#   BENCH_LARGE_SERIES         series timed at N of 10,000 and more
#                              (default non_matching,cascade)
set -euo pipefail

# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Read first, before this script loads the machine itself.
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_DB="bench_$$"
BENCH_CONF="$STATE_DIR/bench-$$.conf"
BENCH_DB_CREATED=0

cleanup() {
    local status=$?
    if [[ "$BENCH_DB_CREATED" == "1" ]]; then
        if drop_database "$BENCH_DB"; then
            log "Dropped database $BENCH_DB"
        else
            warn "Dropping database $BENCH_DB failed; drop it with: dropdb -h $DB_HOST -p $DB_PORT $BENCH_DB"
        fi
        rm -rf "$ODOO_DATA_DIR/filestore/$BENCH_DB"
    fi
    rm -f "$BENCH_CONF"
    stop_local_cluster
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_modules() {
    # Set first, so that a database left half-created by a failure is dropped.
    BENCH_DB_CREATED=1
    run_odoo_step "Creating database $BENCH_DB with $ADDON_NAME and base_automation, without demo data" \
        "$LOG_DIR/bench-install-$$.log" \
        -c "$BENCH_CONF" -d "$BENCH_DB" -i "$ADDON_NAME,base_automation" \
        --without-demo=all --stop-after-init

    local module state
    for module in "$ADDON_NAME" base_automation; do
        state="$(module_state "$BENCH_DB" "$module")"
        if [[ "$state" != "installed" ]]; then
            show_log_tail "$LOG_DIR/bench-install-$$.log"
            die "$module is not installed in $BENCH_DB (module state: '${state:-unknown}') although odoo-bin reported no failure; look for ERROR lines in $LOG_DIR/bench-install-$$.log."
        fi
    done
}

run_benchmark() {
    local log_file="$LOG_DIR/bench-odoo-$$.log"
    log "Running bench/run.py (Odoo's log: $log_file)"
    (
        cd "$PROJECT_DIR/bench"
        "$VENV_PYTHON" run.py \
            --config "$BENCH_CONF" \
            --database "$BENCH_DB" \
            --logfile "$log_file" \
            --sizes "${BENCH_SIZES:-1000,10000}" \
            --repeats "${BENCH_REPEATS:-5}" \
            --large-repeats "${BENCH_LARGE_REPEATS:-3}" \
            --invoices "${BENCH_INVOICES:-500}" \
            --automation-max-size "${BENCH_AUTOMATION_MAX_SIZE:-1000}" \
            --automation-repeats "${BENCH_AUTOMATION_REPEATS:-1}" \
            --large-series "${BENCH_LARGE_SERIES:-non_matching,cascade}" \
            --output-dir "$PROJECT_DIR/docs" \
            --load-before "$LOAD_BEFORE"
    ) || { show_log_tail "$log_file"; die "bench/run.py failed; see the output above and $log_file."; }
}

main() {
    local started=$SECONDS
    log "Load average (1, 5, 15 min): $LOAD_BEFORE on $(nproc) cores"
    check_odoo_src "make bench"
    ensure_venv
    ensure_postgres
    write_odoo_config "$BENCH_CONF" 8069

    install_modules
    run_benchmark

    log "Benchmark done in $((SECONDS - started)) s: docs/benchmarks.md and docs/benchmarks.png"
}

main "$@"
