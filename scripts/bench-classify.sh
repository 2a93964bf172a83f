#!/usr/bin/env bash
# Benchmarks NAT classifiers against the same lab NATs: `natctl classify`, Debian's `stun`
# (stun-client, RFC 3489), coturn's `turnutils_natdiscovery` (RFC 5780) and `pystun3` (PyPI,
# RFC 3489). For every scenario (lab behaviour x impairment) and tool it brings up a fresh lab
# (`natctl lab up --name hb1`), runs the tool once on site a's host, takes the lab down again,
# and repeats RUNS times. It prints one row per scenario x tool: median and max wall time in ms
# (from `date +%s%N` around `natctl lab exec`, so process startup and the ~40 ms of entering the
# namespace count, equally for every tool), how many runs gave the right answer, and the
# verdicts as the tool printed them, each followed by its normalised class in [brackets].
#
# Run it as root, from anywhere:
#   sudo scripts/bench-classify.sh
#   sudo BEHAVIOURS="eim-apdf apdm-apdf" TOOLS="natctl stun" IMPAIRMENTS="none loss10" RUNS=1 scripts/bench-classify.sh
#   sudo scripts/bench-classify.sh --behaviours "eim-apdf" --tools "stun pystun3" --impairments loss10 --runs 5
#
# BEHAVIOURS   none eim-eif eim-adf eim-apdf apdm-apdf apdm-apdf-seq udp-blocked (default: all)
# TOOLS        natctl stun natdiscovery pystun3 (default: all)
# IMPAIRMENTS  none, lossN (--loss N), delayN (--delay N one way, so delay50 = 100 ms RTT)
#              (default: none loss10 delay50). A lab that refuses --delay (exit 64) gives
#              "skipped: lab has no delay yet" rows.
# RUNS         runs per cell (default 3). TOOL_TIMEOUT: seconds per run (default 60).
# BENCH_LAB    lab name (default hb1; must start with hb). NATCTL: binary to copy
#              (default .build/debug/natctl of this checkout) to /tmp/natctl-bench/natctl.
#
# As root it installs what is missing, and only that: Debian packages stun-client,
# python3-venv, coturn, jq (apt-get), and pystun3 into /opt/natctl-bench-venv (pip).
# Traffic stays inside the lab namespaces: every tool is pointed at the lab server
# 203.0.113.1:3478 (pystun3 would otherwise try public servers). Raw output of every run is
# kept under /tmp/natctl-bench/out/. Exit status: 0 when every cell ran (right or wrong
# verdicts alike), 1 when a lab could not be built, 64 on a usage error.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
checkout=$PWD

ALL_BEHAVIOURS="none eim-eif eim-adf eim-apdf apdm-apdf apdm-apdf-seq udp-blocked"
ALL_TOOLS="natctl stun natdiscovery pystun3"
BEHAVIOURS=${BEHAVIOURS:-$ALL_BEHAVIOURS}
TOOLS=${TOOLS:-$ALL_TOOLS}
IMPAIRMENTS=${IMPAIRMENTS:-"none loss10 delay50"}
RUNS=${RUNS:-3}
TOOL_TIMEOUT=${TOOL_TIMEOUT:-60}
LAB=${BENCH_LAB:-hb1}
SERVER_IP=203.0.113.1
SERVER_PORT=3478
WORK=/tmp/natctl-bench
NATCTL=$WORK/natctl
VENV=/opt/natctl-bench-venv
PYSTUN3_VERSION=${PYSTUN3_VERSION:-2.0.0}

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "bench-classify: $*" >&2; exit 64; }

while [ $# -gt 0 ]; do
  case $1 in
    --behaviours) BEHAVIOURS=${2:?}; shift 2 ;;
    --tools) TOOLS=${2:?}; shift 2 ;;
    --impairments) IMPAIRMENTS=${2:?}; shift 2 ;;
    --runs) RUNS=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

