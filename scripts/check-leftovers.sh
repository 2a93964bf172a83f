#!/usr/bin/env bash
# Fails when the test suite left lab namespaces or natctl processes behind.
set -u
left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep '^natctl-' || true)
procs=$(pgrep -af 'natctl (relay serve|relay connect|punch|lab|trace)' | grep -v pgrep || true)
# coturn processes the interop tests started (zombies awaiting a reaper do not count).
procs+=$'\n'$(ps -eo stat=,args= | awk '$1 !~ /^Z/ && ($2 ~ /turnserver$/ || $2 ~ /turnutils_peer$/)' || true)
# The trace tests' capture helpers: tcpdump and wireguard-go (and wireguard-go's sockets).
procs+=$'\n'$(ps -eo stat=,args= | awk '$1 !~ /^Z/ && ($2 ~ /(^|\/)tcpdump$/ || $2 ~ /(^|\/)wireguard-go$/)' || true)
# The py-libp2p nodes the libp2p tests start (scripts/libp2p-node.py).
procs+=$'\n'$(pgrep -af 'libp2p-node\.py' | grep -v pgrep || true)
procs+=$'\n'$(ls /var/run/wireguard/wg*.sock /var/run/wireguard/smk*.sock 2>/dev/null || true)
procs=$(printf '%s' "$procs" | sed '/^$/d')
if [ -n "$left" ] || [ -n "$procs" ]; then
  echo "tests left things behind:" >&2
  [ -n "$left" ] && echo "  namespaces: $left" >&2
  [ -n "$procs" ] && echo "  processes: $procs" >&2
  exit 1
fi
echo "leftovers: no lab namespaces, natctl, tcpdump, wireguard-go or libp2p node processes remain"
