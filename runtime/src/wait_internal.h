//===- wait_internal.h - Waker registry shared by runtime.cpp and wait.cpp
//-===//
//
// Not installed. The thread record (runtime.cpp) owns, per registered thread:
//
//  - park: a futex word that every interrupt() increments after it has
//    queued its exception and set the pending word. A runtime wait reads it
//    (after registering a waker), checks for a deliverable interrupt, then
//    sleeps with futex/futex_waitv expecting the value it read: an interrupt
//    that lands after the read changes the word and the sleep does not start
//    or is woken. No wake-up is lost, and no reset is needed.
//  - waker: a slot holding at most one waker_node while the owner waits.
//    interrupt() (after the park increment, seq_cst) takes the node out of
//    the slot with exchange(nullptr) and calls it once; then stores
//    node->done. The owner unregisters with exchange(nullptr): if the slot was
//    already empty, a sender is calling (or has called) the node and the
//    owner spins until done (a few instructions plus one syscall). Senders
//    never wait for anything. The park waker (wake_park) is the exception:
//    the sender stores done first and then wakes the park word, so the
//    owner never waits for it.
//
//===----------------------------------------------------------------------===//
#ifndef SAFEPOINT_SRC_WAIT_INTERNAL_H
#define SAFEPOINT_SRC_WAIT_INTERNAL_H

#include "safepoint/wait.hpp" // detail::waker_node

#include <atomic>
#include <cstdint>

namespace safepoint::detail {

/// The calling thread's park word, or nullptr if the thread is not
/// registered (no handle to it exists, so nothing can interrupt it).
std::atomic<uint32_t> *park_word() noexcept;

/// True iff a poll now would throw: the thread is registered, delivery is
/// not deferred and an interrupt is queued. seq_cst with interrupt().
bool interrupt_deliverable() noexcept;

/// Runs the handshakes at the head of the calling thread's queue and drops
/// withdrawn interrupts there, stopping at the first exception to throw.
/// Returns true iff one is deliverable. For waits: a wait woken by a
/// handshake runs it and goes on waiting.
bool run_actions() noexcept;

/// What a poll at \p site does: runs handshakes and handlers, throws the
/// oldest deliverable interrupt, or returns if nothing is to be thrown.
void deliver_at(void *site);

/// True iff delivery is deferred now (masks, unwinding, catch handler).
bool delivery_deferred_now() noexcept;

/// True iff the calling thread is registered and has no waker registered:
/// waits do not nest (a wait inside a wait_scope's loop is a plain wait).
bool can_register_waker() noexcept;

/// Registers \p n as the calling thread's waker. Precondition:
/// can_register_waker().
void register_waker(waker_node *n) noexcept;

/// Unregisters \p n. Returns true iff a sender called it (the call has then
/// completed).
bool unregister_waker(waker_node *n) noexcept;

/// The waker of the futex waits that sleep on the park word (futex_wait):
/// a marker, never called. interrupt() recognizes it, marks the node done
/// and only then futex-wakes the park word, which is the thread record's own
/// and outlives the node: the woken waiter never waits for the sender to
/// come back from its FUTEX_WAKE (with other wakers, which use their node,
/// it may). A late wake reaching a later wait is a spurious wake-up.
void wake_park(waker_node *) noexcept;

/// Number of interrupts thrown on this thread so far.
uint64_t interrupts_delivered() noexcept;

// wait.cpp
void futex_wake(const void *word, int n, bool shared) noexcept;
int64_t monotonic_ns() noexcept;

// io.cpp
/// ::poll() on \p fds plus the calling thread's wake-up eventfd, until the
/// deadline. Returns poll's count for \p fds (revents filled in), or -1 with
/// errno. Sets \p interrupted iff an interrupt is deliverable afterwards.
/// If one is deliverable before the wait, only checks readiness (timeout 0).
int poll_interruptible(struct pollfd *fds, unsigned long n,
                       deadline_ns deadline, bool &interrupted) noexcept;

} // namespace safepoint::detail

#endif
