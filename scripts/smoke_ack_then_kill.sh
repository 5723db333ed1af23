#!/usr/bin/env bash
# An acknowledged response never precedes its commit (issue #13): the real server takes
# concurrent orders and releases and is killed with SIGKILL the moment the first 202 of a round
# arrives (so commits that share a group commit with it, and work handed straight to the worker
# in that commit, are cut off mid-flight), ROUNDS times (default 6), and restarted each time.
# After the last restart it checks that every acknowledged order exists and ends provisioned (or
# released, by a release whose acknowledgement the kill cut off), every acknowledged release
# ends released, and no journal entry is left open. The pool backend keeps its claims in the
# store, so what it handed out survives the kills.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"
rounds="${ROUNDS:-6}"

cat > ack.yaml <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
provisioner:
  backend: pool
  pool: { reuse: immediate }
plans:
  trial: { vcpus: 1, memory_mib: 512, disk_gib: 5, price_cents: 0 }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
worker: { node_id: ack-test, poll_interval_ms: 50, lease_s: 5 }
reconcile: { interval_s: 1 }
YAML
# The pool backend keeps its claims in the store, so its VMs outlive the kills.
export VM_POOL_JSON="$(python3 -c 'import json; print(json.dumps([{"id": "vm-%03d" % i} for i in range(300)]))')"

python3 - "$bin" "$work" "$rounds" <<'PY' || fail "the ack-then-kill test failed (see above)"
import json, os, re, signal, sqlite3, subprocess, sys, threading, time, urllib.error, urllib.request
binary, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
auth = {"Authorization": "Bearer " + os.environ["PROVISIONER_SERVICE_TOKEN"]}
log = open(os.path.join(work, "serve.log"), "ab")
acknowledged, released = set(), set()

def start():
    mark = log.tell()
    process = subprocess.Popen([binary, "serve", "--port", "0", "--config", "ack.yaml"], stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        text = open(os.path.join(work, "serve.log"), "rb").read()[mark:].decode(errors="replace")
        found = re.search(r"provisioner listening on (http://127\.0\.0\.1:\d+)", text)
        if found: return process, found.group(1)
        if process.poll() is not None: sys.exit("the server exited early")
        time.sleep(0.05)
    sys.exit("the server did not start")

def call(base, method, path, body=None):
    request = urllib.request.Request(base + path, method=method, headers=dict(auth, **{"Content-Type": "application/json"}),
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}

def status(base, vm):
    code, body = call(base, "GET", "/v1/vm/%s/status" % vm)
    return body.get("launch_proof_status") if code == 200 else None

killed_after_ack = 0
for round_ in range(rounds):
    process, base = start()
    provisioned = [vm for vm in acknowledged - released if status(base, vm) == "provisioned"]
    kill = threading.Event()
    lock = threading.Lock()
    def client(index):
        try:
            if index < len(provisioned):
                code, _ = call(base, "DELETE", "/v1/vm/" + provisioned[index])
                if code in (200, 202):
                    with lock: released.add(provisioned[index])
                    kill.set()
            code, body = call(base, "POST", "/v1/vm", {"user_id": "ack-%d-%d" % (round_, index), "plan": "trial"})
            if code == 202:
                with lock: acknowledged.add(body["vm_id"])
                kill.set()
        except Exception:
            pass  # cut off by the kill: never acknowledged
    threads = [threading.Thread(target=client, args=(i,)) for i in range(24)]
    for thread in threads: thread.start()
    kill.wait(30)
    process.send_signal(signal.SIGKILL)  # right after the first acknowledgement of the round
    process.wait()
    killed_after_ack += 1 if kill.is_set() else 0
    for thread in threads: thread.join()
print("ack-then-kill: %d rounds, %d killed right after an acknowledgement, %d orders and %d releases acknowledged"
      % (rounds, killed_after_ack, len(acknowledged), len(released)))
if killed_after_ack < rounds: sys.exit("a round saw no acknowledgement to kill after")

process, base = start()
try:
    deadline = time.time() + 90
    pending = {}
    while time.time() < deadline:
        pending = {}
        for vm in acknowledged:
            # A release cut off before its acknowledgement may or may not have happened.
            want = {"released"} if vm in released else {"provisioned", "released"}
            have = status(base, vm)
            if have not in want: pending[vm] = (have, sorted(want))
        if not pending: break
        time.sleep(0.2)
    if pending:
        sys.exit("acknowledged work was lost or never finished: %s" % list(pending.items())[:5])
    database = sqlite3.connect("file:%s?mode=ro" % os.path.join(work, "data/provisioner.sqlite"), uri=True)
    open_entries = database.execute("SELECT COUNT(*) FROM journal WHERE finished_at IS NULL").fetchone()[0]
    if open_entries: sys.exit("%d journal entries left open" % open_entries)
    print("ack-then-kill: every acknowledged order is provisioned and every acknowledged release released")
finally:
    process.send_signal(signal.SIGTERM)
    process.wait()
PY
echo "smoke ack-then-kill: ok in ${SECONDS} s"
