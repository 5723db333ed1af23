# The kill test's traffic driver and checks, shared by scripts/smoke_kill_restart*.sh.
import json, os, random, re, signal, sqlite3, subprocess, sys, threading, time, urllib.error, urllib.request

binary, work, kills, config = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fake = sys.argv[5] if len(sys.argv) > 5 else None   # the fake XAPI server's URL (xcpng backend)
auth = {"Authorization": "Bearer " + os.environ["PROVISIONER_SERVICE_TOKEN"]}
admin = {"Authorization": "Bearer " + os.environ["PROVISIONER_ADMIN_SECRET"]}
rng = random.Random(int(os.environ.get("KILL_SEED", str(int(time.time())))))
state = {"base": None}
lock = threading.Lock()
acknowledged = {}          # vm_id -> idempotency key
released = set()           # vm_ids whose release was acknowledged
stop = threading.Event()
log = open(os.path.join(work, "serve.log"), "ab")

def start():
    process = subprocess.Popen(
        [binary, "serve", "--config", config, "--port", "0"], stdout=subprocess.PIPE, stderr=log, cwd=work)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = process.stdout.readline().decode()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
            return process, match.group(1)
        if process.poll() is not None:
            raise SystemExit("server exited during start-up (exit %s)" % process.returncode)
    raise SystemExit("server did not start within 30 s")

def call(method, path, body=None, headers=None):
    base = state["base"]
    if base is None:
        raise ConnectionError("server down")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={**auth, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except (urllib.error.URLError, ConnectionError, OSError, TimeoutError) as error:
        raise ConnectionError(str(error))

def retrying(fn):
    while not stop.is_set():
        try:
            return fn()
        except ConnectionError:
            time.sleep(0.02)
    raise ConnectionError("stopped")

def client(number):
    sequence = 0
    mine = []
    while not stop.is_set():
        sequence += 1
        key = "c%d-%d" % (number, sequence)
        paid = rng.random() < 0.3
        try:
            status, body = retrying(lambda: call(
                "POST", "/v1/vm", {"user_id": "u%d" % number, "plan": "small" if paid else "trial"},
                {"Idempotency-Key": key}))
            if status == 202:
                with lock:
                    acknowledged[body["vm_id"]] = key
                mine.append(body["vm_id"])
                if paid:
                    retrying(lambda: call("POST", "/v1/vm/%s/payment" % body["vm_id"], {"status": "paid"}))
            if mine and rng.random() < 0.5:
                victim = mine.pop(rng.randrange(len(mine)))
                status, _ = retrying(lambda: call("DELETE", "/v1/vm/%s" % victim))
                if status in (200, 202):
                    with lock:
                        released.add(victim)
        except ConnectionError:
            return
        time.sleep(rng.random() * 0.02)

threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(8)]
process, state["base"] = start()
for thread in threads:
    thread.start()
for round in range(kills):
    time.sleep(rng.uniform(0.15, 0.9))
    state["base"] = None
    process.send_signal(signal.SIGKILL)
    process.wait()
    process, base = start()
    state["base"] = base
time.sleep(0.5)
stop.set()
for thread in threads:
    thread.join(timeout=10)

# Let the restarted server's recovery and worker finish every transient state.
deadline = time.time() + 60
while True:
    pending = 0
    for transient in ("paid", "provisioning", "releasing"):
        status, body = call("GET", "/admin/allocations.json?limit=500&state=" + transient, headers=admin)
        assert status == 200, (status, body)
        pending += len(body["allocations"])
    if pending == 0:
        break
    if time.time() > deadline:
        raise SystemExit("FAIL: %d allocations still transient 60 s after the last restart" % pending)
    time.sleep(0.1)
process.send_signal(signal.SIGTERM)
assert process.wait(timeout=30) == 0, "the server did not stop cleanly"

db = sqlite3.connect(os.path.join(work, "data/provisioner.sqlite"))
rows = {row[0]: row[1:] for row in db.execute("SELECT id, state, vm, deleted_at FROM allocations")}
open_entries = db.execute("SELECT COUNT(*) FROM journal WHERE finished_at IS NULL").fetchone()[0]
problems = []
missing = [vm for vm in acknowledged if vm not in rows]
if missing: problems.append("acknowledged but missing: %s" % missing[:5])
stuck = [vm for vm, row in rows.items() if row[0] in ("paid", "provisioning", "releasing")]
if stuck: problems.append("stuck in a transient state: %s" % stuck[:5])
active = {vm for vm, row in rows.items() if row[0] in ("provisioned", "degraded") and row[2] is None}
not_released = [(vm, rows.get(vm, ("?",))[0]) for vm in released if rows.get(vm, ("?",))[0] != "released"]
if not_released: problems.append("acknowledged releases not released: %s" % not_released[:5])
if open_entries:
    entries = list(db.execute(
        "SELECT j.allocation_id, j.operation, j.step, a.state FROM journal j JOIN allocations a ON a.id = j.allocation_id "
        "WHERE j.finished_at IS NULL"))
    problems.append("%d journal entries left open: %s" % (open_entries, entries[:5]))
held = [json.loads(rows[vm][1])["backendRef"] for vm in active if rows[vm][1]]
if len(held) != len(set(held)): problems.append("a backend resource is held twice")
if fake is None:
    resources = [(c[0], c[1]) for c in db.execute(
        "SELECT resource, allocation_id FROM resource_claims WHERE namespace = 'pool'")]
    kind = "pool VMs"
else:
    snapshot = json.loads(urllib.request.urlopen(fake + "/admin/state", timeout=10).read())
    resources = [(vm["uuid"], vm["other_config"].get("provisioner.allocation_id"))
                 for vm in snapshot["vms"] if not vm["is_template"]]
    kind = "XAPI VMs"
unowned = [r for r in resources if r[1] not in active]
if unowned: problems.append("%s without an active allocation: %s" % (kind, unowned[:5]))
if len(resources) != len(active): problems.append("%d %s for %d active allocations" % (len(resources), kind, len(active)))
states = {}
for row in rows.values():
    states[row[0]] = states.get(row[0], 0) + 1
print("kill test (%s): %d kills; %d acknowledged allocations all present; %d acknowledged releases; states %s; "
      "%d %s held by %d active allocations, none twice; %d open journal entries"
      % ("pool" if fake is None else "xcpng", kills, len(acknowledged), len(released), json.dumps(states, sort_keys=True),
         len(resources), kind, len(active), open_entries))
if problems:
    for problem in problems: print("FAIL:", problem)
    sys.exit(1)
