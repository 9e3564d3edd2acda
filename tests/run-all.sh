#!/usr/bin/env bash
# Builds Safepoint for LLVM 19 (build/) and LLVM 22 (build-llvm22/),
# installing missing Debian packages, and runs every test of both trees:
# runtime unit and stress tests (also under ThreadSanitizer) and the lit
# suites (IR, frontend, end-to-end at -O0..-O3 and -Os), the packaging
# tests, and (LLVM 19 only) snappy, leveldb and pugixml built from their
# Debian source packages with their own test suites (tests/third-party).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../cmake/setup.sh"
set -e

safepoint_install_deps 19 22
safepoint_build 19 "$SAFEPOINT_ROOT/build"
# The third-party projects (ctest label third-party) run in the LLVM 19 tree
# only: they fetch Debian source packages and take minutes.
cmake -DSAFEPOINT_THIRD_PARTY_TESTS=ON "$SAFEPOINT_ROOT/build" >/dev/null
safepoint_build 22 "$SAFEPOINT_ROOT/build-llvm22"

set +e
passed=0 failed=0 status=0
for dir in build build-llvm22; do
  say "Testing $dir"
  log=$(mktemp)
  (cd "$SAFEPOINT_ROOT/$dir" && ctest --output-on-failure -j 2) | tee "$log"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$summary")
  if [ -z "$summary" ]; then status=1; else
    passed=$((passed + total - bad)); failed=$((failed + bad)); fi
  rm -f "$log"
done
say "All trees"
echo "$passed passed, $failed failed"
exit $status