for b in $BEHAVIOURS; do [[ " $ALL_BEHAVIOURS " == *" $b "* ]] || die "unknown behaviour '$b' (one of: $ALL_BEHAVIOURS)"; done
for t in $TOOLS; do [[ " $ALL_TOOLS " == *" $t "* ]] || die "unknown tool '$t' (one of: $ALL_TOOLS)"; done
for i in $IMPAIRMENTS; do [[ $i =~ ^(none|loss[0-9]+|delay[0-9]+)$ ]] || die "unknown impairment '$i' (none, lossN, delayN)"; done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] && [ "$RUNS" -le 100 ] || die "RUNS must be 1-100, got '$RUNS'"
[[ $TOOL_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "TOOL_TIMEOUT must be a positive number of seconds"
[[ $LAB =~ ^hb[a-z0-9]{0,10}$ ]] || die "BENCH_LAB must start with 'hb' (1-12 lowercase letters or digits)"

# ---------------------------------------------------------------- setup

source_binary=${NATCTL_SOURCE:-$checkout/.build/debug/natctl}
if [ "$(id -u)" -ne 0 ]; then
  echo "bench-classify needs root: network namespaces for the lab, and it installs stun-client," >&2
  echo "python3-venv and pystun3 (into $VENV) when missing. Run: sudo scripts/bench-classify.sh" >&2
  exit 1
fi
[ -x "$source_binary" ] || { echo "bench-classify: no natctl binary at $source_binary; build it first (make build)" >&2; exit 1; }

install_missing() {
  local missing=() p
  for p in stun-client python3-venv coturn jq iproute2 nftables; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
      { echo "bench-classify: apt-get install ${missing[*]} failed" >&2; exit 1; }
  fi
  if ! "$VENV/bin/python" -c 'import stun; assert stun.__version__ == "'"$PYSTUN3_VERSION"'"' 2>/dev/null; then
    echo "installing pystun3==$PYSTUN3_VERSION into $VENV" >&2
    { [ -x "$VENV/bin/pip" ] || timeout 300 /usr/bin/python3 -m venv "$VENV"; } &&
      timeout 600 "$VENV/bin/pip" install -q "pystun3==$PYSTUN3_VERSION" >&2 ||
      { echo "bench-classify: could not install pystun3 into $VENV" >&2; exit 1; }
  fi
}
install_missing

mkdir -p "$WORK/out"
cp "$source_binary" "$NATCTL.tmp" && mv -f "$NATCTL.tmp" "$NATCTL" || exit 1
if "$NATCTL" classify --help 2>/dev/null | grep -q '^USAGE: natctl classify'; then have_classify=1; else have_classify=0; fi

lab_down() { timeout 30 "$NATCTL" lab down --name "$LAB" >/dev/null 2>&1; }
cleanup() {
  lab_down
  local left
  left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^natctl-$LAB-" || true)
  [ -z "$left" ] || echo "bench-classify: WARNING: namespaces left behind: $left (run: $NATCTL lab down --name $LAB)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM
lab_down   # a lab of this name left by a killed run

# ---------------------------------------------------------------- verdicts
# Every tool's answer is normalised to one class: open, full-cone, restricted,
# port-restricted, symmetric, sym-firewall, blocked, other (a mapping/filtering pair with no
# RFC 3489 name), undecided, error or timeout.

expected_class() {
  case $1 in
    none) echo open ;; eim-eif) echo full-cone ;; eim-adf) echo restricted ;;
    eim-apdf) echo port-restricted ;; apdm-apdf|apdm-apdf-seq) echo symmetric ;;
    udp-blocked) echo blocked ;;
  esac
}

