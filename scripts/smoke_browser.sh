#!/usr/bin/env bash
# Opens every page in a real browser (Debian's headless Chromium, over the DevTools protocol) at
# 1280 and 390 px, against the real server with seeded data: a provisioned VM, a degraded one, a
# failed one, a pool with a quarantined VM, events and an orphan. Checks status, no console error
# (CSP violations included), no horizontal page scroll, the expected columns, the dashboard's
# Cockpit link, and the expired-link page. Screenshots go to build/screenshots/.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"
chromium="$(command -v chromium || true)"
[ -n "$chromium" ] || fail "chromium is not installed; run scripts/install-deps"
python="$root/build/venv/bin/python"
[ -x "$python" ] || fail "$python is missing; run scripts/install-deps"
shots="$root/build/screenshots"
mkdir -p "$shots"

export PROVISIONER_DASHBOARD_SECRET="smoke-dashboard-secret-0123456789"
# The Cockpit URLs point at a loopback page the driver serves, so following the link can be checked.
cockpit_port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > pages.yaml <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
provisioner:
  backend: pool
  pool:
    reuse: after_hook
    # Nothing listens on port 9: every release hook fails, so a released VM is quarantined.
    release_hook: { deployer_url: "http://127.0.0.1:9/deploy", max_attempts: 1, initial_backoff_ms: 1, timeout_s: 2 }
launch_proof:
  dns_aaaa: { enabled: true, resolver: static, static_records: { "web.example.com": ["2001:db8::a"], "files.example.com": ["2001:db8::d"] } }
  ssh_smoke: { enabled: false }
reconcile: { interval_s: 1 }
YAML
export VM_POOL_JSON='{"pool":[
  {"id":"vm-a","name":"pool-a","ipv6":"2001:db8::a","ssh_host":"2001:db8::a","cockpit_url":"http://127.0.0.1:'"$cockpit_port"'/cockpit/vm-a"},
  {"id":"vm-b","name":"pool-b","ipv6":"2001:db8::b","ssh_host":"2001:db8::b","ssh_port":2222},
  {"id":"vm-c","name":"pool-c","ipv4":"192.0.2.12"},
  {"id":"vm-d","name":"pool-d","ipv6":"2001:db8::d"},
  {"id":"vm-e","name":"pool-e","ipv6":"2001:db8::e"},
  {"id":"vm-m","name":"pool-m","status":"maintenance"}]}'
start_server --config pages.yaml

order() {
    curl -sf -X POST "$base/v1/vm" -H "$auth" -d "$1" | json_field vm_id || fail "order $1 failed"
}
# alice: provisioned on vm-a (the Cockpit one), then degraded (no AAAA record), failed, quarantined.
ready="$(order '{"user_id":"alice","plan":"trial","hostname":"web.example.com"}')"
wait_state "$ready" provisioned
[ "$(curl -sf "$base/v1/vm/$ready" -H "$auth" | json_field backend_ref)" = "vm-a" ] || fail "alice did not get vm-a"
degraded="$(order '{"user_id":"alice","plan":"trial","hostname":"nothing.example.com"}')"
wait_state "$degraded" degraded
doomed="$(order '{"user_id":"alice","plan":"trial"}')"
wait_state "$doomed" provisioned
released="$(order '{"user_id":"bob","plan":"trial","hostname":"files.example.com"}')"
wait_state "$released" provisioned
curl -sf -X DELETE "$base/v1/vm/$released" -H "$auth" >/dev/null || fail "release failed"
wait_state "$released" released
stop_server

# The store says failed while the pool still holds the VM: the failed row, and the orphan that
# reconcile reports for it after the restart.
"$python" - "$work/data/provisioner.sqlite" "$doomed" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute(
    "UPDATE allocations SET state='failed', failure_code='provision_failed', rollback_available=0, "
    "customer_message='Your machine could not be set up. Please try again or contact support.', "
    "operator_message='seeded by smoke_browser.sh' WHERE id=?", (sys.argv[2],))
db.commit()
PY
start_server --config pages.yaml
for _ in $(seq 1 200); do
    curl -sf "$base/admin/orphans.json" -H "$admin" | grep -q '"backend_ref"' && break
    sleep 0.05
done
curl -sf "$base/admin/orphans.json" -H "$admin" | grep -q '"backend_ref"' || fail "reconcile reported no orphan"
for _ in $(seq 1 400); do
    curl -sf "$base/admin/pool.json" -H "$admin" | grep -q '"quarantined"' && break
    sleep 0.05
done
curl -sf "$base/admin/pool.json" -H "$admin" | grep -q '"quarantined"' \
    || fail "no quarantined pool VM: $(curl -sf "$base/admin/pool.json" -H "$admin")"
# A host that never reported, and an op waiting for its signature (the quarantined VM's return).
curl -sf -X POST "$base/admin/hosts" -H "$admin" -d '{"label":"fra1","owner":"ops"}' | grep -q '"host_id"' \
    || fail "minting a host failed"
quarantined="$(curl -sf "$base/admin/pool.json" -H "$admin" | "$python" -c '
import json, sys
print(next(vm["vm_id"] for vm in json.load(sys.stdin)["vms"] if vm.get("state") == "quarantined"))')"
curl -sf -X POST "$base/admin/pool/$quarantined/return" -H "$admin" | grep -q '"pending_signature"' \
    || fail "the quarantined VM's return did not wait for a signature"

"$python" "$root/scripts/lib/browser_check.py" --chromium "$chromium" --base "$base" --work "$work" \
    --screenshots "$shots" --admin-secret "$PROVISIONER_ADMIN_SECRET" \
    --dashboard-secret "$PROVISIONER_DASHBOARD_SECRET" --cockpit-port "$cockpit_port" \
    --allocation "$ready" --user alice || fail "browser checks failed (see above)"
stop_server
echo "smoke browser: every page at 1280 and 390 px, no console error, no page scroll, screenshots in $shots: ok"
