#!/usr/bin/env bash
# Benchmarks `natctl punch` on lab NAT pairings: for each pairing it brings up a two-site lab
# (`natctl lab up --name hp1`), runs RUNS punches between the hosts (a fresh code each), and
# prints per pairing: successes, path kinds, median and max time to connect (connect_ms: first
# check to selected pair, the slower side), median time from start to SUCCESS (duration_ms of
# the side that started second), and median packets sent per success (checks and many-ports
# probes, both sides).
#
# Run it as root, from anywhere:
#   sudo scripts/bench-punch.sh
#   sudo PAIRS="eim-apdf:apdm-apdf" RUNS=20 IMPAIRMENT="--delay 50 --loss 5" scripts/bench-punch.sh
#
# PAIRS       site-a:site-b behaviours (default: eim-apdf:eim-apdf apdm-apdf-seq:apdm-apdf-seq
#             eim-apdf:apdm-apdf apdm-apdf:apdm-apdf)
# RUNS        punches per pairing (default 10); IMPAIRMENT: extra `lab up` flags (default none)
# NATCTL      the binary (default .build/debug/natctl of this checkout)
# Exit status: 0 when every lab came up, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
natctl=${NATCTL:-$PWD/.build/debug/natctl}
pairs=${PAIRS:-"eim-apdf:eim-apdf apdm-apdf-seq:apdm-apdf-seq eim-apdf:apdm-apdf apdm-apdf:apdm-apdf"}
runs=${RUNS:-10}
impairment=${IMPAIRMENT:-}
out=$(mktemp -d)
trap '"$natctl" lab down --name hp1 >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print a[int((NR + 1) / 2)]}'; }

printf '%-30s %-9s %-22s %-14s %-14s %-12s %s\n' pairing success paths connect_med_ms connect_max_ms total_med_ms packets_med
for pair in $pairs; do
  a=${pair%%:*}; b=${pair##*:}
  # shellcheck disable=SC2086
  "$natctl" lab up --name hp1 --replace --site "a=$a" --site "b=$b" $impairment >/dev/null || exit 1
  : >"$out/rows"
  for run in $(seq "$runs"); do
    code="$RANDOM$run-bench-punch-words"
    "$natctl" lab exec --name hp1 a -- "$natctl" punch --code "$code" --timeout 25 --json >"$out/a.json" 2>/dev/null &
    "$natctl" lab exec --name hp1 b -- "$natctl" punch --code "$code" --timeout 25 --json >"$out/b.json" 2>/dev/null || true
    wait || true
    jq -s -r '[(map(.outcome) | unique | join("/")), (.[0].path // "none"), ([.[].connect_ms // 0] | max),
      .[1].duration_ms, ([.[].packets.checks_sent] | add)] | @tsv' "$out/a.json" "$out/b.json" >>"$out/rows"
  done
  "$natctl" lab down --name hp1 >/dev/null
  ok=$(awk -F'\t' '$1 == "SUCCESS"' "$out/rows" | wc -l)
  paths=$(awk -F'\t' '{print $2}' "$out/rows" | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=","}')
  printf '%-30s %-9s %-22s %-14s %-14s %-12s %s\n' "$a x $b" "$ok/$runs" "$paths" \
    "$(awk -F'\t' '$1 == "SUCCESS" {print $3}' "$out/rows" | median)" \
    "$(awk -F'\t' '$1 == "SUCCESS" {print $3}' "$out/rows" | sort -n | tail -1)" \
    "$(awk -F'\t' '$1 == "SUCCESS" {print int($4)}' "$out/rows" | median)" \
    "$(awk -F'\t' '$1 == "SUCCESS" {print $5}' "$out/rows" | median)"
done
