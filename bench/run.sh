#!/usr/bin/env bash
# bench/run.sh: Safepoint's overhead and latency benchmark (issue 4).
#
#   bench/run.sh [--quick] [--only micro|real] [--reps N] [--out DIR]
#                [--safepoint-build DIR] [--no-rebuild]
#                [--kernels a,b,...] [--programs snappy,leveldb,...]
#                [--no-instructions] [--instructions-only] [--no-latency]
#                [--latency-only] [--spin-sender] [--premade-exception]
#                [--ablation tech,tech+tech,...] [--variant NAME=FLAGS]
#
# Builds every benchmark plain (clang++-19), with naive placement and with the
# default placement; runs them interleaved --reps times (default 5); measures
# run time, code size, compile time, vectorized loops, polls placed, the
# plugin's largest poll-free distance and delivery latency; writes
# results.md, results.json and PNG plots to --out (default
# bench/results/<date-time>/). docs/performance.md explains everything.
#
#   --quick              smoke run: 3 rounds, 1 timed run per process, 200
#                        interrupts, 1 compile per config, micro-kernels only
#                        unless --only real is given (then snappy only)
#   --only micro|real    only the micro-kernels or only the real programs
#   --reps N             interleaved rounds (default 5, at least 5 for results)
#   --out DIR            results folder
#   --safepoint-build D  use this Safepoint build tree (default: build/,
#                        configured and built with cmake/setup.sh if missing)
#   --no-rebuild         do not rebuild the plugin and runtime in that tree
#   --no-instructions    skip the deterministic instruction counts (callgrind,
#                        micro-kernels; on by default when valgrind is there)
#   --instructions-only  instruction counts, sizes, remarks; no timed rounds,
#                        no latency (deterministic, for placement work)
#   --no-latency         skip the delivery-latency measurement
#   --latency-only       delivery latency (and sizes, remarks) only: no timed
#                        rounds, no instruction counts
#   --spin-sender        in the latency measurement, the interrupting thread
#                        spins between interrupts instead of sleeping, so
#                        its CPU never halts (see docs/performance.md)
#   --premade-exception  in the latency measurement, the exception is made
#                        before the pause and sent with interrupt(handle,
#                        exception_ptr), as interrupt_after() sends the one
#                        it made when armed: latency without the allocation
#   --ablation LIST      micro-kernels only: one extra configuration per item,
#                        the default placement without that technique
#                        (bounded-loops, strip-mine, strip-mine-const,
#                        strip-mine-range, range-count, strip-mine-ir,
#                        chunk-calls, library-nothrow, entry, entry-tree,
#                        recursion-rotate, dispatch-dup, volatile-poll,
#                        strip-mine-version, promote-loads, poll-unroll,
#                        preserve-slow, redundant-polls,
#                        redundant-polls-calls,
#                        redundant-polls-external, small-loops,
#                        small-loops-entry, entry-libcalls, poll-unroll-short,
#                        dispatch-alternate, jump-table-whole,
#                        poll-unroll-after-test, work-budget,
#                        entry-polling-callees, chunk-inline-cost;
#                        '+' combines),
#                        named no-<item>
#   --variant NAME=FLAGS micro-kernels only: one extra configuration NAME,
#                        the default placement compiled with FLAGS too, e.g.
#                        tls-le=-fplugin-arg-safepoint-tls=local-exec;
#                        repeatable
#
# Installs the Debian packages it needs when missing (with sudo when not
# root) and says so. Real programs are fetched as Debian source packages into
# bench/work/ (git-ignored) at run time.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../cmake/setup.sh
. "$BENCH/../cmake/setup.sh"

quick=0 only=all reps="" out="" spbuild="" rebuild=1 kernels="" programs=""
instructions=1 notime=0 nolatency=0 spin=0 premade=0 ablation="" variants=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --only) only=$2; shift ;;
    --reps) reps=$2; shift ;;
    --out) out=$2; shift ;;
    --safepoint-build) spbuild=$2; shift ;;
    --no-rebuild) rebuild=0 ;;
    --no-instructions) instructions=0 ;;
    --instructions-only) instructions=1 notime=1 nolatency=1 ;;
    --no-latency) nolatency=1 ;;
    --latency-only) instructions=0 notime=1 nolatency=0 ;;
    --spin-sender) spin=1 ;;
    --premade-exception) premade=1 ;;
    --ablation) ablation=$2; shift ;;
    --variant) variants+=(--variant "$2"); shift ;;
    --kernels) kernels=$2; shift ;;
    --programs) programs=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case $only in micro|real|all) ;; *) echo "run.sh: --only micro|real" >&2; exit 2 ;; esac
command_line="bench/run.sh $*"
[ -n "$out" ] || out="$BENCH/results/$(date +%Y-%m-%d-%H%M%S)"
work="$BENCH/work"
start=$(date +%s)

