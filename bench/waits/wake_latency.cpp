// Wake latency of the interruptible waits (safepoint/wait.hpp): for each wait
// kind, the time from safepoint::interrupt() to the exception arriving in the
// blocked thread, beside the time from an ordinary wake of the same primitive
// (notify, unlock, release, write, set_value, count_down, thread exit) to the
// wait returning. Both are measured on the same waiter, interleaved, after
// the waiter is asleep in the kernel (its waker registered, then 200 us).
// Prints p50/p99/max in microseconds; not a pass/fail test.
//
//   bench-wake-latency [iterations per kind and mode, default 2000]
//                      [--cpus default|idle-spin|one-cpu]
//
// --cpus says where the threads run, to separate the wake path from the
// machine's wake-up of an idle CPU (both columns always use the same setup):
//   default    nothing changed: the waiter sleeps, its CPU may go idle (on a
//              VM the vCPU halts, and a wake-up goes through the hypervisor);
//   idle-spin  one SCHED_IDLE thread per CPU spins: no CPU ever idles, so a
//              wake-up is an IPI to a running CPU (any normal thread preempts
//              a SCHED_IDLE one at once). Not a real workload: it only
//              removes the idle-CPU wake-up from the measurement;
//   one-cpu    every thread of the benchmark is pinned to the main thread's
//              CPU: a wake-up is a context switch on that CPU, no IPI.

#include <safepoint/wait.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

namespace {

using clk = std::chrono::steady_clock;
struct Stop {};

// Set by a wait that takes its own time stamp (before throwing).
std::atomic<clk::rep> g_stamp{0};

struct Kind {
  const char *name;
  std::function<void()> prepare; // coordinator, before the waiter's wait
  std::function<void()> wait;    // waiter
  std::function<void()> wake;    // coordinator: ordinary wake (may be empty)
  std::function<void()> after;   // waiter, after a normal return
  std::function<void()> cleanup; // coordinator, after the iteration
};

void spin_for(std::chrono::microseconds d) {
  auto end = clk::now() + d;
  while (clk::now() < end) {
  }
}

struct Stats {
  std::vector<double> us;
  double pct(double p) {
    if (us.empty())
      return 0;
    std::sort(us.begin(), us.end());
    return us[std::min(us.size() - 1, std::size_t(p * us.size()))];
  }
};

void run(Kind &k, int iters) {
  std::atomic<int> go{0}, done{0};
  std::atomic<clk::rep> t1{0};
  std::atomic<bool> quit{false};
  safepoint::thread waiter([&] {
    for (int i = 1;; ++i) {
      while (go.load(std::memory_order_acquire) < i)
        if (quit.load())
          return;
      bool interrupted = false;
      g_stamp.store(0);
      try {
        k.wait();
      } catch (Stop &) {
        interrupted = true;
      }
      clk::rep now = clk::now().time_since_epoch().count();
      t1.store(g_stamp.load() ? g_stamp.load() : now);
      if (!interrupted && k.after)
        k.after();
      done.store(i, std::memory_order_release);
    }
  });
  Stats intr, norm;
  int it = 0;
  for (int i = 0; i < 2 * iters; ++i) {
    bool by_interrupt = !k.wake || i % 2 == 0;
    if (!k.wake && i >= iters)
      break;
    if (k.prepare)
      k.prepare();
    go.store(++it, std::memory_order_release);
    while (!safepoint::is_waiting(waiter.handle()))
      std::this_thread::yield();
    spin_for(std::chrono::microseconds(200)); // asleep in the kernel by now
    auto t0 = clk::now();
    if (by_interrupt)
      waiter.interrupt(Stop{});
    else
      k.wake();
    while (done.load(std::memory_order_acquire) < it)
      std::this_thread::yield();
    double us = double(t1.load() - t0.time_since_epoch().count()) / 1000.0;
    (by_interrupt ? intr : norm).us.push_back(us);
    if (k.cleanup)
      k.cleanup();
  }
  quit = true;
  waiter.join();
  std::printf("%-24s %9.1f %9.1f %9.1f", k.name, intr.pct(0.5), intr.pct(0.99),
              intr.pct(1.0));
  if (k.wake)
    std::printf(" | %9.1f %9.1f %9.1f | %5.2f\n", norm.pct(0.5),
                norm.pct(0.99), norm.pct(1.0), intr.pct(0.5) / norm.pct(0.5));
  else
    std::printf(" | %9s %9s %9s |\n", "-", "-", "-");
}

} // namespace

