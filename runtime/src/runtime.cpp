//===- runtime.cpp - The Safepoint runtime --------------------------------===//
//
// Per-thread state lives in a thread_record shared by the thread and every
// handle to it:
//
//  - inbox: a lock-free Treiber stack of interrupt nodes. Senders CAS-push;
//    the owner takes the whole stack with exchange(nullptr) and appends it,
//    reversed, to an owner-only FIFO, so delivery order is push order. There
//    is no single-node pop, hence no ABA.
//  - pending_word: the owner's TLS __safepoint_pending, once bound. Senders
//    store 1 into it after pushing; the owner clears it when its FIFO is
//    empty and re-checks the inbox (Dekker-style, all seq_cst), so a pending
//    interrupt is never left without the word set.
//  - state: DEAD bit | number of senders inside the send protocol. A sender
//    increments it before touching the record and gives up if DEAD is set;
//    the exiting owner sets DEAD and waits for the count to drain. After that
//    no sender can write the owner's TLS word, so it may go away. Only the
//    exiting thread ever waits; senders never do.
//
// This file is not instrumented by the compiler plugin: nothing here polls
// except __safepoint_poll_slow/__safepoint_poll_marker and safepoint::poll.
//
//===----------------------------------------------------------------------===//

#include "request.h"
#include "safepoint/abi.h"
#include "safepoint/handshake.hpp"
#include "safepoint/safepoint.hpp"
#include "safepoint/wait.hpp"
#include "wait_internal.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <dlfcn.h>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/syscall.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>

//===----------------------------------------------------------------------===//
// ABI symbols (names from abi.def)
//===----------------------------------------------------------------------===//

namespace {
// The value of every SAFEPOINT_ABI_DATA entry, by Id: a new entry in abi.def
// fails to compile here until it is given a value.
namespace abi_data_value {
constexpr uint32_t AbiVersion = SAFEPOINT_ABI_VERSION;
} // namespace abi_data_value
} // namespace

extern "C" {
#define SAFEPOINT_ABI_TLS(Id, Name)                                            \
  __thread uint32_t Name __attribute__((tls_model("initial-exec"))) = 0;
#define SAFEPOINT_ABI_DATA(Id, Name)                                           \
  [[gnu::used]] const uint32_t Name = abi_data_value::Id;
#include "safepoint/abi.def"
}

namespace {
// Every SAFEPOINT_ABI_FUNC entry must be declared in abi.h and defined below:
// taking their addresses here makes a missing definition a link error of the
// shared runtime (linked with --no-undefined).
#define SAFEPOINT_ABI_FUNC(Id, Name) reinterpret_cast<void (*)()>(&::Name),
[[gnu::used]] void (*const abi_functions[])() = {
#include "safepoint/abi.def"
};
} // namespace

namespace safepoint::detail {

/// One queued item: an exception to throw, or (run_on) an action to run.
struct interrupt_node {
  interrupt_node(std::exception_ptr e, std::function<void()> a,
                 std::shared_ptr<request_state> r) noexcept
      : exception(std::move(e)), action(std::move(a)), request(std::move(r)) {}
  interrupt_node(const interrupt_node &) = delete;
  interrupt_node &operator=(const interrupt_node &) = delete;
  /// Dies undelivered (thread exit, dead target): tell the receipt.
  ~interrupt_node() {
    if (request)
      request->finish(delivery_status::dropped);
  }
  std::exception_ptr exception;
  std::function<void()> action;
  std::shared_ptr<request_state> request;
  interrupt_node *next = nullptr;
};

namespace {
void destroy_list(interrupt_node *n) noexcept {
  while (n) {
    interrupt_node *next = n->next;
    delete n; // may run the exception's destructor
    n = next;
  }
}
} // namespace

struct thread_record {
  static constexpr uint32_t dead_bit = uint32_t{1} << 31;

  thread_record() = default;
  thread_record(const thread_record &) = delete;
  thread_record &operator=(const thread_record &) = delete;
  ~thread_record() {
    destroy_list(inbox.load(std::memory_order_acquire));
    destroy_list(fifo_head);
  }

  std::atomic<interrupt_node *> inbox{nullptr}; // newest first
  std::atomic<uint32_t *> pending_word{nullptr};
  std::atomic<uint32_t> state{0}; // dead_bit | active sender count
  std::atomic<std::thread::id> id{};
  // Interruptible waits (wait_internal.h): bumped by every interrupt().
  std::atomic<uint32_t> park{0};
  std::atomic<waker_node *> waker{nullptr};
  pthread_t native{}; // set by bind(), for signal wake-up
  // Items queued and not yet taken (senders add, the owner subtracts).
  std::atomic<uint32_t> queued{0};
  // For explain(): the owner's kernel thread id and its deferral words,
  // read by others only inside the send protocol (the owner cannot exit).
  std::atomic<pid_t> tid{0};
  const uint32_t *mask_depth_word = nullptr;
  const unsigned *explicit_mask_word = nullptr;
  const void *eh_globals = nullptr;

