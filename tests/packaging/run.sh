#!/usr/bin/env bash
# Packaging tests: a project outside the tree adopts Safepoint.
#   run.sh BUILD_DIR CASE
# CASE:
#   cmake-build-tree    find_package(Safepoint) from the build tree (static runtime)
#   cmake-install       cmake --install into a temporary prefix, then
#                       find_package from there, static and shared runtime;
#                       the installed scripts and .pc files, moved prefix
#   cmake-wrong-compiler  find_package with g++ must fail naming the fix
#   make-config         a Makefile using safepoint-config
#   make-pkgconfig      a Makefile using pkg-config
#   make-wrapper        a Makefile with CXX=safepoint-clang++ only, static and
#                       shared runtime, -Werror, query commands
# Each case builds the consumer (consumer/) and runs it: it passes only if
# the library code was instrumented and the runtime linked.
set -euo pipefail
build=$(cd "$1" && pwd)
case_=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$build/tests/packaging/$case_
rm -rf "$work"
mkdir -p "$work"
cxx=$("$build/bin/safepoint-config" --cxx)
cc=$("$build/bin/safepoint-config" --cc)

fail() { echo "FAIL: $*" >&2; exit 1; }

# cmake_consumer PREFIX_PATH BINARY_DIR [cmake args...]
cmake_consumer() {
  local prefix=$1 bin=$2
  shift 2
  cmake -S "$here/consumer" -B "$bin" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" "$@" >"$bin.log" 2>&1 ||
    { cat "$bin.log"; fail "configuring the consumer"; }
  cmake --build "$bin" -j 2 >>"$bin.log" 2>&1 || { cat "$bin.log"; fail "building the consumer"; }
  "$bin/consumer"
}

# check_needed BINARY yes|no: whether it depends on libsafepoint.so
check_needed() {
  local needed
  needed=$(readelf -d "$1" | grep -c 'NEEDED.*libsafepoint\.so' || true)
  if [ "$2" = yes ]; then [ "$needed" -eq 1 ] || fail "$1 does not link libsafepoint.so"
  else [ "$needed" -eq 0 ] || fail "$1 links libsafepoint.so, expected the static runtime"; fi
}

case $case_ in
cmake-build-tree)
  cmake_consumer "$build" "$work/static"
  check_needed "$work/static/consumer" no
  cmake_consumer "$build" "$work/shared" -DCONSUMER_SHARED_RUNTIME=ON
  check_needed "$work/shared/consumer" yes
  ;;
cmake-install)
  cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "cmake --install"; }
  for f in include/safepoint/safepoint.hpp include/safepoint/abi.h \
           include/safepoint/abi.def lib/libsafepoint.a lib/libsafepoint.so \
           lib/cmake/Safepoint/SafepointConfig.cmake \
           lib/cmake/Safepoint/SafepointConfigVersion.cmake \
           lib/pkgconfig/safepoint.pc lib/pkgconfig/safepoint-shared.pc \
           bin/safepoint-config bin/safepoint-clang++ bin/safepoint-clang; do
    [ -e "$work/prefix/$f" ] || fail "not installed: $f"
  done
  # Nothing installed may point back into the build or source tree.
  if grep -rIl -e "$build" -e "$(cd "$here/../.." && pwd)" "$work/prefix"; then
    fail "installed files refer to the build or source tree"
  fi
  # Relocatable: move the prefix after installing.
  mv "$work/prefix" "$work/moved"
  p=$work/moved
  cmake_consumer "$p" "$work/static"
  check_needed "$work/static/consumer" no
  cmake_consumer "$p" "$work/shared" -DCONSUMER_SHARED_RUNTIME=ON
  check_needed "$work/shared/consumer" yes
  readelf -d "$work/shared/consumer" | grep -q "RUNPATH.*$p/lib" ||
    readelf -d "$work/shared/consumer" | grep -q "RPATH.*$p/lib" ||
    fail "the shared consumer has no run path to $p/lib"
  [ "$("$p/bin/safepoint-config" --libdir)" = "$p/lib" ] || fail "safepoint-config --libdir"
  [ "$("$p/bin/safepoint-config" --cmakedir)" = "$p/lib/cmake/Safepoint" ] ||
    fail "safepoint-config --cmakedir"
  make -s -C "$here/make" MODE=config SAFEPOINT_CONFIG="$p/bin/safepoint-config" \
    OUT="$work/make-config"
  "$work/make-config/consumer"
  PKG_CONFIG_PATH=$p/lib/pkgconfig make -s -C "$here/make" MODE=pkgconfig \
    OUT="$work/make-pkgconfig"
  "$work/make-pkgconfig/consumer"
  # Through a symlink, as from /usr/local/bin.
  ln -s "$p/bin/safepoint-config" "$work/sc-link"
  make -s -C "$here/make" MODE=wrapper SAFEPOINT_CONFIG="$work/sc-link" \
    OUT="$work/make-wrapper"
  "$work/make-wrapper/consumer"
  check_needed "$work/make-wrapper/consumer" yes
  ;;
