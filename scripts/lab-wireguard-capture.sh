#!/usr/bin/env bash
# Captures what a WireGuard peer puts on the wire when the other peer cannot be reached through
# its NAT, using a natctl lab: a pcap of real handshake initiations that never get an answer, the
# classic "one side can't reach the other" symptom, to look at or to feed to tools as a fixture.
#
# Usage (as root):
#   scripts/lab-wireguard-capture.sh [--reachable] LAB_NAME OUTPUT.pcap [SECONDS]
#
# Needs a lab named LAB_NAME with sites `a` and `b`, e.g.
#   natctl lab up --name wgt --site a=eim-apdf --site b=eim-apdf
# It runs userspace WireGuard (wireguard-go, since the kernel may have no wireguard module) on
# both site hosts. a has b's PUBLIC address as its endpoint; b has no endpoint for a, so it could
# only answer. b's NAT filters unsolicited inbound UDP, so a's initiations die at b's router and
# a keeps retrying (every ~5 s). The script captures UDP port 51820 on a's LAN interface for
# SECONDS (default 6, enough for the first initiation and one retry), checks that no handshake
# response came back and that at least 2 initiations were captured.
#
# --reachable is the negative control: the lab must forward b's port 51820 to b's host
# (`natctl lab up ... --forward b:51820`), a does exactly the same, and the capture must hold a's
# initiation and b's handshake response, with a handshake completed.
#
# NATCTL      the natctl binary (default: `natctl` on PATH)
# Output: key=value lines on stdout, the last one `initiations=N`. Exit status: 0 when the
# capture shows what the mode expects, 1 otherwise (reason on stderr), 64 on a usage error.
# Everything it creates (wireguard-go and tcpdump processes, wg interfaces, UAPI sockets, keys)
# is removed on exit, whatever happens; the lab itself is left up.
set -euo pipefail

readonly WG_PORT=51820
readonly TUNNEL_A=192.168.77.1 TUNNEL_B=192.168.77.2 TUNNEL_PREFIX=24
readonly UAPI_DIR=/var/run/wireguard
# WireGuard message sizes (UDP payload): initiation type 1 is 148 bytes, response type 2 is 92.
readonly INIT_FILTER="udp[8:4] = 0x01000000 and udp[4:2] = 156"
readonly RESP_FILTER="udp[8:4] = 0x02000000 and udp[4:2] = 100"

# usage [PROBLEM]: exits 64, like natctl's own usage errors.
usage() {
  [ $# = 0 ] || echo "lab-wireguard-capture: $*" >&2
  echo "usage: $0 [--reachable] LAB_NAME OUTPUT.pcap [SECONDS]" >&2
  exit 64
}

die() {
  echo "lab-wireguard-capture: $*" >&2
  show_logs
  exit 1
}

# State the cleanup needs; filled in as things are created so cleanup removes only those.
tmp=""
tcpdump_pid=""
sleep_pid=""
declare -A wg_pid=() wg_ns=() wg_sock=()

# wireguard-go's own words are the best clue when something fails: its errors and what it did
# about handshakes (the verbose log is mostly routine start/stop lines, left out).
show_logs() {
  local site
  [ -n "$tmp" ] || return 0
  for site in a b; do
    [ -s "$tmp/wg-$site.log" ] || continue
    echo "--- wireguard-go log, site $site (handshakes and errors):" >&2
    grep -iE 'handshake|error|fail|unable|keypair' "$tmp/wg-$site.log" | grep -v 'Routine:' |
      tail -n 10 >&2 || echo "(none)" >&2
  done
}

# Ends a process we started: TERM first (wireguard-go removes its socket and interface, tcpdump
# flushes its file), KILL if it is still there after 2 s.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local site
  trap - EXIT INT TERM
  [ -z "$sleep_pid" ] || stop_pid "$sleep_pid"
  [ -z "$tcpdump_pid" ] || stop_pid "$tcpdump_pid"
  for site in "${!wg_pid[@]}"; do stop_pid "${wg_pid[$site]}"; done
  # A killed (not terminated) wireguard-go leaves its interface and socket behind.
  for site in "${!wg_ns[@]}"; do
    ip -n "${wg_ns[$site]}" link del "$(wg_if "$site")" 2>/dev/null || true
  done
  for site in "${!wg_sock[@]}"; do rm -f "${wg_sock[$site]}"; done
  [ -z "$tmp" ] || rm -rf "$tmp"
}

# Interface names are per lab because the UAPI sockets share one directory across namespaces:
# two labs, or a and b of one lab, must not both own "wg0.sock". 2 + 12 + 1 fits IFNAMSIZ (15).
wg_if() { echo "wg${lab}$1"; }

