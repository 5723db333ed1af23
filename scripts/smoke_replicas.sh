#!/usr/bin/env bash
# Two real Host processes on different ports share one PostgreSQL (the throwaway server of
# scripts/with-postgres) and one pool of 500 VMs. 1,000 concurrent orders, split across both:
# exactly 500 accepted and the other 500 refused at order time (503 pool_exhausted: admission
# reserves, across replicas), all 500 accepted end provisioned, none rolled back, no VM twice. The same Idempotency-Key sent to both replicas at
# once yields one VM. A pool refresh on one replica is seen by the other at its next allocation.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"
[ -n "${PROVISIONER_TEST_POSTGRES_URL:-}" ] || fail "PROVISIONER_TEST_POSTGRES_URL is not set; run scripts/test"

db="smoke_replicas_$$_$RANDOM"
psql -q "$PROVISIONER_TEST_POSTGRES_URL" -c "CREATE DATABASE $db" || fail "cannot create database $db"
export SMOKE_DATABASE_URL="$(printf '%s' "$PROVISIONER_TEST_POSTGRES_URL" | sed -E "s#/postgres\\?#/$db?#")"
pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    psql -q "$PROVISIONER_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    cleanup
}
trap stop_all EXIT

cat > replicas.yaml <<YAML
store: { kind: postgres, url_env: SMOKE_DATABASE_URL, max_connections: 12 }
provisioner:
  backend: pool
  pool: { reuse: immediate }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
worker: { concurrency: 8 }
YAML
export VM_POOL_JSON="$(python3 -c 'import json; print(json.dumps([{"id": "vm-%03d" % i} for i in range(500)]))')"

start_replica() {  # start_replica NAME -> sets base_NAME
    "$bin" serve --config replicas.yaml --port 0 > "$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 400); do
        grep -q "provisioner listening on" "$1.log" && break
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$1.log" >&2; fail "replica $1 exited early"; }
        sleep 0.05
    done
    local url
    url="$(grep -o 'http://127.0.0.1:[0-9]*' "$1.log" | head -1)"
    [ -n "$url" ] || fail "replica $1 did not report its address"
    printf -v "base_$1" '%s' "$url"
}
start_replica a
start_replica b
[ "$base_a" != "$base_b" ] || fail "both replicas report $base_a"

python3 - "$base_a" "$base_b" <<'PY' || fail "cross-replica checks failed (see above)"
import json, sys, time, threading, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor
import os
a, b = sys.argv[1], sys.argv[2]
auth = {"Authorization": "Bearer " + os.environ["PROVISIONER_SERVICE_TOKEN"]}
admin = {"Authorization": "Bearer " + os.environ["PROVISIONER_ADMIN_SECRET"]}

def call(method, url, body=None, headers={}):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={**auth, **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")

def settle(ids, bases):
    """Polls until no order is still on its way; returns {id: (state, backend_ref)}."""
    deadline = time.time() + 240
    result = {}
    pending = list(ids)
    while pending and time.time() < deadline:
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(lambda i: (i, call("GET", f"{bases[hash(i) % 2]}/v1/vm/{i}")), pending))
        pending = []
        for vm, (code, body) in answers:
            state = body.get("launch_proof_status") if code == 200 else f"http {code}"
            if state in ("payment_required", "paid", "provisioning", "releasing"):
                pending.append(vm)
            else:
                result[vm] = (state, body.get("backend_ref"))
        if pending:
            time.sleep(0.2)
    if pending:
        sys.exit(f"{len(pending)} orders never settled")
    return result

# 1. 1,000 concurrent orders, alternating replicas, against a pool of 500.
def order(i):
    base = (a, b)[i % 2]
    return call("POST", f"{base}/v1/vm", {"user_id": f"user-{i}", "plan": "trial"}, {"Idempotency-Key": f"load-{i}"})
started = time.time()
with ThreadPoolExecutor(64) as pool:
    answers = list(pool.map(order, range(1000)))
accepted = [body["vm_id"] for code, body in answers if code in (200, 201, 202)]
refused = [body for code, body in answers if code == 503]
other = [(code, body) for code, body in answers if code not in (200, 201, 202, 503)]
if other:
    sys.exit(f"unexpected answers: {other[:3]}")
