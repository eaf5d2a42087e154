#!/usr/bin/env bash
# `make bench`: serve the app with gunicorn on a throw-away PostgreSQL database, drive it
# with wrk on loopback, compare every page with a bare-Django baseline measured in the same
# run, and write docs/benchmarks.md. See tests/bench/bench.py for the page list.
#
# Knobs (environment): BENCH_FANS (10000), BENCH_CREATORS (1000), BENCH_PRODUCTS (50 per generated creator), BENCH_SECONDS (5),
# BENCH_ROUNDS (3), BENCH_WARMUP (2), BENCH_BUYERS (8 concurrent checkout buyers; 0 skips),
# BENCH_CONNECTIONS (8), BENCH_WRK_THREADS (2), BENCH_WORKERS (3), BENCH_WORKER_CLASS (sync),
# BENCH_THREADS (4, gthread only), BENCH_DB_NAME (relcommerce_bench),
# BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (redis://127.0.0.1:6379/13),
# BENCH_OUT (docs/benchmarks.md); the fan-out: BENCH_FANOUT_FOLLOWERS (100000; 0 skips it);
# the metrics roll-up (tests/bench/rollup.py):
# BENCH_ROLLUP_EVENTS (1000000; 0 skips it), BENCH_ROLLUP_CREATORS (1000),
# BENCH_ROLLUP_ZONES (none: every creator in UTC; e.g. UTC,Europe/Paris,America/New_York);
# dashboard freshness under checkout load (tests/bench/freshness.py): BENCH_FRESHNESS_PROBES
# (20 follows and orders; 0 skips it), with BENCH_BUYERS buyers meanwhile.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
GUNICORN=$ROOT/.venv/bin/gunicorn

# The command as typed, for the report: `make bench` plus any BENCH_* overrides.
overrides=$(env | grep -E '^BENCH_[A-Z_]+=' | grep -vE '^BENCH_(COMMAND|GUNICORN_CMD|SEED_CMD|TMP|STATIC_ROOT)=' | sort | tr '\n' ' ' || true)
export BENCH_COMMAND="${overrides}make bench"

export BENCH_FANS=${BENCH_FANS:-10000}
# The issue's scale: 1,000 creators x 50 products = 50,000 products (seeded in ~40 s on
# PostgreSQL; generated creators are bulk-inserted). /creators/?page=5 is a real deep page.
export BENCH_CREATORS=${BENCH_CREATORS:-1000}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-50}
# The feed (issue 5): this many published posts over the seeded creators, and the bench
# fan following this many creators.
export BENCH_POSTS=${BENCH_POSTS:-1000000}
export BENCH_FOLLOWS=${BENCH_FOLLOWS:-500}
# Server: 3 sync workers, as docker-compose's web service runs in production. A sync
# worker answers one request per connection, so the kernel hands each new connection to
# whichever worker is free and both cores stay busy. gthread workers keep wrk's
# keep-alive connections for the whole run instead: when most of them land on one
# worker, that process (one GIL) serves nearly everything while the other core idles, and
# throughput halves from one round to the next (measured: 41-43% idle CPU in such rounds).
BENCH_WORKERS=${BENCH_WORKERS:-3}
BENCH_WORKER_CLASS=${BENCH_WORKER_CLASS:-sync}
BENCH_THREADS=${BENCH_THREADS:-4}
BENCH_DB_NAME=${BENCH_DB_NAME:-relcommerce_bench}
BENCH_PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/13}
BENCH_OUT=${BENCH_OUT:-$ROOT/docs/benchmarks.md}

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || die "no virtualenv at .venv: run 'make install-dev' first."
[ -x "$GUNICORN" ] || die "gunicorn is not installed in .venv: run 'make install-dev'."

