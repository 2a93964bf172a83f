#!/usr/bin/env bash
# The main job on a local stand-in for the internet: an RFC 5780 natctl server on
# 127.0.0.1/127.0.0.2 and `natctl probe` against it. (The namespace lab replaces this later.)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/natctl
log=$(mktemp)
"$bin" relay serve --listen 127.0.0.1:0 --alternate 127.0.0.2:0 --json --duration 30 >"$log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
primary=$(sed -n 's/.*"addresses":\["\([^"]*\)".*/\1/p' "$log")
echo "== natctl relay serve: $(head -1 "$log")"
echo "== natctl probe --server $primary"
"$bin" probe --server "$primary"
echo
echo "== the same as JSON: natctl probe --json | jq '{udp, public_ipv4, mapping_varies_by_dest_ip}'"
"$bin" probe --server "$primary" --json | jq '{udp, public_ipv4, mapping_varies_by_dest_ip}'
