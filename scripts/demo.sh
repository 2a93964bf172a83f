#!/usr/bin/env bash
# The main job on the built-in lab: a host behind a Linux-style NAT (masquerade: eim-apdf),
# natctl's RFC 5780 server on the lab "internet", classify, probe and punch on the hosts, then teardown.
# Without root (no namespaces) it falls back to a server on 127.0.0.1/127.0.0.2.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/natctl

if [ "$(id -u)" -eq 0 ]; then
  trap '"$bin" lab down --name demo' EXIT
  echo "== natctl lab up --name demo --site a=eim-apdf --site b=apdm-apdf"
  "$bin" lab up --name demo --replace --site a=eim-apdf --site b=apdm-apdf
  echo
  echo "== natctl lab verify --name demo   (prove each NAT with packets)"
  "$bin" lab verify --name demo
  echo
  echo "== natctl lab exec --name demo a -- natctl classify   (behind Linux masquerade)"
  "$bin" lab exec --name demo a -- natctl classify
  echo
  echo "== natctl lab exec --name demo b -- natctl classify --json | jq   (behind a symmetric NAT)"
  "$bin" lab exec --name demo b -- natctl classify --json | jq '{mapping: .mapping.value, filtering: .filtering.value, ports: .port_allocation.value.kind, rfc3489, hole_punching: .hole_punching.value, duration_ms}'
  echo
  echo "== natctl lab exec --name demo a -- natctl probe"
  "$bin" lab exec --name demo a -- natctl probe
  echo
  echo "== natctl lab exec --name demo b -- natctl probe --json | jq   (behind a symmetric NAT)"
  "$bin" lab exec --name demo b -- natctl probe --json | jq '{public_ipv4, mapping_varies_by_dest_ip, port_preserved}'
  echo
  echo "== natctl punch between a (masquerade) and b (symmetric): many-ports strategy, direct path"
  code="$RANDOM-amber-falcon-river"
  "$bin" lab exec --name demo a -- natctl punch --code "$code" --timeout 20 &
  "$bin" lab exec --name demo b -- natctl punch --code "$code" --timeout 20 --json | jq '{outcome, path, strategy, connect_ms, rtt_ms, proof}'
  wait
  echo
  echo "== natctl trace --lab demo probe on b: the packets across the symmetric NAT, explained"
  "$bin" lab exec --name demo b -- natctl trace --lab demo --packets 8 probe
  exit 0
fi

echo "(not root: no network namespaces, so using a local server on 127.0.0.1/127.0.0.2)"
log=$(mktemp)
"$bin" relay serve --listen 127.0.0.1:0 --alternate 127.0.0.2:0 --json --duration 30 >"$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
primary=$(sed -n 's/.*"addresses":\["\([^"]*\)".*/\1/p' "$log")
"$bin" probe --server "$primary" --portmap off
"$bin" probe --server "$primary" --portmap off --json | jq '{udp, public_ipv4, mapping_varies_by_dest_ip}'
