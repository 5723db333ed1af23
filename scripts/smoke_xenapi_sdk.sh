#!/usr/bin/env bash
# The official XenAPI Python SDK (PyPI `XenAPI`, installed by scripts/install-deps) drives
# fake-xapi over XML-RPC at `/`, unchanged: login, records, clone, provision, a config drive
# upload, an async start, guest metrics, faults, destroy (scripts/lib/xenapi_sdk_check.py).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fake_bin="$root/.build/debug/fake-xapi"
[ -x "$fake_bin" ] || (cd "$root" && swift build --product fake-xapi)
python3 -c 'import XenAPI' 2>/dev/null || { echo "SMOKE FAIL: the XenAPI SDK is missing (scripts/install-deps)" >&2; exit 1; }
work="$(mktemp -d)"
"$fake_bin" --port 0 --cloud-image --start-duration-ms 40 --guest-metrics-delay-ms 60 > "$work/fake.log" 2>&1 &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
    grep -q "fake-xapi listening on" "$work/fake.log" && break
    sleep 0.05
done
fake="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/fake.log" | head -1)"
[ -n "$fake" ] || { echo "SMOKE FAIL: fake-xapi did not start: $(cat "$work/fake.log")" >&2; exit 1; }
python3 "$root/scripts/lib/xenapi_sdk_check.py" "$fake/" || { echo "SMOKE FAIL: XenAPI SDK against fake-xapi" >&2; exit 1; }
sessions="$(curl -sf "$fake/admin/state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"])')"
[ "$sessions" = "0" ] || { echo "SMOKE FAIL: the SDK's logout left $sessions sessions" >&2; exit 1; }
echo "smoke xenapi sdk: ok"
