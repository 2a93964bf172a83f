#!/usr/bin/env bash
# What users install, tested: `make install` into a temporary prefix (the release build, built
# once), then every command of the installed binary once, with assertions on its JSON:
# probe (by IP, by name, several servers), classify, relay serve/test/connect, punch (direct and
# relayed), trace, and lab up/verify/exec/status/down. An optimiser-only failure (issue: probe
# said "not resolved" in every release build) cannot pass this. Every JSON document, success
# and failure, is validated against docs/schema/ (scripts/check-json.sh for the commands that
# need no root, and the lab and trace documents below).
#
#   scripts/smoke-install.sh
#
# Without root, the trace and lab steps are reported as skipped (they need namespaces and
# capture privileges); everything else runs.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d /tmp/natctl-install.XXXXXX)
work=$(mktemp -d /tmp/natctl-smoke.XXXXXX)
pids=()
lab=smoke$$
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ "$(id -u)" -eq 0 ] && [ -x "$prefix/bin/natctl" ] && "$prefix/bin/natctl" lab down --name "$lab" >/dev/null 2>&1 || true
  rm -rf "$prefix" "$work"
}
trap cleanup EXIT

fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
pass() { echo "smoke: ok   $*"; }
# check NAME JQ-FILTER FILE: the filter must yield true on the document in FILE.
check() {
  jq -e "$2" "$3" >/dev/null || { echo "--- $3:" >&2; cat "$3" >&2; fail "$1 ($2)"; }
  pass "$1"
}
# valid NAME FILE: the document in FILE validates against its schema in docs/schema/.
python=python3
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null && python=/usr/bin/python3
valid() {
  "$python" scripts/check-schemas.py --expect-ok "$2" >/dev/null 2>"$work/schema.err" || { cat "$work/schema.err" >&2; fail "$1: schema"; }
  pass "$1 validates against docs/schema/"
}

make --no-print-directory install PREFIX="$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "make install"; }
bin=$prefix/bin/natctl
[ -x "$bin" ] || fail "make install did not install $bin"
[ -f "$prefix/share/man/man1/natctl.1" ] || fail "make install did not install the man page"
"$bin" --version >"$work/version" || fail "--version"
pass "make install PREFIX=$prefix: $(head -1 "$work/version")"

# Every command's JSON, success and failure (exit codes, error codes), against docs/schema/.
# (The prefix is opened so check-json.sh can run trace as nobody: the not-permitted path.)
chmod 755 "$prefix" "$prefix/bin"
scripts/check-json.sh "$bin" >"$work/check-json.log" 2>&1 || { cat "$work/check-json.log" >&2; fail "check-json.sh"; }
pass "$(tail -1 "$work/check-json.log")"

# A local server: RFC 5780 roles on 127.0.0.1/127.0.0.2 and a TURN relay that may reach loopback peers.
"$bin" relay serve --listen 127.0.0.1:0 --alternate 127.0.0.2:0 --user smoke:secret --allow-loopback-peers \
  --json --duration 600 >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '"listening"' "$work/serve.log" && break; sleep 0.1; done
