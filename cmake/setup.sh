#!/usr/bin/env bash
# Shared by examples/run-demo.sh and tests/run-all.sh: installs what is
# missing on a Debian bookworm machine, then configures and builds one tree
# per LLVM major. Safe to run again: it only installs and rebuilds what is
# missing or out of date.
set -euo pipefail

SAFEPOINT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Packages for LLVM majors given as arguments (19 from bookworm, 22 from
# bookworm-security), plus the build and test tools.
safepoint_packages() {
  local pkgs=(cmake ninja-build g++ python3 python3-psutil libgtest-dev
              libbenchmark-dev make pkgconf)
  local v
  for v in "$@"; do
    pkgs+=("clang-$v" "llvm-$v-dev" "libclang-$v-dev" "llvm-$v-tools"
           "libclang-rt-$v-dev")
  done
  printf '%s\n' "${pkgs[@]}"
}

safepoint_install_deps() {
  local missing=() p
  while read -r p; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done < <(safepoint_packages "$@")
  if [ ${#missing[@]} -eq 0 ]; then
    say "All required Debian packages are installed"
    return
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "Installing missing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
}

# safepoint_build MAJOR DIR: configure (once) and build the tree for MAJOR.
safepoint_build() {
  local v=$1 dir=$2
  say "Building Safepoint for LLVM $v in $dir"
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$SAFEPOINT_ROOT" -B "$dir" -G Ninja \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER="clang-$v" -DCMAKE_CXX_COMPILER="clang++-$v" \
      -DLLVM_DIR="/usr/lib/llvm-$v/lib/cmake/llvm"
  fi
  cmake --build "$dir" -j "$(nproc)"
}