  // Owner-only, oldest first.
  interrupt_node *fifo_head = nullptr;
  interrupt_node *fifo_tail = nullptr;
};

struct handle_access {
  static handle make(std::shared_ptr<thread_record> r) noexcept {
    return handle(std::move(r));
  }
  static delivery make_delivery(std::shared_ptr<request_state> s) noexcept {
    return delivery(std::move(s));
  }
  static thread_record *record(const handle &h) noexcept {
    return h.record_.get();
  }
  static const std::shared_ptr<thread_record> &
  shared(const handle &h) noexcept {
    return h.record_;
  }
};

} // namespace safepoint::detail

namespace {

using safepoint::detail::destroy_list;
using safepoint::detail::handle_access;
using safepoint::detail::interrupt_node;
using safepoint::detail::thread_record;
using safepoint::detail::waker_node;

constexpr auto seq_cst = std::memory_order_seq_cst;

std::atomic_ref<uint32_t> pending_word() noexcept {
  return std::atomic_ref<uint32_t>(__safepoint_pending);
}

//===----------------------------------------------------------------------===//
// Thread-local registration
//===----------------------------------------------------------------------===//

enum class registration : unsigned char {
  none,    // never registered
  bound,   // t_record is this thread's record and receives interrupts
  retired, // exit protocol done; the guard still holds the record
  gone     // the guard was destroyed (late in thread exit)
};

__thread registration t_registration;
__thread thread_record *t_record;
__thread unsigned t_explicit_mask; // no_interrupts depth
__thread uint64_t t_delivered;     // interrupts thrown by this thread

// Signal sent by interrupt() to wake uninstrumented blocking system calls
// (enable_signal_wakeup); 0 while disabled.
std::atomic<int> g_wake_signal{0};

/// Runs the exit protocol when the thread exits (destroyed with the thread's
/// other thread_local objects) and owns the thread's reference to its record.
struct exit_guard {
  std::shared_ptr<thread_record> record;
  ~exit_guard();
};

exit_guard &guard() {
  static thread_local exit_guard g;
  return g;
}

/// Marks \p r dead and waits until no sender is inside the send protocol.
void close_record(thread_record &r) noexcept {
  r.state.fetch_or(thread_record::dead_bit, seq_cst);
  while ((r.state.load(std::memory_order_acquire) & ~thread_record::dead_bit) !=
         0)
    std::this_thread::yield();
}

/// Destroys every interrupt still queued on \p r. Only after close_record,
/// by the owner (or by anyone if the record was never bound).
void drop_queued(thread_record &r) noexcept {
  destroy_list(r.inbox.exchange(nullptr, std::memory_order_acquire));
  destroy_list(std::exchange(r.fifo_head, nullptr));
  r.fifo_tail = nullptr;
}

/// Makes \p rec the calling thread's record and publishes its pending word.
void bind(std::shared_ptr<thread_record> rec) {
  exit_guard &g = guard();
  rec->id.store(std::this_thread::get_id(), std::memory_order_relaxed);
  rec->native = pthread_self();
  rec->mask_depth_word = &__safepoint_mask_depth;
  rec->explicit_mask_word = &t_explicit_mask;
  rec->eh_globals = abi::__cxa_get_globals();
  rec->tid.store(pid_t(::syscall(SYS_gettid)), std::memory_order_relaxed);
  t_record = rec.get();
  g.record = std::move(rec);
  t_registration = registration::bound;
  // Dekker with interrupt(): publish the word, then look at the inbox; a
  // sender pushes, then looks at the word. One of us sees the other.
  t_record->pending_word.store(&__safepoint_pending, seq_cst);
  if (t_record->inbox.load(seq_cst) != nullptr)
    pending_word().store(1, seq_cst);
}

/// The exit protocol for the calling thread. Idempotent.
void retire_current_thread() noexcept {
  if (t_registration != registration::bound)
    return;
  thread_record &r = *t_record;
  t_registration = registration::retired;
  close_record(r);
  r.pending_word.store(nullptr, std::memory_order_relaxed);
  pending_word().store(0, std::memory_order_relaxed);
  drop_queued(r);
}

exit_guard::~exit_guard() {
  retire_current_thread();
  t_registration = registration::gone;
  t_record = nullptr;
}

//===----------------------------------------------------------------------===//
// Delivery (owner side)
//===----------------------------------------------------------------------===//

bool delivery_deferred() noexcept {
  return __safepoint_mask_depth != 0 || t_explicit_mask != 0 ||
         std::uncaught_exceptions() > 0 ||
         abi::__cxa_current_exception_type() != nullptr;
}

/// Moves the inbox to the end of the owner's FIFO, restoring push order.
void take_inbox(thread_record &r) noexcept {
  interrupt_node *stack = r.inbox.exchange(nullptr, std::memory_order_acquire);
  interrupt_node *newest = stack;
  interrupt_node *oldest_first = nullptr;
  while (stack) {
    interrupt_node *next = stack->next;
    stack->next = oldest_first;
    oldest_first = stack;
    stack = next;
  }
  if (!oldest_first)
    return;
  if (r.fifo_tail)
    r.fifo_tail->next = oldest_first;
  else
    r.fifo_head = oldest_first;
  r.fifo_tail = newest;
}

/// Clears the pending word once the FIFO is empty. Dekker with interrupt():
/// a sender pushes, then sets the word; we clear the word, then look at the
/// inbox. A push we miss here is followed by the sender's store of 1.
void clear_pending(thread_record &r) noexcept {
  pending_word().store(0, seq_cst);
  if (r.inbox.load(seq_cst) != nullptr)
    pending_word().store(1, seq_cst);
}

//===----------------------------------------------------------------------===//
// Delivery-site recording (debug option)
//===----------------------------------------------------------------------===//

std::atomic<bool> g_record_sites{false};
bool g_print_sites = false;
thread_local std::string t_last_site;

[[gnu::constructor]] void read_debug_environment() {
  if (const char *v = std::getenv("SAFEPOINT_DEBUG");
      v && std::strstr(v, "sites")) {
    g_print_sites = true;
    g_record_sites.store(true, std::memory_order_relaxed);
  }
}

std::string demangle(const char *name) {
  int status = 0;
  char *d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && d ? d : name;
  std::free(d);
  return out;
}

/// "function+0xoff (module+0xoff)" for a return address.
std::string describe_site(void *ra) {
  if (!ra)
    return "an interruptible wait";
  // The call instruction is just before the return address.
  auto pc = reinterpret_cast<uintptr_t>(ra) - 1;
  Dl_info info{};
  char buf[64];
  std::string out;
  if (dladdr(reinterpret_cast<void *>(pc), &info) && info.dli_fname) {
    if (info.dli_sname) {
      std::snprintf(buf, sizeof buf, "+0x%zx",
                    size_t(pc - reinterpret_cast<uintptr_t>(info.dli_saddr)));
      out = demangle(info.dli_sname) + buf + " ";
    }
    std::snprintf(buf, sizeof buf, "+0x%zx",
                  size_t(pc - reinterpret_cast<uintptr_t>(info.dli_fbase)));
    out += std::string("(") + info.dli_fname + buf + ")";
  } else {
    std::snprintf(buf, sizeof buf, "0x%zx", size_t(pc));
    out = buf;
  }
  return out;
}

void record_site(void *ra, const std::exception_ptr &e,
                 safepoint::detail::request_state *req) {
  if (!g_record_sites.load(std::memory_order_relaxed))
    return;
  try {
    t_last_site = describe_site(ra);
    if (req)
      req->site = t_last_site;
    if (g_print_sites) {
      const std::type_info *t = e.__cxa_exception_type();
      std::fprintf(stderr, "safepoint: delivered %s at %s\n",
                   t ? demangle(t->name()).c_str() : "?", t_last_site.c_str());
    }
  } catch (...) { // bad_alloc: a debug aid, never a reason to fail delivery
  }
}

//===----------------------------------------------------------------------===//
// Handlers run at the interrupt point (safepoint/handshake.hpp)
//===----------------------------------------------------------------------===//

__thread safepoint::detail::interrupt_handler_base *t_handlers;

/// Offers \p e to the calling thread's handlers, innermost first. Returns
/// true if one resumed; returns false to throw \p e; lets a handler's own
/// exception (a transformed interrupt, or `throw;`) propagate.
bool run_handlers(const std::exception_ptr &e) {
  using verdict = safepoint::detail::interrupt_handler_base::verdict;
  for (auto *h = t_handlers; h; h = h->outer_)
    switch (h->invoke(e)) {
    case verdict::no_match:
      continue;
    case verdict::resume:
      return true;
    case verdict::propagate:
      return false;
    }
  return false;
}

/// Runs a handshake (run_on) with delivery deferred: it is not interrupted
/// and cannot throw past the poll.
void run_action(std::function<void()> &action) noexcept {
  ++__safepoint_mask_depth;
  try {
    action();
  } catch (...) { // actions capture their exceptions (std::packaged_task)
  }
  --__safepoint_mask_depth;
}

/// Takes the oldest item off the calling thread's queue; nullptr if none.
interrupt_node *take_oldest(thread_record &r) noexcept {
  if (!r.fifo_head)
    take_inbox(r);
  interrupt_node *n = r.fifo_head;
  if (!n) { // the word was set by a sender whose push we already took
    clear_pending(r);
    return nullptr;
  }
  r.fifo_head = n->next;
  if (!r.fifo_head) {
    r.fifo_tail = nullptr;
    clear_pending(r);
  }
  r.queued.fetch_sub(1, std::memory_order_relaxed);
  return n;
}

/// What one step of the delivery loop found.
enum class step : unsigned char {
  done,        // nothing to throw now: return false
  deliverable, // (may_throw false) an exception is next: return true
  again,       // ran a handshake or skipped an interrupt: look again
  raise        // throw the exception moved to the caller's slot
};

/// Bookkeeping for an exception that leaves the poll (the interrupt's own or
/// a handler's): marks the request, if any, delivered and counts it.
[[gnu::always_inline]] inline void
mark_delivered(safepoint::detail::request_state *req) noexcept {
  if (req)
    req->transition(safepoint::detail::request_state::delivering,
                    safepoint::delivery_status::delivered);
  ++t_delivered;
}

/// One step of the delivery loop: takes the oldest queued item, runs it if
/// it is a handshake, skips it if withdrawn, offers an exception to the
/// handlers. For an exception to throw it does all the bookkeeping (receipt,
/// counter, debug site), frees the node and moves the exception to \p out.
/// A handler's own exception propagates from here (a rare path).
step deliver_step(void *site, bool may_throw, std::exception_ptr &out) {
  using safepoint::detail::request_state;
  if (t_registration != registration::bound || delivery_deferred())
    return step::done;
  thread_record &r = *t_record;
  if (!may_throw) {
    if (!r.fifo_head)
      take_inbox(r);
    interrupt_node *head = r.fifo_head;
    if (!head) {
      clear_pending(r);
      return step::done;
    }
    if (!head->action &&
        !(head->request && request_state::is_final(head->request->status.load(
                               std::memory_order_acquire))))
      return step::deliverable; // an exception to throw: leave it to a poll
  }
  std::unique_ptr<interrupt_node> n(take_oldest(r));
  if (!n)
    return step::done;
  if (n->action) {
    run_action(n->action);
    return step::again;
  }
  std::shared_ptr<request_state> req = std::move(n->request);
  int queued = int(safepoint::delivery_status::queued);
  if (req && !req->status.compare_exchange_strong(
                 queued, request_state::delivering, std::memory_order_acq_rel))
    return step::again; // withdrawn by cancel()
  out = std::move(n->exception);
  n.reset();
  record_site(site, out, req.get());
  if (t_handlers) {
    bool resumed;
    try {
      resumed = run_handlers(out);
    } catch (...) { // transformed (or rethrown) by a handler
      out = nullptr;
      mark_delivered(req.get());
      throw;
    }
    if (resumed) {
      out = nullptr;
      if (req)
        req->transition(request_state::delivering,
                        safepoint::delivery_status::handled);
      return step::again;
    }
  }
  mark_delivered(req.get());
  return step::raise;
}

/// Steps until a step is not `again`: handshakes run, withdrawn interrupts
/// skipped. Shared by deliver() and the split slow path's check.
///
/// A poll that returns is invisible to the program, errno included: a
/// handshake or a handler that resumes may set errno (printf does), and a
/// poll may sit between a failed call and the code that reads errno.
[[gnu::always_inline]] inline step next_step(void *site, bool may_throw,
                                             std::exception_ptr &out) {
  const int caller_errno = errno;
  step s;
  while ((s = deliver_step(site, may_throw, out)) == step::again) {
  }
  errno = caller_errno;
  return s;
}

/// The delivery loop of every poll. Runs queued handshakes, skips withdrawn
/// interrupts, offers the oldest exception to the handlers and throws it.
/// Returns normally if nothing is to be thrown now. With \p may_throw false
/// (noexcept callers: the blocking-call wrappers, the wait loops) it stops
/// before the first exception and returns whether one is deliverable.
///
/// Inlined into each entry point, with all bookkeeping done in
/// deliver_step, whose frame is gone before the throw: the unwinder passes
/// one runtime frame with one cleanup (the exception_ptr handed to
/// std::rethrow_exception). Each cleanup costs a landing pad and an
/// _Unwind_Resume; with the loop's locals alive across the throw, a poll's
/// throw ran 42.7k instructions against 19.0k now (docs/performance.md).
[[gnu::always_inline]] inline bool deliver(void *site, bool may_throw) {
  std::exception_ptr e;
  switch (next_step(site, may_throw, e)) {
  case step::done:
  case step::again: // not returned by next_step
    return false;
  case step::deliverable:
    return true;
  case step::raise:
    break;
  }
  std::rethrow_exception(std::move(e));
}

} // namespace

