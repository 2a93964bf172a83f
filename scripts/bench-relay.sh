#!/usr/bin/env bash
# The same TURN load through natctl's relay and through coturn's turnserver, side by side, on
# loopback: coturn's own load generator (turnutils_uclient, channels on) relays to coturn's echo
# peer (turnutils_peer) through each server in turn.
#
# Per load and round it prints packets/s and Mbit/s echoed, loss, and the server's CPU time
# (user + system, all threads), from which "packets per CPU-second" compares the cost per
# packet fairly whatever the thread counts; for natctl also each relay thread's CPU seconds.
# ROUNDS rounds alternate which server goes first, and a summary gives each load's medians.
# Added latency comes from `natctl relay test` (50 sequential echoes through each relay;
# uclient only reports whole milliseconds). For instructions per packet, which do not vary
# with the machine's other work, see scripts/bench-relay-instructions.sh.
#
#   scripts/bench-relay.sh                       # release build, default loads, 3 rounds
#   LOADS="1000:20:1" SECONDS_PER_RUN=10 ROUNDS=1 scripts/bench-relay.sh
#   RELAY_THREADS=2 scripts/bench-relay.sh       # natctl --relay-threads 2 (default 1)
#   TRANSPORT=tcp scripts/bench-relay.sh         # clients over TCP (uclient -t), or tls (-t -S,
#                                                # a self-signed certificate made for the run)
#
# LOADS: space-separated bytes:clients:interval_ms; each client sends 1000/interval_ms packets/s.
# Needs coturn (make deps). Do not run beside `make test`: both want the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

LOADS=${LOADS:-"100:10:2 1000:10:2 100:20:1 1000:20:1 1000:40:1"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
ROUNDS=${ROUNDS:-3}
RELAY_THREADS=${RELAY_THREADS:-1}
TRANSPORT=${TRANSPORT:-udp}
case $TRANSPORT in
  udp) client_flags=() ;;
  tcp) client_flags=(-t) ;;
  tls) client_flags=(-t -S) ;;
  *) echo "bench-relay: TRANSPORT is udp, tcp or tls" >&2; exit 2 ;;
esac
NATCTL=${NATCTL:-.build/release/natctl}
if [ ! -x "$NATCTL" ]; then swift build -c release --product natctl >&2; fi
for tool in turnserver turnutils_uclient turnutils_peer; do
  command -v "$tool" >/dev/null || { echo "bench-relay: $tool is missing; run make deps" >&2; exit 2; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)

