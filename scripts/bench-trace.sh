#!/usr/bin/env bash
# How fast natctl trace captures without the kernel dropping packets: a paced UDP sender on
# loopback at several rates, natctl trace --duration capturing them (immediate mode, 8 MiB
# buffer), and per rate the packets sent, captured, and dropped by the kernel (pcap_stats).
#
#   scripts/bench-trace.sh                          # default rates, 2 s each
#   RATES="50000 200000" SECONDS_PER_RUN=3 scripts/bench-trace.sh
#
# Needs root (capture). Uses .build/release/natctl when built, else the debug build (slower
# per packet: say which in the figures). Do not run beside `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-"10000 50000 100000 200000"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-2}
SIZE=${SIZE:-100}
NATCTL=${NATCTL:-$( [ -x .build/release/natctl ] && echo .build/release/natctl || echo .build/debug/natctl )}
[ -x "$NATCTL" ] || { echo "bench-trace: build natctl first (make build)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench-trace: capturing needs root" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Sends COUNT datagrams of SIZE bytes to a sink socket on PORT, paced in 1 ms slices; prints
# how many went out and the rate achieved.
cat >"$work/send.py" <<'PY'
import socket, sys, time
port, rate, seconds, size = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sink.bind(("127.0.0.1", port))
sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"x" * size
total = int(rate * seconds); sent = 0; start = time.monotonic()
while sent < total:
    due = min(total, int((time.monotonic() - start) * rate) + 1)
    while sent < due:
        try: out.sendto(payload, ("127.0.0.1", port)); sent += 1
        except BlockingIOError: break
    if sent < due: continue
    time.sleep(0.0005)
print(sent, round(sent / (time.monotonic() - start)))
PY

printf "%-8s %-10s %-10s %-10s %-10s %s\n" rate/s sent achieved captured kernel_drops binary
for rate in $RATES; do
  port=$((40000 + RANDOM % 20000))
  "$NATCTL" trace --duration "$(awk "BEGIN{print $SECONDS_PER_RUN + 1.5}")" --interface lo --filter "udp dst port $port" --packets 0 --json >"$work/report.json" &
  trace=$!
  sleep 0.7   # the capture opens in well under this; a benchmark may wait, a test may not
  read -r sent achieved < <(python3 "$work/send.py" "$port" "$rate" "$SECONDS_PER_RUN" "$SIZE")
  wait "$trace"
  captured=$(jq '.packets' "$work/report.json")
  drops=$(jq '[.interfaces[].kernel_drops // 0] | add' "$work/report.json")
  printf "%-8s %-10s %-10s %-10s %-10s %s\n" "$rate" "$sent" "$achieved" "$captured" "$drops" "$NATCTL"
done