extern "C" void __safepoint_poll_slow() {
  deliver(__builtin_return_address(0), true);
}

extern "C" SAFEPOINT_PRESERVE_MOST void __safepoint_poll_slow_preserve() {
  deliver(__builtin_return_address(0), true);
}

namespace {
/// What __safepoint_poll_check_preserve took for __safepoint_poll_raise to
/// throw: set and cleared between the two calls of one poll.
thread_local std::exception_ptr t_armed;

/// Ends the process after a misuse of the split slow path (docs/abi.md).
[[noreturn]] void split_slow_path_misuse(const char *what) noexcept {
  std::fprintf(stderr, "safepoint: %s (docs/abi.md)\n", what);
  std::abort();
}
} // namespace

extern "C" SAFEPOINT_PRESERVE_MOST int
__safepoint_poll_check_preserve() noexcept {
  try {
    std::exception_ptr e;
    if (next_step(__builtin_return_address(0), true, e) != step::raise)
      return 0;
    t_armed = std::move(e);
  } catch (...) { // a handler's own exception: thrown from the poll too
    t_armed = std::current_exception();
    if (!t_armed) // not a C++ exception: nothing to hand to the raise
      split_slow_path_misuse(
          "an interrupt handler run at a poll ended with a foreign exception "
          "(e.g. pthread_cancel's forced unwind), which the split slow path "
          "cannot carry");
  }
  return 1;
}

