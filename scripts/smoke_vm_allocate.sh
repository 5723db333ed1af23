#!/usr/bin/env bash
# Drives the real binary with the pool backend end to end: free orders get pool VMs with their
# cockpit_url, no VM goes to two customers, an exhausted pool answers 503 pool_exhausted with
# Retry-After, assignments survive a restart, and a released VM is handed out again.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"

cat > pool.yaml <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
provisioner:
  backend: pool
  pool: { reuse: immediate }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
YAML
export VM_POOL_JSON='{"pool":[
  {"id":"vm-a","ipv6":"2001:db8::a","cockpit_url":"https://vm-a.example:9090"},
  {"id":"vm-b","ipv6":"2001:db8::b"},
  {"id":"vm-m","status":"maintenance"}]}'
start_server --config pool.yaml

first="$(create alice trial)"
second="$(create bob trial)"
wait_state "$first" provisioned
wait_state "$second" provisioned
show() { curl -sf "$base/v1/vm/$1" -H "$auth"; }
refs="$(for id in "$first" "$second"; do show "$id" | json_field backend_ref; done | sort | tr '\n' ' ')"
[ "$refs" = "vm-a vm-b " ] || fail "the two customers got: $refs (expected vm-a and vm-b, never vm-m)"
cockpits="$(for id in "$first" "$second"; do show "$id" | json_field cockpit_url; done | sort | tr '\n' ' ')"
[ "$cockpits" = " https://vm-a.example:9090 " ] || fail "cockpit_url values: '$cockpits'"
[ "$(show "$first" | json_field is_demo)" = "False" ] || fail "a pool VM is reported as a demo"

# The pool is exhausted: a new order is refused with 503 pool_exhausted and Retry-After.
code="$(curl -s -D headers.txt -o refused.json -w '%{http_code}' -X POST "$base/v1/vm" -H "$auth" \
    -d '{"user_id":"carol","plan":"trial"}')"
[ "$code" = "503" ] || fail "an order on an exhausted pool gave $code, expected 503"
grep -q '"code":"pool_exhausted"' refused.json || fail "refusal body: $(cat refused.json)"
grep -qi '^retry-after:' headers.txt || fail "no Retry-After on the 503"

# Assignments live in the store: after a restart the pool is still exhausted.
stop_server
start_server --config pool.yaml
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v1/vm" -H "$auth" -d '{"user_id":"carol","plan":"trial"}')"
[ "$code" = "503" ] || fail "after a restart an order on the exhausted pool gave $code"

# Releasing one VM (reuse: immediate) hands it to the next customer.
released_ref="$(show "$first" | json_field backend_ref)"
curl -sf -X DELETE "$base/v1/vm/$first" -H "$auth" >/dev/null || fail "release failed"
wait_state "$first" released
third="$(create carol trial)"
wait_state "$third" provisioned
[ "$(show "$third" | json_field backend_ref)" = "$released_ref" ] || fail "the released VM was not handed out again"
stop_server
echo "smoke vm allocate: pool VMs with cockpit_url, no VM twice, 503 pool_exhausted, restart, reuse: ok"
