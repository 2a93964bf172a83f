#!/usr/bin/env bash
# Runs the lab suite's four punch grids (every pair of NAT behaviours, with and without the
# routers' input firewalls, plain and at 50 ms per WAN with 5 % loss) RUNS times, then prints
# per grid: each cell's path in every run, the cells whose path differed between runs or from
# what the grid expects, the median time to a direct path (connect_ms: first check to selected
# pair, slower side) and the median packets per success (checks and many-ports probes, both sides).
#
# Run it as root from a checkout whose tests are built (swift build --build-tests):
#   scripts/punch-grids.sh
#   RUNS=5 GRIDS=plain scripts/punch-grids.sh
#
# RUNS   how many times to run each grid (default 3)
# GRIDS  all (default), or plain (the two unimpaired grids, as CI runs them)
# Exit status: 0 when every cell connected as expected in every run, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
filter='PunchLabTests/gridOfBehaviours'
[[ ${GRIDS:-all} == plain ]] && filter='PunchLabTests/gridOfBehaviours(WithoutInputFirewalls)?\(\)'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export NATCTL_PORTMAP=off NATCTL_GRID_IMPAIRED=1
for run in $(seq "$runs"); do
  echo "punch-grids: run $run of $runs" >&2
  flock /tmp/natctl-lab.lock swift test --skip-build --filter "$filter" >"$out/run$run.log" 2>&1 || true
done
python3 - "$out" "$runs" <<'EOF'
import re, statistics, sys
from pathlib import Path
folder, runs = Path(sys.argv[1]), int(sys.argv[2])
grids = {}  # title -> {(a, b): [row per run]}
for run in range(1, runs + 1):
    title = None
    for line in (folder / f"run{run}.log").read_text(errors="replace").splitlines():
        if line.startswith("punch grid"):
            title = line.rstrip(":")
            continue
        fields = line.split()
        if title and len(fields) == 7 and fields[2] in ("direct", "relayed"):
            grids.setdefault(title, {}).setdefault((fields[0], fields[1]), []).append(fields)
        elif title and not line.startswith("site a"):
            title = None
bad = False
for title, cells in sorted(grids.items()):
    print(f"\n{title} ({runs} runs)")
    print(f"{'site a':14} {'site b':14} {'expected':9} {'paths':28} connect_ms")
    connects, packets, odd = [], [], []
    for (a, b), rows in cells.items():
        paths = [r[3] for r in rows]
        print(f"{a:14} {b:14} {rows[0][2]:9} {'/'.join(paths):28} {' '.join(r[5] for r in rows)}")
        connects += [int(r[5]) for r in rows if r[3] == "direct" and r[5].isdigit()]
        packets += [int(r[6]) for r in rows if r[6].isdigit()]
        if len(rows) != runs or any(p != rows[0][2] for p in paths):
            odd.append(f"{a} x {b}: expected {rows[0][2]}, got {'/'.join(paths)}")
    print("cells that differed: " + ("; ".join(odd) if odd else "none"))
    if connects:
        print(f"median connect_ms of direct paths: {statistics.median(connects):.0f} (max {max(connects)}); "
              f"median packets per success: {statistics.median(packets):.0f}")
    bad = bad or bool(odd)
if not grids:
    print("punch-grids: no grid tables in the logs", file=sys.stderr)
    bad = True
sys.exit(1 if bad else 0)
EOF
