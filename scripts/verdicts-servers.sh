#!/usr/bin/env bash
# The verdict grid behind "classify with the servers people have": every lab behaviour against
# natctl's RFC 5780 server, Debian's RFC 3489 stund (two IPs), three single-address servers
# (natctl on two ports of one IP, coturn with one IP), two of them on different IPs, and coturn
# alone. Prints one tab-separated line per run: behaviour, server set, mapping, filtering,
# duration_ms. Needs root, coturn and stund; removes its lab.
#   scripts/verdicts-servers.sh [DELAY_MS]      (one-way WAN delay, default 0)
set -euo pipefail
delay=${1:-0}
natctl=$(realpath "${NATCTL_BIN:-.build/debug/natctl}")
lab=vgrid
pub=natctl-$lab-pub
trap '"$natctl" lab down --name $lab >/dev/null 2>&1 || true' EXIT
sets=(
  "natctl-rfc5780 203.0.113.1:3478"
  "stund 203.0.113.41:3478"
  "three-single 203.0.113.31:3478 203.0.113.31:3479 203.0.113.32:3478"
  "two-ips 203.0.113.31:3478 203.0.113.32:3478"
  "coturn-only 203.0.113.32:3478"
)
printf 'behaviour\tservers\tmapping\tfiltering\tduration_ms\n'
for pair in "none eim-eif" "eim-adf eim-apdf" "apdm-apdf apdm-apdf-seq" "udp-blocked"; do
  read -ra behaviours <<<"$pair"
  args=(); sites=(a b)
  for i in "${!behaviours[@]}"; do args+=(--site "${sites[$i]}=${behaviours[$i]}"); done
  "$natctl" lab up --name $lab --replace "${args[@]}" --delay "$delay" >/dev/null
  for ip in 203.0.113.31 203.0.113.32 203.0.113.41 203.0.113.42; do ip -n $pub addr add $ip/24 dev br0; done
  # Started in the lab's namespace: `lab down` ends them with it.
  ip netns exec $pub "$natctl" relay serve --listen 203.0.113.31:3478 >/dev/null 2>&1 &
  ip netns exec $pub "$natctl" relay serve --listen 203.0.113.31:3479 >/dev/null 2>&1 &
  ip netns exec $pub turnserver -n --stun-only --no-cli --no-tls --no-dtls --listening-ip 203.0.113.32 \
    --listening-port 3478 --log-file stdout --pidfile /run/natctl/$lab-coturn.pid >/dev/null 2>&1 &
  ip netns exec $pub stund -h 203.0.113.41 -a 203.0.113.42 >/dev/null 2>&1 &
  for s in 203.0.113.31:3478 203.0.113.31:3479 203.0.113.32:3478 203.0.113.41:3478; do
    ip netns exec $pub "$natctl" probe --server $s --timeout 3 >/dev/null  # answers once it is up
  done
  for i in "${!behaviours[@]}"; do
    for set in "${sets[@]}"; do
      read -ra words <<<"$set"
      servers=(); for s in "${words[@]:1}"; do servers+=(--server "$s"); done
      "$natctl" lab exec --name $lab "${sites[$i]}" -- "$natctl" classify --json "${servers[@]}" 2>/dev/null \
        | jq -r --arg b "${behaviours[$i]}" --arg n "${words[0]}" \
          '[$b, $n, (.mapping.value // "undecided"), (.filtering.value // "undecided"), .duration_ms] | @tsv' || true
    done
  done
  "$natctl" lab down --name $lab >/dev/null
  wait 2>/dev/null || true
done
