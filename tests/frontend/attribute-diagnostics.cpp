// [[no_interrupts]] in all its spellings applies to functions, member
// functions and lambdas; anywhere else it is an error.
// RUN: %sp_clangxx -fsyntax-only -Xclang -verify %s
// RUN: %sp_clangxx -fsyntax-only -Xclang -verify -std=c++23 %s

[[no_interrupts]] void f1();
[[safepoint::no_interrupts]] void f2();
__attribute__((no_interrupts)) void f3();
void f4() __attribute__((no_interrupts));
template <class T> [[no_interrupts]] void f5(T);

struct S {
  [[no_interrupts]] void method();
  [[no_interrupts]] static void static_method();
  [[no_interrupts]] S();
  [[no_interrupts]] int field; // expected-error {{'no_interrupts' attribute only applies to functions, member functions and lambdas}}
};

[[no_interrupts]] int variable; // expected-error {{'no_interrupts' attribute only applies to functions, member functions and lambdas}}
struct [[no_interrupts]] Type {}; // expected-error {{'no_interrupts' attribute only applies to functions, member functions and lambdas}}
[[no_interrupts(1)]] void with_argument(); // expected-error {{'no_interrupts' attribute takes no arguments}}
void on_type() [[no_interrupts]]; // expected-error {{'no_interrupts' attribute cannot be applied to types}}

void statements() {
  auto lambda = []() __attribute__((no_interrupts)) {};
  lambda();
  [[no_interrupts]] for (;;) {} // expected-error {{'no_interrupts' attribute cannot be applied to a statement; use a safepoint::no_interrupts scope instead}}
}
