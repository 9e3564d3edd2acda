#!/usr/bin/env bash
# Third-party C++ projects from Debian source packages, built through their
# own build systems, with and without Safepoint.
#
#   tests/third-party/run.sh SAFEPOINT_BUILD_DIR PROJECT [suite|example|all]
#
# suite    builds the project's own tests twice, plain (clang++ of Safepoint's
#          LLVM major) and instrumented (CC/CXX = safepoint-clang /
#          safepoint-clang++), runs its own test suite both times and requires
#          the same set of tests to pass (ctest entries and every GoogleTest
#          case by name, or the project's own runner's report).
# example  builds the library once more, instrumented and with
#          AddressSanitizer, and runs examples/third-party/PROJECT/interrupt.cpp:
#          a long call into the library, interrupted from another thread;
#          LeakSanitizer must report nothing and the next call must succeed.
# all      both (the default).
#
# PROJECT is a recipe in this directory (snappy, pugixml, ninja, leveldb).
# Sources come from `apt-get source` through a private deb-src list and apt
# state under SAFEPOINT_BUILD_DIR/third-party/apt (the system's apt
# configuration is not touched; nothing is committed); set
# SAFEPOINT_DEBSRC_URI to use another mirror. Fetched sources are kept under
# SAFEPOINT_BUILD_DIR/third-party/src, the plain build under
# .../third-party/PROJECT/plain; the instrumented and ASan builds are redone
# when the plugin or the runtime changed. Missing build tools and libraries
# are installed with apt-get (needs root or sudo). SAFEPOINT_JOBS (default 2)
# is the build parallelism.
#
# A recipe sets PKG (Debian source package), DEPS (Debian packages it
# needs), TEST_TARGETS (what to build for its test suite), SUITE_FLAGS
# (compile flags of both suite builds), LIB_TARGET and LIB_FILE (the library
# alone, for the example), MIN_PASSING (fewer passing tests in the plain
# build is a failure), FLAKY (tests left out of the comparison) and
# example_flags, and may replace the CMake/ctest defaults below with its own
# project_configure and project_test.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 SAFEPOINT_BUILD_DIR PROJECT [suite|example|all]" >&2
  exit 2
fi
sp_build=$(cd "$1" && pwd)
project=$2
mode=${3:-all}
case $mode in suite|example|all) ;; *) echo "unknown mode $mode" >&2; exit 2 ;; esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
recipe=$here/$project.sh
[ -f "$recipe" ] || { echo "no recipe $recipe" >&2; exit 2; }

tp=$sp_build/third-party
work=$tp/$project
jobs=${SAFEPOINT_JOBS:-2}
sp_config=$sp_build/bin/safepoint-config
major=$("$sp_config" --llvm-major)
plain_cxx=$("$sp_config" --cxx)
plain_cc=$("$sp_config" --cc)
sp_cxx=$sp_build/bin/safepoint-clang++
sp_cc=$sp_build/bin/safepoint-clang
asan_flags="-fsanitize=address -fno-omit-frame-pointer"
start=$SECONDS
mkdir -p "$work"

# Progress, also kept in $work/steps.log (times of each step).
say() {
  printf '[%s %s %4ss] %s\n' "$project" "$mode" "$((SECONDS - start))" "$*" |
    tee -a "$work/steps.log"
}
die() { printf '[%s] FAIL: %s\n' "$project" "$*" >&2; exit 1; }

# --- Defaults a recipe may replace ------------------------------------------
PKG=$project DEPS=() CMAKE_ARGS=() TEST_TARGETS=() FLAKY=() MIN_PASSING=1
LIB_TARGET='' LIB_FILE='' SUITE_FLAGS=''

# project_configure DIR CXX CC CFLAGS: configure an empty build directory
# (DIR/build.ninja must exist afterwards). Default: the project's CMake.
project_configure() {
  cmake -S "$src" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$2" -DCMAKE_C_COMPILER="$3" \
    -DCMAKE_CXX_FLAGS="$4" -DCMAKE_C_FLAGS="$4" "${CMAKE_ARGS[@]}"
}

# project_test DIR: run the project's own test suite in DIR, output to
# stdout; write "PASS name" / "FAIL name" / "SKIP name" lines to DIR.results
# and return the suite's exit status. Default: ctest, plus the XML report of
# every GoogleTest binary.
project_test() {
  local dir=$1 rc=0
  rm -rf "$dir/gtest-xml" "$dir/ctest-junit.xml" && mkdir -p "$dir/gtest-xml"
  (cd "$dir" && GTEST_OUTPUT="xml:$dir/gtest-xml/" \
     ctest -j "$jobs" --timeout 900 --output-on-failure -V \
       --output-junit "$dir/ctest-junit.xml") || rc=$?
  [ -f "$dir/ctest-junit.xml" ] || return 1
  python3 "$here/results.py" "$dir/ctest-junit.xml" "$dir/gtest-xml" >"$dir.results"
  return $rc
}

