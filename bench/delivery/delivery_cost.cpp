// What one interrupt costs the two threads, beside a plain C++ throw: the
// sender's interrupt() and the target's poll -> throw -> catch, on one thread
// (a self-interrupt), so nothing but the code is measured.
//
//   bench-delivery-cost [cycles, default 20000]
//       timed: the four steps interleaved in one loop, p50/p99 in ns
//   bench-delivery-cost --count
//       100 warm-up cycles, then 100 cycles of each step (step_plain_throw,
//       step_rethrow, step_interrupt, step_poll_to_catch) inside
//       count_region, for callgrind (instructions, exact):
//         strip --strip-debug -o /tmp/dc bin/bench-delivery-cost
//         valgrind --tool=callgrind --collect-atstart=no \
//           --toggle-collect=count_region --callgrind-out-file=/tmp/dc.out \
//           /tmp/dc --count
//         callgrind_annotate --inclusive=yes --threshold=100 /tmp/dc.out \
//           | grep step_
//       (valgrind 3.19 cannot read clang's DWARF 5: hence the stripped copy;
//       divide by 100 for one cycle)
//   bench-delivery-cost --cross [interrupts, default 2000]
//       two threads: a target calls safepoint::poll() in a tight loop, the
//       main thread sleeps 0-400 us (so it is cold, like a watchdog waking
//       up), then interrupts it. Prints p50/p99 of interrupt() on the
//       sender, split into its two steps (std::make_exception_ptr, then
//       interrupt(handle, exception_ptr): the queue), and of interrupt() ->
//       the target's catch: all of delivery latency except the distance to
//       the next poll. Timed, so noisy on a shared machine; samples where
//       the target was descheduled are kept.
//
// plain_throw: `throw X` one call deep and its catch; rethrow: the same with
// std::rethrow_exception of a fresh std::make_exception_ptr (what the runtime
// throws); interrupt: safepoint::interrupt(self, X) (make_exception_ptr and
// the queue); poll_to_catch: safepoint::poll() one call deep throwing it, and
// the catch. Not a pass/fail test.

#include <safepoint/safepoint.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <random>
#include <thread>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
struct X {
  long v;
};

__attribute__((noinline)) void throw_one() { throw X{1}; }
__attribute__((noinline)) void rethrow_one(std::exception_ptr p) {
  std::rethrow_exception(std::move(p));
}
__attribute__((noinline)) void poll_one() { safepoint::poll(); }

} // namespace

extern "C" {
__attribute__((noinline)) void step_plain_throw(int n) {
  for (int i = 0; i < n; ++i)
    try {
      throw_one();
    } catch (X &) {
    }
}
__attribute__((noinline)) void step_rethrow(int n) {
  for (int i = 0; i < n; ++i)
    try {
      rethrow_one(std::make_exception_ptr(X{1}));
    } catch (X &) {
    }
}
__attribute__((noinline)) void step_interrupt(const safepoint::handle &me,
                                              int n) {
  for (int i = 0; i < n; ++i)
    safepoint::interrupt(me, X{1});
}
__attribute__((noinline)) void step_poll_to_catch(int n) {
  for (int i = 0; i < n; ++i)
    try {
      poll_one();
    } catch (X &) {
    }
}
/// The region callgrind counts in --count mode.
__attribute__((noinline)) void count_region(const safepoint::handle &me) {
  step_plain_throw(100);
  step_rethrow(100);
  step_interrupt(me, 100);
  step_poll_to_catch(100);
}
}

namespace {

double pct(std::vector<double> &v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::size_t(p * double(v.size() - 1))];
}

double ns_of(clk::duration d) {
  return std::chrono::duration<double, std::nano>(d).count();
}

struct Sent {
  clk::time_point at;
};

