#!/usr/bin/env bash
# Soak `relay serve` in a lab: hostile datagrams with forged sources (scripts/soak-flood.py) at
# FLOOD_RATE per second from many addresses, Allocate churn, and a real client echoing through
# the relay the whole time. Reports what a public server must keep true:
#   - legitimate echo success (goal >= 99.9 %),
#   - server RSS at start and end (goal: flat, growth < 10 MB),
#   - answers and bytes sent to forged sources per byte received from them (goal: <= 4).
#
#   sudo scripts/soak-relay.sh                    # 180 s at 2000 datagrams/s
#   SECONDS_TOTAL=60 FLOOD_RATE=5000 sudo scripts/soak-relay.sh
#   NATCTL=.build/release/natctl sudo scripts/soak-relay.sh
#
# Needs root (namespaces, a raw socket). Bounded: every loop ends at SECONDS_TOTAL; the lab and
# the attacker namespace are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
NATCTL=$(realpath "${NATCTL:-$( [ -x .build/release/natctl ] && echo .build/release/natctl || echo .build/debug/natctl )}")
SECONDS_TOTAL=${SECONDS_TOTAL:-180}
FLOOD_RATE=${FLOOD_RATE:-2000}
lab=soak
pub=natctl-$lab-pub
atk=natctl-$lab-atk   # the lab's prefix, so `lab down` removes it too
spoof=192.0.2         # forged sources; the lab routes this /24 to the attacker
work=$(mktemp -d /tmp/natctl-soak.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$NATCTL" lab down --name "$lab" >/dev/null 2>&1 || true
  ip netns del "$atk" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "soak-relay: needs root (network namespaces, raw sockets)" >&2; exit 2; }

"$NATCTL" lab down --name "$lab" >/dev/null 2>&1 || true
"$NATCTL" lab up --name "$lab" --site a=eim-apdf >/dev/null
# The server's own pid (the lab's records the launcher's): the natctl relay serve in the public namespace.
server_pid=$(for p in $(ip netns pids "$pub"); do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "relay serve" && echo "$p"; done | head -1)
[ -n "$server_pid" ] || { echo "soak-relay: no natctl relay serve runs in $pub" >&2; exit 2; }

# The attacker: a namespace on the lab's internet bridge; replies to forged sources are routed to it.
ip netns add "$atk"
ip link add soak-atk netns "$atk" type veth peer name soak-atk-br netns "$pub"
ip -n "$pub" link set soak-atk-br master br0 up
ip -n "$atk" addr add 203.0.113.200/24 dev soak-atk
ip -n "$atk" link set soak-atk up
ip -n "$atk" link set lo up
ip -n "$pub" route add "$spoof.0/24" via 203.0.113.200
# Count what the server gets from and sends to forged sources (dial-backs included).
nft_in_pub() { ip netns exec "$pub" nft "$@"; }
ip netns exec "$pub" nft -f - <<EOF
table inet soak_count {
  counter from_forged {}
  counter to_forged {}
  chain in { type filter hook input priority 0; ip saddr $spoof.0/24 counter name from_forged; }
  chain out { type filter hook output priority 0; ip daddr $spoof.0/24 counter name to_forged; }
}
EOF

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }
rss_start=$(rss_kb)
echo "soak-relay: server pid $server_pid, RSS ${rss_start} kB; flood $FLOOD_RATE/s from $spoof.0/24 for ${SECONDS_TOTAL}s"

end=$((SECONDS + SECONDS_TOTAL))
ip netns exec "$atk" python3 scripts/soak-flood.py 203.0.113.1 "$SECONDS_TOTAL" "$FLOOD_RATE" "$spoof" >"$work/flood.json" &
pids+=($!)

# Allocate churn: allocations made and released back to back by an authenticated client.
(
  churn=0
  while [ $SECONDS -lt $end ]; do
    "$NATCTL" lab exec --name "$lab" a -- natctl relay test --pings 1 --count 0 --timeout 2 --json >/dev/null 2>&1 || true
    churn=$((churn + 1))
  done
  echo "$churn" >"$work/churn"
) &
pids+=($!)

# The legitimate client: relay test runs back to back, each pinging and bursting 200 datagrams.
sent=0; echoed=0; runs=0; failed_runs=0
while [ $SECONDS -lt $end ]; do
  if out=$("$NATCTL" lab exec --name "$lab" a -- natctl relay test --pings 10 --count 200 --rate 500 --size 200 --timeout 3 --json 2>/dev/null); then
    s=$(jq '(.echo.rtt_ms | length) as $p | 10 + .echo.burst.sent' <<<"$out")
    e=$(jq '(.echo.rtt_ms | map(select(. != null)) | length) + .echo.burst.echoed' <<<"$out")
    sent=$((sent + s)); echoed=$((echoed + e))
  else
    failed_runs=$((failed_runs + 1)); sent=$((sent + 210))
  fi
  runs=$((runs + 1))
done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()

rss_end=$(rss_kb)
from=$(nft_in_pub -j list counter inet soak_count from_forged | jq '.nftables[] | select(.counter) | .counter')
to=$(nft_in_pub -j list counter inet soak_count to_forged | jq '.nftables[] | select(.counter) | .counter')
jq -n --argjson flood "$(cat "$work/flood.json")" --argjson from "$from" --argjson to "$to" \
  --arg sent "$sent" --arg echoed "$echoed" --arg runs "$runs" --arg failed "$failed_runs" --arg churn "$(cat "$work/churn" 2>/dev/null || echo 0)" \
  --arg rss0 "$rss_start" --arg rss1 "$rss_end" '{
    flood: $flood,
    legit: {runs: ($runs|tonumber), failed_runs: ($failed|tonumber), sent: ($sent|tonumber), echoed: ($echoed|tonumber),
            success_percent: (if ($sent|tonumber) > 0 then (($echoed|tonumber) * 10000 / ($sent|tonumber) | round / 100) else null end)},
    allocate_churn: ($churn|tonumber),
    server_rss_kb: {start: ($rss0|tonumber), end: ($rss1|tonumber), growth: (($rss1|tonumber) - ($rss0|tonumber))},
    forged: {received_packets: $from.packets, received_bytes: $from.bytes, answered_packets: $to.packets, answered_bytes: $to.bytes,
             bytes_out_per_byte_in: (if $from.bytes > 0 then ($to.bytes * 1000 / $from.bytes | round / 1000) else null end),
             packets_out_per_packet_in: (if $from.packets > 0 then ($to.packets * 1000 / $from.packets | round / 1000) else null end)}
  }'