# ---- Debian packages --------------------------------------------------------
apt_install() {
  local missing=() p sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "Installing missing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
}
safepoint_install_deps 19
apt_install python3 python3-matplotlib binutils bc dpkg-dev ca-certificates
[ $instructions = 1 ] && apt_install valgrind
PY=/usr/bin/python3   # Debian's python, the one python3-matplotlib serves

# ---- the Safepoint build ----------------------------------------------------
if [ -z "$spbuild" ]; then
  spbuild="$SAFEPOINT_ROOT/build"
  if [ ! -x "$spbuild/bin/safepoint-config" ] || [ ! -f "$spbuild/build.ninja" ]; then
    safepoint_build 19 "$spbuild"
    rebuild=0
  fi
fi
if [ $rebuild = 1 ] && [ -f "$spbuild/build.ninja" ]; then
  say "Rebuilding the plugin and runtime in $spbuild"
  cmake --build "$spbuild" --target SafepointPlugin safepoint_runtime
fi
spc="$spbuild/bin/safepoint-config"
[ -x "$spc" ] || { echo "run.sh: no $spc" >&2; exit 1; }
plugin=$("$spc" --plugin)
[ -f "$plugin" ] || { echo "run.sh: plugin $plugin missing" >&2; exit 1; }

# Does the plugin know -fplugin-arg-safepoint-placement=naive?
naive=--naive
probe=$(mktemp -d)
echo 'int f(int n) { int s = 0; for (int i = 0; i < n; ++i) s += i; return s; }' >"$probe/p.cpp"
# shellcheck disable=SC2046
if ! "$("$spc" --cxx)" $("$spc" --cxxflags) -fplugin-arg-safepoint-placement=naive \
     -c "$probe/p.cpp" -o "$probe/p.o" 2>"$probe/err"; then
  say "WARNING: the plugin rejects placement=naive ($(head -1 "$probe/err")); naive is skipped"
  naive=""
fi
# Does it instrument -fno-exceptions translation units? Many Google-style
# projects (snappy, leveldb) build with -fno-exceptions; if the plugin skips
# such TUs, the real programs are built with -fexceptions appended in all
# three configurations (plain included), so that there is something to measure.
# The compiler's output is read in full first: `compiler | grep -q` under
# pipefail failed whenever grep quit before the compiler finished writing
# (SIGPIPE), which silently forced -fexceptions on some runs.
# shellcheck disable=SC2046
remarks=$("$("$spc" --cxx)" $("$spc" --cxxflags) -fno-exceptions -O1 -Rpass=safepoint \
            -c "$probe/p.cpp" -o "$probe/p.o" 2>&1) ||
  { echo "run.sh: the -fno-exceptions probe does not compile:" >&2
    echo "$remarks" >&2; exit 1; }
if grep -q "remark: .*poll" <<<"$remarks"; then
  export BENCH_FORCE_EXCEPTIONS=0
else
  say "The plugin leaves -fno-exceptions code uninstrumented: real programs get -fexceptions (all configurations)"
  export BENCH_FORCE_EXCEPTIONS=1
fi
rm -rf "$probe"

# ---- real programs: build dependencies ---------------------------------------
if [ "$only" != micro ] && { [ $quick = 0 ] || [ "$only" = real ]; }; then
  if [ $quick = 1 ] && [ -z "$programs" ]; then programs=snappy; fi
  deps=()
  for r in "$BENCH"/real/*.sh; do
    name=$(basename "$r" .sh)
    [ "$name" = common ] && continue
    if [ -n "$programs" ] && [[ ",$programs," != *",$name,"* ]]; then continue; fi
    # shellcheck disable=SC2207
    deps+=($(bash "$r" deps))
  done
  [ ${#deps[@]} -eq 0 ] || apt_install "${deps[@]}"
elif [ "$only" = all ]; then
  only=micro   # --quick: micro-kernels only
fi

# ---- measure ----------------------------------------------------------------
args=(--safepoint-build "$spbuild" --out "$out" --work "$work" --only "$only"
      --command "$command_line")
[ -n "$naive" ] && args+=("$naive")
if [ $quick = 1 ]; then
  args+=(--quick --reps "${reps:-3}" --inner-reps 1 --compile-reps 1 --interrupts 200)
else
  args+=(--reps "${reps:-5}")
fi
[ $instructions = 1 ] && args+=(--instructions)
[ $notime = 1 ] && args+=(--no-time)
[ $nolatency = 1 ] && args+=(--no-latency)
[ $spin = 1 ] && args+=(--spin-sender)
[ $premade = 1 ] && args+=(--premade-exception)
[ -n "$ablation" ] && args+=(--ablation "$ablation")
args+=("${variants[@]}")
[ -n "$kernels" ] && args+=(--kernels "$kernels")
[ -n "$programs" ] && args+=(--programs "$programs")
say "Benchmarking into $out"
"$PY" "$BENCH/harness.py" "${args[@]}"
say "Done in $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s: $out"