int cross(int n) {
  std::vector<double> send(std::size_t(n), 0), to_catch(std::size_t(n), 0),
      alloc(std::size_t(n), 0), queue(std::size_t(n), 0);
  std::atomic<int> caught{0};
  std::atomic<bool> ready{false};
  safepoint::handle target;
  std::thread t([&] {
    target = safepoint::this_thread::handle();
    ready = true;
    while (caught.load(std::memory_order_relaxed) < n)
      try {
        for (;;)
          safepoint::poll();
      } catch (Sent &s) {
        int i = caught.load(std::memory_order_relaxed);
        to_catch[std::size_t(i)] = ns_of(clk::now() - s.at);
        caught.store(i + 1, std::memory_order_release);
      }
  });
  while (!ready.load())
    std::this_thread::yield();
  std::minstd_rand rng(42);
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 400));
    // What interrupt(target, Sent{t0}) does, one step at a time.
    auto t0 = clk::now();
    std::exception_ptr e = std::make_exception_ptr(Sent{t0});
    auto t1 = clk::now();
    safepoint::interrupt(target, std::move(e));
    auto t2 = clk::now();
    alloc[std::size_t(i)] = ns_of(t1 - t0);
    queue[std::size_t(i)] = ns_of(t2 - t1);
    send[std::size_t(i)] = ns_of(t2 - t0);
    while (caught.load(std::memory_order_acquire) != i + 1)
      std::this_thread::yield();
  }
  t.join();
  std::printf("cross-thread delivery in ns, %d interrupts, target polling "
              "in a tight loop, sender cold (slept 0-400 us)\n",
              n);
  std::printf("%-36s %8s %8s\n", "step", "p50", "p99");
  std::printf("%-36s %8.0f %8.0f\n", "interrupt() on the sender", pct(send, .5),
              pct(send, .99));
  std::printf("%-36s %8.0f %8.0f\n", "  std::make_exception_ptr",
              pct(alloc, .5), pct(alloc, .99));
  std::printf("%-36s %8.0f %8.0f\n", "  interrupt(handle, exception_ptr)",
              pct(queue, .5), pct(queue, .99));
  std::printf("%-36s %8.0f %8.0f\n", "interrupt() -> catch on the target",
              pct(to_catch, .5), pct(to_catch, .99));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1 && std::strcmp(argv[1], "--cross") == 0)
    return cross(argc > 2 && std::atoi(argv[2]) > 0 ? std::atoi(argv[2])
                                                    : 2000);
  const safepoint::handle me = safepoint::this_thread::handle();
  if (argc > 1 && std::strcmp(argv[1], "--count") == 0) {
    step_plain_throw(100); // warm-up
    step_rethrow(100);
    step_interrupt(me, 100);
    step_poll_to_catch(100);
    count_region(me);
    return safepoint::interrupt_pending() ? 1 : 0;
  }
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: %s [cycles] | --count | --cross [n]\n",
                 argv[0]);
    return 2;
  }
  std::vector<double> plain, rethrow, send, poll;
  auto ns = ns_of;
  for (int i = 0; i < n; ++i) {
    auto t0 = clk::now();
    try {
      throw_one();
    } catch (X &) {
    }
    auto t1 = clk::now();
    try {
      rethrow_one(std::make_exception_ptr(X{1}));
    } catch (X &) {
    }
    auto t2 = clk::now();
    safepoint::interrupt(me, X{1});
    auto t3 = clk::now();
    try {
      poll_one();
    } catch (X &) {
    }
    auto t4 = clk::now();
    plain.push_back(ns(t1 - t0));
    rethrow.push_back(ns(t2 - t1));
    send.push_back(ns(t3 - t2));
    poll.push_back(ns(t4 - t3));
  }
  std::printf("delivery cost in ns, %d cycles, one thread\n", n);
  std::printf("%-36s %8s %8s\n", "step", "p50", "p99");
  std::printf("%-36s %8.0f %8.0f\n", "throw + catch (plain C++)",
              pct(plain, .5), pct(plain, .99));
  std::printf("%-36s %8.0f %8.0f\n", "rethrow_exception + catch",
              pct(rethrow, .5), pct(rethrow, .99));
  std::printf("%-36s %8.0f %8.0f\n", "interrupt(self, X)", pct(send, .5),
              pct(send, .99));
  std::printf("%-36s %8.0f %8.0f\n", "poll -> throw -> catch", pct(poll, .5),
              pct(poll, .99));
  return 0;
}
