#!/usr/bin/env bash
# Builds a third-party C++ project from its Debian source package twice,
# through its own build system: plain (clang++ of Safepoint's LLVM major) and
# instrumented (CC/CXX = safepoint-clang / safepoint-clang++). Runs the
# project's own test suite both times and requires the same tests to pass.
# Then builds the library once more, instrumented and with AddressSanitizer,
# and runs examples/third-party/PROJECT: a long call into the library,
# interrupted from another thread; LeakSanitizer must report nothing and the
# next call must succeed.
#
#   tests/third-party/run.sh SAFEPOINT_BUILD_DIR PROJECT
#
# PROJECT is a recipe in this directory (snappy, leveldb, pugixml). Sources
# come from `apt-get source` through a private deb-src list and apt state
# under SAFEPOINT_BUILD_DIR/third-party/apt (the system's apt configuration
# is not touched); set SAFEPOINT_DEBSRC_URI to use another mirror. Missing
# build tools and libraries are installed with apt-get (needs root or sudo).
# Everything is built under SAFEPOINT_BUILD_DIR/third-party/PROJECT.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SAFEPOINT_BUILD_DIR PROJECT" >&2; exit 2; }
sp_build=$(cd "$1" && pwd)
project=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
recipe=$here/$project.sh
[ -f "$recipe" ] || { echo "no recipe $recipe" >&2; exit 2; }
summarize_log() { :; }
# shellcheck source=/dev/null
. "$recipe"

tp=$sp_build/third-party
work=$tp/$project
jobs=${SAFEPOINT_JOBS:-2}
sp_config=$sp_build/bin/safepoint-config
major=$("$sp_config" --llvm-major)
plain_cxx=$("$sp_config" --cxx)
plain_cc=$("$sp_config" --cc)
sp_cxx=$sp_build/bin/safepoint-clang++
sp_cc=$sp_build/bin/safepoint-clang
start=$SECONDS

say() { printf '[%s %4ss] %s\n' "$project" "$((SECONDS - start))" "$*"; }
die() { printf '[%s] FAIL: %s\n' "$project" "$*" >&2; exit 1; }

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

# --- Build dependencies -------------------------------------------------------
need=(dpkg-dev cmake ninja-build python3 "libclang-rt-$major-dev" "${DEPS[@]}")
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
mkdir -p "$tp"
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  (
    flock 9
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}"
  ) 9>"$tp/apt-install.lock" || die "could not install ${missing[*]}"
fi

# --- Sources: apt-get source through a private deb-src list -------------------
apt_dir=$tp/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$tp/src"
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
uri=${SAFEPOINT_DEBSRC_URI:-}
if [ -z "$uri" ]; then
  # The mirror the system already uses for Debian's main archive.
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
        | grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -1 || true)
  uri=${uri:-http://deb.debian.org/debian}
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$uri" "$codename" \
  >"$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
          -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$apt_dir/lists"
          -o "Dir::Cache=$apt_dir/cache"
          -o "APT::Sandbox::User=root")
