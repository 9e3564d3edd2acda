#!/usr/bin/env bash
# lzip (Debian source package "lzip", C++, its own configure + Makefile):
# compresses (-6) and decompresses a fixed 4 MiB input (the first 4 MiB of
# the LLVM 19 shared library, identical for every configuration). BENCH_TIME
# is the wall time of both.
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
case $1 in
  deps) echo make ;;
  fetch) bench_apt_source lzip "$2" ;;
  configure)
    mkdir -p "$3" && cp -a "$2/." "$3/"
    cd "$3" && ./configure CXX="$CXX" CXXFLAGS="-O2" LDFLAGS="" ;;
  build) make -C "$2" -j "$JOBS" lzip ;;
  run)
    input="$BENCH_DIR/work/real/lzip-input.bin"
    size=4; [ "${BENCH_QUICK:-0}" = 1 ] && size=1
    if [ ! -f "$input.$size" ]; then
      lib=$(find /usr/lib/llvm-19/lib/ -maxdepth 1 -name 'libLLVM*.so*' | sort | head -1)
      head -c "${size}M" "$lib" >"$input.$size"
    fi
    cd "$2" || exit 1
    work() {
      ./lzip -6 -c "$input.$size" >data.lz && ./lzip -d -c data.lz >data.out &&
        cmp -s data.out "$input.$size"
    }
    bench_time work
    rm -f data.lz data.out ;;
  *) echo "usage: $0 deps|fetch|configure|build|run" >&2; exit 2 ;;
esac
