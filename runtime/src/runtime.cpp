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

#include "safepoint/abi.h"
#include "safepoint/safepoint.hpp"
#include "safepoint/wait.hpp"
#include "wait_internal.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cxxabi.h>
#include <exception>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <signal.h>
#include <stdexcept>
#include <system_error>
#include <thread>
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

struct interrupt_node {
  explicit interrupt_node(std::exception_ptr e) noexcept
      : exception(std::move(e)) {}
  std::exception_ptr exception;
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

  // Owner-only, oldest first.
  interrupt_node *fifo_head = nullptr;
  interrupt_node *fifo_tail = nullptr;
};

struct handle_access {
  static handle make(std::shared_ptr<thread_record> r) noexcept {
    return handle(std::move(r));
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

} // namespace

extern "C" void __safepoint_poll_slow() {
  if (t_registration != registration::bound || delivery_deferred())
    return; // pending stays set: a later poll retries
  thread_record &r = *t_record;
  if (!r.fifo_head)
    take_inbox(r);
  interrupt_node *n = r.fifo_head;
  if (!n) { // the word was set by a sender whose push we already took
    clear_pending(r);
    return;
  }
  r.fifo_head = n->next;
  if (!r.fifo_head) {
    r.fifo_tail = nullptr;
    clear_pending(r);
  }
  std::exception_ptr e = std::move(n->exception);
  delete n;
  ++t_delivered;
  std::rethrow_exception(std::move(e));
}

extern "C" void __safepoint_poll_marker(uint32_t /*kind*/) {
  if (pending_word().load(std::memory_order_relaxed) != 0)
    __safepoint_poll_slow();
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
  return record_ &&
         (record_->state.load(std::memory_order_acquire) &
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

bool interrupt(const handle &target, std::exception_ptr e) {
  if (!target)
    throw std::invalid_argument("safepoint::interrupt: empty handle");
  if (!e)
    throw std::invalid_argument("safepoint::interrupt: null exception_ptr");
  thread_record &r = *handle_access::record(target);
  auto node = std::make_unique<interrupt_node>(std::move(e));

  if (r.state.fetch_add(1, seq_cst) & thread_record::dead_bit) {
    r.state.fetch_sub(1, std::memory_order_release);
    return false;
  }
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
      w->wake(w);
      w->done.store(1, std::memory_order_release);
    }
  if (int sig = g_wake_signal.load(std::memory_order_relaxed); sig && word)
    pthread_kill(r.native, sig); // the owner cannot exit before we return
  r.state.fetch_sub(1, std::memory_order_release);
  return true;
}

bool terminate(const handle &target) {
  if (!target)
    throw std::invalid_argument("safepoint::terminate: empty handle");
  return interrupt(target, std::make_exception_ptr(thread_exit{}));
}

void poll() {
  if (pending_word().load(std::memory_order_relaxed) != 0)
    __safepoint_poll_slow();
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