# --- The load generator: wrk from Debian ---------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "wrk is missing: installing it from Debian (apt-get install -y wrk)"
        timeout --foreground 300 apt-get install -y wrk >/dev/null ||
            { timeout --foreground 300 apt-get update >/dev/null && timeout --foreground 300 apt-get install -y wrk >/dev/null; } ||
            true
    fi
    command -v wrk >/dev/null 2>&1 ||
        die "wrk is not installed and could not be installed. On Debian/Ubuntu: sudo apt-get install -y wrk"
fi

# --- One benchmark at a time on this machine (two would distort each other) ----------
exec 9>/tmp/relcommerce-bench.lock
if ! flock -n 9; then
    say "another 'make bench' is running on this machine; waiting for it (up to 15 min)"
    flock -w 900 9 || die "gave up waiting for the other benchmark run."
fi

# --- The environment gunicorn and manage.py run with ---------------------------------
BENCH_TMP=$(mktemp -d /tmp/relcommerce-bench.XXXXXX)
export BENCH_TMP
export BENCH_STATIC_ROOT=$BENCH_TMP/static
export DJANGO_SETTINGS_MODULE=tests.bench.settings
export DEBUG=0
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export SECURE_SSL_REDIRECT=0 # plain HTTP on loopback; everything else stays production
export DATABASE_URL=$BENCH_PG/$BENCH_DB_NAME
export CONN_MAX_AGE=600 # persistent connections, as in production
export REDIS_URL=$BENCH_REDIS_URL
export MEDIA_ROOT=$BENCH_TMP/media # seed_demo's images stay out of the project's media/
export LOG_LEVEL=WARNING
export PYTHONDONTWRITEBYTECODE=1

GUNICORN_PID=
DB_CREATED=0
cleanup() {
    local status=$?
    set +e
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID"
        for _ in $(seq 50); do
            kill -0 "$GUNICORN_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$GUNICORN_PID" 2>/dev/null
        wait "$GUNICORN_PID" 2>/dev/null
        say "gunicorn stopped"
    fi
    if [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 143 ] &&
        [ -s "$BENCH_TMP/gunicorn.log" ]; then
        say "last lines of the gunicorn log:"
        tail -n 40 "$BENCH_TMP/gunicorn.log" >&2
    fi
    if [ "$DB_CREATED" = 1 ]; then
        timeout --foreground 120 "$PY" -m tests.bench.bench db drop
    fi
    timeout --foreground 30 "$PY" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()' 2>/dev/null
    rm -rf "$BENCH_TMP"
    if [ "$status" -ne 0 ]; then
        say "FAILED (exit $status)"
    fi
    exit "$status"
}
trap cleanup EXIT

