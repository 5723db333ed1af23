#!/usr/bin/env bash
# Drives the real binary the way README.md's walk-through does: check-config (good and bad
# configs, exit 78), then serve on the embedded default and create -> pay -> status -> release
# with curl, then SIGTERM and a clean shutdown.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/debug/provisioner"
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

# check-config: the embedded default is valid; a typo exits 78 naming file:line:col and a suggestion.
"$bin" check-config >/dev/null || fail "check-config of the embedded default failed"
printf 'server:\n  host: 127.0.0.1\n  prot: 8080\n' > bad.yaml
set +e
"$bin" check-config bad.yaml 2> bad.err
code=$?
set -e
[ "$code" -eq 78 ] || fail "check-config bad.yaml exited $code, expected 78"
grep -q "bad.yaml:3:3: server.prot: unknown key 'prot'; did you mean 'port'?" bad.err || fail "unexpected error text: $(cat bad.err)"
set +e
"$bin" serve --config bad.yaml 2>/dev/null
code=$?
set -e
[ "$code" -eq 78 ] || fail "serve with a bad config exited $code, expected 78"

# serve on the embedded default with an OS-chosen port.
export PROVISIONER_SERVICE_TOKEN="smoke-service-token-0123456789"
export PROVISIONER_ADMIN_SECRET="smoke-admin-secret-0123456789"
"$bin" serve --port 0 > serve.log 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
    grep -q "provisioner listening on" serve.log && break
    kill -0 "$server_pid" 2>/dev/null || fail "server exited early"
    sleep 0.05
done
base="$(grep -o 'http://127.0.0.1:[0-9]*' serve.log | head -1)"
[ -n "$base" ] || fail "server did not report its address"
auth="Authorization: Bearer $PROVISIONER_SERVICE_TOKEN"

created="$(curl -sf -X POST "$base/v1/vm" -H "$auth" -H 'Idempotency-Key: smoke-1' \
    -d '{"user_id":"alice","plan":"small"}')" || fail "create failed"
id="$(printf '%s' "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["vm_id"])')"
curl -sf -X POST "$base/v1/vm/$id/payment" -H "$auth" -d '{"status":"paid","reference":"inv-1"}' >/dev/null \
    || fail "payment failed"

state_of() {
    curl -sf "$base/v1/vm/$1/status" 2>/dev/null \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["launch_proof_status"])' 2>/dev/null || echo "unreachable"
}
wait_state() {
    for _ in $(seq 1 300); do
        current="$(state_of "$1")"
        [ "$current" = "$2" ] && return 0
        [ "$current" = "unreachable" ] && ! kill -0 "$server_pid" 2>/dev/null && fail "server died"
        sleep 0.05
    done
    fail "VM $1 never reached $2 (last: $(state_of "$1"))"
}
wait_state "$id" provisioned
ssh_status="$(curl -sf "$base/v1/vm/$id/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ssh_smoke_status"])')"
[ "$ssh_status" = "passed" ] || fail "ssh_smoke_status is $ssh_status, expected passed (simulated banner listener)"

# a hostname whose AAAA does not point at the VM is measured as failed: degraded, not a guess.
named="$(curl -sf -X POST "$base/v1/vm" -H "$auth" -d '{"user_id":"bob","plan":"trial","hostname":"no-such-host.invalid"}')"
named_id="$(printf '%s' "$named" | python3 -c 'import json,sys; print(json.load(sys.stdin)["vm_id"])')"
wait_state "$named_id" degraded
curl -sf -X DELETE "$base/v1/vm/$id" -H "$auth" >/dev/null || fail "release failed"
wait_state "$id" released

# the same Idempotency-Key with the same body is the same VM; with another body, 409.
again="$(curl -sf -X POST "$base/v1/vm" -H "$auth" -H 'Idempotency-Key: smoke-1' \
    -d '{"user_id":"alice","plan":"small"}')"
[ "$(printf '%s' "$again" | python3 -c 'import json,sys; print(json.load(sys.stdin)["vm_id"])')" = "$id" ] \
    || fail "idempotent replay returned another VM"
status="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v1/vm" -H "$auth" -H 'Idempotency-Key: smoke-1' \
    -d '{"user_id":"alice","plan":"trial"}')"
[ "$status" = "409" ] || fail "reused key with another body gave $status, expected 409"

# graceful shutdown on SIGTERM: exit 0 and the store closed.
kill -TERM "$server_pid"
wait "$server_pid" || fail "server exited non-zero after SIGTERM"
server_pid=""
grep -q "stopped cleanly; store closed" serve.log || fail "no clean shutdown message"
echo "smoke walkthrough: check-config, create, pay, provisioned, release, idempotency, SIGTERM: ok"
