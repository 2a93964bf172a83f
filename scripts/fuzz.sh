#!/usr/bin/env bash
# Builds natctl's libFuzzer harnesses (Sources/Fuzz*) with -sanitize=fuzzer,address into
# .build-fuzz and runs them on a copy of the committed seed corpus (Fuzz/corpus/<target>).
#
#   scripts/fuzz.sh [--ci] [--keep DIR] [TARGET] [SECONDS]
#
#   TARGET   stun, channeldata, capture, parsers, or all (default all)
#   SECONDS  per target (default 20)
#   --ci     the smoke `make test` runs: stun, channeldata and capture fuzzed 20 s each, and the
#            parsers seeds replayed through the plain build's .build/debug/FuzzParsers. Fuzzing
#            parsers needs NIO (NATCore, NATLab) built with the sanitizers, which adds ~2 min of
#            build to CI for a few string parsers; `scripts/fuzz.sh parsers` does it on demand.
#   --keep   keep the working corpus in DIR/<target> between runs (long runs in chunks, or
#            two runs side by side on two cores); the committed corpus is only ever read
#   --no-build  run what .build-fuzz holds (a second run beside one that built)
#
# Prints one line per target (executions, exec/s, crashes) and exits 1 when any target crashed,
# naming the crash input; replay it with `.build/debug/FuzzX FILE` (a plain build replays) or
# `.build-fuzz/release/FuzzX FILE`. On a machine shared with other builds, run it under
# `flock /tmp/natctl-swift.lock`; it takes no lock itself.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
target=all
seconds=20
keep=
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) target=ci; seconds=20 ;;
    --keep) keep=$2; shift ;;
    --no-build) build=0 ;;
    stun|channeldata|capture|parsers|all) target=$1 ;;
    ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [--ci] [--keep DIR] [stun|channeldata|capture|parsers|all] [SECONDS]" >&2; exit 64 ;;
    *) seconds=$1 ;;
  esac
  shift
done

product() {
  case "$1" in
    stun) echo FuzzSTUN ;; channeldata) echo FuzzChannelData ;; capture) echo FuzzCapture ;; parsers) echo FuzzParsers ;;
  esac
}
# Inputs up to the largest seed plus room to grow; captures need more than a datagram.
max_len() { case "$1" in capture) echo 16384 ;; parsers) echo 256 ;; *) echo 2048 ;; esac; }

case "$target" in
  all) targets=(stun channeldata capture parsers) ;;
  ci) targets=(stun channeldata capture) ;;
  *) targets=("$target") ;;
esac

# Sanitizer coverage plus ASan; release, because a debug build fuzzes about four times slower.
# Swift's own crash handler would hide libFuzzer's report, so it is off.
flags=(-c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xswiftc -DFUZZING)
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
for t in "${targets[@]}"; do
  [ "$build" = 1 ] || break
  if ! "$SWIFT" build "${flags[@]}" --product "$(product "$t")" >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" | head -20 >&2
    echo "fuzz: building $(product "$t") failed" >&2
    exit 2
  fi
done
[ "$build" = 0 ] || echo "fuzz: built ${targets[*]} in $(( $(date +%s) - start )) s"
failed=0
for t in "${targets[@]}"; do
  binary=".build-fuzz/release/$(product "$t")"
  corpus="$work/corpus-$t"
  [ -n "$keep" ] && corpus="$keep/$t"
  mkdir -p "$corpus"
  [ -n "$(ls -A "$corpus")" ] || cp Fuzz/corpus/"$t"/* "$corpus"/
  artifacts=".build-fuzz/crashes/$t"  # not artifacts/: SwiftPM owns and clears that folder
  mkdir -p "$artifacts"
  log="$work/$t.log"
  status=0
  "$binary" "$corpus" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=3072 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  if [ "$status" -ne 0 ] || [ -n "$crash" ]; then
    failed=1
    # After a crash libFuzzer prints no final stats; the last status line has the count.
    runs=${runs:-$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')}
    echo "fuzz $t: CRASH after ${runs:-?} executions (exit $status); input: ${crash:-none written}"
    grep -E "Fatal error|fuzz invariant|ERROR: |SUMMARY" "$log" | head -5 | sed 's/^/  /'
    cp "$log" "$artifacts/last-crash.log"
    echo "  full log: $artifacts/last-crash.log"
  else
    echo "fuzz $t: ${runs:-0} executions in $seconds s (${rate:-0} exec/s), 0 crashes"
  fi
done
if [ "$target" = ci ]; then
  if [ -x .build/debug/FuzzParsers ]; then
    if .build/debug/FuzzParsers Fuzz/corpus/parsers >"$work/parsers.log" 2>&1; then
      echo "fuzz parsers: $(tail -1 "$work/parsers.log") (replay of the seeds, not fuzzed)"
    else
      failed=1
      echo "fuzz parsers: a seed crashed the replay"; tail -5 "$work/parsers.log" | sed 's/^/  /'
    fi
  else
    echo "fuzz parsers: skipped (no .build/debug/FuzzParsers; run swift build --build-tests first)"
  fi
fi
echo "fuzz: done in $(( $(date +%s) - start )) s"
exit $failed
