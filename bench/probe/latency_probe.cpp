// bench/probe/latency_probe.cpp: delivery latency measured inside a real
// program, without editing it.
//
// bench/wrappers/cxx-wrapper.sh links this object into every executable of
// the naive and default builds (with BENCH_PROBE_OBJ set by bench/harness.py).
// It does nothing unless SAFEPOINT_BENCH_PROBE=FILE is in the environment;
// then, from a constructor:
//
//  - it enrolls the main thread, and every thread the program starts (it
//    interposes on pthread_create, which the executable exports), with the
//    Safepoint runtime: a handle and a thread CPU clock each;
//  - a probe thread of its own (never enrolled, never interrupted) sleeps a
//    random 0-400 us, picks the enrolled thread that used the most CPU time
//    since the previous sample (the one computing: a thread blocked in a
//    wait used none; no sample if none ran), and asks it for a handshake,
//    safepoint::run_on(thread, f). f runs at the thread's next poll and
//    records the time from just before run_on() to itself, and how much of
//    it the thread spent off the CPU. One handshake is outstanding at a
//    time;
//  - a handshake that ran more than 20 us after its request although its
//    thread was on the CPU (a slow poll, not the scheduler) also records the
//    call stack it ran on: the frames above the runtime's slow path are the
//    function whose poll ended the long stretch and its callers;
//  - at exit it appends to FILE a "# exe=..." summary line, one line per
//    sample ("<latency ns> <off-CPU ns>") and one per slow sample ("@
//    <latency ns> <object>:<offset of a return address in it>..."), which
//    bench/harness.py symbolizes.
//
// A handshake is delivered at the same polls as an interrupt, through the
// same slow path, but runs a function instead of throwing; so this measures
// "interrupt request to the poll" in code nobody here wrote, without the
// program having to catch anything. Compiled without the plugin: the probe
// itself never polls.
#include <safepoint/handshake.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <random>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace {

using create_fn = int (*)(pthread_t *, const pthread_attr_t *,
                          void *(*)(void *), void *);

create_fn real_create() {
  static create_fn real =
      reinterpret_cast<create_fn>(dlsym(RTLD_NEXT, "pthread_create"));
  return real;
}

std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

