# shellcheck shell=bash disable=SC2034,SC2154  # sourced by run.sh
# Recipe for pugixml (Debian source package "pugixml"): CMake, its own test
# framework in one binary (ctest test pugixml::test, target pugixml-check).
# Built with exceptions.
PKG=pugixml
CMAKE_ARGS=(-DPUGIXML_BUILD_TESTS=ON -DBUILD_SHARED_LIBS=OFF)
TEST_TARGETS=(pugixml-check)
LIB_TARGET=pugixml-static
LIB_FILE=libpugixml.a
MIN_PASSING=3
example_flags() { # SRC BUILD
  echo "-I$1/src $2/libpugixml.a"
}
# The binary names only failing tests, and prints a count: compare the
# count, and list the failures by name.
project_test() { # DIR
  local rc=0
  (cd "$src" && "$1/pugixml-check") | tee "$1.check.log" || rc=$?
  {
    # 956 tests in 1.13: far fewer means the runner did not run them all
    # (MIN_PASSING counts this line).
    awk '/^Success: [0-9]+ tests passed/ && $2 >= 900 { print "PASS pugixml:at-least-900" }' \
      "$1.check.log"
    sed -nE 's/^Success: ([0-9]+) tests passed.*/PASS pugixml:passed-count=\1/p;
             s/^FAILURE: ([0-9]+) out of ([0-9]+) tests failed.*/FAIL pugixml:failed-count=\1-of-\2/p;
             s/^Test (.*) failed: .*/FAIL pugixml:\1/p' "$1.check.log"
    if [ "$rc" -eq 0 ]; then echo "PASS pugixml-check:exit"; else echo "FAIL pugixml-check:exit"; fi
  } | sort >"$1.results"
  return $rc
}