if len(accepted) != 500 or len(refused) != 500:
    sys.exit(f"expected 500 accepted and 500 refused at order time, got {len(accepted)} and {len(refused)}")
codes = {body["error"]["code"] for body in refused}
if codes != {"pool_exhausted"}:
    sys.exit(f"orders were refused with {codes}, expected pool_exhausted")
states = settle(accepted, (a, b))
provisioned = {vm: ref for vm, (state, ref) in states.items() if state == "provisioned"}
refs = list(provisioned.values())
print(f"1,000 orders in {time.time() - started:.1f}s: {len(accepted)} accepted, {len(refused)} refused 503, "
      f"{len(provisioned)} provisioned, {len(set(refs))} distinct VMs")
if len(provisioned) != 500:
    unprovisioned = sorted({state for state, _ in states.values() if state != "provisioned"})
    sys.exit(f"expected all 500 accepted orders provisioned, got {len(provisioned)} (others: {unprovisioned})")
if len(set(refs)) != 500 or None in refs:
    sys.exit("a VM was handed out twice (or without a backend_ref)")

# 2. Free one VM, then send one Idempotency-Key to both replicas at once: one order, one VM.
victim = next(iter(provisioned))
code, _ = call("DELETE", f"{a}/v1/vm/{victim}")
if code not in (200, 202):
    sys.exit(f"release answered {code}")
if settle([victim], (a, b))[victim][0] != "released":
    sys.exit("the released VM did not read released")
barrier = threading.Barrier(20)
def same_key(i):
    barrier.wait()
    return call("POST", f"{(a, b)[i % 2]}/v1/vm", {"user_id": "dup", "plan": "trial"}, {"Idempotency-Key": "same-key"})
with ThreadPoolExecutor(20) as pool:
    answers = list(pool.map(same_key, range(20)))
ids = {body.get("vm_id") for code, body in answers if code in (200, 201, 202)}
if len(ids) != 1 or any(code not in (200, 201, 202) for code, _ in answers):
    sys.exit(f"the same key on both replicas gave: {sorted({code for code, _ in answers})}, vm ids {ids}")
dup = ids.pop()
state, ref = settle([dup], (a, b))[dup]
if state != "provisioned" or ref != provisioned[victim]:
    sys.exit(f"the idempotent order reads {state} on {ref}, expected the freed {provisioned[victim]}")
print(f"same Idempotency-Key x20 across both replicas: one order {dup} on {ref}")

# 3. Refresh the pool on replica a (one VM more); replica b's next order gets the new VM.
pool = [{"id": "vm-%03d" % i} for i in range(500)] + [{"id": "vm-new"}]
code, body = call("POST", f"{a}/admin/pool-refresh", pool, admin)
if code != 200:
    sys.exit(f"pool-refresh answered {code}: {body}")
code, body = call("POST", f"{b}/v1/vm", {"user_id": "late", "plan": "trial"})
if code not in (200, 201, 202):
    sys.exit(f"replica b refused the order after a's refresh: {code} {body}")
state, ref = settle([body["vm_id"]], (a, b))[body["vm_id"]]
if (state, ref) != ("provisioned", "vm-new"):
    sys.exit(f"replica b's order after a's refresh reads {state} on {ref}, expected vm-new")
print("pool refresh on replica a: replica b's next order got vm-new")
PY
[ "$(psql -tA "$SMOKE_DATABASE_URL" -c "SELECT count(*) = count(DISTINCT resource) FROM resource_claims")" = "t" ] \
    || fail "resource_claims holds a VM twice"
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || fail "a replica exited non-zero after SIGTERM"; done
pids=()
grep -q "stopped cleanly; store closed" a.log && grep -q "stopped cleanly; store closed" b.log \
    || fail "a replica did not shut down cleanly"
echo "smoke replicas: 2 Hosts, 1 PostgreSQL, 1,000 orders / 500 VMs -> 500 accepted + 500 refused at order time, same key -> 1 VM, refresh seen: ok"
