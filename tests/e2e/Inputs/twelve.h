// Twelve accumulators a loop keeps live across its polls, for the tests of
// the slow paths that keep the caller's registers (preserving-slow-path.cpp,
// lto-preserving-slow-path.cpp). Inlined and promoted, they are twelve
// values in registers; a slow path that clobbered one changes the result.
#ifndef SAFEPOINT_TESTS_TWELVE_H
#define SAFEPOINT_TESTS_TWELVE_H

#include "harness.h"

struct Twelve {
  unsigned long a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8, i = 9,
                j = 10, k = 11, l = 12;

  /// One iteration; \p it is the iteration number.
  [[gnu::always_inline]] void step(unsigned long it) {
    a += b ^ it;
    b = (b << 1 | b >> 63) + c;
    c ^= d * 3;
    d += e >> 2;
    e = e * 5 + f;
    f ^= g + it;
    g += h << 3;
    h ^= i * 7;
    i += j ^ a;
    j = j * 9 + k;
    k ^= l + b;
    l += a ^ k;
  }

  unsigned long checksum() const {
    return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ k ^ l;
  }

  /// The three words the tests compare.
  void result(unsigned long *out) const {
    out[0] = a ^ b ^ c ^ d;
    out[1] = e ^ f ^ g ^ h;
    out[2] = i ^ j ^ k ^ l;
  }
};

/// What a landing pad sees of the loop: a copy of the twelve accumulators
/// and their checksum, updated every iteration. Thirteen values live into
/// the landing pad need more registers than the C convention's six
/// callee-saved ones: a slow path whose convention the unwinder does not
/// honour on the way to the pad corrupts some of them. (No asm to hide the
/// checksum's relation to the copy: ThinLTO does not import a function with
/// inline asm. The values reach the pad through the loop's phis, which the
/// optimizer does not see through.)
struct Witness {
  Twelve seen;
  unsigned long sum = Twelve().checksum();

  [[gnu::always_inline]] void update(const Twelve &t) {
    seen = t;
    sum = t.checksum();
  }
};

/// Set by the tests' guards when they die: whether their Witness was
/// consistent. The values are passed to an out-of-line function rather than
/// checked in place: LLVM 19's LiveRangeShrink may hoist arithmetic on a
/// landing pad's phis above the pad's label (llvm/llvm-project#114194, fixed
/// in LLVM 20), which would break the check whatever the slow path does.
inline bool witness_consistent = true;
[[gnu::noinline]] inline void
record_witness_values(unsigned long a, unsigned long b, unsigned long c,
                      unsigned long d, unsigned long e, unsigned long f,
                      unsigned long g, unsigned long h, unsigned long i,
                      unsigned long j, unsigned long k, unsigned long l,
                      unsigned long sum) {
  bool ok = (a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ i ^ j ^ k ^ l) == sum;
  __atomic_store_n(&witness_consistent, ok, __ATOMIC_RELAXED);
}
inline void record_witness(const Witness &w) {
  const Twelve &s = w.seen;
  record_witness_values(s.a, s.b, s.c, s.d, s.e, s.f, s.g, s.h, s.i, s.j, s.k,
                        s.l, w.sum);
}
inline bool witness_agrees() {
  return __atomic_load_n(&witness_consistent, __ATOMIC_RELAXED);
}

/// Kept alive across a polled loop, so that the loop's polls get a landing
/// pad, which needs what the loop keeps in registers. Counted as tag 5.
struct Guard {
  harness::Tracked t{5};
  Witness wit;
  ~Guard() { record_witness(wit); }
};

#endif
