#!/usr/bin/env bash
# Builds Safepoint with LLVM 19 (installing missing Debian packages) and runs
# the demos: a long computation interrupted from another thread, its cleanup,
# and the delivery latency; then the watchdog (a 200 ms budget, the
# destructors that ran, where the interrupt landed).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../cmake/setup.sh"

safepoint_install_deps 19
safepoint_build 19 "$SAFEPOINT_ROOT/build"
say "Running build/bin/safepoint-demo"
"$SAFEPOINT_ROOT/build/bin/safepoint-demo"
say "Running build/bin/safepoint-watchdog"
"$SAFEPOINT_ROOT/build/bin/safepoint-watchdog"