# class_from_mf MAPPING FILTERING NO_NAT, each abbreviated (EIM/ADM/APDM, EIF/ADF/APDF, true/false).
class_from_mf() {
  local m=$1 f=$2 nonat=$3
  if [ "$nonat" = true ] && [ -n "$f" ]; then [ "$f" = EIF ] && echo open || echo sym-firewall; return; fi
  case "$m/$f" in
    EIM/EIF) echo full-cone ;; EIM/ADF) echo restricted ;; EIM/APDF) echo port-restricted ;;
    ADM/APDF|APDM/APDF) echo symmetric ;;
    */|/*) echo undecided ;;
    *) echo other ;;
  esac
}
abbrev() { # abbrev M|F "endpoint-independent" -> EIM
  case $2 in
    endpoint-independent|"Endpoint Independent") echo "EI$1" ;;
    address-dependent|"Address Dependent") echo "AD$1" ;;
    address-and-port-dependent|"Address and Port Dependent") echo "APD$1" ;;
    *) echo "" ;;
  esac
}

# Each parser reads a run's stdout file and exit code and sets VERDICT (the tool's words,
# short) and CLASS.
parse_natctl() {
  local out=$1 rc=$2 fields m f r nonat udp
  if ! fields=$(jq -er '[.mapping.value // "", .filtering.value // "", .rfc3489 // "null",
                         (.no_nat | tostring), (.udp | tostring)] | join("|")' "$out" 2>/dev/null); then
    VERDICT="no JSON (rc $rc)"; CLASS=error; return
  fi
  IFS='|' read -r m f r nonat udp <<<"$fields"
  m=$(abbrev M "$m"); f=$(abbrev F "$f")
  VERDICT="$r ${m:-?}/${f:-?}"
  if [ "$r" = udp-blocked ] || { [ "$udp" = false ] && [ -z "$m$f" ]; }; then CLASS=blocked
  else CLASS=$(class_from_mf "$m" "$f" "$nonat"); fi
}

parse_stun() {  # Vovida: "Primary: Independent Mapping, Port Dependent Filter, preserves ports, no hairpin<TAB>"
  local out=$1 rc=$2 line
  line=$(sed -n 's/^Primary: //p' "$out" | head -1 | tr -d '\t')
  if [ -z "$line" ]; then VERDICT="no verdict (rc $rc)"; CLASS=error; return; fi
  case $line in
    Open*) CLASS=open ;;
    "Independent Mapping, Independent Filter"*) CLASS=full-cone ;;
    "Independent Mapping, Address Dependent Filter"*) CLASS=restricted ;;
    "Independent Mapping, Port Dependent Filter"*) CLASS=port-restricted ;;
    "Dependent Mapping"*) CLASS=symmetric ;;
    Firewall*) CLASS=sym-firewall ;;
    Blocked*) CLASS=blocked ;;
    *) CLASS=other ;;
  esac
  line=${line%%, preserves ports*}; line=${line%%, random port*}
  line=${line//Independent/Indep}; line=${line//Dependent/Dep}
  line=${line/Blocked or could not reach STUN server/Blocked}
  VERDICT=$(printf '%s (rc 0x%02x)' "$line" "$rc")
}

parse_natdiscovery() {  # "NAT with Endpoint Independent Mapping!", "No NAT! (...)", "STUN receive timeout.."
  local out=$1 rc=$2 m f nonat=false
  m=$(sed -n 's/^NAT with \(.*\) Mapping!$/\1/p' "$out" | head -1)
  f=$(sed -n 's/^NAT with \(.*\) Filtering!$/\1/p' "$out" | head -1)
  grep -q '^No NAT!' "$out" && nonat=true
  m=$(abbrev M "$m"); f=$(abbrev F "$f")
  if [ -z "$m$f" ] && ! grep -q 'reflexive addr' "$out" && grep -q 'STUN receive timeout' "$out"; then
    VERDICT="no answer (timeouts), no verdict"; CLASS=blocked; return
  fi
  VERDICT="$([ $nonat = true ] && echo 'No NAT, ')${m:-?}/${f:-?}"
  CLASS=$(class_from_mf "$m" "$f" "$nonat")
}

parse_pystun3() {  # "NAT Type: Restric Port NAT"
  local out=$1 rc=$2 t
  t=$(sed -n 's/^NAT Type: //p' "$out" | head -1)
  VERDICT=${t:-"no verdict (rc $rc)"}
  case $t in
    "Open Internet") CLASS=open ;; "Full Cone") CLASS=full-cone ;; "Restric NAT") CLASS=restricted ;;
    "Restric Port NAT") CLASS=port-restricted ;; "Symmetric NAT") CLASS=symmetric ;;
    "Symmetric UDP Firewall") CLASS=sym-firewall ;; Blocked) CLASS=blocked ;;
    "") CLASS=error ;; *) CLASS=other ;;
  esac
}

# tool_command TOOL HOST_IP: the argv run on the site's host. Every tool gets the lab server
# explicitly and, where it can use it, the host's own address (needed to say "no NAT").
tool_command() {
  case $1 in
    natctl) echo "$NATCTL classify --json --server $SERVER_IP:$SERVER_PORT" ;;
    stun) echo "/usr/bin/stun $SERVER_IP:$SERVER_PORT" ;;
    natdiscovery) echo "/usr/bin/turnutils_natdiscovery -m -f -L $2 -p $SERVER_PORT $SERVER_IP" ;;
    pystun3) echo "$VENV/bin/pystun3 -H $SERVER_IP -P $SERVER_PORT -i $2" ;;
  esac
}

# ---------------------------------------------------------------- runs

impairment_args() {
  case $1 in
    none) echo "" ;;
    loss*) echo "--loss ${1#loss}" ;;
    delay*) echo "--delay ${1#delay}${DELAY_JITTER:+ --jitter $DELAY_JITTER}" ;;
  esac
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
row() { printf '%-24s %-16s %-12s %8s %8s %-7s %s\n' "$@"; }

status=0
no_delay=0
row scenario expect tool median_ms max_ms correct "verdicts [class]"
for imp in $IMPAIRMENTS; do
  for b in $BEHAVIOURS; do
    scenario="$b/$imp"
    expect=$(expected_class "$b")
    if [[ $imp == delay* ]] && [ $no_delay = 1 ]; then
      for t in $TOOLS; do row "$scenario" "$expect" "$t" - - - "skipped: lab has no delay yet"; done
      continue
    fi
    declare -A times=() verdicts=() right=()
    skip_scenario=""
    for ((run = 1; run <= RUNS; run++)); do
      for t in $TOOLS; do
        if [ "$t" = natctl ] && [ $have_classify = 0 ]; then continue; fi
        base="$WORK/out/${b}_${imp}_${t}_$run"
        lab_down
        # shellcheck disable=SC2046
        timeout 60 "$NATCTL" lab up --name "$LAB" --site "a=$b" $(impairment_args "$imp") --json >"$base.up.json" 2>"$base.up.err"
        up_rc=$?
        if [ $up_rc -ne 0 ]; then
          if [[ $imp == delay* ]] && [ $up_rc -eq 64 ]; then
            no_delay=1; skip_scenario="skipped: lab has no delay yet"
          else
            skip_scenario="lab up failed (rc $up_rc): $(head -1 "$base.up.err")"; status=1
          fi
          break
        fi
        host_ip=$(jq -r '.sites[0].host_address' "$base.up.json")
        echo "$scenario run $run/$RUNS: $t" >&2
        t0=$(date +%s%N)
        # shellcheck disable=SC2046
        timeout -k 5 $((TOOL_TIMEOUT + 15)) "$NATCTL" lab exec --name "$LAB" a -- \
          timeout -k 2 "$TOOL_TIMEOUT" $(tool_command "$t" "$host_ip") >"$base.out" 2>"$base.err"
        rc=$?
        t1=$(date +%s%N)
        lab_down
        ms=$(((t1 - t0) / 1000000))
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
          VERDICT="timeout after ${TOOL_TIMEOUT}s"; CLASS=timeout
        else
          "parse_$t" "$base.out" "$rc"
        fi
        times[$t]+="$ms "
        verdicts[$t]+="$VERDICT [$CLASS]"$'\n'
        [ "$CLASS" = "$expect" ] && right[$t]=$((${right[$t]:-0} + 1))
      done
      [ -z "$skip_scenario" ] || break
    done
    for t in $TOOLS; do
      if [ -n "$skip_scenario" ]; then row "$scenario" "$expect" "$t" - - - "$skip_scenario"; continue; fi
      if [ "$t" = natctl ] && [ $have_classify = 0 ]; then row "$scenario" "$expect" "$t" n/a n/a n/a "n/a: this natctl has no classify"; continue; fi
      med=$(tr ' ' '\n' <<<"${times[$t]}" | grep . | median)
      max=$(tr ' ' '\n' <<<"${times[$t]}" | grep . | sort -n | tail -1)
      summary=$(printf '%s' "${verdicts[$t]}" | sort | uniq -c | sort -rn |
        awk '{n=$1; $1=""; sub(/^ /,""); s=s (s?"; ":"") $0 (n>1?" x" n:"")} END {print s}')
      row "$scenario" "$expect" "$t" "$med" "$max" "${right[$t]:-0}/$RUNS" "$summary"
    done
    unset times verdicts right
  done
done
exit $status
