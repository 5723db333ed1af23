#!/usr/bin/env bash
# The kill test (issue #6): the real server on the pool backend (whose claims live in the store
# and so outlive the process) takes concurrent create/pay/release traffic while it is killed
# with SIGKILL at random moments, KILLS times (default 24), and restarted each time. After the
# last restart it checks, and prints the counts it checked: every acknowledged allocation is
# present, no allocation is stuck in paid/provisioning/releasing after recovery, no pool VM is
# held without an active allocation, no pool VM is held twice, every acknowledged release is
# released, and no journal entry is left open.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"
kills="${KILLS:-24}"

cat > kill.yaml <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
provisioner:
  backend: pool
  pool: { reuse: immediate }
plans:
  trial: { vcpus: 1, memory_mib: 512, disk_gib: 5, price_cents: 0 }
  small: { vcpus: 1, memory_mib: 1024, disk_gib: 10, price_cents: 500 }
limits: { max_paid_vms_per_user: 1000 }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
worker: { node_id: kill-test, poll_interval_ms: 50 }
YAML
export VM_POOL_JSON="$(python3 -c 'import json; print(json.dumps([{"id": "vm-%02d" % i} for i in range(40)]))')"

python3 "$root/scripts/lib/kill_test.py" "$bin" "$work" "$kills" kill.yaml || fail "the kill test failed (see above)"
echo "smoke kill/restart: ok"