(
  flock 9
  # Refresh the private source index once a day.
  if [ -z "$(find "$apt_dir/lists" -name '*Sources*' -mmin -1440 2>/dev/null | head -1)" ]; then
    say "apt-get update (deb-src $uri $codename)"
    apt-get "${apt_opts[@]}" update -qq >"$apt_dir/update.log" 2>&1 ||
      { cat "$apt_dir/update.log" >&2
        die "cannot reach the deb-src archive $uri ($codename): apt-get update failed; set SAFEPOINT_DEBSRC_URI to a reachable Debian mirror"; }
  fi
  version=$(apt-cache "${apt_opts[@]}" showsrc "$PKG" 2>/dev/null |
            sed -n 's/^Version: //p' | head -1)
  [ -n "$version" ] || die "source package $PKG not found in $uri $codename"
  upstream=${version#*:}
  upstream=${upstream%-*}
  srcdir=$tp/src/$PKG-$upstream
  if [ ! -f "$srcdir/.unpacked-$version" ]; then
    say "apt-get source $PKG=$version"
    rm -rf "$srcdir"
    (cd "$tp/src" && apt-get "${apt_opts[@]}" source -qq "$PKG=$version" \
       >"$tp/src/$PKG.log" 2>&1) ||
      { cat "$tp/src/$PKG.log" >&2; die "apt-get source $PKG failed"; }
    [ -d "$srcdir" ] || die "apt-get source $PKG did not unpack $srcdir"
    touch "$srcdir/.unpacked-$version"
  fi
  echo "$srcdir" >"$tp/src/$PKG.dir"
) 9>"$tp/apt.lock"
src=$(cat "$tp/src/$PKG.dir")

# --- Build and test -----------------------------------------------------------
# build VARIANT CXX CC [extra cmake args]
build() {
  local variant=$1 cxx=$2 cc=$3
  shift 3
  local dir=$work/$variant
  say "configure + build ($variant)"
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" "${CMAKE_ARGS[@]}" "$@" \
      >"$dir.configure.log" 2>&1 ||
      { tail -40 "$dir.configure.log" >&2; die "configuring ($variant)"; }
  fi
  ninja -C "$dir" -j "$jobs" "${TARGETS[@]}" >"$dir.build.log" 2>&1 ||
    { tail -40 "$dir.build.log" >&2; die "building ($variant)"; }
}

# run_tests VARIANT: the project's own test suite; writes VARIANT.results.
run_tests() {
  local variant=$1 dir=$work/$1
  say "test suite ($variant)"
  rm -rf "$dir/gtest-xml" && mkdir -p "$dir/gtest-xml"
  local t0=$SECONDS rc=0
  (cd "$dir" && GTEST_OUTPUT="xml:$dir/gtest-xml/" \
     ctest -j "$jobs" --timeout 900 --output-on-failure -V \
       --output-junit "$dir/ctest-junit.xml") >"$dir.test.log" 2>&1 || rc=$?
  python3 "$here/results.py" "$dir/ctest-junit.xml" "$dir/gtest-xml" >"$work/$variant.results"
  summarize_log "$dir.test.log" >>"$work/$variant.results"
  say "  $(grep -c '^PASS' "$work/$variant.results") passed," \
      "$(grep -c '^FAIL' "$work/$variant.results") failed (ctest exit $rc, $((SECONDS - t0))s)"
}

mkdir -p "$work"
# The plain build depends only on the sources: kept between runs. The others
# are rebuilt every time (CMake does not know when the plugin changed).
rm -rf "$work/instrumented" "$work/asan"
TARGETS=()
build plain "$plain_cxx" "$plain_cc"
run_tests plain
build instrumented "$sp_cxx" "$sp_cc"
# Really instrumented: the library references the runtime's ABI symbol.
syms=$(nm "$work/instrumented/$LIB_FILE" 2>/dev/null || true)
grep -q ' U __safepoint_abi_v1$' <<<"$syms" ||
  die "$LIB_FILE of the instrumented build has no polls (no __safepoint_abi_v1 reference)"
syms=$(nm "$work/plain/$LIB_FILE" 2>/dev/null || true)
if grep -q __safepoint_ <<<"$syms"; then
  die "the plain build references Safepoint"
fi
run_tests instrumented

filter() { # RESULTS: passing tests, flaky ones left out
  local f
  grep '^PASS ' "$1" | cut -d' ' -f2- | while read -r f; do
    for k in "${FLAKY[@]+"${FLAKY[@]}"}"; do [ "$f" = "$k" ] && continue 2; done
    echo "$f"
  done
}
filter "$work/plain.results" >"$work/plain.passing"
filter "$work/instrumented.results" >"$work/instrumented.passing"
n=$(wc -l <"$work/plain.passing")
[ "$n" -ge "$MIN_PASSING" ] ||
  die "only $n tests passed in the plain build (expected at least $MIN_PASSING): see $work/plain.test.log"
if ! diff -u "$work/plain.passing" "$work/instrumented.passing" >"$work/passing.diff"; then
  cat "$work/passing.diff" >&2
  die "the instrumented build does not pass the same tests (see $work/instrumented.test.log)"
fi
say "same $n tests pass, plain and instrumented${FLAKY[*]+ (flaky, not compared: ${FLAKY[*]})}"

# --- Example: interrupt a long call, under AddressSanitizer -------------------
example_dir=$root/examples/third-party/$project
if [ -d "$example_dir" ]; then
  TARGETS=("$LIB_TARGET")
  asan=(-fsanitize=address -fno-omit-frame-pointer)
  build asan "$sp_cxx" "$sp_cc" "-DCMAKE_CXX_FLAGS=${asan[*]}" "-DCMAKE_C_FLAGS=${asan[*]}"
  say "example: $example_dir"
  # shellcheck disable=SC2046
  "$sp_cxx" -std=c++20 -O1 -g "${asan[@]}" -Wall -Werror "$example_dir/interrupt.cpp" \
    $(example_flags "$src" "$work/asan") -o "$work/interrupt-example" \
    >"$work/example.build.log" 2>&1 ||
    { cat "$work/example.build.log" >&2; die "building the example"; }
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
    "$work/interrupt-example" "$work/example-tmp" 2>&1 | tee "$work/example.log" ||
    die "the example failed (AddressSanitizer/LeakSanitizer report or check above)"
  grep -q "interrupt example: passed" "$work/example.log" || die "the example did not finish"
fi
say "passed in $((SECONDS - start))s"
