// The same interpreter with threaded dispatch (GNU computed goto): every
// dispatch is a computed goto, which naive placement polls.
#include "interp_program.hpp"

using namespace interp;

__attribute__((noinline)) static std::int64_t interpret(const std::vector<insn> &code) {
  static void *const labels[] = {&&l_push, &&l_load, &&l_store, &&l_add,
                                 &&l_sub,  &&l_mul,  &&l_mod,   &&l_jnz,
                                 &&l_jmp,  &&l_dup,  &&l_pop,   &&l_halt};
  std::int64_t stack[64];
  std::int64_t regs[8] = {};
  int sp = 0;
  const insn *pc = code.data();
  const insn *base = pc;
#define DISPATCH() goto *labels[pc->code]
  DISPATCH();
l_push: stack[sp++] = pc->arg; ++pc; DISPATCH();
l_load: stack[sp++] = regs[pc->arg]; ++pc; DISPATCH();
l_store: regs[pc->arg] = stack[--sp]; ++pc; DISPATCH();
l_add: --sp; stack[sp - 1] += stack[sp]; ++pc; DISPATCH();
l_sub: --sp; stack[sp - 1] -= stack[sp]; ++pc; DISPATCH();
l_mul: --sp; stack[sp - 1] *= stack[sp]; ++pc; DISPATCH();
l_mod: --sp; stack[sp - 1] %= stack[sp]; ++pc; DISPATCH();
l_jnz: pc = stack[--sp] ? base + pc->arg : pc + 1; DISPATCH();
l_jmp: pc = base + pc->arg; DISPATCH();
l_dup: stack[sp] = stack[sp - 1]; ++sp; ++pc; DISPATCH();
l_pop: --sp; ++pc; DISPATCH();
l_halt: return stack[sp - 1];
#undef DISPATCH
}

static std::uint64_t run() { return static_cast<std::uint64_t>(interpret(prog)); }

BENCH_KERNEL("interp_goto", setup, run)
