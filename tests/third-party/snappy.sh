# Recipe for snappy (Debian source package "snappy"): CMake + GoogleTest.
# Compiled with -fno-exceptions by its own CMakeLists.txt.
PKG=snappy
DEPS=(libgtest-dev libgmock-dev)
# Shared, as Debian builds it (its patch adds a static library of the same
# name, which clashes with BUILD_SHARED_LIBS=OFF); tests link the .so.
CMAKE_ARGS=(-DBUILD_SHARED_LIBS=ON -DSNAPPY_BUILD_TESTS=ON -DSNAPPY_BUILD_BENCHMARKS=OFF
            -DSNAPPY_USE_BUNDLED_GTEST=OFF -DSNAPPY_USE_BUNDLED_BENCHMARK_LIB=OFF)
LIB_TARGET=snappy-static
LIB_FILE=libsnappy.a
# Headers for the example: the sources and the generated snappy-stubs-public.h.
example_flags() { # SRC BUILD
  echo "-I$1 -I$2 $2/libsnappy.a"
}
MIN_PASSING=20
FLAKY=()
