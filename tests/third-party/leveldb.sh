# shellcheck shell=bash disable=SC2034,SC2154  # sourced by run.sh
# Recipe for leveldb (Debian source package "leveldb"): CMake + GoogleTest,
# static library so that every test is built (30 binaries, 228 cases).
# Compiled with -fno-exceptions -fno-rtti by its own CMakeLists.txt. Not in
# CI by default: the suite alone takes about 11 minutes on 2 cores (add it
# to SAFEPOINT_THIRD_PARTY_PROJECTS).
PKG=leveldb
DEPS=(libgtest-dev libgmock-dev libbenchmark-dev libsnappy-dev)
CMAKE_ARGS=(-DLEVELDB_BUILD_TESTS=ON -DLEVELDB_BUILD_BENCHMARKS=OFF
            -DLEVELDB_INSTALL=OFF -DBUILD_SHARED_LIBS=OFF)
LIB_TARGET=leveldb
LIB_FILE=libleveldb.a
# -fno-rtti as leveldb: the example derives from leveldb::Comparator.
example_flags() { # SRC BUILD
  echo "-fno-rtti -I$1/include $2/libleveldb.a -lsnappy"
}
MIN_PASSING=150
# Flaky with or without instrumentation (upstream issue); when it fails, so
# does the ctest entry for the whole db_test binary, whose other cases are
# still compared one by one.
FLAKY=("gtest:db_test:DBTest.HiddenValuesAreRemoved" "ctest:db_test")
