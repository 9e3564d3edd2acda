// Pointer chasing through a linked list laid out in random order: a loop
// whose every iteration is one dependent load (latency bound).
#include "common.hpp"

struct node {
  node *next;
  std::uint64_t value;
};
static std::vector<node> nodes;
static node *head;

static void setup() {
  bench::rng r(5);
  const std::uint32_t n = 1 << 16;
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i)
    order[i] = i;
  for (std::uint32_t i = n - 1; i > 0; --i)
    std::swap(order[i], order[r.below(i + 1)]);
  nodes.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    nodes[order[i]].next = i + 1 < n ? &nodes[order[i + 1]] : nullptr;
    nodes[order[i]].value = i;
  }
  head = &nodes[order[0]];
}

__attribute__((noinline)) static std::uint64_t walk(const node *p) {
  std::uint64_t s = 0;
  while (p) {
    s += p->value;
    p = p->next;
  }
  return s;
}

static std::uint64_t run() {
  std::uint64_t acc = 0;
  for (int rep = 0; rep < 200; ++rep) {
    acc += walk(head);
    bench::keep(acc); // walk() is pure: without this it is hoisted
  }
  return acc;
}

BENCH_KERNEL("pointer_chase", setup, run)