/// --cpus idle-spin: one SCHED_IDLE spinner per CPU, for the program's life.
void start_idle_spinners(std::vector<std::thread> &spinners,
                         std::atomic<bool> &stop) {
  unsigned n = std::thread::hardware_concurrency();
  for (unsigned i = 0; i < (n ? n : 1); ++i)
    spinners.emplace_back([&stop] {
      sched_param none{};
      if (sched_setscheduler(0, SCHED_IDLE, &none) != 0) {
        std::perror("sched_setscheduler(SCHED_IDLE)");
        std::exit(1);
      }
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
}

/// --cpus one-cpu: pins the calling (main) thread to its current CPU before
/// any other thread exists; every thread created later inherits the mask
/// (the waiters, the joinee, the runtime's condition-variable service).
int pin_to_current_cpu() {
  int cpu = sched_getcpu();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    std::perror("sched_setaffinity");
    std::exit(1);
  }
  return cpu;
}

int main(int argc, char **argv) {
  int iters = 2000;
  const char *cpus = "default";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--cpus" && i + 1 < argc)
      cpus = argv[++i];
    else if (std::atoi(argv[i]) > 0)
      iters = std::atoi(argv[i]);
    else
      cpus = nullptr;
  }
  std::string mode = cpus ? cpus : "";
  if (mode != "default" && mode != "idle-spin" && mode != "one-cpu") {
    std::fprintf(stderr,
                 "usage: %s [iterations] [--cpus default|idle-spin|one-cpu]\n",
                 argv[0]);
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<std::thread> spinners;
  std::atomic<bool> stop_spinners{false};
  if (mode == "one-cpu")
    std::printf("cpus: one-cpu (every thread pinned to CPU %d)\n",
                pin_to_current_cpu());
  else if (mode == "idle-spin") {
    start_idle_spinners(spinners, stop_spinners);
    std::printf("cpus: idle-spin (%zu SCHED_IDLE spinners: no CPU idles)\n",
                spinners.size());
  } else {
    std::printf("cpus: default\n");
  }

  std::mutex m;
  std::condition_variable cv;
  std::condition_variable_any cva;
  bool ready = false;
  safepoint::mutex sm;
  std::counting_semaphore<> sem(0);
  int fds[2];
  if (pipe(fds) != 0)
    return 1;
  std::shared_ptr<std::promise<int>> promise;
  std::future<int> future;
  std::unique_ptr<std::latch> latch;
  std::thread joinee;
  std::binary_semaphore release_joinee(0);

  std::atomic<int> uflag{0};

  std::vector<Kind> kinds = {
      // The wake-up alone, without the exception: a wait_scope around
      // std::atomic::wait; the waiter stamps the time when it sees the
      // interrupt (or the flag), before poll() throws.
      {"wake only (wait_scope)", [&] { uflag = 0; },
       [&] {
         safepoint::wait_scope scope([&]() noexcept {
           uflag = 2;
           uflag.notify_all();
         });
         while (uflag.load() == 0 && !scope.interrupted())
           uflag.wait(0);
         g_stamp.store(clk::now().time_since_epoch().count());
         safepoint::poll();
       },
       [&] {
         uflag = 1;
         uflag.notify_all();
       },
       {}, {}},
      {"sleep_for", {}, [] { safepoint::sleep_for(std::chrono::hours(1)); }, {},
       {}, {}},
      {"condition_variable", {},
       [&] {
         std::unique_lock lk(m);
         safepoint::wait(cv, lk, [&] { return ready; });
         ready = false;
       },
       [&] {
         {
           std::lock_guard g(m);
           ready = true;
         }
         cv.notify_one();
       },
       {}, {}},
      {"condition_variable_any", {},
       [&] {
         std::unique_lock lk(m);
         safepoint::wait(cva, lk, [&] { return ready; });
         ready = false;
       },
       [&] {
         {
           std::lock_guard g(m);
           ready = true;
         }
         cva.notify_one();
       },
       {}, {}},
      // The coordinator holds the mutex; an ordinary wake is its unlock
      // (the waiter then holds it and unlocks it in `after`).
      {"safepoint::mutex", [&] { sm.lock(); }, [&] { sm.lock(); },
       [&] { sm.unlock(); }, [&] { sm.unlock(); },
       [&] {
         (void)sm.try_lock(); // fails if we still hold it (interrupted)
         sm.unlock();
       }},
      {"counting_semaphore", {}, [&] { safepoint::acquire(sem); },
       [&] { sem.release(); }, {}, {}},
      {"pipe read", {},
       [&] {
         char c;
         (void)safepoint::read(fds[0], &c, 1);
       },
       [&] { (void)!::write(fds[1], "x", 1); }, {}, {}},
      {"future::get",
       [&] {
         promise = std::make_shared<std::promise<int>>();
         future = promise->get_future();
       },
       [&] { (void)safepoint::get(future); },
       [&] { promise->set_value(1); }, {}, {}},
      {"latch::wait", [&] { latch = std::make_unique<std::latch>(1); },
       [&] { safepoint::wait(*latch); }, [&] { latch->count_down(); }, {}, {}},
      {"std::thread join",
       [&] {
         joinee = std::thread([&] { release_joinee.acquire(); });
       },
       [&] { safepoint::join(joinee); }, [&] { release_joinee.release(); }, {},
       [&] {
         if (joinee.joinable()) {
           release_joinee.release();
           joinee.join();
         }
       }},
  };
  std::printf("wake latency in microseconds, %d samples per column\n", iters);
  std::printf("%-24s %29s | %29s | %5s\n", "", "interrupt() -> exception",
              "ordinary wake -> return", "p50");
  std::printf("%-24s %9s %9s %9s | %9s %9s %9s | %5s\n", "wait kind", "p50",
              "p99", "max", "p50", "p99", "max", "ratio");
  for (Kind &k : kinds)
    run(k, iters);

  // What an interrupt costs beyond the wake-up itself: interrupt() of the
  // calling thread, then the poll's throw and the catch (no waiting).
  Stats self;
  safepoint::handle me = safepoint::this_thread::handle();
  for (int i = 0; i < iters; ++i) {
    auto t0 = clk::now();
    try {
      safepoint::interrupt(me, Stop{});
      safepoint::poll();
    } catch (Stop &) {
    }
    self.us.push_back(
        std::chrono::duration<double, std::micro>(clk::now() - t0).count());
  }
  std::printf("%-24s %9.1f %9.1f %9.1f   (self-interrupt + throw + catch, "
              "no wait)\n",
              "exception cost", self.pct(0.5), self.pct(0.99), self.pct(1.0));
  stop_spinners = true;
  for (std::thread &t : spinners)
    t.join();
  return 0;
}
