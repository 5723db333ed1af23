#!/usr/bin/env bash
# Drives `provisioner serve` with `store.kind: postgres` against the throwaway server of
# scripts/with-postgres (run by scripts/test): an unset URL variable exits 78; an unreachable
# server and wrong credentials each exit 1 with one clear `error: store: …` line and no stack
# trace; the right URL migrates, serves an order, and shuts down cleanly on SIGTERM.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/debug/provisioner"
[ -n "${PROVISIONER_TEST_POSTGRES_URL:-}" ] \
    || { echo "SMOKE FAIL: PROVISIONER_TEST_POSTGRES_URL is not set; run scripts/test" >&2; exit 1; }
[ -x "$bin" ] || (cd "$root" && swift build --product provisioner)
work="$(mktemp -d)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "SMOKE FAIL: $*" >&2; [ -f "$work/serve.log" ] && tail -20 "$work/serve.log" >&2; exit 1; }
cd "$work"
export PROVISIONER_SERVICE_TOKEN="smoke-service-token-0123456789"
export PROVISIONER_ADMIN_SECRET="smoke-admin-secret-0123456789"
printf 'store:\n  kind: postgres\n  url_env: SMOKE_DATABASE_URL\n  max_connections: 4\n' > pg.yaml

# Runs serve expecting exit code $1 and an error line matching $2.
expect_refusal() {
    local want="$1" pattern="$2" code
    set +e
    "$bin" serve --config pg.yaml --port 0 > out.log 2> err.log
    code=$?
    set -e
    [ "$code" -eq "$want" ] || fail "serve exited $code, expected $want: $(cat err.log)"
    [ "$(grep -c '^error:' err.log)" -eq 1 ] || fail "expected one error line: $(cat err.log)"
    grep -q "$pattern" err.log || fail "error does not match '$pattern': $(cat err.log)"
    if grep -qiE 'stack|fatal error|backtrace|0x[0-9a-f]{8}' err.log; then fail "stack trace: $(cat err.log)"; fi
}

"$bin" check-config "$root/config/postgres.example.yaml" >/dev/null || fail "config/postgres.example.yaml is invalid"

unset SMOKE_DATABASE_URL
expect_refusal 78 "^error: store.url_env names SMOKE_DATABASE_URL, which is not set"

export SMOKE_DATABASE_URL="postgres://provisioner:whatever@127.0.0.1:1/provisioner?sslmode=disable"
expect_refusal 1 "^error: store: cannot reach PostgreSQL at 127.0.0.1:1"

export SMOKE_DATABASE_URL="$(printf '%s' "$PROVISIONER_TEST_POSTGRES_URL" | sed -E 's#(//[^:]*:)[^@]*@#\1wrong-password@#')"
expect_refusal 1 "^error: store: PostgreSQL refused the credentials of user 'provisioner'"
if grep -q "wrong-password" err.log; then fail "the password was printed"; fi

# The right URL, on a database of its own.
db="smoke_$$_$RANDOM"
psql -q "$PROVISIONER_TEST_POSTGRES_URL" -c "CREATE DATABASE $db" || fail "cannot create $db"
export SMOKE_DATABASE_URL="$(printf '%s' "$PROVISIONER_TEST_POSTGRES_URL" | sed -E "s#/postgres\\?#/$db?#")"
"$bin" serve --config pg.yaml --port 0 > serve.log 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
    grep -q "provisioner listening on" serve.log && break
    kill -0 "$server_pid" 2>/dev/null || fail "server exited early"
    sleep 0.05
done
base="$(grep -o 'http://127.0.0.1:[0-9]*' serve.log | head -1)"
[ -n "$base" ] || fail "server did not report its address"
curl -sf "$base/readyz" >/dev/null || fail "/readyz failed"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v1/vm" \
    -H "Authorization: Bearer $PROVISIONER_SERVICE_TOKEN" -d '{"user_id":"alice","plan":"trial"}')"
[ "$code" = "202" ] || fail "create answered $code"
kill -TERM "$server_pid"
wait "$server_pid" || fail "server exited non-zero after SIGTERM"
server_pid=""
grep -q "stopped cleanly; store closed" serve.log || fail "no clean shutdown message"
[ "$(psql -tA "$SMOKE_DATABASE_URL" -c 'SELECT count(*) FROM allocations')" = "1" ] || fail "the order is not in PostgreSQL"
psql -q "$PROVISIONER_TEST_POSTGRES_URL" -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
echo "smoke postgres startup: unset URL 78, unreachable 1, bad credentials 1, serve + order + SIGTERM: ok"
