// Cleanup code is never interrupted: an interrupt that arrives while a
// destructor, a noexcept function, a catch handler, a [[no_interrupts]]
// function or a no_interrupts scope is active anywhere on the stack is
// deferred until that frame is gone, then delivered at the next poll. Never
// std::terminate, never lost.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O1 %s -o %t.O1 %sp_link && %t.O1
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: %sp_clangxx -Os %s -o %t.Os %sp_link && %t.Os

#include "harness.h"

#include <vector>

using namespace harness;

// Instrumented code with polls in its loop: runs until an interrupt is
// pending for this thread. Called from cleanup code, its polls must defer.
static void work_until_pending() {
  for (unsigned long i = 0; !safepoint::interrupt_pending(); ++i)
    consume(i);
}

static void spin_forever() {
  for (unsigned long i = 0;; ++i)
    consume(i);
}

static bool cleanup_done;

// Interrupts the worker while it runs cleanup code; checks that the cleanup
// ran to completion and that the interrupt was then caught after it.
template <class F> static void expect_deferred(F cleanup) {
  reset();
  cleanup_done = false;
  bool caught = false;
  interrupt_when_reached([&] {
    try {
      cleanup();
      CHECK(cleanup_done);
      spin_forever(); // the first poll after the cleanup delivers
    } catch (Timeout &t) {
      CHECK(t.seconds == 3);
      caught = true;
    }
  });
  CHECK(caught);
  CHECK(cleanup_done);
}

struct SlowDestructor {
  ~SlowDestructor() {
    reached();
    work_until_pending();
    cleanup_done = true;
  }
};

static void noexcept_fn() noexcept {
  reached();
  work_until_pending();
  cleanup_done = true;
}

[[safepoint::no_interrupts]] static void attributed_fn() {
  reached();
  work_until_pending();
  cleanup_done = true;
}

[[no_interrupts]] static void attributed_loop() {
  reached();
  // A loop written directly in a [[no_interrupts]] function has no poll.
  for (unsigned long i = 0; !safepoint::interrupt_pending(); ++i)
    consume(i);
  cleanup_done = true;
}

struct DuringUnwinding {
  ~DuringUnwinding() {
    CHECK(std::uncaught_exceptions() == 1);
    reached();
    work_until_pending();
    cleanup_done = true;
  }
};

int main() {
  expect_deferred([] { SlowDestructor d; });
  expect_deferred([] { noexcept_fn(); });
  expect_deferred([] { attributed_fn(); });
  expect_deferred([] { attributed_loop(); });
  expect_deferred([] {
    auto lambda = []() __attribute__((no_interrupts)) {
      reached();
      work_until_pending();
      cleanup_done = true;
    };
    lambda();
  });

  // A catch handler running instrumented code, and a loop in the handler.
  expect_deferred([] {
    try {
      throw 1;
    } catch (int) {
      reached();
      work_until_pending();
      for (int i = 0; i < 1000; ++i)
        consume(i);
      cleanup_done = true;
    }
  });

  // A destructor running while another exception unwinds the stack.
  expect_deferred([] {
    try {
      DuringUnwinding d;
      throw 42;
    } catch (int v) {
      CHECK(v == 42);
    }
  });

  // An explicit no_interrupts scope.
  expect_deferred([] {
    safepoint::no_interrupts mask;
    reached();
    work_until_pending();
    cleanup_done = true;
  });

  // interrupts_enabled inside a mask delivers there.
  {
    bool caught_inside = false;
    interrupt_when_reached([&] {
      safepoint::no_interrupts mask;
      try {
        safepoint::interrupts_enabled unmask;
        reached();
        spin_forever();
      } catch (Timeout &) {
        caught_inside = true;
      }
    });
    CHECK(caught_inside);
  }

  // Interrupts sent while masked arrive after the mask, one per poll, in the
  // order sent: none lost, none duplicated.
  {
    std::atomic<int> sent{0};
    std::atomic<bool> ready{false};
    std::vector<int> got;
    safepoint::thread worker([&] {
      {
        safepoint::no_interrupts mask;
        ready = true;
        while (sent.load() != 5)
          work_until_pending(); // polls, all deferred
      }
      // Polls outside the try would deliver there too: mask the loop and
      // re-enable interrupts only inside the try.
      safepoint::no_interrupts collecting;
      for (int k = 0; k < 5; ++k) {
        try {
          safepoint::interrupts_enabled unmask;
          spin_forever();
        } catch (Timeout &t) {
          got.push_back(t.seconds);
        }
      }
      CHECK(!safepoint::interrupt_pending());
    });
    while (!ready.load())
      std::this_thread::yield();
    for (int k = 1; k <= 5; ++k) {
      CHECK(worker.interrupt(Timeout{"fifo", k}));
      ++sent;
    }
    worker.join();
    CHECK((got == std::vector<int>{1, 2, 3, 4, 5}));
  }

  std::puts("deferral: all cases passed");
  return 0;
}
