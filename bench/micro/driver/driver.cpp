// bench/micro/driver/driver.cpp: main() for every micro-kernel.
//
//   ./kernel [--reps R]            time mode: one warm-up run, then R timed
//                                  runs of the kernel (default 3); prints one
//                                  JSON line {"kernel", "time_ns" (median of
//                                  the R runs), "samples_ns", "checksum"}
//   ./kernel --latency N [--out F] [--spin-sender] [--premade]
//                                  latency mode (instrumented builds only)
//   ./kernel --count               count mode: setup, then exactly one run of
//                                  the kernel inside bench_count_region(), for
//                                  valgrind --tool=callgrind
//                                  --collect-atstart=no
//                                  --toggle-collect=bench_count_region: the
//                                  instructions of one run, deterministic
//
// Latency mode: a worker thread (registered with
// safepoint::this_thread::handle()) runs the kernel in a loop; the main
// thread interrupts it N times, 0..400 us after each restart, with an
// exception carrying the steady_clock time taken just before
// safepoint::interrupt(). With --premade the exception is made before the
// pause and sent with interrupt(handle, exception_ptr), as an alarm
// (interrupt_after, deadline_scope) sends the one it made when armed; the
// time is then taken just before that call (and passed on the side). Per
// interrupt the worker records
//   to_throw: interrupt() -> the runtime starts throwing (the poll was
//             reached; timestamped by unwind_hook.cpp when linked in),
//   to_catch: interrupt() -> the first statement of the worker's catch
//             (adds the unwinder's search, the destructors of everything the
//             kernel had live, the catch),
//   off_cpu:  how long the worker was off the CPU (descheduled) between the
//             restart of the kernel and the catch: wall time minus the
//             thread's CPU time. A sample with off_cpu > 20 us is "preempted":
//             on a shared machine it measures the scheduler, not Safepoint.
// It also measures the floor: 200 self-interrupts delivered by an explicit
// safepoint::poll() one call deep (the cost of the throw itself).
// Prints one JSON line; --out F writes every sample ("to_throw to_catch
// off_cpu", ns) one per line.
//
// Built with -DBENCH_PLAIN (no plugin, no runtime), latency mode is compiled
// out: code without polls cannot be interrupted.
#include "../common.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#ifndef BENCH_PLAIN
#include <safepoint/safepoint.hpp>
#include <time.h>
#endif

namespace bench {
using clock = std::chrono::steady_clock;

static std::int64_t ns(clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

static int time_mode(const kernel &k, int reps) {
  k.setup();
  std::uint64_t sum = k.run(); // warm-up: caches, page faults, branch history
  std::vector<std::int64_t> samples;
  for (int r = 0; r < reps; ++r) {
    clock::time_point t0 = clock::now();
    sum += k.run();
    samples.push_back(ns(clock::now() - t0));
  }
  std::vector<std::int64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  std::printf("{\"kernel\": \"%s\", \"time_ns\": %lld, \"samples_ns\": [",
              k.name, static_cast<long long>(sorted[sorted.size() / 2]));
  for (std::size_t i = 0; i < samples.size(); ++i)
    std::printf("%s%lld", i ? ", " : "", static_cast<long long>(samples[i]));
  std::printf("], \"checksum\": %llu}\n", static_cast<unsigned long long>(sum));
  return 0;
}

} // namespace bench

/// The region callgrind counts in count mode (an unmangled name, never
/// inlined): exactly one run of the kernel, no timing, no warm-up.
extern "C" __attribute__((noinline)) std::uint64_t
bench_count_region(const bench::kernel &k) {
  return k.run();
}

namespace bench {

static int count_mode(const kernel &k) {
  k.setup();
  std::uint64_t sum = bench_count_region(k);
  std::printf("{\"kernel\": \"%s\", \"checksum\": %llu}\n", k.name,
              static_cast<unsigned long long>(sum));
  return 0;
}

#ifndef BENCH_PLAIN
// Set by unwind_hook.cpp when it is linked in (weak: absent otherwise).
extern thread_local clock::time_point throw_started
    __attribute__((weak));
extern thread_local bool throw_hook_active __attribute__((weak));

struct Interrupted {
  clock::time_point sent;
};

struct sample {
  std::int64_t to_throw, to_catch, off_cpu;
};

static std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

static std::int64_t since_throw(clock::time_point sent) {
  if (&throw_hook_active == nullptr || !throw_hook_active)
    return -1;
  throw_hook_active = false;
  return ns(throw_started - sent);
}

__attribute__((noinline)) static void poll_once() { safepoint::poll(); }

static std::string stats(std::vector<std::int64_t> v) {
  if (v.empty() || v[0] < 0)
    return "null";
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) {
    std::size_t i =
        static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return static_cast<long long>(v[std::min(i, v.size() - 1)]);
  };
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "{\"n\": %zu, \"p50\": %lld, \"p99\": %lld, \"p999\": %lld, "
                "\"max\": %lld}",
                v.size(), pct(0.5), pct(0.99), pct(0.999),
                static_cast<long long>(v.back()));
  return buf;
}

