// Range-for strip-mining: over a random-access range the count `end - begin`
// is computed once (Sema builds the subtraction, so class iterators use their
// own operator-) and the inner loop is counted; other ranges keep the
// two-exit inner loop. Both poll once per chunk of 1024 elements.
// RUN: %sp_clangxx -O0 -S -emit-llvm -fno-discard-value-names -o - %s | FileCheck %s
// RUN: %sp_clangxx -O1 -c -o /dev/null -Rpass=safepoint %s 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: env SAFEPOINT_ABLATE=range-count %sp_clangxx -O0 -S -emit-llvm -fno-discard-value-names -o - %s | FileCheck %s --check-prefix=ABLATED
// RUN: env SAFEPOINT_ABLATE=chunk-calls,work-budget %sp_clangxx -O0 -S -emit-llvm -fno-discard-value-names -o - %s | FileCheck %s --check-prefix=CHUNK

#include <list>
#include <vector>

// A random-access-looking iterator that does not say it is one: no
// iterator_category, so its operator- is not trusted as a count.
struct It {
  int *p;
  int &operator*() const { return *p; }
  It &operator++() {
    ++p;
    return *this;
  }
  bool operator!=(It o) const { return p != o.p; }
  long operator-(It o) const { return p - o.p; }
};
struct Span {
  int *b, *e;
  It begin() const { return {b}; }
  It end() const { return {e}; }
};

// Pointers: the count is the pointer difference, then one chunk at a time.
// CHECK-LABEL: define {{.*}}@_Z3arrRA8192_i(
// CHECK:         %[[DIFF:.*]] = sdiv exact i64
// CHECK-NEXT:    store i64 %[[DIFF]], ptr %__safepoint_n
// CHECK:       while.cond:
// CHECK:         icmp ne i64 %{{.*}}, 0
// CHECK:       while.body:
// CHECK:         load volatile i32, ptr %{{.*}}, align 4, !safepoint.chunk
// CHECK:         icmp ugt i64 %{{.*}}, 1024
// CHECK:         store i64 %{{.*}}, ptr %__safepoint_chunk
// CHECK:       for.cond:
// CHECK:         icmp ult i64 %{{.*}}, %{{.*}}
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:       while.end:
// REMARK-DAG: placement-range.cpp:[[@LINE+2]]:28: remark: poll at loop back-edge, once per chunk of iterations (strip-mined) in 'arr(int (&) [8192])'
// ABLATED-LABEL: define {{.*}}@_Z3arrRA8192_i(
void arr(int (&a)[8192]) { for (int &x : a) x = x * 3 + 1; }
// Without the count (SAFEPOINT_ABLATE=range-count), the two-exit form.
// ABLATED-NOT:   __safepoint_n
// ABLATED:       icmp ult i32 %{{.*}}, 1024

// std::vector: __normal_iterator's operator- gives the count.
// CHECK-LABEL: define {{.*}}@_Z3vecRSt6vectorIiSaIiEE(
// CHECK:         %[[N:.*]] = call noundef i64 @_ZN9__gnu_cxxmi
// CHECK-NEXT:    store i64 %[[N]], ptr %__safepoint_n
// CHECK:         icmp ult i64 %{{.*}}, %{{.*}}
// CHECK:       while.end:
// REMARK-DAG: placement-range.cpp:[[@LINE+2]]:3: remark: poll at loop back-edge, once per chunk of iterations (strip-mined) in 'vec(std::vector<int, std::allocator<int>>&)'
void vec(std::vector<int> &v) {
  for (int &x : v) x += 2;
}

// std::list is not random-access: the inner loop stops after 1024 elements
// or at the end.
// CHECK-LABEL: define {{.*}}@_Z3lstRKNSt7__cxx114listIiSaIiEEE(
// CHECK-NOT:     __safepoint_n
// CHECK:         icmp ult i32 %{{.*}}, 1024
// CHECK:         call {{.*}}@_ZSteqRKSt20_List_const_iteratorIiES2_(
// CHECK:       }
long lst(const std::list<int> &l) {
  long s = 0;
  for (int x : l)
    s += x;
  return s;
}

// An iterator without iterator_category keeps the two-exit form too.
// CHECK-LABEL: define {{.*}}@_Z2ra4Span(
// CHECK-NOT:     __safepoint_n
// CHECK:         icmp ult i32 %{{.*}}, 1024
// CHECK:         call {{.*}}@_ZNK2ItneES_(
// CHECK:       }
void ra(Span r) {
  for (int &x : r)
    x += 1;
}

