#!/usr/bin/env bash
# The delayed destroy of XCP-ng's on_release: halt_then_destroy survives kill -9. Against a
# fake-xapi that outlives the kills: VMs are released (kept halted, tagged), their grace passes,
# reconcile starts destroying them with VDI.destroy slowed down, and the server is SIGKILLed while
# those teardowns run (the test fails unless a kill found an open teardown in the journal). After
# each restart the open entries are finished by recovery: in the end the fake holds no VM and no
# more disks than before, no journal entry is open, and every allocation has exactly one teardown
# entry and one grace_expired event (the destroy was neither lost nor started twice).
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"
count="${GRACE_VMS:-4}"
kills="${GRACE_KILLS:-2}"
fake_bin="$root/.build/debug/fake-xapi"
[ -x "$fake_bin" ] || (cd "$root" && swift build --product fake-xapi)
"$fake_bin" --port 0 --cloud-image --start-duration-ms 40 --guest-metrics-delay-ms 60 > fake.log 2>&1 &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 200); do grep -q "fake-xapi listening on" fake.log && break; sleep 0.05; done
fake="$(grep -o 'http://127.0.0.1:[0-9]*' fake.log | head -1)"
[ -n "$fake" ] || fail "fake-xapi did not start: $(cat fake.log)"
fake_state() { curl -sf "$fake/admin/state" | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
vdis_before="$(fake_state 'len(s["vdis"])')"
db="$work/data/provisioner.sqlite"
sql() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"; }

cat > grace.yaml <<YAML
store: { kind: sqlite, path: $db }
provisioner:
  backend: xcpng
  require_real: true
  xcpng:
    url: $fake
    template: debian-12-cloud
    network: pool-net
    ip_wait_timeout_s: 20
    poll_interval_ms: 20
    on_release: { mode: halt_then_destroy, grace_s: 2 }
    probe_interval_s: 1
plans:
  trial: { vcpus: 1, memory_mib: 512, disk_gib: 5, price_cents: 0 }
limits: { max_paid_vms_per_user: 1000 }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
worker: { node_id: grace-kill-test, poll_interval_ms: 50, lease_s: 5 }
reconcile: { interval_s: 1 }
YAML
export XCPNG_USER=root XCPNG_PASSWORD=secret HCP_LAUNCH_PROOF_REAL_XCPNG=1

start_server --config grace.yaml
ids=""
for i in $(seq 1 "$count"); do ids="$ids $(create "grace-user-$i" trial)"; done
for id in $ids; do wait_state "$id" provisioned; done
# Each delayed destroy now takes a while: VDI.destroy answers after 1.5 s.
curl -sf -X POST "$fake/admin/faults" -d '{"method":"VDI.destroy","latency_ms":1500}' >/dev/null
for id in $ids; do curl -sf -X DELETE "$base/v1/vm/$id" -H "$auth" >/dev/null || fail "release of $id failed"; done
for id in $ids; do wait_state "$id" released; done
[ "$(fake_state 'sum(1 for v in s["vms"] if v["power_state"] == "Halted" and "provisioner.released_at" in v["other_config"])')" = "$count" ] \
    || fail "released VMs were not kept halted and tagged: $(curl -sf "$fake/admin/state")"

killed_open=0
for round in $(seq 1 "$kills"); do
    # Wait until a delayed destroy is under way (a teardown entry open), then SIGKILL.
    open=0
    for _ in $(seq 1 400); do
        open="$(sql "SELECT count(*) FROM journal WHERE operation = 'teardown' AND finished_at IS NULL")"
        [ "$open" -gt 0 ] && break
        left="$(fake_state 'len(s["vms"])')"
        [ "$left" = "0" ] && break
        sleep 0.025
    done
    kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    open="$(sql "SELECT count(*) FROM journal WHERE operation = 'teardown' AND finished_at IS NULL")"
    echo "round $round: killed with $open delayed destroy(s) open; fake holds $(fake_state 'len(s["vms"])') VMs"
    [ "$open" -gt 0 ] && killed_open=$((killed_open + 1))
    start_server --config grace.yaml
done
[ "$killed_open" -ge 1 ] || fail "no kill landed during a delayed destroy"
curl -sf -X DELETE "$fake/admin/faults" >/dev/null

for _ in $(seq 1 600); do
    [ "$(fake_state 'len(s["vms"])')" = "0" ] && \
        [ "$(sql "SELECT count(*) FROM journal WHERE finished_at IS NULL")" = "0" ] && break
    sleep 0.05
done
stop_server
[ "$(fake_state 'len(s["vms"])')" = "0" ] || fail "kept VMs were never destroyed: $(curl -sf "$fake/admin/state")"
[ "$(fake_state 'len(s["vdis"])')" = "$vdis_before" ] || fail "disks leaked: $(fake_state 's["vdi_labels"]')"
[ "$(sql "SELECT count(*) FROM journal WHERE finished_at IS NULL")" = "0" ] || fail "journal entries left open"
for id in $ids; do
    teardowns="$(sql "SELECT count(*) FROM journal WHERE allocation_id = '$id' AND operation = 'teardown'")"
    [ "$teardowns" = "1" ] || fail "$id has $teardowns teardown journal entries, expected exactly 1"
    expired="$(sql "SELECT count(*) FROM lifecycle_events WHERE allocation_id = '$id' AND kind = 'grace_expired'")"
    [ "$expired" = "1" ] || fail "$id has $expired grace_expired events, expected exactly 1"
    [ "$(sql "SELECT state FROM allocations WHERE id = '$id'")" = "released" ] || fail "$id is no longer released"
done
echo "smoke grace kill (xcpng): ok in ${SECONDS} s; $count kept VMs destroyed once each across $kills kill(s), $killed_open during a delayed destroy"