if [ "$TRANSPORT" = tls ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
fi
# tls_flags PORT: a server's TLS flags (coturn's names, which natctl shares), none unless TRANSPORT=tls.
tls_flags() { [ "$TRANSPORT" = tls ] && echo "--cert $work/cert.pem --pkey $work/key.pem --tls-listening-port $1" || true; }

peer_port=$(free_port)
turnutils_peer -L 127.0.0.1 -p "$peer_port" >/dev/null 2>&1 &
pids+=($!)

start_natctl() {
  local port=$1
  # shellcheck disable=SC2046
  "$NATCTL" relay serve --listen "127.0.0.1:$port" --user bench:bench --realm bench --allow-loopback-peers \
    --user-quota 0 --ip-quota 0 --total-quota 0 --stun-rate 1000000 $(tls_flags "$2") \
    --min-port 20000 --max-port 29999 --relay-threads "$RELAY_THREADS" >"$work/natctl.log" 2>&1 &
  server_pid=$!
  natctl_pid=$server_pid
  pids+=("$server_pid")
  for _ in $(seq 100); do grep -q listening "$work/natctl.log" && return; sleep 0.05; done
  echo "bench-relay: natctl relay serve did not start" >&2; exit 2
}

start_coturn() {
  local port=$1
  # shellcheck disable=SC2046
  turnserver -n --no-cli $([ "$TRANSPORT" = tls ] || echo --no-tls) $(tls_flags "$2") --no-dtls --listening-ip 127.0.0.1 --listening-port "$port" --relay-ip 127.0.0.1 \
    --lt-cred-mech --user bench:bench --realm bench --allow-loopback-peers --min-port 30000 --max-port 39999 \
    --userdb "$work/turndb" --pidfile "$work/turnserver.pid" --log-file /dev/null --simple-log --no-stdout-log \
    >/dev/null 2>&1 &
  server_pid=$!
  coturn_pid=$server_pid
  pids+=("$server_pid")
  for _ in $(seq 100); do
    timeout 1 turnutils_stunclient -p "$port" 127.0.0.1 2>/dev/null | grep -q 'reflexive addr' && return
    sleep 0.05
  done
  echo "bench-relay: turnserver did not start" >&2; exit 2
}

# Each relay thread's CPU ticks (utime + stime), "name=ticks ...", for natctl's natctl-relay-N threads.
thread_ticks() {
  for task in /proc/"$1"/task/*; do
    local comm; comm=$(cat "$task/comm" 2>/dev/null || true)
    case $comm in natctl-relay-*) echo -n "$comm=$(awk '{print $14 + $15}' "$task/stat") " ;; esac
  done
}

# run_load NAME PID PORT BYTES CLIENTS INTERVAL: one table row, and one JSON line in $work/rows.
run_load() {
  local name=$1 server_pid=$2 port=$3 bytes=$4 clients=$5 interval=$6 threads0 threads1
  local messages=$((SECONDS_PER_RUN * 1000 / interval))
  local offered=$((clients * 1000 / interval))
  local cpu0 cpu1 t0 t1 out sent received
  cpu0=$(cpu_ticks "$server_pid")
  threads0=$(thread_ticks "$server_pid")
  t0=$(date +%s.%N)
  out=$(timeout $((SECONDS_PER_RUN * 4 + 20)) turnutils_uclient -u bench -w bench -c "${client_flags[@]}" -e 127.0.0.1 -r "$peer_port" \
    -n "$messages" -l "$bytes" -m "$clients" -z "$interval" -p "$port" 127.0.0.1 2>&1 || true)
  t1=$(date +%s.%N)
  cpu1=$(cpu_ticks "$server_pid")
  threads1=$(thread_ticks "$server_pid")
  sent=$(grep -o 'tot_send_msgs=[0-9]*' <<<"$out" | tail -1 | cut -d= -f2 || true)
  received=$(grep -o 'tot_recv_msgs=[0-9]*' <<<"$out" | tail -1 | cut -d= -f2 || true)
  python3 - "$name" "$bytes" "$offered" "${sent:-0}" "${received:-0}" "$t0" "$t1" "$cpu0" "$cpu1" "$ticks_per_second" "$SECONDS_PER_RUN" "$threads0" "$threads1" "$work/rows" <<'EOF'
import json, sys
name, size, offered, sent, received, t0, t1, c0, c1, hz, seconds, threads0, threads1, rows = sys.argv[1:]
size, offered, sent, received, hz, seconds = int(size), int(offered), int(sent), int(received), int(hz), int(seconds)
cpu = (int(c1) - int(c0)) / hz
# uclient sends for `seconds` then drains; rates use the sending window (uclient's own
# "transmit time" counts more than the sends). Loss: messages sent and not echoed.
window = seconds
pps = received / window
lost = 100 * (sent - received) / sent if sent else 100
mbit = pps * size * 8 / 1e6
relayed = received * 2  # each echoed message crossed the relay twice
per_cpu = relayed / cpu if cpu > 0 else float("inf")
before = dict(item.split("=") for item in threads0.split())
after = dict(item.split("=") for item in threads1.split())
per_thread = "  ".join(f"{t} {(int(after[t]) - int(before.get(t, 0))) / hz:.2f} s" for t in sorted(after))
print(f"{name:7} {size:5} B {offered:6}/s offered  {pps:8.0f} echoed/s {mbit:7.2f} Mbit/s  loss {float(lost):5.2f}%  "
      f"server CPU {cpu:5.2f} s ({100 * cpu / window:5.1f}% of a core)  {per_cpu:9.0f} relayed packets per CPU-second"
      + (f"  [{per_thread}]" if per_thread else ""))
with open(rows, "a") as out:
    out.write(json.dumps({"server": name, "load": f"{size}:{offered}", "per_cpu": per_cpu, "pps": pps, "loss": float(lost)}) + "\n")
EOF
}

latency() {
  local name=$1 port=$2
  local over=(--transport "$TRANSPORT")
  [ "$TRANSPORT" = tls ] && over+=(--insecure)
  "$NATCTL" relay test --server "127.0.0.1:$port" "${over[@]}" --user bench --password bench --pings 50 --count 0 --json |
    python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%-7s relayed RTT median %.3f ms, server RTT %.3f ms, added %.3f ms"
      % (sys.argv[1], r["echo"]["median_rtt_ms"], r["allocation"]["server_rtt_ms"], r["added_rtt_ms"]))' "$name"
}

echo "relay benchmark: $(nproc) cores, clients over $TRANSPORT, ${SECONDS_PER_RUN} s per load, $ROUNDS rounds, natctl --relay-threads $RELAY_THREADS, payload:clients:interval = $LOADS"
natctl_port=$(free_port)
natctl_tls_port=$(free_port)
start_natctl "$natctl_port" "$natctl_tls_port"
coturn_port=$(free_port)
coturn_tls_port=$(free_port)
start_coturn "$coturn_port" "$coturn_tls_port"
# The port clients connect to: the TLS one over TLS.
if [ "$TRANSPORT" = tls ]; then natctl_port=$natctl_tls_port; coturn_port=$coturn_tls_port; fi
for load in $LOADS; do
  IFS=: read -r bytes clients interval <<<"$load"
  for round in $(seq "$ROUNDS"); do
    order="natctl coturn"
    [ $((round % 2)) -eq 0 ] && order="coturn natctl"
    for server in $order; do
      if [ "$server" = natctl ]; then
        run_load natctl "$natctl_pid" "$natctl_port" "$bytes" "$clients" "$interval"
      else
        run_load coturn "$coturn_pid" "$coturn_port" "$bytes" "$clients" "$interval"
      fi
    done
  done
done
latency natctl "$natctl_port"
latency coturn "$coturn_port"
python3 - "$work/rows" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("medians (relayed packets per CPU-second; echoed per second; loss):")
for load in dict.fromkeys(r["load"] for r in rows):
    def median(server, key):
        return statistics.median(r[key] for r in rows if r["load"] == load and r["server"] == server)
    n, c = median("natctl", "per_cpu"), median("coturn", "per_cpu")
    print(f"  {load:12} natctl {n:9.0f} {median('natctl', 'pps'):8.0f}/s {median('natctl', 'loss'):5.2f}%   "
          f"coturn {c:9.0f} {median('coturn', 'pps'):8.0f}/s {median('coturn', 'loss'):5.2f}%   natctl/coturn {n / c:4.2f}")
EOF
