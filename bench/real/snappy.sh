#!/usr/bin/env bash
# snappy (Debian source package "snappy"): its Google-benchmark suite,
# snappy_benchmark, compressing and decompressing snappy's own test corpus
# (BM_ZFlat/BM_UFlat). BENCH_TIME is the geometric mean of the per-benchmark
# times per iteration. snappy's CMake adds -fno-exceptions (see
# docs/performance.md on how the harness treats that).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
case $1 in
  deps) echo cmake ninja-build libbenchmark-dev zlib1g-dev ;;
  fetch) bench_apt_source snappy "$2" ;;
  configure)
    cmake -S "$2" -B "$3" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_COMPILER="$CXX" \
      -DCMAKE_C_COMPILER="$CC" -DSNAPPY_BUILD_TESTS=OFF \
      -DSNAPPY_BUILD_BENCHMARKS=ON -DSNAPPY_USE_BUNDLED_BENCHMARK_LIB=OFF \
      -DSNAPPY_USE_BUNDLED_GTEST=OFF -DBUILD_SHARED_LIBS=ON  # as Debian does: its patched CMake also builds libsnappy.a
    echo "$2" >"$3/.bench-src" ;;
  build) cmake --build "$2" -j "$JOBS" --target snappy_benchmark ;;
  run)
    min=0.1; [ "${BENCH_QUICK:-0}" = 1 ] && min=0.05
    cd "$(cat "$2/.bench-src")" || exit 1  # testdata/ is read relative to the source
    "$2/snappy_benchmark" --benchmark_filter='BM_(ZFlat|UFlat)/' \
      --benchmark_min_time="$min" --benchmark_format=json >"$2/bench.json"
    /usr/bin/python3 - "$2/bench.json" <<'PY'
import json, math, sys
b = [x for x in json.load(open(sys.argv[1]))["benchmarks"]
     if x.get("run_type", "iteration") == "iteration"]
for x in b:
    print(f"{x['name']}: {x['real_time']:.1f} {x['time_unit']}")
g = math.exp(sum(math.log(x["real_time"]) for x in b) / len(b))
print(f"BENCH_TIME {g / 1e9 if b[0]['time_unit'] == 'ns' else g / 1e6}")
PY
    ;;
  *) echo "usage: $0 deps|fetch|configure|build|run" >&2; exit 2 ;;
esac
