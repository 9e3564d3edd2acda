# shellcheck shell=bash disable=SC2034,SC2154  # sourced by run.sh
# Recipe for snappy (Debian source package "snappy"): CMake + GoogleTest
# (snappy_unittest). Compiled with -fno-exceptions -fno-rtti -Werror by its
# own CMakeLists.txt.
PKG=snappy
DEPS=(libgtest-dev libgmock-dev)
# Shared, as Debian builds it (its patch adds a static library of the same
# name, which clashes with BUILD_SHARED_LIBS=OFF); the tests link the .so.
CMAKE_ARGS=(-DBUILD_SHARED_LIBS=ON -DSNAPPY_BUILD_TESTS=ON -DSNAPPY_BUILD_BENCHMARKS=OFF
            -DSNAPPY_USE_BUNDLED_GTEST=OFF -DSNAPPY_USE_BUNDLED_BENCHMARK_LIB=OFF)
TEST_TARGETS=(snappy_unittest snappy-static)
LIB_TARGET=snappy-static
LIB_FILE=libsnappy.a
MIN_PASSING=20
# Headers for the example: the sources and the generated snappy-stubs-public.h.
# -fno-rtti as snappy: the example derives from snappy::Sink, whose typeinfo
# a -fno-rtti library does not emit (exceptions still work: Clang emits the
# typeinfo that a throw or catch needs).
example_flags() { # SRC BUILD
  echo "-fno-rtti -I$1 -I$2 $2/libsnappy.a"
}