extern "C" void __safepoint_poll_raise() {
  if (!t_armed)
    split_slow_path_misuse("__safepoint_poll_raise called without an "
                           "exception taken by "
                           "__safepoint_poll_check_preserve");
  std::rethrow_exception(std::exchange(t_armed, nullptr));
}

extern "C" void __safepoint_poll_marker(uint32_t /*kind*/) {
  if (pending_word().load(std::memory_order_relaxed) != 0)
    deliver(__builtin_return_address(0), true);
}

extern "C" void __safepoint_mask_marker() noexcept {}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

namespace safepoint {

thread_terminated::thread_terminated()
    : std::runtime_error("safepoint::thread was ended by terminate()") {}

thread_terminated::~thread_terminated() = default;

bool handle::alive() const noexcept {
  return record_ && (record_->state.load(std::memory_order_acquire) &
                     detail::thread_record::dead_bit) == 0;
}

std::thread::id handle::id() const noexcept {
  return record_ ? record_->id.load(std::memory_order_relaxed)
                 : std::thread::id();
}

handle this_thread::handle() {
  switch (t_registration) {
  case registration::none: {
    auto rec = std::make_shared<thread_record>();
    bind(rec);
    return handle_access::make(std::move(rec));
  }
  case registration::bound:
  case registration::retired:
    return handle_access::make(guard().record);
  case registration::gone:
    break;
  }
  // Too late in thread exit to register again: a record that is not alive.
  auto rec = std::make_shared<thread_record>();
  rec->id.store(std::this_thread::get_id(), std::memory_order_relaxed);
  rec->state.store(thread_record::dead_bit, std::memory_order_relaxed);
  return handle_access::make(std::move(rec));
}

namespace detail {

bool post(const handle &target, std::exception_ptr e,
          std::function<void()> action, std::shared_ptr<request_state> req) {
  thread_record &r = *handle_access::record(target);
  if (req) {
    int scheduled = int(delivery_status::scheduled);
    // An alarm firing: only if not cancelled meanwhile.
    if (!req->status.compare_exchange_strong(scheduled,
                                             int(delivery_status::queued)) &&
        scheduled != int(delivery_status::queued))
      return false;
  }
  // On any failure below the node's destructor marks the receipt dropped.
  auto node = std::make_unique<interrupt_node>(std::move(e), std::move(action),
                                               std::move(req));
  if (r.state.fetch_add(1, seq_cst) & thread_record::dead_bit) {
    r.state.fetch_sub(1, std::memory_order_release);
    return false;
  }
  r.queued.fetch_add(1, std::memory_order_relaxed);
  interrupt_node *n = node.release();
  n->next = r.inbox.load(std::memory_order_relaxed);
  while (!r.inbox.compare_exchange_weak(n->next, n, seq_cst,
                                        std::memory_order_relaxed)) {
  }
  uint32_t *word = r.pending_word.load(seq_cst);
  if (word)
    std::atomic_ref<uint32_t>(*word).store(1, seq_cst);
  // Wake the target if it is in an interruptible wait (wait_internal.h).
  r.park.fetch_add(1, seq_cst);
  if (r.waker.load(seq_cst) != nullptr)
    if (waker_node *w = r.waker.exchange(nullptr, seq_cst)) {
      if (w->wake == &safepoint::detail::wake_park) {
        // The waiter sleeps on r.park, not on anything in the node: release
        // the node first, so that the woken waiter does not wait for us.
        w->done.store(1, std::memory_order_release);
        safepoint::detail::futex_wake(&r.park, INT_MAX, false);
      } else {
        w->wake(w);
        w->done.store(1, std::memory_order_release);
      }
    }
  if (int sig = g_wake_signal.load(std::memory_order_relaxed); sig && word)
    pthread_kill(r.native, sig); // the owner cannot exit before we return
  r.state.fetch_sub(1, std::memory_order_release);
  return true;
}

delivery make_delivery(std::shared_ptr<request_state> s) noexcept {
  return handle_access::make_delivery(std::move(s));
}

bool post_action(const handle &target, std::function<void()> action) {
  return post(target, nullptr, std::move(action), nullptr);
}

interrupt_handler_base::interrupt_handler_base() noexcept : outer_(t_handlers) {
  t_handlers = this;
}

interrupt_handler_base::~interrupt_handler_base() { t_handlers = outer_; }

} // namespace detail

namespace {
void check_target(const handle &target, const char *what) {
  if (!target)
    throw std::invalid_argument(std::string(what) + ": empty handle");
}
void check_exception(const std::exception_ptr &e, const char *what) {
  if (!e)
    throw std::invalid_argument(std::string(what) + ": null exception_ptr");
}
} // namespace

bool interrupt(const handle &target, std::exception_ptr e) {
  check_target(target, "safepoint::interrupt");
  check_exception(e, "safepoint::interrupt");
  return detail::post(target, std::move(e), {}, nullptr);
}

delivery interrupt(const handle &target, std::exception_ptr e, track_t) {
  check_target(target, "safepoint::interrupt");
  check_exception(e, "safepoint::interrupt");
  auto req =
      std::make_shared<detail::request_state>(target, delivery_status::queued);
  detail::post(target, std::move(e), {}, req);
  return handle_access::make_delivery(std::move(req));
}

//===----------------------------------------------------------------------===//
// delivery
//===----------------------------------------------------------------------===//

delivery_status delivery::status() const noexcept {
  if (!state_)
    return delivery_status::dropped;
  int s = state_->status.load(std::memory_order_acquire);
  return s == detail::request_state::delivering ? delivery_status::queued
                                                : delivery_status(s);
}

bool delivery::done() const noexcept {
  return !state_ || detail::request_state::is_final(
                        state_->status.load(std::memory_order_acquire));
}

delivery_status delivery::wait() const { return wait_ns(detail::no_deadline); }

delivery_status delivery::wait_ns(int64_t deadline) const {
  if (!state_)
    return delivery_status::dropped;
  detail::request_state &r = *state_;
  std::unique_lock lock(r.mutex);
  auto final = [&] {
    return detail::request_state::is_final(
        r.status.load(std::memory_order_acquire));
  };
  if (deadline == detail::no_deadline)
    ::safepoint::wait(r.cv, lock, final);
  else
    ::safepoint::wait_until(r.cv, lock,
                            std::chrono::steady_clock::time_point(
                                std::chrono::nanoseconds(deadline)),
                            final);
  return status();
}

bool delivery::cancel() noexcept {
  if (!state_)
    return false;
  detail::request_state &r = *state_;
  int s = r.status.load(std::memory_order_acquire);
  while (s == int(delivery_status::scheduled) ||
         s == int(delivery_status::queued)) {
    if (r.transition(s, delivery_status::cancelled)) {
      if (s == int(delivery_status::scheduled) && r.cancel_timer)
        r.cancel_timer();
      return true;
    }
    s = r.status.load(std::memory_order_acquire);
  }
  return false;
}

thread_report delivery::explain() const {
  return state_ ? ::safepoint::explain(state_->target) : thread_report{};
}

handle delivery::target() const { return state_ ? state_->target : handle(); }

std::string delivery::site() const {
  if (!state_ || !done())
    return {};
  std::lock_guard lock(state_->mutex);
  return state_->site;
}

void debug::record_delivery_sites(bool on) noexcept {
  g_record_sites.store(on, std::memory_order_relaxed);
}

std::string this_thread::last_delivery_site() { return t_last_site; }

//===----------------------------------------------------------------------===//
// explain()
//===----------------------------------------------------------------------===//

namespace {

/// Reads a word of another thread's TLS. A diagnostic snapshot: the owner
/// writes it with plain stores, so this is a benign race by design.
__attribute__((no_sanitize("thread"))) unsigned
peek(const unsigned *word) noexcept {
  return word ? *static_cast<const volatile unsigned *>(word) : 0;
}

/// The Itanium C++ ABI's per-thread exception globals.
struct eh_globals_layout {
  void *caught_exceptions;
  unsigned int uncaught_exceptions;
};

__attribute__((no_sanitize("thread"))) void
peek_eh(const void *globals, bool &caught, bool &unwinding) noexcept {
  auto *g = static_cast<const volatile eh_globals_layout *>(globals);
  caught = g && g->caught_exceptions != nullptr;
  unwinding = g && g->uncaught_exceptions != 0;
}

const char *syscall_name(long nr) noexcept {
#if defined(__x86_64__)
  switch (nr) {
  case 0:
    return "read";
  case 1:
    return "write";
  case 7:
    return "poll";
  case 23:
    return "select";
  case 34:
    return "pause";
  case 35:
    return "nanosleep";
  case 42:
    return "connect";
  case 43:
    return "accept";
  case 44:
    return "sendto";
  case 45:
    return "recvfrom";
  case 46:
    return "sendmsg";
  case 47:
    return "recvmsg";
  case 61:
    return "wait4";
  case 202:
    return "futex";
  case 230:
    return "clock_nanosleep";
  case 232:
    return "epoll_wait";
  case 270:
    return "pselect6";
  case 271:
    return "ppoll";
  case 281:
    return "epoll_pwait";
  case 288:
    return "accept4";
  case 449:
    return "futex_waitv";
  }
#endif
  (void)nr;
  return nullptr;
}

/// Kernel view of thread \p tid of this process: its scheduler state and,
/// if it is blocked, the system call number.
void read_proc(pid_t tid, char &state, long &nr) {
  state = '?';
  nr = -1;
  std::string dir = "/proc/self/task/" + std::to_string(tid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // "tid (comm) S ...": comm may contain spaces and parentheses.
    if (auto p = line.rfind(')'); p != std::string::npos && p + 2 < line.size())
      state = line[p + 2];
  }
  std::ifstream sc(dir + "/syscall");
  std::string first;
  if (sc >> first && first != "running")
    nr = std::strtol(first.c_str(), nullptr, 10);
}

} // namespace

thread_report explain(const handle &target) {
  thread_report rep;
  if (!target)
    return rep;
  thread_record &r = *handle_access::record(target);
  // Enter the send protocol: while counted, the owner cannot retire, so its
  // TLS words stay valid.
  if (r.state.fetch_add(1, seq_cst) & thread_record::dead_bit) {
    r.state.fetch_sub(1, std::memory_order_release);
    return rep;
  }
  rep.alive = true;
  rep.queued = r.queued.load(std::memory_order_relaxed);
  bool bound = r.pending_word.load(seq_cst) != nullptr;
  bool caught = false, unwinding = false;
  if (bound) {
    rep.mask_depth = peek(r.mask_depth_word);
    rep.no_interrupts_depth = peek(r.explicit_mask_word);
    peek_eh(r.eh_globals, caught, unwinding);
  }
  bool waiting = r.waker.load(seq_cst) != nullptr;
  pid_t tid = r.tid.load(std::memory_order_relaxed);
  r.state.fetch_sub(1, std::memory_order_release);

  if (tid != 0)
    read_proc(tid, rep.os_state, rep.syscall);
  if (rep.queued == 0)
    rep.reason = pending_reason::nothing_pending;
  else if (rep.mask_depth)
    rep.reason = pending_reason::masked;
  else if (rep.no_interrupts_depth)
    rep.reason = pending_reason::no_interrupts;
  else if (unwinding)
    rep.reason = pending_reason::unwinding;
  else if (caught)
    rep.reason = pending_reason::catch_handler;
  else if (waiting)
    rep.reason = pending_reason::waking;
  else if (rep.os_state == 'S' || rep.os_state == 'D')
    rep.reason = pending_reason::blocked;
  else
    rep.reason = pending_reason::running;
  return rep;
}

std::string thread_report::describe() const {
  std::ostringstream out;
  if (!alive)
    return "thread has exited";
  out << queued << " queued";
  switch (reason) {
  case pending_reason::nothing_pending:
    return "nothing queued";
  case pending_reason::exited:
    return "thread has exited";
  case pending_reason::masked:
    out << "; masked by the compiler (destructor, noexcept or "
           "[[no_interrupts]] function), depth "
        << mask_depth;
    break;
  case pending_reason::no_interrupts:
    out << "; inside safepoint::no_interrupts, depth " << no_interrupts_depth;
    break;
  case pending_reason::unwinding:
    out << "; unwinding another exception";
    break;
  case pending_reason::catch_handler:
    out << "; inside a catch handler";
    break;
  case pending_reason::waking:
    out << "; in an interruptible wait, being woken";
    break;
  case pending_reason::blocked:
    out << "; blocked in system call ";
    if (const char *n = syscall_name(syscall))
      out << n << " (" << syscall << ")";
    else
      out << syscall;
    out << ", which Safepoint does not cover (uninstrumented code, or a "
           "lock or wait it cannot redirect)";
    break;
  case pending_reason::running:
    out << "; running without reaching a poll (uninstrumented code, or "
           "between two polls)";
    break;
  }
  return out.str();
}

bool terminate(const handle &target) {
  if (!target)
    throw std::invalid_argument("safepoint::terminate: empty handle");
  return interrupt(target, std::make_exception_ptr(thread_exit{}));
}

void poll() {
  if (pending_word().load(std::memory_order_relaxed) != 0)
    deliver(__builtin_return_address(0), true);
}

bool interrupt_pending() noexcept {
  return t_registration == registration::bound &&
         (t_record->fifo_head != nullptr ||
          t_record->inbox.load(std::memory_order_acquire) != nullptr);
}

bool interrupts_deferred() noexcept { return delivery_deferred(); }

no_interrupts::no_interrupts() noexcept { ++t_explicit_mask; }
no_interrupts::~no_interrupts() { --t_explicit_mask; }

interrupts_enabled::interrupts_enabled() noexcept
    : saved_(std::exchange(t_explicit_mask, 0u)) {}
interrupts_enabled::~interrupts_enabled() { t_explicit_mask = saved_; }

bool is_waiting(const handle &target) noexcept {
  return target && handle_access::record(target)->waker.load(seq_cst);
}

namespace {
void wake_signal_handler(int) {}
} // namespace

void enable_signal_wakeup(int signo) {
  if (signo <= 0 || signo >= NSIG)
    throw std::invalid_argument("safepoint::enable_signal_wakeup: bad signal");
  struct sigaction sa {};
  sa.sa_handler = wake_signal_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; // no SA_RESTART: a blocked system call fails with EINTR
  if (sigaction(signo, &sa, nullptr) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "safepoint::enable_signal_wakeup");
  g_wake_signal.store(signo, std::memory_order_relaxed);
}

void disable_signal_wakeup() noexcept {
  g_wake_signal.store(0, std::memory_order_relaxed);
}

namespace detail {

std::atomic<uint32_t> *park_word() noexcept {
  return t_registration == registration::bound ? &t_record->park : nullptr;
}

bool delivery_deferred_now() noexcept { return delivery_deferred(); }

bool run_actions() noexcept { return deliver(nullptr, false); }

void deliver_at(void *site) { deliver(site, true); }

bool interrupt_deliverable() noexcept {
  return t_registration == registration::bound && !delivery_deferred() &&
         (t_record->fifo_head != nullptr ||
          t_record->inbox.load(seq_cst) != nullptr);
}

namespace {
__thread bool t_waker_registered; // waits do not nest
} // namespace

bool can_register_waker() noexcept {
  return t_registration == registration::bound && !t_waker_registered;
}

void register_waker(waker_node *n) noexcept {
  t_waker_registered = true;
  n->done.store(0, std::memory_order_relaxed);
  t_record->waker.store(n, seq_cst);
}

bool unregister_waker(waker_node *n) noexcept {
  t_waker_registered = false;
  if (t_record->waker.exchange(nullptr, seq_cst) == n)
    return false;
  // Taken by a sender: wait for its (short, non-blocking) call to finish.
  for (unsigned spins = 0; !n->done.load(std::memory_order_acquire); ++spins)
    if (spins > 64)
      std::this_thread::yield();
  return true;
}

uint64_t interrupts_delivered() noexcept { return t_delivered; }

} // namespace detail

//===----------------------------------------------------------------------===//
// safepoint::thread support
//===----------------------------------------------------------------------===//

namespace detail {

thread_state_base::thread_state_base()
    : target(handle_access::make(std::make_shared<thread_record>())) {}

thread_state_base::~thread_state_base() = default;

namespace {
void thread_main(std::shared_ptr<thread_state_base> state) noexcept {
  try {
    bind(handle_access::shared(state->target));
    state->run();
  } catch (const thread_exit &) {
    state->terminated = true;
  } catch (...) {
    state->error = std::current_exception();
  }
  retire_current_thread();
  {
    std::lock_guard lock(state->mutex);
    state->finished = true;
  }
  state->cv.notify_all();
}
} // namespace

std::thread start_thread(const std::shared_ptr<thread_state_base> &state) {
  try {
    std::thread t(thread_main, state);
    handle_access::record(state->target)
        ->id.store(t.get_id(), std::memory_order_relaxed);
    return t;
  } catch (...) {
    thread_record &r = *handle_access::record(state->target);
    close_record(r);
    drop_queued(r);
    throw;
  }
}

} // namespace detail
} // namespace safepoint