# bounded SECONDS COMMAND...: run COMMAND with a time limit, in the background so that
# Ctrl-C or a TERM sent to this script stops it at once (bash would otherwise wait for a
# foreground command to finish before running the trap).
CHILD=
bounded() {
    timeout "$@" &
    CHILD=$!
    local rc=0
    wait "$CHILD" || rc=$?
    CHILD=
    return "$rc"
}
on_signal() {
    if [ -n "$CHILD" ]; then
        kill -TERM "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
    fi
    exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# --- Data ----------------------------------------------------------------------------
DB_CREATED=1
bounded 120 "$PY" -m tests.bench.bench db create
# This Redis database belongs to the bench (cache and broker): start it empty.
bounded 30 "$PY" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()'
bounded 900 "$PY" manage.py migrate --no-input -v 0
# --allow-production: seed_demo refuses DEBUG=0 unless told; this database is thrown away.
seed_args=(--fans "$BENCH_FANS" --creators "$BENCH_CREATORS" --products-per-creator "$BENCH_PRODUCTS" --seed 42 --allow-production)
export BENCH_SEED_CMD="manage.py seed_demo ${seed_args[*]}"
say "$BENCH_SEED_CMD"
seed_started=$SECONDS
bounded 3600 "$PY" manage.py seed_demo "${seed_args[@]}" >"$BENCH_TMP/seed.log" 2>&1 ||
    { tail -n 40 "$BENCH_TMP/seed.log" >&2; die "seed_demo failed"; }
say "seeded in $((SECONDS - seed_started))s"
# The feed at the social issue's scale: a million posts, the bench fan following 500.
feed_started=$SECONDS
bounded 1800 "$PY" -m tests.bench.feed_data --posts "$BENCH_POSTS" --follows "$BENCH_FOLLOWS"
say "feed data in $((SECONDS - feed_started))s"
bounded 300 "$PY" manage.py collectstatic --no-input -v 0

# --- The server ----------------------------------------------------------------------
PORT=$("$PY" -m tests.bench.bench free-port)
threads_arg=()
if [ "$BENCH_WORKER_CLASS" = gthread ]; then
    threads_arg=(--threads "$BENCH_THREADS")
fi
gunicorn_args=(
    --workers "$BENCH_WORKERS" --worker-class "$BENCH_WORKER_CLASS" "${threads_arg[@]}"
    --bind "127.0.0.1:$PORT" --timeout 60 --graceful-timeout 5 --log-level warning
)
shown_args="${gunicorn_args[*]}"
export BENCH_GUNICORN_CMD="gunicorn ${shown_args/:$PORT/:<free port>} relcommerce.wsgi (no access log)"
say "starting gunicorn on 127.0.0.1:$PORT: $BENCH_GUNICORN_CMD"
"$GUNICORN" "${gunicorn_args[@]}" --chdir "$ROOT" --error-logfile "$BENCH_TMP/gunicorn.log" \
    relcommerce.wsgi:application 9>&- &
GUNICORN_PID=$!

# --- Measure -------------------------------------------------------------------------
bounded 1800 "$PY" -m tests.bench.bench run --base-url "http://127.0.0.1:$PORT" \
    --gunicorn-pid "$GUNICORN_PID" --out "$BENCH_OUT"

# --- Fan-out (issue 7): one post to 100,000 followers with 2 real workers --------------
# Its own database (relcommerce_bench_fanout) and Redis db; appends a section to the report.
kill -TERM "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null
GUNICORN_PID=
if [ "${BENCH_FANOUT_FOLLOWERS:-100000}" -gt 0 ]; then
    bounded 1800 "$PY" -m tests.bench.fanout --pg "$BENCH_PG" \
        --redis-url "${BENCH_FANOUT_REDIS_URL:-redis://127.0.0.1:6379/12}" \
        --followers "${BENCH_FANOUT_FOLLOWERS:-100000}" --out "$BENCH_OUT"
fi

# --- Metrics roll-up (issue 8): a million events for 1,000 creators over 90 days --------
# Its own database (relcommerce_bench_rollup), no server; about 3 minutes. Appends a section.
if [ "${BENCH_ROLLUP_EVENTS:-1000000}" -gt 0 ]; then
    rollup_args=(--events "${BENCH_ROLLUP_EVENTS:-1000000}" --creators "${BENCH_ROLLUP_CREATORS:-1000}")
    if [ -n "${BENCH_ROLLUP_ZONES:-}" ]; then
        rollup_args+=(--zones "$BENCH_ROLLUP_ZONES")
    fi
    bounded 1800 "$PY" -m tests.bench.rollup --pg "$BENCH_PG" "${rollup_args[@]}" --out "$BENCH_OUT"
fi

# --- Dashboard freshness (issue 16): a follow or an order → the creator's dashboard ------
# Under checkout load, through gunicorn and a real worker; its own database
# (relcommerce_bench_freshness) and Redis db; about 5 minutes. Appends a section.
if [ "${BENCH_FRESHNESS_PROBES:-20}" -gt 0 ]; then
    bounded 1800 "$PY" -m tests.bench.freshness --pg "$BENCH_PG" \
        --redis-url "${BENCH_FRESHNESS_REDIS_URL:-redis://127.0.0.1:6379/11}" \
        --probes "${BENCH_FRESHNESS_PROBES:-20}" --buyers "${BENCH_BUYERS:-8}" --out "$BENCH_OUT"
fi