// continue goes to the increment: it still advances the iterator.
// CHECK-LABEL: define {{.*}}@_Z4skipRSt6vectorIiSaIiEE(
// CHECK:       if.then:
// CHECK-NEXT:    br label %for.inc
// CHECK:       for.inc:
// CHECK:         add i64 %{{.*}}, 1
// CHECK-NEXT:    store i64 %{{.*}}, ptr %__safepoint_k
// CHECK-NEXT:    call {{.*}}@_ZN9__gnu_cxx17__normal_iteratorIPiSt6vectorIiSaIiEEEppEv(
void skip(std::vector<int> &v) {
  for (int &x : v) {
    if (x < 0)
      continue;
    x *= 2;
  }
}

// A body making calls the optimizer cannot see through (virtual, to a
// function defined elsewhere, or to one never inlined) costs an unknown
// amount per iteration: chunks of 64. A call of an inline function keeps chunks of 1024, and so does one
// of a function that does not return (libstdc++'s assertion in
// std::vector::operator[], say).
// (SAFEPOINT_ABLATE=chunk-calls,work-budget: 1024 everywhere.)
struct Shape {
  virtual double area() const = 0;
};
// CHECK-LABEL: define {{.*}}@_Z5areasRSt6vectorIP5ShapeSaIS1_EE(
// CHECK:         icmp ugt i64 %{{.*}}, 64
// CHECK:       while.end:
// CHUNK-LABEL: define {{.*}}@_Z5areasRSt6vectorIP5ShapeSaIS1_EE(
// CHUNK:         icmp ugt i64 %{{.*}}, 1024
double areas(std::vector<Shape *> &v) {
  double s = 0;
  for (Shape *p : v)
    s += p->area();
  return s;
}
// A nested loop's poll is not a call.
// CHECK-LABEL: define {{.*}}@_Z6nested{{.*}}(
// CHECK:         icmp ugt i32 %{{.*}}, 1024
long nested(const int **rows, const int *len, int n) {
  long s = 0;
  for (int i = 0; i < n; ++i)
    for (int k = len[i]; k > 0; --k)
      s += rows[i][k - 1];
  return s;
}
double external(int);
// CHECK-LABEL: define {{.*}}@_Z9externalsi(
// CHECK:         icmp ugt i32 %{{.*}}, 64
// CHUNK-LABEL: define {{.*}}@_Z9externalsi(
// CHUNK:         icmp ugt i32 %{{.*}}, 1024
double externals(int n) {
  double s = 0;
  for (int i = 0; i < n; ++i)
    s += external(i);
  return s;
}
// A function that is never inlined stays a call per iteration, defined here
// or not.
__attribute__((noinline)) static double kept(int i) { return 3.0 * i; }
// CHECK-LABEL: define {{.*}}@_Z5noinli(
// CHECK:         icmp ugt i32 %{{.*}}, 64
// CHUNK-LABEL: define {{.*}}@_Z5noinli(
// CHUNK:         icmp ugt i32 %{{.*}}, 1024
double noinl(int n) {
  double s = 0;
  for (int i = 0; i < n; ++i)
    s += kept(i);
  return s;
}
[[noreturn]] void fail();
inline double twice(int i) { return 2.0 * i; }
// CHECK-LABEL: define {{.*}}@_Z7inlinedi(
// CHECK:         icmp ugt i32 %{{.*}}, 1024
double inlined(int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) {
    if (i < 0)
      fail(); // never returns: not a cost per iteration
    s += twice(i);
  }
  return s;
}
template <class T> struct Box {
  T x;
  T get() const; // defined below: instantiated at the end of the file
};
template <class T> T Box<T>::get() const { return x; }
// CHECK-LABEL: define {{.*}}@_Z5boxesPK3BoxIdEi(
// CHECK:         icmp ugt i32 %{{.*}}, 1024
double boxes(const Box<double> *b, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i)
    s += b[i].get();
  return s;
}
// CHECK-LABEL: define {{.*}}@_Z9subscriptRSt6vectorIdSaIdEE(
// CHECK:         icmp ugt i64 %{{.*}}, 1024
double subscript(std::vector<double> &v) {
  double s = 0;
  std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i)
    s += v[i];
  return s;
}
