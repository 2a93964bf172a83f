#!/usr/bin/env bash
# Every natctl command's real --json output, success and failure, validated against its JSON
# Schema in docs/schema/ (scripts/check-schemas.py), with the exit code and error.code each
# failure must have. Loopback only: a local relay serve (RFC 5780 roles on 127.0.0.1 and
# 127.0.0.2, a TURN user), dead ports, names under .invalid, a busy port. The machine's own
# gateway is never asked for port mapping: probe runs with --portmap off, and the port-mapping
# paths use --gateway 127.0.0.1 (a closed port: ICMP port unreachable at once) or
# 255.255.255.255 (connect fails before anything is sent) with --protocol natpmp or pcp, never
# UPnP (its discovery multicasts out of the real interface).
#
#   scripts/check-json.sh [NATCTL]     (default .build/debug/natctl; smoke-install.sh passes the installed one)
#
# Lab and trace documents need root; smoke-install.sh validates them where it makes them.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-.build/debug/natctl}")
[ -x "$bin" ] || { echo "check-json: no natctl at $bin; build first" >&2; exit 1; }
work=$(mktemp -d /tmp/natctl-json.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Debian's python3-jsonschema (scripts/deps.sh) when the system python has it.
python=python3
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null && python=/usr/bin/python3
failures=0
as=()   # a prefix command to run natctl as someone else (setpriv), else empty
fail() { echo "check-json: FAILED: $*" >&2; failures=$((failures + 1)); }

# run NAME WANT-EXIT EXPECT -- natctl args...: runs natctl, checks the exit code, validates
# stdout against its schema; EXPECT is "ok" (error null) or an error code.
run() {
  local name=$1 want=$2 expect=$3; shift 4
  local out="$work/$name.json" status=0
  "${as[@]}" "$bin" "$@" >"$out" 2>"$work/$name.err" || status=$?
  if [ "$status" != "$want" ]; then
    fail "$name: natctl $* exited $status, expected $want; stderr: $(head -c 400 "$work/$name.err")"
    return
  fi
  local flag=(--expect-error "$expect"); [ "$expect" = ok ] && flag=(--expect-ok)
  if ! "$python" scripts/check-schemas.py "${flag[@]}" "$out" >/dev/null 2>"$work/$name.schema"; then
    fail "$name: $(cat "$work/$name.schema")"
    return
  fi
  # The reason is on stderr too: natctl's line, or ArgumentParser's "Error:" for usage.
  if [ "$expect" != ok ] && ! grep -Eq '^(natctl: |Error: )' "$work/$name.err"; then
    fail "$name: no reason on stderr"
    return
  fi
  echo "check-json: ok   $name (exit $status, $expect)"
}
# jqcheck NAME FILTER: a further fact about $work/NAME.json.
jqcheck() { jq -e "$2" "$work/$1.json" >/dev/null || fail "$1: $2 does not hold: $(head -c 600 "$work/$1.json")"; }

# The checker itself must reject a document that breaks its schema (an old /1 key name).
echo '{"schema":"natctl.probe/2","error":null,"reflexive":"127.0.0.1:1"}' >"$work/bad.json"
if "$python" scripts/check-schemas.py "$work/bad.json" >/dev/null 2>&1; then fail "the checker accepted a bad document"; fi

"$bin" relay serve --listen 127.0.0.1:0 --alternate 127.0.0.2:0 --user json:secret --allow-loopback-peers --json --duration 120 \
  >"$work/serve.jsonl" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q '"listening"' "$work/serve.jsonl" && break; sleep 0.1; done
primary=$(jq -r 'select(.event == "listening") | .addresses[0]' "$work/serve.jsonl")
alternate=$(jq -r 'select(.event == "listening") | .addresses[3]' "$work/serve.jsonl")
[ -n "$primary" ] || { cat "$work/serve.err" >&2; echo "check-json: relay serve did not start" >&2; exit 1; }
dead=127.0.0.1:9   # discard: nothing listens on loopback UDP 9 here

run probe 0 ok -- probe --portmap off --server "$primary" --server "$alternate" --json --timeout 5
run probe-require 0 ok -- probe --portmap off --server "$primary" --require udp --require no-nat --require stable-mapping --json
run probe-nohost 2 name-not-resolved -- probe --portmap off --server nohost.invalid:3478 --json --timeout 2
run probe-nohost-require 2 name-not-resolved -- probe --portmap off --server nohost.invalid:3478 --require udp --json --timeout 2
jqcheck probe-nohost-require '.requirements[0].met == null and (.requirements[0].reason | type) == "string"'
run probe-dead 2 no-answer -- probe --portmap off --server "$dead" --json --timeout 0.5
run probe-dead-require 1 assertion-failed -- probe --portmap off --server "$dead" --require udp --json --timeout 0.5
jqcheck probe-dead-require '.requirements[0].met == false'
run probe-unchecked 2 not-checked -- probe --portmap off --server "$primary" --require ipv6 --json
run probe-tcp 0 ok -- probe --portmap off --server "$primary" --transport tcp --require tcp --json
jqcheck probe-tcp '.streams[0].reachable == true and .streams[0].transport == "tcp"'
run probe-tls-unchecked 2 not-checked -- probe --portmap off --server "$primary" --require tls --json
run probe-family 2 no-server-of-family -- probe --portmap off --server "$primary" --family ipv6 --json
run probe-usage 64 usage -- probe --portmap off --json --enough 0
run probe-gateway-usage 64 usage -- probe --gateway nonsense --json
# --require portmap: null (exit 2) when the gateway was not asked, or could not be.
run probe-portmap-off 2 not-checked -- probe --portmap off --server "$primary" --require portmap --json
jqcheck probe-portmap-off '.port_mapping == null and .requirements[0].met == null'
run probe-portmap-nogateway 2 not-checked -- probe --portmap ask --gateway 255.255.255.255 --server "$primary" --require portmap --json
jqcheck probe-portmap-nogateway '.port_mapping.error.code == "no-gateway" and .port_mapping.protocols == [] and .requirements[0].met == null'

run classify 0 ok -- classify --server "$primary" --expect mapping=eim --json --timeout 5
jqcheck classify '.expectations[0].met == true'
run classify-unmet 1 assertion-failed -- classify --server "$primary" --expect filtering=apdf --json --timeout 5
run classify-dead 2 no-answer -- classify --server "$dead" --expect udp=no --json --timeout 2
jqcheck classify-dead '.expectations[0].met == null and .expectations[0].met != true'
run classify-nohost 2 name-not-resolved -- classify --server nohost.invalid:3478 --json
run classify-family 2 no-server-of-family -- classify --server "$primary" --family ipv6 --json
run classify-usage 64 usage -- classify --server "$primary" --transmissions 0 --json

run relay-test 0 ok -- relay test --server "$primary" --user json --password secret --pings 3 --count 20 --json
run relay-test-401 2 relay-failed -- relay test --server "$primary" --user json --password wrong --json
jqcheck relay-test-401 '.stun_error_code == 401'
run relay-test-dead 2 no-answer -- relay test --server "$dead" --user json --password secret --timeout 1 --json
run relay-test-nohost 2 name-not-resolved -- relay test --server nohost.invalid:3478 --json
run relay-test-tcp 0 ok -- relay test --server "$primary" --transport tcp --user json --password secret --pings 3 --count 20 --json
jqcheck relay-test-tcp '.transport == "tcp"'
run relay-test-tcp-dead 2 no-answer -- relay test --server "$dead" --transport tcp --user json --password secret --timeout 1 --json
run relay-test-not-tls 2 relay-failed -- relay test --server "$primary" --transport tls --insecure --user json --password secret --timeout 1 --json
jqcheck relay-test-not-tls '.transport == "tls-insecure" and (.error.message | contains("TLS"))'
run relay-test-ca-usage 64 usage -- relay test --server "$primary" --ca /etc/hostname --json
run serve-busy 2 port-in-use -- relay serve --listen "$primary" --duration 1 --json
grep -q "port ${primary##*:} is already in use" "$work/serve-busy.err" || fail "serve-busy: stderr does not name the port: $(cat "$work/serve-busy.err")"
run serve-foreign 2 address-not-available -- relay serve --listen 192.0.2.1:3478 --duration 1 --json
run serve-badcert 2 bad-file -- relay serve --listen 127.0.0.1:0 --cert /etc/hostname --pkey /etc/hostname --duration 1 --json

run punch-dead 2 no-answer -- punch --server "$dead" --timeout 1 --json
# punch --wireguard: its own schema; an interface that does not exist, a key that is not one.
wgkey=vFUOdRcEmVZBScCNZmK4HYLIxBvDJxP/XUvRsCjLdVs=
if [ "$(id -u)" -eq 0 ]; then
  run punch-wireguard-nodev 2 punch-failed -- punch --wireguard natctlnowg0 --peer-key "$wgkey" --endpoint 192.0.2.1:51820 --json
  jqcheck punch-wireguard-nodev '.schema == "natctl.punch-wireguard/1" and (.error.message | contains("natctlnowg0"))'
fi
run punch-wireguard-usage 64 usage -- punch --wireguard wg0 --peer-key notakey --endpoint 192.0.2.1:51820 --json
jqcheck punch-wireguard-usage '.schema == "natctl.punch-wireguard/1"' 
run punch-nohost 2 name-not-resolved -- punch --server nohost.invalid:3478 --json
code="$RANDOM-amber-falcon-json"
"$bin" punch --server "$primary" --code "$code" --timeout 15 --proof 3 --json >"$work/punch-a.json" 2>/dev/null &
a=$!
run punch 0 ok -- punch --server "$primary" --code "$code" --timeout 15 --proof 3 --portmap --gateway 255.255.255.255 --json
jqcheck punch '.port_mapping == null and any(.warnings[]; startswith("no port mapping"))'
wait $a || fail "punch: the first peer exited $?"
"$python" scripts/check-schemas.py --expect-ok "$work/punch-a.json" >/dev/null || fail "punch: the first peer's document"

# portmap: a closed NAT-PMP/PCP port answers with ICMP port unreachable (no-answer at once);
# a gateway natctl cannot reach (connect to broadcast fails) is portmap-failed.
run portmap-add-closed 2 no-answer -- portmap add --port 4000 --gateway 127.0.0.1 --protocol natpmp --timeout 1 --json
jqcheck portmap-add-closed '.action == "add" and .mapping == null and .attempts[0].protocol == "natpmp" and .attempts[0].error.code == "no-answer"'
run portmap-delete-closed 2 no-answer -- portmap delete --port 4000 --gateway 127.0.0.1 --protocol pcp --nonce 00112233445566778899aabb --timeout 1 --json
jqcheck portmap-delete-closed '.deleted == false and .mapping.nonce == "00112233445566778899aabb"'
run portmap-nogateway 2 portmap-failed -- portmap add --port 4000 --gateway 255.255.255.255 --protocol pcp --timeout 1 --json
run portmap-delete-nonce 64 usage -- portmap delete --protocol pcp --port 4000 --json
run portmap-list-natpmp 64 usage -- portmap list --protocol natpmp --json
run portmap-usage 64 usage -- portmap add --port 0 --gateway 127.0.0.1 --protocol natpmp --json

run trace-nofile 2 file-not-found -- trace --read /nonexistent --json
run trace-badfile 2 bad-file -- trace --read /etc/hostname --json
run lab-status-none 2 no-such-lab -- lab status --name zz --json
run lab-list 0 ok -- lab list --json
run lab-usage 64 usage -- lab status --name zz --bogus --json

# Without privileges (root drops them with setpriv): trace cannot capture, lab up cannot make
# namespaces, relay serve cannot bind port 80; each exits 2 with not-permitted.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
  setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --version >/dev/null 2>&1; then
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
  run trace-unprivileged 2 not-permitted -- trace --json --duration 1
  run lab-up-unprivileged 2 not-permitted -- lab up --name jsonnoroot --json
  run punch-wireguard-unprivileged 2 not-permitted -- punch --wireguard wg0 --peer-key "$wgkey" --endpoint 192.0.2.1:51820 --json
  jqcheck punch-wireguard-unprivileged '.schema == "natctl.punch-wireguard/1" and .outcome == "FAILED" and (.error.message | contains("CAP_NET_RAW"))'
  # EACCES on a privileged port, unless this host lets anyone bind it.
  if [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)" -gt 80 ]; then
    run serve-unprivileged 2 not-permitted -- relay serve --listen 127.0.0.1:80 --duration 1 --json
  fi
  as=()
else
  echo "check-json: skipped trace without privilege (needs root and setpriv to drop it)"
fi
# The server's own lines, now that it relayed: listening, allocated, closed.
"$python" scripts/check-schemas.py --expect-ok "$work/serve.jsonl" >/dev/null 2>"$work/serve.schema" || fail "serve: $(cat "$work/serve.schema")"

if [ "$failures" -gt 0 ]; then
  echo "check-json: $failures check(s) failed" >&2
  exit 1
fi
echo "check-json: every document validates against docs/schema/"