check "relay serve listens with RFC 5780 and TURN" '.rfc5780 == true and .turn != null' <(grep '"listening"' "$work/serve.log" | head -1)
primary=$(jq -r 'select(.event == "listening") | .addresses[0]' "$work/serve.log")
alternate=$(jq -r 'select(.event == "listening") | .addresses[3]' "$work/serve.log")
port=${primary##*:}

# probe: by IP, by name and with several servers (the task group that resolves them all);
# --portmap off here and in trace below: the machine's own gateway is never asked.
"$bin" probe --portmap off --server "$primary" --json --timeout 5 >"$work/probe.json" || fail "probe by IP exited $?"
check "probe by IP answers" '.udp == true and .servers[0].address == "'"$primary"'" and .servers[0].error == null' "$work/probe.json"
"$bin" probe --portmap off --server "localhost:$port" --family ipv4 --json --timeout 5 >"$work/probe-name.json" || fail "probe by name exited $?"
check "probe by name answers" '.udp == true and ([.servers[] | select(.purpose == "server" and .error == null)] | length) == 1' "$work/probe-name.json"
"$bin" probe --portmap off --server "$primary" --server "$alternate" --server "localhost:$port" --family ipv4 --json --timeout 5 >"$work/probe-many.json" || fail "probe with three servers exited $?"
check "probe resolves and answers three servers" '[.servers[] | select(.purpose == "server" and .error == null)] | length == 3' "$work/probe-many.json"

# classify: RFC 5780 tests against the local server (no NAT on loopback).
"$bin" classify --server "$primary" --json --timeout 5 >"$work/classify.json" || fail "classify exited $?"
check "classify decides mapping and filtering" '.mapping.value != null and .filtering.value != null' "$work/classify.json"

# relay test: allocate and echo through the relay.
"$bin" relay test --server "$primary" --user smoke --password secret --json >"$work/relay-test.json" || fail "relay test exited $?"
check "relay test echoes through the relay" '.allocation.relayed_address != null and .echo.median_rtt_ms != null and .error == null' "$work/relay-test.json"

# relay connect: one side accepts, the other sends a line to the first's relayed address.
mkfifo "$work/accept-in"
"$bin" relay connect --server "$primary" --user smoke --password secret --accept 127.0.0.1 --duration 10 \
  <"$work/accept-in" >"$work/accept.out" 2>"$work/accept.err" &
pids+=($!)
exec 7>"$work/accept-in"
for _ in $(seq 100); do grep -q 'relayed address' "$work/accept.err" && break; sleep 0.1; done
relayed=$(sed -n 's/.*relayed address \([0-9.]*:[0-9]*\).*/\1/p' "$work/accept.err" | head -1)
[ -n "$relayed" ] || { cat "$work/accept.err" >&2; fail "relay connect --accept printed no relayed address"; }
echo "hello through the relay" | "$bin" relay connect --server "$primary" --user smoke --password secret --peer "$relayed" --linger 0.5 \
  >/dev/null 2>"$work/connect.err" || { cat "$work/connect.err" >&2; fail "relay connect --peer"; }
for _ in $(seq 50); do grep -q 'hello through the relay' "$work/accept.out" && break; sleep 0.1; done
grep -q 'hello through the relay' "$work/accept.out" || fail "relay connect: the line did not arrive"
exec 7>&-
pass "relay connect carries a line between two relayed peers"

# punch: a direct pair and a pair forced through the relay (the rendezvous and relay tasks).
for mode in direct relayed; do
  extra=(); [ "$mode" = relayed ] && extra=(--no-direct)
  code="$RANDOM-amber-falcon-$mode"
  "$bin" punch --server "$primary" --code "$code" --timeout 15 --proof 3 "${extra[@]}" --json >"$work/punch-a.json" 2>/dev/null &
  a=$!
  "$bin" punch --server "$primary" --code "$code" --timeout 15 --proof 3 "${extra[@]}" --json >"$work/punch-b.json" 2>/dev/null || true
  wait $a || true
  check "punch ($mode) succeeds on both sides" '.outcome == "SUCCESS"' <(jq -s '{outcome: (if length == 2 and all(.[]; .outcome == "SUCCESS") then "SUCCESS" else "FAILED" end)}' "$work/punch-a.json" "$work/punch-b.json")
  [ "$mode" = relayed ] && check "punch --no-direct goes through the relay" '.path == "relayed"' "$work/punch-b.json"
done

if [ "$(id -u)" -ne 0 ]; then
  echo "smoke: skipped trace and lab (need root for capture and network namespaces)"
  exit 0
fi

# trace: the probe under capture on loopback.
"$bin" trace --json probe --portmap off --server "$primary" --timeout 5 >"$work/trace.json" || fail "trace probe exited $?"
check "trace captures the probe's packets" '.schema == "natctl.trace/2" and (.timeline | length) >= 2' "$work/trace.json"
valid "trace" "$work/trace.json"
jq '.operation.report' "$work/trace.json" >"$work/trace-probe.json"
valid "the probe report inside trace" "$work/trace-probe.json"


# lab: up, verify, exec a probe behind a real NAT, status, punch --wireguard, down.
"$bin" lab up --name "$lab" --site a=eim-apdf --json >"$work/lab-up.json" || fail "lab up exited $?"
valid "lab up" "$work/lab-up.json"
status=0; "$bin" lab up --name "$lab" --site a=eim-apdf --json >"$work/lab-up-again.json" 2>/dev/null || status=$?
[ "$status" = 2 ] && "$python" scripts/check-schemas.py --expect-error lab-running "$work/lab-up-again.json" >/dev/null ||
  fail "lab up on a running lab: exit $status, $(cat "$work/lab-up-again.json")"
pass "lab up on a running lab: exit 2, error lab-running"
"$bin" lab verify --name "$lab" --json >"$work/lab-verify.json" || fail "lab verify exited $?"
check "lab verify proves the NAT" '.passed == true' "$work/lab-verify.json"
valid "lab verify" "$work/lab-verify.json"
"$bin" lab exec --name "$lab" a -- natctl probe --json >"$work/lab-probe.json" || fail "probe inside the lab exited $?"
check "probe behind the lab NAT sees the router's address" '.udp == true and .no_nat == false' "$work/lab-probe.json"
valid "probe behind the lab NAT" "$work/lab-probe.json"
"$bin" lab exec --name "$lab" a -- natctl classify --json >"$work/lab-classify.json" || fail "classify inside the lab exited $?"
valid "classify behind the lab NAT" "$work/lab-classify.json"
"$bin" lab exec --name "$lab" a -- natctl trace --lab "$lab" --json probe >"$work/lab-trace.json" || fail "trace --lab exited $?"
check "trace --lab captures in every namespace of the lab" '[.interfaces[] | select(.packets > 0)] | length >= 3' "$work/lab-trace.json"
valid "trace --lab" "$work/lab-trace.json"
"$bin" lab status --name "$lab" --json >"$work/lab-status.json" || fail "lab status exited $?"
check "lab status" '.name == "'"$lab"'"' "$work/lab-status.json"
valid "lab status (every key present)" "$work/lab-status.json"
# punch --wireguard: real wireguard-go on the site's host (behind its NAT) and on the lab's
# internet. The endpoint list, then rendezvous from WireGuard's own port (raw sockets, the
# packet socket's BPF filter, the keys inside the signed checks), in the release build.
hostns=$(jq -r '.sites[0].host_namespace' "$work/lab-status.json")
declare -A wgpids
pubns=$(jq -r '.public_namespace' "$work/lab-status.json")
(umask 077; wg genkey >"$work/wg-a.key"; wg genkey >"$work/wg-p.key")
wg pubkey <"$work/wg-a.key" >"$work/wg-a.pub"
wg pubkey <"$work/wg-p.key" >"$work/wg-p.pub"
for side in a p; do
  ns=$hostns; [ "$side" = p ] && ns=$pubns
  rm -f "/var/run/wireguard/smk$$$side.sock"
  ip netns exec "$ns" env LOG_LEVEL=error wireguard-go -f "smk$$$side" >/dev/null 2>&1 &
  pids+=($!)
  wgpids[$side]=$!
  for _ in $(seq 100); do [ -S "/var/run/wireguard/smk$$$side.sock" ] && break; sleep 0.05; done
  [ -S "/var/run/wireguard/smk$$$side.sock" ] || fail "wireguard-go made no UAPI socket for smk$$$side"
done
ip netns exec "$hostns" wg set "smk$$a" private-key "$work/wg-a.key" listen-port 51820 peer "$(cat "$work/wg-p.pub")" allowed-ips 10.66.0.2/32
ip netns exec "$pubns" wg set "smk$$p" private-key "$work/wg-p.key" listen-port 51820 peer "$(cat "$work/wg-a.pub")" allowed-ips 10.66.0.1/32
ip -n "$hostns" addr add 10.66.0.1/24 dev "smk$$a" || fail "address on smk$$a"
ip -n "$hostns" link set "smk$$a" up || fail "smk$$a up"
ip -n "$pubns" addr add 10.66.0.2/24 dev "smk$$p" || fail "address on smk$$p"
ip -n "$pubns" link set "smk$$p" up || fail "smk$$p up"
"$bin" lab exec --name "$lab" a -- natctl punch --wireguard "smk$$a" --peer-key "$(cat "$work/wg-p.pub")" \
  --endpoint 203.0.113.250:51820 --endpoint 203.0.113.1:51820 --attempt-timeout 1 --probe-ip 10.66.0.2 --json >"$work/wg-list.json" ||
  fail "punch --wireguard --endpoint exited $?: $(cat "$work/wg-list.json")"
check "punch --wireguard finds the endpoint that handshakes" '.outcome == "SUCCESS" and .endpoint == "203.0.113.1:51820" and .probe.received > 0' "$work/wg-list.json"
valid "punch --wireguard (endpoint list)" "$work/wg-list.json"
code="$RANDOM-smoke-wire-guard"
ip netns exec "$pubns" "$bin" punch --wireguard "smk$$p" --server 203.0.113.1:3478 --code "$code" --timeout 20 --json >"$work/wg-p.json" 2>/dev/null &
wgpeer=$!
pids+=($wgpeer)
"$bin" lab exec --name "$lab" a -- natctl punch --wireguard "smk$$a" --code "$code" --timeout 20 --probe-ip 10.66.0.2 --json >"$work/wg-a.json" ||
  fail "punch --wireguard --code exited $?: $(cat "$work/wg-a.json")"
wait $wgpeer || fail "punch --wireguard --code on the internet side exited $?: $(cat "$work/wg-p.json")"
check "punch --wireguard --code hands WireGuard a direct path from its own port" '.outcome == "SUCCESS" and .path == "direct" and .forwarder == null and .probe.received > 0 and (.public_mapping | endswith(":51820"))' "$work/wg-a.json"
valid "punch --wireguard (rendezvous)" "$work/wg-a.json"
valid "punch --wireguard (rendezvous, the other side)" "$work/wg-p.json"
# wireguard-go removes its UAPI socket on SIGTERM, while its interface still exists.
for side in a p; do kill "${wgpids[$side]}" 2>/dev/null || true; wait "${wgpids[$side]}" 2>/dev/null || true; rm -f "/var/run/wireguard/smk$$$side.sock"; done

"$bin" lab down --name "$lab" >/dev/null || fail "lab down"
pass "lab down"

echo "smoke: every command of the installed release binary works"
