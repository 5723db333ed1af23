# The kill test's traffic driver and checks, shared by scripts/smoke_kill_restart*.sh.
#
#   kill_test.py BINARY WORK KILLS CONFIG [FAKE_URL] [--faults] [--node-ids A,B] [--lease-s N]
#                [--min-rollback-kills N]
#
# Eight clients create, pay for and release VMs while the server is killed with SIGKILL KILLS
# times and restarted. Each restart takes a node id from --node-ids at random: the same node as
# before takes its leases back at once, another one has to wait until the dead node's leases
# (worker.lease_s, kept short by the callers) expire, in the middle of its allocates. With
# --faults (XCP-NG only) a background thread keeps arming faults in fake-xapi: failing start
# tasks (allocate fails -> rollback teardown), failing VM/VDI destroys (the teardown fails and
# stays pending), slow destroys (longer rollbacks) and slow guest metrics (allocates that
# outlive their lease and live on renewals only).
#
# Some kills are aimed: the store is read (read-only) until a rollback teardown is running, or
# an allocate has outlived its first lease, and the server is killed right then. What the store
# showed just before each kill is tallied; with --min-rollback-kills the test fails when fewer
# kills than that landed during a running rollback. After the last restart the faults are
# cleared and the test waits (bounded) until recovery and reconcile finished everything, then
# checks the store and, with a fake, what the fake still holds.
import argparse, json, os, random, re, signal, sqlite3, subprocess, sys, threading, time, urllib.error, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("work")
parser.add_argument("kills", type=int)
parser.add_argument("config")
parser.add_argument("fake", nargs="?", default=None, help="the fake XAPI server's URL (xcpng backend)")
parser.add_argument("--faults", action="store_true", help="arm faults in the fake while the kills run")
parser.add_argument("--node-ids", default=None, help="node ids the restarts choose from (comma separated)")
parser.add_argument("--lease-s", type=float, default=300, help="worker.lease_s of the config")
parser.add_argument("--min-rollback-kills", type=int, default=0)
parser.add_argument("--settle-s", type=float, default=150, help="how long recovery and reconcile may take at the end")
options = parser.parse_args()
binary, work, kills, fake = options.binary, options.work, options.kills, options.fake
if options.faults and fake is None:
    raise SystemExit("--faults needs the fake XAPI server's URL")

auth = {"Authorization": "Bearer " + os.environ["PROVISIONER_SERVICE_TOKEN"]}
admin = {"Authorization": "Bearer " + os.environ["PROVISIONER_ADMIN_SECRET"]}
seed = int(os.environ.get("KILL_SEED") or int(time.time()))
print("kill test: KILL_SEED=%d" % seed, flush=True)
kill_rng = random.Random(seed)           # kill timing and node choice
fault_rng = random.Random(seed + 1)      # the fault thread
database = os.path.join(work, "data/provisioner.sqlite")
state = {"base": None, "node": None}
lock = threading.Lock()
acknowledged = {}          # vm_id -> idempotency key
released = set()           # vm_ids whose release was acknowledged
stop = threading.Event()
log = open(os.path.join(work, "serve.log"), "ab")
began = time.time()

base_config = open(os.path.join(work, options.config)).read()
nodes = options.node_ids.split(",") if options.node_ids else [None]

def config_for(node):
    """The config file for a run as `node` (the base config with its worker.node_id replaced)."""
    if node is None:
        return options.config
    text, count = re.subn(r"(node_id:\s*)[^,}\s]+", r"\g<1>" + node, base_config)
    if count != 1:
        raise SystemExit("the config must name worker.node_id exactly once to run as several nodes")
    path = os.path.join(work, "kill-%s.yaml" % node)
    with open(path, "w") as handle:
        handle.write(text)
    return path

def start(node):
    log.write(("\n=== kill test: starting as node %s at +%.1f s ===\n" % (node, time.time() - began)).encode())
    log.flush()
    process = subprocess.Popen(
        [binary, "serve", "--config", config_for(node), "--port", "0"], stdout=subprocess.PIPE, stderr=log, cwd=work)
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

