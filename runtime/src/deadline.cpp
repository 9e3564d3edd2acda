//===- deadline.cpp - Alarms and deadline scopes --------------------------===//
//
// One timer thread, started on first use, owns an ordered map of alarms
// (deadline -> target, exception, receipt). Scheduling and cancelling are
// O(log n) under its mutex; the thread sleeps until the earliest deadline,
// then posts each due alarm as a tracked interrupt (detail::post moves the
// receipt from scheduled to queued unless cancel() got there first).
// Cancelling a fired alarm withdraws the queued interrupt through the same
// receipt (delivery::cancel), so a deadline scope that ends never leaves its
// interrupt behind.
//
// Not instrumented by the plugin.
//
//===----------------------------------------------------------------------===//

#include "safepoint/deadline.hpp"
#include "request.h"
#include "safepoint/wait.hpp"
#include "wait_internal.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace safepoint {
namespace detail {

namespace {

class timer_service {
public:
  struct alarm {
    handle target;
    std::exception_ptr exception;
    std::shared_ptr<request_state> request;
  };
  using queue = std::multimap<deadline_ns, alarm>;

  /// The process-wide service. Never destroyed: alarms may be cancelled
  /// from static destructors and the thread may still be sleeping.
  static timer_service &get() {
    static timer_service *s = new timer_service;
    return *s;
  }

  void schedule(deadline_ns when, alarm a) {
    if (when == no_deadline)
      return; // never fires: the receipt stays scheduled until cancelled
    std::weak_ptr<request_state> weak = a.request;
    std::unique_lock lock(mutex_);
    if (!started_) {
      std::thread(&timer_service::run, this).detach();
      started_ = true;
    }
    auto it = alarms_.emplace(when, std::move(a));
    // Cancelling removes the alarm unless it fired (`armed` is guarded by
    // mutex_; the iterator is valid while it is set).
    it->second.request->armed = true;
    it->second.request->cancel_timer = [this, it, weak] {
      std::lock_guard lock(mutex_);
      if (auto r = weak.lock(); r && r->armed) {
        r->armed = false;
        alarms_.erase(it);
      }
    };
    bool earliest = it == alarms_.begin();
    lock.unlock();
    if (earliest)
      cv_.notify_one();
  }

private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (alarms_.empty()) {
        cv_.wait(lock);
        continue;
      }
      deadline_ns next = alarms_.begin()->first;
      if (monotonic_ns() < next) {
        cv_.wait_until(lock, std::chrono::steady_clock::time_point(
                                 std::chrono::nanoseconds(next)));
        continue;
      }
      alarm a = std::move(alarms_.begin()->second);
      alarms_.erase(alarms_.begin());
      a.request->armed = false;
      lock.unlock();
      fire(a);
      lock.lock();
    }
  }

  static void fire(alarm &a) noexcept {
    try {
      post(a.target, std::move(a.exception), {}, a.request);
    } catch (...) { // bad_alloc: the receipt says it was never delivered
      a.request->finish(delivery_status::dropped);
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  queue alarms_;
  bool started_ = false;
};

std::atomic<std::uint64_t> g_next_scope{1};
thread_local deadline_scope *t_deadlines = nullptr;

} // namespace

delivery schedule(const handle &target, deadline_ns when,
                  std::exception_ptr e) {
  if (!target)
    throw std::invalid_argument("safepoint::interrupt_after: empty handle");
  if (!e)
    throw std::invalid_argument("safepoint::interrupt_after: null exception");
  auto req =
      std::make_shared<request_state>(target, delivery_status::scheduled);
  timer_service::get().schedule(when, {target, std::move(e), req});
  return make_delivery(std::move(req));
}

} // namespace detail

deadline_scope::deadline_scope(detail::deadline_ns when, std::exception_ptr e)
    : id_(detail::g_next_scope.fetch_add(1, std::memory_order_relaxed)),
      when_(when), outer_(detail::t_deadlines) {
  if (!e)
    e = std::make_exception_ptr(deadline_exceeded{
        id_,
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(when))});
  alarm_ = detail::schedule(this_thread::handle(), when, std::move(e));
  detail::t_deadlines = this;
}

deadline_scope::~deadline_scope() {
  detail::t_deadlines = outer_;
  alarm_.cancel(); // scheduled: unscheduled; queued: withdrawn
}

std::chrono::steady_clock::time_point
deadline_scope::deadline() const noexcept {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(when_));
}

bool deadline_scope::expired() const noexcept {
  return detail::monotonic_ns() >= when_;
}

std::optional<std::chrono::steady_clock::time_point>
current_deadline() noexcept {
  std::optional<std::chrono::steady_clock::time_point> best;
  for (deadline_scope *s = detail::t_deadlines; s; s = s->outer_)
    if (!best || s->deadline() < *best)
      best = s->deadline();
  return best;
}

} // namespace safepoint
