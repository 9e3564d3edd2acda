#!/usr/bin/env bash
# leveldb (Debian source package "leveldb"): db_bench, the classic
# fillseq/fillrandom/overwrite/readrandom/readseq workload on a database in
# /dev/shm (memory, so the disk does not add noise). BENCH_TIME is the
# geometric mean of the micros/op of the workloads, in seconds. leveldb's CMake
# adds -fno-exceptions (see docs/performance.md).
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
case $1 in
  deps) echo cmake ninja-build libsnappy-dev ;;
  fetch) bench_apt_source leveldb "$2" ;;
  configure)
    cmake -S "$2" -B "$3" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_CXX_COMPILER="$CXX" \
      -DCMAKE_C_COMPILER="$CC" -DLEVELDB_BUILD_TESTS=OFF \
      -DLEVELDB_BUILD_BENCHMARKS=ON -DLEVELDB_INSTALL=OFF -DBUILD_SHARED_LIBS=OFF ;;
  build) cmake --build "$2" -j "$JOBS" --target db_bench ;;
  run)
    num=200000; [ "${BENCH_QUICK:-0}" = 1 ] && num=50000
    dir=/dev/shm; [ -d "$dir" ] && [ -w "$dir" ] || dir=${TMPDIR:-/tmp}
    db=$(mktemp -d "$dir/safepoint-bench-leveldb.XXXXXX")
    "$2/db_bench" --db="$db" --num="$num" \
      --benchmarks=fillseq,fillrandom,overwrite,readrandom,readseq,fill100K \
      | tee "$2/bench.txt"
    rm -rf "$db"
    awk '/micros\/op/ { n++; s += log($3) } END { printf "BENCH_TIME %.9g\n", exp(s / n) / 1e6 }' "$2/bench.txt" ;;
  *) echo "usage: $0 deps|fetch|configure|build|run" >&2; exit 2 ;;
esac
