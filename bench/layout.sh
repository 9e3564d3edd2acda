#!/usr/bin/env bash
# bench/layout.sh KERNEL [ROUNDS] [BUILD]: is a micro-kernel's time ratio the
# polls' cost or code layout? Builds bench/micro/KERNEL.cpp plain and with the
# default placement, each twice: with the compiler's layout, and with every
# function and loop aligned to 64 bytes (-falign-functions=64
# -falign-loops=64), which takes most of the placement of code in memory out
# of the comparison. Runs the four interleaved ROUNDS times (default 9) and
# prints the median default/plain ratio of each layout with its range.
# BUILD is a Safepoint build tree (default build-dev). Needs what bench/run.sh
# needs; run bench/run.sh first on a fresh machine. See docs/performance.md
# ("calls_noinline").
set -euo pipefail
kernel=${1:?usage: bench/layout.sh KERNEL [ROUNDS] [BUILD]}
rounds=${2:-9}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${3:-$root/build-dev}
spc=$build/bin/safepoint-config
cxx=$("$spc" --cxx)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

micro=$root/bench/micro
"$cxx" -std=c++20 -O2 -c "$micro/driver/unwind_hook.cpp" -o "$work/hook.o"
for config in plain default; do
  for layout in compiler aligned; do
    flags=(-std=c++20 -O2 -g0 "-I$micro")
    if [ "$config" = plain ]; then
      flags+=(-DBENCH_PLAIN)
    else
      # shellcheck disable=SC2207
      flags+=($("$spc" --cxxflags))
    fi
    [ "$layout" = aligned ] && flags+=(-falign-functions=64 -falign-loops=64)
    exe=$work/$config.$layout
    "$cxx" "${flags[@]}" -c "$micro/$kernel.cpp" -o "$exe.k.o"
    "$cxx" "${flags[@]}" -c "$micro/driver/driver.cpp" -o "$exe.d.o"
    if [ "$config" = plain ]; then
      "$cxx" "$exe.k.o" "$exe.d.o" -o "$exe" -pthread
    else
      # shellcheck disable=SC2046
      "$cxx" "$exe.k.o" "$exe.d.o" "$work/hook.o" -o "$exe" \
        -Wl,--export-dynamic-symbol=_Unwind_RaiseException \
        $("$spc" --ldflags) -pthread
    fi
  done
done

python3 - "$work" "$rounds" <<'EOF'
import json, statistics, subprocess, sys
work, rounds = sys.argv[1], int(sys.argv[2])
exes = ["plain.compiler", "default.compiler", "plain.aligned", "default.aligned"]
times = {e: [] for e in exes}
for _ in range(rounds):
    for e in exes:  # interleaved
        out = subprocess.run([f"{work}/{e}", "--reps", "3"], check=True,
                             capture_output=True, text=True).stdout
        times[e].append(json.loads(out.strip().splitlines()[-1])["time_ns"])
for layout in ("compiler", "aligned"):
    r = [d / p for d, p in zip(times["default." + layout],
                               times["plain." + layout])]
    print(f"{layout:8} layout: default/plain {statistics.median(r):.3f} "
          f"[{min(r):.3f}-{max(r):.3f}] over {rounds} rounds")
EOF
