// Safepoint demo: a long computation on another thread is interrupted with an
// ordinary C++ exception carrying data. Its destructors run, its caller
// catches the exception, and the delivery latency is measured.
//
// Nothing in compute_primes() knows about interruption: the polls were put
// there by the compiler plugin (-fplugin=SafepointPlugin-N.so).

#include <safepoint/safepoint.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

struct Timeout {
  std::string task;
  Clock::time_point sent_at;
};

// RAII resources whose cleanup the demo makes visible.
struct ScratchBuffer {
  std::vector<std::uint64_t> words = std::vector<std::uint64_t>(1 << 20);
  ScratchBuffer() {
    std::printf("  [worker] acquired an 8 MiB scratch buffer\n");
  }
  ~ScratchBuffer() {
    std::printf("  [worker] ~ScratchBuffer: released 8 MiB\n");
  }
};

struct Progress {
  std::uint64_t found = 0, checked = 0;
  ~Progress() {
    std::printf("  [worker] ~Progress: %" PRIu64 " primes among %" PRIu64
                " numbers checked\n",
                found, checked);
  }
};

// An ordinary, long computation: trial division of every number.
static bool is_prime(std::uint64_t n) {
  if (n < 2)
    return false;
  for (std::uint64_t d = 2; d * d <= n; ++d)
    if (n % d == 0)
      return false;
  return true;
}

static void compute_primes(Progress &progress) {
  ScratchBuffer scratch;
  for (std::uint64_t n = 1'000'000'000'000ull;; ++n) {
    ++progress.checked;
    if (is_prime(n))
      scratch.words[progress.found++ % scratch.words.size()] = n;
  }
}

// The tight loop used for latency measurements.
static void spin(std::atomic<bool> &running) {
  running.store(true, std::memory_order_release);
  for (std::uint64_t x = 1;; ++x)
    asm volatile("" : : "r"(x));
}

static double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

int main() {
  std::printf("Safepoint demo: interrupting a long computation\n\n");

  // 1. A computation that would run for days, stopped after 200 ms.
  Clock::duration latency{};
  safepoint::thread worker([&] {
    try {
      Progress progress;
      compute_primes(progress);
    } catch (const Timeout &t) {
      latency = Clock::now() - t.sent_at;
      std::printf("  [worker] caught Timeout{\"%s\"}\n", t.task.c_str());
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::printf("  [main]   200 ms elapsed: interrupt(worker, Timeout{...})\n");
  worker.interrupt(Timeout{"prime search", Clock::now()});
  worker.join();
  std::printf("  [main]   worker joined; delivery took %.1f us\n\n",
              micros(latency));

  // 2. Delivery latency: interrupt a computing thread many times.
  constexpr int Rounds = 2000;
  std::vector<double> samples;
  samples.reserve(Rounds);
  for (int r = 0; r < Rounds; ++r) {
    std::atomic<bool> running{false};
    Clock::duration d{};
    safepoint::thread t([&] {
      try {
        spin(running);
      } catch (const Timeout &to) {
        d = Clock::now() - to.sent_at;
      }
    });
    while (!running.load(std::memory_order_acquire))
      std::this_thread::yield();
    t.interrupt(Timeout{"spin", Clock::now()});
    t.join();
    samples.push_back(micros(d));
  }
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double p) {
    return samples[std::min<std::size_t>(samples.size() - 1,
                                         p * samples.size())];
  };
  std::printf("Delivery latency, interrupt() to catch, over %d interrupts of a "
              "computing thread:\n  p50 %.1f us   p99 %.1f us   max %.1f us\n",
              Rounds, pct(0.50), pct(0.99), samples.back());
  return 0;
}
