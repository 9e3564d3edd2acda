// An interrupt thrown at a poll runs the destructor of every live object in
// every frame exactly once and reaches every enclosing matching catch, for
// every loop kind and call shape, at every optimization level.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O1 %s -o %t.O1 %sp_link && %t.O1
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: %sp_clangxx -Os %s -o %t.Os %sp_link && %t.Os

#include "harness.h"

#include <functional>
#include <map>
#include <vector>

using namespace harness;

// expect_caught (harness.h) runs each shape on a worker and checks the catch.

// Loops defined before their callers.
static void for_loop() {
  Tracked a(1);
  for (unsigned long i = 0;; ++i) {
    Tracked b(2);
    reached();
    consume(i);
  }
}

static void while_loop();
static void do_loop();

// A loop with no call at all in its body.
static void pure_loop(unsigned long x) {
  Tracked a(1);
  while (true) {
    x = x * 6364136223846793005ul + 1442695040888963407ul;
    __atomic_store_n(&sink, x, __ATOMIC_RELAXED);
    __atomic_store_n(&reached_flag, true, __ATOMIC_RELEASE);
  }
}

struct Forever {
  struct It {
    unsigned long i;
    unsigned long operator*() const { return i; }
    It &operator++() { ++i; return *this; }
    bool operator!=(const It &) const { return true; }
  };
  It begin() const { return {0}; }
  It end() const { return {0}; }
};

static void range_for() {
  Tracked a(1);
  for (unsigned long v : Forever{}) {
    Tracked b(2);
    reached();
    consume(v);
  }
}

static void backward_goto() {
  Tracked a(1);
  unsigned long i = 0;
again:
  {
    Tracked b(2);
    reached();
    consume(++i);
  }
  goto again;
}

// No loop anywhere: only entry polls interrupt this (2^60 calls, depth 60).
static void recursion(int depth) {
  Tracked t(3);
  reached();
  if (depth < 60) {
    recursion(depth + 1);
    recursion(depth + 1);
  }
}

template <class T> static void template_loop(T step) {
  Tracked a(4);
  for (T i = 0;; i += step) {
    Tracked b(5);
    reached();
    consume(static_cast<unsigned long>(i));
  }
}

struct Task {
  virtual void run() = 0;
  virtual ~Task() = default;
};
struct LoopTask : Task {
  void run() override {
    Tracked a(6);
    for (unsigned long i = 0;; ++i) {
      reached();
      consume(i);
    }
  }
};

__attribute__((always_inline)) inline void inlined_loop() {
  Tracked a(7);
  for (unsigned long i = 0;; ++i) {
    Tracked b(8);
    reached();
    consume(i);
  }
}

// Library-heavy loop body: containers allocate and free on every iteration.
static void library_loop() {
  std::map<int, std::vector<int>> m;
  for (int i = 0;; ++i) {
    Tracked t(9);
    m[i % 64].push_back(i);
    if (m[i % 64].size() > 8)
      m.erase(i % 64);
    reached();
  }
}

// Three frames, each with live objects; the middle one catches, counts and
// rethrows, so every enclosing matching handler sees the interrupt.
static int middle_catches;
static void level3() {
  Tracked t(12);
  for (unsigned long i = 0;; ++i) {
    Tracked u(13);
    reached();
    consume(i);
  }
}
static void level2() {
  Tracked t(11);
  try {
    level3();
  } catch (Timeout &) {
    ++middle_catches;
    CHECK(destroyed[12] == 1 && destroyed[11] == 0);
    throw;
  }
}
static void level1() {
  Tracked t(10);
  level2();
}

int main() {
  expect_caught([] { for_loop(); });
  expect_caught([] { while_loop(); });
  expect_caught([] { do_loop(); });
  expect_caught([] { pure_loop(42); });
  expect_caught([] { range_for(); });
  expect_caught([] { backward_goto(); });
  expect_caught([] { recursion(0); });
  expect_caught([] { template_loop<int>(1); });
  expect_caught([] { template_loop<double>(0.5); });
  expect_caught([] {
    Tracked a(14);
    std::unique_ptr<Task> task = std::make_unique<LoopTask>();
    task->run();
  });
  expect_caught([] { inlined_loop(); });
  expect_caught([] { library_loop(); });

  // A loop written directly inside the try.
  expect_caught([] {
    Tracked a(1);
    for (unsigned long i = 0;; ++i) {
      Tracked b(2);
      reached();
      consume(i);
    }
  });

  // Lambdas and std::function targets.
  expect_caught([] {
    auto loop = [](unsigned long n) {
      Tracked a(15);
      for (;; ++n) {
        reached();
        consume(n);
      }
    };
    loop(7);
  });
  expect_caught([] {
    std::function<void(int)> fn = [](int n) {
      Tracked a(16);
      while (true) {
        Tracked b(17);
        reached();
        consume(n++);
      }
    };
    fn(3);
  });

  middle_catches = 0;
  expect_caught([] { level1(); });
  CHECK(middle_catches == 1);

  std::puts("eh-shapes: all cases passed");
  return 0;
}

// Loops defined after their callers.
static void while_loop() {
  Tracked a(1);
  unsigned long i = 0;
  while (true) {
    Tracked b(2);
    reached();
    consume(++i);
  }
}

static void do_loop() {
  Tracked a(1);
  unsigned long i = 0;
  do {
    Tracked b(2);
    reached();
    consume(++i);
  } while (i != 0);
}