static int latency_mode(const kernel &k, int n, const char *out, bool spin,
                        bool premade) {
  k.setup();
  std::vector<sample> lat(static_cast<std::size_t>(n));
  std::vector<std::int64_t> floor;
  std::atomic<bool> running{false};
  std::atomic<int> delivered{0};
  std::atomic<bool> ready{false};
  safepoint::handle target;
  std::uint64_t sink = 0;
  // --premade: the send time, stored before interrupt() and read after the
  // catch (the queue orders the two).
  std::atomic<clock::rep> premade_sent{0};

  std::thread worker([&] {
    target = safepoint::this_thread::handle();
    for (int i = 0; i < 200; ++i) {
      try {
        safepoint::interrupt(target, Interrupted{clock::now()});
        poll_once();
      } catch (const Interrupted &e) {
        floor.push_back(ns(clock::now() - e.sent));
      }
    }
    ready.store(true, std::memory_order_release);
    clock::time_point wall0;
    std::int64_t cpu0 = 0;
    for (;;) {
      try {
        cpu0 = thread_cpu_ns();
        wall0 = clock::now();
        running.store(true, std::memory_order_release);
        for (;;)
          sink += k.run();
      } catch (const Interrupted &e) {
        clock::time_point now = clock::now();
        clock::time_point sent =
            premade ? clock::time_point(clock::duration(
                          premade_sent.load(std::memory_order_relaxed)))
                    : e.sent;
        std::int64_t to_throw = since_throw(sent);
        running.store(false, std::memory_order_relaxed);
        int i = delivered.load(std::memory_order_relaxed);
        std::int64_t off = ns(now - wall0) - (thread_cpu_ns() - cpu0);
        lat[static_cast<std::size_t>(i)] = {to_throw, ns(now - sent), off};
        delivered.store(i + 1, std::memory_order_release);
        if (i + 1 == n)
          return;
      }
    }
  });

  // The main thread sleeps while it waits, to leave the CPUs to the worker;
  // with --spin-sender it spins instead, so that its CPU never halts and
  // the interrupt is sent by a running thread (a watchdog that computes,
  // not one that just woke from a timer).
  auto nap = [spin] {
    if (!spin)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
  };
  while (!ready.load(std::memory_order_acquire))
    nap();
  rng r(42);
  for (int i = 0; i < n; ++i) {
    while (!running.load(std::memory_order_acquire) ||
           delivered.load(std::memory_order_acquire) != i)
      nap();
    auto pause = std::chrono::microseconds(r.below(400));
    std::exception_ptr ready_made;
    if (premade)
      ready_made = std::make_exception_ptr(Interrupted{clock::time_point()});
    if (spin)
      for (clock::time_point until = clock::now() + pause;
           clock::now() < until;)
        ;
    else
      std::this_thread::sleep_for(pause);
    if (premade) {
      premade_sent.store(clock::now().time_since_epoch().count(),
                         std::memory_order_relaxed);
      safepoint::interrupt(target, std::move(ready_made));
    } else {
      safepoint::interrupt(target, Interrupted{clock::now()});
    }
    clock::time_point deadline = clock::now() + std::chrono::seconds(20);
    while (delivered.load(std::memory_order_acquire) != i + 1) {
      if (clock::now() > deadline) {
        std::fprintf(stderr,
                     "%s: interrupt %d not delivered within 20 s (no poll "
                     "reached?)\n",
                     k.name, i);
        std::fflush(stderr);
        std::_Exit(3);
      }
      nap();
    }
  }
  worker.join();
  keep(sink);

  if (out) {
    if (FILE *f = std::fopen(out, "w")) {
      for (const sample &s : lat)
        std::fprintf(f, "%lld %lld %lld\n", static_cast<long long>(s.to_throw),
                     static_cast<long long>(s.to_catch),
                     static_cast<long long>(s.off_cpu));
      std::fclose(f);
    }
  }
  std::vector<std::int64_t> to_throw, to_catch, quiet_throw, quiet_catch;
  int preempted = 0;
  for (const sample &s : lat) {
    to_throw.push_back(s.to_throw);
    to_catch.push_back(s.to_catch);
    if (s.off_cpu > 20000) {
      ++preempted;
    } else {
      quiet_throw.push_back(s.to_throw);
      quiet_catch.push_back(s.to_catch);
    }
  }
  std::printf("{\"kernel\": \"%s\", \"latency_ns\": {\"n\": %d, "
              "\"preempted\": %d, \"to_throw\": %s, \"to_catch\": %s, "
              "\"to_throw_not_preempted\": %s, \"to_catch_not_preempted\": %s, "
              "\"self_floor\": %s}}\n",
              k.name, n, preempted, stats(to_throw).c_str(),
              stats(to_catch).c_str(), stats(quiet_throw).c_str(),
              stats(quiet_catch).c_str(), stats(floor).c_str());
  return 0;
}
#endif

} // namespace bench

int main(int argc, char **argv) {
  int reps = 3, latency = 0;
  bool count = false, spin = false, premade = false;
  const char *out = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc)
      reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--latency" && i + 1 < argc)
      latency = std::max(1, std::atoi(argv[++i]));
    else if (a == "--count")
      count = true;
    else if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--spin-sender")
      spin = true;
    else if (a == "--premade")
      premade = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--reps N] [--latency N [--out FILE] "
                   "[--spin-sender] [--premade]] [--count]\n",
                   argv[0]);
      return 2;
    }
  }
  if (latency) {
#ifdef BENCH_PLAIN
    (void)out;
    (void)spin;
    (void)premade;
    std::fprintf(stderr, "%s: built without Safepoint: no latency mode\n",
                 bench_kernel.name);
    return 2;
#else
    return bench::latency_mode(bench_kernel, latency, out, spin, premade);
#endif
  }
  if (count)
    return bench::count_mode(bench_kernel);
  return bench::time_mode(bench_kernel, reps);
}
