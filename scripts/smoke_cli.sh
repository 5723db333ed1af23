#!/usr/bin/env bash
# Drives the real binaries, server and client, the way README.md's walk-through does with the
# CLI: check-config names the store, then `provisioner vm ...` against `provisioner serve`:
# dry run -> create -> pay --wait -> status -> show -> list -> release --wait, each checked for its
# output and exit code (0 done, 1 error with agent_action, 2 usage, 3 the VM ended failed); the
# --wait progress in a pseudo-terminal (`script`), where the status block must be redrawn in place;
# and pool show/refresh/dry run against the pool backend.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"

# expect_exit CODE CMD...: runs CMD with stdout in out.txt and stderr in err.txt; fails unless it exits CODE.
expect_exit() {
    local want="$1"; shift
    set +e
    "$@" > out.txt 2> err.txt
    local got=$?
    set -e
    [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want: $(cat out.txt err.txt)"
}
contains() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(cat "$1")"; }

# check-config names the store it would open: a PostgreSQL store is not reported as the SQLite default.
printf 'store:\n  kind: postgres\n  url_env: SMOKE_DB_URL\n' > pg.yaml
SMOKE_DB_URL='postgres://prov:s3cret@db.example:5433/provdb' "$bin" check-config pg.yaml > out.txt
contains out.txt "store postgres prov@db.example:5433/provdb (sslmode prefer, at most 10 connections, URL from \$SMOKE_DB_URL)"
grep -q "s3cret\|data/provisioner.sqlite" out.txt && fail "check-config printed a password or the SQLite path: $(cat out.txt)"

cat > cli.yaml <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
provisioner:
  simulated: { provision_delay_ms: 1500, ssh_banner_listener: true }
launch_proof: { dns_aaaa: { enabled: false } }
YAML
start_server --config cli.yaml
export PROVISIONER_URL="$base"

# Dry run: what the order would get, nothing created.
expect_exit 0 "$bin" vm create --user alice --plan small --dry-run
contains out.txt "would_be_accepted  yes"
contains out.txt "price              5.00"
contains out.txt "dry run: nothing was created"
expect_exit 0 "$bin" vm list --user alice
contains out.txt "alice has no VMs"

# create -> pay --wait (a pipe: one line per change, no ANSI) -> status -> show -> list -> release --wait
expect_exit 0 "$bin" vm create --user alice --plan small --output json
id="$(json_field vm_id < out.txt)"
[ -n "$id" ] || fail "no vm_id in: $(cat out.txt)"
expect_exit 0 "$bin" vm pay "$id" --reference inv-1 --wait
contains out.txt "payment recorded for $id"
grep -qE "^\[[0-9]+\.[0-9]s\] $id " out.txt || fail "no progress line for $id: $(cat out.txt)"
contains out.txt "state provisioned: Your machine is ready."
contains out.txt "check ssh_smoke passed (measured "
grep -q $'\e' out.txt && fail "progress on a pipe carries ANSI sequences"
expect_exit 0 "$bin" vm status "$id" --output json
[ "$(json_field launch_proof_status < out.txt)" = "provisioned" ] || fail "status: $(cat out.txt)"
expect_exit 0 "$bin" vm status "$id"
contains out.txt "ssh_smoke           passed"
expect_exit 0 "$bin" vm show "$id"
contains out.txt "backend_ref"
expect_exit 0 "$bin" vm list --user alice
contains out.txt "$id"
expect_exit 0 "$bin" vm release "$id" --wait
contains out.txt "state               released"

# --wait with --output json: progress lines on standard error, only the final JSON on standard output.
expect_exit 0 "$bin" vm create --user erin --plan trial --wait --output json
[ "$(json_field launch_proof_status < out.txt)" = "provisioned" ] || fail "--wait --output json: $(cat out.txt)"
grep -qE "^\[[0-9]+\.[0-9]s\] vm-" err.txt || fail "no progress line on stderr: $(cat err.txt)"

# Exit codes: 1 with the envelope's message and agent_action; 2 for usage.
expect_exit 1 "$bin" vm create --user alice --plan huge
contains err.txt "error: plan 'huge' does not exist"
contains err.txt "agent_action: fix the request as the message says; do not retry unchanged"
expect_exit 1 "$bin" vm show vm-unknown
contains err.txt "(not_found, HTTP 404)"
expect_exit 2 "$bin" vm create --user alice
contains err.txt "Missing expected argument '--plan <plan>'"
expect_exit 2 env -u PROVISIONER_SERVICE_TOKEN "$bin" vm show "$id"
contains err.txt "PROVISIONER_SERVICE_TOKEN is not set"
expect_exit 1 "$bin" vm status "$id" --server http://127.0.0.1:1
contains err.txt "cannot reach the provisioner at http://127.0.0.1:1"

# --wait in a pseudo-terminal: one status block, redrawn in place (cursor up 5 lines, erase below).
command -v script >/dev/null || fail "script (bsdutils) is not installed; run scripts/install-deps"
set +e
script -qfec "$bin vm create --user bob --plan trial --wait --poll-ms 100" tty.out > /dev/null
code=$?
set -e
[ "$code" -eq 0 ] || fail "vm create --wait in a terminal exited $code: $(cat tty.out)"
redraws="$(grep -o $'\e\\[5A\e\\[J' tty.out | wc -l)"
[ "$redraws" -ge 2 ] || fail "the status block was redrawn $redraws times (expected >= 2 over a 1.5 s launch)"
python3 - tty.out <<'PY' || fail "the last status block is not the delivered VM: $(cat -v tty.out | tail -12)"
import sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
last = text.split("\x1b[5A\x1b[J")[-1]
assert "  provisioned  " in last and "ssh_smoke  passed  (measured" in last, last
PY
grep -qE '^\[[0-9]+\.[0-9]s\]' tty.out && fail "a terminal got the per-change lines instead of the block"
stop_server

# A launch that ends rolled back exits 3.
cat > failing.yaml <<YAML
store: { kind: sqlite, path: $work/data/failing.sqlite }
provisioner:
  simulated: { provision_delay_ms: 0, failure_rate: 1.0 }
YAML
start_server --config failing.yaml
export PROVISIONER_URL="$base"
expect_exit 3 "$bin" vm create --user carol --plan trial --wait
contains err.txt "ended rolled_back"
stop_server

# The pool: show, the VM a dry run would be offered, refresh from a file.
cat > pool.yaml <<YAML
store: { kind: sqlite, path: $work/data/pool.sqlite }
provisioner:
  backend: pool
  pool: { reuse: immediate }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
YAML
export VM_POOL_JSON='[{"id":"vm-a","ipv6":"2001:db8::a"},{"id":"vm-b","ipv6":"2001:db8::b"}]'
start_server --config pool.yaml
export PROVISIONER_URL="$base"
expect_exit 0 "$bin" vm create --user dana --plan trial --dry-run
contains out.txt "offered_vm         vm-a (2001:db8::a)"
expect_exit 0 "$bin" pool show
contains out.txt "pool generation 1, 2 VMs"
contains out.txt "vm-b"
printf '{"pool":[{"id":"vm-a","ipv6":"2001:db8::a"},{"id":"vm-b"},{"id":"vm-c"}]}' > pool.json
expect_exit 0 "$bin" pool refresh pool.json
contains out.txt "pool_size  3 VMs (was 2)"
expect_exit 2 "$bin" pool refresh missing.json
contains err.txt "missing.json: cannot read the pool file"
stop_server
echo "smoke cli: check-config store, dry run, create, pay --wait, status, show, list, release --wait, exit codes 0/1/2/3, terminal redraw, pool: ok"