/// The CPU time of thread \p tid of this process, or -1 once it has exited.
std::int64_t thread_cpu_ns(pid_t tid) {
  // The clock id glibc's pthread_getcpuclockid() makes (CPUCLOCK_SCHED of a
  // thread), from the kernel id, which stays safe to use after the thread
  // exits (the call then fails) where a pthread_t would not.
  const clockid_t clock = static_cast<clockid_t>((~tid << 3) | 6);
  timespec ts;
  if (clock_gettime(clock, &ts) != 0)
    return -1;
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

struct enrolled {
  safepoint::handle thread;
  pid_t tid;
  std::int64_t last_cpu_ns;
};

struct sample {
  std::int64_t latency_ns, off_cpu_ns;
};

/// Slower than this on the CPU: a slow poll, whose call stack is kept.
constexpr std::int64_t slow_ns = 20'000;

struct slow_sample {
  std::int64_t latency_ns;
  int depth;
  void *frames[24];
};

struct probe_state {
  const char *out = nullptr;
  pid_t pid = 0;
  std::mutex mu; // guards threads
  std::vector<enrolled> threads;
  std::vector<sample> samples; // reserved up front, written by the targets
  std::atomic<std::size_t> n{0};
  std::vector<slow_sample> slow; // likewise
  std::atomic<std::size_t> n_slow{0};
  std::atomic<bool> stopping{false};
  std::size_t idle = 0, unfinished = 0, gone = 0;
  std::vector<pid_t> targets; // the threads that ran a handshake
  pthread_t prober{};
};

probe_state *state = nullptr; // set once, before any other thread runs

void enroll() {
  enrolled e{safepoint::this_thread::handle(),
             static_cast<pid_t>(syscall(SYS_gettid)), 0};
  e.last_cpu_ns = thread_cpu_ns(e.tid);
  std::lock_guard lock(state->mu);
  state->threads.push_back(std::move(e));
}

/// The enrolled thread that used the most CPU since the previous call, or
/// none; drops threads that have exited.
std::optional<enrolled> busiest() {
  std::lock_guard lock(state->mu);
  std::optional<enrolled> best;
  std::int64_t best_delta = 0;
  std::erase_if(state->threads, [&](enrolled &e) {
    const std::int64_t cpu = thread_cpu_ns(e.tid);
    if (cpu < 0 || !e.thread.alive())
      return true;
    if (cpu - e.last_cpu_ns > best_delta) {
      best_delta = cpu - e.last_cpu_ns;
      best = e;
    }
    e.last_cpu_ns = cpu;
    return false;
  });
  return best;
}

void *probe_loop(void *) {
  std::minstd_rand rng(12345);
  std::uniform_int_distribution<long> pause_ns(0, 400'000);
  while (!state->stopping.load(std::memory_order_relaxed)) {
    timespec pause{0, pause_ns(rng)};
    nanosleep(&pause, nullptr);
    const std::optional<enrolled> target = busiest();
    if (!target) {
      ++state->idle;
      continue;
    }
    if (state->n.load() == state->samples.size())
      break;
    const pid_t tid = target->tid;
    const std::int64_t cpu0 = thread_cpu_ns(tid);
    const std::int64_t t0 = now_ns();
    auto done = safepoint::run_on(target->thread, [t0, cpu0, tid] {
      const std::int64_t t1 = now_ns();
      const std::int64_t cpu1 = thread_cpu_ns(tid);
      const std::size_t i = state->n.load(std::memory_order_relaxed);
      const sample x{t1 - t0, (t1 - t0) - (cpu1 - cpu0)};
      state->samples[i] = x;
      const std::size_t k = state->n_slow.load(std::memory_order_relaxed);
      if (x.latency_ns > slow_ns && x.off_cpu_ns <= slow_ns &&
          k < state->slow.size()) {
        slow_sample &s = state->slow[k];
        s.latency_ns = x.latency_ns;
        s.depth = backtrace(s.frames, std::size(s.frames));
        state->n_slow.store(k + 1, std::memory_order_release);
      }
      state->n.store(i + 1, std::memory_order_release);
    });
    while (done.wait_for(std::chrono::milliseconds(1)) !=
           std::future_status::ready) {
      if (state->stopping.load(std::memory_order_relaxed)) {
        ++state->unfinished;
        return nullptr;
      }
    }
    try {
      done.get();
      if (std::find(state->targets.begin(), state->targets.end(), tid) ==
          state->targets.end())
        state->targets.push_back(tid);
    } catch (const std::future_error &) { // exited before its next poll
      ++state->gone;
    }
  }
  return nullptr;
}

void write_samples() {
  if (getpid() != state->pid)
    return; // a forked child: the probe thread is the parent's
  state->stopping.store(true);
  pthread_join(state->prober, nullptr);
  std::FILE *f = std::fopen(state->out, "a");
  if (!f)
    return;
  const std::size_t n = state->n.load(std::memory_order_acquire);
  char exe[256] = {};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0)
    exe[0] = '?';
  std::fprintf(f,
               "# exe=%s samples=%zu idle=%zu unfinished=%zu exited=%zu "
               "targets=%zu\n",
               exe, n, state->idle, state->unfinished, state->gone,
               state->targets.size());
  // The executable's load address: dladdr() names it as it was started.
  std::uintptr_t exe_base = 0;
  dl_iterate_phdr(
      [](dl_phdr_info *info, std::size_t, void *base) {
        *static_cast<std::uintptr_t *>(base) = info->dlpi_addr;
        return 1; // the first object is the executable
      },
      &exe_base);
  for (std::size_t i = 0; i < n; ++i)
    std::fprintf(f, "%lld %lld\n",
                 static_cast<long long>(state->samples[i].latency_ns),
                 static_cast<long long>(state->samples[i].off_cpu_ns));
  const std::size_t n_slow = state->n_slow.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n_slow; ++i) {
    const slow_sample &s = state->slow[i];
    std::fprintf(f, "@ %lld", static_cast<long long>(s.latency_ns));
    for (int k = 0; k < s.depth; ++k) {
      Dl_info info;
      if (!dladdr(s.frames[k], &info) || !info.dli_fbase) {
        std::fprintf(f, " ?:%p", s.frames[k]);
        continue;
      }
      const auto base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
      std::fprintf(f, " %s:%lx", base == exe_base ? exe : info.dli_fname,
                   static_cast<unsigned long>(
                       reinterpret_cast<std::uintptr_t>(s.frames[k]) - base));
    }
    std::fputc('\n', f);
  }
  std::fclose(f);
}

struct start_args {
  void *(*fn)(void *);
  void *arg;
};

void *enrolled_start(void *p) {
  const start_args a = *static_cast<start_args *>(p);
  delete static_cast<start_args *>(p);
  enroll();
  return a.fn(a.arg);
}

__attribute__((constructor)) void start_probe() {
  const char *out = std::getenv("SAFEPOINT_BENCH_PROBE");
  if (!out || !*out)
    return;
  auto *s = new probe_state; // never freed: threads may outlive exit()
  s->out = out;
  s->pid = getpid();
  s->samples.resize(1 << 18);
  s->slow.resize(1 << 12);
  void *warm[1];
  backtrace(warm, 1); // loads the unwinder now, not in a handshake
  state = s;
  enroll(); // the main thread (constructors run on it)
  if (real_create()(&s->prober, nullptr, probe_loop, nullptr) != 0) {
    state = nullptr;
    return;
  }
  // Registered after the runtime's first use above, so it runs before the
  // runtime's own static destructors.
  std::atexit(write_samples);
}

} // namespace

/// Every thread the program starts is enrolled first (when probing).
extern "C" int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                              void *(*fn)(void *), void *arg) {
  if (!state)
    return real_create()(thread, attr, fn, arg);
  auto *a = new start_args{fn, arg};
  const int rc = real_create()(thread, attr, enrolled_start, a);
  if (rc != 0)
    delete a;
  return rc;
}
