#!/usr/bin/env bash
# bench/lua-dispatch.sh [ROUNDS] [BUILD]: dispatch alternation on a real
# threaded interpreter. Fetches Lua 5.4 (Debian source package "lua5.4", C
# code that Debian also builds as C++; luaV_execute dispatches with computed
# gotos) and compiles every file of its interpreter as C++ three times:
# plain, with the default placement, and with the default placement without
# dispatch alternation (SAFEPOINT_ABLATE=dispatch-alternate, a poll at every
# dispatch). Checks that the three print the same for bench/lua/check.lua
# (errors through pcall, which are C++ exceptions here, coroutines,
# metamethods) and bench/lua/work.lua, then prints for each build the
# instructions of one run of work.lua (callgrind; total and luaV_execute's),
# .text, and the median wall time over ROUNDS (default 11) interleaved runs
# of a larger work.lua, with the range of the per-round ratios to plain.
# BUILD is a Safepoint build tree (default build-dev). Files are compiled by
# hand, not through Debian's Makefile, which runs libtool twice per file (C
# and C++) and links the C library into the interpreter. See
# docs/performance.md ("Dispatch alternation").
set -euo pipefail
rounds=${1:-11}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${2:-$root/build-dev}
spc=$build/bin/safepoint-config
# shellcheck source=real/common.sh
. "$root/bench/real/common.sh"
command -v valgrind >/dev/null || {
  echo "installing valgrind"
  ${SUDO:-$([ "$(id -u)" = 0 ] || echo sudo)} apt-get install -y -qq valgrind >/dev/null
}
src=$BENCH_DIR/work/real/lua5.4
bench_apt_source lua5.4 "$src"
work=$BENCH_DIR/work/lua-dispatch
rm -rf "$work" && mkdir -p "$work/include"
# Debian's luaconf.h includes a header its build generates.
echo '#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"' \
  >"$work/include/lua5.4-deb-multiarch.h"

configs=(plain default no-alternation)
cxx=$("$spc" --cxx)
for config in "${configs[@]}"; do
  mkdir -p "$work/$config"
  flags=() ldflags=() ablate=
  if [ "$config" != plain ]; then
    # shellcheck disable=SC2207
    flags=($("$spc" --cxxflags)) ldflags=($("$spc" --ldflags))
  fi
  [ "$config" = no-alternation ] && ablate=dispatch-alternate
  for f in "$src"/src/*.c; do
    case $(basename "$f") in luac.c) continue ;; esac
    SAFEPOINT_ABLATE=$ablate "$cxx" -x c++ -std=c++17 -O2 -g0 \
      -DLUA_COMPAT_5_3 -DLUA_USE_LINUX "-I$work/include" "${flags[@]}" \
      -c "$f" -o "$work/$config/$(basename "${f%.c}").o" \
      -Rpass=safepoint -Rpass-missed=safepoint 2>>"$work/$config/remarks.log"
  done
  "$cxx" "$work/$config"/*.o "${ldflags[@]}" -ldl -o "$work/lua.$config"
  # valgrind cannot read the runtime's debug information (DWARF 5).
  objcopy --strip-debug "$work/lua.$config"
  grep -o "computed gotos of 'luaV_execute.*" "$work/$config/remarks.log" |
    sed "s/^/$config: /" || true
done

for script in check work; do
  "$work/lua.plain" "$root/bench/lua/$script.lua" >"$work/$script.plain"
  for config in default no-alternation; do
    "$work/lua.$config" "$root/bench/lua/$script.lua" >"$work/$script.$config"
    cmp -s "$work/$script.plain" "$work/$script.$config" ||
      { echo "lua.$config prints something else for $script.lua" >&2; exit 1; }
  done
done

# One line per build: name, instructions, luaV_execute's, .text bytes.
: >"$work/counts"
for config in "${configs[@]}"; do
  valgrind --tool=callgrind --callgrind-out-file="$work/$config.cg" \
    "$work/lua.$config" "$root/bench/lua/work.lua" >/dev/null 2>&1
  annotated=$(callgrind_annotate "$work/$config.cg")
  echo "$config" \
    "$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' <<<"$annotated")" \
    "$(awk '/luaV_execute/ && !n++ {gsub(",", "", $1); print $1}' <<<"$annotated")" \
    "$(size -A "$work/lua.$config" | awk '$1 == ".text" {print $2}')" >>"$work/counts"
done

# Wall times, one file per build, in rounds whose order alternates.
for config in "${configs[@]}"; do : >"$work/times.$config"; done
for ((r = 0; r < rounds; r++)); do
  order=("${configs[@]}")
  ((r % 2)) && order=("${configs[2]}" "${configs[1]}" "${configs[0]}")
  for config in "${order[@]}"; do
    t0=$(date +%s.%N)
    "$work/lua.$config" "$root/bench/lua/work.lua" 100 >/dev/null
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l >>"$work/times.$config"
  done
done

/usr/bin/python3 - "$work" "$rounds" <<'EOF'
import os, statistics, sys
work, rounds = sys.argv[1], sys.argv[2]
counts = [line.split() for line in open(os.path.join(work, "counts"))]
times = {c: [float(x) for x in open(os.path.join(work, "times." + c))]
         for c, *_ in counts}
plain_total, plain_times = int(counts[0][1]), times[counts[0][0]]
print(f"| build | instructions | ratio | luaV_execute | .text | time (median of {rounds}) | ratio [range] |")
print("|---|---|---|---|---|---|---|")
for c, total, vm, text in counts:
    r = [a / b for a, b in zip(times[c], plain_times)]
    print(f"| {c} | {int(total):,} | {int(total) / plain_total:.3f} "
          f"| {int(vm):,} | {int(text):,} | {statistics.median(times[c]):.3f} s "
          f"| {statistics.median(r):.3f} [{min(r):.3f}–{max(r):.3f}] |")
EOF
