# Recipe for pugixml (Debian source package "pugixml"): CMake, its own test
# framework in one binary (ctest test pugixml::test). Built with exceptions.
PKG=pugixml
DEPS=()
CMAKE_ARGS=(-DPUGIXML_BUILD_TESTS=ON -DBUILD_SHARED_LIBS=OFF)
LIB_TARGET=pugixml-static
LIB_FILE=libpugixml.a
example_flags() { # SRC BUILD
  echo "-I$1/src $2/libpugixml.a"
}
MIN_PASSING=2
FLAKY=()
# The binary reports only failures by name, and a count: compare the count.
summarize_log() { # LOG
  sed -nE 's/.*Success: ([0-9]+) tests passed.*/PASS pugixml:passed-count=\1/p' "$1"
}
