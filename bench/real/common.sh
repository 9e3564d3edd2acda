# shellcheck shell=bash
# bench/real/common.sh: shared by the real-program recipes (sourced).
#
# A recipe bench/real/NAME.sh is run by bench/harness.py as
#   NAME.sh deps                    print the Debian packages its build needs
#   NAME.sh fetch SRC               unpack the Debian source package into SRC
#   NAME.sh configure SRC BUILD     prepare BUILD (a fresh directory) from SRC
#   NAME.sh build BUILD             compile (timed: CPU time of the process tree)
#   NAME.sh run BUILD               run the benchmark; print "BENCH_TIME <s>"
# with CXX set to bench/wrappers/clang++-{plain,naive,default}, CC=clang-19,
# JOBS (parallel jobs), BENCH_QUICK=1 for a smoke run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APT_DIR="$BENCH_DIR/work/apt"

# bench_apt_source PACKAGE SRC: apt-get source PACKAGE (bookworm) through a
# private deb-src list and private package lists, so the system's apt
# configuration is left alone; unpacks into SRC (once).
bench_apt_source() {
  local pkg=$1 dest=$2
  if [ -f "$dest/.bench-fetched" ]; then return 0; fi
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial"
  cat >"$APT_DIR/sources.list" <<LIST
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
LIST
  local opts=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
              -o "Dir::Etc::SourceParts=/dev/null"
              -o "Dir::State::Lists=$APT_DIR/lists"
              -o "Dir::Cache::Archives=$APT_DIR/archives"
              -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  if ! compgen -G "$APT_DIR/lists/*Sources*" >/dev/null; then
    echo "fetching the Debian source index (private list in $APT_DIR)"
    apt-get "${opts[@]}" update -qq
  fi
  local tmp="$dest.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  (cd "$tmp" && apt-get "${opts[@]}" source -qq "$pkg")
  local dir
  dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -1)
  [ -n "$dir" ] || { echo "apt-get source $pkg produced no directory" >&2; return 1; }
  rm -rf "$dest"
  mv "$dir" "$dest"
  rm -rf "$tmp"
  touch "$dest/.bench-fetched"
}

# bench_time CMD...: runs CMD, prints "BENCH_TIME <wall seconds>".
bench_time() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  echo "BENCH_TIME $(echo "$t1 - $t0" | bc -l)"
}
