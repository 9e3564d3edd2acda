#!/usr/bin/env bash
# ninja (Debian source package "ninja-build"): its perftests, built with its
# CMake build: build_log_perftest, canon_perftest, clparser_perftest,
# depfile_parser_perftest (on a fixed depfile listing the libstdc++ headers).
# hash_collision_bench is left out (seeded with the time, ~1 GB) and so is
# manifest_parser_perftest (it shells out to "python"). BENCH_TIME is the
# wall time of the four.
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
tests=(build_log_perftest canon_perftest clparser_perftest depfile_parser_perftest)
case $1 in
  deps) echo cmake ninja-build re2c ;;
  fetch) bench_apt_source ninja-build "$2" ;;
  configure)
    # RelWithDebInfo, not Release: ninja's CMake turns on LTO for Release,
    # which would move code generation (and the remarks) to the link step.
    cmake -S "$2" -B "$3" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DCMAKE_CXX_COMPILER="$CXX" \
      -DCMAKE_C_COMPILER="$CC" -DBUILD_TESTING=ON ;;
  build) cmake --build "$2" -j "$JOBS" --target "${tests[@]}" ;;
  run)
    cd "$2" || exit 1
    if [ ! -f depfile.d ]; then
      { printf 'out.o:'
        find /usr/include/c++ -type f | LC_ALL=C sort | head -3000 |
          sed 's/^/ \\\n  /'
        echo; } >depfile.d
    fi
    reps=1
    run_all() {
      local i
      for ((i = 0; i < reps; i++)); do
        ./build_log_perftest && ./canon_perftest && ./clparser_perftest &&
          ./depfile_parser_perftest depfile.d depfile.d depfile.d
      done
    }
    bench_time run_all ;;
  *) echo "usage: $0 deps|fetch|configure|build|run" >&2; exit 2 ;;
esac
