#!/usr/bin/env bash
# Drives the real binary: mints a host through POST /admin/hosts, runs `provisioner agent --once`
# with its key (the agent reads this machine's /proc), and sees the host `ok` with the agent's
# figures on /admin/hosts.json. A wrong key makes `agent --once` exit non-zero and stores nothing;
# a blocked host's report is accepted and the agent is told it is blocked.
set -euo pipefail
source "$(dirname "$0")/lib/smoke-common.sh"

cat > hosts.yaml <<YAML
store: { kind: sqlite, path: $work/data/provisioner.sqlite }
launch_proof: { dns_aaaa: { enabled: false }, ssh_smoke: { enabled: false } }
hosts: { check_interval_s: 1 }
YAML
start_server --config hosts.yaml

# host_field HOST_ID FIELD: one field of one host on /admin/hosts.json.
host_field() {
    curl -sf "$base/admin/hosts.json" -H "$admin" | python3 -c '
import json, sys
hosts = {h["host_id"]: h for h in json.load(sys.stdin)["hosts"]}
v = hosts[sys.argv[1]].get(sys.argv[2])
print("" if v is None else v)' "$1" "$2"
}

minted="$(curl -sf -X POST "$base/admin/hosts" -H "$admin" -d '{"label":"smoke1","owner":"ops"}')" \
    || fail "minting a host failed"
host_id="$(echo "$minted" | json_field host_id)"
api_key="$(echo "$minted" | json_field api_key)"
[[ "$host_id" =~ ^smoke1-[0-9a-f]{8}$ ]] || fail "unexpected host id: $host_id"
[[ "$api_key" =~ ^[0-9a-f]{64}$ ]] || fail "unexpected api key: $api_key"
[ "$(host_field "$host_id" health)" = "never_reported" ] || fail "a fresh host is not never_reported"

# A wrong key: refused (403), the agent exits non-zero, nothing is stored.
set +e
PROVISIONER_HOST_KEY="$(printf '0%.0s' $(seq 1 64))" "$bin" agent --server "$base" --host-id "$host_id" --once \
    > wrong.out 2> wrong.err
code=$?
set -e
[ "$code" -ne 0 ] || fail "agent --once with a wrong key exited 0"
grep -q "403 forbidden" wrong.err || fail "the wrong key's refusal was not reported: $(cat wrong.err)"
[ "$(host_field "$host_id" health)" = "never_reported" ] || fail "a refused report changed the host"

# The right key: accepted; the host is ok with the agent's own figures.
PROVISIONER_HOST_KEY="$api_key" "$bin" agent --server "$base" --host-id "$host_id" --once > once.out 2> once.err \
    || fail "agent --once failed: $(cat once.err)"
grep -q "report accepted: poll_interval_seconds 900, blocked false" once.out || fail "agent said: $(cat once.out)"
[ "$(host_field "$host_id" health)" = "ok" ] || fail "after agent --once the host is $(host_field "$host_id" health)"
[ "$(host_field "$host_id" agent_version)" = "provisioner-agent/1" ] || fail "agent_version not stored"
[ -n "$(host_field "$host_id" mem_percent)" ] || fail "mem_percent not stored"
[ -n "$(host_field "$host_id" disk_percent)" ] || fail "disk_percent not stored"
[ -n "$(host_field "$host_id" uptime_s)" ] || fail "uptime_s not stored"
[ "$(host_field "$host_id" guest_total)" = "0" ] || fail "guest_total is not 0"

# Blocked: the report is still accepted and the agent learns it is blocked.
curl -sf -X POST "$base/admin/hosts/$host_id/block" -H "$admin" > /dev/null || fail "block failed"
PROVISIONER_HOST_KEY="$api_key" "$bin" agent --server "$base" --host-id "$host_id" --once > blocked.out 2>&1 \
    || fail "agent --once on a blocked host failed: $(cat blocked.out)"
grep -q "blocked true" blocked.out || fail "the agent was not told it is blocked: $(cat blocked.out)"
[ "$(host_field "$host_id" blocked)" = "True" ] || fail "the host is not shown blocked"

# The HTML page lists the host.
curl -sf "$base/admin/hosts" -H "$admin" | grep -q "$host_id" || fail "/admin/hosts does not list the host"
stop_server
echo "smoke hosts: mint, agent --once (wrong key refused, right key ok, blocked told), /admin/hosts.json: ok"
