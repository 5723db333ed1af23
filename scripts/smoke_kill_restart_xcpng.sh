#!/usr/bin/env bash
# The kill test against the XCP-NG backend: the same traffic and SIGKILLs as
# smoke_kill_restart.sh, with a fake-xapi server that outlives every kill standing in for the
# hypervisor pool. Rollbacks are made frequent: faults armed in the fake at runtime fail start
# tasks (allocate fails -> rollback teardown) and destroys (the teardown fails and stays
# pending), slow teardowns down and make some allocates outlive their short lease (lease_s: 5,
# the minimum, so they live on renewals), some past provisioning_deadline_s (8 s; reconcile
# fails them and rolls them back). Each restart runs as one of two node ids at random: after a
# change the dead node's leases must expire mid-allocate before its work is taken over. Kills are
# partly aimed at running rollbacks and renewed allocates; the test fails unless at least
# MIN_ROLLBACK_KILLS (default 2) kills landed during a running rollback. After the last restart
# (faults cleared, reconcile every second): every acknowledged allocation is present, none is
# stuck, no teardown is pending, no journal entry is open, nothing is on the fake for an
# allocation that failed, was rolled back or released, and every VM on the fake belongs to an
# active allocation (no leak); then all VMs are released and the fake must hold no VM and no more
# disks than before the test. KILL_SEED picks the run (printed).
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
worker: { node_id: kill-test-xcpng, poll_interval_ms: 50, lease_s: 5 }
reconcile: { interval_s: 1, provisioning_deadline_s: 8 }
YAML
export XCPNG_USER=root XCPNG_PASSWORD=secret HCP_LAUNCH_PROOF_REAL_XCPNG=1

python3 "$root/scripts/lib/kill_test.py" "$bin" "$work" "$kills" kill.yaml "$fake" --faults \
    --node-ids kill-test-xcpng,kill-test-xcpng-b --lease-s 5 --min-rollback-kills "${MIN_ROLLBACK_KILLS:-2}" \
    || fail "the kill test against fake-xapi failed (see above)"

cp serve.log kill-serve.log   # start_server below starts a new serve.log

# Release everything that is left; the fake must end with no VM and no leaked disk.
start_server --config kill.yaml
ids="$(curl -sS "$base/admin/allocations.json?limit=500&state=provisioned" -H "$admin" \
    | python3 -c 'import json,sys; print(" ".join(a["vm_id"] for a in json.load(sys.stdin)["allocations"]))')"
for id in $ids; do curl -sf -X DELETE "$base/v1/vm/$id" -H "$auth" >/dev/null || fail "release of $id failed"; done
for id in $ids; do wait_state "$id" released; done
stop_server
left="$(curl -sf "$fake/admin/state" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(len(s["vms"]), len(s["vdis"]))')"
[ "$left" = "0 $vdis_before" ] || fail "after releasing everything the fake holds VMs/VDIs: $left (VDIs before: $vdis_before)"
echo "smoke kill/restart (xcpng): ok in ${SECONDS} s; released $(echo $ids | wc -w) VMs at the end, fake holds 0 VMs and $vdis_before VDIs as before"