cmake-wrong-compiler)
  # g++ cannot load a Clang plugin: find_package must say what to do.
  if cmake -S "$here/consumer" -B "$work/gxx" -G Ninja -DCMAKE_CXX_COMPILER=g++ \
       -DCMAKE_PREFIX_PATH="$build" >"$work/gxx.log" 2>&1; then
    cat "$work/gxx.log"; fail "configuring with g++ succeeded"
  fi
  grep -q -- "-DCMAKE_CXX_COMPILER=$cxx " "$work/gxx.log" ||
    { cat "$work/gxx.log"; fail "no hint naming the matching clang++"; }
  echo "configuring with g++ fails with:"
  grep -A3 "built for Clang" "$work/gxx.log"
  ;;
make-config)
  make -s -C "$here/make" MODE=config SAFEPOINT_CONFIG="$build/bin/safepoint-config" \
    OUT="$work/out"
  "$work/out/consumer"
  check_needed "$work/out/consumer" no
  ;;
make-pkgconfig)
  [ "$(PKG_CONFIG_PATH=$build/lib/pkgconfig pkg-config --modversion safepoint)" = \
    "$("$build/bin/safepoint-config" --version)" ] || fail "pkg-config --modversion"
  PKG_CONFIG_PATH=$build/lib/pkgconfig make -s -C "$here/make" MODE=pkgconfig \
    OUT="$work/out"
  "$work/out/consumer"
  ;;
make-wrapper)
  w=$build/bin/safepoint-clang++
  # Queries pass through untouched.
  out=$("$w" --version); [[ $out == *"clang version"* ]] || fail "--version"
  [ "$("$w" -dumpmachine)" = "$("$cxx" -dumpmachine)" ] || fail "-dumpmachine"
  out=$("$w" -v 2>&1); [[ $out == *"clang version"* ]] || fail "-v"
  make -s -C "$here/make" MODE=wrapper SAFEPOINT_CONFIG="$build/bin/safepoint-config" \
    OUT="$work/shared"
  "$work/shared/consumer"
  check_needed "$work/shared/consumer" yes
  SAFEPOINT_RUNTIME=static make -s -C "$here/make" MODE=wrapper \
    SAFEPOINT_CONFIG="$build/bin/safepoint-config" OUT="$work/static"
  "$work/static/consumer"
  check_needed "$work/static/consumer" no
  # Compile and link in one step; -Werror with every warning: the wrapper
  # adds nothing that warns (no unused arguments at compile or link steps).
  "$w" -std=c++20 -O1 -fPIC -Werror -Wall -Wextra -Wunused-command-line-argument \
    -c "$here/consumer/work.cpp" -o "$work/w.o" 2>"$work/warn.log" ||
    { cat "$work/warn.log"; fail "-Werror compile"; }
  [ ! -s "$work/warn.log" ] || { cat "$work/warn.log"; fail "the compile step printed something"; }
  "$w" -std=c++20 -Werror -Wunused-command-line-argument "$here/consumer/main.cpp" "$work/w.o" -o "$work/onestep"
  "$work/onestep"
  "$w" -Werror -Wunused-command-line-argument "$work/w.o" -shared -o "$work/libw.so"
  check_needed "$work/libw.so" yes
  # A C program linking C++ instrumented code through safepoint-clang.
  printf 'int main(void) { return 0; }\n' >"$work/c.c"
  SAFEPOINT_RUNTIME=static "$build/bin/safepoint-clang" -Werror "$work/c.c" -o "$work/c"
  "$work/c"
  # The plugin is really loaded at compile steps: no_interrupts is known.
  printf '#if !__has_attribute(no_interrupts)\n#error no plugin\n#endif\n' >"$work/attr.cpp"
  "$w" -fsyntax-only "$work/attr.cpp"
  echo "wrapper: passed"
  ;;
*) fail "unknown case $case_" ;;
esac
echo "packaging $case_: passed"
