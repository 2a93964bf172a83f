#!/usr/bin/env bash
# First-run and later-run timing of `natctl classify` at 100 ms round trip (50 ms each way on
# the WAN wire), in fresh labs whose neighbour entries are flushed first, as on a network where
# nothing has resolved ARP yet. Prints one line per run: lab, run, duration_ms, loss_estimate,
# most copies of any test, and the filtering verdict. Needs root; removes its lab.
#   scripts/bench-classify.sh [LABS] [SITE]      (defaults: 3 labs, eim-apdf)
set -euo pipefail
labs=${1:-3}
site=${2:-eim-apdf}
natctl=${NATCTL_BIN:-.build/debug/natctl}
trap '"$natctl" lab down --name bcls >/dev/null 2>&1 || true' EXIT
for lab in $(seq 1 "$labs"); do
  "$natctl" lab up --name bcls --replace --site "a=$site" --delay 50 >/dev/null
  ip -n natctl-bcls-a-r neigh flush nud all
  ip -n natctl-bcls-pub neigh flush nud all
  for run in 1 2 3; do
    "$natctl" lab exec --name bcls a -- "$natctl" classify --json \
      | jq -r --arg lab "$lab" --arg run "$run" \
        '[$lab, $run, .duration_ms, .loss_estimate, ([.tests[].transmissions] | max), .filtering.value] | @tsv'
  done
  "$natctl" lab down --name bcls >/dev/null
done