require_tools() {
  local tool
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, wireguard-go, tcpdump)"
  for tool in jq wg wireguard-go tcpdump ip; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH"
  done
  command -v "$natctl" >/dev/null || die "natctl not found (set NATCTL or put natctl on PATH)"
  [ -c /dev/net/tun ] || die "/dev/net/tun is missing: wireguard-go cannot create an interface"
}

# site_field STATUS_JSON SITE FIELD (runs in $(...), so a failure ends the caller through set -e).
site_field() {
  jq -er --arg s "$2" --arg f "$3" '.sites[] | select(.name == $s) | .[$f]' <<<"$1" ||
    die "lab '$lab' has no site '$2' with $3 (it needs sites a and b)"
}

# Sets ns_a, ns_b, host_a, public_b from the lab's state, and checks b's port forward matches
# the mode: a forward on 51820 would make the "unreachable" capture a lie, and the
# reachable control needs one.
read_lab() {
  local status forwarded
  status=$("$natctl" lab status --name "$lab" --json 2>/dev/null) ||
    die "lab '$lab' is not up (natctl lab up --name $lab --site a=eim-apdf --site b=eim-apdf)"
  ns_a=$(site_field "$status" a host_namespace)
  host_a=$(site_field "$status" a host_address)
  ns_b=$(site_field "$status" b host_namespace)
  public_b=$(site_field "$status" b public_address)
  forwarded=$(jq -r --argjson p "$WG_PORT" \
    '[.sites[] | select(.name == "b") | .forwarded_ports // [] | .[] | select(. == $p)] | length' <<<"$status")
  if [ "$reachable" = 1 ] && [ "$forwarded" = 0 ]; then
    die "--reachable needs b's port $WG_PORT forwarded: natctl lab up --name $lab ... --forward b:$WG_PORT"
  fi
  if [ "$reachable" = 0 ] && [ "$forwarded" != 0 ]; then
    die "lab '$lab' forwards b's port $WG_PORT, so b is reachable: use --reachable or a lab without the forward"
  fi
}

make_keys() {
  local site
  for site in a b; do
    (umask 077 && wg genkey >"$tmp/$site.key")
    wg pubkey <"$tmp/$site.key" >"$tmp/$site.pub"
  done
}

# Runs wireguard-go in the foreground (so $! is its pid: `ip netns exec` execs it in place) in the
# site's namespace, where its TUN interface is then created. WG_PROCESS_FOREGROUND=1 rather
# than -f also skips the banner claiming the kernel has WireGuard, which is wrong here. The
# verbose log (handshake sent, retrying, ...) is shown if the script fails.
start_wireguard() {
  local site=$1 ns=$2 ifname sock i
  ifname=$(wg_if "$site")
  sock="$UAPI_DIR/$ifname.sock"
  [ ! -e "$sock" ] || die "$sock already exists: another wireguard-go owns $ifname"
  WG_PROCESS_FOREGROUND=1 LOG_LEVEL=verbose ip netns exec "$ns" wireguard-go "$ifname" >"$tmp/wg-$site.log" 2>&1 &
  wg_pid[$site]=$!
  wg_ns[$site]=$ns
  wg_sock[$site]=$sock
  for i in $(seq 50); do
    [ -S "$sock" ] && return 0
    kill -0 "${wg_pid[$site]}" 2>/dev/null || die "wireguard-go for site $site exited at start"
    sleep 0.1
  done
  die "wireguard-go for site $site made no UAPI socket $sock within 5 s"
}

# configure_wireguard SITE NS ADDRESS PEER PEER_ADDRESS [ENDPOINT]: b gets no endpoint, so it
# never sends first and can only learn a's address from a packet that reaches it.
configure_wireguard() {
  local site=$1 ns=$2 address=$3 peer=$4 peer_ip=$5 endpoint=${6:-} ifname
  ifname=$(wg_if "$site")
  ip netns exec "$ns" wg set "$ifname" listen-port "$WG_PORT" private-key "$tmp/$site.key" \
    peer "$(cat "$tmp/$peer.pub")" allowed-ips "$peer_ip/32" ${endpoint:+endpoint "$endpoint"} ||
    die "wg set on site $site failed"
  ip -n "$ns" addr add "$address/$TUNNEL_PREFIX" dev "$ifname"
  ip -n "$ns" link set "$ifname" up
}

# tcpdump on a's LAN side (the interface routing to b's public address), not on the tunnel: the
# point is the encrypted handshake packets as the NAT sees them. -U writes each packet at once,
# -Z root keeps the file the caller's instead of tcpdump's unprivileged user's.
start_capture() {
  local i
  lan_if=$(ip -n "$ns_a" -j route get "$public_b" | jq -r '.[0].dev')
  [ -n "$lan_if" ] && [ "$lan_if" != null ] || die "no route from site a to $public_b"
  ip netns exec "$ns_a" tcpdump -i "$lan_if" -w "$output" -U -Z root -nn "udp port $WG_PORT" \
    2>"$tmp/tcpdump.log" &
  tcpdump_pid=$!
  for i in $(seq 50); do
    grep -q 'listening on' "$tmp/tcpdump.log" && return 0
    kill -0 "$tcpdump_pid" 2>/dev/null || die "tcpdump failed: $(cat "$tmp/tcpdump.log")"
    sleep 0.1
  done
  die "tcpdump did not start listening within 5 s"
}

