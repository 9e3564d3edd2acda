# shellcheck shell=bash disable=SC2034,SC2154  # sourced by run.sh
# Recipe for ninja (Debian source package "ninja-build"): built as Debian
# builds it, with its own configure.py (-fno-exceptions -fno-rtti), and its
# own test runner, ninja_test (one line per test, failures below it).
PKG=ninja-build
TEST_TARGETS=(ninja_test)
LIB_TARGET=build/libninja.a
LIB_FILE=build/libninja.a
MIN_PASSING=300
# configure.py always adds -g: drop it from the suite builds (15% faster).
SUITE_FLAGS=-g0
example_flags() { # SRC BUILD
  echo "-I$1/src $2/build/libninja.a"
}
# configure.py writes build.ninja into the current directory; CFLAGS is
# added to every compile and link. The system ninja builds it.
project_configure() { # DIR CXX CC CFLAGS
  local py=python3
  [ ! -x /usr/bin/python3 ] || py=/usr/bin/python3
  (cd "$1" && CXX=$2 CFLAGS=$4 "$py" "$src/configure.py")
}
project_test() { # DIR
  local rc=0
  # As debian/rules: SubprocessTest.SetWithLots needs many descriptors.
  (cd "$1" && { ulimit -n 2000 2>/dev/null || true; } && ./ninja_test) |
    tee "$1.check.log" || rc=$?
  # A test passes if it started and no "*** Failure" followed it before the
  # next one or the final "passed"/"failed". A crash leaves no final line.
  awk -v rc="$rc" '
    function flush() { if (cur != "") print (bad ? "FAIL " : "PASS ") "ninja_test:" cur; cur = "" }
    /^\[[0-9]+\/[0-9]+\] / { flush(); cur = $2; bad = 0; next }
    /^\*\*\* Failure/ { bad = 1; next }
    /^(passed|failed)$/ { flush(); done = 1; next }
    END {
      if (!done && cur != "") { bad = 1; flush() }
      print (rc == 0 && done ? "PASS" : "FAIL") " ninja_test:exit"
    }' "$1.check.log" | sort >"$1.results"
  return $rc
}
