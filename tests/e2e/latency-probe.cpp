// The benchmark's latency probe (bench/probe/latency_probe.cpp), linked into
// a program that knows nothing of it, as bench/wrappers/cxx-wrapper.sh links
// it into the real programs. The main thread computes, then a thread the
// program starts computes while main joins it: with SAFEPOINT_BENCH_PROBE
// set, the probe must enroll both (the second through pthread_create), run
// handshakes on both, and write its samples at exit. Without it, the
// program runs as before. A handshake may legitimately miss: the second
// thread can exit, or main reach exit(), between the probe's choice and the
// next poll; the probe counts those (exited=, unfinished=) and goes on.
// RUN: %clangxx -O2 -fPIC -c %S/../../bench/probe/latency_probe.cpp -o %t.probe.o
// RUN: %sp_clangxx -O2 %s %t.probe.o -Wl,--export-dynamic-symbol=pthread_create -o %t %sp_link
// RUN: rm -f %t.txt
// RUN: env SAFEPOINT_BENCH_PROBE=%t.txt %t | FileCheck %s --check-prefix=OUT
// RUN: FileCheck %s < %t.txt
// RUN: %t | FileCheck %s --check-prefix=OUT
//
// OUT: ok
// CHECK: # exe={{.*}} samples={{[1-9][0-9]*}} idle={{[0-9]+}} unfinished={{[01]}} exited={{[01]}} targets=2
// CHECK-NEXT: {{^[0-9]+ -?[0-9]+$}}

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <thread>

static volatile unsigned long sink;

static std::int64_t cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// Computes for 200 ms of this thread's CPU time: hundreds of the probe's
// 0-400 us periods, whatever the load of the machine.
static void compute() {
  const std::int64_t end = cpu_ns() + 200'000'000;
  unsigned long s = 0;
  while (cpu_ns() < end)
    for (unsigned long i = 0; i < 10'000; ++i)
      s = s * 31 + i;
  sink = s;
}

int main() {
  compute();
  std::thread t(compute);
  t.join();
  std::puts("ok");
  return 0;
}
