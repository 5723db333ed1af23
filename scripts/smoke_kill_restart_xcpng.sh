#!/usr/bin/env bash
# The kill test against the XCP-NG backend: the same traffic and SIGKILLs as
# smoke_kill_restart.sh, with a fake-xapi server that outlives every kill standing in for the
# hypervisor pool. After the last restart: every acknowledged allocation is present, none is
# stuck, and every VM on the fake carries the tag of an active allocation (no leak); then all
# VMs are released and the fake must hold no VM and no more disks than before the test.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"
kills="${KILLS:-20}"
fake_bin="$root/.build/debug/fake-xapi"
[ -x "$fake_bin" ] || (cd "$root" && swift build --product fake-xapi)

"$fake_bin" --port 0 --start-duration-ms 40 --guest-metrics-delay-ms 60 > fake.log 2>&1 &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 200); do
    grep -q "fake-xapi listening on" fake.log && break
    sleep 0.05
done
fake="$(grep -o 'http://127.0.0.1:[0-9]*' fake.log | head -1)"
[ -n "$fake" ] || fail "fake-xapi did not start: $(cat fake.log)"
vdis_before="$(curl -sf "$fake/admin/state" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["vdis"]))')"

cat > kill.yaml <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
provisioner:
  backend: xcpng
  require_real: true
  xcpng:
    url: $fake
    username_env: XCPNG_USER
    password_env: XCPNG_PASSWORD
    template: debian-12-cloud
    network: pool-net
    ip_wait_timeout_s: 20
    poll_interval_ms: 20
    max_concurrent_tasks: 4
plans:
  trial: { vcpus: 1, memory_mib: 512, disk_gib: 5, price_cents: 0 }
  small: { vcpus: 1, memory_mib: 1024, disk_gib: 10, price_cents: 500 }
limits: { max_paid_vms_per_user: 1000 }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
worker: { node_id: kill-test-xcpng, poll_interval_ms: 50 }
YAML
export XCPNG_USER=root XCPNG_PASSWORD=secret HCP_LAUNCH_PROOF_REAL_XCPNG=1

python3 "$root/scripts/lib/kill_test.py" "$bin" "$work" "$kills" kill.yaml "$fake" \
    || fail "the kill test against fake-xapi failed (see above)"

# Release everything that is left; the fake must end with no VM and no leaked disk.
start_server --config kill.yaml
ids="$(curl -sS "$base/admin/allocations.json?limit=500&state=provisioned" -H "$admin" \
    | python3 -c 'import json,sys; print(" ".join(a["vm_id"] for a in json.load(sys.stdin)["allocations"]))')"
for id in $ids; do curl -sf -X DELETE "$base/v1/vm/$id" -H "$auth" >/dev/null || fail "release of $id failed"; done
for id in $ids; do wait_state "$id" released; done
stop_server
left="$(curl -sf "$fake/admin/state" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(sum(1 for v in s["vms"] if not v["is_template"]), len(s["vdis"]))')"
[ "$left" = "0 $vdis_before" ] || fail "after releasing everything the fake holds VMs/VDIs: $left (VDIs before: $vdis_before)"
echo "smoke kill/restart (xcpng): ok; released $(echo $ids | wc -w) VMs at the end, fake holds 0 VMs and $vdis_before VDIs as before"