# wireguard-go sends nothing until there is traffic for the peer (no ping on this host, so one
# datagram through the tunnel); after that it retries the initiation by itself every 5 s.
trigger_handshake() {
  ip netns exec "$ns_a" bash -c "echo natctl >/dev/udp/$TUNNEL_B/9" ||
    die "could not send through the tunnel on site a"
}

# wireguard-go exits by itself on SIGINT/SIGTERM (e.g. a Ctrl-C for the whole process group):
# without this check the capture would be judged on a dead tunnel.
require_wireguard_alive() {
  local site
  for site in a b; do
    kill -0 "${wg_pid[$site]}" 2>/dev/null || die "wireguard-go for site $site died during the capture"
  done
}

stop_capture() {
  stop_pid "$tcpdump_pid"
  tcpdump_pid=""
}

count() { tcpdump -r "$output" -nn "$1" 2>/dev/null | wc -l; }

# wg show on a: a completed handshake has a nonzero time.
handshake_time() {
  ip netns exec "$ns_a" wg show "$(wg_if a)" latest-handshakes | awk '{print $2}'
}

# wg show on b: "(none)" means no packet from a ever reached b, so a's initiations were dropped
# on the way (at b's NAT), not ignored by b.
endpoint_seen_by_b() {
  ip netns exec "$ns_b" wg show "$(wg_if b)" endpoints | awk '{print $2}'
}

main() {
  reachable=0
  if [ "${1:-}" = --reachable ]; then reachable=1; shift; fi
  [ $# -ge 2 ] && [ $# -le 3 ] || usage
  lab=$1
  output=$2
  seconds=${3:-6}
  [[ $lab =~ ^[a-z0-9]{1,12}$ ]] || usage "bad lab name '$lab' (1-12 lowercase letters or digits)"
  [[ $seconds =~ ^[1-9][0-9]*$ ]] || usage "SECONDS must be a positive whole number, not '$seconds'"
  natctl=${NATCTL:-natctl}
  # Absolute, so the capture= line names the file whatever directory the caller ran from.
  [ -d "$(dirname "$output")" ] || die "no directory for $output"
  output="$(cd "$(dirname "$output")" && pwd)/$(basename "$output")"

  require_tools
  trap cleanup EXIT
  # Exit (and so clean up) at once on Ctrl-C or kill, not after the capture's sleep.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  tmp=$(mktemp -d /tmp/lab-wireguard-capture.XXXXXX)

  read_lab
  make_keys
  start_wireguard a "$ns_a"
  start_wireguard b "$ns_b"
  configure_wireguard a "$ns_a" "$TUNNEL_A" b "$TUNNEL_B" "$public_b:$WG_PORT"
  configure_wireguard b "$ns_b" "$TUNNEL_B" a "$TUNNEL_A"

  start_capture
  trigger_handshake
  sleep "$seconds" &
  sleep_pid=$!
  wait "$sleep_pid"
  sleep_pid=""
  stop_capture
  require_wireguard_alive

  local initiations responses handshake b_endpoint
  initiations=$(count "src host $host_a and $INIT_FILTER")
  responses=$(count "dst host $host_a and $RESP_FILTER")
  handshake=$(handshake_time)
  b_endpoint=$(endpoint_seen_by_b)
  echo "mode=$([ "$reachable" = 1 ] && echo reachable || echo unreachable)"
  echo "capture=$output"
  echo "latest_handshake=$handshake"
  echo "b_endpoint_for_a=$b_endpoint"
  echo "responses=$responses"
  echo "initiations=$initiations"

  if [ "$reachable" = 1 ]; then
    [ "$responses" -ge 1 ] || die "b is supposed to be reachable but no handshake response was captured"
    [ "$handshake" != 0 ] || die "a response was captured but wg show on a has no handshake"
    [ "$initiations" -ge 1 ] || die "no handshake initiation from a was captured"
  else
    [ "$responses" = 0 ] || die "b answered $responses time(s): its NAT did not filter a's initiations"
    [ "$handshake" = 0 ] || die "wg show on a reports a handshake: b was reachable after all"
    [ "$b_endpoint" = "(none)" ] ||
      die "b learned a's endpoint $b_endpoint: a's initiations reached b, so it is not b's NAT dropping them"
    [ "$initiations" -ge 2 ] ||
      die "only $initiations initiation(s) captured in $seconds s (wireguard-go retries every ~5 s; try SECONDS >= 6)"
  fi
}

main "$@"
