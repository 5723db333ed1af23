#!/usr/bin/env bash
# Drives the real binary with the pool backend: check-config refuses a bad pool file (exit 78,
# naming the entry and field), /admin/pool-refresh accepts both JSON shapes and answers
# {prev_pool_size, pool_size}, refuses a bad pool with 400 naming it, needs the admin secret
# (401/403), and answers 503 on a Host whose backend is not the pool.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"

write_config() {  # write_config FILE POOL_FILE
    cat > "$1" <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
provisioner:
  backend: pool
  pool: { file: $2, reuse: immediate }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
YAML
}

# A pool file with a bad entry: check-config and serve exit 78 and name pool[1].ssh_port.
printf '[{"id":"a"},{"id":"b","ssh_port":"twenty-two"}]' > bad-pool.json
write_config bad.yaml "$work/bad-pool.json"
set +e
"$bin" check-config bad.yaml 2> bad.err
code=$?
set -e
[ "$code" -eq 78 ] || fail "check-config with a bad pool exited $code, expected 78"
grep -q "bad.yaml:4:.*provisioner.pool.file: the pool file '.*bad-pool.json' is invalid: pool\[1\].ssh_port: expected an integer" bad.err \
    || fail "unexpected check-config error: $(cat bad.err)"

printf '[{"id":"vm-1","cockpit_url":"https://vm-1:9090"},{"id":"vm-2"}]' > pool.json
write_config pool.yaml "$work/pool.json"
start_server --config pool.yaml

refresh() {  # refresh BODY [AUTH] -> prints "STATUS BODY"
    curl -s -o refresh.out -w '%{http_code}' -X POST "$base/admin/pool-refresh" -H "${2:-$admin}" -d "$1"
    printf ' %s' "$(cat refresh.out)"
}
out="$(refresh '[{"id":"a"},{"id":"b"},{"id":"c"}]')"
[ "$out" = '200 {"prev_pool_size":2,"pool_size":3}' ] || fail "bare-array refresh gave: $out"
out="$(refresh '{"pool":[{"id":"z","cockpit_url":"https://z:9090"}]}')"
[ "$out" = '200 {"prev_pool_size":3,"pool_size":1}' ] || fail "wrapped refresh gave: $out"
out="$(refresh '[{"id":"a"},{"id":"a"}]')"
case "$out" in 400*invalid_request*"pool[1].id: duplicate VM id 'a'"*) ;; *) fail "duplicate ids gave: $out" ;; esac
out="$(refresh '[{"id":"a","status":"broken"}]')"
case "$out" in 400*"pool[0].status"*) ;; *) fail "a bad status gave: $out" ;; esac
out="$(refresh '[]' "X-None: none")"
case "$out" in 401*unauthorized*) ;; *) fail "no secret gave: $out" ;; esac
out="$(refresh '[]' "$auth")"
case "$out" in 403*forbidden*) ;; *) fail "the service token gave: $out" ;; esac
size="$(curl -sf "$base/admin/pool.json" -H "$admin" | json_field pool_size)"
[ "$size" = "1" ] || fail "after the refused refreshes the pool has $size VMs, expected 1"
stop_server

# The refreshed pool survives a restart: the stored catalog wins over the config file.
start_server --config pool.yaml
size="$(curl -sf "$base/admin/pool.json" -H "$admin" | json_field pool_size)"
[ "$size" = "1" ] || fail "after a restart the pool has $size VMs, expected the refreshed 1"
stop_server

# A Host on the simulated backend answers 503 pool_not_active.
start_server
out="$(refresh '[{"id":"a"}]')"
case "$out" in 503*pool_not_active*) ;; *) fail "pool-refresh on the simulated backend gave: $out" ;; esac
stop_server
echo "smoke pool refresh: bad pool file (78), both shapes, 400 details, 401/403, restart, 503: ok"
