#!/usr/bin/env bash
# bench/wrappers/cxx-wrapper.sh CONFIG ARGS...: the C++ compiler the real
# programs' build systems see (CXX=bench/wrappers/clang++-CONFIG).
#   plain    clang++ of $SAFEPOINT_CONFIG (clang++-19), no plugin
#   default  + $(safepoint-config --cxxflags), links $(safepoint-config --ldflags)
#   naive    as default, + -fplugin-arg-safepoint-placement=naive
# Every configuration adds the same remark flags (-Rpass=loop-vectorize|safepoint,
# -Rpass-analysis=safepoint); with BENCH_REMARK_LOG set, the compiler's stderr
# is also appended to that file, so the harness can count vectorized loops and
# polls whatever the build system does with the output.
# With BENCH_PROBE_OBJ set (bench/harness.py sets it to the compiled
# bench/probe/latency_probe.cpp), naive and default executables also link
# that object, inert unless SAFEPOINT_BENCH_PROBE is set when they run (the
# delivery latency of the real programs), and export pthread_create for it.
# With BENCH_FORCE_EXCEPTIONS=1 (set by bench/run.sh when the plugin leaves
# -fno-exceptions translation units uninstrumented), -fexceptions is appended
# after the build system's flags, in every configuration, plain included.
set -u
config=$1; shift
spc=${SAFEPOINT_CONFIG:?set SAFEPOINT_CONFIG to <build>/bin/safepoint-config}
cxx=$("$spc" --cxx)
flags=(-Wno-unused-command-line-argument "-Rpass=loop-vectorize|safepoint"
       -Rpass-analysis=safepoint)
link=()
if [ "$config" != plain ]; then
  # shellcheck disable=SC2207
  flags+=($("$spc" --cxxflags))
  [ "$config" = naive ] && flags+=(-fplugin-arg-safepoint-placement=naive)
  linking=1
  for a in "$@"; do
    # Shared libraries are linked without the runtime: the executable that
    # loads them links it (libsafepoint.a is not built for -shared).
    case $a in -c|-S|-E|-M|-MM|-fsyntax-only|-shared) linking=0 ;; esac
  done
  # shellcheck disable=SC2207
  [ $linking = 1 ] && link=($("$spc" --ldflags))
  if [ $linking = 1 ] && [ -n "${BENCH_PROBE_OBJ:-}" ]; then
    link=("$BENCH_PROBE_OBJ" -Wl,--export-dynamic-symbol=pthread_create "${link[@]}")
  fi
fi
[ "${BENCH_FORCE_EXCEPTIONS:-0}" = 1 ] && link=(-fexceptions "${link[@]}")
if [ -z "${BENCH_REMARK_LOG:-}" ]; then
  exec "$cxx" "${flags[@]}" "$@" "${link[@]}"
fi
err=$(mktemp)
"$cxx" "${flags[@]}" "$@" "${link[@]}" 2>"$err"
rc=$?
cat "$err" >&2
cat "$err" >>"$BENCH_REMARK_LOG"
rm -f "$err"
exit $rc