def fake_call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(fake + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")

def retrying(fn):
    while not stop.is_set():
        try:
            return fn()
        except ConnectionError:
            time.sleep(0.02)
    raise ConnectionError("stopped")

def client(number):
    rng = random.Random(seed * 100 + number)
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
            # Each client keeps at most a few VMs, so the clients never fill the backend (fake-xapi's
            # host holds about 100 running VMs): orders refused for capacity are not what this tests.
            if mine and (rng.random() < 0.5 or len(mine) > 6):
                victim = mine.pop(rng.randrange(len(mine)))
                status, _ = retrying(lambda: call("DELETE", "/v1/vm/%s" % victim))
                if status in (200, 202):
                    with lock:
                        released.add(victim)
        except ConnectionError:
            return
        time.sleep(rng.random() * 0.02)

# --- What the store shows (read-only; the server may hold the write lock) ---------------------

def read_store(queries, timeout):
    """`queries(db)` on a read-only connection to the store; sqlite3.Error when it cannot be read now."""
    db = sqlite3.connect("file:%s?mode=ro" % database, uri=True, timeout=timeout)
    try:
        return queries(db)
    finally:
        db.close()

def teardowns_failed():
    """How many teardowns have failed so far (audited); 0 when the store could not be read just now."""
    try:
        return read_store(lambda db: db.execute(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'teardown.failed'").fetchone()[0], 0.2)
    except sqlite3.Error:
        return 0

def probe():
    """What is in flight, from the SQLite file; None when it could not be read just now."""
    now = time.time()
    node = state["node"]
    try:
        entries, pending = read_store(lambda db: (
            db.execute(
                "SELECT j.operation, j.step, j.started_at, a.state, a.lease_owner, a.lease_expires_at "
                "FROM journal j JOIN allocations a ON a.id = j.allocation_id WHERE j.finished_at IS NULL").fetchall(),
            db.execute("SELECT COUNT(*) FROM allocations WHERE teardown_failures > 0").fetchone()[0]), 0.2)
    except sqlite3.Error:
        return None

    def held_here(owner, expires):
        # Held by the live process: its worker or recovery (both name the node), lease unexpired.
        return owner is not None and node is not None and owner.startswith(node + "/") and (expires or 0) > now

    result = {"open_teardowns": 0, "running_teardowns": 0, "teardown_pending": pending, "running_allocates": 0,
              "renewed_allocates": 0, "expired_allocates": 0}
    for operation, step, started, _, owner, expires in entries:
        if operation == "teardown":
            result["open_teardowns"] += 1
            if held_here(owner, expires):
                result["running_teardowns"] += 1
        elif operation == "allocate":
            if held_here(owner, expires):
                result["running_allocates"] += 1
                if now - started > options.lease_s:
                    result["renewed_allocates"] += 1   # outlived its first lease: alive on renewals
            elif expires is not None and expires < now:
                result["expired_allocates"] += 1       # its holder died and the lease ran out mid-allocate
    return result

def wait_for(condition, seconds):
    """Polls the store until `condition(probe)` holds or `seconds` passed; returns the last probe."""
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        seen = probe()
        if seen is not None:
            last = seen
            if condition(seen):
                return seen
        time.sleep(0.01)
    return last

# --- Faults in the fake ------------------------------------------------------------------------

injected = {}
faults_stop = threading.Event()
outages_wanted = threading.Event()   # set: every fault draw is a destroy outage

def arm(kind, fault):
    try:
        fake_call("POST", "/admin/faults", fault)
        injected[kind] = injected.get(kind, 0) + 1
    except (urllib.error.URLError, OSError) as error:
        print("warning: could not arm a fault in the fake: %s" % error, flush=True)

def fault_loop():
    lease_ms = int(options.lease_s * 1000)
    while not faults_stop.wait(fault_rng.uniform(0.1, 0.3)):
        try:
            armed = {fault["method"] for fault in fake_call("GET", "/admin/state")["faults"]}
        except (urllib.error.URLError, OSError):
            continue
        draw = 0.42 if outages_wanted.is_set() else fault_rng.random()
        if draw < 0.40:
            if "VM.start" not in armed:
                # The next start tasks fail: allocate fails, the attempt is rolled back.
                arm("start_fails", {"method": "VM.start", "error": ["INTERNAL_ERROR", "injected"],
                                    "times": fault_rng.randint(1, 3)})
        elif draw < 0.44:
            # A destroy outage: every VM.destroy (or VDI.destroy) fails for a second or so, long
            # enough for a rollback's teardown (the plugin's own cleanup, then the Host's four
            # tries over 0.7 s) to fail and stay pending; releases in the window fail and retry.
            method = fault_rng.choice(["VM.destroy", "VDI.destroy"])
            arm("destroy_outage", {"method": method, "error": ["INTERNAL_ERROR", "injected outage"]})
            arm("start_fails", {"method": "VM.start", "error": ["INTERNAL_ERROR", "injected"], "times": 2})
            faults_stop.wait(fault_rng.uniform(1.2, 2.0))
            try:
                fake_call("DELETE", "/admin/faults")   # ends the outage (the other faults are re-armed)
            except (urllib.error.URLError, OSError):
                pass
        elif draw < 0.85:
            if "VDI.get_record" not in armed:
                # Slow teardowns (only a teardown reads a VDI): a rollback stays in flight long
                # enough to be killed in.
                arm("slow_teardown", {"method": "VDI.get_record", "latency_ms": fault_rng.randint(300, 900),
                                      "times": fault_rng.randint(2, 4)})
        elif draw < 0.95:
            if "VM.get_guest_metrics" not in armed:
                # One allocate waits longer than a lease for its guest IP: it lives on renewals,
                # and some run past reconcile.provisioning_deadline_s (a deadline rollback).
                arm("slow_allocate", {"method": "VM.get_guest_metrics",
                                      "latency_ms": lease_ms + fault_rng.randint(500, 4500), "times": 1})
        else:
            if "Async.VM.start" not in armed:
                arm("slow_start", {"method": "Async.VM.start", "latency_ms": fault_rng.randint(200, 1200),
                                   "times": fault_rng.randint(1, 2)})

# --- The kills ---------------------------------------------------------------------------------

tally = {"kills": 0, "running_rollback": 0, "open_teardown": 0, "teardown_pending": 0, "provisioning": 0,
         "renewed_allocate": 0, "unread": 0, "node_changed": 0}
aims = {"random": 0, "rollback": 0, "long_allocate": 0}

def note_kill(seen, new_node):
    tally["kills"] += 1
    if seen is None:
        tally["unread"] += 1
        return
    tally["running_rollback"] += seen["running_teardowns"] > 0
    tally["open_teardown"] += seen["open_teardowns"] > 0
    tally["teardown_pending"] += seen["teardown_pending"] > 0
    tally["provisioning"] += seen["running_allocates"] > 0
    tally["renewed_allocate"] += seen["renewed_allocates"] > 0
    tally["node_changed"] += new_node != state["node"]

threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(8)]
state["node"] = nodes[0]
process, state["base"] = start(state["node"])
for thread in threads:
    thread.start()
fault_thread = None
if options.faults:
    fault_thread = threading.Thread(target=fault_loop, daemon=True)
    fault_thread.start()
for round in range(kills):
    draw = kill_rng.random()
    if options.faults and draw < 0.45:
        aim = "rollback"
        seen = wait_for(lambda p: p["running_teardowns"] > 0, 3.0)
    elif options.faults and draw < 0.65:
        aim = "long_allocate"
        seen = wait_for(lambda p: p["renewed_allocates"] > 0, options.lease_s + 4)
    elif not options.faults and draw < 0.3:
        aim = "rollback"
        seen = wait_for(lambda p: p["open_teardowns"] > 0 or p["running_allocates"] > 0, 1.5)
    else:
        aim = "random"
        time.sleep(kill_rng.uniform(0.15, 0.9))
        seen = probe()
    state["base"] = None
    process.send_signal(signal.SIGKILL)
    process.wait()
    log.write(("\n=== kill test: SIGKILL %d (aimed: %s) at +%.1f s; the store showed %s ===\n"
               % (round + 1, aim, time.time() - began, seen)).encode())
    node = kill_rng.choice(nodes)
    aims[aim] += 1
    note_kill(seen, node)
    state["node"] = node
    process, base = start(node)
    state["base"] = base

if options.faults and not teardowns_failed():
    # The kills can be over before a random destroy outage met a running rollback: with traffic
    # still running, make every fault an outage (with failing starts, so rollbacks run into it)
    # until a teardown has failed, so the failing-teardown path is always exercised.
    outages_wanted.set()
    outage_deadline = time.time() + 30
    while not teardowns_failed() and time.time() < outage_deadline:
        time.sleep(0.2)
    outages_wanted.clear()
time.sleep(0.5)
stop.set()
faults_stop.set()
for thread in threads:
    thread.join(timeout=10)
if fault_thread is not None:
    fault_thread.join(timeout=10)
    fake_call("DELETE", "/admin/faults")
kills_done = time.time()

# --- Let the restarted server's recovery, worker and reconcile finish everything ---------------

def unsettled():
    """What is still to do: transient states, pending teardowns, open journal entries."""
    pending = 0
    for transient in ("paid", "provisioning", "releasing"):
        status, body = call("GET", "/admin/allocations.json?limit=500&state=" + transient, headers=admin)
        assert status == 200, (status, body)
        pending += len(body["allocations"])
    try:
        teardowns, entries = read_store(lambda db: (
            db.execute("SELECT COUNT(*) FROM allocations WHERE teardown_failures > 0").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM journal WHERE finished_at IS NULL").fetchone()[0]), 1)
    except sqlite3.Error:
        return {"unreadable": 1}
    left = {"transient": pending, "teardown_pending": teardowns, "open_journal_entries": entries}
    return {k: v for k, v in left.items() if v}

deadline = time.time() + options.settle_s
while True:
    left = unsettled()
    if not left:
        break
    if time.time() > deadline:
        print("FAIL: %.0f s after the last restart still unsettled: %s" % (options.settle_s, left))
        db = sqlite3.connect("file:%s?mode=ro" % database, uri=True, timeout=5)
        for row in db.execute(
                "SELECT a.id, a.state, a.teardown_failures, a.lease_owner, a.lease_expires_at - strftime('%s','now'), "
                "j.operation, j.step, j.attempt FROM allocations a LEFT JOIN journal j "
                "ON j.allocation_id = a.id AND j.finished_at IS NULL "
                "WHERE a.teardown_failures > 0 OR j.op_id IS NOT NULL OR a.state IN ('paid','provisioning','releasing') "
                "LIMIT 20"):
            print("  left:", row)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        sys.exit(1)
    time.sleep(0.2)
settled = time.time()
# The API must not show a pending teardown either (the service view, `teardown_pending`).
status, body = call("GET", "/admin/allocations.json?limit=500", headers=admin)
assert status == 200, (status, body)
api_pending = [a["vm_id"] for a in body["allocations"] if a.get("teardown_pending")]
api_has_field = any("teardown_pending" in a for a in body["allocations"])
process.send_signal(signal.SIGTERM)
assert process.wait(timeout=30) == 0, "the server did not stop cleanly"

# --- Checks --------------------------------------------------------------------------------------

db = sqlite3.connect(database)
rows = {row[0]: row[1:] for row in db.execute("SELECT id, state, vm, deleted_at, teardown_failures FROM allocations")}
open_entries = db.execute("SELECT COUNT(*) FROM journal WHERE finished_at IS NULL").fetchone()[0]
problems = []
missing = [vm for vm in acknowledged if vm not in rows]
if missing: problems.append("acknowledged but missing: %s" % missing[:5])
stuck = [vm for vm, row in rows.items() if row[0] in ("paid", "provisioning", "releasing")]
if stuck: problems.append("stuck in a transient state: %s" % stuck[:5])
pending_teardowns = [vm for vm, row in rows.items() if row[3] > 0]
if pending_teardowns: problems.append("teardown still pending (teardown_failures > 0): %s" % pending_teardowns[:5])
if api_pending: problems.append("the API shows teardown_pending: %s" % api_pending[:5])
active = {vm for vm, row in rows.items() if row[0] in ("provisioned", "degraded") and row[2] is None}
not_released = [(vm, rows.get(vm, ("?",))[0]) for vm in released if rows.get(vm, ("?",))[0] != "released"]
if not_released: problems.append("acknowledged releases not released: %s" % not_released[:5])
if open_entries:
    entries = list(db.execute(
        "SELECT j.allocation_id, j.operation, j.step, j.attempt, a.state FROM journal j "
        "JOIN allocations a ON a.id = j.allocation_id WHERE j.finished_at IS NULL"))
    problems.append("%d journal entries left open: %s" % (open_entries, entries[:5]))
held = [json.loads(rows[vm][1])["backendRef"] for vm in active if rows[vm][1]]
if len(held) != len(set(held)): problems.append("a backend resource is held twice")
ended = {vm for vm, row in rows.items() if row[0] in ("failed", "rolled_back", "released")}
if fake is None:
    resources = [(c[0], c[1]) for c in db.execute(
        "SELECT resource, allocation_id FROM resource_claims WHERE namespace = 'pool'")]
    kind = "pool VMs"
else:
    snapshot = fake_call("GET", "/admin/state")
    # Every VM the fake made, template-flagged clones included (a clone interrupted before
    # VM.provision is still a template); an untagged one is known by its name label.
    def owner(vm):
        tagged = vm["other_config"].get("provisioner.allocation_id")
        if tagged: return tagged
        label = vm["name_label"]
        return label[len("provisioner-"):] if label.startswith("provisioner-") else None
    resources = [(vm["uuid"], owner(vm)) for vm in snapshot["vms"]]
    kind = "XAPI VMs"
    left_behind = [r for r in resources if r[1] in ended]
    if left_behind: problems.append("VMs on the fake for failed/rolled-back/released allocations: %s" % left_behind[:5])
unowned = [r for r in resources if r[1] not in active]
if unowned: problems.append("%s without an active allocation: %s" % (kind, unowned[:5]))
if len(resources) != len(active): problems.append("%d %s for %d active allocations" % (len(resources), kind, len(active)))
states = {}
for row in rows.values():
    states[row[0]] = states.get(row[0], 0) + 1
teardown_steps = dict(db.execute(
    "SELECT step || ':' || COALESCE(outcome, 'open'), COUNT(*) FROM journal WHERE operation = 'teardown' GROUP BY 1"))
audits = dict(db.execute(
    "SELECT kind, COUNT(*) FROM audit_events WHERE kind IN ('teardown.failed', 'teardown.succeeded', 'lease.lost', "
    "'deadline.exceeded') GROUP BY kind"))
events = dict(db.execute(
    "SELECT kind, COUNT(*) FROM lifecycle_events WHERE kind IN ('teardown_pending', 'teardown_finished', "
    "'attempt_superseded', 'lease_lost', 'deadline_exceeded') GROUP BY kind"))
print("kill test (%s): %d kills; %d acknowledged allocations all present; %d acknowledged releases; states %s; "
      "%d %s held by %d active allocations, none twice; %d open journal entries; 0 teardowns pending"
      % ("pool" if fake is None else "xcpng", kills, len(acknowledged), len(released), json.dumps(states, sort_keys=True),
         len(resources), kind, len(active), open_entries))
print("kill test: kills aimed %s; kills during a running rollback: %d, while a teardown was open: %d, "
      "while one was pending after a failure: %d, during a provisioning attempt: %d, while an allocate had outlived "
      "its lease: %d; %d restarts as another node (leases left to expire); %d probes unreadable"
      % (json.dumps(aims, sort_keys=True), tally["running_rollback"], tally["open_teardown"], tally["teardown_pending"],
         tally["provisioning"], tally["renewed_allocate"], tally["node_changed"], tally["unread"]))
print("kill test: rollbacks journaled %s; audit %s; events %s; faults armed %s; %d %s with nothing on the backend"
      % (json.dumps(teardown_steps, sort_keys=True), json.dumps(audits, sort_keys=True),
         json.dumps(events, sort_keys=True), json.dumps(injected, sort_keys=True), len(ended),
         "failed/rolled-back/released allocations"))
print("kill test: kills took %.1f s, settling after the last restart %.1f s; KILL_SEED=%d%s"
      % (kills_done - began, settled - kills_done, seed,
         "" if api_has_field else "; note: the API view has no teardown_pending field (checked the store)"))
if tally["running_rollback"] < options.min_rollback_kills:
    problems.append("only %d kills landed during a running rollback (at least %d wanted)"
                    % (tally["running_rollback"], options.min_rollback_kills))
if options.faults and not audits.get("teardown.failed"):
    problems.append("no teardown failed: the failing-teardown path was not exercised")
if problems:
    for problem in problems: print("FAIL:", problem)
    sys.exit(1)
