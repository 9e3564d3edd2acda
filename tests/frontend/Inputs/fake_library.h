// A stand-in for library code: everything here is from a system header.
#pragma clang system_header

namespace fakelib {
void may_throw();
void cannot_throw() noexcept;

struct node {
  node *next;
  unsigned key;
};

// Moves every node to its new bucket: only noexcept code, as in
// std::unordered_map's rehash. Interrupted halfway, the buckets would be lost.
inline void relink(node *n, node **buckets, unsigned count) {
  while (n) {
    node *next = n->next;
    unsigned b = n->key % count;
    n->next = buckets[b];
    buckets[b] = n;
    cannot_throw();
    n = next;
  }
}

// Calls something that can throw on every iteration: the library must be
// exception-safe here already.
inline void visit(node *n) {
  for (; n; n = n->next)
    may_throw();
}

// A user callback: polled if and only if it can throw.
template <class F> void for_each(int *b, int *e, F f) {
  for (; b != e; ++b)
    f(*b);
}

// A nested loop that can throw makes its outer loop poll too.
inline void nested(node **buckets, unsigned count) {
  for (unsigned i = 0; i < count; ++i)
    for (node *n = buckets[i]; n; n = n->next)
      may_throw();
}

// A backward goto in a function that cannot throw: no poll.
inline unsigned spin(unsigned n) {
again:
  if (n > 1) {
    n = n % 2 ? 3 * n + 1 : n / 2;
    goto again;
  }
  return n;
}
} // namespace fakelib
