# Shared helpers for scripts/smoke_*.sh (sourced, not run): build the binary once, start a
# server on an OS-chosen port, wait for states, fail loudly with the server's log.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/.build/debug/provisioner"
[ -x "$bin" ] || (cd "$root" && swift build --product provisioner)
work="$(mktemp -d)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "kept the work directory: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "SMOKE FAIL: $*" >&2; [ -f "$work/serve.log" ] && tail -30 "$work/serve.log" >&2; exit 1; }
cd "$work"
export PROVISIONER_SERVICE_TOKEN="smoke-service-token-0123456789"
export PROVISIONER_ADMIN_SECRET="smoke-admin-secret-0123456789"
auth="Authorization: Bearer $PROVISIONER_SERVICE_TOKEN"
admin="Authorization: Bearer $PROVISIONER_ADMIN_SECRET"

# start_server [serve args...]: starts the server, sets $server_pid and $base.
start_server() {
    : > serve.log
    "$bin" serve --port 0 "$@" >> serve.log 2>&1 &
    server_pid=$!
    for _ in $(seq 1 400); do
        grep -q "provisioner listening on" serve.log && break
        kill -0 "$server_pid" 2>/dev/null || fail "server exited early"
        sleep 0.05
    done
    base="$(grep -o 'provisioner listening on http://127.0.0.1:[0-9]*' serve.log | head -1 | grep -o 'http://.*')"
    [ -n "$base" ] || fail "server did not report its address"
}

# stop_server: SIGTERM and wait for a clean exit.
stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid" || fail "server exited non-zero after SIGTERM"
    server_pid=""
}

# json_field FIELD: reads JSON on stdin and prints one top-level field.
json_field() { python3 -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"; }

state_of() {
    curl -sf "$base/v1/vm/$1/status" 2>/dev/null | json_field launch_proof_status 2>/dev/null || echo "unreachable"
}

# wait_state ID STATE: polls the public status route until the VM is in STATE.
wait_state() {
    for _ in $(seq 1 400); do
        current="$(state_of "$1")"
        [ "$current" = "$2" ] && return 0
        [ "$current" = "unreachable" ] && ! kill -0 "$server_pid" 2>/dev/null && fail "server died"
        sleep 0.05
    done
    fail "VM $1 never reached $2 (last: $(state_of "$1"))"
}

# create USER PLAN: creates an order and prints its vm_id.
create() {
    curl -sf -X POST "$base/v1/vm" -H "$auth" -d "{\"user_id\":\"$1\",\"plan\":\"$2\"}" | json_field vm_id \
        || fail "create for $1 failed"
}