# example_flags SRC BUILD: compile and link flags of the example.
example_flags() { die "recipe $recipe defines no example_flags"; }

# shellcheck source=/dev/null
. "$recipe"

# --- Build dependencies -------------------------------------------------------
install_deps() {
  local need=(dpkg-dev cmake ninja-build python3 "libclang-rt-$major-dev" "${DEPS[@]}")
  local missing=() p sudo=
  for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing ${missing[*]}"
  (
    flock 9
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}"
  ) 9>"$tp/apt-install.lock" || die "could not install ${missing[*]}"
}

# --- Sources: apt-get source through a private deb-src list -------------------
# Sets src to the unpacked source tree (kept between runs).
fetch_sources() {
  local apt_dir=$tp/apt codename uri keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$tp/src"
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  uri=${SAFEPOINT_DEBSRC_URI:-}
  if [ -z "$uri" ]; then
    # The mirror the system already uses for Debian's main archive.
    uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
          | grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -1 || true)
    uri=${uri:-http://deb.debian.org/debian}
  fi
  local apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
                  -o "Dir::Etc::SourceParts=/dev/null"
                  -o "Dir::State::Lists=$apt_dir/lists"
                  -o "Dir::Cache=$apt_dir/cache"
                  -o "APT::Sandbox::User=root")
  (
    flock 9
    local line
    line=$(printf 'deb-src [signed-by=%s] %s %s main' "$keyring" "$uri" "$codename")
    if [ "$(cat "$apt_dir/sources.list" 2>/dev/null)" != "$line" ]; then
      echo "$line" >"$apt_dir/sources.list"
      rm -rf "$apt_dir/lists" && mkdir -p "$apt_dir/lists/partial"
    fi
    # Refresh the private source index once a day.
    if [ -z "$(find "$apt_dir/lists" -name '*Sources*' -mmin -1440 2>/dev/null | head -1)" ]; then
      say "apt-get update (deb-src $uri $codename)"
      apt-get "${apt_opts[@]}" update -qq >"$apt_dir/update.log" 2>&1 ||
        { cat "$apt_dir/update.log" >&2
          die "cannot reach the Debian archive $uri ($codename): apt-get update failed (network down?); set SAFEPOINT_DEBSRC_URI to a reachable Debian mirror"; }
      # apt-get update can "succeed" with nothing fetched when offline.
      [ -n "$(find "$apt_dir/lists" -name '*Sources*' 2>/dev/null | head -1)" ] ||
        { cat "$apt_dir/update.log" >&2
          die "cannot reach the Debian archive $uri ($codename): no source index fetched (network down?)"; }
    fi
    local version upstream srcdir
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
        { cat "$tp/src/$PKG.log" >&2
          die "apt-get source $PKG=$version failed (network down? mirror $uri)"; }
      [ -d "$srcdir" ] || die "apt-get source $PKG did not unpack $srcdir"
      touch "$srcdir/.unpacked-$version"
    fi
    echo "$srcdir" >"$tp/src/$PKG.dir"
  ) 9>"$tp/apt.lock"
  src=$(cat "$tp/src/$PKG.dir")
}

# --- Build and test -----------------------------------------------------------
# What the instrumented builds depend on besides the sources.
safepoint_stamp() {
  cat "$sp_cxx" "$sp_cc" "$("$sp_config" --plugin)" "$("$sp_config" --libdir)"/libsafepoint.* |
    md5sum | cut -d' ' -f1
}

# build VARIANT CXX CC CFLAGS [TARGET...]: configure (once per compiler,
# flags and Safepoint build) and build VARIANT in $work/VARIANT.
build() {
  local variant=$1 cxx=$2 cc=$3 flags=$4
  shift 4
  local dir=$work/$variant stamp
  stamp=$(printf '%s\n' "$src" "$cxx" "$cc" "$flags" "${CMAKE_ARGS[@]+"${CMAKE_ARGS[@]}"}")
  [ "$cxx" = "$plain_cxx" ] || stamp+=$(safepoint_stamp)
  if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$dir.stamp" 2>/dev/null)" != "$stamp" ]; then
    say "configure ($variant)"
    rm -rf "$dir" "$dir.stamp" && mkdir -p "$dir"
    project_configure "$dir" "$cxx" "$cc" "$flags" >"$dir.configure.log" 2>&1 ||
      { tail -40 "$dir.configure.log" >&2; die "configuring ($variant), see $dir.configure.log"; }
    printf '%s' "$stamp" >"$dir.stamp"
  fi
  local t0=$SECONDS
  ninja -C "$dir" -j "$jobs" "$@" >"$dir.build.log" 2>&1 ||
    { tail -40 "$dir.build.log" >&2; die "building ($variant), see $dir.build.log"; }
  say "built $variant ${*:-(all)} in $((SECONDS - t0))s"
}

