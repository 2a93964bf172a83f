#!/usr/bin/env bash
# Instructions per relayed packet, natctl's relay beside coturn's turnserver, counted by
# valgrind's callgrind: unlike CPU seconds, the count is the same whatever else the machine
# does. scripts/relay-load.py drives one client at a fixed, modest rate through each server in
# four one-way phases (ChannelData to a peer, a peer's datagram back as ChannelData, a Send
# indication, a Data indication) and an idle phase, zeroing and dumping the server's counters
# around each, so every figure is one direction's user-space instructions divided by the
# packets relayed. Kernel work (the syscalls) is not counted: see scripts/bench-relay.sh.
#
#   scripts/bench-relay-instructions.sh                 # 100 B and 1000 B, 5000 packets at 1000/s
#   SIZES="100" PACKETS=2000 scripts/bench-relay-instructions.sh
#
# natctl runs with --relay-threads 1 (coturn's relay threads all count, as they all do work).
# Its release binary is copied without DWARF (valgrind 3.19 cannot read clang 21's).
# Needs valgrind and coturn (make deps). Bounded: each phase ends 5 s after its last send.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100 1000"}
PACKETS=${PACKETS:-5000}
RATE=${RATE:-1000}
NATCTL=${NATCTL:-.build/release/natctl}
if [ ! -x "$NATCTL" ]; then swift build -c release --product natctl >&2; fi
for tool in valgrind callgrind_control turnserver turnutils_stunclient; do
  command -v "$tool" >/dev/null || { echo "bench-relay-instructions: $tool is missing; run make deps" >&2; exit 2; }
done
root=$(pwd)
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
strip --strip-debug -o "$work/natctl" "$NATCTL"
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_natctl() {
  valgrind --tool=callgrind --dump-instr=no "$work/natctl" relay serve --listen "127.0.0.1:$1" --user bench:bench --realm bench \
    --allow-loopback-peers --relay-threads 1 --min-port 20000 --max-port 29999 >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do grep -q listening "$work/server.log" && return; sleep 0.1; done
  echo "bench-relay-instructions: natctl did not start under valgrind" >&2; cat "$work/server.log" >&2; exit 2
}

start_coturn() {
  valgrind --tool=callgrind --dump-instr=no turnserver -n --no-cli --no-tls --no-dtls --listening-ip 127.0.0.1 --listening-port "$1" \
    --relay-ip 127.0.0.1 --lt-cred-mech --user bench:bench --realm bench --allow-loopback-peers --min-port 30000 --max-port 39999 \
    --userdb "$work/turndb" --pidfile "$work/turnserver.pid" --log-file /dev/null --simple-log --no-stdout-log >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 300); do
    timeout 2 turnutils_stunclient -p "$1" 127.0.0.1 2>/dev/null | grep -q 'reflexive addr' && return
    sleep 0.1
  done
  echo "bench-relay-instructions: turnserver did not start under valgrind" >&2; exit 2
}

echo "instructions per relayed packet (callgrind), $PACKETS packets per phase at $RATE/s"
for size in $SIZES; do
  for server in natctl coturn; do
    port=$(free_port)
    (cd "$work" && "start_$server" "$port")
    server_pid=$(pgrep -f "callgrind.*127.0.0.1.*$port" | head -1)
    (cd "$work" && timeout 300 python3 "$root/scripts/relay-load.py" "$port" "$PACKETS" "$RATE" "$size" --callgrind "$server_pid") |
      python3 -c '
import json, sys
server = sys.argv[1]
for line in sys.stdin:
    r = json.loads(line)
    size, phase, relayed, sent, count = r["size"], r["phase"], r["relayed"], r["sent"], r["instructions"]
    if phase == "idle":
        print("%-7s %5d B  %-18s %10.0f per second" % (server, size, phase, count / r["seconds"]))
        continue
    per = count / relayed if relayed else float("nan")
    print("%-7s %5d B  %-18s %10.0f per packet  (%d/%d relayed)" % (server, size, phase, per, relayed, sent))
' "$server"
    kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    server_pid=
    rm -f "$work"/callgrind.out.*
  done
done