# run_suite VARIANT: the project's own test suite; writes $work/VARIANT.results.
run_suite() {
  local variant=$1 dir=$work/$1 t0=$SECONDS rc=0
  rm -f "$dir.results"
  project_test "$dir" >"$dir.test.log" 2>&1 || rc=$?
  [ -f "$dir.results" ] || die "the $variant test suite left no results, see $dir.test.log"
  say "test suite ($variant): $(grep -c '^PASS' "$dir.results") passed," \
      "$(grep -c '^FAIL' "$dir.results") failed, exit $rc, $((SECONDS - t0))s"
}

# passing RESULTS: the names of passing tests, flaky ones left out.
passing() {
  local f k
  grep '^PASS ' "$1" | cut -d' ' -f2- | while read -r f; do
    for k in "${FLAKY[@]+"${FLAKY[@]}"}"; do [ "$f" = "$k" ] && continue 2; done
    echo "$f"
  done
}

# references_runtime VARIANT: does $LIB_FILE of VARIANT reference the runtime?
references_runtime() {
  local syms # not piped into grep -q: nm would die of SIGPIPE (pipefail)
  syms=$(nm "$work/$1/$LIB_FILE" 2>/dev/null) || die "nm $work/$1/$LIB_FILE failed"
  grep -q ' U __safepoint_abi_v1$' <<<"$syms"
}

suite() {
  build plain "$plain_cxx" "$plain_cc" "$SUITE_FLAGS" "${TEST_TARGETS[@]+"${TEST_TARGETS[@]}"}"
  ! references_runtime plain || die "the plain build references Safepoint"
  run_suite plain
  build instrumented "$sp_cxx" "$sp_cc" "$SUITE_FLAGS" "${TEST_TARGETS[@]+"${TEST_TARGETS[@]}"}"
  # Really instrumented: the library references the runtime's ABI symbol.
  references_runtime instrumented ||
    die "$LIB_FILE of the instrumented build has no polls (no __safepoint_abi_v1 reference)"
  run_suite instrumented

  passing "$work/plain.results" >"$work/plain.passing"
  passing "$work/instrumented.results" >"$work/instrumented.passing"
  local n
  n=$(wc -l <"$work/plain.passing")
  [ "$n" -ge "$MIN_PASSING" ] ||
    die "only $n tests passed in the plain build (expected at least $MIN_PASSING): see $work/plain.test.log"
  if ! diff -u "$work/plain.passing" "$work/instrumented.passing" >"$work/passing.diff"; then
    cat "$work/passing.diff" >&2
    die "the instrumented build does not pass the same tests (see $work/instrumented.test.log)"
  fi
  say "same $n tests pass, plain and instrumented${FLAKY[*]+ (flaky, not compared: ${FLAKY[*]})}"
}

# --- Example: interrupt a long call, under AddressSanitizer -------------------
example() {
  local example_dir=$root/examples/third-party/$project
  [ -f "$example_dir/interrupt.cpp" ] || die "no example $example_dir/interrupt.cpp"
  build asan "$sp_cxx" "$sp_cc" "$asan_flags" "$LIB_TARGET"
  references_runtime asan || die "$LIB_FILE of the ASan build has no polls"
  say "example: $example_dir/interrupt.cpp"
  # shellcheck disable=SC2046,SC2086
  "$sp_cxx" -std=c++20 -O1 -g $asan_flags -Wall -Wextra -Werror \
    "$example_dir/interrupt.cpp" $(example_flags "$src" "$work/asan") \
    -o "$work/interrupt-example" >"$work/example.build.log" 2>&1 ||
    { cat "$work/example.build.log" >&2; die "building the example"; }
  rm -rf "$work/example-tmp" && mkdir -p "$work/example-tmp"
  local rc=0
  (cd "$work/example-tmp" &&
     ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
       "$work/interrupt-example" "$work/example-tmp") >"$work/example.log" 2>&1 || rc=$?
  sed "s/^/  | /" "$work/example.log"
  [ "$rc" -eq 0 ] ||
    die "the example failed with exit $rc (AddressSanitizer/LeakSanitizer report or check above)"
  ! grep -q 'Sanitizer' "$work/example.log" || die "a sanitizer reported something"
  grep -q "interrupt example: passed" "$work/example.log" || die "the example did not finish"
}

install_deps
fetch_sources
case $mode in
  suite) suite ;;
  example) example ;;
  all) suite; example ;;
esac
say "$mode passed in $((SECONDS - start))s"
